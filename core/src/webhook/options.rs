//! Webhook options as JSON, the form the C, Python and JS doors pass them in.

use std::fmt;

use serde::Deserialize;

use super::DEFAULT_TOLERANCE_SECONDS;
use super::headers::HeaderMap;
use super::scheme::Scheme;
use super::secret::Secret;
use super::sign::Signer;
use super::verify::{Verifier, WebhookEvent, WebhookOutcome, now_unix};
use crate::error::{Error, ErrorCode, Result};

/// One secret or a list of them, as written in options (`"whsec_…"` or
/// `["whsec_new…", "whsec_old…"]`). `Debug` hides them.
#[derive(Clone, Deserialize)]
#[serde(untagged)]
enum SecretList {
    One(String),
    Many(Vec<String>),
}

impl SecretList {
    fn secrets(&self) -> Result<Vec<Secret>> {
        match self {
            SecretList::One(text) => Ok(vec![Secret::parse(text)?]),
            SecretList::Many(texts) => texts.iter().map(|text| Secret::parse(text)).collect(),
        }
    }
}

impl fmt::Debug for SecretList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = match self {
            SecretList::One(_) => 1,
            SecretList::Many(list) => list.len(),
        };
        write!(f, "<{count} redacted secret(s)>")
    }
}

fn options_error(what: &str, err: impl fmt::Display) -> Error {
    Error::new(
        ErrorCode::InvalidArgument,
        format!("invalid webhook {what} options: {err}"),
    )
}

/// How to verify: `{"secrets": [...] | "secret": "...", "toleranceSeconds":
/// 300, "scheme": "standard", "allowUnsigned": false, "now": 1700000000}`
/// (snake_case keys too). Without `now` the system clock is used.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyOptions {
    #[serde(alias = "secret")]
    secrets: SecretList,
    #[serde(default, alias = "tolerance_seconds")]
    tolerance_seconds: Option<u64>,
    #[serde(default)]
    scheme: Option<Scheme>,
    #[serde(default, alias = "allow_unsigned")]
    allow_unsigned: bool,
    #[serde(default)]
    now: Option<i64>,
}

impl VerifyOptions {
    /// Options from JSON text.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|err| options_error("verify", err))
    }

    /// The verifier these options describe.
    pub fn verifier(&self) -> Result<Verifier> {
        let mut verifier = Verifier::with_secrets(self.secrets.secrets()?)?
            .tolerance_seconds(self.tolerance_seconds.unwrap_or(DEFAULT_TOLERANCE_SECONDS))
            .allow_unsigned(self.allow_unsigned);
        if let Some(scheme) = self.scheme {
            verifier = verifier.scheme(scheme);
        }
        Ok(verifier)
    }

    /// The time to verify at: `now` if given, else the system clock.
    pub fn now(&self) -> Result<i64> {
        self.now.map_or_else(now_unix, Ok)
    }

    /// Sets the time to verify at (the WASM door fills it from `Date.now()`).
    pub fn set_now_if_absent(&mut self, now: i64) {
        self.now.get_or_insert(now);
    }

    /// Verifies a webhook.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookOutcome> {
        self.verifier()?.verify_at(headers, body, self.now()?)
    }

    /// Verifies a webhook and reads its verification object.
    pub fn verify_event(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookEvent> {
        self.verifier()?.verify_event_at(headers, body, self.now()?)
    }
}

/// How to sign: `{"secrets": ... | "secret": ..., "scheme": "standard",
/// "id": "msg_…", "timestamp": 1700000000}`. Without `timestamp` the system
/// clock is used.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignOptions {
    #[serde(alias = "secret")]
    secrets: SecretList,
    #[serde(default)]
    scheme: Option<Scheme>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    timestamp: Option<i64>,
}

impl SignOptions {
    /// Options from JSON text.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|err| options_error("sign", err))
    }

    /// Sets the timestamp when none was given (the WASM door fills it from `Date.now()`).
    pub fn set_timestamp_if_absent(&mut self, now: i64) {
        self.timestamp.get_or_insert(now);
    }

    /// The headers to send with `body`.
    pub fn sign(&self, body: &[u8]) -> Result<HeaderMap> {
        let timestamp = self.timestamp.map_or_else(now_unix, Ok)?;
        Signer::with_secrets(self.secrets.secrets()?)?
            .scheme(self.scheme.unwrap_or(Scheme::Standard))
            .sign(self.id.as_deref().unwrap_or(""), timestamp, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_through_json_options() {
        let sign = SignOptions::from_json(r#"{"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "id": "msg_1", "timestamp": 1700000000}"#).unwrap();
        let headers = sign.sign(b"{}").unwrap();
        let verify = VerifyOptions::from_json(
            r#"{"secrets": ["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "now": 1700000100}"#,
        )
        .unwrap();
        let outcome = verify.verify(&headers, b"{}").unwrap();
        assert!(matches!(
            outcome,
            WebhookOutcome::Verified {
                secret_index: 1,
                ..
            }
        ));
    }

    #[test]
    fn snake_case_keys_and_unknown_keys() {
        let options = VerifyOptions::from_json(
            r#"{"secret": "k", "tolerance_seconds": 1, "allow_unsigned": true}"#,
        )
        .unwrap();
        assert!(options.verifier().is_ok());
        let err = VerifyOptions::from_json(r#"{"secret": "k", "tolerence": 1}"#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        let err = VerifyOptions::from_json(r#"{"secrets": []}"#)
            .unwrap()
            .verifier()
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WebhookInvalidSecret);
    }

    #[test]
    fn debug_hides_secrets() {
        let options = VerifyOptions::from_json(r#"{"secret": "super-secret-value"}"#).unwrap();
        assert!(!format!("{options:?}").contains("super-secret-value"));
    }
}
