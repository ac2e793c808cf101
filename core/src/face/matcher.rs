//! Comparing the portrait on an ID card with a selfie: the `KTP_SELFIE`
//! check's three fields, with the evidence behind them.
//!
//! **Score.** `face_match_confidence_score = 100 × (1 − d / 1.2)`, clamped
//! to 0–100, where `d` is the Euclidean distance between the two 128-d
//! descriptors: 100 for identical faces, 50 at dlib's own decision distance
//! 0.6, 0 from 1.2 on. It is monotone in `d`, so any threshold on the score
//! is a threshold on the distance.
//!
//! **Bands.** `HIGH` when `d ≤ 0.50`, `MEDIUM` when `0.50 < d ≤ 0.60`,
//! `LOW` beyond; `is_match_face` is `d ≤ 0.60`. dlib's network was trained so
//! that 0.6 separates people (99.38% on LFW); the 0.5 line keeps `HIGH` for
//! pairs far inside it (see `docs/benchmarks.md` for the distances measured
//! on the test pairs). A match judged on a face that is too small or blurred
//! is capped at `MEDIUM`, so that a person reviews it.

use image::{GrayImage, RgbImage};
use serde::{Deserialize, Serialize};

use super::chip::{CHIP_PADDING, CHIP_SIZE, ChipPlacement, extract_chip};
use super::descriptor_distance;
use super::detect::DetectedFace;
use super::embedder::{DESCRIPTOR_LEN, Descriptor};
use super::models::FaceModels;
use crate::media::{DecodeLimits, decode_rgb_upright};
use crate::model::{FaceMatch, FaceMatchLevel};
use crate::{Error, ErrorCode, Problem, Result};

/// Distances that decide the bands (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceMatchThresholds {
    /// At or below: `HIGH`.
    pub high: f64,
    /// At or below: a match (`MEDIUM` above `high`); beyond: `LOW`, no match.
    pub matching: f64,
}

impl Default for FaceMatchThresholds {
    fn default() -> Self {
        FaceMatchThresholds {
            high: 0.50,
            matching: 0.60,
        }
    }
}

impl FaceMatchThresholds {
    /// The defaults with either threshold replaced; a `VALIDATION_ERROR`
    /// unless `0 < high ≤ matching ≤ 2`.
    pub fn new(high: Option<f64>, matching: Option<f64>) -> Result<Self> {
        let defaults = FaceMatchThresholds::default();
        let (high, matching) = (
            high.unwrap_or(defaults.high),
            matching.unwrap_or(defaults.matching),
        );
        if !(high > 0.0 && high <= matching && matching <= 2.0) {
            return Err(Error::validation(vec![Problem::new(
                "highThreshold",
                format!(
                    "thresholds must satisfy 0 < highThreshold ({high}) <= matchThreshold ({matching}) <= 2"
                ),
            )]));
        }
        Ok(FaceMatchThresholds { high, matching })
    }
}

/// How a comparison runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceMatchOptions {
    /// Where the bands lie.
    pub thresholds: FaceMatchThresholds,
    /// Limits on decoding each image.
    pub limits: DecodeLimits,
    /// Look for faces at 90°, 180° and 270° when none is found upright.
    pub try_rotations: bool,
}

impl Default for FaceMatchOptions {
    fn default() -> Self {
        FaceMatchOptions {
            thresholds: FaceMatchThresholds::default(),
            limits: DecodeLimits::default(),
            try_rotations: true,
        }
    }
}

/// [`FaceMatchOptions`] in the JSON form the doors take (camelCase, all
/// optional): `{"highThreshold", "matchThreshold", "maxPixels",
/// "tryRotations", "details"}`; Python's snake_case names are accepted too.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
struct FaceMatchSettings {
    #[serde(alias = "high_threshold")]
    high_threshold: Option<f64>,
    #[serde(alias = "match_threshold")]
    match_threshold: Option<f64>,
    #[serde(alias = "max_pixels")]
    max_pixels: Option<u64>,
    #[serde(alias = "try_rotations")]
    try_rotations: Option<bool>,
    details: bool,
}

