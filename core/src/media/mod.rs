//! Bytes to things: what a file is, and its pixels, under explicit limits.

mod decode;
mod format;
mod jpeg;

pub use decode::{DecodeLimits, decode_gray};
pub use format::{Sniffed, detect_format, sniff};
pub use jpeg::{
    JpegStructure, QualityEstimate, QuantizationTable, Segment, estimate_quality, parse_jpeg,
};
