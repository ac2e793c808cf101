//! The hosted APIs' data, with their JSON names.
//!
//! Enum values serialise as the references' strings; objects keep fields a
//! newer server may add (`extra`) so that reading and writing back never loses
//! data.

/// Implements `Display` and `FromStr` for a field-less enum that has `ALL` and
/// `as_str`, so every enum of the model parses and prints its API name the
/// same way (an unknown name is `INVALID_ARGUMENT`).
macro_rules! text_enum {
    ($ty:ty, $what:literal) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::error::Error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                <$ty>::ALL
                    .into_iter()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| {
                        $crate::error::Error::new(
                            $crate::error::ErrorCode::InvalidArgument,
                            format!(concat!("unknown ", $what, " {:?}"), text),
                        )
                    })
            }
        }
    };
}
pub(crate) use text_enum;

mod face;
mod forgery;
mod format;
mod service;
mod status;
mod verification;

pub use face::{FaceMatch, FaceMatchLevel};
pub use forgery::{Confidence, DocumentType, ForgeryReport, ForgeryResponse};
pub use format::DocumentFormat;
pub use service::{FileInput, OptionInput, OptionKind, Service, ServiceId, catalogue};
pub use status::{
    IllegalTransition, ResultStatus, TransitionRow, VerificationStatus, transition_table,
};
pub use verification::{
    CreateVerificationRequest, InputFiles, Verification, VerificationInput, VerificationResult,
    WebhookMetadata,
};
