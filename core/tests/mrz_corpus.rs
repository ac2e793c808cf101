//! Reads the synthetic MRZ corpus made by `scripts/corpus_mrz.py` (captured
//! passport pages and ID cards, some tampered) and checks the read rate and
//! that every tamper read correctly is caught. `scripts/test` generates the
//! corpus and sets `VERISCOPE_MRZ_CORPUS`; without it the test says so and
//! does nothing.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::PathBuf;

use veriscope::media::DecodeLimits;
use veriscope::mrz::{Date, read_mrz};

#[test]
fn the_synthetic_corpus_is_read_exactly_and_tampers_are_caught() {
    let Some(dir) = std::env::var_os("VERISCOPE_MRZ_CORPUS").map(PathBuf::from) else {
        eprintln!("skipped: VERISCOPE_MRZ_CORPUS is not set (scripts/test sets it)");
        return;
    };
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let today = Date::new(2026, 11, 22).unwrap();
    let documents = truth["documents"].as_array().unwrap();
    let (mut exact, mut tampers_read, mut tampers_caught, mut false_alarms) = (0, 0, 0, 0);
    for document in documents {
        let file = document["file"].as_str().unwrap();
        let expected: Vec<&str> = document["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let reading = match read_mrz(&bytes, &DecodeLimits::default(), today) {
            Ok(reading) => reading,
            Err(err) => {
                eprintln!("{file}: {err}");
                continue;
            }
        };
        if reading.mrz.lines == expected {
            exact += 1;
            if document["tampered"].as_bool().unwrap() {
                tampers_read += 1;
                tampers_caught += usize::from(!reading.mrz.valid);
                assert!(
                    reading
                        .evidence
                        .flags
                        .iter()
                        .any(|f| f == "mrz_check_digit_mismatch"),
                    "{file}"
                );
                assert!(
                    reading.evidence.score_floor >= 0.6,
                    "{file}: floor {}",
                    reading.evidence.score_floor
                );
            } else if !reading.mrz.valid || reading.evidence.score_floor > 0.0 {
                false_alarms += 1;
                eprintln!(
                    "{file}: read exactly but judged invalid: {:?}",
                    reading.mrz.findings
                );
            }
        } else {
            eprintln!(
                "{file}: read\n  {:?}\nexpected\n  {expected:?}",
                reading.mrz.lines
            );
        }
    }
    let rate = exact as f64 / documents.len() as f64;
    eprintln!(
        "exact read rate {rate:.3} ({exact}/{}); tampers caught {tampers_caught}/{tampers_read}",
        documents.len()
    );
    assert!(rate >= 0.95, "exact read rate {rate:.3} is below 0.95");
    assert_eq!(
        tampers_caught, tampers_read,
        "a tamper read correctly went unnoticed"
    );
    assert_eq!(false_alarms, 0);
}
