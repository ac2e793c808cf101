//! Format detection from magic bytes, never from names or declared types.
//!
//! Written by hand: the crates that sniff formats (`infer`, `file-format`)
//! answer with MIME types, while the APIs' errors need a plain name of what
//! was found ("GIF", "HEIC", "empty file") and a strict notion of which
//! signatures count. The table below is the whole of it.

use crate::error::{Error, ErrorCode, Result};
use crate::model::DocumentFormat;

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// One of the accepted formats.
    Supported(DocumentFormat),
    /// Something else, named for an error message ("GIF", "empty file", ...).
    Unsupported(&'static str),
}

/// How far into a file a `%PDF-` header may start. Readers accept leading
/// junk before it (mail gateways, print spoolers add some), so we do too.
const PDF_HEADER_WINDOW: usize = 1024;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Names the format of `bytes` from its signature.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    use DocumentFormat::*;
    use Sniffed::*;

    if bytes.is_empty() {
        return Unsupported("empty file");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Supported(Jpeg);
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return Supported(Png);
    }
    let head = &bytes[..bytes.len().min(PDF_HEADER_WINDOW)];
    if head.windows(5).any(|window| window == b"%PDF-") {
        return Supported(Pdf);
    }
    Unsupported(name_of_other(bytes))
}

fn name_of_other(bytes: &[u8]) -> &'static str {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return "GIF";
    }
    if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return "WebP";
    }
    if bytes.get(4..8) == Some(b"ftyp") {
        return match bytes.get(8..12) {
            Some(b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1") => {
                "HEIC"
            }
            Some(b"avif" | b"avis") => "AVIF",
            Some(b"jxl ") => "JPEG XL",
            _ => "MP4/QuickTime video",
        };
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return "TIFF";
    }
    if starts(b"BM") && bytes.len() >= 14 {
        return "BMP";
    }
    if starts(b"\0\0\0\x0CjP  ") || starts(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return "JPEG 2000";
    }
    if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0CJXL ") {
        return "JPEG XL";
    }
    if starts(&[0xFF, 0xD8]) {
        return "truncated JPEG";
    }
    if starts(b"8BPS") {
        return "Photoshop PSD";
    }
    if starts(b"PK\x03\x04") {
        return "ZIP archive";
    }
    if starts(&[0x1F, 0x8B]) {
        return "gzip archive";
    }
    if starts(&[0, 0, 1, 0]) {
        return "ICO";
    }
    let text = trim_text_start(bytes);
    let lower: Vec<u8> = text.iter().take(15).map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"<svg") || (lower.starts_with(b"<?xml") && contains(bytes, b"<svg")) {
        return "SVG";
    }
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        return "HTML";
    }
    if lower.starts_with(b"<?xml") {
        return "XML";
    }
    if lower.starts_with(b"data:") {
        return "data URL text (send it as base64 input instead)";
    }
    if looks_like_text(bytes) {
        return "text";
    }
    "unrecognised binary data"
}

fn trim_text_start(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .take(4096)
        .any(|window| window == needle)
}

fn looks_like_text(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(512)];
    std::str::from_utf8(sample).is_ok_and(|text| {
        text.chars()
            .all(|c| !c.is_control() || c.is_ascii_whitespace())
    })
}

/// The accepted format of `bytes`, or `UNSUPPORTED_FORMAT` naming what was found.
pub fn detect_format(bytes: &[u8]) -> Result<DocumentFormat> {
    match sniff(bytes) {
        Sniffed::Supported(format) => Ok(format),
        Sniffed::Unsupported(found) => Err(Error::new(
            ErrorCode::UnsupportedFormat,
            format!("unsupported format: found {found}; expected JPEG, PNG or PDF"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_signatures_are_recognised() {
        assert_eq!(
            sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"),
            Sniffed::Supported(DocumentFormat::Jpeg)
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0"),
            Sniffed::Supported(DocumentFormat::Png)
        );
        assert_eq!(
            sniff(b"%PDF-1.7\n"),
            Sniffed::Supported(DocumentFormat::Pdf)
        );
        assert_eq!(
            sniff(b"junk\r\n%PDF-1.4"),
            Sniffed::Supported(DocumentFormat::Pdf)
        );
    }

    #[test]
    fn a_pdf_header_past_the_window_is_not_a_pdf() {
        let mut bytes = vec![b' '; PDF_HEADER_WINDOW];
        bytes.extend_from_slice(b"%PDF-1.4");
        assert_eq!(sniff(&bytes), Sniffed::Unsupported("text"));
    }

    #[test]
    fn other_formats_are_named() {
        let cases: [(&[u8], &str); 13] = [
            (b"", "empty file"),
            (b"GIF89a\x01\0", "GIF"),
            (b"RIFF\0\0\0\0WEBPVP8 ", "WebP"),
            (b"\0\0\0\x18ftypheic\0\0\0\0", "HEIC"),
            (b"\0\0\0\x1cftypavif\0\0\0\0", "AVIF"),
            (b"II*\0\x08\0\0\0", "TIFF"),
            (b"BM\x36\0\0\0\0\0\0\0\x36\0\0\0", "BMP"),
            (b"\xFF\xD8", "truncated JPEG"),
            (b"PK\x03\x04\x14\0", "ZIP archive"),
            (b"<!DOCTYPE html><html>", "HTML"),
            (b"  <svg xmlns=", "SVG"),
            (b"hello, world\n", "text"),
            (b"\0\x01\x02\x03\x04", "unrecognised binary data"),
        ];
        for (bytes, name) in cases {
            assert_eq!(sniff(bytes), Sniffed::Unsupported(name), "{bytes:?}");
        }
    }

    #[test]
    fn a_misnamed_gif_is_rejected_with_its_real_name() {
        let err = detect_format(b"GIF89a....").unwrap_err();
        assert_eq!(err.code(), ErrorCode::UnsupportedFormat);
        assert_eq!(
            err.message(),
            "unsupported format: found GIF; expected JPEG, PNG or PDF"
        );
    }
}
