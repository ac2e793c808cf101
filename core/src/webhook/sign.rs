//! The sending side: producing the headers receivers verify.

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use super::headers::HeaderMap;
use super::scheme::{
    Mac, SHA256_SIGNATURE_HEADER, Scheme, TIMESTAMPED_SIGNATURE_HEADER, WEBHOOK_ID_HEADER,
    WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER,
};
use super::secret::Secret;
use crate::error::{Error, ErrorCode, Result};

/// HMAC-SHA256 of what `scheme` signs: `"{id}.{timestamp}.{body}"`,
/// `"{timestamp}.{body}"` or the body, fed in pieces (the body is never copied).
pub(crate) fn compute_mac(
    secret: &Secret,
    scheme: Scheme,
    id: &str,
    timestamp: &str,
    body: &[u8],
) -> Mac {
    let mut mac =
        <Hmac<Sha256>>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    match scheme {
        Scheme::Standard => {
            mac.update(id.as_bytes());
            mac.update(b".");
            mac.update(timestamp.as_bytes());
            mac.update(b".");
        }
        Scheme::Timestamped => {
            mac.update(timestamp.as_bytes());
            mac.update(b".");
        }
        Scheme::Sha256 => {}
    }
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Signs webhook payloads with one or more secrets (several during a
/// rotation, so receivers holding either secret accept the message).
#[derive(Debug, Clone)]
pub struct Signer {
    secrets: Vec<Secret>,
    scheme: Scheme,
}

impl Signer {
    /// A Standard Webhooks signer with one secret.
    pub fn new(secret: Secret) -> Self {
        Signer {
            secrets: vec![secret],
            scheme: Scheme::Standard,
        }
    }

    /// A signer with several secrets; at least one is needed.
    pub fn with_secrets(secrets: impl IntoIterator<Item = Secret>) -> Result<Self> {
        let secrets: Vec<Secret> = secrets.into_iter().collect();
        if secrets.is_empty() {
            return Err(Error::new(
                ErrorCode::WebhookInvalidSecret,
                "no webhook secret given",
            ));
        }
        Ok(Signer {
            secrets,
            scheme: Scheme::Standard,
        })
    }

    /// Uses `scheme` instead of Standard Webhooks.
    #[must_use]
    pub fn scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// The headers to send with `body`: message `id` (Standard Webhooks
    /// only; it must be non-empty) and Unix `timestamp` in seconds (unused by
    /// the `sha256` scheme).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> Result<HeaderMap> {
        if timestamp < 0 {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "webhook timestamp must not be negative",
            ));
        }
        let stamp = timestamp.to_string();
        let macs = self
            .secrets
            .iter()
            .map(|secret| compute_mac(secret, self.scheme, id, &stamp, body));
        let mut headers = HeaderMap::new();
        match self.scheme {
            Scheme::Standard => {
                if id.trim().is_empty() {
                    return Err(Error::new(
                        ErrorCode::InvalidArgument,
                        "a Standard Webhooks message needs an id",
                    ));
                }
                let signatures: Vec<String> = macs
                    .map(|mac| format!("v1,{}", base64_encode(&mac)))
                    .collect();
                headers.insert(WEBHOOK_ID_HEADER, id);
                headers.insert(WEBHOOK_TIMESTAMP_HEADER, stamp);
                headers.insert(WEBHOOK_SIGNATURE_HEADER, signatures.join(" "));
            }
            Scheme::Timestamped => {
                let mut value = format!("t={stamp}");
                for mac in macs {
                    value.push_str(",v1=");
                    value.push_str(&hex::encode(mac));
                }
                headers.insert(TIMESTAMPED_SIGNATURE_HEADER, value);
            }
            Scheme::Sha256 => {
                let signatures: Vec<String> = macs
                    .map(|mac| format!("sha256={}", hex::encode(mac)))
                    .collect();
                headers.insert(SHA256_SIGNATURE_HEADER, signatures.join(","));
            }
        }
        Ok(headers)
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_signature_matches_the_specs_construction() {
        // HMAC-SHA256(key, "msg_1.1700000000.{}") computed independently with
        // Python's hmac module.
        let secret = Secret::from_bytes(b"test-secret-key".to_vec()).unwrap();
        let headers = Signer::new(secret)
            .sign("msg_1", 1_700_000_000, b"{}")
            .unwrap();
        assert_eq!(headers.get("webhook-id"), Some("msg_1"));
        assert_eq!(headers.get("webhook-timestamp"), Some("1700000000"));
        assert_eq!(
            headers.get("webhook-signature"),
            Some("v1,Ek1T837CYsaFJWCaMkSW5ORqJkO59xDjFLx8TjoFpHU=")
        );
    }

    #[test]
    fn rotation_signs_with_every_secret() {
        let a = Secret::parse("old-secret-0123456789").unwrap();
        let b = Secret::parse("new-secret-0123456789").unwrap();
        let headers = Signer::with_secrets([a, b])
            .unwrap()
            .scheme(Scheme::Timestamped)
            .sign("", 5, b"x")
            .unwrap();
        let value = headers.get("x-webhook-signature").unwrap();
        assert!(value.starts_with("t=5,v1="));
        assert_eq!(value.matches(",v1=").count(), 2);
    }

    #[test]
    fn standard_messages_need_an_id_and_timestamps_are_not_negative() {
        let signer = Signer::new(Secret::parse("k").unwrap());
        assert_eq!(
            signer.sign(" ", 1, b"").unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            signer.sign("m", -1, b"").unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        assert!(Signer::with_secrets([]).is_err());
    }
}
