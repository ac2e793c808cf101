//! The one error type of the SDK, and its stable codes.
//!
//! Every door (Rust, C, Python, WASM, CLI, the server) reports failures with
//! the same [`ErrorCode`] strings, so an integrator can match on
//! `"FILE_TOO_LARGE"` whatever language they call from. The first eight codes
//! are the hosted APIs' own; the rest are what a local SDK needs on top.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code.
///
/// The string form (`as_str`, serde) never changes once released; the numeric
/// form ([`ErrorCode::number`]) is what the C ABI returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request or input is malformed (HTTP 400).
    ValidationError,
    /// Missing or invalid API key (HTTP 401).
    Unauthorized,
    /// The free tier of the hosted API is used up (HTTP 402).
    TrialExhausted,
    /// The document is not a JPEG, PNG or PDF (HTTP 422).
    UnsupportedFormat,
    /// The document exceeds a size, pixel or page limit (HTTP 422).
    FileTooLarge,
    /// A `documentUrl` could not be fetched (HTTP 422).
    FetchFailed,
    /// Too many requests (HTTP 429).
    RateLimited,
    /// The monthly spend cap is reached (HTTP 429).
    CapExceeded,
    /// A verification status change that the transition table forbids (HTTP 409).
    InvalidTransition,
    /// An argument given to the SDK itself is unusable: a NULL pointer,
    /// text that is not UTF-8, an unknown enum name (HTTP 400).
    InvalidArgument,
    /// A requested object does not exist (HTTP 404).
    NotFound,
    /// A bug or an unexpected condition inside the SDK (HTTP 500).
    #[serde(rename = "INTERNAL_ERROR")]
    Internal,
    /// A webhook lacks a header its signature scheme needs (HTTP 400).
    WebhookMissingHeader,
    /// A webhook signature or timestamp header cannot be parsed (HTTP 400).
    WebhookMalformedHeader,
    /// A webhook's timestamp is older than the tolerance allows (HTTP 401).
    WebhookTimestampTooOld,
    /// A webhook's timestamp is further in the future than the tolerance allows (HTTP 401).
    WebhookTimestampTooNew,
    /// No webhook signature matched any of the secrets (HTTP 401).
    WebhookSignatureMismatch,
    /// The webhook carries no signature at all, and unsigned payloads are not allowed (HTTP 401).
    WebhookUnsigned,
    /// A webhook secret is empty or not valid `whsec_<base64>` (HTTP 400).
    WebhookInvalidSecret,
    /// A face-match model file is not where the SDK looked; the message
    /// names the command that fetches it (HTTP 503).
    ModelMissing,
    /// A model file is there but is not the model expected: truncated,
    /// corrupt, or another network (HTTP 500).
    ModelInvalid,
    /// No usable face was found in an image given for face matching (HTTP 422).
    FaceNotFound,
    /// The client could not reach the API or lost the connection: DNS, TCP,
    /// TLS, or a response that is not the API's (HTTP 503).
    NetworkError,
    /// A request or a wait did not finish within its deadline (HTTP 504).
    Timeout,
}

impl ErrorCode {
    /// Every code, in the order of their numbers.
    pub const ALL: [ErrorCode; 24] = [
        ErrorCode::ValidationError,
        ErrorCode::Unauthorized,
        ErrorCode::TrialExhausted,
        ErrorCode::UnsupportedFormat,
        ErrorCode::FileTooLarge,
        ErrorCode::FetchFailed,
        ErrorCode::RateLimited,
        ErrorCode::CapExceeded,
        ErrorCode::InvalidTransition,
        ErrorCode::InvalidArgument,
        ErrorCode::NotFound,
        ErrorCode::Internal,
        ErrorCode::WebhookMissingHeader,
        ErrorCode::WebhookMalformedHeader,
        ErrorCode::WebhookTimestampTooOld,
        ErrorCode::WebhookTimestampTooNew,
        ErrorCode::WebhookSignatureMismatch,
        ErrorCode::WebhookUnsigned,
        ErrorCode::WebhookInvalidSecret,
        ErrorCode::ModelMissing,
        ErrorCode::ModelInvalid,
        ErrorCode::FaceNotFound,
        ErrorCode::NetworkError,
        ErrorCode::Timeout,
    ];

