//! Bytes to things: what a file is, and its pixels, under explicit limits.

// Format sniffing is always there (validation needs it); the decoders come
// with the features that look at pixels or pages.
#[cfg(feature = "decoders")]
mod dct;
#[cfg(feature = "decoders")]
mod decode;
mod format;
#[cfg(feature = "decoders")]
mod jpeg;
#[cfg(feature = "decoders")]
mod luma;
#[cfg(feature = "decoders")]
mod metadata;
#[cfg(feature = "decoders")]
mod pdf;

#[cfg(feature = "decoders")]
pub use dct::{DctPlane, ZIGZAG_TO_NATURAL, read_dct};
#[cfg(feature = "decoders")]
pub use decode::{DecodeLimits, decode_gray, decode_rgb_upright, decoded_part};
pub use format::{Sniffed, detect_format, sniff};
#[cfg(feature = "decoders")]
pub use jpeg::{
    JpegStructure, QualityEstimate, QuantizationTable, Segment, estimate_quality,
    libjpeg_luminance_table, natural_order, parse_jpeg,
};
#[cfg(feature = "decoders")]
pub use metadata::{ImageMetadata, jpeg_metadata};
#[cfg(feature = "decoders")]
pub use pdf::{PdfLimits, PdfSignature, PdfStructure, parse_pdf};

/// Builders of JPEG test inputs (EXIF segments), shared by the signals' tests.
#[cfg(all(test, feature = "forensics"))]
pub(crate) use metadata::tests as metadata_test_support;
/// Builders of PDF test inputs, shared by the signals' tests.
#[cfg(all(test, feature = "forensics"))]
pub(crate) use pdf::tests as pdf_test_support;
