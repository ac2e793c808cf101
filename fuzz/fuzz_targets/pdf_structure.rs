//! Fuzzes the PDF walker: malformed, truncated or bomb inputs must give a
//! result or a typed error, never a panic or unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veriscope::media::{PdfLimits, parse_pdf};

fuzz_target!(|data: &[u8]| {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend_from_slice(data);
    let limits = PdfLimits { max_pages: 50, max_stream_bytes: 1 << 20, max_object_streams: 8 };
    let _ = parse_pdf(&pdf, &limits);
});
