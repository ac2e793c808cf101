//! `KTP_SELFIE` verifications end to end: the SDK's client uploads a KTP
//! photo and a selfie to a real `veriscope serve` with the face models, and
//! waits for the worker pool's verdict.
//!
//! Needs the face test set and models: `scripts/test` sets
//! `VERISCOPE_FACE_DATA` and `VERISCOPE_MODELS` and runs this optimised;
//! without them the tests say so and pass.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::KEY;
use veriscope::client::Client;
use veriscope::model::{
    CreateVerificationRequest, FaceMatchLevel, ResultStatus, Verification, VerificationInput,
    VerificationStatus,
};

fn face_data() -> Option<(PathBuf, String)> {
    let (Some(data), Some(models)) = (
        std::env::var_os("VERISCOPE_FACE_DATA"),
        std::env::var("VERISCOPE_MODELS").ok(),
    ) else {
        eprintln!(
            "skipped: VERISCOPE_FACE_DATA / VERISCOPE_MODELS not set (scripts/test sets them)"
        );
        return None;
    };
    Some((PathBuf::from(data), models))
}

async fn verify(
    client: &Client,
    data: &std::path::Path,
    ktp: &str,
    selfie: &str,
    fraud: bool,
) -> Verification {
    let mut files = std::collections::BTreeMap::new();
    for (input, name) in [("ktp_file", ktp), ("selfie_file", selfie)] {
        let bytes = std::fs::read(data.join(name)).unwrap();
        let upload = client.upload(&bytes, Some(name)).await.unwrap();
        files.insert(input.to_owned(), vec![upload.path]);
    }
    let request = CreateVerificationRequest {
        service_id: "KTP_SELFIE".into(),
        folder_id: None,
        input: VerificationInput {
            files: Some(files),
            fraud_detection: Some(fraud),
            ..VerificationInput::default()
        },
        result_id: None,
        webhook_url: None,
        webhook_metadata: None,
    };
    let created = client.create_verification(&request).await.unwrap();
    client
        .wait(&created.id, Duration::from_secs(120))
        .await
        .unwrap()
}

#[tokio::test]
async fn ktp_selfie_verifications_settle_on_the_face_match_and_forgery_verdicts() {
    let Some((data, models)) = face_data() else {
        return;
    };
    let server = common::start_with(&format!("models = {models:?}"), "").await;
    let url = server.url.clone();
    let client = Client::builder(KEY).base_url(&url).build().unwrap();

    let same = verify(&client, &data, "ktp-obama.jpg", "obama2.png", false).await;
    assert_eq!(
        (same.status, same.result_status),
        (VerificationStatus::Completed, Some(ResultStatus::Verified))
    );
    let face = same.result.as_ref().unwrap().face_match().unwrap();
    assert_eq!(face.face_match_confidence_level, FaceMatchLevel::High);
    assert!(face.is_match_face);
    assert_eq!(same.file_count, Some(2));

    let other = verify(&client, &data, "ktp-obama.jpg", "biden.png", false).await;
    assert_eq!(
        (other.status, other.result_status),
        (
            VerificationStatus::Completed,
            Some(ResultStatus::NotVerified)
        )
    );
    assert!(!other.result.unwrap().face_match().unwrap().is_match_face);

    let no_face = verify(&client, &data, "ktp-obama.jpg", "coffee.png", false).await;
    assert_eq!(no_face.status, VerificationStatus::Failed);
    assert_eq!(no_face.extra["error"]["code"], "FACE_NOT_FOUND");

    let edited = verify(&client, &data, "ktp-obama-edited.jpg", "obama2.png", true).await;
    assert_eq!(
        (edited.status, edited.result_status),
        (
            VerificationStatus::FraudDetected,
            Some(ResultStatus::NotVerified)
        )
    );
    server.stop().await;
}
