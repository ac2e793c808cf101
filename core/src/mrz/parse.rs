//! Parsing and checking MRZ text of every ICAO 9303 format.
//!
//! Field positions below are the specification's, 1-based and inclusive, so
//! they can be compared with ICAO 9303 parts 4 (TD3, MRV-A), 5 (TD1) and 6
//! (TD2, MRV-B) line by line.

use serde::Serialize;

use super::check_digit::check_digit;
use super::date::Date;
use crate::error::{Error, Problem, Result};
use crate::model::DocumentType;

/// The ICAO 9303 MRZ formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum MrzFormat {
    /// ID-1 size card: 3 lines of 30.
    #[serde(rename = "TD1")]
    Td1,
    /// ID-2 size card: 2 lines of 36.
    #[serde(rename = "TD2")]
    Td2,
    /// Passport data page: 2 lines of 44.
    #[serde(rename = "TD3")]
    Td3,
    /// Full-size visa: 2 lines of 44.
    #[serde(rename = "MRV-A")]
    MrvA,
    /// Small visa: 2 lines of 36.
    #[serde(rename = "MRV-B")]
    MrvB,
}

impl MrzFormat {
    /// Lines and characters per line.
    pub const fn shape(self) -> (usize, usize) {
        match self {
            MrzFormat::Td1 => (3, 30),
            MrzFormat::Td2 | MrzFormat::MrvB => (2, 36),
            MrzFormat::Td3 | MrzFormat::MrvA => (2, 44),
        }
    }
}

/// Sex as printed in the MRZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `<` or `X`.
    Unspecified,
}

impl Sex {
    /// `male`, `female` or `unspecified`, as in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Unspecified => "unspecified",
        }
    }
}

/// One check digit of the MRZ, recomputed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// What it protects: `documentNumber`, `birthDate`, `expiryDate`,
    /// `optionalData` or `composite`.
    pub field: &'static str,
    /// The digit the data calls for.
    pub expected: char,
    /// The character printed.
    pub found: char,
    /// Whether they agree.
    pub valid: bool,
}

/// A problem found in an MRZ. `code` is the snake_case flag the forgery
/// report carries (`mrz_check_digit_mismatch`, `mrz_invalid_date`,
/// `mrz_unknown_country`, `mrz_invalid_field`, `mrz_document_type_mismatch`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The flag.
    pub code: &'static str,
    /// The field concerned (camelCase, as in [`Mrz`]'s JSON).
    pub field: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

/// A parsed and checked machine-readable zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mrz {
    /// The layout.
    pub format: MrzFormat,
    /// Document code, e.g. `P`, `PA`, `ID`, `V`.
    pub document_code: String,
    /// The forgery API's document type the code stands for.
    pub document_type: DocumentType,
    /// Issuing state or organisation (ICAO code, e.g. `UTO`, `D`).
    pub issuing_state: String,
    /// Primary identifier.
    pub surname: String,
    /// Secondary identifier, names separated by spaces.
    pub given_names: String,
    /// The name fills its field to the end, so it may have been cut.
    pub name_truncated: bool,
    /// Document number, long numbers joined from the optional data.
    pub document_number: String,
    /// Nationality (ICAO code).
    pub nationality: String,
    /// Date of birth; `null` when unknown or unreadable.
    pub birth_date: Option<Date>,
    /// Sex.
    pub sex: Sex,
    /// Date of expiry; `null` when unknown or unreadable.
    pub expiry_date: Option<Date>,
    /// Whether the expiry date is before the reference date.
    pub expired: Option<bool>,
    /// Optional data (personal number for TD3), fillers removed.
    pub optional_data: String,
    /// TD1's second optional data field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional_data_2: Option<String>,
    /// Every check digit, recomputed.
    pub checks: Vec<CheckResult>,
    /// Every problem found; empty for a sound MRZ.
    pub findings: Vec<Finding>,
    /// No findings.
    pub valid: bool,
    /// The lines as read (upper case, spaces removed).
    pub lines: Vec<String>,
}

/// Characters `start..=end` of `line`, 1-based as in ICAO 9303.
fn at(line: &str, start: usize, end: usize) -> &str {
    &line[start - 1..end]
}

fn trim_filler(text: &str) -> &str {
    text.trim_end_matches('<')
}

