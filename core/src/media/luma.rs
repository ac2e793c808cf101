//! RGB to gray, exactly as `image`'s `into_luma8` gives it, several times
//! faster.
//!
//! `image` converts each pixel through its colour-management fallback: the
//! components expanded to `f32`, weighted by the luminance of its sRGB
//! colour space, rounded back with a library call per pixel. That was a few
//! percent of a whole analysis. Here the same arithmetic, in the same order
//! and with the same weights (read back from `image` itself, so they are its
//! own to the last bit), is written as one loop the compiler vectorises;
//! the tests hold the two equal on every pixel value they try. Targets
//! where `image` fuses the multiply-adds (FMA or NEON built in) keep its
//! own conversion.

use std::sync::OnceLock;

use image::{DynamicImage, GrayImage, Rgb32FImage, RgbImage};

/// Whether `image` rounds each multiply and add apart (the arithmetic
/// below); where it fuses them, its own conversion is used.
const UNFUSED: bool = !cfg!(any(
    all(
        any(target_arch = "x86", target_arch = "x86_64"),
        target_feature = "fma"
    ),
    all(target_arch = "aarch64", target_feature = "neon")
));

/// `image`'s luminance weights of red, green and blue: the gray it gives a
/// pure primary of full intensity in 32-bit float.
fn weights() -> [f32; 3] {
    static WEIGHTS: OnceLock<[f32; 3]> = OnceLock::new();
    *WEIGHTS.get_or_init(|| {
        let primaries = Rgb32FImage::from_fn(3, 1, |x, _| {
            let mut pixel = image::Rgb([0.0; 3]);
            pixel[x as usize] = 1.0;
            pixel
        });
        let gray = DynamicImage::ImageRgb32F(primaries).to_luma32f();
        [gray.as_raw()[0], gray.as_raw()[1], gray.as_raw()[2]]
    })
}

/// The gray image of `rgb`, identical to `image`'s `into_luma8`.
pub(super) fn gray_of_rgb(rgb: RgbImage) -> GrayImage {
    if !UNFUSED {
        return DynamicImage::ImageRgb8(rgb).into_luma8();
    }
    let [red, green, blue] = weights();
    let (width, height) = rgb.dimensions();
    let mut gray = vec![0u8; width as usize * height as usize];
    for (value, pixel) in gray.iter_mut().zip(rgb.as_raw().chunks_exact(3)) {
        *value = gray_level(pixel, red, green, blue);
    }
    GrayImage::from_raw(width, height, gray).unwrap_or_default()
}

/// One pixel: each component scaled to 0–1 as `image` does (times the
/// `f32` nearest 1/255), weighted and summed left to right, then scaled
/// back and rounded half away from zero.
#[inline(always)]
fn gray_level(pixel: &[u8], red: f32, green: f32, blue: f32) -> u8 {
    const TO_UNIT: f32 = 1.0 / 255.0;
    let unit = |component: u8| f32::from(component) * TO_UNIT;
    let mut luma = 0.0f32;
    luma += unit(pixel[0]) * red;
    luma += unit(pixel[1]) * green;
    luma += unit(pixel[2]) * blue;
    let scaled = (luma * 255.0).clamp(0.0, 255.0);
    // Rounding half away from zero without a library call: the integer
    // part, plus one when the fraction (exact: both are below 2^23) is at
    // least a half.
    // `i32`, not `u32`: processors convert floats to signed integers in
    // vector lanes, and the value is 0-255 either way.
    let whole = scaled as i32;
    let fraction = scaled - whole as f32;
    (whole + i32::from(fraction >= 0.5)) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weights_are_rec_709_luminance() {
        let [red, green, blue] = weights();
        assert!((red - 0.2126).abs() < 1e-3, "{red}");
        assert!((green - 0.7152).abs() < 1e-3, "{green}");
        assert!((blue - 0.0722).abs() < 1e-3, "{blue}");
    }

    #[test]
    fn gray_equals_images_own_conversion_on_every_pixel() {
        // Every level of each component alone, every gray, and a spread
        // of mixed colours from a fixed pseudo-random sequence.
        let mut pixels: Vec<[u8; 3]> = Vec::new();
        for level in 0..=255u8 {
            pixels.extend([[level, 0, 0], [0, level, 0], [0, 0, level]]);
            pixels.push([level; 3]);
        }
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            pixels.push([state as u8, (state >> 8) as u8, (state >> 16) as u8]);
        }
        let width = 512u32;
        let height = (pixels.len() as u32).div_ceil(width);
        let rgb = RgbImage::from_fn(width, height, |x, y| {
            let i = (y * width + x) as usize;
            image::Rgb(pixels.get(i).copied().unwrap_or([255, 128, 7]))
        });
        let expected = DynamicImage::ImageRgb8(rgb.clone()).into_luma8();
        assert_eq!(gray_of_rgb(rgb), expected);
    }
}
