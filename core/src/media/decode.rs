//! Decoding JPEG and PNG into pixels, under explicit limits.
//!
//! Uses the `image` crate (zune-jpeg, png) with its own limits set from ours,
//! so a decompression bomb (a small file declaring a huge canvas) is refused
//! before any pixel buffer is allocated.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};

use super::format::detect_format;
use super::luma::gray_of_rgb;
use crate::error::{Error, ErrorCode, Result};
use crate::model::DocumentFormat;

/// Limits applied while decoding images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Most pixels (width x height) an image may have; 40 megapixels by default.
    pub max_pixels: u64,
    /// Longest side accepted, in pixels.
    pub max_side: u32,
    /// Most bytes the decoder may allocate.
    pub max_alloc_bytes: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_pixels: 40_000_000,
            max_side: 20_000,
            max_alloc_bytes: 512 * 1024 * 1024,
        }
    }
}

fn too_large(message: String) -> Error {
    Error::new(ErrorCode::FileTooLarge, message)
}

/// Decodes a JPEG or PNG to 8-bit grayscale.
///
/// A PDF or any other format is `UNSUPPORTED_FORMAT`; a corrupt or truncated
/// image is `UNSUPPORTED_FORMAT` naming the decoder's complaint; an image over
/// the limits is `FILE_TOO_LARGE`, refused from its header alone.
pub fn decode_gray(bytes: &[u8], limits: &DecodeLimits) -> Result<GrayImage> {
    Ok(match decode(bytes, limits, false)? {
        DynamicImage::ImageRgb8(rgb) => gray_of_rgb(rgb),
        other => other.into_luma8(),
    })
}

/// Decodes a JPEG or PNG to 8-bit RGB (alpha dropped, gray widened) and
/// turns it upright as its EXIF orientation says (a phone's portrait selfie
/// is stored sideways), with the same errors and limits as [`decode_gray`].
pub fn decode_rgb_upright(bytes: &[u8], limits: &DecodeLimits) -> Result<RgbImage> {
    Ok(decode(bytes, limits, true)?.into_rgb8())
}

fn decode(bytes: &[u8], limits: &DecodeLimits, upright: bool) -> Result<DynamicImage> {
    let format = match detect_format(bytes)? {
        DocumentFormat::Jpeg => ImageFormat::Jpeg,
        DocumentFormat::Png => ImageFormat::Png,
        DocumentFormat::Pdf => {
            return Err(Error::new(
                ErrorCode::UnsupportedFormat,
                "a PDF has no image to decode here",
            ));
        }
    };
    // The header alone gives the size: check it before anything is allocated.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|err| decode_error(format, err))?;
    let pixels = u64::from(width) * u64::from(height);
    if width.max(height) > limits.max_side {
        return Err(too_large(format!(
            "image is {width}x{height} pixels; the longest side allowed is {}",
            limits.max_side
        )));
    }
    if pixels > limits.max_pixels {
        return Err(too_large(format!(
            "image is {width}x{height} = {pixels} pixels; the limit is {}",
            limits.max_pixels
        )));
    }
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(limits.max_side);
    image_limits.max_image_height = Some(limits.max_side);
    image_limits.max_alloc = Some(limits.max_alloc_bytes);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(image_limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|err| decode_error(format, err))?;
    // An unreadable EXIF block leaves the image as stored.
    let orientation = if upright {
        decoder.orientation().unwrap_or(Orientation::NoTransforms)
    } else {
        Orientation::NoTransforms
    };
    let mut image = DynamicImage::from_decoder(decoder).map_err(|err| decode_error(format, err))?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// The part of a JPEG cut short that the decoder really read: the rows
/// above the uniform fill it writes where the data ran out, less the row
/// of 16-pixel MCUs the data broke off in.
/// An image with no such fill is returned whole.
pub fn decoded_part(image: GrayImage) -> GrayImage {
    let (width, height) = image.dimensions();
    let Some(&fill) = image.as_raw().last() else {
        return image;
    };
    let row_is_fill = |y: u32| {
        let start = (y * width) as usize;
        image.as_raw()[start..start + width as usize]
            .iter()
            .all(|&p| p == fill)
    };
    let mut rows = height;
    while rows > 0 && row_is_fill(rows - 1) {
        rows -= 1;
    }
    if rows == height {
        return image;
    }
    let kept = rows.saturating_sub(1) / 16 * 16;
    image::imageops::crop_imm(&image, 0, 0, width, kept).to_image()
}

fn decode_error(format: ImageFormat, err: image::ImageError) -> Error {
    match err {
        image::ImageError::Limits(limit) => {
            too_large(format!("image exceeds the decoder's limits: {limit}"))
        }
        other => Error::new(
            ErrorCode::UnsupportedFormat,
            format!("could not decode {format:?}: {other}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        GrayImage::from_pixel(width, height, image::Luma([200]))
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    /// CRC-32 as PNG chunks use it.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = u32::MAX;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_png_decodes_to_gray_pixels() {
        let image = decode_gray(&png(8, 4), &DecodeLimits::default()).unwrap();
        assert_eq!(image.dimensions(), (8, 4));
        assert_eq!(image.get_pixel(3, 2)[0], 200);
    }

    #[test]
    fn the_pixel_budget_is_checked_from_the_header() {
        let limits = DecodeLimits {
            max_pixels: 31,
            ..DecodeLimits::default()
        };
        let err = decode_gray(&png(8, 4), &limits).unwrap_err();
        assert_eq!(err.code(), ErrorCode::FileTooLarge);
    }

    #[test]
    fn a_header_declaring_a_huge_canvas_is_refused_without_allocating() {
        // A PNG whose IHDR claims 100000 x 100000 pixels: a bomb.
        let mut bytes = png(1, 1);
        bytes[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        let err = decode_gray(&bytes, &DecodeLimits::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::FileTooLarge, "{}", err.message());
    }

    #[test]
    fn the_decoded_part_of_a_file_cut_short_ends_above_the_fill() {
        let textured = GrayImage::from_fn(40, 100, |x, y| {
            image::Luma([((x * 7 + y * 13) % 200) as u8])
        });
        assert_eq!(decoded_part(textured.clone()).dimensions(), (40, 100));
        let mut cut = textured;
        for y in 70..100 {
            for x in 0..40 {
                cut.put_pixel(x, y, image::Luma([128]));
            }
        }
        // 70 rows read; the MCU row the data broke off in (64..80) dropped.
        assert_eq!(decoded_part(cut).dimensions(), (40, 64));
        let blank = GrayImage::from_pixel(8, 8, image::Luma([9]));
        assert_eq!(decoded_part(blank).dimensions(), (8, 0));
    }

    #[test]
    fn truncated_and_non_image_inputs_are_unsupported() {
        let bytes = png(8, 4);
        let err = decode_gray(&bytes[..bytes.len() / 2], &DecodeLimits::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::UnsupportedFormat);
        assert_eq!(
            decode_gray(b"%PDF-1.7", &DecodeLimits::default())
                .unwrap_err()
                .code(),
            ErrorCode::UnsupportedFormat
        );
        assert_eq!(
            decode_gray(b"\xFF\xD8\xFF\xE0", &DecodeLimits::default())
                .unwrap_err()
                .code(),
            ErrorCode::UnsupportedFormat
        );
    }
}
