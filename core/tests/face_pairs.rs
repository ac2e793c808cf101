//! End to end: synthetic KTP cards carrying a real face as the printed
//! portrait, compared with other photos of the same person and of other
//! people (`scripts/face_data.py` builds the set from registry packages).
//! Every same-person pair must match and every other pair must not, at the
//! default thresholds, through the whole pipeline (JPEG decode, SeetaFace
//! detection, landmarks, chip, ResNet).
//!
//! `scripts/test` sets `VERISCOPE_FACE_DATA` and `VERISCOPE_MODELS`; without
//! them the tests say so and do nothing.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::PathBuf;

use veriscope::ErrorCode;
use veriscope::face::{FaceComparison, FaceMatchOptions, FaceModels, FaceSource};
use veriscope::model::FaceMatchLevel;

fn data() -> Option<(PathBuf, serde_json::Value, FaceModels)> {
    let Some(dir) = std::env::var_os("VERISCOPE_FACE_DATA").map(PathBuf::from) else {
        eprintln!("skipped: VERISCOPE_FACE_DATA is not set (scripts/test sets it)");
        return None;
    };
    let pairs =
        serde_json::from_str(&std::fs::read_to_string(dir.join("pairs.json")).unwrap()).unwrap();
    Some((dir, pairs, FaceModels::load_default().unwrap()))
}

