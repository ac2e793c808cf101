//! Fuzzes the JPEG structure reader, the DCT coefficient reader and the image
//! decoder under limits:
//! truncated, malformed or bomb inputs must give a result or a typed error,
//! never a panic or an allocation beyond the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veriscope::media::{DecodeLimits, decode_gray, parse_jpeg, read_dct};

fuzz_target!(|data: &[u8]| {
    let mut jpeg = b"\xFF\xD8".to_vec();
    jpeg.extend_from_slice(data);
    if let Ok(structure) = parse_jpeg(&jpeg) {
        let _ = structure.quality();
        for segment in &structure.segments {
            let _ = structure.payload(&jpeg, segment);
        }
    }
    let limits = DecodeLimits { max_pixels: 4_000_000, max_side: 4_000, max_alloc_bytes: 64 << 20 };
    let _ = decode_gray(&jpeg, &limits);
    let _ = decode_gray(data, &limits);
    let _ = read_dct(&jpeg, &limits);
});
