//! The Indonesian population number (NIK) printed on a KTP: 16 digits
//! `PP RR DD DDMMYY SSSS` — province, regency or city, district, birth date
//! (day + 40 for women), and a non-zero serial.

use serde::{Deserialize, Serialize};

use super::date::Date;
use super::parse::{Finding, Sex};
use crate::error::{Error, Problem, Result};

/// Province codes (Kemendagri), including the Papua provinces created in 2022.
const PROVINCES: [(&str, &str); 38] = [
    ("11", "Aceh"),
    ("12", "Sumatera Utara"),
    ("13", "Sumatera Barat"),
    ("14", "Riau"),
    ("15", "Jambi"),
    ("16", "Sumatera Selatan"),
    ("17", "Bengkulu"),
    ("18", "Lampung"),
    ("19", "Kepulauan Bangka Belitung"),
    ("21", "Kepulauan Riau"),
    ("31", "DKI Jakarta"),
    ("32", "Jawa Barat"),
    ("33", "Jawa Tengah"),
    ("34", "DI Yogyakarta"),
    ("35", "Jawa Timur"),
    ("36", "Banten"),
    ("51", "Bali"),
    ("52", "Nusa Tenggara Barat"),
    ("53", "Nusa Tenggara Timur"),
    ("61", "Kalimantan Barat"),
    ("62", "Kalimantan Tengah"),
    ("63", "Kalimantan Selatan"),
    ("64", "Kalimantan Timur"),
    ("65", "Kalimantan Utara"),
    ("71", "Sulawesi Utara"),
    ("72", "Sulawesi Tengah"),
    ("73", "Sulawesi Selatan"),
    ("74", "Sulawesi Tenggara"),
    ("75", "Gorontalo"),
    ("76", "Sulawesi Barat"),
    ("81", "Maluku"),
    ("82", "Maluku Utara"),
    ("91", "Papua"),
    ("92", "Papua Barat"),
    ("93", "Papua Selatan"),
    ("94", "Papua Tengah"),
    ("95", "Papua Pegunungan"),
    ("96", "Papua Barat Daya"),
];

/// A parsed, structurally valid NIK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Nik {
    /// The 16 digits.
    pub nik: String,
    /// Province code, e.g. `31`.
    pub province_code: String,
    /// Province name, e.g. `DKI Jakarta`.
    pub province: &'static str,
    /// Regency or city code with its province, e.g. `3173`.
    pub regency_code: String,
    /// Whether the code is a city (kota, 71 and above) rather than a regency.
    pub is_city: bool,
    /// District code with its regency, e.g. `317304`.
    pub district_code: String,
    /// Date of birth.
    pub birth_date: Date,
    /// Sex, from the day of birth (+40 for women).
    pub sex: Sex,
    /// Registration serial, `0001`–`9999`.
    pub serial: String,
}

/// What a document or applicant claims, to compare with the NIK.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NikClaims {
    /// Claimed date of birth.
    #[serde(default, alias = "birth_date")]
    pub birth_date: Option<Date>,
    /// Claimed sex.
    #[serde(default)]
    pub sex: Option<Sex>,
    /// Claimed province: its code (`31`) or name (`DKI Jakarta`, any case).
    #[serde(default)]
    pub province: Option<String>,
}

/// Parses and validates a NIK; every structural problem is listed on the
/// field `nik` of a `VALIDATION_ERROR`. `today` decides the century of the
/// two-digit birth year (the latest that is not in the future).
pub fn parse_nik(text: &str, today: Date) -> Result<Nik> {
    let nik: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .collect();
    let fail = |reason: String| Error::validation(vec![Problem::new("nik", reason)]);
    if nik.len() != 16 || !nik.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail(format!("{text:?} is not 16 digits")));
    }
    let digits = |range: std::ops::Range<usize>| -> u32 { nik[range].parse().unwrap_or(0) };
    let mut problems = Vec::new();
    let province = PROVINCES
        .iter()
        .find(|(code, _)| *code == &nik[0..2])
        .map(|(_, name)| *name);
    if province.is_none() {
        problems.push(format!("province code {} does not exist", &nik[0..2]));
    }
    if digits(2..4) == 0 {
        problems.push("regency code 00 does not exist".to_owned());
    }
    if digits(4..6) == 0 {
        problems.push("district code 00 does not exist".to_owned());
    }
    let raw_day = digits(6..8);
    let (day, sex) = if raw_day > 40 {
        (raw_day - 40, Sex::Female)
    } else {
        (raw_day, Sex::Male)
    };
    let birth_date = Date::birth_date(digits(10..12) as i32, digits(8..10), day, today);
    if birth_date.is_none() {
        problems.push(format!(
            "birth date {} (day{} {day}) is not a date",
            &nik[6..12],
            if sex == Sex::Female { " - 40 =" } else { "" }
        ));
    }
    if digits(12..16) == 0 {
        problems.push("serial 0000 is not issued".to_owned());
    }
    match (province, birth_date) {
        (Some(province), Some(birth_date)) if problems.is_empty() => Ok(Nik {
            province_code: nik[0..2].to_owned(),
            province,
            regency_code: nik[0..4].to_owned(),
            is_city: digits(2..4) >= 71,
            district_code: nik[0..6].to_owned(),
            birth_date,
            sex,
            serial: nik[12..16].to_owned(),
            nik,
        }),
        _ => Err(Error::validation(
            problems
                .into_iter()
                .map(|reason| Problem::new("nik", reason))
                .collect(),
        )),
    }
}

