//! The shared cross-language fixtures (`tests/fixtures/`), run through the
//! Rust API. Every door runs the same cases and must print the same bytes.
//!
//! Layout: one folder per operation; in it, each input file `<case>.<ext>`,
//! optionally `<case>.options.json` (validation limits, or NIK claims), and
//! `<case>.expected.json` holding the result JSON or the error body. MRZ and
//! NIK cases are read as of [`FIXTURE_TODAY`]. `index.tsv` lists every case for the doors
//! that cannot list folders (the browser). `VERISCOPE_BLESS=1 cargo test`
//! rewrites the expected files and the index from the current behaviour.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use veriscope::analysis::{AnalysisOptions, analyze_to_json};
use veriscope::mrz::{self, Date, NikClaims};
use veriscope::validate::{self, Limits};
use veriscope::{ForgeryResponse, Verification};

/// The date every door passes as "today" for MRZ and NIK fixtures.
const FIXTURE_TODAY: &str = "2026-11-22";

const OPERATIONS: [&str; 10] = [
    "document-bytes",
    "document-base64",
    "document-url",
    "verify-request",
    "create-verification",
    "verification",
    "forgery-response",
    "mrz",
    "nik",
    "analyze",
];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

struct Case {
    operation: &'static str,
    input: String,
    options: Option<String>,
    expected: String,
}

fn is_input(name: &str) -> bool {
    !name.ends_with(".expected.json") && !name.ends_with(".options.json")
}

fn stem(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

fn cases() -> Vec<Case> {
    let root = fixtures_dir();
    let mut cases = Vec::new();
    for operation in OPERATIONS {
        let mut names: Vec<String> = fs::read_dir(root.join(operation))
            .unwrap_or_else(|err| panic!("{operation}: {err}"))
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| is_input(name))
            .collect();
        names.sort();
        let mut stems: Vec<&str> = names.iter().map(|name| stem(name)).collect();
        stems.dedup();
        assert_eq!(
            stems.len(),
            names.len(),
            "{operation}: two inputs share a case name"
        );
        for name in names {
            let stem = stem(&name);
            let options = format!("{operation}/{stem}.options.json");
            cases.push(Case {
                operation,
                options: root.join(&options).exists().then_some(options),
                expected: format!("{operation}/{stem}.expected.json"),
                input: format!("{operation}/{name}"),
            });
        }
    }
    cases
}

fn run(case: &Case) -> String {
    let root = fixtures_dir();
    let bytes = fs::read(root.join(&case.input)).unwrap();
    let options = case
        .options
        .as_ref()
        .map(|path| fs::read_to_string(root.join(path)).unwrap());
    let limits = match (case.operation, options.as_deref()) {
        ("nik" | "analyze", _) | (_, None) => Limits::default(),
        (_, Some(text)) => Limits::from_json(text).unwrap(),
    };
    let today: Date = FIXTURE_TODAY.parse().unwrap();
    let text = || String::from_utf8(bytes.clone()).expect("text fixture is UTF-8");
    let result = match case.operation {
        "document-bytes" => {
            validate::check_document_bytes(&bytes, &limits).map(|v| veriscope::to_json(&v))
        }
        "document-base64" => {
            validate::decode_document_base64(&text(), &limits).map(|v| veriscope::to_json(&v.info))
        }
        "document-url" => {
            validate::check_document_url(&text(), &limits).map(|v| veriscope::to_json(&v))
        }
        "verify-request" => {
            validate::check_verify_request(&text(), &limits).map(|v| veriscope::to_json(&v))
        }
        "create-verification" => {
            validate::check_create_verification(&text(), &limits).map(|v| veriscope::to_json(&v))
        }
        "verification" => veriscope::from_json::<Verification>(&text(), "verification object")
            .map(|v| veriscope::to_json(&v)),
        "forgery-response" => veriscope::from_json::<ForgeryResponse>(&text(), "forgery response")
            .map(|v| veriscope::to_json(&v)),
        "mrz" => mrz::parse_mrz(&text(), today).map(|v| veriscope::to_json(&v)),
        "nik" => {
            let claims = options.as_deref().map_or_else(NikClaims::default, |text| {
                NikClaims::from_json(text).unwrap()
            });
            mrz::check_nik_text(&text(), &claims, today).map(|v| veriscope::to_json(&v))
        }
        "analyze" => AnalysisOptions::from_json(options.as_deref().unwrap_or(""))
            .and_then(|options| analyze_to_json(&bytes, &options))
            .map(|json| without_latency(&json)),
        other => unreachable!("unknown operation {other}"),
    };
    result.unwrap_or_else(|err| err.to_json())
}

/// The JSON with `"latencyMs"` set to 0: the one field of an analysis that
/// depends on the machine. Every door's fixture test does the same.
fn without_latency(json: &str) -> String {
    const KEY: &str = "\"latencyMs\":";
    match json.find(KEY) {
        None => json.to_owned(),
        Some(start) => {
            let digits = start + KEY.len();
            let end = json[digits..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(json.len(), |n| digits + n);
            format!("{}0{}", &json[..digits], &json[end..])
        }
    }
}

fn index(cases: &[Case]) -> String {
    let mut index = String::from(
        "# operation\tinput\toptions\texpected (generated; see core/tests/fixtures.rs)\n",
    );
    for case in cases {
        let options = case.options.as_deref().unwrap_or("-");
        index.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            case.operation, case.input, options, case.expected
        ));
    }
    index
}

#[test]
fn every_fixture_gives_its_expected_json() {
    let root = fixtures_dir();
    let bless = std::env::var_os("VERISCOPE_BLESS").is_some();
    let cases = cases();
    assert!(
        cases.len() >= 50,
        "only {} fixture cases found",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let actual = run(case);
        let path = root.join(&case.expected);
        if bless {
            fs::write(&path, format!("{actual}\n")).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&path).unwrap_or_default();
        if expected.trim_end_matches('\n') != actual {
            failures.push(format!(
                "{}:\n  expected {}\n  actual   {actual}",
                case.input,
                expected.trim_end()
            ));
        }
    }
    let index_path = root.join("index.tsv");
    if bless {
        fs::write(&index_path, index(&cases)).unwrap();
    } else {
        assert_eq!(
            fs::read_to_string(&index_path).unwrap(),
            index(&cases),
            "index.tsv is stale; bless"
        );
    }
    assert!(
        failures.is_empty(),
        "{} fixtures differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fixtures_cover_success_and_every_local_error_code() {
    let mut seen = std::collections::BTreeSet::new();
    for case in cases() {
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(fixtures_dir().join(&case.expected)).unwrap())
                .unwrap();
        let code = json["error"]["code"].as_str().unwrap_or("OK").to_owned();
        seen.insert(code);
    }
    for code in [
        "OK",
        "VALIDATION_ERROR",
        "UNSUPPORTED_FORMAT",
        "FILE_TOO_LARGE",
    ] {
        assert!(seen.contains(code), "no fixture ends in {code}");
    }
}