impl FaceMatchOptions {
    /// Options from their JSON form, and whether the caller asked for the
    /// `details` (both faces' boxes, landmarks and quality). An empty string
    /// means the defaults; unknown fields and thresholds outside
    /// `0 < high ≤ match ≤ 2` are a `VALIDATION_ERROR`.
    pub fn from_json(text: &str) -> Result<(Self, bool)> {
        let settings: FaceMatchSettings = if text.trim().is_empty() {
            FaceMatchSettings::default()
        } else {
            crate::from_json(text, "face match options object")?
        };
        let mut options = FaceMatchOptions::default();
        if let Some(high) = settings.high_threshold {
            options.thresholds.high = high;
        }
        if let Some(matching) = settings.match_threshold {
            options.thresholds.matching = matching;
        }
        let FaceMatchThresholds { high, matching } = options.thresholds;
        if !(high > 0.0 && high <= matching && matching <= 2.0) {
            return Err(Error::validation(vec![Problem::new(
                "highThreshold",
                format!(
                    "thresholds must satisfy 0 < highThreshold ({high}) <= matchThreshold ({matching}) <= 2"
                ),
            )]));
        }
        if let Some(max_pixels) = settings.max_pixels {
            options.limits.max_pixels = max_pixels;
        }
        if let Some(try_rotations) = settings.try_rotations {
            options.try_rotations = try_rotations;
        }
        Ok((options, settings.details))
    }
}

/// Faces narrower than this (box side, pixels) are too small to judge
/// reliably: the chip is mostly interpolation.
pub const SMALL_FACE: f64 = 40.0;

/// Chips whose sharpness (see [`FaceObservation::sharpness`]) is below this
/// are too blurred to judge reliably.
pub const BLURRED_FACE: f64 = 0.06;

/// Which image a face came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceSource {
    /// The ID card (KTP) photo.
    IdCard,
    /// The selfie.
    Selfie,
}

impl FaceSource {
    fn describe(self) -> &'static str {
        match self {
            FaceSource::IdCard => "the ID card image",
            FaceSource::Selfie => "the selfie",
        }
    }

    fn flag_suffix(self) -> &'static str {
        match self {
            FaceSource::IdCard => "on_id_card",
            FaceSource::Selfie => "in_selfie",
        }
    }
}

/// The face used from one image, and how good it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceObservation {
    /// Face box `[left, top, right, bottom]` in the upright image's pixels.
    pub rect: [f64; 4],
    /// Eye corners and nose base, `[x, y]` in the upright image's pixels.
    pub landmarks: Vec<[f64; 2]>,
    /// The detector's confidence.
    pub detector_score: f64,
    /// Degrees the image was turned (after EXIF) for the face to be found.
    pub rotation: u16,
    /// Width of the face box, pixels.
    pub face_size: f64,
    /// Edge energy of the aligned chip relative to its contrast (mean
    /// absolute Laplacian over standard deviation): about 0.2 for a sharp
    /// photo, below 0.06 for a badly blurred one.
    pub sharpness: f64,
    /// How many faces the image holds.
    pub faces_found: usize,
    /// The 128-d descriptor.
    #[serde(skip)]
    pub descriptor: Descriptor,
}

/// The outcome of comparing an ID card's portrait with a selfie.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceComparison {
    /// The three fields of the API's `result`.
    #[serde(flatten)]
    pub result: FaceMatch,
    /// Euclidean distance between the descriptors.
    pub distance: f64,
    /// What a reviewer should know: `multiple_faces_in_selfie`,
    /// `small_face_on_id_card`, `blurred_face_in_selfie`, `rotated_selfie`, …
    pub flags: Vec<String>,
    /// The ID card's face.
    pub id_card_face: FaceObservation,
    /// The selfie's face.
    pub selfie_face: FaceObservation,
}

impl FaceComparison {
    /// The JSON the doors print: the API's three fields with the distance
    /// and flags, and with `details` both faces' observations too.
    pub fn to_json(&self, details: bool) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if !details && let Some(object) = value.as_object_mut() {
            object.remove("id_card_face");
            object.remove("selfie_face");
        }
        value.to_string()
    }
}

