//! `POST /uploads`: stores one file (multipart field `file`) for a later
//! verification and answers the path to name in `input.files`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use veriscope::validate::check_document_bytes;

use crate::AppState;
use crate::multipart::single_file;
use crate::response::ApiError;
use crate::store::Upload;

/// The handler: `201 {"data": {"path", "file_name", "format", "size", "created_at"}}`.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    request: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let key = state.admit(&headers)?;
    let limits = &state.config.limits;
    let (bytes, file_name) = single_file(request, "file", limits.max_inline_bytes).await?;
    let info = check_document_bytes(&bytes, limits)?;
    let upload = Upload {
        path: format!("/uploads/{}.{}", uuid::Uuid::new_v4(), info.format.as_str()),
        file_name,
        format: info.format,
        size: info.size_bytes,
        created_at: veriscope::pipeline::now_rfc3339(),
    };
    state
        .store
        .insert_upload(&key, &upload, bytes.to_vec())
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "data": upload }))))
}
