//! The document formats both APIs accept.

use serde::{Deserialize, Serialize};

/// A document format the APIs accept, as decided from magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentFormat {
    /// JPEG (JFIF or EXIF), starting `FF D8 FF`.
    Jpeg,
    /// PNG, starting with its 8-byte signature.
    Png,
    /// PDF, with a `%PDF-` header.
    Pdf,
}

impl DocumentFormat {
    /// Every accepted format.
    pub const ALL: [DocumentFormat; 3] = [
        DocumentFormat::Jpeg,
        DocumentFormat::Png,
        DocumentFormat::Pdf,
    ];

    /// Lower-case name, e.g. `"jpeg"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DocumentFormat::Jpeg => "jpeg",
            DocumentFormat::Png => "png",
            DocumentFormat::Pdf => "pdf",
        }
    }

    /// The IANA media type, e.g. `"image/jpeg"`.
    pub const fn media_type(self) -> &'static str {
        match self {
            DocumentFormat::Jpeg => "image/jpeg",
            DocumentFormat::Png => "image/png",
            DocumentFormat::Pdf => "application/pdf",
        }
    }

    /// Whether the format is a raster image (not a PDF).
    pub const fn is_image(self) -> bool {
        !matches!(self, DocumentFormat::Pdf)
    }
}

super::text_enum!(DocumentFormat, "document format");
