//! The JSON body of the forgery API's `POST /api/v1/verify`:
//! `{"document": "<base64>"}` or `{"documentUrl": "https://..."}`.

use serde::Serialize;
use serde_json::Value;

use super::document::{DecodedDocument, decode_document_base64};
use super::limits::Limits;
use super::problems::{Problems, parse_body};
use super::url::{DocumentUrl, check_document_url};
use crate::error::{Error, Problem, Result};

/// A checked JSON verify request: an inline document, or a URL to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyRequest {
    /// `document` as base64, decoded and checked.
    Inline(DecodedDocument),
    /// `documentUrl`, checked but not fetched.
    Url(DocumentUrl),
}

impl Serialize for VerifyRequest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            VerifyRequest::Inline(document) => document.info.serialize(serializer),
            VerifyRequest::Url(url) => url.serialize(serializer),
        }
    }
}

/// Checks a JSON verify body: exactly one of `document` (base64 string) and
/// `documentUrl` (HTTPS string), no other fields, then the chosen input.
pub fn check_verify_request(body: &str, limits: &Limits) -> Result<VerifyRequest> {
    let value = parse_body(body)?;
    let Value::Object(fields) = value else {
        return Err(Error::validation(vec![Problem::new(
            "",
            "body must be a JSON object",
        )]));
    };
    let mut problems = Problems::default();
    for key in fields.keys() {
        if key != "document" && key != "documentUrl" {
            problems.push(
                key.as_str(),
                "is not a field of this request (expected document or documentUrl)",
            );
        }
    }
    let document = fields.get("document");
    let document_url = fields.get("documentUrl");
    match (document, document_url) {
        (None, None) => problems.push("", "provide one of document (base64) or documentUrl"),
        (Some(_), Some(_)) => {
            problems.push("", "provide only one of document or documentUrl, not both")
        }
        _ => {}
    }
    for (name, value) in [("document", document), ("documentUrl", document_url)] {
        if let Some(value) = value.filter(|v| !v.is_string()) {
            problems.push(name, format!("must be a string, not {}", json_type(value)));
        }
    }
    problems.finish(|| ())?;
    match (
        document.and_then(Value::as_str),
        document_url.and_then(Value::as_str),
    ) {
        (Some(text), None) => decode_document_base64(text, limits).map(VerifyRequest::Inline),
        (None, Some(url)) => check_document_url(url, limits).map(VerifyRequest::Url),
        _ => unreachable!("exactly one string input after the checks above"),
    }
}

/// The JSON type of `value`, for messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn check(body: &str) -> Result<VerifyRequest> {
        check_verify_request(body, &Limits::default())
    }

    #[test]
    fn a_url_body_is_checked_not_fetched() {
        let request =
            check(r#"{"documentUrl": "https://storage.example.com/passport.jpg"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"source":"url","url":"https://storage.example.com/passport.jpg","host":"storage.example.com","port":443,"maxBytes":10485760}"#
        );
    }

    #[test]
    fn a_base64_body_is_decoded() {
        let request = check(r#"{"document": "/9j/4AAQSkZJRgAB"}"#).unwrap();
        let VerifyRequest::Inline(document) = request else {
            panic!("expected inline")
        };
        assert_eq!(document.bytes[..3], [0xFF, 0xD8, 0xFF]);
    }

    #[test]
    fn every_problem_of_a_bad_body_is_listed() {
        let err = check(r#"{"document": 5, "documentUrl": null, "extra": 1}"#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationError);
        let fields: Vec<_> = err.details().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["extra", "", "document", "documentUrl"]);
    }

    #[test]
    fn an_empty_or_non_object_body_is_a_validation_error() {
        assert!(
            check("{}")
                .unwrap_err()
                .message()
                .contains("provide one of")
        );
        assert!(check("[]").unwrap_err().message().contains("JSON object"));
        assert!(check("{").unwrap_err().message().contains("not valid JSON"));
    }
}
