//! The signature schemes, their headers, and how their headers parse.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::headers::HeaderMap;
use crate::error::{Error, ErrorCode, Result};

/// Standard Webhooks message id header.
pub const WEBHOOK_ID_HEADER: &str = "webhook-id";
/// Standard Webhooks timestamp header (Unix seconds).
pub const WEBHOOK_TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// Standard Webhooks signature header (`v1,<base64>` entries).
pub const WEBHOOK_SIGNATURE_HEADER: &str = "webhook-signature";
/// Signature header of the timestamped scheme (`t=<unix>,v1=<hex>`).
pub const TIMESTAMPED_SIGNATURE_HEADER: &str = "x-webhook-signature";
/// Signature header of the body-only scheme (`sha256=<hex>`).
pub const SHA256_SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// A webhook signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
    Standard,
    /// `x-webhook-signature: t=<unix>,v1=<hex>` over `"{t}.{body}"`.
    Timestamped,
    /// `x-hub-signature-256: sha256=<hex>` over the body.
    Sha256,
}

impl Scheme {
    /// Every scheme.
    pub const ALL: [Scheme; 3] = [Scheme::Standard, Scheme::Timestamped, Scheme::Sha256];

    /// The scheme's name: `standard`, `timestamped` or `sha256`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Standard => "standard",
            Scheme::Timestamped => "timestamped",
            Scheme::Sha256 => "sha256",
        }
    }

    /// The header carrying this scheme's signature.
    pub const fn signature_header(self) -> &'static str {
        match self {
            Scheme::Standard => WEBHOOK_SIGNATURE_HEADER,
            Scheme::Timestamped => TIMESTAMPED_SIGNATURE_HEADER,
            Scheme::Sha256 => SHA256_SIGNATURE_HEADER,
        }
    }

    /// The scheme whose signature header is present, if any (Standard
    /// Webhooks first; `x-webhook-signature` may also carry `sha256=`).
    pub(crate) fn detect(headers: &HeaderMap) -> Option<Scheme> {
        if headers.contains(WEBHOOK_SIGNATURE_HEADER) {
            return Some(Scheme::Standard);
        }
        if let Some(value) = headers.get(TIMESTAMPED_SIGNATURE_HEADER) {
            return Some(if value.trim_start().starts_with("sha256=") {
                Scheme::Sha256
            } else {
                Scheme::Timestamped
            });
        }
        headers
            .contains(SHA256_SIGNATURE_HEADER)
            .then_some(Scheme::Sha256)
    }
}

crate::model::text_enum!(Scheme, "webhook scheme");

/// Longest signature header read, and most signatures compared: bounds the
/// work an attacker can cause per request.
const MAX_HEADER_BYTES: usize = 8 * 1024;
const MAX_SIGNATURES: usize = 32;

/// A MAC is HMAC-SHA256 output.
pub(crate) type Mac = [u8; 32];

/// What the headers of one signed message say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedHeaders {
    pub scheme: Scheme,
    /// Standard Webhooks message id.
    pub id: Option<String>,
    /// Timestamp as sent (signed as text) and as a number.
    pub timestamp: Option<(String, i64)>,
    /// Candidate MACs, undecodable entries dropped.
    pub signatures: Vec<Mac>,
}

fn malformed(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::WebhookMalformedHeader, message)
}

fn missing(name: &str, scheme: Scheme) -> Error {
    Error::new(
        ErrorCode::WebhookMissingHeader,
        format!("missing header {name} (required by the {scheme} scheme)"),
    )
}

/// The single value of a header that must not be repeated with different values.
fn single<'a>(headers: &'a HeaderMap, name: &'a str, scheme: Scheme) -> Result<&'a str> {
    let mut values = headers.get_all(name);
    let first = values.next().ok_or_else(|| missing(name, scheme))?;
    if values.any(|other| other.trim() != first.trim()) {
        return Err(malformed(format!(
            "header {name} is repeated with different values"
        )));
    }
    Ok(first.trim())
}

fn parse_timestamp(text: &str, name: &str) -> Result<(String, i64)> {
    let valid = !text.is_empty() && text.len() <= 12 && text.bytes().all(|b| b.is_ascii_digit());
    let value = valid.then(|| text.parse::<i64>().ok()).flatten();
    value
        .map(|value| (text.to_owned(), value))
        .ok_or_else(|| malformed(format!("{name} {text:?} is not a Unix time in seconds")))
}

