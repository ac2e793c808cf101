//! # Veriscope
//!
//! Local, offline identity-document verification: the work of two hosted
//! verification APIs (a forgery-analysis API and a KYC verification API),
//! done in-process and exposed the same way to Rust, C, Python and
//! JavaScript (WASM).
//!
//! This release provides the foundation every check builds on:
//!
//! - [`validate`]: request validation for both APIs — document inputs as
//!   multipart bytes, base64 or HTTPS URL, with the APIs' size limits, format
//!   detection from magic bytes, SSRF rules for URLs, and the
//!   create-verification body against the [service catalogue](model::catalogue);
//! - [`model`]: the APIs' data with their exact JSON names — the
//!   [`Verification`] object, its [`VerificationStatus`] transition table,
//!   [`ResultStatus`], the [`ForgeryReport`] and the [`FaceMatch`] result;
//! - [`Error`]: one error type whose [`ErrorCode`] strings are shared by every
//!   door and match the APIs' own codes.
//!
//! ## Features
//!
//! Every capability is a cargo feature, all on by default but `client`:
//! `webhook`, `validate`, `mrz`, `forensics` (forgery analysis; needs
//! `mrz`), `face`, `client` (the hosted-API client, reqwest and tokio) and
//! `http` (webhook headers from `http::HeaderMap`). A webhook receiver that
//! wants nothing else builds `default-features = false, features =
//! ["webhook"]` and compiles no image, PDF or model code.
//!
//! ```
//! # #[cfg(feature = "validate")] {
//! use veriscope::{ErrorCode, Limits, validate};
//!
//! let limits = Limits::default();
//! let info = validate::check_document_bytes(b"\xFF\xD8\xFF\xE0", &limits)?;
//! assert_eq!(info.format.as_str(), "jpeg");
//!
//! let err = validate::check_document_bytes(b"GIF89a", &limits).unwrap_err();
//! assert_eq!(err.code(), ErrorCode::UnsupportedFormat);
//! assert_eq!(err.http_status(), 422);
//! # }
//! # Ok::<(), veriscope::Error>(())
//! ```

// Each capability is a cargo feature (all local ones by default); `error`,
// `model` and `media`'s format sniffing are always there.
#[cfg(feature = "forensics")]
pub mod analysis;
pub mod backoff;
#[cfg(feature = "client")]
pub mod client;
#[cfg(any(feature = "webhook", feature = "mrz"))]
mod clock;
pub mod error;
#[cfg(feature = "face")]
pub mod face;
#[cfg(feature = "forensics")]
pub mod forensics;
pub mod media;
pub mod model;
#[cfg(feature = "mrz")]
pub mod mrz;
#[cfg(all(feature = "forensics", feature = "face"))]
pub mod pipeline;
#[cfg(feature = "validate")]
pub mod validate;
#[cfg(feature = "webhook")]
pub mod webhook;

pub use error::{Error, ErrorBody, ErrorCode, ErrorCodeInfo, Problem, Result, error_codes};
pub use model::{
    Confidence, CreateVerificationRequest, DocumentFormat, DocumentType, FaceMatch, FaceMatchLevel,
    ForgeryReport, ForgeryResponse, IllegalTransition, ResultStatus, Service, ServiceId,
    Verification, VerificationInput, VerificationResult, VerificationStatus, WebhookMetadata,
};
#[cfg(feature = "validate")]
pub use validate::Limits;

/// The crate's version, as every door reports it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Serialises `value` as compact JSON, the one form every door emits.
///
/// The SDK's own types always serialise; a failure here would be a bug, and
/// is reported as an `INTERNAL_ERROR` body rather than a panic.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|err| {
        format!(
            r#"{{"error":{{"code":"INTERNAL_ERROR","message":{}}}}}"#,
            serde_json::Value::String(format!("serialisation failed: {err}"))
        )
    })
}

/// Parses JSON text into one of the SDK's types; text that does not fit is a
/// `VALIDATION_ERROR` naming `what` was expected and where it went wrong.
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|err| {
        Error::validation(vec![Problem::new("", format!("not a valid {what}: {err}"))])
    })
}
