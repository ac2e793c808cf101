//! Running a verification with the local engine: what the hosted
//! verification API does between `IN_QUEUE` and a settled status.
//!
//! A `KTP_SELFIE` run compares the KTP's portrait with the selfie and, with
//! `fraud_detection` on, analyses the KTP for forgery first:
//!
//! | outcome | `status` | `result_status` |
//! |---|---|---|
//! | forged KTP (fraud detection on) | `FRAUD_DETECTED` | `NOT_VERIFIED` |
//! | `HIGH` band | `COMPLETED` | `VERIFIED` |
//! | `MEDIUM` band | `NEED_REVIEW` | none until a person decides |
//! | `LOW` band | `COMPLETED` | `NOT_VERIFIED` |
//! | no face, undecodable image | `FAILED` | none; `error` says why |
//!
//! A `DOCUMENT_FORGERY` run analyses its one document: `FRAUD_DETECTED` /
//! `NOT_VERIFIED` when forged, `COMPLETED` / `VERIFIED` otherwise, `FAILED`
//! when it cannot be read; `result` carries the forgery API's report fields.
//! [`run_verification`] picks the run from `input.verification_type`.
//!
//! The status moves only along the transition table; `result` carries the
//! API's three face fields, and `evidence` (outside the API's schema) the
//! distance, flags, face boxes and forgery report behind them.

use serde_json::{Value, json};

use crate::analysis::{AnalysisOptions, analyze};
use crate::face::{FaceMatchOptions, FaceModels};
use crate::model::{
    FaceMatchLevel, ResultStatus, ServiceId, Verification, VerificationResult, VerificationStatus,
};
use crate::{Error, ErrorCode, Problem, Result};

/// The two files of a `KTP_SELFIE` verification.
#[derive(Debug, Clone, Copy)]
pub struct KtpSelfieFiles<'a> {
    /// The photo of the KTP card (`ktp_file`).
    pub ktp: &'a [u8],
    /// The selfie (`selfie_file`).
    pub selfie: &'a [u8],
}

/// How a run is done.
#[derive(Debug, Clone, Default)]
pub struct PipelineOptions {
    /// Face-match thresholds and decoding limits.
    pub face: FaceMatchOptions,
    /// Options of the KTP's forgery analysis (with `fraud_detection`).
    pub analysis: AnalysisOptions,
}

/// Runs a `KTP_SELFIE` verification on `verification`, which must be
/// `IN_QUEUE` or `IN_PROGRESS`; it ends settled (see the module table).
///
/// Problems with the inputs (no face, an image that cannot be decoded) end the
/// verification `FAILED` and return `Ok`; only problems of the engine itself
/// (`MODEL_MISSING`, an illegal starting status) are `Err`, leaving the
/// verification where it was so that it can be retried.
pub fn run_ktp_selfie(
    verification: &mut Verification,
    models: &FaceModels,
    files: KtpSelfieFiles<'_>,
    fraud_detection: bool,
    options: &PipelineOptions,
) -> Result<()> {
    settle(verification, 2, || {
        decide_ktp_selfie(models, files, fraud_detection, options)
    })
}

/// Runs a `DOCUMENT_FORGERY` verification: the document's forgery analysis.
///
/// A forged document ends `FRAUD_DETECTED` / `NOT_VERIFIED`, an authentic one
/// `COMPLETED` / `VERIFIED`; `result` carries the forgery API's report
/// fields (`forgeryScore`, `confidence`, `documentType`, `flags`,
/// `latencyMs`). An unreadable document ends `FAILED`, as in
/// [`run_ktp_selfie`].
pub fn run_document_forgery(
    verification: &mut Verification,
    document: &[u8],
    options: &PipelineOptions,
) -> Result<()> {
    settle(verification, 1, || {
        let analysis = analyze(document, &options.analysis)?;
        let (status, result_status) = if analysis.is_forged() {
            (
                VerificationStatus::FraudDetected,
                Some(ResultStatus::NotVerified),
            )
        } else {
            (VerificationStatus::Completed, Some(ResultStatus::Verified))
        };
        let report = match serde_json::to_value(&analysis.report) {
            Ok(Value::Object(fields)) => fields,
            _ => Default::default(),
        };
        Ok(Decision {
            status,
            result_status,
            result: VerificationResult {
                extra: report,
                ..VerificationResult::default()
            },
            evidence: json!({ "forgery": { "signals": analysis.signals, "model": analysis.model } }),
        })
    })
}

/// The bytes of a verification's input files, keyed like `input.files`.
pub type InputBytes = std::collections::BTreeMap<String, Vec<Vec<u8>>>;

