//! Request validation for both hosted APIs.
//!
//! Everything a server checks before it does any work, done locally: the
//! forgery API's document inputs (multipart bytes, base64, HTTPS URL) with
//! their limits and formats, and the verification API's create-verification
//! body against the service catalogue. A client calls these before sending,
//! `veriscope serve` calls them on receipt, so both sides agree.

mod create_verification;
mod document;
mod limits;
mod problems;
mod url;
mod verify_request;

pub use create_verification::{
    check_create_verification, check_create_verification_value, is_loopback_url,
};
pub use document::{
    DecodedDocument, DocumentInfo, DocumentSource, check_document_bytes, decode_document_base64,
};
pub use limits::Limits;
pub use url::{DocumentUrl, check_document_url, check_https_url, is_public_ip};
pub use verify_request::{VerifyRequest, check_verify_request};