/// Compares a NIK with claimed fields; each disagreement is a finding
/// (`nik_birth_date_mismatch`, `nik_sex_mismatch`, `nik_province_mismatch`).
pub fn check_nik(nik: &Nik, claims: &NikClaims) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(claimed) = claims.birth_date.filter(|date| *date != nik.birth_date) {
        findings.push(Finding {
            code: "nik_birth_date_mismatch",
            field: "birthDate",
            message: format!(
                "NIK encodes birth date {}, the document says {claimed}",
                nik.birth_date
            ),
        });
    }
    if let Some(claimed) = claims
        .sex
        .filter(|sex| *sex != Sex::Unspecified && *sex != nik.sex)
    {
        findings.push(Finding {
            code: "nik_sex_mismatch",
            field: "sex",
            message: format!(
                "NIK encodes sex {}, the document says {}",
                nik.sex.as_str(),
                claimed.as_str()
            ),
        });
    }
    if let Some(claimed) = &claims.province {
        let claimed = claimed.trim();
        if claimed != nik.province_code && !claimed.eq_ignore_ascii_case(nik.province) {
            findings.push(Finding {
                code: "nik_province_mismatch",
                field: "province",
                message: format!(
                    "NIK is from {} ({}), the document says {claimed}",
                    nik.province, nik.province_code
                ),
            });
        }
    }
    findings
}

/// A NIK with the result of comparing it to claimed fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NikReport {
    /// The parsed NIK.
    #[serde(flatten)]
    pub nik: Nik,
    /// Disagreements with the claims.
    pub findings: Vec<Finding>,
    /// No findings.
    pub valid: bool,
}

/// Parses `text` and compares it with `claims` in one step.
pub fn check_nik_text(text: &str, claims: &NikClaims, today: Date) -> Result<NikReport> {
    let nik = parse_nik(text, today)?;
    let findings = check_nik(&nik, claims);
    Ok(NikReport {
        valid: findings.is_empty(),
        findings,
        nik,
    })
}

impl NikClaims {
    /// Claims from JSON: `{"birthDate": "1990-02-12", "sex": "female", "province": "31"}`.
    pub fn from_json(text: &str) -> Result<NikClaims> {
        serde_json::from_str(text).map_err(|err| {
            Error::new(
                crate::ErrorCode::InvalidArgument,
                format!("invalid NIK claims: {err}"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn today() -> Date {
        Date::new(2026, 11, 22).unwrap()
    }

    #[test]
    fn a_womans_nik_decodes_day_plus_forty() {
        // Synthetic: Jakarta Selatan (3174), district 04, born 12 Feb 1990, female.
        let nik = parse_nik("3174 0452 0290 0007", today()).unwrap();
        assert_eq!(nik.province, "DKI Jakarta");
        assert_eq!(nik.regency_code, "3174");
        assert!(nik.is_city);
        assert_eq!(nik.birth_date.to_string(), "1990-02-12");
        assert_eq!(nik.sex, Sex::Female);
        assert_eq!(nik.serial, "0007");
    }

    #[test]
    fn a_mans_nik_and_the_century_rule() {
        let nik = parse_nik("3201011505050001", today()).unwrap();
        assert_eq!(
            (nik.sex, nik.birth_date.to_string().as_str()),
            (Sex::Male, "2005-05-15")
        );
        let nik = parse_nik("3201011505300001", today()).unwrap();
        assert_eq!(nik.birth_date.to_string(), "1930-05-15");
        assert!(!nik.is_city);
    }

    #[test]
    fn every_structural_problem_is_listed() {
        let err = parse_nik("9900003213900000", today()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationError);
        let reasons: Vec<&str> = err.details().iter().map(|p| p.reason.as_str()).collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].contains("province code 99"));
        assert!(reasons[3].contains("not a date"));
        assert!(
            parse_nik("31740452029", today())
                .unwrap_err()
                .message()
                .contains("16 digits")
        );
        assert!(parse_nik("31740452029O0007", today()).is_err());
    }

    #[test]
    fn a_report_flattens_the_nik_and_lists_findings() {
        let claims = NikClaims::from_json(r#"{"sex": "male"}"#).unwrap();
        let report = check_nik_text("3174045202900007", &claims, today()).unwrap();
        assert!(!report.valid);
        let json = crate::to_json(&report);
        assert!(
            json.starts_with(r#"{"nik":"3174045202900007","provinceCode":"31","#),
            "{json}"
        );
        assert!(
            json.contains(r#""findings":[{"code":"nik_sex_mismatch""#),
            "{json}"
        );
        assert!(NikClaims::from_json(r#"{"gender": "male"}"#).is_err());
    }

    #[test]
    fn claims_that_disagree_are_findings() {
        let nik = parse_nik("3174045202900007", today()).unwrap();
        let agreeing = NikClaims {
            birth_date: Date::new(1990, 2, 12),
            sex: Some(Sex::Female),
            province: Some("dki jakarta".into()),
        };
        assert_eq!(check_nik(&nik, &agreeing), []);
        let claims: NikClaims =
            serde_json::from_str(r#"{"birthDate": "1991-02-12", "sex": "male", "province": "32"}"#)
                .unwrap();
        let codes: Vec<&str> = check_nik(&nik, &claims).iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            [
                "nik_birth_date_mismatch",
                "nik_sex_mismatch",
                "nik_province_mismatch"
            ]
        );
    }
}
