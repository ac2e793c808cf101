#![allow(clippy::print_stdout)]
//! Signs a status update as a sender would, then verifies it as a receiver
//! must: during a secret rotation, with a replay window, and with tampering
//! refused by its own error code.
//!
//!     cargo run -p veriscope --example webhook

use veriscope::webhook::{Secret, Signer, Verifier};

fn main() -> Result<(), veriscope::Error> {
    let old = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    let new = Secret::parse("a-per-verification-webhook-secret")?;
    let body = br#"{"id":"ver_1","status":"COMPLETED","result_status":"VERIFIED"}"#;
    let sent_at = veriscope::webhook::now_unix()?;
    let headers = Signer::new(new.clone()).sign("msg_1", sent_at, body)?;
    for (name, value) in headers.iter() {
        println!("{name}: {value}");
    }

    // The receiver accepts either secret while the rotation lasts.
    let verifier = Verifier::with_secrets([old, new])?.tolerance_seconds(300);
    let event = verifier.verify_event(&headers, body)?;
    println!(
        "verified: {} is {}",
        event.verification.id,
        event.verification.status.as_str()
    );

    let tampered = br#"{"id":"ver_1","status":"FRAUD_DETECTED"}"#;
    match verifier.verify(&headers, tampered) {
        Err(refused) => println!("tampered body: {} ({})", refused.code(), refused.message()),
        Ok(_) => {
            return Err(veriscope::Error::new(
                veriscope::ErrorCode::Internal,
                "a tampered body verified",
            ));
        }
    }
    match verifier.verify_at(&headers, body, sent_at + 3600) {
        Err(replayed) => println!("an hour later: {}", replayed.code()),
        Ok(_) => {
            return Err(veriscope::Error::new(
                veriscope::ErrorCode::Internal,
                "a replay verified",
            ));
        }
    }
    Ok(())
}