fn decode_mac(bytes: Option<Vec<u8>>) -> Option<Mac> {
    bytes.and_then(|bytes| Mac::try_from(bytes.as_slice()).ok())
}

fn signature_values<'a>(headers: &'a HeaderMap, name: &'a str) -> Result<Vec<&'a str>> {
    let values: Vec<&str> = headers.get_all(name).collect();
    if values.iter().map(|v| v.len()).sum::<usize>() > MAX_HEADER_BYTES {
        return Err(malformed(format!(
            "header {name} is longer than {MAX_HEADER_BYTES} bytes"
        )));
    }
    Ok(values)
}

fn check_count(entries: usize, name: &str, version: &str) -> Result<()> {
    if entries == 0 {
        return Err(malformed(format!(
            "header {name} has no {version} signature"
        )));
    }
    if entries > MAX_SIGNATURES {
        return Err(malformed(format!(
            "header {name} has more than {MAX_SIGNATURES} signatures"
        )));
    }
    Ok(())
}

/// Reads the headers of `scheme`.
pub(crate) fn parse(scheme: Scheme, headers: &HeaderMap) -> Result<SignedHeaders> {
    // `sha256=` may also travel in `x-webhook-signature` (see `detect`).
    let name = match scheme {
        Scheme::Sha256 if !headers.contains(SHA256_SIGNATURE_HEADER) => {
            TIMESTAMPED_SIGNATURE_HEADER
        }
        _ => scheme.signature_header(),
    };
    let values = signature_values(headers, name)?;
    if values.is_empty() {
        return Err(missing(scheme.signature_header(), scheme));
    }
    match scheme {
        Scheme::Standard => {
            let id = single(headers, WEBHOOK_ID_HEADER, scheme)?;
            if id.is_empty() {
                return Err(malformed("header webhook-id is empty"));
            }
            let timestamp = parse_timestamp(
                single(headers, WEBHOOK_TIMESTAMP_HEADER, scheme)?,
                WEBHOOK_TIMESTAMP_HEADER,
            )?;
            let entries: Vec<&str> = values
                .iter()
                .flat_map(|value| value.split_whitespace())
                .filter_map(|entry| entry.strip_prefix("v1,"))
                .collect();
            let signatures: Vec<Mac> = entries
                .iter()
                .filter_map(|sig| decode_mac(STANDARD.decode(sig).ok()))
                .collect();
            check_count(entries.len(), name, "v1")?;
            Ok(SignedHeaders {
                scheme,
                id: Some(id.to_owned()),
                timestamp: Some(timestamp),
                signatures,
            })
        }
        Scheme::Timestamped => {
            let mut timestamp = None;
            let mut entries = Vec::new();
            for part in values.iter().flat_map(|value| value.split(',')) {
                let Some((key, value)) = part.split_once('=') else {
                    return Err(malformed(format!(
                        "header {name} has an entry without '=': {:?}",
                        part.trim()
                    )));
                };
                match key.trim() {
                    "t" if timestamp.is_some() => {
                        return Err(malformed(format!("header {name} repeats t=")));
                    }
                    "t" => timestamp = Some(parse_timestamp(value.trim(), "t=")?),
                    "v1" => entries.push(value.trim()),
                    _ => {}
                }
            }
            let timestamp =
                timestamp.ok_or_else(|| malformed(format!("header {name} has no t= timestamp")))?;
            let signatures: Vec<Mac> = entries
                .iter()
                .filter_map(|sig| decode_mac(hex::decode(sig).ok()))
                .collect();
            check_count(entries.len(), name, "v1=")?;
            Ok(SignedHeaders {
                scheme,
                id: None,
                timestamp: Some(timestamp),
                signatures,
            })
        }
        Scheme::Sha256 => {
            let entries: Vec<&str> = values
                .iter()
                .flat_map(|value| value.split(','))
                .filter_map(|entry| entry.trim().strip_prefix("sha256="))
                .collect();
            let signatures: Vec<Mac> = entries
                .iter()
                .filter_map(|sig| decode_mac(hex::decode(sig).ok()))
                .collect();
            check_count(entries.len(), name, "sha256=")?;
            Ok(SignedHeaders {
                scheme,
                id: None,
                timestamp: None,
                signatures,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs.iter().copied().collect()
    }

    #[test]
    fn schemes_are_detected_from_their_headers() {
        assert_eq!(
            Scheme::detect(&headers(&[("Webhook-Signature", "v1,x")])),
            Some(Scheme::Standard)
        );
        assert_eq!(
            Scheme::detect(&headers(&[("x-webhook-signature", "t=1,v1=ab")])),
            Some(Scheme::Timestamped)
        );
        assert_eq!(
            Scheme::detect(&headers(&[("x-webhook-signature", "sha256=ab")])),
            Some(Scheme::Sha256)
        );
        assert_eq!(
            Scheme::detect(&headers(&[("X-Hub-Signature-256", "sha256=ab")])),
            Some(Scheme::Sha256)
        );
        assert_eq!(
            Scheme::detect(&headers(&[("content-type", "application/json")])),
            None
        );
    }

    #[test]
    fn standard_headers_need_id_and_timestamp() {
        let err = parse(
            Scheme::Standard,
            &headers(&[("webhook-signature", "v1,AAAA")]),
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WebhookMissingHeader);
        assert!(err.message().contains("webhook-id"));
        let err = parse(
            Scheme::Standard,
            &headers(&[
                ("webhook-signature", "v1,AAAA"),
                ("webhook-id", "m"),
                ("webhook-timestamp", "12.5"),
            ]),
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WebhookMalformedHeader);
    }

    #[test]
    fn several_standard_signatures_are_read_and_other_versions_ignored() {
        let mac = STANDARD.encode([7u8; 32]);
        let value = format!("v1a,ignored v1,{mac} v1,{mac}");
        let parsed = parse(
            Scheme::Standard,
            &headers(&[
                ("webhook-signature", &value),
                ("webhook-id", "m"),
                ("webhook-timestamp", "1700000000"),
            ]),
        )
        .unwrap();
        assert_eq!(parsed.signatures, vec![[7u8; 32]; 2]);
        assert_eq!(
            parsed.timestamp,
            Some(("1700000000".to_owned(), 1_700_000_000))
        );
    }

    #[test]
    fn a_signature_header_without_v1_entries_is_malformed() {
        let err = parse(
            Scheme::Standard,
            &headers(&[
                ("webhook-signature", "v2,abc"),
                ("webhook-id", "m"),
                ("webhook-timestamp", "1"),
            ]),
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WebhookMalformedHeader);
        let err = parse(
            Scheme::Timestamped,
            &headers(&[("x-webhook-signature", "v1=ab")]),
        )
        .unwrap_err();
        assert!(err.message().contains("no t="), "{}", err.message());
        let err = parse(
            Scheme::Timestamped,
            &headers(&[("x-webhook-signature", "t=1,t=2,v1=ab")]),
        )
        .unwrap_err();
        assert!(err.message().contains("repeats"));
    }

    #[test]
    fn a_sha256_signature_in_x_webhook_signature_is_read() {
        let mac = hex::encode([9u8; 32]);
        let parsed = parse(
            Scheme::Sha256,
            &headers(&[("x-webhook-signature", &format!("sha256={mac}"))]),
        )
        .unwrap();
        assert_eq!(parsed.signatures, vec![[9u8; 32]]);
        let err = parse(Scheme::Sha256, &headers(&[("content-type", "text/plain")])).unwrap_err();
        assert_eq!(err.code(), ErrorCode::WebhookMissingHeader);
        assert!(err.message().contains("x-hub-signature-256"));
    }

    #[test]
    fn oversized_headers_are_refused() {
        let value = "v1,A ".repeat(3000);
        let err = parse(
            Scheme::Standard,
            &headers(&[
                ("webhook-signature", &value),
                ("webhook-id", "m"),
                ("webhook-timestamp", "1"),
            ]),
        )
        .unwrap_err();
        assert!(err.message().contains("longer than"));
    }

    #[test]
    fn repeated_ids_with_different_values_are_malformed() {
        let err = parse(
            Scheme::Standard,
            &headers(&[
                ("webhook-signature", "v1,AAAA"),
                ("webhook-id", "a"),
                ("webhook-id", "b"),
                ("webhook-timestamp", "1"),
            ]),
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WebhookMalformedHeader);
    }
}
