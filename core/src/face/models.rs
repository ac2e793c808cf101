//! The three face-match models, loaded once and shared.
//!
//! They are not bundled in the library (30 MB): `scripts/fetch-models` puts
//! them in `models/`. Native callers load them from a directory (explicit, or
//! `VERISCOPE_MODELS`, or `./models`); WASM callers pass the files' bytes.

use std::path::{Path, PathBuf};

use image::{GrayImage, RgbImage};
use sha2::{Digest, Sha256};

use super::detect::{DetectedFace, FaceDetector};
use super::embedder::{Descriptor, EMBEDDER_FILE, FaceEmbedder};
use super::geometry::{Point, Rect};
use super::landmarks::{SHAPE_PREDICTOR_FILE, ShapePredictor};
use crate::{Error, ErrorCode, Result};

/// The file name of the SeetaFace detector model.
pub const DETECTOR_FILE: &str = "seeta_fd_frontal_v1.0.bin";

/// The environment variable naming the models directory.
pub const MODELS_ENV: &str = "VERISCOPE_MODELS";

/// The command that fetches the models, named in `MODEL_MISSING` errors.
pub const FETCH_COMMAND: &str = "./scripts/fetch-models";

/// SHA-256 of the one SeetaFace model rustface reads, checked before its
/// parser sees the bytes (that parser trusts its input).
const DETECTOR_SHA256: &str = "c4619d066ed35e84d9a8e842860b0dff567aba0cbb139881075538761db3ff5d";

/// The detector, landmarker and embedder, ready to use. Cheap to share
/// between threads (`Arc<FaceModels>`); every method takes `&self`.
#[derive(Debug)]
pub struct FaceModels {
    pub(crate) detector: FaceDetector,
    pub(crate) landmarks: ShapePredictor,
    pub(crate) embedder: FaceEmbedder,
}

impl FaceModels {
    /// Loads the three files from `directory`.
    ///
    /// A missing file is `MODEL_MISSING` naming it and the fetch command; a
    /// file that is not the expected model is `MODEL_INVALID`.
    pub fn load(directory: impl AsRef<Path>) -> Result<Self> {
        let directory = directory.as_ref();
        let read = |name: &str| -> Result<Vec<u8>> {
            let path = directory.join(name);
            std::fs::read(&path).map_err(|error| {
                if error.kind() == std::io::ErrorKind::NotFound {
                    Error::new(
                        ErrorCode::ModelMissing,
                        format!(
                            "face model {} not found; run {FETCH_COMMAND} (or set {MODELS_ENV} to the directory holding it)",
                            path.display()
                        ),
                    )
                } else {
                    Error::new(
                        ErrorCode::ModelMissing,
                        format!("cannot read face model {}: {error}", path.display()),
                    )
                }
            })
        };
        FaceModels::from_bytes(
            &read(DETECTOR_FILE)?,
            &read(SHAPE_PREDICTOR_FILE)?,
            &read(EMBEDDER_FILE)?,
        )
    }

    /// Loads from `$VERISCOPE_MODELS`, or `./models` when it is not set.
    pub fn load_default() -> Result<Self> {
        FaceModels::load(FaceModels::default_directory())
    }

    /// Where [`FaceModels::load_default`] looks.
    pub fn default_directory() -> PathBuf {
        std::env::var_os(MODELS_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("models"))
    }

    /// Every face in a grayscale image, largest first, boxed as dlib's
    /// detector boxes them.
    pub fn detect(&self, image: &GrayImage) -> Vec<DetectedFace> {
        self.detector.detect(image)
    }

    /// The five landmarks of the face in `face` (a box as dlib's detector
    /// draws it), in image pixels.
    pub fn landmarks(&self, image: &RgbImage, face: &Rect) -> Vec<Point> {
        self.landmarks.predict(image, face)
    }

    /// The descriptor of an aligned chip (see [`super::extract_chip`]).
    pub fn embed(&self, chip: &RgbImage) -> Descriptor {
        self.embedder.embed(chip)
    }

    /// The descriptors of several chips, computed as one batch.
    pub fn embed_batch(&self, chips: &[&RgbImage]) -> Vec<Descriptor> {
        self.embedder.embed_batch(chips)
    }

    /// Builds the models from the files' contents (for WASM, or models
    /// embedded by the caller).
    pub fn from_bytes(detector: &[u8], landmarks: &[u8], embedder: &[u8]) -> Result<Self> {
        let digest = hex::encode(Sha256::digest(detector));
        if digest != DETECTOR_SHA256 {
            return Err(Error::new(
                ErrorCode::ModelInvalid,
                format!("{DETECTOR_FILE} is not the SeetaFace frontal model (SHA-256 {digest})"),
            ));
        }
        Ok(FaceModels {
            detector: FaceDetector::from_bytes(detector)?,
            landmarks: ShapePredictor::from_bytes(landmarks)?,
            embedder: FaceEmbedder::from_bytes(embedder)?,
        })
    }
}
