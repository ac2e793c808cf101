//! The verification object of the verification API, and the body that
//! creates one.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{FaceMatch, FaceMatchLevel, IllegalTransition, ResultStatus, VerificationStatus};

/// Upload paths keyed by input name: `{"ktp_file": ["/uploads/ktp.jpg"]}`.
pub type InputFiles = BTreeMap<String, Vec<String>>;

/// A verification as the verification API returns it.
///
/// Every field of the reference is always written, `null` when unset, as the
/// hosted API does; fields it does not describe are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// Unique verification identifier.
    pub id: String,
    /// User who created the verification.
    #[serde(default)]
    pub user_id: Option<String>,
    /// API key used for this verification.
    #[serde(default)]
    pub api_key_id: Option<String>,
    /// Folder containing this verification.
    #[serde(default)]
    pub folder_id: Option<String>,
    /// Result group identifier.
    #[serde(default)]
    pub result_id: Option<String>,
    /// Processing time in seconds.
    #[serde(default)]
    pub processing_time: Option<f64>,
    /// Current status.
    pub status: VerificationStatus,
    /// Processing start time (RFC 3339).
    #[serde(default)]
    pub started_at: Option<String>,
    /// Processing end time (RFC 3339).
    #[serde(default)]
    pub completed_at: Option<String>,
    /// The service-specific input it was created with.
    #[serde(default)]
    pub input: Option<VerificationInput>,
    /// URLs of the input files, keyed like `input.files`.
    #[serde(default)]
    pub input_files: Option<InputFiles>,
    /// Results and extracted data.
    #[serde(default)]
    pub result: Option<VerificationResult>,
    /// URL to download detailed results.
    #[serde(default)]
    pub result_url: Option<String>,
    /// Overall outcome.
    #[serde(default)]
    pub result_status: Option<ResultStatus>,
    /// External processing job identifiers, as the server gives them.
    #[serde(default)]
    pub external_job_ids: Option<Value>,
    /// Where status changes are posted.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Custom metadata for the webhook, including its signing secret.
    #[serde(default)]
    pub webhook_metadata: Option<WebhookMetadata>,
    /// URL to download exported results.
    #[serde(default)]
    pub export_url: Option<String>,
    /// Credits consumed.
    #[serde(default)]
    pub credits_used: Option<u64>,
    /// Number of files processed.
    #[serde(default)]
    pub file_count: Option<u64>,
    /// Number of pages processed.
    #[serde(default)]
    pub page_count: Option<u64>,
    /// Creation time (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update time (RFC 3339).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Fields the reference does not describe, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Verification {
    /// A verification with only its id and status set.
    pub fn new(id: impl Into<String>, status: VerificationStatus) -> Self {
        Verification {
            id: id.into(),
            user_id: None,
            api_key_id: None,
            folder_id: None,
            result_id: None,
            processing_time: None,
            status,
            started_at: None,
            completed_at: None,
            input: None,
            input_files: None,
            result: None,
            result_url: None,
            result_status: None,
            external_job_ids: None,
            webhook_url: None,
            webhook_metadata: None,
            export_url: None,
            credits_used: None,
            file_count: None,
            page_count: None,
            created_at: None,
            updated_at: None,
            extra: Map::new(),
        }
    }

    /// Moves to `next` if the transition table allows it; otherwise leaves
    /// the status as it is and says why.
    pub fn transition_to(&mut self, next: VerificationStatus) -> Result<(), IllegalTransition> {
        self.status = self.status.transition_to(next)?;
        Ok(())
    }
}

/// Service-specific input: `{"verification_type", "files", "fraud_detection"}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VerificationInput {
    /// The service's id, repeated (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_type: Option<String>,
    /// Upload paths keyed by input name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<InputFiles>,
    /// Also run forgery analysis on the ID document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraud_detection: Option<bool>,
    /// Other service-specific inputs.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Results and extracted data of a verification.
///
/// The face fields are typed; other services' fields stay in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VerificationResult {
    /// Face-match band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_match_confidence_level: Option<FaceMatchLevel>,
    /// Face-match score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_match_confidence_score: Option<f64>,
    /// Whether the faces match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_match_face: Option<bool>,
    /// Other result fields, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl VerificationResult {
    /// The face-match result, when all three face fields are present.
    pub fn face_match(&self) -> Option<FaceMatch> {
        Some(FaceMatch {
            face_match_confidence_level: self.face_match_confidence_level?,
            face_match_confidence_score: self.face_match_confidence_score?,
            is_match_face: self.is_match_face?,
        })
    }
}

impl From<FaceMatch> for VerificationResult {
    fn from(face: FaceMatch) -> Self {
        VerificationResult {
            face_match_confidence_level: Some(face.face_match_confidence_level),
            face_match_confidence_score: Some(face.face_match_confidence_score),
            is_match_face: Some(face.is_match_face),
            extra: Map::new(),
        }
    }
}

/// Metadata attached to the webhook; `webhook_secret` sets the
/// per-verification HMAC signing secret.
///
/// `Debug` never prints the secret.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WebhookMetadata {
    /// Per-verification HMAC signing secret. Without it, webhooks are sent unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    /// Caller's own metadata, sent back with each webhook.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for WebhookMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookMetadata")
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("extra", &self.extra)
            .finish()
    }
}

