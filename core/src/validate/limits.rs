//! The size limits of the hosted APIs, configurable.

use serde::{Deserialize, Serialize};

/// Limits applied by validation. `Limits::default()` is the hosted APIs'.
///
/// As JSON (the C, Python and JS doors take it so), fields are camelCase or
/// snake_case, and missing ones keep their defaults: `{"maxInlineBytes": 1000}`.
///
/// Fields are public so that a caller can change one and keep the others:
/// `Limits { max_url_bytes: 20 << 20, ..Limits::default() }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    /// Most bytes of a multipart or base64 document, measured after decoding
    /// (the reference's 4.5 MB = 4,718,592 bytes).
    #[serde(alias = "max_inline_bytes")]
    pub max_inline_bytes: u64,
    /// Most bytes of a document fetched from `documentUrl` (10 MB).
    #[serde(alias = "max_url_bytes")]
    pub max_url_bytes: u64,
    /// Longest URL accepted, in bytes.
    #[serde(alias = "max_url_length")]
    pub max_url_length: usize,
    /// Shortest `webhook_metadata.webhook_secret`, in characters.
    #[serde(alias = "min_webhook_secret_length")]
    pub min_webhook_secret_length: usize,
    /// Longest `webhook_metadata.webhook_secret`, in characters.
    #[serde(alias = "max_webhook_secret_length")]
    pub max_webhook_secret_length: usize,
    /// Longest identifier (`folder_id`, `result_id`) or upload path.
    #[serde(alias = "max_identifier_length")]
    pub max_identifier_length: usize,
    /// Development only: also accept a `webhook_url` of `http` or `https` on
    /// a loopback address (`127.0.0.1`, `[::1]`, `localhost`), so that a
    /// receiver on the same machine can be tried out. Off by default, as on
    /// the hosted API; documents are never fetched from loopback.
    #[serde(alias = "allow_loopback_webhooks")]
    pub allow_loopback_webhooks: bool,
}

/// 4.5 MB, the reference's limit for multipart and base64 documents.
pub const DEFAULT_MAX_INLINE_BYTES: u64 = 4_718_592;
/// 10 MB, the reference's limit for URL documents.
pub const DEFAULT_MAX_URL_BYTES: u64 = 10_485_760;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_inline_bytes: DEFAULT_MAX_INLINE_BYTES,
            max_url_bytes: DEFAULT_MAX_URL_BYTES,
            max_url_length: 2048,
            min_webhook_secret_length: 16,
            max_webhook_secret_length: 256,
            max_identifier_length: 1024,
            allow_loopback_webhooks: false,
        }
    }
}

impl Limits {
    /// Limits from JSON text (camelCase or snake_case keys, missing keys at
    /// their defaults); an unknown key or a wrong type is `INVALID_ARGUMENT`.
    pub fn from_json(text: &str) -> crate::Result<Limits> {
        serde_json::from_str(text).map_err(|err| {
            crate::Error::new(
                crate::ErrorCode::InvalidArgument,
                format!("invalid limits: {err}"),
            )
        })
    }
}

/// A byte count for messages: `"4.5 MB (4718592 bytes)"`, `"1.29 KB (1326 bytes)"`, `"512 bytes"`.
pub(crate) fn describe_size(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let (value, unit) = match bytes as f64 {
        b if b >= KB * KB => (b / (KB * KB), "MB"),
        b if b >= KB => (b / KB, "KB"),
        _ => return format!("{bytes} bytes"),
    };
    format!("{} {unit} ({bytes} bytes)", (value * 100.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_references() {
        let limits = Limits::default();
        assert_eq!(limits.max_inline_bytes, 4_718_592);
        assert_eq!(limits.max_url_bytes, 10 * 1024 * 1024);
    }

    #[test]
    fn sizes_read_as_megabytes() {
        assert_eq!(describe_size(4_718_592), "4.5 MB (4718592 bytes)");
        assert_eq!(describe_size(4_718_593), "4.5 MB (4718593 bytes)");
        assert_eq!(describe_size(1326), "1.29 KB (1326 bytes)");
        assert_eq!(describe_size(512), "512 bytes");
    }

    #[test]
    fn limits_deserialise_partially_over_the_defaults() {
        let limits: Limits = serde_json::from_str(r#"{"maxInlineBytes": 1000}"#).unwrap();
        assert_eq!(limits.max_inline_bytes, 1000);
        assert_eq!(limits.max_url_bytes, DEFAULT_MAX_URL_BYTES);
        let limits: Limits = serde_json::from_str(r#"{"max_url_bytes": 5}"#).unwrap();
        assert_eq!(limits.max_url_bytes, 5);
        assert!(serde_json::from_str::<Limits>(r#"{"maxInlineBytes": -1}"#).is_err());
    }
}
