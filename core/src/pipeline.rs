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
//! The status moves only along the transition table; `result` carries the
//! API's three face fields, and `evidence` (outside the API's schema) the
//! distance, flags, face boxes and forgery report behind them.

use serde_json::{Value, json};

use crate::analysis::{AnalysisOptions, analyze};
use crate::face::{FaceMatchOptions, FaceModels};
use crate::model::{
    FaceMatchLevel, ResultStatus, Verification, VerificationResult, VerificationStatus,
};
use crate::{Error, ErrorCode, Result};

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
    verification.file_count = Some(2);

    let outcome = decide(models, files, fraud_detection, options);
    let (status, result_status) = match outcome {
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

fn decide(
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

fn now_rfc3339() -> String {
    let since_epoch = web_time::SystemTime::now()
        .duration_since(web_time::UNIX_EPOCH)
        .unwrap_or_default();
    humantime::format_rfc3339_millis(std::time::UNIX_EPOCH + since_epoch).to_string()
}
