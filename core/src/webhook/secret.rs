//! Webhook signing secrets.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, ErrorCode, Result};

/// The prefix of Standard Webhooks secrets.
const PREFIX: &str = "whsec_";

/// A webhook signing secret: the raw key bytes of the HMAC.
///
/// `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::WebhookInvalidSecret, message)
}

impl Secret {
    /// A secret from raw key bytes; empty keys are refused.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Secret> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(invalid("webhook secret is empty"));
        }
        Ok(Secret(bytes))
    }

    /// Reads a secret as written in configuration: `whsec_<base64>` is a
    /// Standard Webhooks secret (the key is the decoded bytes); any other
    /// text — such as the verification API's per-verification
    /// `webhook_secret` — is used as the key bytes as it is.
    pub fn parse(text: &str) -> Result<Secret> {
        match text.strip_prefix(PREFIX) {
            Some(encoded) => {
                let bytes = STANDARD.decode(encoded.trim()).map_err(|err| {
                    invalid(format!(
                        "webhook secret after {PREFIX} is not valid base64: {err}"
                    ))
                })?;
                Secret::from_bytes(bytes)
            }
            None => Secret::from_bytes(text.as_bytes()),
        }
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret written as `whsec_<base64>`.
    pub fn to_standard_string(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<redacted, {} bytes>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whsec_secrets_are_base64_decoded() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(secret.as_bytes().len(), 24);
        assert_eq!(
            secret.to_standard_string(),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        );
    }

    #[test]
    fn other_text_is_used_as_raw_bytes() {
        assert_eq!(
            Secret::parse("your-signing-secret").unwrap().as_bytes(),
            b"your-signing-secret"
        );
    }

    #[test]
    fn empty_and_undecodable_secrets_are_invalid() {
        for text in ["", "whsec_", "whsec_not base64!"] {
            assert_eq!(
                Secret::parse(text).unwrap_err().code(),
                ErrorCode::WebhookInvalidSecret,
                "{text:?}"
            );
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let debug = format!("{:?}", Secret::parse("your-signing-secret").unwrap());
        assert_eq!(debug, "Secret(<redacted, 19 bytes>)");
    }
}
