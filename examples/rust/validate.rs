#![allow(clippy::print_stdout)]
//! Validates a create-verification body and a document, printing what a
//! server speaking the API would answer.
//!
//!     cargo run -p veriscope --example validate -- examples/samples/id-card.jpg

use veriscope::validate::{self, Limits};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let limits = Limits::default();
    let body =
        r#"{"service_id": "KTP_SELFIE", "input": {"files": {"ktp_file": ["/uploads/ktp.jpg"]}}}"#;
    match validate::check_create_verification(body, &limits) {
        Ok(request) => println!("valid request for {}", request.service_id),
        Err(err) => {
            println!("HTTP {} {}", err.http_status(), err.to_json());
            for problem in err.details() {
                println!("  {}: {}", problem.field, problem.reason);
            }
        }
    }
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/samples/id-card.jpg".into());
    let bytes = std::fs::read(&path)?;
    match validate::check_document_bytes(&bytes, &limits) {
        Ok(info) => println!("{path}: {}", veriscope::to_json(&info)),
        Err(err) => println!("{path}: {} {}", err.http_status(), err.to_json()),
    }
    Ok(())
}
