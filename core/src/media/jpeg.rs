//! The structure of a JPEG file: its markers, quantisation tables, frame,
//! application segments and what follows the end-of-image marker.
//!
//! Written by hand because the decoders (zune-jpeg, jpeg-decoder) do not
//! expose quantisation tables or segment layout, and the one crate that
//! exposes DCT coefficients (`dct-io`) reads baseline files only. This module
//! walks the marker segments, never the entropy-coded data beyond skipping
//! it, so it is cheap and safe on hostile input: every length is checked
//! against the bytes present, and counts are bounded.

use serde::Serialize;

use super::dct::ZIGZAG_TO_NATURAL;
use crate::error::{Error, ErrorCode, Result};

/// Most segments read before giving up (a real file has a few dozen).
const MAX_SEGMENTS: usize = 4096;

/// The standard luminance quantisation table of the JPEG specification
/// (Annex K), in zig-zag order, as libjpeg and most encoders scale it.
const STANDARD_LUMINANCE: [u16; 64] = [
    16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37,
    29, 40, 58, 51, 61, 60, 57, 51, 56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81,
    87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
];

/// A quantisation table as stored (zig-zag order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuantizationTable {
    /// Table slot, 0–3 (0 is conventionally luminance).
    pub id: u8,
    /// 8 or 16 bits per value.
    pub precision_bits: u8,
    /// The 64 divisors, in zig-zag order.
    pub values: Vec<u16>,
}

impl QuantizationTable {
    /// The divisors in natural (row-major) order, as a block's coefficients
    /// are laid out.
    pub fn natural_order(&self) -> [u16; 64] {
        natural_order(&self.values)
    }
}

/// A table given in zig-zag order (as files and [`libjpeg_luminance_table`]
/// give it) in natural row-major order; entries a short table lacks are 1.
pub fn natural_order(zigzag: &[u16]) -> [u16; 64] {
    let mut natural = [1u16; 64];
    for (index, &value) in zigzag.iter().enumerate().take(64) {
        natural[ZIGZAG_TO_NATURAL[index]] = value;
    }
    natural
}

/// The quality a table corresponds to, on libjpeg's 1–100 scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QualityEstimate {
    /// The closest libjpeg quality.
    pub quality: u8,
    /// Whether the table is exactly libjpeg's standard table at that quality
    /// (the mark of common software re-saving the image).
    pub standard: bool,
    /// Mean absolute difference from that standard table.
    pub distance: f32,
}

/// An application (APPn) or comment segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    /// The marker, e.g. `0xE1` for APP1.
    pub marker: u8,
    /// Where its payload starts.
    pub offset: usize,
    /// Payload length in bytes.
    pub length: usize,
    /// The identifier that opens the payload (`Exif`, `JFIF`,
    /// `http://ns.adobe.com/xap/1.0/`, ...), if printable.
    pub identifier: String,
}

/// What the markers of a JPEG file say.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JpegStructure {
    /// Width from the frame header.
    pub width: u16,
    /// Height from the frame header.
    pub height: u16,
    /// Colour components (1 gray, 3 YCbCr, 4 CMYK).
    pub components: u8,
    /// Progressive (SOF2) rather than baseline or extended sequential.
    pub progressive: bool,
    /// Every quantisation table defined (a redefinition appears twice).
    pub quantization_tables: Vec<QuantizationTable>,
    /// Application and comment segments, in file order.
    pub segments: Vec<Segment>,
    /// Number of scans (SOS markers).
    pub scans: usize,
    /// Bytes after the end-of-image marker.
    pub trailing_bytes: usize,
    /// Whether an end-of-image marker was found at all.
    pub complete: bool,
}

fn malformed(message: impl Into<String>) -> Error {
    Error::new(
        ErrorCode::UnsupportedFormat,
        format!("malformed JPEG: {}", message.into()),
    )
}

impl JpegStructure {
    /// The segment payload bytes of `segment` within `bytes` (the file it was read from).
    pub fn payload<'a>(&self, bytes: &'a [u8], segment: &Segment) -> &'a [u8] {
        bytes
            .get(segment.offset..segment.offset + segment.length)
            .unwrap_or(&[])
    }

    /// The luminance table (slot 0, last definition), if any.
    pub fn luminance_table(&self) -> Option<&QuantizationTable> {
        self.quantization_tables
            .iter()
            .rev()
            .find(|table| table.id == 0)
    }

    /// The libjpeg quality the luminance table corresponds to.
    pub fn quality(&self) -> Option<QualityEstimate> {
        self.luminance_table()
            .map(|table| estimate_quality(&table.values))
    }
}

