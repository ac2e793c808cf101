//! Face detection with the `rustface` crate (the SeetaFace funnel cascade).
//!
//! SeetaFace scans 40-pixel windows over an image pyramid that only shrinks,
//! so faces smaller than 40 pixels are missed at the image's own size; this
//! module upsamples small images before the scan (a printed ID portrait can be
//! 60 pixels wide), and downsamples large photos to bound the work: a quick
//! scan at a modest size first, finer ones only when it finds nothing.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::GrayImage;

use super::geometry::Rect;
use crate::{Error, ErrorCode, Result};

/// The detector's own scan window; faces below it need upsampling.
const WINDOW: u32 = 40;
/// Longest side of the first, quick scan: finds faces wider than about 8%
/// of the image's longest side (a selfie's face, a card's portrait).
const QUICK_SCAN_SIDE: u32 = 480;
/// Longest side of the second scan, run only when the quick one finds
/// nothing; larger images are shrunk to it.
const MAX_SCAN_SIDE: u32 = 1280;
/// Smallest face, in original pixels, the detector is asked to find.
pub const MIN_FACE: u32 = 20;
/// SeetaFace's score threshold (the crate's examples use 2.0; its default is 3.85).
const SCORE_THRESHOLD: f64 = 2.0;

/// One face found: its box in original image pixels and the detector's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectedFace {
    /// The face box (edges included). SeetaFace frames a face a little
    /// differently from dlib's detector, which the landmark model was trained
    /// on; the matcher refits the box from a first set of landmarks.
    pub rect: Rect,
    /// SeetaFace's confidence (higher is surer; above 2 is reported).
    pub score: f64,
}

/// The SeetaFace model, parsed once; a scanner is made from it per call
/// (rustface's scanners keep per-scan buffers and are not `Sync`).
#[derive(Clone)]
pub(crate) struct FaceDetector {
    model: rustface::Model,
}

impl std::fmt::Debug for FaceDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceDetector").finish_non_exhaustive()
    }
}

impl FaceDetector {
    /// Parses the model (the caller has checked its SHA-256).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let model = std::panic::catch_unwind(|| rustface::read_model(bytes))
            .map_err(|_| invalid("the SeetaFace model could not be parsed"))?
            .map_err(|error| invalid(format!("the SeetaFace model could not be read: {error}")))?;
        Ok(FaceDetector { model })
    }

    /// Every face in `image`, largest first.
    pub fn detect(&self, image: &GrayImage) -> Vec<DetectedFace> {
        let (width, height) = image.dimensions();
        if width < MIN_FACE || height < MIN_FACE {
            return Vec::new();
        }
        // The work grows with the pixels scanned: first a quick scan at a
        // modest size; then, if it finds nothing, one where a MIN_FACE face
        // fills the scan window (up to MAX_SCAN_SIDE); then, for a large
        // image whose faces are all small, one at full size.
        let longest = width.max(height) as f64;
        let upscale = f64::from(WINDOW) / f64::from(MIN_FACE);
        let quick = upscale.min(f64::from(QUICK_SCAN_SIDE) / longest);
        let fine = upscale.min(f64::from(MAX_SCAN_SIDE) / longest);
        let mut faces = self.scan(image, quick);
        if faces.is_empty() && fine > quick {
            faces = self.scan(image, fine);
        }
        if faces.is_empty() && fine < 1.0 {
            faces = self.scan(image, 1.0);
        }
        faces.sort_by(|a, b| b.rect.area().total_cmp(&a.rect.area()));
        faces
    }

    fn scan(&self, image: &GrayImage, scale: f64) -> Vec<DetectedFace> {
        let (width, height) = image.dimensions();
        let scaled_width = ((f64::from(width) * scale).round() as u32).max(1);
        let scaled_height = ((f64::from(height) * scale).round() as u32).max(1);
        let scanned;
        let pixels = if (scaled_width, scaled_height) == (width, height) {
            image
        } else {
            scanned = resize_gray(image, scaled_width, scaled_height);
            &scanned
        };
        if pixels.width() < WINDOW || pixels.height() < WINDOW {
            return Vec::new();
        }
        let mut scanner = rustface::create_detector_with_model(self.model.clone());
        scanner.set_min_face_size(MIN_FACE);
        scanner.set_score_thresh(SCORE_THRESHOLD);
        scanner.set_pyramid_scale_factor(0.8);
        scanner.set_slide_window_step(4, 4);
        let data = rustface::ImageData::new(pixels.as_raw(), pixels.width(), pixels.height());
        // rustface panics only on images it calls illegal (empty or not
        // gray), which the checks above rule out; catch it regardless.
        let found =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scanner.detect(&data)))
                .unwrap_or_default();
        let (sx, sy) = (
            f64::from(width) / f64::from(pixels.width()),
            f64::from(height) / f64::from(pixels.height()),
        );
        found
            .iter()
            .map(|face| {
                let bbox = face.bbox();
                let seeta = Rect::new(
                    f64::from(bbox.x()) * sx,
                    f64::from(bbox.y()) * sy,
                    (f64::from(bbox.x()) + f64::from(bbox.width())) * sx - 1.0,
                    (f64::from(bbox.y()) + f64::from(bbox.height())) * sy - 1.0,
                );
                DetectedFace {
                    rect: seeta.rounded(),
                    score: face.score(),
                }
            })
            .collect()
    }
}

/// Resamples a gray image with `fast_image_resize`'s SIMD bilinear
/// convolution (area-weighted when shrinking, so no aliasing); about five
/// times faster than `image`'s generic resize on a phone photo.
fn resize_gray(image: &GrayImage, width: u32, height: u32) -> GrayImage {
    let source = ImageRef::new(image.width(), image.height(), image.as_raw(), PixelType::U8);
    let mut target = Image::new(width, height, PixelType::U8);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    let resized = source.map_err(|_| ()).and_then(|source| {
        Resizer::new()
            .resize(&source, &mut target, &options)
            .map_err(|_| ())
    });
    match resized {
        Ok(()) => GrayImage::from_raw(width, height, target.into_vec())
            .unwrap_or_else(|| GrayImage::new(width, height)),
        // Only reachable with inconsistent sizes, which the caller rules out.
        Err(()) => {
            image::imageops::resize(image, width, height, image::imageops::FilterType::Triangle)
        }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::ModelInvalid, message)
}
