//! Edits to a PDF: revisions saved after the first, tools that edit rather
//! than create PDFs, a modification long after creation, values blanked out
//! with white boxes and typed over, signatures that no longer cover the file.

use crate::media::PdfStructure;

use super::Signal;

/// Lower-case fragments of producer or creator names of PDF editors and
/// online editing services.
pub const PDF_EDITORS: [&str; 14] = [
    "ilovepdf",
    "smallpdf",
    "sejda",
    "pdfescape",
    "pdf-xchange editor",
    "phantompdf",
    "foxit pdf editor",
    "nitro",
    "pdfelement",
    "pdf editor",
    "photoshop",
    "canva",
    "inkscape",
    "libreoffice draw",
];

/// Weight of each flag in the (uncalibrated) statistic.
const WEIGHTS: [(&str, f64); 5] = [
    ("signature_not_covering", 0.8),
    ("text_over_box", 0.7),
    ("incremental_update", 0.5),
    ("editing_software", 0.5),
    ("modified_after_creation", 0.3),
];

/// Days between creation and modification allowed before it counts.
const MODIFIED_SLACK_DAYS: i64 = 1;

/// `D:YYYYMMDD...` as a day number (31-day months: differences only).
fn pdf_day(date: &str) -> Option<i64> {
    let digits = date.strip_prefix("D:").unwrap_or(date);
    let number = |range: std::ops::Range<usize>| digits.get(range)?.parse::<i64>().ok();
    Some(number(0..4)? * 372 + number(4..6).unwrap_or(1) * 31 + number(6..8).unwrap_or(1))
}

/// The PDF-edit signal of a parsed PDF.
pub fn pdf_signal(pdf: &PdfStructure) -> Signal {
    let mut flags: Vec<String> = Vec::new();
    if pdf.signatures.iter().any(|s| !s.covers_whole_file) {
        flags.push("signature_not_covering".into());
    }
    if pdf.text_over_white_boxes > 0 {
        flags.push("text_over_box".into());
    }
    // A signed file's own signature revision is expected.
    if pdf.revisions > 1 + usize::from(!pdf.signatures.is_empty()) {
        flags.push("incremental_update".into());
    }
    let names = [pdf.producer.as_deref(), pdf.creator.as_deref()];
    if super::names_an_editor(&names, &PDF_EDITORS) {
        flags.push("editing_software".into());
    }
    if let (Some(created), Some(modified)) = (
        pdf.created.as_deref().and_then(pdf_day),
        pdf.modified.as_deref().and_then(pdf_day),
    ) && modified - created > MODIFIED_SLACK_DAYS
    {
        flags.push("modified_after_creation".into());
    }
    let statistic = super::flag_statistic(&flags, &WEIGHTS);
    Signal {
        name: "pdf",
        statistic,
        applicable: true,
        flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::pdf_test_support::{incremental_update, simple_pdf};
    use crate::media::{PdfLimits, parse_pdf};

    fn signal(bytes: &[u8]) -> Signal {
        pdf_signal(&parse_pdf(bytes, &PdfLimits::default()).unwrap())
    }

    #[test]
    fn a_statement_written_once_is_clean() {
        let pdf = simple_pdf(
            "0.2 g 40 700 500 20 re f BT (Balance 1,200.00) Tj ET",
            "Veriscope Bank",
        );
        let signal = signal(&pdf);
        assert!(signal.flags.is_empty(), "{:?}", signal.flags);
        assert_eq!(signal.statistic, 0.0);
    }

    #[test]
    fn an_edited_statement_shows_each_edit() {
        let pdf = simple_pdf(
            "BT (1,200.00) Tj ET 1 g 40 700 80 14 re f BT (9,200.00) Tj ET",
            "Bank",
        );
        let edited = incremental_update(pdf, "iLovePDF");
        let signal = signal(&edited);
        assert_eq!(
            signal.flags,
            ["text_over_box", "incremental_update", "editing_software"]
        );
        assert!(signal.statistic > 0.9);
    }

    #[test]
    fn dates_and_signatures_are_checked() {
        let mut pdf =
            parse_pdf(&simple_pdf("BT (x) Tj ET", "Bank"), &PdfLimits::default()).unwrap();
        pdf.modified = Some("D:20261120100000Z".into());
        assert_eq!(pdf_signal(&pdf).flags, ["modified_after_creation"]);
        pdf.modified = Some("D:20261101180000Z".into());
        pdf.signatures.push(crate::media::PdfSignature {
            byte_range: vec![0, 10, 20, 30],
            covers_whole_file: false,
        });
        pdf.revisions = 2;
        assert_eq!(pdf_signal(&pdf).flags, ["signature_not_covering"]);
    }
}