/// libjpeg's luminance table for `quality` (1–100), zig-zag order: the
/// Annex K table scaled as `cjpeg -quality` does.
pub fn libjpeg_luminance_table(quality: u8) -> [u16; 64] {
    let quality = u32::from(quality.clamp(1, 100));
    let scale = if quality < 50 {
        5000 / quality
    } else {
        200 - 2 * quality
    };
    STANDARD_LUMINANCE.map(|value| ((u32::from(value) * scale + 50) / 100).clamp(1, 255) as u16)
}

/// The libjpeg quality whose luminance table is closest to `values`.
pub fn estimate_quality(values: &[u16]) -> QualityEstimate {
    let mut best = QualityEstimate {
        quality: 0,
        standard: false,
        distance: f32::MAX,
    };
    for quality in 1..=100u8 {
        let table = libjpeg_luminance_table(quality);
        let distance = table
            .iter()
            .zip(values)
            .map(|(a, b)| (f32::from(*a) - f32::from(*b)).abs())
            .sum::<f32>()
            / 64.0;
        if distance < best.distance {
            best = QualityEstimate {
                quality,
                standard: distance == 0.0,
                distance,
            };
        }
    }
    best
}

/// Walks the markers of a JPEG file.
///
/// A file that does not start with SOI, a segment running past the end of
/// the data, or more than 4096 segments is `UNSUPPORTED_FORMAT`; a file cut
/// short inside the entropy-coded data reads as `complete: false`.
pub fn parse_jpeg(bytes: &[u8]) -> Result<JpegStructure> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(malformed("no start-of-image marker"));
    }
    let mut structure = JpegStructure {
        width: 0,
        height: 0,
        components: 0,
        progressive: false,
        quantization_tables: Vec::new(),
        segments: Vec::new(),
        scans: 0,
        trailing_bytes: 0,
        complete: false,
    };
    let mut at = 2;
    for _ in 0..MAX_SEGMENTS {
        // Markers may be padded with any number of 0xFF bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return Ok(structure); // ran out of data: an incomplete file
        };
        at += 2;
        match marker {
            0xD9 => {
                structure.complete = true;
                structure.trailing_bytes = bytes.len() - at;
                return Ok(structure);
            }
            0x01 | 0xD0..=0xD7 => continue, // no length
            _ => {}
        }
        let length = match bytes.get(at..at + 2) {
            Some(&[high, low]) => usize::from(u16::from_be_bytes([high, low])),
            _ => return Ok(structure),
        };
        if length < 2 {
            return Err(malformed(format!(
                "segment 0x{marker:02X} declares length {length}"
            )));
        }
        let payload = bytes.get(at + 2..at + length).ok_or_else(|| {
            malformed(format!(
                "segment 0x{marker:02X} runs past the end of the file"
            ))
        })?;
        match marker {
            0xDB => read_quantization(payload, &mut structure.quantization_tables)?,
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                if payload.len() < 6 {
                    return Err(malformed("frame header too short"));
                }
                structure.height = u16::from_be_bytes([payload[1], payload[2]]);
                structure.width = u16::from_be_bytes([payload[3], payload[4]]);
                structure.components = payload[5];
                structure.progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
            }
            0xE0..=0xEF | 0xFE => {
                let identifier: String = payload
                    .iter()
                    .take_while(|&&b| b != 0)
                    .take(40)
                    .map(|&b| char::from(b))
                    .collect();
                let printable =
                    marker != 0xFE && identifier.chars().all(|c| c.is_ascii_graphic() || c == ' ');
                structure.segments.push(Segment {
                    marker,
                    offset: at + 2,
                    length: payload.len(),
                    identifier: if printable { identifier } else { String::new() },
                });
            }
            _ => {}
        }
        at += length;
        if marker == 0xDA {
            structure.scans += 1;
            at = skip_entropy_coded(bytes, at);
        }
    }
    Err(malformed(format!("more than {MAX_SEGMENTS} segments")))
}

pub(crate) fn read_quantization(
    mut payload: &[u8],
    tables: &mut Vec<QuantizationTable>,
) -> Result<()> {
    while let Some((&info, rest)) = payload.split_first() {
        let (precision_bits, id) = (if info >> 4 == 0 { 8 } else { 16 }, info & 0x0F);
        let size = 64 * usize::from(precision_bits / 8);
        let data = rest
            .get(..size)
            .ok_or_else(|| malformed("quantisation table cut short"))?;
        let values = if precision_bits == 8 {
            data.iter().map(|&v| u16::from(v)).collect()
        } else {
            data.chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect()
        };
        if id > 3 || tables.len() >= 64 {
            return Err(malformed(format!(
                "quantisation table slot {id} or too many tables"
            )));
        }
        tables.push(QuantizationTable {
            id,
            precision_bits,
            values,
        });
        payload = &rest[size..];
    }
    Ok(())
}

