//! Bytes to things: what a file is, and its pixels, under explicit limits.

mod dct;
mod decode;
mod format;
mod jpeg;
mod luma;
mod metadata;
mod pdf;

pub use dct::{DctPlane, ZIGZAG_TO_NATURAL, read_dct};
pub use decode::{DecodeLimits, decode_gray, decode_rgb_upright, decoded_part};
pub use format::{Sniffed, detect_format, sniff};
pub use jpeg::{
    JpegStructure, QualityEstimate, QuantizationTable, Segment, estimate_quality,
    libjpeg_luminance_table, natural_order, parse_jpeg,
};
pub use metadata::{ImageMetadata, jpeg_metadata};
pub use pdf::{PdfLimits, PdfSignature, PdfStructure, parse_pdf};

/// Builders of JPEG test inputs (EXIF segments), shared by the signals' tests.
#[cfg(test)]
pub(crate) use metadata::tests as metadata_test_support;
/// Builders of PDF test inputs, shared by the signals' tests.
#[cfg(test)]
pub(crate) use pdf::tests as pdf_test_support;
