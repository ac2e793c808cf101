#![allow(clippy::print_stdout)]
//! Talks to the hosted APIs, or to a `veriscope serve`: a forgery check of a
//! document, then a verification created and waited for.
//!
//!     VERISCOPE_URL=http://127.0.0.1:8080 VERISCOPE_API_KEY=vsk_... \
//!       cargo run -p veriscope --features client --example client -- examples/samples/id-card.jpg

use std::time::Duration;

use veriscope::client::{BlockingClient, Client};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("VERISCOPE_API_KEY").map_err(|_| "set VERISCOPE_API_KEY")?;
    let mut builder = Client::builder(key).timeout(Duration::from_secs(30));
    if let Ok(url) = std::env::var("VERISCOPE_URL") {
        // One server for both APIs (veriscope serve); the hosted ones by default.
        builder = builder.base_url(url);
    }
    let client = BlockingClient::new(builder)?;
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/samples/id-card.jpg".into());
    let document = std::fs::read(&path)?;

    let report = client.verify_document(&document)?;
    println!("{path}: {}", veriscope::to_json(&report));

    let upload = client.upload(&document, None)?;
    let body = format!(
        r#"{{"service_id":"DOCUMENT_FORGERY","input":{{"files":{{"document":["{}"]}}}}}}"#,
        upload.path
    );
    let created = client.create_verification_json(&body)?;
    let settled = client.wait(&created.id, Duration::from_secs(60))?;
    println!(
        "verification {}: {} {:?}",
        settled.id,
        settled.status.as_str(),
        settled.result_status
    );
    Ok(())
}
