#![allow(clippy::print_stdout)]
//! Checks a passport's machine-readable zone and an Indonesian NIK, as the
//! forgery analysis does with what it reads from a document.
//!
//!     cargo run -p veriscope --example mrz [-- page.jpg]

use veriscope::media::DecodeLimits;
use veriscope::mrz::{Date, NikClaims, Sex, check_nik_text, parse_mrz, read_mrz};

fn main() -> Result<(), veriscope::Error> {
    let today = Date::today()?;
    // ICAO 9303's specimen passport, with its birth year changed from 74 to 75.
    let text = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                L898902C36UTO7508122F1204159ZE184226B<<<<<10";
    let mrz = parse_mrz(text, today)?;
    println!(
        "{} {}, born {:?}, valid: {}",
        mrz.given_names, mrz.surname, mrz.birth_date, mrz.valid
    );
    for finding in &mrz.findings {
        println!("  {}: {}", finding.code, finding.message);
    }

    let claims = NikClaims {
        sex: Some(Sex::Female),
        ..NikClaims::default()
    };
    let nik = check_nik_text("3201011505050001", &claims, today)?;
    println!("NIK from {}, valid: {}", nik.nik.province, nik.valid);
    for finding in &nik.findings {
        println!("  {}: {}", finding.code, finding.message);
    }

    // An image's zone, when one is given.
    if let Some(path) = std::env::args().nth(1) {
        let bytes = std::fs::read(&path).map_err(|err| {
            veriscope::Error::new(veriscope::ErrorCode::InvalidArgument, err.to_string())
        })?;
        match read_mrz(&bytes, &DecodeLimits::default(), today) {
            Ok(reading) => println!(
                "{path}: {} {}, lowest character confidence {:.2}, valid: {}",
                reading.mrz.document_number,
                reading.mrz.surname,
                reading.min_confidence,
                reading.mrz.valid
            ),
            Err(err) => println!("{path}: {}", err.to_json()),
        }
    }
    Ok(())
}
