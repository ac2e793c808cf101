#![allow(clippy::print_stdout)]
//! Forgery analysis of documents, printed as the forgery API's response,
//! with the signals behind each verdict.
//!
//!     cargo run -p veriscope --example analyze -- examples/samples/id-card.jpg examples/samples/bank-statement.pdf

use veriscope::analysis::{AnalysisOptions, analyze};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        paths = vec![
            "examples/samples/id-card.jpg".into(),
            "examples/samples/bank-statement.pdf".into(),
        ];
    }
    for path in paths {
        let bytes = std::fs::read(&path)?;
        match analyze(&bytes, &AnalysisOptions::default()) {
            Ok(analysis) => {
                println!("{path}: {}", analysis.to_json(false));
                for signal in analysis.signals.iter().filter(|s| s.applicable) {
                    println!(
                        "  {:32} {:8.3} {:?}",
                        signal.name, signal.statistic, signal.flags
                    );
                }
            }
            // Unreadable or unsupported input is a typed error, never a verdict.
            Err(err) => println!("{path}: {}", err.to_json()),
        }
    }
    Ok(())
}
