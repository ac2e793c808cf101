//! What kind of document it is, from what can be seen without OCR: an MRZ
//! (read by [`crate::mrz`]), the shape of a card or passport page, and for
//! PDFs the words on the page.

use crate::model::DocumentType;

/// ID-1 cards (85.60 x 53.98 mm).
const CARD_ASPECT: f64 = 85.60 / 53.98;

/// Keywords of each kind of document, upper case, as they appear in page
/// text (English and Indonesian).
const KEYWORDS: [(DocumentType, &[&str]); 5] = [
    (
        DocumentType::Financial,
        &[
            "IBAN",
            "STATEMENT",
            "BALANCE",
            "ACCOUNT NO",
            "SORT CODE",
            "REKENING",
            "SALDO",
            "MUTASI",
            "OPENING BALANCE",
            "CLOSING BALANCE",
            "DEBIT",
            "CREDIT",
        ],
    ),
    (
        DocumentType::UtilityBill,
        &[
            "KWH",
            "ELECTRICITY",
            "METER",
            "TARIFF",
            "WATER",
            "GAS SUPPLY",
            "UTILITY",
            "TAGIHAN",
            "PLN",
            "PDAM",
            "BILLING PERIOD",
            "AMOUNT DUE",
        ],
    ),
    (
        DocumentType::Id,
        &[
            "NIK",
            "PROVINSI",
            "KARTU TANDA PENDUDUK",
            "IDENTITY CARD",
            "KABUPATEN",
            "KECAMATAN",
        ],
    ),
    (DocumentType::Passport, &["PASSPORT", "PASPOR", "PASSEPORT"]),
    (
        DocumentType::DriversLicense,
        &[
            "DRIVING LICENCE",
            "DRIVER LICENSE",
            "DRIVER'S LICENSE",
            "SURAT IZIN MENGEMUDI",
        ],
    ),
];

/// The document type named by page text, when one kind's keywords clearly
/// outnumber the others'.
pub fn type_from_text(text: &str) -> Option<DocumentType> {
    let upper = text.to_ascii_uppercase();
    let mut scores: Vec<(DocumentType, usize)> = KEYWORDS
        .iter()
        .map(|(kind, words)| {
            let hits = words
                .iter()
                .filter(|word| contains_word(&upper, word))
                .count();
            (*kind, hits)
        })
        .collect();
    scores.sort_by_key(|score| std::cmp::Reverse(score.1));
    match scores.as_slice() {
        [(kind, best), (_, second), ..] if *best > 0 && *best > *second => Some(*kind),
        _ => None,
    }
}

/// Whether `word` occurs in `text` between non-alphanumeric characters.
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// The document type suggested by an image's shape alone: a card of ID-1
/// proportions is an identity card. (A passport page, 125 x 88 mm, has the
/// proportions of A4 paper, so only its MRZ or text can tell.)
pub fn type_from_shape(width: u32, height: u32) -> Option<DocumentType> {
    if width == 0 || height == 0 {
        return None;
    }
    let aspect = f64::from(width.max(height)) / f64::from(width.min(height));
    ((aspect - CARD_ASPECT).abs() < 0.06).then_some(DocumentType::Id)
}

/// Whether an image's shape could hold an MRZ worth looking for.
pub fn may_carry_mrz(width: u32, height: u32) -> bool {
    if width == 0 || height == 0 {
        return false;
    }
    let aspect = f64::from(width.max(height)) / f64::from(width.min(height));
    (1.2..=1.8).contains(&aspect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_text_names_the_kind_of_document() {
        assert_eq!(
            type_from_text("Statement of account  IBAN GB33 BUKB  Opening balance 1,200.00"),
            Some(DocumentType::Financial)
        );
        assert_eq!(
            type_from_text("Electricity bill. Meter 1234, 312 kWh, amount due"),
            Some(DocumentType::UtilityBill)
        );
        assert_eq!(
            type_from_text("PROVINSI DKI JAKARTA  NIK : 3171234567890001"),
            Some(DocumentType::Id)
        );
        // Words inside other words do not count; a tie is no answer.
        assert_eq!(type_from_text("UNIKUM DEBITUR"), None);
        assert_eq!(type_from_text("PASSPORT IBAN"), None);
    }

    #[test]
    fn card_shapes_are_recognised_either_way_up() {
        assert_eq!(type_from_shape(856, 540), Some(DocumentType::Id));
        assert_eq!(type_from_shape(540, 856), Some(DocumentType::Id));
        assert_eq!(type_from_shape(1250, 880), None);
        assert_eq!(type_from_shape(1240, 1754), None); // A4
        assert!(may_carry_mrz(1250, 880) && !may_carry_mrz(1000, 1000));
    }
}
