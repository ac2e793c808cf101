//! The face-match result of a `KTP_SELFIE` verification.

use serde::{Deserialize, Serialize};

/// Band of a face-match score, as the verification API names it (upper case,
/// unlike the forgery API's [`Confidence`](super::Confidence)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FaceMatchLevel {
    /// The faces are probably of different people.
    Low,
    /// Borderline: a human should look.
    Medium,
    /// The faces are very probably of the same person.
    High,
}

impl FaceMatchLevel {
    /// Every level, lowest first.
    pub const ALL: [FaceMatchLevel; 3] = [
        FaceMatchLevel::Low,
        FaceMatchLevel::Medium,
        FaceMatchLevel::High,
    ];

    /// The API's upper-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            FaceMatchLevel::Low => "LOW",
            FaceMatchLevel::Medium => "MEDIUM",
            FaceMatchLevel::High => "HIGH",
        }
    }
}

super::text_enum!(FaceMatchLevel, "face match level");

/// The three face fields of a `KTP_SELFIE` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceMatch {
    /// LOW, MEDIUM or HIGH.
    pub face_match_confidence_level: FaceMatchLevel,
    /// The score the band was taken from.
    pub face_match_confidence_score: f64,
    /// Whether the faces are judged to be of the same person.
    pub is_match_face: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_example_round_trips() {
        let text = r#"{"face_match_confidence_level":"LOW","face_match_confidence_score":2.284846674563825,"is_match_face":false}"#;
        let parsed: FaceMatch = serde_json::from_str(text).unwrap();
        assert_eq!(parsed.face_match_confidence_level, FaceMatchLevel::Low);
        assert!(!parsed.is_match_face);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), text);
    }

    #[test]
    fn lower_case_levels_are_rejected() {
        assert!(serde_json::from_str::<FaceMatchLevel>("\"low\"").is_err());
        assert!("high".parse::<FaceMatchLevel>().is_err());
        assert_eq!(
            "HIGH".parse::<FaceMatchLevel>().unwrap(),
            FaceMatchLevel::High
        );
    }
}
