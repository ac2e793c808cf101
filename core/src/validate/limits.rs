//! The size limits of the hosted APIs, configurable.

use serde::{Deserialize, Serialize};

/// Limits applied by validation. `Limits::default()` is the hosted APIs'.
///
/// Fields are public so that a caller can change one and keep the others:
/// `Limits { max_url_bytes: 20 << 20, ..Limits::default() }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Limits {
    /// Most bytes of a multipart or base64 document, measured after decoding
    /// (the reference's 4.5 MB = 4,718,592 bytes).
    pub max_inline_bytes: u64,
    /// Most bytes of a document fetched from `documentUrl` (10 MB).
    pub max_url_bytes: u64,
    /// Longest URL accepted, in bytes.
    pub max_url_length: usize,
    /// Shortest `webhook_metadata.webhook_secret`, in characters.
    pub min_webhook_secret_length: usize,
    /// Longest `webhook_metadata.webhook_secret`, in characters.
    pub max_webhook_secret_length: usize,
    /// Longest identifier (`folder_id`, `result_id`) or upload path.
    pub max_identifier_length: usize,
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
        }
    }
}

/// `4718592` as `"4.5 MB (4718592 bytes)"`, for messages.
pub(crate) fn describe_size(bytes: u64) -> String {
    let megabytes = bytes as f64 / (1024.0 * 1024.0);
    format!("{} MB ({bytes} bytes)", (megabytes * 100.0).round() / 100.0)
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
    }

    #[test]
    fn limits_deserialise_partially_over_the_defaults() {
        let limits: Limits = serde_json::from_str(r#"{"maxInlineBytes": 1000}"#).unwrap();
        assert_eq!(limits.max_inline_bytes, 1000);
        assert_eq!(limits.max_url_bytes, DEFAULT_MAX_URL_BYTES);
    }
}
