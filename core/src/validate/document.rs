//! Inline documents: multipart bytes and base64 text (plain or data URL).

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Serialize;

use super::limits::{Limits, describe_size};
use crate::error::{Error, ErrorCode, Problem, Result};
use crate::media::detect_format;
use crate::model::DocumentFormat;

/// How a document reached the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentSource {
    /// A multipart file upload.
    Multipart,
    /// Inline base64 text, plain or as a data URL.
    Base64,
    /// Fetched from `documentUrl`.
    Url,
}

/// What validation learned about an inline document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentInfo {
    /// How it arrived.
    pub source: DocumentSource,
    /// Its format, from magic bytes.
    pub format: DocumentFormat,
    /// The format's media type.
    pub media_type: &'static str,
    /// Its size in bytes (after base64 decoding).
    pub size_bytes: u64,
}

/// A base64 document after decoding and checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedDocument {
    /// What validation learned.
    pub info: DocumentInfo,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
}

fn too_large(size: u64, limit: u64, what: &str) -> Error {
    Error::new(
        ErrorCode::FileTooLarge,
        format!(
            "{what} is {}; the limit is {}",
            describe_size(size),
            describe_size(limit)
        ),
    )
}

fn check_inline(bytes: &[u8], source: DocumentSource, limits: &Limits) -> Result<DocumentInfo> {
    let size = bytes.len() as u64;
    if size > limits.max_inline_bytes {
        return Err(too_large(size, limits.max_inline_bytes, "document"));
    }
    let format = detect_format(bytes)?;
    Ok(DocumentInfo {
        source,
        format,
        media_type: format.media_type(),
        size_bytes: size,
    })
}

/// Checks a multipart upload: size within `max_inline_bytes`, format by magic bytes.
pub fn check_document_bytes(bytes: &[u8], limits: &Limits) -> Result<DocumentInfo> {
    check_inline(bytes, DocumentSource::Multipart, limits)
}

/// Accepts the standard and URL-safe alphabets, padded or not.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

fn invalid(reason: impl Into<String>) -> Error {
    Error::validation(vec![Problem::new("document", reason)])
}

/// Splits `data:[<type>][;params];base64,<data>` into its payload, or returns
/// the text as it is when it is not a data URL.
fn strip_data_url(text: &str) -> Result<&str> {
    let trimmed = text.trim_start();
    let Some(prefix) = trimmed.get(..5).filter(|p| p.eq_ignore_ascii_case("data:")) else {
        return Ok(text);
    };
    debug_assert_eq!(prefix.len(), 5);
    let rest = &trimmed[5..];
    let comma = rest
        .find(',')
        .ok_or_else(|| invalid("data URL has no ',' before its data"))?;
    let header = &rest[..comma];
    let is_base64 = header
        .split(';')
        .skip(1)
        .any(|param| param.trim().eq_ignore_ascii_case("base64"));
    if !is_base64 {
        return Err(invalid("data URL must be base64-encoded (';base64,')"));
    }
    Ok(&rest[comma + 1..])
}

