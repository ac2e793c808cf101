//! Face match: is the portrait printed on an ID card (an Indonesian KTP) the
//! person in the selfie?
//!
//! The pipeline is dlib's, run in Rust: find the faces ([`FaceModels::detect`], SeetaFace
//! via `rustface`), place five landmarks ([`landmarks`], dlib's regression
//! trees), cut an aligned 150×150 chip ([`chip`]), embed it into 128 numbers
//! ([`embedder`], dlib's ResNet), and compare the two descriptors by
//! Euclidean distance ([`FaceModels::compare`], scored and banded as
//! [`matcher`] documents). The models come from [`FaceModels`].

pub mod chip;
pub(crate) mod detect;
mod dlib_format;
pub mod embedder;
pub mod geometry;
pub mod landmarks;
pub mod matcher;
mod models;

pub use chip::{CHIP_PADDING, CHIP_SIZE, ChipPlacement, extract_chip};
pub use detect::DetectedFace;
pub use embedder::{DESCRIPTOR_LEN, Descriptor, FaceEmbedder};
pub use geometry::{Point, Rect};
pub use landmarks::ShapePredictor;
pub use matcher::{
    BLURRED_FACE, FaceComparison, FaceMatchOptions, FaceMatchThresholds, FaceObservation,
    FaceSource, SMALL_FACE, score_from_distance,
};
pub use models::{DETECTOR_FILE, FETCH_COMMAND, FaceModels, MODELS_ENV};

/// Euclidean distance between two descriptors.
pub fn descriptor_distance(a: &Descriptor, b: &Descriptor) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}