#[test]
fn same_person_pairs_match_and_others_do_not() {
    let Some((dir, pairs, models)) = data() else {
        return;
    };
    let options = FaceMatchOptions::default();
    let mut checked = 0;
    for pair in pairs["pairs"].as_array().unwrap() {
        let card = pair["id_card"].as_str().unwrap();
        let selfie = pair["selfie"].as_str().unwrap();
        let same = pair["same_person"].as_bool().unwrap();
        let comparison = models
            .compare(
                &std::fs::read(dir.join(card)).unwrap(),
                &std::fs::read(dir.join(selfie)).unwrap(),
                &options,
            )
            .unwrap();
        eprintln!(
            "{card} vs {selfie}: distance {:.3}, score {:.1}, {:?} {:?}",
            comparison.distance,
            comparison.result.face_match_confidence_score,
            comparison.result.face_match_confidence_level,
            comparison.flags
        );
        assert_eq!(
            comparison.result.is_match_face, same,
            "{card} vs {selfie}: distance {}",
            comparison.distance
        );
        if !same {
            assert_eq!(
                comparison.result.face_match_confidence_level,
                FaceMatchLevel::Low
            );
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} pairs");
}

#[test]
fn an_image_without_a_face_is_face_not_found_naming_it() {
    let Some((dir, pairs, models)) = data() else {
        return;
    };
    for file in pairs["no_face"].as_array().unwrap() {
        let bytes = std::fs::read(dir.join(file.as_str().unwrap())).unwrap();
        let error = models
            .observe(&bytes, FaceSource::Selfie, &FaceMatchOptions::default())
            .unwrap_err();
        assert_eq!(error.code(), ErrorCode::FaceNotFound);
        assert!(error.message().contains("selfie"), "{}", error.message());
    }
}

#[test]
fn a_sideways_selfie_is_found_by_turning_it() {
    let Some((dir, _, models)) = data() else {
        return;
    };
    let upright = image::open(dir.join("obama2.png")).unwrap().into_rgb8();
    let sideways = image::imageops::rotate90(&upright);
    let observed = models
        .observe_pixels(sideways, FaceSource::Selfie, true)
        .unwrap();
    assert_eq!(observed.rotation, 270);
    let card = std::fs::read(dir.join("ktp-obama.jpg")).unwrap();
    let card_face = models
        .observe(&card, FaceSource::IdCard, &FaceMatchOptions::default())
        .unwrap();
    let distance =
        veriscope::face::descriptor_distance(&card_face.descriptor, &observed.descriptor);
    assert!(distance < 0.6, "{distance}");
}

mod pipeline {
    use super::*;
    use veriscope::model::{ResultStatus, Verification, VerificationStatus};
    use veriscope::pipeline::{KtpSelfieFiles, PipelineOptions, run_ktp_selfie};

    fn run(
        dir: &std::path::Path,
        models: &FaceModels,
        ktp: &str,
        selfie: &str,
        fraud_detection: bool,
    ) -> Verification {
        let (ktp, selfie) = (
            std::fs::read(dir.join(ktp)).unwrap(),
            std::fs::read(dir.join(selfie)).unwrap(),
        );
        let mut verification = Verification::new("v-1", VerificationStatus::InQueue);
        run_ktp_selfie(
            &mut verification,
            models,
            KtpSelfieFiles {
                ktp: &ktp,
                selfie: &selfie,
            },
            fraud_detection,
            &PipelineOptions::default(),
        )
        .unwrap();
        verification
    }

    #[test]
    fn a_matching_pair_completes_verified_with_the_api_fields() {
        let Some((dir, _, models)) = data() else {
            return;
        };
        let verification = run(&dir, &models, "ktp-obama.jpg", "obama2.png", true);
        assert_eq!(verification.status, VerificationStatus::Completed);
        assert_eq!(verification.result_status, Some(ResultStatus::Verified));
        let face = verification.result.as_ref().unwrap().face_match().unwrap();
        assert!(face.is_match_face);
        assert_eq!(verification.file_count, Some(2));
        assert!(verification.processing_time.unwrap() > 0.0);
        let json = serde_json::to_value(&verification).unwrap();
        assert_eq!(json["result"]["face_match_confidence_level"], "HIGH");
        assert!(json["evidence"]["face_match"]["distance"].as_f64().unwrap() < 0.5);
    }

    #[test]
    fn a_different_person_completes_not_verified() {
        let Some((dir, _, models)) = data() else {
            return;
        };
        let verification = run(&dir, &models, "ktp-obama.jpg", "biden.png", false);
        assert_eq!(verification.status, VerificationStatus::Completed);
        assert_eq!(verification.result_status, Some(ResultStatus::NotVerified));
        assert_eq!(verification.result.unwrap().is_match_face, Some(false));
    }

    #[test]
    fn an_edited_ktp_is_fraud_detected_only_when_fraud_detection_is_on() {
        let Some((dir, pairs, models)) = data() else {
            return;
        };
        let pair = &pairs["edited_id_cards"][0];
        let (ktp, selfie) = (
            pair["id_card"].as_str().unwrap(),
            pair["selfie"].as_str().unwrap(),
        );
        let checked = run(&dir, &models, ktp, selfie, true);
        assert_eq!(checked.status, VerificationStatus::FraudDetected);
        assert_eq!(checked.result_status, Some(ResultStatus::NotVerified));
        assert!(
            checked.extra["evidence"]["forgery"]["forgeryScore"]
                .as_f64()
                .unwrap()
                >= veriscope::analysis::fusion::THRESHOLD
        );
        let unchecked = run(&dir, &models, ktp, selfie, false);
        assert_eq!(unchecked.status, VerificationStatus::Completed);
    }

    #[test]
    fn a_selfie_without_a_face_fails_the_verification_with_the_code() {
        let Some((dir, _, models)) = data() else {
            return;
        };
        let verification = run(&dir, &models, "ktp-obama.jpg", "coffee.png", false);
        assert_eq!(verification.status, VerificationStatus::Failed);
        assert_eq!(verification.result, None);
        assert_eq!(verification.extra["error"]["code"], "FACE_NOT_FOUND");
    }

    #[test]
    fn a_medium_match_needs_review_without_a_result_status() {
        let Some((dir, pairs, models)) = data() else {
            return;
        };
        let blurred = pairs["blurred"].as_str().unwrap();
        let verification = run(&dir, &models, "ktp-obama.jpg", blurred, false);
        assert_eq!(verification.status, VerificationStatus::NeedReview);
        assert_eq!(verification.result_status, None);
    }
}

/// The KTP card carrying obama.jpg's portrait, compared with `selfie`.
fn card_against(dir: &std::path::Path, models: &FaceModels, selfie: &str) -> FaceComparison {
    let card = std::fs::read(dir.join("ktp-obama.jpg")).unwrap();
    let selfie = std::fs::read(dir.join(selfie)).unwrap();
    models
        .compare(&card, &selfie, &FaceMatchOptions::default())
        .unwrap()
}

#[test]
fn an_exif_rotated_selfie_is_turned_upright_before_detection() {
    let Some((dir, pairs, models)) = data() else {
        return;
    };
    let comparison = card_against(&dir, &models, pairs["exif_rotated"].as_str().unwrap());
    // Upright from EXIF: no rotation search was needed.
    assert_eq!(comparison.selfie_face.rotation, 0);
    assert!(!comparison.flags.iter().any(|f| f.starts_with("rotated")));
    assert!(comparison.result.is_match_face, "{}", comparison.distance);
}

#[test]
fn a_blurred_selfie_is_flagged_and_capped_at_medium() {
    let Some((dir, pairs, models)) = data() else {
        return;
    };
    let comparison = card_against(&dir, &models, pairs["blurred"].as_str().unwrap());
    assert_eq!(comparison.flags, vec!["blurred_face_in_selfie"]);
    assert_eq!(
        comparison.result.face_match_confidence_level,
        FaceMatchLevel::Medium
    );
}