/// Decodes base64 text (plain or a data URL; whitespace and line breaks
/// ignored; standard or URL-safe alphabet; padding optional), then checks it
/// like a multipart upload. The size limit applies to the decoded bytes and
/// is checked before decoding, so oversized text is never decoded.
pub fn decode_document_base64(text: &str, limits: &Limits) -> Result<DecodedDocument> {
    let payload = strip_data_url(text)?;
    let cleaned: Vec<u8> = payload
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    let data_len = cleaned
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(0, |last| last + 1);
    let decoded_len = (data_len as u64) * 3 / 4;
    if decoded_len > limits.max_inline_bytes {
        return Err(too_large(
            decoded_len,
            limits.max_inline_bytes,
            "document (after base64 decoding)",
        ));
    }
    if data_len == 0 {
        return Err(Error::new(
            ErrorCode::UnsupportedFormat,
            "unsupported format: found empty file; expected JPEG, PNG or PDF",
        ));
    }
    let url_safe = cleaned.iter().any(|&b| b == b'-' || b == b'_');
    let engine = if url_safe { &URL_SAFE } else { &STANDARD };
    let bytes = engine
        .decode(&cleaned)
        .map_err(|err| invalid(format!("is not valid base64: {err}")))?;
    let info = check_inline(&bytes, DocumentSource::Base64, limits)?;
    Ok(DecodedDocument { info, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG_HEAD: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0";

    fn encode(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn multipart_bytes_report_format_and_size() {
        let info = check_document_bytes(JPEG_HEAD, &Limits::default()).unwrap();
        assert_eq!(info.format, DocumentFormat::Jpeg);
        assert_eq!(info.size_bytes, JPEG_HEAD.len() as u64);
        assert_eq!(
            serde_json::to_string(&info).unwrap(),
            r#"{"source":"multipart","format":"jpeg","mediaType":"image/jpeg","sizeBytes":11}"#
        );
    }

    #[test]
    fn the_limit_is_inclusive_at_exactly_four_and_a_half_megabytes() {
        let mut bytes = vec![0u8; 4_718_592];
        bytes[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
        assert!(check_document_bytes(&bytes, &Limits::default()).is_ok());
        bytes.push(0);
        let err = check_document_bytes(&bytes, &Limits::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::FileTooLarge);
        assert_eq!(
            err.message(),
            "document is 4.5 MB (4718593 bytes); the limit is 4.5 MB (4718592 bytes)"
        );
    }

    #[test]
    fn size_is_checked_before_format() {
        let limits = Limits {
            max_inline_bytes: 4,
            ..Limits::default()
        };
        let err = check_document_bytes(b"GIF89a", &limits).unwrap_err();
        assert_eq!(err.code(), ErrorCode::FileTooLarge);
    }

    #[test]
    fn base64_with_line_breaks_and_data_url_prefix_decodes() {
        let mut text = String::from("data:image/jpeg;base64,");
        for chunk in encode(JPEG_HEAD).as_bytes().chunks(4) {
            text.push_str(std::str::from_utf8(chunk).unwrap());
            text.push_str("\r\n ");
        }
        let decoded = decode_document_base64(&text, &Limits::default()).unwrap();
        assert_eq!(decoded.bytes, JPEG_HEAD);
        assert_eq!(decoded.info.source, DocumentSource::Base64);
    }

    #[test]
    fn unpadded_and_url_safe_base64_decode() {
        let bytes = b"\x89PNG\r\n\x1a\n\xfb\xff";
        let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        assert!(url_safe.contains('-') || url_safe.contains('_'));
        let decoded = decode_document_base64(&url_safe, &Limits::default()).unwrap();
        assert_eq!(decoded.bytes, bytes);
    }

    #[test]
    fn the_base64_limit_is_measured_on_decoded_bytes() {
        let limits = Limits {
            max_inline_bytes: 12,
            ..Limits::default()
        };
        let twelve = [JPEG_HEAD, b"\0"].concat();
        assert_eq!(twelve.len(), 12);
        // 16 characters of base64 decode to 12 bytes: allowed, though the text is longer.
        assert!(decode_document_base64(&encode(&twelve), &limits).is_ok());
        let thirteen = [&twelve[..], b"\0"].concat();
        let err = decode_document_base64(&encode(&thirteen), &limits).unwrap_err();
        assert_eq!(err.code(), ErrorCode::FileTooLarge);
    }

    #[test]
    fn bad_base64_is_a_validation_error_on_the_document_field() {
        let err = decode_document_base64("not base64!", &Limits::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationError);
        assert_eq!(err.details()[0].field, "document");
        let err = decode_document_base64("data:image/png,abc", &Limits::default()).unwrap_err();
        assert!(
            err.message().contains("base64-encoded"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn decoded_gif_is_unsupported_and_empty_text_is_an_empty_file() {
        let err = decode_document_base64(&encode(b"GIF89a\0\0"), &Limits::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::UnsupportedFormat);
        let err = decode_document_base64(" \n ", &Limits::default()).unwrap_err();
        assert!(err.message().contains("empty file"));
    }
}
