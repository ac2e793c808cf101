//! Fuzzes webhook header parsing and verification: arbitrary header lines,
//! header JSON and options JSON must give a result or a typed error, never a
//! panic, and never "verified" for a signature that was not computed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veriscope::webhook::{HeaderMap, Scheme, Secret, Verifier, VerifyOptions};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    // Header lines up to the first empty line, then the body.
    let text = String::from_utf8_lossy(rest);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut headers = HeaderMap::new();
    for line in head.lines() {
        let _ = headers.parse_line(line);
    }
    let secret = Secret::from_bytes(b"fuzz-secret".to_vec()).expect("non-empty");
    let mut verifier = Verifier::new(secret).allow_unsigned(selector & 1 == 1);
    if selector & 2 == 2 {
        verifier = verifier.scheme(Scheme::ALL[usize::from(selector >> 2) % Scheme::ALL.len()]);
    }
    if let Ok(outcome) = verifier.verify_at(&headers, body.as_bytes(), 1_700_000_000) {
        // A random input can only be accepted as unsigned, never as verified.
        assert!(!outcome.is_verified(), "forged webhook accepted: {head:?}");
    }
    let _ = HeaderMap::from_json(&text);
    let _ = VerifyOptions::from_json(&text);
});
