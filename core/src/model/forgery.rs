//! The forgery API's report: `{"data": {"id", "forgeryScore", "confidence",
//! "documentType", "flags", "latencyMs"}}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What kind of document was analysed, as the forgery API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// A passport data page.
    Passport,
    /// A national identity card (including the Indonesian KTP).
    Id,
    /// A driving licence.
    DriversLicense,
    /// A utility bill (proof of address).
    UtilityBill,
    /// A bank statement or other financial document.
    Financial,
    /// Not recognised.
    Unknown,
}

impl DocumentType {
    /// Every document type.
    pub const ALL: [DocumentType; 6] = [
        DocumentType::Passport,
        DocumentType::Id,
        DocumentType::DriversLicense,
        DocumentType::UtilityBill,
        DocumentType::Financial,
        DocumentType::Unknown,
    ];

    /// The API's lower-case name, e.g. `"drivers_license"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DocumentType::Passport => "passport",
            DocumentType::Id => "id",
            DocumentType::DriversLicense => "drivers_license",
            DocumentType::UtilityBill => "utility_bill",
            DocumentType::Financial => "financial",
            DocumentType::Unknown => "unknown",
        }
    }
}

/// How much the analysis can be trusted, as the forgery API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Few signals applied, or the image quality was poor.
    Low,
    /// Some independent signals applied.
    Medium,
    /// Many independent signals applied at good image quality.
    High,
}

impl Confidence {
    /// Every confidence level, lowest first.
    pub const ALL: [Confidence; 3] = [Confidence::Low, Confidence::Medium, Confidence::High];

    /// The API's lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

super::text_enum!(DocumentType, "document type");
super::text_enum!(Confidence, "confidence");

/// One forgery analysis, the `data` object of the forgery API's response.
///
/// Fields this SDK does not know (a newer server's additions) are kept in
/// `extra` and written back unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForgeryReport {
    /// Unique verification id (a UUID).
    pub id: String,
    /// 0.0 (authentic) to 1.0 (forged).
    pub forgery_score: f64,
    /// How much the score can be trusted.
    pub confidence: Confidence,
    /// The kind of document recognised.
    pub document_type: DocumentType,
    /// Anomaly flags, snake_case names such as `"recompressed"`.
    pub flags: Vec<String>,
    /// Processing time in milliseconds.
    pub latency_ms: u64,
    /// Fields not described by the reference, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The forgery API's 200 response body: `{"data": ForgeryReport}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForgeryResponse {
    /// The report.
    pub data: ForgeryReport,
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE_RESPONSE: &str = r#"{"data":{"id":"550e8400-e29b-41d4-a716-446655440000","forgeryScore":0.12,"confidence":"high","documentType":"passport","flags":[],"latencyMs":1847}}"#;

    #[test]
    fn the_reference_response_round_trips_byte_for_byte() {
        let parsed: ForgeryResponse = serde_json::from_str(REFERENCE_RESPONSE).unwrap();
        assert_eq!(parsed.data.forgery_score, 0.12);
        assert_eq!(parsed.data.confidence, Confidence::High);
        assert_eq!(parsed.data.document_type, DocumentType::Passport);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), REFERENCE_RESPONSE);
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let text = r#"{"id":"x","forgeryScore":0.5,"confidence":"low","documentType":"id","flags":["recompressed"],"latencyMs":3,"heatmap":{"w":2}}"#;
        let report: ForgeryReport = serde_json::from_str(text).unwrap();
        assert_eq!(report.extra["heatmap"]["w"], 2);
        assert_eq!(serde_json::to_string(&report).unwrap(), text);
    }

    #[test]
    fn enum_names_are_the_references() {
        let names: Vec<_> = DocumentType::ALL.iter().map(|t| t.to_string()).collect();
        assert_eq!(
            names,
            [
                "passport",
                "id",
                "drivers_license",
                "utility_bill",
                "financial",
                "unknown"
            ]
        );
        assert_eq!("medium".parse::<Confidence>().unwrap(), Confidence::Medium);
        assert!("HIGH".parse::<Confidence>().is_err());
        assert!(serde_json::from_str::<DocumentType>("\"visa\"").is_err());
    }
}