fn words(text: &str) -> String {
    text.split('<')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits text into MRZ lines and checks their characters.
fn normalise(text: &str) -> Result<Vec<String>> {
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            line.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_uppercase()
        })
        .filter(|line| !line.is_empty())
        .collect();
    let mut problems = Vec::new();
    for (row, line) in lines.iter().enumerate() {
        if let Some((column, c)) = line
            .chars()
            .enumerate()
            .find(|(_, c)| !matches!(c, 'A'..='Z' | '0'..='9' | '<'))
        {
            problems.push(Problem::new(
                format!("line {}", row + 1),
                format!(
                    "column {}: {c:?} is not an MRZ character (A-Z, 0-9, <)",
                    column + 1
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(Error::validation(problems))
    }
}

fn detect(lines: &[String]) -> Result<MrzFormat> {
    let widths: Vec<usize> = lines.iter().map(String::len).collect();
    let starts_with_v = lines.first().is_some_and(|line| line.starts_with('V'));
    let format = match (lines.len(), widths.iter().min(), widths.iter().max()) {
        (3, Some(30), Some(30)) => Some(MrzFormat::Td1),
        (2, Some(36), Some(36)) => Some(if starts_with_v {
            MrzFormat::MrvB
        } else {
            MrzFormat::Td2
        }),
        (2, Some(44), Some(44)) => Some(if starts_with_v {
            MrzFormat::MrvA
        } else {
            MrzFormat::Td3
        }),
        _ => None,
    };
    format.ok_or_else(|| {
        Error::validation(vec![Problem::new(
            "",
            format!(
                "{} line(s) of {:?} characters is no MRZ format (TD1: 3x30, TD2/MRV-B: 2x36, TD3/MRV-A: 2x44)",
                lines.len(),
                widths
            ),
        )])
    })
}

/// Collects check results and findings while fields are read.
#[derive(Default)]
struct Report {
    checks: Vec<CheckResult>,
    findings: Vec<Finding>,
}

impl Report {
    fn finding(&mut self, code: &'static str, field: &'static str, message: String) {
        self.findings.push(Finding {
            code,
            field,
            message,
        });
    }

    /// Checks `digit` against `data`; a filler `<` stands for 0 when the
    /// data is all fillers (an unused optional field).
    fn check(&mut self, field: &'static str, data: &str, digit: u8) {
        let expected = check_digit(data).map_or('?', |d| char::from(b'0' + d));
        let found = char::from(digit);
        let unused = digit == b'<' && data.bytes().all(|b| b == b'<');
        let valid = found == expected || unused;
        if !valid {
            self.finding(
                "mrz_check_digit_mismatch",
                field,
                format!("check digit of {field} {data:?} is {found}, expected {expected}"),
            );
        }
        self.checks.push(CheckResult {
            field,
            expected,
            found,
            valid,
        });
    }

    fn country(&mut self, field: &'static str, code: &str) {
        let code = trim_filler(code);
        if super::country_name(code).is_none() {
            self.finding(
                "mrz_unknown_country",
                field,
                format!("{field} {code:?} is not an ICAO country code"),
            );
        }
    }

    fn date(
        &mut self,
        field: &'static str,
        text: &str,
        resolve: fn(i32, u32, u32, Date) -> Option<Date>,
        today: Date,
    ) -> Option<Date> {
        if text.contains('<') {
            return None; // unknown, as ICAO 9303 allows
        }
        let date =
            Date::split_yymmdd(text).and_then(|(yy, month, day)| resolve(yy, month, day, today));
        if date.is_none() {
            self.finding(
                "mrz_invalid_date",
                field,
                format!("{field} {text:?} is not a valid YYMMDD date"),
            );
        }
        date
    }

    fn sex(&mut self, c: u8) -> Sex {
        match c {
            b'M' => Sex::Male,
            b'F' => Sex::Female,
            b'<' | b'X' => Sex::Unspecified,
            other => {
                self.finding(
                    "mrz_invalid_field",
                    "sex",
                    format!("sex {:?} is not M, F, X or <", char::from(other)),
                );
                Sex::Unspecified
            }
        }
    }
}

/// A document number whose field may overflow into the optional data (TD1,
/// TD2): when its check digit position holds `<`, the rest of the number and
/// its check digit open the optional data, up to the next filler.
fn document_number<'a>(
    field: &'a str,
    digit: u8,
    optional: &'a str,
) -> (String, String, u8, &'a str) {
    if digit == b'<' {
        let run = optional.split('<').next().unwrap_or("");
        if let Some((&last, head)) = run.as_bytes().split_last() {
            let number = format!("{field}{}", String::from_utf8_lossy(head));
            let rest = &optional[run.len()..];
            return (trim_filler(&number).to_owned(), number, last, rest);
        }
    }
    (
        trim_filler(field).to_owned(),
        field.to_owned(),
        digit,
        optional,
    )
}

fn document_type(code: &str) -> DocumentType {
    match code.as_bytes().first() {
        Some(b'P') => DocumentType::Passport,
        Some(b'I' | b'A' | b'C') => DocumentType::Id,
        _ => DocumentType::Unknown,
    }
}

/// Parses MRZ text (two or three lines; spaces ignored) and checks every
/// check digit, date, country code and field. `today` decides the century of
/// two-digit years and whether the document has expired.
///
/// Text that is no MRZ at all (wrong shape, characters outside A-Z, 0-9, `<`)
/// is a `VALIDATION_ERROR`; an MRZ that parses but fails a check is returned
/// with `findings` (its `valid` is false).
pub fn parse_mrz(text: &str, today: Date) -> Result<Mrz> {
    let lines = normalise(text)?;
    let format = detect(&lines)?;
    let mut report = Report::default();
    let first = lines[0].as_str();
    let document_code = trim_filler(at(first, 1, 2)).to_owned();
    let issuing_state = trim_filler(at(first, 3, 5)).to_owned();
    report.country("issuingState", at(first, 3, 5));

    let (name_field, parsed) = match format {
        MrzFormat::Td1 => {
            let (l1, l2) = (first, lines[1].as_str());
            let (number, raw_number, digit, optional) =
                document_number(at(l1, 6, 14), l1.as_bytes()[14], at(l1, 16, 30));
            report.check("documentNumber", &raw_number, digit);
            let birth = report.date("birthDate", at(l2, 1, 6), Date::birth_date, today);
            report.check("birthDate", at(l2, 1, 6), l2.as_bytes()[6]);
            let sex = report.sex(l2.as_bytes()[7]);
            let expiry = report.date("expiryDate", at(l2, 9, 14), Date::expiry_date, today);
            report.check("expiryDate", at(l2, 9, 14), l2.as_bytes()[14]);
            report.country("nationality", at(l2, 16, 18));
            let composite = format!(
                "{}{}{}{}",
                at(l1, 6, 30),
                at(l2, 1, 7),
                at(l2, 9, 15),
                at(l2, 19, 29)
            );
            report.check("composite", &composite, l2.as_bytes()[29]);
            let fields = Fields {
                number,
                nationality: trim_filler(at(l2, 16, 18)).to_owned(),
                birth,
                sex,
                expiry,
                optional: trim_filler(optional).to_owned(),
                optional_2: Some(trim_filler(at(l2, 19, 29)).to_owned()),
            };
            (lines[2].as_str(), fields)
        }
        MrzFormat::Td2 | MrzFormat::Td3 | MrzFormat::MrvA | MrzFormat::MrvB => {
            let l2 = lines[1].as_str();
            let width = l2.len();
            let optional_end = match format {
                MrzFormat::Td3 => 42,
                MrzFormat::Td2 => 35,
                _ => width,
            };
            let long_numbers = format == MrzFormat::Td2;
            let (number, raw_number, digit, optional) = if long_numbers {
                document_number(at(l2, 1, 9), l2.as_bytes()[9], at(l2, 29, optional_end))
            } else {
                (
                    trim_filler(at(l2, 1, 9)).to_owned(),
                    at(l2, 1, 9).to_owned(),
                    l2.as_bytes()[9],
                    at(l2, 29, optional_end),
                )
            };
            report.check("documentNumber", &raw_number, digit);
            report.country("nationality", at(l2, 11, 13));
            let birth = report.date("birthDate", at(l2, 14, 19), Date::birth_date, today);
            report.check("birthDate", at(l2, 14, 19), l2.as_bytes()[19]);
            let sex = report.sex(l2.as_bytes()[20]);
            let expiry = report.date("expiryDate", at(l2, 22, 27), Date::expiry_date, today);
            report.check("expiryDate", at(l2, 22, 27), l2.as_bytes()[27]);
            match format {
                MrzFormat::Td3 => {
                    report.check("optionalData", at(l2, 29, 42), l2.as_bytes()[42]);
                    let composite =
                        format!("{}{}{}", at(l2, 1, 10), at(l2, 14, 20), at(l2, 22, 43));
                    report.check("composite", &composite, l2.as_bytes()[43]);
                }
                MrzFormat::Td2 => {
                    let composite =
                        format!("{}{}{}", at(l2, 1, 10), at(l2, 14, 20), at(l2, 22, 35));
                    report.check("composite", &composite, l2.as_bytes()[35]);
                }
                _ => {}
            }
            let fields = Fields {
                number,
                nationality: trim_filler(at(l2, 11, 13)).to_owned(),
                birth,
                sex,
                expiry,
                optional: trim_filler(optional).to_owned(),
                optional_2: None,
            };
            (&first[5..], fields)
        }
    };

    let mismatch = match (format, document_code.as_bytes().first()) {
        (MrzFormat::Td3, Some(c)) => *c != b'P',
        (MrzFormat::Td1 | MrzFormat::Td2, Some(c)) => matches!(c, b'P' | b'V'),
        _ => false,
    };
    if mismatch {
        report.finding(
            "mrz_document_type_mismatch",
            "documentCode",
            format!("document code {document_code:?} does not belong in a {format:?} MRZ"),
        );
    }

    let (surname, given) = trim_filler(name_field)
        .split_once("<<")
        .unwrap_or((trim_filler(name_field), ""));
    let Report { checks, findings } = report;
    Ok(Mrz {
        format,
        document_type: document_type(&document_code),
        document_code,
        issuing_state,
        surname: words(surname),
        given_names: words(given),
        name_truncated: !name_field.ends_with('<'),
        document_number: parsed.number,
        nationality: parsed.nationality,
        birth_date: parsed.birth,
        sex: parsed.sex,
        expiry_date: parsed.expiry,
        expired: parsed.expiry.map(|expiry| expiry < today),
        optional_data: parsed.optional,
        optional_data_2: parsed.optional_2,
        checks,
        valid: findings.is_empty(),
        findings,
        lines,
    })
}

/// The fields read from the data lines, before assembly.
struct Fields {
    number: String,
    nationality: String,
    birth: Option<Date>,
    sex: Sex,
    expiry: Option<Date>,
    optional: String,
    optional_2: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2026, 11, 22).unwrap()
    }

    fn parse(text: &str) -> Mrz {
        parse_mrz(text, today()).unwrap()
    }

    fn flags(mrz: &Mrz) -> Vec<(&str, &str)> {
        mrz.findings.iter().map(|f| (f.code, f.field)).collect()
    }

    // Specimens printed in ICAO Doc 9303 parts 4-6 (the fictional state of Utopia).
    const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
    const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    const TD2: &str = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6";
    const MRV_A: &str = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<";
    const MRV_B: &str =
        "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<";

    #[test]
    fn the_td3_specimen_is_valid() {
        let mrz = parse(TD3);
        assert_eq!(flags(&mrz), []);
        assert_eq!(mrz.format, MrzFormat::Td3);
        assert_eq!(mrz.document_type, DocumentType::Passport);
        assert_eq!(
            (mrz.surname.as_str(), mrz.given_names.as_str()),
            ("ERIKSSON", "ANNA MARIA")
        );
        assert_eq!(mrz.document_number, "L898902C3");
        assert_eq!(mrz.birth_date.unwrap().to_string(), "1974-08-12");
        assert_eq!(mrz.expiry_date.unwrap().to_string(), "2012-04-15");
        assert_eq!(mrz.expired, Some(true));
        assert_eq!(mrz.sex, Sex::Female);
        assert_eq!(mrz.optional_data, "ZE184226B");
        assert_eq!(mrz.checks.len(), 5);
        assert!(mrz.valid);
    }

    #[test]
    fn the_td1_td2_and_visa_specimens_are_valid() {
        for (text, format, number) in [
            (TD1, MrzFormat::Td1, "D23145890"),
            (TD2, MrzFormat::Td2, "D23145890"),
            (MRV_A, MrzFormat::MrvA, "L8988901C"),
            (MRV_B, MrzFormat::MrvB, "L8988901C"),
        ] {
            let mrz = parse(text);
            assert_eq!(mrz.format, format);
            assert_eq!(mrz.document_number, number, "{format:?}");
            assert_eq!(mrz.given_names, "ANNA MARIA");
            // The visa specimens carry the unspecified nationality XXX.
            assert_eq!(flags(&mrz), [], "{format:?}");
        }
        assert_eq!(parse(TD1).document_type, DocumentType::Id);
        assert_eq!(parse(MRV_A).birth_date.unwrap().to_string(), "1940-09-07");
    }

    /// `line2` of the TD3 specimen with `position` (1-based) replaced.
    fn td3_with(position: usize, replacement: char) -> String {
        let mut chars: Vec<char> = TD3.lines().nth(1).unwrap().chars().collect();
        chars[position - 1] = replacement;
        format!(
            "{}\n{}",
            TD3.lines().next().unwrap(),
            chars.iter().collect::<String>()
        )
    }

    #[test]
    fn every_digit_for_digit_tamper_of_a_checked_field_is_caught() {
        // The 7-3-1 weights are coprime with 10, so changing one digit always
        // changes the field's check digit. (Substitutions whose values differ
        // by a multiple of 10, such as L (21) for 1, cannot be seen by any
        // ICAO check digit; the document number's letters are exposed to that.)
        let line2 = TD3.lines().nth(1).unwrap().as_bytes();
        for position in (1..=9).chain(14..=19).chain(22..=27) {
            if !line2[position - 1].is_ascii_digit() {
                continue;
            }
            for replacement in '0'..='9' {
                if line2[position - 1] as char != replacement {
                    assert!(
                        !parse(&td3_with(position, replacement)).valid,
                        "position {position} -> {replacement}"
                    );
                }
            }
        }
    }

    #[test]
    fn any_change_inside_a_date_is_caught() {
        for position in (14..=19).chain(22..=27) {
            for replacement in ('0'..='9').chain('A'..='Z') {
                let original = TD3.lines().nth(1).unwrap().as_bytes()[position - 1] as char;
                if original != replacement {
                    assert!(
                        !parse(&td3_with(position, replacement)).valid,
                        "position {position} -> {replacement}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_changed_date_with_its_check_digit_left_is_a_mismatch() {
        let tampered = TD3.replace("7408122F", "7508122F");
        let mrz = parse(&tampered);
        assert_eq!(
            flags(&mrz),
            [
                ("mrz_check_digit_mismatch", "birthDate"),
                ("mrz_check_digit_mismatch", "composite")
            ]
        );
        assert_eq!(
            mrz.findings[0].message,
            r#"check digit of birthDate "750812" is 2, expected 5"#
        );
    }

    #[test]
    fn impossible_dates_unknown_countries_and_bad_sex_are_findings() {
        let text = TD3.replace("UTO7408122F1204159", "QQQ7413322Z1204159");
        let codes: Vec<&str> = parse(&text).findings.iter().map(|f| f.code).collect();
        assert!(codes.contains(&"mrz_unknown_country"));
        assert!(codes.contains(&"mrz_invalid_date"));
        assert!(codes.contains(&"mrz_invalid_field"));
    }

    #[test]
    fn a_passport_code_in_a_card_format_is_a_type_mismatch() {
        let text = TD1.replacen("I<UTO", "P<UTO", 1);
        assert!(flags(&parse(&text)).contains(&("mrz_document_type_mismatch", "documentCode")));
    }

    #[test]
    fn long_document_numbers_continue_in_the_optional_data() {
        // TD1 with a 12-character number: 9 in the field, '<' as its check
        // digit, the last 3 and the check digit opening the optional data.
        let number = "D23145890734";
        let digit = check_digit(number).unwrap();
        let l1 = format!("I<UTO{}<{}{}<<<<<<<<<<<", &number[..9], &number[9..], digit);
        let l2_head = "7408122F1204159UTO<<<<<<<<<<<";
        let composite = format!(
            "{}{}{}{}",
            &l1[5..30],
            &l2_head[0..7],
            &l2_head[8..15],
            &l2_head[18..29]
        );
        let l2 = format!("{l2_head}{}", check_digit(&composite).unwrap());
        let l3 = "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        let mrz = parse(&format!("{l1}\n{l2}\n{l3}"));
        assert_eq!(flags(&mrz), []);
        assert_eq!(mrz.document_number, number);
    }

    #[test]
    fn text_that_is_no_mrz_is_a_validation_error() {
        let err = parse_mrz("HELLO\nWORLD", today()).unwrap_err();
        assert!(err.message().contains("no MRZ format"), "{}", err.message());
        let err = parse_mrz(&TD3.replace('<', "."), today()).unwrap_err();
        assert!(err.message().contains("not an MRZ character"));
    }

    #[test]
    fn spaces_lower_case_and_blank_lines_are_tolerated() {
        let messy = format!(
            "\n  {}  \n\n{}\n",
            TD3.lines().next().unwrap().to_lowercase(),
            TD3.lines().nth(1).unwrap().replace("UTO", "U T O")
        );
        assert!(parse(&messy).valid);
    }

    #[test]
    fn names_are_split_and_truncation_is_noticed() {
        let full = &"P<UTOVERYLONGFAMILYNAMEX<<GIVENNAMESTHATGOONANDON"[..44];
        let text = format!("{full}\n{}", TD3.lines().nth(1).unwrap());
        let mrz = parse(&text);
        assert!(mrz.name_truncated);
        assert_eq!(mrz.surname, "VERYLONGFAMILYNAMEX");
        assert_eq!(mrz.given_names, "GIVENNAMESTHATGOON");
        assert!(!parse(TD3).name_truncated);
    }
}