/// `face_match_confidence_score` for a descriptor distance.
pub fn score_from_distance(distance: f64) -> f64 {
    (100.0 * (1.0 - distance / 1.2)).clamp(0.0, 100.0)
}

impl FaceModels {
    /// Compares the portrait on an ID card with the face in a selfie, each
    /// given as JPEG or PNG bytes.
    ///
    /// Errors: `UNSUPPORTED_FORMAT` / `FILE_TOO_LARGE` for an image that cannot
    /// be decoded within the limits, `FACE_NOT_FOUND` naming the image with no
    /// face.
    pub fn compare(
        &self,
        id_card: &[u8],
        selfie: &[u8],
        options: &FaceMatchOptions,
    ) -> Result<FaceComparison> {
        let (mut id_card_face, id_chip) =
            self.locate_bytes(id_card, FaceSource::IdCard, options)?;
        let (mut selfie_face, selfie_chip) =
            self.locate_bytes(selfie, FaceSource::Selfie, options)?;
        // Both chips through the network as one batch.
        if let [id_descriptor, selfie_descriptor] =
            self.embedder.embed_batch(&[&id_chip, &selfie_chip])[..]
        {
            id_card_face.descriptor = id_descriptor;
            selfie_face.descriptor = selfie_descriptor;
        }
        Ok(judge(id_card_face, selfie_face, &options.thresholds))
    }

    /// Finds, aligns and describes the main face of one image.
    pub fn observe(
        &self,
        bytes: &[u8],
        source: FaceSource,
        options: &FaceMatchOptions,
    ) -> Result<FaceObservation> {
        let (mut observation, chip) = self.locate_bytes(bytes, source, options)?;
        observation.descriptor = self.embedder.embed(&chip);
        Ok(observation)
    }

    /// Decodes an image upright and finds and aligns its main face.
    fn locate_bytes(
        &self,
        bytes: &[u8],
        source: FaceSource,
        options: &FaceMatchOptions,
    ) -> Result<(FaceObservation, RgbImage)> {
        let image = decode_rgb_upright(bytes, &options.limits)?;
        self.locate(image, source, options.try_rotations)
    }

    /// [`FaceModels::observe`] on decoded, upright pixels.
    pub fn observe_pixels(
        &self,
        image: RgbImage,
        source: FaceSource,
        try_rotations: bool,
    ) -> Result<FaceObservation> {
        let (mut observation, chip) = self.locate(image, source, try_rotations)?;
        observation.descriptor = self.embedder.embed(&chip);
        Ok(observation)
    }

    /// Finds and aligns the main face: its observation (descriptor not yet
    /// computed) and its chip.
    fn locate(
        &self,
        image: RgbImage,
        source: FaceSource,
        try_rotations: bool,
    ) -> Result<(FaceObservation, RgbImage)> {
        let rotations: &[u16] = if try_rotations {
            &[0, 90, 180, 270]
        } else {
            &[0]
        };
        for &rotation in rotations {
            let turned = rotate(&image, rotation);
            let faces = self.detect(&image::imageops::grayscale(&turned));
            if let Some(main) = faces.first() {
                return Ok(self.describe_face(&turned, main, &faces, rotation));
            }
        }
        Err(Error::new(
            ErrorCode::FaceNotFound,
            format!("no face found in {}", source.describe()),
        ))
    }

    fn describe_face(
        &self,
        image: &RgbImage,
        main: &DetectedFace,
        all: &[DetectedFace],
        rotation: u16,
    ) -> (FaceObservation, RgbImage) {
        // The landmark model was trained on dlib's detector boxes; re-box the
        // face from a first set of landmarks and place them again.
        let first = self.landmarks.predict(image, &main.rect);
        let rect = self.landmarks.box_for(&first).unwrap_or(main.rect);
        let landmarks = self.landmarks.predict(image, &rect);
        let chip = ChipPlacement::for_landmarks(&landmarks, CHIP_SIZE, CHIP_PADDING)
            .map(|placement| extract_chip(image, &placement))
            .unwrap_or_else(|| RgbImage::new(CHIP_SIZE, CHIP_SIZE));
        let largest = main.rect.width();
        let observation = FaceObservation {
            rect: [rect.left, rect.top, rect.right, rect.bottom],
            landmarks: landmarks.iter().map(|p| [p.x, p.y]).collect(),
            detector_score: main.score,
            rotation,
            face_size: rect.width(),
            sharpness: sharpness(&image::imageops::grayscale(&chip)),
            // Count faces of comparable size: a tiny false detection is noise.
            faces_found: all
                .iter()
                .filter(|face| face.rect.width() >= 0.4 * largest)
                .count(),
            descriptor: [0.0; DESCRIPTOR_LEN],
        };
        (observation, chip)
    }
}

