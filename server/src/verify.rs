//! `POST /api/v1/verify`: one document, by multipart upload, base64 JSON or
//! `documentUrl`, analysed for forgery; the answer is the API's
//! `{"data": {...}}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use veriscope::validate::{VerifyRequest, check_document_bytes, check_verify_request};
use veriscope::{Error, ErrorCode, Problem};

use crate::AppState;
use crate::fetch::fetch_document;
use crate::multipart::{single_file, too_large};
use crate::response::ApiError;

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
        let (bytes, _) = single_file(request, "document", limits.max_inline_bytes).await?;
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
