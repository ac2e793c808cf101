//! `POST /verifications`, `GET /verifications/{id}` and
//! `GET /verifications/{id}/webhooks`.
//!
//! A verification is checked (the validation layer's rules, then each upload
//! path must be one of the caller's uploads in a format the service takes),
//! stored `IN_QUEUE` (a job any instance's workers may claim); the answer comes at once.
//! Verifications belong to the API key that created them: another key gets
//! `NOT_FOUND`, as for an id that does not exist.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use veriscope::model::{ServiceId, Verification, VerificationStatus};
use veriscope::validate::check_create_verification;
use veriscope::{Error, ErrorCode, Problem};

use crate::AppState;
use crate::delivery::{public_view, status_event};
use crate::response::ApiError;

/// `POST /verifications`: `201 {"data": verification}`.
pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let key = state.admit(&headers)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| Error::validation(vec![Problem::new("", "the body is not UTF-8 JSON")]))?;
    let request = check_create_verification(text, &state.config.limits)?;
    let service: ServiceId = request.service_id.parse()?;
    if service == ServiceId::KtpSelfie && state.engine.models.is_none() {
        return Err(Error::new(
            ErrorCode::ModelMissing,
            "this server has no face models for KTP_SELFIE; run ./scripts/fetch-models \
             and set `models` in its configuration",
        )
        .into());
    }
    let mut problems = Vec::new();
    let files = request.input.files.clone().unwrap_or_default();
    for (name, paths) in &files {
        let Some(input) = service.service().file_input(name) else {
            continue; // already refused by validation
        };
        for (index, path) in paths.iter().enumerate() {
            let field = format!("input.files.{name}[{index}]");
            match state.store.upload_format(&key, path).await? {
                None => problems.push(Problem::new(
                    field,
                    format!("{path} is not an upload of this API key (POST /uploads first)"),
                )),
                Some(format) if !input.formats.contains(&format) => problems.push(Problem::new(
                    field,
                    format!("is a {} file; {name} takes {}", format.as_str(), {
                        let names: Vec<_> = input.formats.iter().map(|f| f.as_str()).collect();
                        names.join(" or ")
                    }),
                )),
                Some(_) => {}
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::validation(problems).into());
    }

    let now = veriscope::pipeline::now_rfc3339();
    let mut verification = Verification::new(
        uuid::Uuid::new_v4().to_string(),
        VerificationStatus::InQueue,
    );
    let mut input = request.input;
    input.verification_type = Some(service.as_str().to_owned());
    verification.api_key_id = Some(key.clone());
    verification.folder_id = request.folder_id;
    verification.result_id = request.result_id;
    verification.input_files = Some(files);
    verification.input = Some(input);
    verification.webhook_url = request.webhook_url;
    verification.webhook_metadata = request.webhook_metadata;
    verification.credits_used = Some(0);
    verification.created_at = Some(now.clone());
    verification.updated_at = Some(now);
    let event = status_event(&verification);
    let announce = event.is_some();
    state
        .store
        .insert_verification(&key, &verification, event)
        .await?;
    if announce {
        state.engine.deliveries.notify_one();
    }
    state.engine.jobs.notify_one();
    Ok((
        StatusCode::CREATED,
        Json(json!({ "data": public_view(&verification) })),
    ))
}

/// The caller's verification `id`, or `NOT_FOUND`.
async fn owned(state: &AppState, key: &str, id: &str) -> Result<Verification, ApiError> {
    match state.store.verification(id).await? {
        Some((owner, verification)) if owner == key => Ok(verification),
        _ => Err(Error::new(ErrorCode::NotFound, format!("no verification {id}")).into()),
    }
}

/// `GET /verifications/{id}`: `{"data": verification}`.
pub async fn get(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let key = state.admit(&headers)?;
    let verification = owned(&state, &key, &id).await?;
    Ok(Json(json!({ "data": public_view(&verification) })))
}

/// `GET /verifications/{id}/webhooks`: every delivery and its attempts.
pub async fn webhooks(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let key = state.admit(&headers)?;
    owned(&state, &key, &id).await?;
    Ok(Json(json!({ "data": state.store.deliveries(&id).await? })))
}