/// The offset of the next marker after entropy-coded data starting at `at`
/// (0xFF followed by 0x00 is a stuffed byte, 0xFF D0–D7 a restart marker).
pub(crate) fn skip_entropy_coded(bytes: &[u8], mut at: usize) -> usize {
    while at + 1 < bytes.len() {
        if bytes[at] == 0xFF && bytes[at + 1] != 0x00 && !(0xD0..=0xD7).contains(&bytes[at + 1]) {
            return at;
        }
        at += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::jpeg::JpegEncoder;

    fn jpeg(quality: u8) -> Vec<u8> {
        let image = image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x + y) * 2) as u8])
        });
        let mut bytes = Vec::new();
        JpegEncoder::new_with_quality(&mut bytes, quality)
            .encode_image(&image)
            .unwrap();
        bytes
    }

    #[test]
    fn frame_tables_and_scans_are_read() {
        let structure = parse_jpeg(&jpeg(90)).unwrap();
        assert_eq!(
            (structure.width, structure.height, structure.components),
            (64, 48, 3)
        );
        assert!(!structure.progressive);
        assert!(structure.complete);
        assert_eq!(structure.scans, 1);
        assert_eq!(structure.trailing_bytes, 0);
        assert!(structure.quantization_tables.len() >= 2);
    }

    #[test]
    fn libjpeg_style_qualities_are_estimated_exactly() {
        for quality in [30u8, 60, 75, 90, 95] {
            let estimate = parse_jpeg(&jpeg(quality)).unwrap().quality().unwrap();
            assert_eq!(estimate.quality, quality);
            assert!(estimate.standard, "{quality}: {estimate:?}");
        }
    }

    #[test]
    fn a_custom_table_is_not_standard() {
        let mut custom = libjpeg_luminance_table(85);
        custom[0] += 3;
        custom[10] = custom[10].saturating_sub(2).max(1);
        let estimate = estimate_quality(&custom);
        assert_eq!(estimate.quality, 85);
        assert!(!estimate.standard);
    }

    #[test]
    fn data_after_the_end_marker_is_counted() {
        let mut bytes = jpeg(80);
        bytes.extend_from_slice(b"PK\x03\x04hidden archive");
        assert_eq!(parse_jpeg(&bytes).unwrap().trailing_bytes, 18);
    }

    #[test]
    fn truncated_and_hostile_files_fail_cleanly() {
        let bytes = jpeg(80);
        let cut = parse_jpeg(&bytes[..bytes.len() - 40]).unwrap();
        assert!(!cut.complete);
        assert_eq!(
            parse_jpeg(b"\x89PNG").unwrap_err().code(),
            ErrorCode::UnsupportedFormat
        );
        // A segment declaring more bytes than the file holds.
        let err = parse_jpeg(b"\xFF\xD8\xFF\xE1\xFF\xFFExif").unwrap_err();
        assert!(err.message().contains("past the end"), "{}", err.message());
        // A quantisation segment declaring a table it does not hold.
        assert!(parse_jpeg(b"\xFF\xD8\xFF\xDB\x00\x05\x00\x01\x02").is_err());
        // Thousands of empty segments.
        let mut many = b"\xFF\xD8".to_vec();
        for _ in 0..5000 {
            many.extend_from_slice(b"\xFF\xFE\x00\x02");
        }
        assert!(
            parse_jpeg(&many)
                .unwrap_err()
                .message()
                .contains("more than")
        );
    }

    #[test]
    fn application_segments_are_listed_with_their_identifiers() {
        let mut bytes = jpeg(80);
        let exif = b"\xFF\xE1\x00\x10Exif\x00\x00MM\x00\x2A\x00\x00\x00\x08";
        bytes.splice(2..2, exif.iter().copied());
        let structure = parse_jpeg(&bytes).unwrap();
        let exif = structure
            .segments
            .iter()
            .find(|s| s.marker == 0xE1)
            .unwrap();
        assert_eq!(exif.identifier, "Exif");
        assert_eq!(&structure.payload(&bytes, exif)[..4], b"Exif");
    }
}
