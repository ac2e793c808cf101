//! Webhook signing and verification.
//!
//! Backends receiving verification status updates verify them here before
//! trusting them. Three schemes are understood:
//!
//! - [`Scheme::Standard`] — [Standard Webhooks]: headers `webhook-id`,
//!   `webhook-timestamp` and `webhook-signature: v1,<base64>` (several,
//!   space-separated), HMAC-SHA256 over `"{id}.{timestamp}.{body}"`, secrets
//!   written `whsec_<base64>`. Interoperable with its reference libraries.
//! - [`Scheme::Timestamped`] — `x-webhook-signature: t=<unix>,v1=<hex>`
//!   (several `v1` allowed), HMAC-SHA256 over `"{t}.{body}"`.
//! - [`Scheme::Sha256`] — `x-hub-signature-256: sha256=<hex>`, HMAC-SHA256
//!   over the body alone (no replay protection).
//!
//! Verification works on the raw body bytes, takes several secrets at once
//! (rotation), checks the timestamp against a tolerance in both directions,
//! and compares MACs in constant time (`subtle`). A payload with no signature
//! at all is [`WebhookOutcome::Unsigned`] — an error unless the caller allows
//! unsigned payloads, never "verified".
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/
//!
//! ```
//! use veriscope::webhook::{HeaderMap, Secret, Signer, Verifier, WebhookOutcome};
//!
//! let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//! let body = br#"{"id":"ver_1","status":"COMPLETED"}"#;
//! let headers = Signer::new(secret.clone()).sign("msg_1", 1_700_000_000, body)?;
//! let outcome = Verifier::new(secret).verify_at(&headers, body, 1_700_000_030)?;
//! assert!(matches!(outcome, WebhookOutcome::Verified { .. }));
//! # Ok::<(), veriscope::Error>(())
//! ```

mod headers;
mod options;
mod scheme;
mod secret;
mod sign;
mod verify;

pub use headers::HeaderMap;
pub use options::{SignOptions, VerifyOptions};
pub use scheme::{
    SHA256_SIGNATURE_HEADER, Scheme, TIMESTAMPED_SIGNATURE_HEADER, WEBHOOK_ID_HEADER,
    WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER,
};
pub use secret::Secret;
pub use sign::Signer;
pub use verify::{Verifier, WebhookEvent, WebhookOutcome, now_unix, parse_event};

/// Five minutes, the default tolerance between a webhook's timestamp and now.
pub const DEFAULT_TOLERANCE_SECONDS: u64 = 300;