/// Turns the observations into the API's fields and the flags.
fn judge(
    id_card_face: FaceObservation,
    selfie_face: FaceObservation,
    thresholds: &FaceMatchThresholds,
) -> FaceComparison {
    let distance = descriptor_distance(&id_card_face.descriptor, &selfie_face.descriptor);
    let mut flags = Vec::new();
    let mut doubtful = false;
    for (face, source) in [
        (&id_card_face, FaceSource::IdCard),
        (&selfie_face, FaceSource::Selfie),
    ] {
        let suffix = source.flag_suffix();
        if face.faces_found > 1 {
            flags.push(format!("multiple_faces_{suffix}"));
        }
        if face.face_size < SMALL_FACE {
            flags.push(format!("small_face_{suffix}"));
            doubtful = true;
        }
        if face.sharpness < BLURRED_FACE {
            flags.push(format!("blurred_face_{suffix}"));
            doubtful = true;
        }
        if face.rotation != 0 {
            flags.push(match source {
                FaceSource::IdCard => "rotated_id_card".to_owned(),
                FaceSource::Selfie => "rotated_selfie".to_owned(),
            });
        }
    }
    let is_match_face = distance <= thresholds.matching;
    let mut level = if distance <= thresholds.high {
        FaceMatchLevel::High
    } else if is_match_face {
        FaceMatchLevel::Medium
    } else {
        FaceMatchLevel::Low
    };
    if doubtful && level == FaceMatchLevel::High {
        level = FaceMatchLevel::Medium;
    }
    FaceComparison {
        result: FaceMatch {
            face_match_confidence_level: level,
            face_match_confidence_score: score_from_distance(distance),
            is_match_face,
        },
        distance,
        flags,
        id_card_face,
        selfie_face,
    }
}

fn rotate(image: &RgbImage, degrees: u16) -> RgbImage {
    match degrees {
        90 => image::imageops::rotate90(image),
        180 => image::imageops::rotate180(image),
        270 => image::imageops::rotate270(image),
        _ => image.clone(),
    }
}

