//! What an MRZ or a KTP NIK tells the forgery analysis: the document type it
//! establishes, snake_case anomaly flags, and the lowest forgery score it
//! allows. The forgery engine merges this into its report; it is computed
//! here because only the reader knows how confidently each character was
//! read.

use serde::Serialize;

use super::date::Date;
use super::nik::{NikClaims, check_nik_text};
use super::parse::{Mrz, parse_mrz};
use crate::model::DocumentType;

/// A failed check digit over characters all read with at least this
/// confidence is taken as a typed-over field, not a misread.
pub const CONFIDENT_READ: f32 = 0.75;

/// Score floors: the forgery score may not be lower when the evidence shows…
pub mod floor {
    /// …a check digit failing over confidently read characters.
    pub const CONFIDENT_CHECK_DIGIT_MISMATCH: f64 = 0.9;
    /// …a check digit failing where some character was hard to read.
    pub const UNCERTAIN_CHECK_DIGIT_MISMATCH: f64 = 0.6;
    /// …a document code that does not belong to the MRZ's format.
    pub const DOCUMENT_TYPE_MISMATCH: f64 = 0.7;
    /// …an impossible date, an unknown country code or an invalid field.
    pub const INVALID_FIELD: f64 = 0.5;
    /// …text where an MRZ should be that is no MRZ.
    pub const FORMAT_INVALID: f64 = 0.5;
    /// …a NIK whose structure is impossible.
    pub const NIK_INVALID: f64 = 0.7;
    /// …a valid NIK that contradicts the card's birth date, sex or province.
    pub const NIK_MISMATCH: f64 = 0.8;
}

/// Evidence for the forgery report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForgeryEvidence {
    /// The document type the evidence establishes, if any.
    pub document_type: Option<DocumentType>,
    /// Anomaly flags, e.g. `mrz_check_digit_mismatch`, `nik_birth_date_mismatch`.
    pub flags: Vec<String>,
    /// The lowest forgery score consistent with the evidence (0 when none).
    pub score_floor: f64,
}

impl ForgeryEvidence {
    fn flag(&mut self, flag: &str, floor: f64) {
        if !self.flags.iter().any(|f| f == flag) {
            self.flags.push(flag.to_owned());
        }
        self.score_floor = self.score_floor.max(floor);
    }
}

/// Evidence from a parsed MRZ; `confident(field)` says whether every
/// character of a check-digit field was read confidently (text given by a
/// caller is taken as read).
pub(crate) fn mrz_evidence(mrz: &Mrz, confident: impl Fn(&str) -> bool) -> ForgeryEvidence {
    let mut evidence = ForgeryEvidence {
        document_type: Some(mrz.document_type),
        flags: Vec::new(),
        score_floor: 0.0,
    };
    for finding in &mrz.findings {
        let floor = match finding.code {
            "mrz_check_digit_mismatch" if confident(finding.field) => {
                floor::CONFIDENT_CHECK_DIGIT_MISMATCH
            }
            "mrz_check_digit_mismatch" => floor::UNCERTAIN_CHECK_DIGIT_MISMATCH,
            "mrz_document_type_mismatch" => floor::DOCUMENT_TYPE_MISMATCH,
            _ => floor::INVALID_FIELD,
        };
        evidence.flag(finding.code, floor);
    }
    if mrz.document_type == DocumentType::Unknown {
        evidence.document_type = None;
    }
    evidence
}

/// Evidence from MRZ text read by some other means (every character taken
/// as read); text that is no MRZ is `mrz_format_invalid`.
pub fn mrz_text_evidence(text: &str, today: Date) -> ForgeryEvidence {
    match parse_mrz(text, today) {
        Ok(mrz) => mrz_evidence(&mrz, |_| true),
        Err(_) => {
            let mut evidence = ForgeryEvidence {
                document_type: None,
                flags: Vec::new(),
                score_floor: 0.0,
            };
            evidence.flag("mrz_format_invalid", floor::FORMAT_INVALID);
            evidence
        }
    }
}

/// Evidence from a KTP's NIK and the fields printed beside it: an impossible
/// NIK is `nik_invalid`; a valid one that disagrees with the card adds each
/// `nik_*_mismatch`; a valid NIK establishes an identity card.
pub fn nik_evidence(text: &str, claims: &NikClaims, today: Date) -> ForgeryEvidence {
    let mut evidence = ForgeryEvidence {
        document_type: None,
        flags: Vec::new(),
        score_floor: 0.0,
    };
    match check_nik_text(text, claims, today) {
        Err(_) => evidence.flag("nik_invalid", floor::NIK_INVALID),
        Ok(report) => {
            evidence.document_type = Some(DocumentType::Id);
            for finding in &report.findings {
                evidence.flag(finding.code, floor::NIK_MISMATCH);
            }
        }
    }
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2026, 11, 22).unwrap()
    }

    const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

    #[test]
    fn a_sound_passport_mrz_establishes_the_type_and_flags_nothing() {
        let evidence = mrz_text_evidence(TD3, today());
        assert_eq!(
            evidence,
            ForgeryEvidence {
                document_type: Some(DocumentType::Passport),
                flags: vec![],
                score_floor: 0.0
            }
        );
    }

    #[test]
    fn a_typed_over_date_raises_the_floor_depending_on_read_confidence() {
        let mrz = parse_mrz(&TD3.replace("7408122F", "7508122F"), today()).unwrap();
        let confident = mrz_evidence(&mrz, |_| true);
        assert_eq!(confident.flags, ["mrz_check_digit_mismatch"]);
        assert_eq!(confident.score_floor, floor::CONFIDENT_CHECK_DIGIT_MISMATCH);
        let uncertain = mrz_evidence(&mrz, |_| false);
        assert_eq!(uncertain.score_floor, floor::UNCERTAIN_CHECK_DIGIT_MISMATCH);
    }

    #[test]
    fn garbage_where_an_mrz_should_be_is_format_invalid() {
        let evidence = mrz_text_evidence("P<UTO<<<", today());
        assert_eq!(evidence.flags, ["mrz_format_invalid"]);
        assert_eq!(evidence.score_floor, floor::FORMAT_INVALID);
    }

    #[test]
    fn nik_evidence_flags_impossible_numbers_and_contradictions() {
        let evidence = nik_evidence("9900000000000000", &NikClaims::default(), today());
        assert_eq!(evidence.flags, ["nik_invalid"]);
        let claims = NikClaims {
            birth_date: Date::new(1991, 2, 12),
            ..NikClaims::default()
        };
        let evidence = nik_evidence("3174045202900007", &claims, today());
        assert_eq!(evidence.document_type, Some(DocumentType::Id));
        assert_eq!(evidence.flags, ["nik_birth_date_mismatch"]);
        assert_eq!(evidence.score_floor, floor::NIK_MISMATCH);
    }
}
