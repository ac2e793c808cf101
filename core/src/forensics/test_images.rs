//! Constructed images for the signals' unit tests: a document-like page with
//! camera noise, and edits whose location is known.

use image::GrayImage;
use image::codecs::jpeg::JpegEncoder;

/// A deterministic pseudo-random stream (xorshift), so tests never flake.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Roughly normal, mean 0, standard deviation 1 (sum of uniforms).
    pub fn normal(&mut self) -> f32 {
        let mut sum = 0.0;
        for _ in 0..4 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            sum += (self.0 >> 40) as f32 / (1u64 << 24) as f32;
        }
        (sum - 2.0) * 1.732
    }
}

/// A page: light paper with a fine background pattern, dark text-like bars,
/// and noise of standard deviation `sigma`.
pub fn document(width: u32, height: u32, sigma: f32, seed: u64) -> GrayImage {
    let mut noise = Noise::new(seed);
    GrayImage::from_fn(width, height, |x, y| {
        // Guilloche-like: rings around two off-page centres.
        let ring = |cx: f32, cy: f32| ((x as f32 - cx).hypot(y as f32 - cy) * 0.45).sin();
        let pattern = 6.0 * (ring(-150.0, -90.0) + ring(900.0, 700.0));
        // Words of varying length on lines 27 pixels apart.
        let word = (x / 7)
            .wrapping_mul(2_654_435_761)
            .wrapping_add((y / 27).wrapping_mul(40_503));
        let in_line = (y / 9) % 3 == 1 && (word >> 13) % 5 != 0 && x > 20 && x + 20 < width;
        let base = if in_line { 60.0 } else { 205.0 + pattern };
        image::Luma([(base + sigma * noise.normal()).clamp(0.0, 255.0) as u8])
    })
}

/// JPEG bytes of `image` at `quality`.
pub fn jpeg(image: &GrayImage, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(image)
        .expect("encoding a test image");
    bytes
}

/// `bytes` decoded to gray.
pub fn decode(bytes: &[u8]) -> GrayImage {
    image::load_from_memory(bytes)
        .expect("decoding a test image")
        .to_luma8()
}

/// Copies `patch` into `image` with its top-left corner at (`x`, `y`).
pub fn paste(image: &mut GrayImage, patch: &GrayImage, x: u32, y: u32) {
    for (px, py, pixel) in patch.enumerate_pixels() {
        if x + px < image.width() && y + py < image.height() {
            image.put_pixel(x + px, y + py, *pixel);
        }
    }
}
