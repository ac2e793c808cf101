//! The receiving side: checking a webhook before trusting it.

use serde::Serialize;
use serde_json::Value;
use subtle::ConstantTimeEq;

use super::DEFAULT_TOLERANCE_SECONDS;
use super::headers::HeaderMap;
use super::scheme::{self, Scheme};
use super::secret::Secret;
use super::sign::compute_mac;
use crate::error::{Error, ErrorCode, Result};
use crate::model::Verification;

/// What verification concluded about a webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "status",
    rename_all = "lowercase",
    rename_all_fields = "camelCase"
)]
pub enum WebhookOutcome {
    /// A signature matched one of the secrets, within the time tolerance.
    Verified {
        /// The scheme that carried the signature.
        scheme: Scheme,
        /// Standard Webhooks message id (use it to drop duplicates).
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The signed timestamp, Unix seconds (none for `sha256`).
        #[serde(skip_serializing_if = "Option::is_none")]
        timestamp: Option<i64>,
        /// Which secret matched, in the order given (rotation bookkeeping).
        secret_index: usize,
    },
    /// The payload carried no signature, and the verifier allows that.
    Unsigned,
}

impl WebhookOutcome {
    /// Whether a signature was checked and matched.
    pub fn is_verified(&self) -> bool {
        matches!(self, WebhookOutcome::Verified { .. })
    }
}

/// A verified webhook and the verification object it carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookEvent {
    /// What verification concluded.
    pub outcome: WebhookOutcome,
    /// The verification whose status changed.
    pub verification: Verification,
}

/// Verifies webhooks against one or more secrets.
#[derive(Debug, Clone)]
pub struct Verifier {
    secrets: Vec<Secret>,
    tolerance_seconds: u64,
    scheme: Option<Scheme>,
    allow_unsigned: bool,
}

impl Verifier {
    /// A verifier with one secret, a 5-minute tolerance, the scheme detected
    /// from the headers, and unsigned payloads refused.
    pub fn new(secret: Secret) -> Self {
        Verifier {
            secrets: vec![secret],
            tolerance_seconds: DEFAULT_TOLERANCE_SECONDS,
            scheme: None,
            allow_unsigned: false,
        }
    }

    /// A verifier accepting any of several secrets (during a rotation).
    pub fn with_secrets(secrets: impl IntoIterator<Item = Secret>) -> Result<Self> {
        let secrets: Vec<Secret> = secrets.into_iter().collect();
        let first = secrets.first().cloned().ok_or_else(|| {
            Error::new(ErrorCode::WebhookInvalidSecret, "no webhook secret given")
        })?;
        Ok(Verifier {
            secrets,
            ..Verifier::new(first)
        })
    }

    /// How far the timestamp may be from now, either way.
    #[must_use]
    pub fn tolerance_seconds(mut self, seconds: u64) -> Self {
        self.tolerance_seconds = seconds;
        self
    }

