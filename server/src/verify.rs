//! `POST /api/v1/verify`: one document, by multipart upload, base64 JSON or
//! `documentUrl`, analysed for forgery; the answer is the API's
//! `{"data": {...}}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use veriscope::validate::{VerifyRequest, check_document_bytes, check_verify_request};
use veriscope::{Error, ErrorCode, Problem};

use crate::AppState;
use crate::fetch::fetch_document;
use crate::response::ApiError;

fn too_large(limit: u64) -> Error {
    Error::new(
        ErrorCode::FileTooLarge,
        format!("the request body exceeds the {limit}-byte document limit"),
    )
}

/// The handler.
pub async fn verify(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    state.admit(&headers)?;
    let limits = &state.config.limits;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let document = if content_type.starts_with("multipart/form-data") {
        let bytes = multipart_document(request, limits.max_inline_bytes).await?;
        check_document_bytes(&bytes, limits)?;
        bytes
    } else if content_type.starts_with("application/json") {
        let body = Bytes::from_request(request, &())
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large(limits.max_inline_bytes)
                } else {
                    Error::new(ErrorCode::ValidationError, rejection.body_text())
                }
            })?;
        let text = std::str::from_utf8(&body)
            .map_err(|_| Error::validation(vec![Problem::new("", "the body is not UTF-8 JSON")]))?;
        match check_verify_request(text, limits)? {
            VerifyRequest::Inline(decoded) => decoded.bytes,
            VerifyRequest::Url(url) => {
                let bytes = fetch_document(&url, &state.config.fetch).await?;
                let mut url_limits = limits.clone();
                url_limits.max_inline_bytes = url.max_bytes;
                check_document_bytes(&bytes, &url_limits)?;
                bytes
            }
        }
    } else {
        return Err(Error::validation(vec![Problem::new(
            "",
            "Content-Type must be multipart/form-data (field document) or application/json",
        )])
        .into());
    };
    let answer = tokio::task::spawn_blocking(move || {
        veriscope::analysis::analyze_to_json(&document, &Default::default())
    })
    .await
    .map_err(|error| {
        Error::new(
            ErrorCode::Internal,
            format!("analysis task failed: {error}"),
        )
    })??;
    Ok(([(header::CONTENT_TYPE, "application/json")], answer).into_response())
}

/// The bytes of the multipart field `document`; any other field, or none,
/// is a `VALIDATION_ERROR`.
async fn multipart_document(request: Request, limit: u64) -> Result<Vec<u8>, ApiError> {
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|rejection| Error::new(ErrorCode::ValidationError, rejection.body_text()))?;
    let mut document = None;
    let mut problems = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large(limit).into());
            }
            Err(error) => {
                return Err(Error::new(ErrorCode::ValidationError, error.body_text()).into());
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name != "document" {
            problems.push(Problem::new(
                name,
                "is not a field of this request (expected document)",
            ));
            continue;
        }
        let bytes = field.bytes().await.map_err(|error| {
            if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large(limit)
            } else {
                Error::new(ErrorCode::ValidationError, error.body_text())
            }
        })?;
        if document.replace(bytes.to_vec()).is_some() {
            problems.push(Problem::new("document", "is given more than once"));
        }
    }
    if document.is_none() {
        problems.push(Problem::new(
            "document",
            "is required (a JPEG, PNG or PDF file)",
        ));
    }
    if !problems.is_empty() {
        return Err(Error::validation(problems).into());
    }
    Ok(document.unwrap_or_default())
}