    /// The stable string, e.g. `"VALIDATION_ERROR"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationError => "VALIDATION_ERROR",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::TrialExhausted => "TRIAL_EXHAUSTED",
            ErrorCode::UnsupportedFormat => "UNSUPPORTED_FORMAT",
            ErrorCode::FileTooLarge => "FILE_TOO_LARGE",
            ErrorCode::FetchFailed => "FETCH_FAILED",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::CapExceeded => "CAP_EXCEEDED",
            ErrorCode::InvalidTransition => "INVALID_TRANSITION",
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Internal => "INTERNAL_ERROR",
            ErrorCode::WebhookMissingHeader => "WEBHOOK_MISSING_HEADER",
            ErrorCode::WebhookMalformedHeader => "WEBHOOK_MALFORMED_HEADER",
            ErrorCode::WebhookTimestampTooOld => "WEBHOOK_TIMESTAMP_TOO_OLD",
            ErrorCode::WebhookTimestampTooNew => "WEBHOOK_TIMESTAMP_TOO_NEW",
            ErrorCode::WebhookSignatureMismatch => "WEBHOOK_SIGNATURE_MISMATCH",
            ErrorCode::WebhookUnsigned => "WEBHOOK_UNSIGNED",
            ErrorCode::WebhookInvalidSecret => "WEBHOOK_INVALID_SECRET",
            ErrorCode::ModelMissing => "MODEL_MISSING",
            ErrorCode::ModelInvalid => "MODEL_INVALID",
            ErrorCode::FaceNotFound => "FACE_NOT_FOUND",
            ErrorCode::NetworkError => "NETWORK_ERROR",
            ErrorCode::Timeout => "TIMEOUT",
        }
    }

    /// The HTTP status the hosted APIs (and `veriscope serve`) answer with.
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::ValidationError
            | ErrorCode::InvalidArgument
            | ErrorCode::WebhookMissingHeader
            | ErrorCode::WebhookMalformedHeader
            | ErrorCode::WebhookInvalidSecret => 400,
            ErrorCode::Unauthorized
            | ErrorCode::WebhookTimestampTooOld
            | ErrorCode::WebhookTimestampTooNew
            | ErrorCode::WebhookSignatureMismatch
            | ErrorCode::WebhookUnsigned => 401,
            ErrorCode::TrialExhausted => 402,
            ErrorCode::NotFound => 404,
            ErrorCode::InvalidTransition => 409,
            ErrorCode::UnsupportedFormat
            | ErrorCode::FileTooLarge
            | ErrorCode::FetchFailed
            | ErrorCode::FaceNotFound => 422,
            ErrorCode::RateLimited | ErrorCode::CapExceeded => 429,
            ErrorCode::Internal | ErrorCode::ModelInvalid => 500,
            ErrorCode::ModelMissing | ErrorCode::NetworkError => 503,
            ErrorCode::Timeout => 504,
        }
    }

    /// The stable number used by the C ABI (`0` is reserved for success).
    pub const fn number(self) -> u32 {
        match self {
            ErrorCode::ValidationError => 1,
            ErrorCode::Unauthorized => 2,
            ErrorCode::TrialExhausted => 3,
            ErrorCode::UnsupportedFormat => 4,
            ErrorCode::FileTooLarge => 5,
            ErrorCode::FetchFailed => 6,
            ErrorCode::RateLimited => 7,
            ErrorCode::CapExceeded => 8,
            ErrorCode::InvalidTransition => 9,
            ErrorCode::InvalidArgument => 10,
            ErrorCode::NotFound => 11,
            ErrorCode::Internal => 12,
            ErrorCode::WebhookMissingHeader => 13,
            ErrorCode::WebhookMalformedHeader => 14,
            ErrorCode::WebhookTimestampTooOld => 15,
            ErrorCode::WebhookTimestampTooNew => 16,
            ErrorCode::WebhookSignatureMismatch => 17,
            ErrorCode::WebhookUnsigned => 18,
            ErrorCode::WebhookInvalidSecret => 19,
            ErrorCode::ModelMissing => 20,
            ErrorCode::ModelInvalid => 21,
            ErrorCode::FaceNotFound => 22,
            ErrorCode::NetworkError => 23,
            ErrorCode::Timeout => 24,
        }
    }

    /// The code with the given C ABI number, if any.
    pub fn from_number(number: u32) -> Option<ErrorCode> {
        ErrorCode::ALL
            .into_iter()
            .find(|code| code.number() == number)
    }

    /// Whether retrying the same request later may succeed (rate limits,
    /// fetch failures); validation failures never succeed on retry.
    pub const fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::RateLimited
                | ErrorCode::FetchFailed
                | ErrorCode::Internal
                | ErrorCode::NetworkError
                | ErrorCode::Timeout
        )
    }
}

/// One row of the error-code table every door exposes (`error_codes()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorCodeInfo {
    /// The stable string.
    pub code: ErrorCode,
    /// The C ABI number.
    pub number: u32,
    /// The HTTP status.
    pub http_status: u16,
    /// Whether a retry may succeed.
    pub retryable: bool,
}

/// Every error code with its number, HTTP status and retry hint.
pub fn error_codes() -> Vec<ErrorCodeInfo> {
    ErrorCode::ALL
        .into_iter()
        .map(|code| ErrorCodeInfo {
            code,
            number: code.number(),
            http_status: code.http_status(),
            retryable: code.is_retryable(),
        })
        .collect()
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrorCode {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .into_iter()
            .find(|code| code.as_str() == text)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidArgument,
                    format!("unknown error code {text:?}"),
                )
            })
    }
}