/// Runs a verification of any catalogue service, chosen by its
/// `input.verification_type`, on the bytes of its input files.
///
/// `models` is needed by `KTP_SELFIE` only (`MODEL_MISSING` without it). A
/// required file missing from `files` is `VALIDATION_ERROR` and the
/// verification is left as it was: the caller handed the wrong inputs.
pub fn run_verification(
    verification: &mut Verification,
    files: &InputBytes,
    models: Option<&FaceModels>,
    options: &PipelineOptions,
) -> Result<()> {
    let input = verification.input.clone().unwrap_or_default();
    let service: ServiceId = input
        .verification_type
        .as_deref()
        .ok_or_else(|| {
            Error::validation(vec![Problem::new(
                "input.verification_type",
                "names the service to run and is required here",
            )])
        })?
        .parse()?;
    let file = |name: &str| -> Result<&[u8]> {
        files
            .get(name)
            .and_then(|list| list.first())
            .map(Vec::as_slice)
            .ok_or_else(|| {
                Error::validation(vec![Problem::new(
                    format!("input.files.{name}"),
                    "is required",
                )])
            })
    };
    match service {
        ServiceId::KtpSelfie => {
            let models = models.ok_or_else(|| {
                Error::new(
                    ErrorCode::ModelMissing,
                    "KTP_SELFIE needs the face models; run ./scripts/fetch-models",
                )
            })?;
            let files = KtpSelfieFiles {
                ktp: file("ktp_file")?,
                selfie: file("selfie_file")?,
            };
            let fraud_detection = input.fraud_detection.unwrap_or(false);
            run_ktp_selfie(verification, models, files, fraud_detection, options)
        }
        ServiceId::DocumentForgery => {
            run_document_forgery(verification, file("document")?, options)
        }
    }
}

/// Moves `verification` to `IN_PROGRESS`, runs `decide`, and settles it on
/// the decision (or on `FAILED` when the inputs were at fault).
fn settle(
    verification: &mut Verification,
    file_count: u64,
    decide: impl FnOnce() -> Result<Decision>,
) -> Result<()> {
    let started = web_time::Instant::now();
    if verification.status == VerificationStatus::InQueue {
        verification.transition_to(VerificationStatus::InProgress)?;
    }
    if verification.status != VerificationStatus::InProgress {
        return Err(Error::new(
            ErrorCode::InvalidTransition,
            format!(
                "a verification runs from IN_QUEUE or IN_PROGRESS, not {}",
                verification.status.as_str()
            ),
        ));
    }
    verification.started_at = Some(now_rfc3339());
    verification.file_count = Some(file_count);

    let (status, result_status) = match decide() {
        Ok(Decision {
            status,
            result_status,
            result,
            evidence,
        }) => {
            verification.result = Some(result);
            verification.extra.insert("evidence".into(), evidence);
            (status, result_status)
        }
        Err(error) if is_input_problem(error.code()) => {
            verification.extra.insert(
                "error".into(),
                serde_json::to_value(error.to_body().error).unwrap_or(Value::Null),
            );
            (VerificationStatus::Failed, None)
        }
        Err(error) => return Err(error),
    };
    verification.transition_to(status)?;
    verification.result_status = result_status;
    verification.completed_at = Some(now_rfc3339());
    verification.processing_time =
        Some((started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0);
    Ok(())
}

struct Decision {
    status: VerificationStatus,
    result_status: Option<ResultStatus>,
    result: VerificationResult,
    evidence: Value,
}

fn decide_ktp_selfie(
    models: &FaceModels,
    files: KtpSelfieFiles<'_>,
    fraud_detection: bool,
    options: &PipelineOptions,
) -> Result<Decision> {
    let forgery = if fraud_detection {
        Some(analyze(files.ktp, &options.analysis)?)
    } else {
        None
    };
    let comparison = models.compare(files.ktp, files.selfie, &options.face)?;
    let forged = forgery
        .as_ref()
        .is_some_and(|analysis| analysis.is_forged());
    let (status, result_status) = if forged {
        (
            VerificationStatus::FraudDetected,
            Some(ResultStatus::NotVerified),
        )
    } else {
        match comparison.result.face_match_confidence_level {
            FaceMatchLevel::High => (VerificationStatus::Completed, Some(ResultStatus::Verified)),
            FaceMatchLevel::Medium => (VerificationStatus::NeedReview, None),
            FaceMatchLevel::Low => (
                VerificationStatus::Completed,
                Some(ResultStatus::NotVerified),
            ),
        }
    };
    let evidence = json!({
        "face_match": comparison,
        "forgery": forgery.as_ref().map(|analysis| &analysis.report),
    });
    Ok(Decision {
        status,
        result_status,
        result: comparison.result.clone().into(),
        evidence,
    })
}

/// Errors that are the inputs' fault: the verification fails, the engine is fine.
fn is_input_problem(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::FaceNotFound
            | ErrorCode::UnsupportedFormat
            | ErrorCode::FileTooLarge
            | ErrorCode::ValidationError
    )
}