/// Mean absolute Laplacian over the standard deviation, on the chip's
/// central face region (the border is mostly background or padding).
fn sharpness(chip: &GrayImage) -> f64 {
    let (width, height) = chip.dimensions();
    let margin = width / 5;
    let (mut energy, mut count) = (0.0, 0.0);
    let mut values = Vec::new();
    for y in margin..height - margin {
        for x in margin..width - margin {
            let at = |dx: i32, dy: i32| {
                f64::from(chip.get_pixel((x as i32 + dx) as u32, (y as i32 + dy) as u32)[0])
            };
            let laplacian = at(-1, 0) + at(1, 0) + at(0, -1) + at(0, 1) - 4.0 * at(0, 0);
            energy += laplacian.abs();
            count += 1.0;
            values.push(at(0, 0));
        }
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let deviation =
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64).sqrt();
    if deviation < 1.0 {
        0.0
    } else {
        energy / count / deviation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation(descriptor_value: f32, face_size: f64, sharpness: f64) -> FaceObservation {
        FaceObservation {
            rect: [0.0, 0.0, face_size - 1.0, face_size - 1.0],
            landmarks: Vec::new(),
            detector_score: 10.0,
            rotation: 0,
            face_size,
            sharpness,
            faces_found: 1,
            descriptor: [descriptor_value; 128],
        }
    }

    #[test]
    fn the_score_falls_monotonically_with_distance() {
        assert_eq!(score_from_distance(0.0), 100.0);
        assert!((score_from_distance(0.6) - 50.0).abs() < 1e-12);
        assert_eq!(score_from_distance(1.5), 0.0);
        let scores: Vec<f64> = (0..=24)
            .map(|i| score_from_distance(f64::from(i) * 0.05))
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn bands_follow_the_thresholds() {
        // Distances sqrt(128)·δ between constant descriptors.
        let thresholds = FaceMatchThresholds::default();
        let at = |distance: f64| {
            let delta = (distance / 128f64.sqrt()) as f32;
            judge(
                observation(0.0, 200.0, 0.2),
                observation(delta, 200.0, 0.2),
                &thresholds,
            )
        };
        let high = at(0.3);
        assert_eq!(
            high.result.face_match_confidence_level,
            FaceMatchLevel::High
        );
        assert!(high.result.is_match_face);
        let medium = at(0.55);
        assert_eq!(
            medium.result.face_match_confidence_level,
            FaceMatchLevel::Medium
        );
        assert!(medium.result.is_match_face);
        let low = at(0.8);
        assert_eq!(low.result.face_match_confidence_level, FaceMatchLevel::Low);
        assert!(!low.result.is_match_face);
        assert!(high.flags.is_empty(), "{:?}", high.flags);
    }

    #[test]
    fn a_small_or_blurred_face_caps_a_match_at_medium_and_says_why() {
        let thresholds = FaceMatchThresholds::default();
        let small = judge(
            observation(0.0, 30.0, 0.2),
            observation(0.0, 200.0, 0.2),
            &thresholds,
        );
        assert_eq!(
            small.result.face_match_confidence_level,
            FaceMatchLevel::Medium
        );
        assert!(small.result.is_match_face);
        assert_eq!(small.flags, vec!["small_face_on_id_card"]);
        let blurred = judge(
            observation(0.0, 200.0, 0.2),
            observation(0.0, 200.0, 0.01),
            &thresholds,
        );
        assert_eq!(blurred.flags, vec!["blurred_face_in_selfie"]);
    }

    #[test]
    fn options_parse_from_json_and_bad_thresholds_are_validation_errors() {
        let (options, details) = FaceMatchOptions::from_json(
            r#"{"matchThreshold":0.55,"details":true,"tryRotations":false}"#,
        )
        .unwrap();
        assert_eq!(options.thresholds.matching, 0.55);
        assert!(details && !options.try_rotations);
        assert_eq!(
            FaceMatchOptions::from_json("").unwrap().0,
            FaceMatchOptions::default()
        );
        for bad in [
            r#"{"highThreshold":0.7}"#,
            r#"{"matchThreshold":-1}"#,
            r#"{"threshold":1}"#,
        ] {
            let error = FaceMatchOptions::from_json(bad).unwrap_err();
            assert_eq!(error.code(), ErrorCode::ValidationError, "{bad}");
        }
    }

    #[test]
    fn the_default_json_keeps_the_api_fields_and_drops_the_observations() {
        let comparison = judge(
            observation(0.0, 200.0, 0.2),
            observation(0.0, 200.0, 0.2),
            &FaceMatchThresholds::default(),
        );
        let short: serde_json::Value = serde_json::from_str(&comparison.to_json(false)).unwrap();
        assert_eq!(short["face_match_confidence_level"], "HIGH");
        assert_eq!(short["is_match_face"], true);
        assert!(short.get("selfie_face").is_none());
        let long: serde_json::Value = serde_json::from_str(&comparison.to_json(true)).unwrap();
        assert_eq!(long["selfie_face"]["face_size"], 200.0);
    }

    #[test]
    fn sharpness_separates_edges_from_blur() {
        let sharp = GrayImage::from_fn(150, 150, |x, y| {
            image::Luma([if (x / 3 + y / 3) % 2 == 0 { 200 } else { 40 }])
        });
        let blurred = image::imageops::blur(&sharp, 6.0);
        assert!(sharpness(&sharp) > 3.0 * sharpness(&blurred));
        assert_eq!(
            sharpness(&GrayImage::from_pixel(150, 150, image::Luma([90]))),
            0.0
        );
    }
}