/// One problem found in an input: where it is and what is wrong.
///
/// `field` is a path into the request, e.g. `input.files.ktp_file[0]`; it is
/// empty when the problem concerns the input as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Path of the offending field, dot- and index-separated.
    pub field: String,
    /// What is wrong with it, in plain words.
    pub reason: String,
}

impl Problem {
    /// A problem at `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Problem {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// An SDK error: a stable [`ErrorCode`], a human message, and, for
/// validation failures, every [`Problem`] found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Error {
    code: ErrorCode,
    message: String,
    details: Vec<Problem>,
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a code and a message, and no details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// A `VALIDATION_ERROR` listing every problem; the message summarises them.
    pub fn validation(problems: Vec<Problem>) -> Self {
        let message = match problems.as_slice() {
            [] => "invalid request".to_owned(),
            [only] => describe(only),
            [first, rest @ ..] => format!(
                "{} (and {} more problem{})",
                describe(first),
                rest.len(),
                if rest.len() == 1 { "" } else { "s" }
            ),
        };
        Error {
            code: ErrorCode::ValidationError,
            message,
            details: problems,
        }
    }

    /// Adds the problems found to this error.
    #[must_use]
    pub fn with_details(mut self, details: Vec<Problem>) -> Self {
        self.details = details;
        self
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Every problem found (empty unless the error is about an input's fields).
    pub fn details(&self) -> &[Problem] {
        &self.details
    }

    /// The HTTP status of this error's code.
    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }

    /// The error as the hosted APIs' JSON body, `{"error": {...}}`.
    pub fn to_body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorObject {
                code: self.code,
                message: self.message.clone(),
                details: self.details.clone(),
            },
        }
    }

    /// The error body as compact JSON text.
    pub fn to_json(&self) -> String {
        crate::to_json(&self.to_body())
    }
}

fn describe(problem: &Problem) -> String {
    if problem.field.is_empty() {
        problem.reason.clone()
    } else {
        format!("{}: {}", problem.field, problem.reason)
    }
}

/// The JSON error body of the hosted APIs: `{"error": {"code", "message"}}`,
/// plus `details` when there are field problems.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error object.
    pub error: ErrorObject,
}

/// The inner object of an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// The stable code.
    pub code: ErrorCode,
    /// The human message.
    pub message: String,
    /// Every field problem; omitted from JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Problem>,
}

impl From<ErrorBody> for Error {
    fn from(body: ErrorBody) -> Self {
        Error {
            code: body.error.code,
            message: body.error.message,
            details: body.error.details,
        }
    }
}

impl Error {
    /// Reads an error body received from a hosted API or `veriscope serve`.
    pub fn from_json(text: &str) -> Result<Error> {
        serde_json::from_str::<ErrorBody>(text)
            .map(Error::from)
            .map_err(|err| {
                Error::new(
                    ErrorCode::InvalidArgument,
                    format!("not an API error body: {err}"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_string_and_number() {
        for code in ErrorCode::ALL {
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(code));
            assert_eq!(ErrorCode::from_number(code.number()), Some(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert_eq!(ErrorCode::from_number(0), None);
    }

    #[test]
    fn reference_codes_have_the_reference_http_statuses() {
        let table = [
            ("VALIDATION_ERROR", 400),
            ("UNAUTHORIZED", 401),
            ("TRIAL_EXHAUSTED", 402),
            ("UNSUPPORTED_FORMAT", 422),
            ("FILE_TOO_LARGE", 422),
            ("FETCH_FAILED", 422),
            ("RATE_LIMITED", 429),
            ("CAP_EXCEEDED", 429),
        ];
        for (name, status) in table {
            assert_eq!(name.parse::<ErrorCode>().unwrap().http_status(), status);
        }
    }

    #[test]
    fn validation_error_summarises_all_problems() {
        let err = Error::validation(vec![
            Problem::new("service_id", "is required"),
            Problem::new("input", "must be an object"),
        ]);
        assert_eq!(err.code(), ErrorCode::ValidationError);
        assert_eq!(
            err.message(),
            "service_id: is required (and 1 more problem)"
        );
        assert_eq!(
            err.to_json(),
            r#"{"error":{"code":"VALIDATION_ERROR","message":"service_id: is required (and 1 more problem)","details":[{"field":"service_id","reason":"is required"},{"field":"input","reason":"must be an object"}]}}"#
        );
    }

    #[test]
    fn error_body_without_details_matches_the_reference_shape() {
        let err = Error::new(ErrorCode::RateLimited, "Too many requests");
        assert_eq!(
            err.to_json(),
            r#"{"error":{"code":"RATE_LIMITED","message":"Too many requests"}}"#
        );
        assert_eq!(Error::from_json(&err.to_json()).unwrap(), err);
    }
}
