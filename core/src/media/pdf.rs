//! The structure of a PDF: revisions (incremental updates), the producing
//! software and dates, signatures and what their byte ranges cover, pages,
//! embedded images and text-drawing operators — read with lopdf under
//! explicit limits.

use lopdf::{Document, LoadOptions, Object};
use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};

/// Limits applied while reading a PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdfLimits {
    /// Most pages read.
    pub max_pages: usize,
    /// Most bytes one stream may inflate to (object, xref and content streams).
    pub max_stream_bytes: usize,
    /// Most object streams a file may hold (so the per-stream limit bounds the total).
    pub max_object_streams: usize,
}

impl Default for PdfLimits {
    fn default() -> Self {
        PdfLimits {
            max_pages: 500,
            max_stream_bytes: 8 << 20,
            max_object_streams: 64,
        }
    }
}

/// A signature dictionary and what it signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PdfSignature {
    /// `[offset1 length1 offset2 length2]` as declared.
    pub byte_range: Vec<i64>,
    /// Whether the range reaches the end of the file: bytes after it were
    /// added after signing.
    pub covers_whole_file: bool,
}

/// What the structure of a PDF says.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PdfStructure {
    /// Header version, e.g. `1.7`.
    pub version: String,
    /// Number of pages.
    pub pages: usize,
    /// Saved revisions: 1 for a file written once, more after incremental
    /// updates (a linearised file's first-page section is not counted).
    pub revisions: usize,
    /// Info `Producer`.
    pub producer: Option<String>,
    /// Info `Creator`.
    pub creator: Option<String>,
    /// Info `CreationDate`, as written (`D:20261101090000Z`).
    pub created: Option<String>,
    /// Info `ModDate`, as written.
    pub modified: Option<String>,
    /// Signatures found.
    pub signatures: Vec<PdfSignature>,
    /// Whether the file is encrypted.
    pub encrypted: bool,
    /// Image XObjects.
    pub images: usize,
    /// Text-showing operators (`Tj`, `TJ`, `'`, `"`) over all pages read.
    pub text_operators: usize,
    /// Filled rectangles (`re` followed by a fill), the shape of a box drawn over content.
    pub filled_rectangles: usize,
    /// Text-showing operators drawn after a white filled rectangle on the
    /// same page: the mark of a value blanked out and typed over.
    pub text_over_white_boxes: usize,
    /// The text shown by those operators (the first 64 KiB, bytes read as
    /// Latin-1), for recognising the kind of document.
    pub text: String,
}

/// Most bytes of page text kept in [`PdfStructure::text`].
const MAX_TEXT: usize = 64 * 1024;

/// Whether the operands of a fill-colour operator name white.
fn is_white(operator: &str, operands: &[Object]) -> bool {
    let values: Vec<f32> = operands.iter().filter_map(|o| o.as_float().ok()).collect();
    match operator {
        "g" | "rg" => !values.is_empty() && values.iter().all(|v| *v >= 0.99),
        "k" => !values.is_empty() && values.iter().all(|v| *v <= 0.01),
        _ => false,
    }
}

/// Appends the strings an operator shows to `text`.
fn shown_text(operands: &[Object], text: &mut String) {
    for operand in operands {
        match operand {
            Object::String(bytes, _) => {
                text.extend(bytes.iter().map(|&b| char::from(b)));
            }
            Object::Array(items) => shown_text(items, text),
            _ => {}
        }
    }
}

fn too_large(message: String) -> Error {
    Error::new(ErrorCode::FileTooLarge, message)
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|window| *window == needle)
        .count()
}

fn text(object: &Object) -> Option<String> {
    match object {
        Object::String(bytes, _) => {
            // UTF-16BE with BOM, else PDFDocEncoding read as Latin-1.
            if let Some(utf16) = bytes.strip_prefix(&[0xFE, 0xFF]) {
                let units: Vec<u16> = utf16
                    .chunks_exact(2)
                    .map(|p| u16::from_be_bytes([p[0], p[1]]))
                    .collect();
                Some(String::from_utf16_lossy(&units))
            } else {
                Some(bytes.iter().map(|&b| char::from(b)).collect())
            }
        }
        _ => None,
    }
}

