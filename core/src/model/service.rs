//! The built-in service catalogue: which verification services exist and
//! which inputs each one takes.
//!
//! The create-verification body is checked against this catalogue, `veriscope
//! serve` answers `GET /services` with it, and the pipeline dispatches on it.

use serde::{Deserialize, Serialize};

use super::DocumentFormat;

/// Identifier of a verification service (the body's `service_id`, and the
/// input's `verification_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceId {
    /// Face match between an Indonesian ID card (KTP) and a selfie.
    KtpSelfie,
    /// Forgery analysis of one document.
    DocumentForgery,
}

impl ServiceId {
    /// Every service id.
    pub const ALL: [ServiceId; 2] = [ServiceId::KtpSelfie, ServiceId::DocumentForgery];

    /// The upper-case name, e.g. `"KTP_SELFIE"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ServiceId::KtpSelfie => "KTP_SELFIE",
            ServiceId::DocumentForgery => "DOCUMENT_FORGERY",
        }
    }

    /// This service's catalogue entry.
    pub fn service(self) -> &'static Service {
        match self {
            ServiceId::KtpSelfie => &KTP_SELFIE,
            ServiceId::DocumentForgery => &DOCUMENT_FORGERY,
        }
    }
}

super::text_enum!(ServiceId, "service");

/// One verification service and the inputs it takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    /// The value of `service_id`.
    pub id: ServiceId,
    /// Short human name.
    pub name: &'static str,
    /// What the service checks.
    pub description: &'static str,
    /// File inputs, passed as `input.files.<name>: [upload paths]`.
    pub files: &'static [FileInput],
    /// Non-file inputs, passed as `input.<name>`.
    pub options: &'static [OptionInput],
}

/// A file input of a service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileInput {
    /// Key inside `input.files`.
    pub name: &'static str,
    /// What the file must show.
    pub description: &'static str,
    /// Whether the verification cannot run without it.
    pub required: bool,
    /// Most upload paths accepted in the list.
    pub max_files: usize,
    /// Formats accepted for this input.
    pub formats: &'static [DocumentFormat],
}

/// The JSON type of a non-file input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionKind {
    /// `true` or `false`.
    Boolean,
    /// A string.
    String,
}

/// A non-file input of a service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionInput {
    /// Key inside `input`.
    pub name: &'static str,
    /// What it changes.
    pub description: &'static str,
    /// Its JSON type.
    pub kind: OptionKind,
    /// Whether it must be given.
    pub required: bool,
}

const IMAGES: &[DocumentFormat] = &[DocumentFormat::Jpeg, DocumentFormat::Png];

static KTP_SELFIE: Service = Service {
    id: ServiceId::KtpSelfie,
    name: "KTP selfie match",
    description: "Compares the portrait printed on an Indonesian ID card (KTP) with a selfie.",
    files: &[
        FileInput {
            name: "ktp_file",
            description: "Photo or scan of the KTP, front side.",
            required: true,
            max_files: 1,
            formats: IMAGES,
        },
        FileInput {
            name: "selfie_file",
            description: "Selfie of the card holder.",
            required: true,
            max_files: 1,
            formats: IMAGES,
        },
    ],
    options: &[
        OptionInput {
            name: "verification_type",
            description: "The service's own id, KTP_SELFIE; optional.",
            kind: OptionKind::String,
            required: false,
        },
        OptionInput {
            name: "fraud_detection",
            description: "Also run forgery analysis on the KTP; a forged card ends as FRAUD_DETECTED.",
            kind: OptionKind::Boolean,
            required: false,
        },
    ],
};

static DOCUMENT_FORGERY: Service = Service {
    id: ServiceId::DocumentForgery,
    name: "Document forgery analysis",
    description: "Forensic analysis of one ID document, passport page, utility bill or bank statement.",
    files: &[FileInput {
        name: "document",
        description: "The document as JPEG, PNG or PDF.",
        required: true,
        max_files: 1,
        formats: &DocumentFormat::ALL,
    }],
    options: &[OptionInput {
        name: "verification_type",
        description: "The service's own id, DOCUMENT_FORGERY; optional.",
        kind: OptionKind::String,
        required: false,
    }],
};

/// Every service of the built-in catalogue.
pub fn catalogue() -> [&'static Service; 2] {
    ServiceId::ALL.map(ServiceId::service)
}

impl Service {
    /// The file input called `name`, if the service has one.
    pub fn file_input(&self, name: &str) -> Option<&'static FileInput> {
        self.files.iter().find(|input| input.name == name)
    }

    /// The non-file input called `name`, if the service has one.
    pub fn option_input(&self, name: &str) -> Option<&'static OptionInput> {
        self.options.iter().find(|input| input.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ktp_selfie_needs_a_ktp_and_a_selfie() {
        let service = ServiceId::KtpSelfie.service();
        let required: Vec<_> = service
            .files
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name)
            .collect();
        assert_eq!(required, ["ktp_file", "selfie_file"]);
        assert!(service.option_input("fraud_detection").is_some());
    }

    #[test]
    fn the_forgery_service_takes_one_document_in_any_format() {
        let service = "DOCUMENT_FORGERY".parse::<ServiceId>().unwrap().service();
        let document = service.file_input("document").unwrap();
        assert_eq!(document.formats, DocumentFormat::ALL);
        assert_eq!(document.max_files, 1);
    }

    #[test]
    fn catalogue_serialises_for_get_services() {
        let json = serde_json::to_value(catalogue()).unwrap();
        assert_eq!(json[0]["id"], "KTP_SELFIE");
        assert_eq!(
            json[0]["files"][0]["formats"],
            serde_json::json!(["jpeg", "png"])
        );
        assert_eq!(json[1]["options"][0]["kind"], "string");
    }
}
