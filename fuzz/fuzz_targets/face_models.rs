//! Fuzzes the dlib model readers (the 5-point landmarker and the ResNet
//! embedder), which WASM callers feed with bytes they fetched: any input must
//! give a model or MODEL_INVALID, never a panic or a huge allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veriscope::face::{FaceEmbedder, ShapePredictor};

fuzz_target!(|data: &[u8]| {
    let _ = ShapePredictor::from_bytes(data);
    let _ = FaceEmbedder::from_bytes(data);
    // Past the embedder's fixed header, so the fuzzer reaches the layers.
    let mut embedder = vec![1, 1, 1, 13];
    embedder.extend_from_slice(b"loss_metric_2");
    embedder.extend_from_slice(&[3, 10, 215, 163, 129, 28, 3, 154, 153, 153, 129, 24]);
    embedder.extend_from_slice(data);
    let _ = FaceEmbedder::from_bytes(&embedder);
    // Past the landmarker's version.
    let mut landmarks = vec![1, 1];
    landmarks.extend_from_slice(data);
    let _ = ShapePredictor::from_bytes(&landmarks);
});
