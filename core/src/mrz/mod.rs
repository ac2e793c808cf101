//! Machine-readable zones (ICAO 9303) and Indonesian ID numbers (NIK):
//! parsing and checking, written by hand (no crate covers the five MRZ
//! formats with typed findings, nor the NIK).
//!
//! ```
//! use veriscope::mrz::{Date, parse_mrz};
//!
//! let mrz = parse_mrz(
//!     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
//!      L898902C36UTO7408122F1204159ZE184226B<<<<<10",
//!     Date::new(2026, 11, 22).unwrap(),
//! )?;
//! assert!(mrz.valid);
//! assert_eq!(mrz.given_names, "ANNA MARIA");
//! # Ok::<(), veriscope::Error>(())
//! ```

mod check_digit;
mod countries;
mod date;
mod evidence;
mod nik;
mod ocrb_templates;
mod parse;
mod read;

pub use check_digit::{char_value, check_digit};
pub use date::Date;
pub use evidence::{CONFIDENT_READ, ForgeryEvidence, floor, mrz_text_evidence, nik_evidence};
pub use nik::{Nik, NikClaims, NikReport, check_nik, check_nik_text, parse_nik};
pub use parse::{CheckResult, Finding, Mrz, MrzFormat, Sex, parse_mrz};
pub use read::{Correction, CorrectionReason, MrzReading, Region, read_mrz, read_mrz_image};

/// The name of an ICAO country code (`"UTO"` → Utopia), if it is one.
pub fn country_name(code: &str) -> Option<&'static str> {
    let code = code.trim_end_matches('<');
    countries::COUNTRIES
        .binary_search_by(|(known, _)| known.cmp(&code))
        .ok()
        .map(|index| countries::COUNTRIES[index].1)
}

/// A reference date from JSON-ish door input: `YYYY-MM-DD`, or today's
/// date from the system clock when absent.
pub fn reference_date(text: Option<&str>) -> crate::Result<Date> {
    match text {
        Some(text) => text.parse(),
        None => Date::today(),
    }
}