/// RFC 3339 in UTC with exactly three fractional digits, as the
/// verification API writes its timestamps (`2026-11-01T10:00:02.284Z`).
const RFC3339_MILLIS: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
);

/// The current time as the verification API writes its timestamps
/// (RFC 3339, UTC, milliseconds).
pub fn now_rfc3339() -> String {
    let since_epoch = web_time::SystemTime::now()
        .duration_since(web_time::UNIX_EPOCH)
        .unwrap_or_default();
    // The format keeps three of the nanoseconds' digits.
    let nanos = i128::try_from(since_epoch.as_nanos()).unwrap_or(i128::MAX);
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|now| now.format(RFC3339_MILLIS).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VerificationInput;

    #[test]
    fn timestamps_are_rfc3339_utc_with_three_fraction_digits() {
        let now = now_rfc3339();
        assert_eq!(now.len(), "2026-11-01T10:00:02.284Z".len(), "{now}");
        let parsed =
            time::OffsetDateTime::parse(&now, &time::format_description::well_known::Rfc3339);
        assert!(parsed.is_ok(), "{now}");
        assert!(now.ends_with('Z') && now.as_bytes()[19] == b'.', "{now}");
    }

    fn queued(service: ServiceId) -> Verification {
        let mut verification = Verification::new("v1", VerificationStatus::InQueue);
        verification.input = Some(VerificationInput {
            verification_type: Some(service.as_str().into()),
            ..VerificationInput::default()
        });
        verification
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
        });
        let mut bytes = std::io::Cursor::new(Vec::new());
        image
            .write_to(&mut bytes, image::ImageFormat::Png)
            .expect("encoding a PNG in memory");
        bytes.into_inner()
    }

    fn files(name: &str, bytes: Vec<u8>) -> InputBytes {
        InputBytes::from([(name.to_owned(), vec![bytes])])
    }

    #[test]
    fn a_document_forgery_run_settles_on_the_reports_verdict() {
        let mut verification = queued(ServiceId::DocumentForgery);
        let options = PipelineOptions::default();
        run_verification(
            &mut verification,
            &files("document", png(320, 200)),
            None,
            &options,
        )
        .unwrap();
        let result = verification.result.as_ref().unwrap();
        let score = result.extra["forgeryScore"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        let expected = if score >= crate::analysis::fusion::THRESHOLD {
            (VerificationStatus::FraudDetected, ResultStatus::NotVerified)
        } else {
            (VerificationStatus::Completed, ResultStatus::Verified)
        };
        assert_eq!(
            (verification.status, verification.result_status.unwrap()),
            expected
        );
        assert_eq!(verification.file_count, Some(1));
        assert!(verification.completed_at.is_some());
    }

    #[test]
    fn an_unreadable_document_fails_the_verification_with_its_error() {
        let mut verification = queued(ServiceId::DocumentForgery);
        let bytes = b"GIF89a not a supported format".to_vec();
        run_verification(
            &mut verification,
            &files("document", bytes),
            None,
            &Default::default(),
        )
        .unwrap();
        assert_eq!(verification.status, VerificationStatus::Failed);
        assert_eq!(verification.extra["error"]["code"], "UNSUPPORTED_FORMAT");
        assert_eq!(verification.result_status, None);
    }

    #[test]
    fn engine_and_caller_problems_leave_the_verification_queued() {
        let mut verification = queued(ServiceId::KtpSelfie);
        let both = InputBytes::from([
            ("ktp_file".to_owned(), vec![png(64, 64)]),
            ("selfie_file".to_owned(), vec![png(64, 64)]),
        ]);
        let missing_models =
            run_verification(&mut verification, &both, None, &Default::default()).unwrap_err();
        assert_eq!(missing_models.code(), ErrorCode::ModelMissing);
        let missing_file = run_verification(
            &mut queued(ServiceId::DocumentForgery),
            &InputBytes::new(),
            None,
            &Default::default(),
        )
        .unwrap_err();
        assert_eq!(missing_file.code(), ErrorCode::ValidationError);
        let mut untyped = Verification::new("v2", VerificationStatus::InQueue);
        let no_service =
            run_verification(&mut untyped, &InputBytes::new(), None, &Default::default())
                .unwrap_err();
        assert_eq!(no_service.code(), ErrorCode::ValidationError);
        assert_eq!(verification.status, VerificationStatus::InQueue);
        assert_eq!(untyped.status, VerificationStatus::InQueue);
    }
}