/// The body of `POST /verifications`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateVerificationRequest {
    /// Service ID obtained from `GET /services`.
    pub service_id: String,
    /// Folder to organise the verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder_id: Option<String>,
    /// Service-specific input.
    pub input: VerificationInput,
    /// Optional result id to group verifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_id: Option<String>,
    /// HTTPS endpoint receiving status updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// Metadata attached to the webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_metadata: Option<WebhookMetadata>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip<T: Serialize + serde::de::DeserializeOwned>(value: Value) -> T {
        let typed: T = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap(), value);
        typed
    }

    #[test]
    fn reference_input_example_round_trips() {
        let input: VerificationInput = round_trip(json!({
            "verification_type": "KTP_SELFIE",
            "files": {"ktp_file": ["/uploads/ktp.jpg"], "selfie_file": ["/uploads/selfie.jpg"]},
            "fraud_detection": false
        }));
        assert_eq!(input.files.unwrap()["ktp_file"], ["/uploads/ktp.jpg"]);
    }

    #[test]
    fn reference_input_files_and_result_examples_round_trip() {
        let files: InputFiles = round_trip(json!({
            "ktp_file": ["https://example.com/files/ktp.jpg"],
            "selfie_file": ["https://example.com/files/selfie.jpg"]
        }));
        assert_eq!(files.len(), 2);
        let result: VerificationResult = round_trip(json!({
            "face_match_confidence_level": "LOW",
            "face_match_confidence_score": 2.284846674563825,
            "is_match_face": false
        }));
        assert!(!result.face_match().unwrap().is_match_face);
    }

    #[test]
    fn reference_webhook_metadata_example_round_trips_and_debug_hides_the_secret() {
        let meta: WebhookMetadata = round_trip(json!({"webhook_secret": "your-signing-secret"}));
        let debug = format!("{meta:?}");
        assert!(!debug.contains("your-signing-secret"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }

    #[test]
    fn a_full_verification_round_trips_and_keeps_unknown_fields() {
        let value = json!({
            "id": "9b2f7f4e-1f7a-4c36-9d7e-2a4f1c1d0a11",
            "user_id": "user_1",
            "api_key_id": null,
            "folder_id": null,
            "result_id": "group-7",
            "processing_time": 2.284,
            "status": "COMPLETED",
            "started_at": "2026-11-01T10:00:00.000Z",
            "completed_at": "2026-11-01T10:00:02.284Z",
            "input": {"verification_type": "KTP_SELFIE", "files": {"ktp_file": ["/uploads/ktp.jpg"], "selfie_file": ["/uploads/selfie.jpg"]}, "fraud_detection": false},
            "input_files": {"ktp_file": ["https://example.com/files/ktp.jpg"], "selfie_file": ["https://example.com/files/selfie.jpg"]},
            "result": {"face_match_confidence_level": "LOW", "face_match_confidence_score": 2.284846674563825, "is_match_face": false},
            "result_url": "https://example.com/output.json",
            "result_status": "NOT_VERIFIED",
            "external_job_ids": ["job-1"],
            "webhook_url": "https://your-app.com/webhook",
            "webhook_metadata": {"webhook_secret": "your-signing-secret", "order": 42},
            "export_url": "https://example.com/export.xlsx",
            "credits_used": 10,
            "file_count": 2,
            "page_count": 5,
            "created_at": "2026-11-01T09:59:59.000Z",
            "updated_at": "2026-11-01T10:00:02.284Z",
            "region": "ap-southeast-3"
        });
        let verification: Verification = round_trip(value);
        assert_eq!(verification.status, VerificationStatus::Completed);
        assert_eq!(verification.extra["region"], "ap-southeast-3");
        assert_eq!(verification.webhook_metadata.unwrap().extra["order"], 42);
    }

    #[test]
    fn a_minimal_verification_writes_every_reference_field() {
        let text =
            serde_json::to_string(&Verification::new("v1", VerificationStatus::Draft)).unwrap();
        for field in [
            "id",
            "user_id",
            "api_key_id",
            "folder_id",
            "result_id",
            "processing_time",
            "status",
            "started_at",
            "completed_at",
            "input",
            "input_files",
            "result",
            "result_url",
            "result_status",
            "external_job_ids",
            "webhook_url",
            "webhook_metadata",
            "export_url",
            "credits_used",
            "file_count",
            "page_count",
            "created_at",
            "updated_at",
        ] {
            assert!(
                text.contains(&format!("\"{field}\":")),
                "{field} missing from {text}"
            );
        }
    }

    #[test]
    fn an_unknown_status_is_rejected() {
        let err = serde_json::from_value::<Verification>(json!({"id": "v", "status": "DONE"}));
        assert!(err.is_err());
    }

    #[test]
    fn transition_keeps_the_status_when_illegal() {
        let mut verification = Verification::new("v", VerificationStatus::InQueue);
        verification
            .transition_to(VerificationStatus::InProgress)
            .unwrap();
        assert!(
            verification
                .transition_to(VerificationStatus::Draft)
                .is_err()
        );
        assert_eq!(verification.status, VerificationStatus::InProgress);
    }
}