    /// Only accept `scheme` instead of detecting it.
    #[must_use]
    pub fn scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = Some(scheme);
        self
    }

    /// Report unsigned payloads as [`WebhookOutcome::Unsigned`] instead of
    /// failing with `WEBHOOK_UNSIGNED`. For endpoints that also receive
    /// webhooks created without a `webhook_secret`.
    #[must_use]
    pub fn allow_unsigned(mut self, allow: bool) -> Self {
        self.allow_unsigned = allow;
        self
    }

    /// Verifies `body` (the raw bytes received, never re-serialised JSON)
    /// against `headers`, with the system clock.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookOutcome> {
        self.verify_at(headers, body, now_unix()?)
    }

    /// Verifies as [`Verifier::verify`] with `now` as the current Unix time.
    pub fn verify_at(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<WebhookOutcome> {
        // No signature header of any scheme: unsigned, whichever scheme was asked for.
        let Some(detected) = Scheme::detect(headers) else {
            return self.unsigned();
        };
        let scheme = self.scheme.unwrap_or(detected);
        let signed = scheme::parse(scheme, headers)?;
        let (stamp, timestamp) = match &signed.timestamp {
            Some((text, value)) => {
                self.check_time(*value, now)?;
                (text.as_str(), Some(*value))
            }
            None => ("", None),
        };
        let id = signed.id.as_deref().unwrap_or("");
        for (index, secret) in self.secrets.iter().enumerate() {
            let expected = compute_mac(secret, scheme, id, stamp, body);
            if signed
                .signatures
                .iter()
                .any(|candidate| bool::from(candidate.ct_eq(&expected)))
            {
                return Ok(WebhookOutcome::Verified {
                    scheme,
                    id: signed.id,
                    timestamp,
                    secret_index: index,
                });
            }
        }
        let secrets = match self.secrets.len() {
            1 => "the secret".to_owned(),
            count => format!("any of the {count} secrets"),
        };
        Err(Error::new(
            ErrorCode::WebhookSignatureMismatch,
            format!("no {scheme} signature matched {secrets}"),
        ))
    }

    /// Verifies, then reads the body as the verification object whose status changed.
    pub fn verify_event_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<WebhookEvent> {
        let outcome = self.verify_at(headers, body, now)?;
        Ok(WebhookEvent {
            outcome,
            verification: parse_event(body)?,
        })
    }

    /// [`Verifier::verify_event_at`] with the system clock.
    pub fn verify_event(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookEvent> {
        self.verify_event_at(headers, body, now_unix()?)
    }

    fn unsigned(&self) -> Result<WebhookOutcome> {
        if self.allow_unsigned {
            Ok(WebhookOutcome::Unsigned)
        } else {
            Err(Error::new(
                ErrorCode::WebhookUnsigned,
                "webhook carries no signature (no webhook-signature, x-webhook-signature or \
                 x-hub-signature-256 header) and unsigned payloads are not allowed",
            ))
        }
    }

    fn check_time(&self, timestamp: i64, now: i64) -> Result<()> {
        let age = now.saturating_sub(timestamp);
        let tolerance = i64::try_from(self.tolerance_seconds).unwrap_or(i64::MAX);
        if age > tolerance {
            return Err(Error::new(
                ErrorCode::WebhookTimestampTooOld,
                format!("webhook timestamp is {age} s old; the tolerance is {tolerance} s"),
            ));
        }
        if age < -tolerance {
            return Err(Error::new(
                ErrorCode::WebhookTimestampTooNew,
                format!(
                    "webhook timestamp is {} s in the future; the tolerance is {tolerance} s",
                    -age
                ),
            ));
        }
        Ok(())
    }
}

/// Reads a webhook body as the verification object of a status change. The
/// object may be the body itself or its `data` member.
pub fn parse_event(body: &[u8]) -> Result<Verification> {
    let invalid = |reason: String| Error::validation(vec![crate::Problem::new("", reason)]);
    let value: Value = serde_json::from_slice(body)
        .map_err(|err| invalid(format!("webhook body is not JSON: {err}")))?;
    let object = match value.get("data") {
        Some(data) if data.get("status").is_some() => data.clone(),
        _ => value,
    };
    serde_json::from_value(object)
        .map_err(|err| invalid(format!("webhook body is not a verification object: {err}")))
}

pub use crate::clock::now_unix;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::Signer;

    const NOW: i64 = 1_700_000_000;
    const BODY: &[u8] = br#"{"id":"ver_1","status":"COMPLETED","result_status":"VERIFIED"}"#;

    fn secret(text: &str) -> Secret {
        Secret::parse(text).unwrap()
    }

    fn signed(scheme: Scheme, key: &str, timestamp: i64) -> HeaderMap {
        Signer::new(secret(key))
            .scheme(scheme)
            .sign("msg_1", timestamp, BODY)
            .unwrap()
    }

    #[test]
    fn every_scheme_verifies_what_it_signed() {
        for scheme in Scheme::ALL {
            let outcome = Verifier::new(secret("k1"))
                .verify_at(&signed(scheme, "k1", NOW), BODY, NOW)
                .unwrap();
            let WebhookOutcome::Verified {
                scheme: seen,
                secret_index,
                ..
            } = outcome
            else {
                panic!("{scheme}")
            };
            assert_eq!((seen, secret_index), (scheme, 0));
        }
    }

    #[test]
    fn a_rotated_secret_still_verifies_and_is_reported() {
        let verifier = Verifier::with_secrets([secret("new"), secret("old")]).unwrap();
        let outcome = verifier
            .verify_at(&signed(Scheme::Standard, "old", NOW), BODY, NOW)
            .unwrap();
        assert_eq!(
            outcome,
            WebhookOutcome::Verified {
                scheme: Scheme::Standard,
                id: Some("msg_1".into()),
                timestamp: Some(NOW),
                secret_index: 1
            }
        );
        assert_eq!(
            crate::to_json(&outcome),
            r#"{"status":"verified","scheme":"standard","id":"msg_1","timestamp":1700000000,"secretIndex":1}"#
        );
    }

    #[test]
    fn a_wrong_secret_or_changed_body_is_a_mismatch() {
        let headers = signed(Scheme::Standard, "k1", NOW);
        let verifier = Verifier::new(secret("k2"));
        assert_eq!(
            verifier.verify_at(&headers, BODY, NOW).unwrap_err().code(),
            ErrorCode::WebhookSignatureMismatch
        );
        let mut body = BODY.to_vec();
        body[5] ^= 1;
        let err = Verifier::new(secret("k1"))
            .verify_at(&headers, &body, NOW)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WebhookSignatureMismatch);
    }

    #[test]
    fn old_and_future_timestamps_are_told_apart() {
        let verifier = Verifier::new(secret("k"));
        let headers = signed(Scheme::Standard, "k", NOW);
        assert!(verifier.verify_at(&headers, BODY, NOW + 300).is_ok());
        assert_eq!(
            verifier
                .verify_at(&headers, BODY, NOW + 301)
                .unwrap_err()
                .code(),
            ErrorCode::WebhookTimestampTooOld
        );
        assert!(verifier.verify_at(&headers, BODY, NOW - 300).is_ok());
        assert_eq!(
            verifier
                .verify_at(&headers, BODY, NOW - 301)
                .unwrap_err()
                .code(),
            ErrorCode::WebhookTimestampTooNew
        );
        let strict = Verifier::new(secret("k")).tolerance_seconds(10);
        assert_eq!(
            strict
                .verify_at(&headers, BODY, NOW + 11)
                .unwrap_err()
                .code(),
            ErrorCode::WebhookTimestampTooOld
        );
    }

    #[test]
    fn unsigned_payloads_are_refused_unless_allowed() {
        let headers: HeaderMap = [("content-type", "application/json")].into_iter().collect();
        let err = Verifier::new(secret("k"))
            .verify_at(&headers, BODY, NOW)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WebhookUnsigned);
        let outcome = Verifier::new(secret("k"))
            .allow_unsigned(true)
            .verify_at(&headers, BODY, NOW)
            .unwrap();
        assert_eq!(outcome, WebhookOutcome::Unsigned);
        assert!(!outcome.is_verified());
        assert_eq!(crate::to_json(&outcome), r#"{"status":"unsigned"}"#);
    }

    #[test]
    fn a_named_scheme_ignores_others_and_reports_its_missing_header() {
        let headers = signed(Scheme::Timestamped, "k", NOW);
        let err = Verifier::new(secret("k"))
            .scheme(Scheme::Standard)
            .verify_at(&headers, BODY, NOW)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WebhookMissingHeader);
    }

    #[test]
    fn a_sha256_signature_moved_to_x_webhook_signature_verifies() {
        let signed = signed(Scheme::Sha256, "k", 0);
        let value = signed.get("x-hub-signature-256").unwrap().to_owned();
        let moved: HeaderMap = [("x-webhook-signature", value)].into_iter().collect();
        let outcome = Verifier::new(secret("k"))
            .verify_at(&moved, BODY, NOW)
            .unwrap();
        assert!(matches!(
            outcome,
            WebhookOutcome::Verified {
                scheme: Scheme::Sha256,
                ..
            }
        ));
    }

    #[test]
    fn the_sha256_scheme_has_no_timestamp_to_check() {
        let headers = signed(Scheme::Sha256, "k", 0);
        let outcome = Verifier::new(secret("k"))
            .verify_at(&headers, BODY, NOW)
            .unwrap();
        assert!(matches!(
            outcome,
            WebhookOutcome::Verified {
                timestamp: None,
                ..
            }
        ));
    }

    #[test]
    fn the_event_is_the_verification_object_or_its_data_member() {
        let event = Verifier::new(secret("k"))
            .verify_event_at(&signed(Scheme::Standard, "k", NOW), BODY, NOW)
            .unwrap();
        assert_eq!(
            event.verification.status,
            crate::VerificationStatus::Completed
        );
        assert!(event.outcome.is_verified());
        let wrapped = parse_event(
            br#"{"type":"verification.updated","data":{"id":"v","status":"NEED_REVIEW"}}"#,
        )
        .unwrap();
        assert_eq!(wrapped.status, crate::VerificationStatus::NeedReview);
        assert_eq!(
            parse_event(b"[]").unwrap_err().code(),
            ErrorCode::ValidationError
        );
    }
}