/// Reads the structure of a PDF.
///
/// An unreadable file is `UNSUPPORTED_FORMAT`; one over the limits (pages,
/// object streams, a stream inflating past its budget) is `FILE_TOO_LARGE`.
pub fn parse_pdf(bytes: &[u8], limits: &PdfLimits) -> Result<PdfStructure> {
    let object_streams = count(bytes, b"/ObjStm");
    if object_streams > limits.max_object_streams {
        return Err(too_large(format!(
            "PDF holds {object_streams} object streams; the limit is {}",
            limits.max_object_streams
        )));
    }
    let options = LoadOptions {
        max_decompressed_size: Some(limits.max_stream_bytes),
        ..LoadOptions::default()
    };
    let document = Document::load_mem_with_options(bytes, options).map_err(|err| {
        let message = err.to_string();
        if message.to_ascii_lowercase().contains("limit") {
            too_large(format!(
                "PDF stream exceeds {} bytes when inflated: {message}",
                limits.max_stream_bytes
            ))
        } else {
            Error::new(
                ErrorCode::UnsupportedFormat,
                format!("could not read PDF: {message}"),
            )
        }
    })?;
    let pages = document.get_pages();
    if pages.len() > limits.max_pages {
        return Err(too_large(format!(
            "PDF has {} pages; the limit is {}",
            pages.len(),
            limits.max_pages
        )));
    }

    let linearised = bytes
        .get(..1024.min(bytes.len()))
        .is_some_and(|head| count(head, b"/Linearized") > 0);
    let revisions = count(bytes, b"%%EOF")
        .saturating_sub(usize::from(linearised))
        .max(1);

    let info = document
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|info| match info {
            Object::Reference(id) => document.get_object(*id).ok(),
            other => Some(other),
        })
        .and_then(|info| info.as_dict().ok());
    let field = |key: &[u8]| info.and_then(|dict| dict.get(key).ok()).and_then(text);

    let mut signatures = Vec::new();
    let mut images = 0;
    for object in document.objects.values() {
        let dict = match object {
            Object::Dictionary(dict) => dict,
            Object::Stream(stream) => &stream.dict,
            _ => continue,
        };
        if dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|name| name == b"Image")
        {
            images += 1;
        }
        if let Ok(Object::Array(range)) = dict.get(b"ByteRange") {
            let byte_range: Vec<i64> = range.iter().filter_map(|v| v.as_i64().ok()).collect();
            let end = match byte_range.as_slice() {
                [_, _, start, length] => start.saturating_add(*length),
                _ => -1,
            };
            let covers_whole_file = usize::try_from(end).is_ok_and(|end| end == bytes.len());
            signatures.push(PdfSignature {
                byte_range,
                covers_whole_file,
            });
        }
    }

    let (mut text_operators, mut filled_rectangles, mut text_over_white_boxes) = (0, 0, 0);
    let mut shown = String::new();
    for page_id in pages.values() {
        let Ok(content) = document.get_page_content_with_limit(*page_id, limits.max_stream_bytes)
        else {
            return Err(too_large(format!(
                "a page's content exceeds {} bytes when inflated",
                limits.max_stream_bytes
            )));
        };
        let Ok(content) = lopdf::content::Content::decode(&content) else {
            continue;
        };
        let mut rectangle_pending = false;
        let (mut fill_white, mut white_box_drawn) = (false, false);
        for operation in &content.operations {
            match operation.operator.as_str() {
                "Tj" | "TJ" | "'" | "\"" => {
                    text_operators += 1;
                    if white_box_drawn {
                        text_over_white_boxes += 1;
                    }
                    if shown.len() < MAX_TEXT {
                        shown_text(&operation.operands, &mut shown);
                        shown.push(' ');
                    }
                }
                "g" | "rg" | "k" => fill_white = is_white(&operation.operator, &operation.operands),
                "re" => rectangle_pending = true,
                "f" | "F" | "f*" | "B" | "B*" if rectangle_pending => {
                    filled_rectangles += 1;
                    white_box_drawn |= fill_white;
                    rectangle_pending = false;
                }
                "S" | "n" | "s" => rectangle_pending = false,
                _ => {}
            }
        }
    }

    Ok(PdfStructure {
        version: document.version.clone(),
        pages: pages.len(),
        revisions,
        producer: field(b"Producer"),
        creator: field(b"Creator"),
        created: field(b"CreationDate"),
        modified: field(b"ModDate"),
        signatures,
        encrypted: document.is_encrypted(),
        images,
        text_operators,
        filled_rectangles,
        text_over_white_boxes,
        text: shown.chars().take(MAX_TEXT).collect(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A one-page PDF written object by object (uncompressed content), with
    /// an Info dictionary.
    pub(crate) fn simple_pdf(content: &str, producer: &str) -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_owned(),
            format!(
                "<< /Length {} >>\nstream\n{content}\nendstream",
                content.len() + 1
            ),
            format!("<< /Producer ({producer}) /CreationDate (D:20261101090000Z) >>"),
        ];
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (number, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", number + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for offset in offsets {
            out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    /// Appends an incremental update that replaces the Info dictionary.
    pub(crate) fn incremental_update(mut pdf: Vec<u8>, producer: &str) -> Vec<u8> {
        let previous = String::from_utf8_lossy(&pdf)
            .rsplit("startxref\n")
            .next()
            .and_then(|rest| rest.lines().next())
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap();
        let offset = pdf.len();
        pdf.extend_from_slice(
            format!("5 0 obj\n<< /Producer ({producer}) /ModDate (D:20261120100000Z) >>\nendobj\n")
                .as_bytes(),
        );
        let xref = pdf.len();
        pdf.extend_from_slice(
            format!(
                "xref\n5 1\n{offset:010} 00000 n \ntrailer\n<< /Size 6 /Root 1 0 R /Info 5 0 R /Prev {previous} >>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
        pdf
    }

    #[test]
    fn pages_producer_dates_and_text_are_read() {
        let pdf = simple_pdf(
            "BT /F1 12 Tf 56 780 Td (Hello) Tj ET",
            "Veriscope test writer",
        );
        let structure = parse_pdf(&pdf, &PdfLimits::default()).unwrap();
        assert_eq!(structure.version, "1.7");
        assert_eq!(structure.pages, 1);
        assert_eq!(structure.revisions, 1);
        assert_eq!(structure.producer.as_deref(), Some("Veriscope test writer"));
        assert_eq!(structure.created.as_deref(), Some("D:20261101090000Z"));
        assert_eq!(structure.text_operators, 1);
        assert_eq!(structure.filled_rectangles, 0);
    }

    #[test]
    fn an_incremental_update_is_a_second_revision_with_the_new_producer() {
        let pdf = incremental_update(
            simple_pdf("BT (x) Tj ET", "Bank statement generator"),
            "Adobe Acrobat Pro",
        );
        let structure = parse_pdf(&pdf, &PdfLimits::default()).unwrap();
        assert_eq!(structure.revisions, 2);
        assert_eq!(structure.producer.as_deref(), Some("Adobe Acrobat Pro"));
        assert_eq!(structure.modified.as_deref(), Some("D:20261120100000Z"));
    }

    #[test]
    fn a_signature_not_reaching_the_end_of_the_file_is_reported() {
        let signed = simple_pdf("BT (x) Tj ET", "x");
        let mut pdf = signed.clone();
        let length = signed.len() as i64;
        let offset = pdf.len();
        let previous = String::from_utf8_lossy(&signed)
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned();
        pdf.extend_from_slice(
            format!(
                "6 0 obj\n<< /Type /Sig /ByteRange [0 100 200 {}] >>\nendobj\n",
                length - 200
            )
            .as_bytes(),
        );
        let xref = pdf.len();
        pdf.extend_from_slice(
            format!("xref\n6 1\n{offset:010} 00000 n \ntrailer\n<< /Size 7 /Root 1 0 R /Prev {previous} >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        let structure = parse_pdf(&pdf, &PdfLimits::default()).unwrap();
        assert_eq!(structure.signatures.len(), 1);
        assert_eq!(
            structure.signatures[0].byte_range,
            [0, 100, 200, length - 200]
        );
        assert!(
            !structure.signatures[0].covers_whole_file,
            "the signature's range ends before the update"
        );
        assert_eq!(structure.revisions, 2);
    }

    #[test]
    fn a_white_box_drawn_over_text_is_counted() {
        let pdf = simple_pdf(
            "BT (4,065.80) Tj ET 1 1 1 rg 50 700 120 14 re f BT (9,065.80) Tj ET",
            "x",
        );
        let structure = parse_pdf(&pdf, &PdfLimits::default()).unwrap();
        assert_eq!(
            (
                structure.text_operators,
                structure.filled_rectangles,
                structure.text_over_white_boxes
            ),
            (2, 1, 1)
        );
        assert_eq!(structure.text, "4,065.80 9,065.80 ");
        // A dark box (a table header) before text is not an overlay.
        let pdf = simple_pdf("0.2 0.3 0.5 rg 50 700 120 14 re f BT (Total) Tj ET", "x");
        let structure = parse_pdf(&pdf, &PdfLimits::default()).unwrap();
        assert_eq!(structure.text_over_white_boxes, 0);
    }

    #[test]
    fn limits_and_unreadable_files_give_typed_errors() {
        let pdf = simple_pdf("BT (x) Tj ET", "x");
        let limits = PdfLimits {
            max_pages: 0,
            ..PdfLimits::default()
        };
        assert_eq!(
            parse_pdf(&pdf, &limits).unwrap_err().code(),
            ErrorCode::FileTooLarge
        );
        let limits = PdfLimits {
            max_object_streams: 0,
            ..PdfLimits::default()
        };
        let with_objstm = [pdf.as_slice(), b"% /ObjStm\n"].concat();
        assert_eq!(
            parse_pdf(&with_objstm, &limits).unwrap_err().code(),
            ErrorCode::FileTooLarge
        );
        assert_eq!(
            parse_pdf(b"%PDF-1.7\ngarbage", &PdfLimits::default())
                .unwrap_err()
                .code(),
            ErrorCode::UnsupportedFormat
        );
    }

    #[test]
    fn the_sample_statement_reads() {
        let bytes = include_bytes!("../../../examples/samples/bank-statement.pdf");
        let structure = parse_pdf(bytes, &PdfLimits::default()).unwrap();
        assert_eq!(structure.pages, 1);
        assert!(structure.text_operators >= 5);
        assert_eq!(
            structure.producer.as_deref(),
            Some("Veriscope sample generator")
        );
    }
}
