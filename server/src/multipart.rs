//! Reading one file from a `multipart/form-data` body, under the
//! document size limit, as `POST /api/v1/verify` and `POST /uploads` take it.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use veriscope::{Error, ErrorCode, Problem};

use crate::response::ApiError;

/// `FILE_TOO_LARGE` for a body over `limit` bytes.
pub fn too_large(limit: u64) -> Error {
    Error::new(
        ErrorCode::FileTooLarge,
        format!("the request body exceeds the {limit}-byte document limit"),
    )
}

/// The bytes and file name of the one field `name`; any other field, or
/// none, or two, is a `VALIDATION_ERROR` listing every problem.
pub async fn single_file(
    request: Request,
    name: &str,
    limit: u64,
) -> Result<(Vec<u8>, Option<String>), ApiError> {
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|rejection| Error::new(ErrorCode::ValidationError, rejection.body_text()))?;
    let mut file = None;
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
        let field_name = field.name().unwrap_or_default().to_owned();
        if field_name != name {
            problems.push(Problem::new(
                field_name,
                format!("is not a field of this request (expected {name})"),
            ));
            continue;
        }
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(|error| {
            if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large(limit)
            } else {
                Error::new(ErrorCode::ValidationError, error.body_text())
            }
        })?;
        if file.replace((bytes.to_vec(), file_name)).is_some() {
            problems.push(Problem::new(name, "is given more than once"));
        }
    }
    if file.is_none() {
        problems.push(Problem::new(name, "is required (a JPEG, PNG or PDF file)"));
    }
    match file {
        Some(file) if problems.is_empty() => Ok(file),
        _ => Err(Error::validation(problems).into()),
    }
}
