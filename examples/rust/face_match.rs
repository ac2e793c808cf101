#![allow(clippy::print_stdout)]
//! Compares the portrait on an ID card with a selfie, printing the
//! verification API's three face fields and the evidence behind them.
//!
//!     ./scripts/fetch-models
//!     cargo run -p veriscope --example face_match -- ktp.jpg selfie.png [models/]

use veriscope::face::{FaceMatchOptions, FaceModels};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [card, selfie, rest @ ..] = &args[..] else {
        return Err("usage: face_match ID_CARD SELFIE [MODELS_DIR]".into());
    };
    // The models directory: the argument, $VERISCOPE_MODELS or ./models.
    let models = match rest.first() {
        Some(directory) => FaceModels::load(directory)?,
        None => FaceModels::load_default()?,
    };
    let comparison = models.compare(
        &std::fs::read(card)?,
        &std::fs::read(selfie)?,
        &FaceMatchOptions::default(),
    )?;
    println!("{}", comparison.to_json(false));
    println!(
        "match: {}, level {:?}, distance {:.3}, flags {:?}",
        comparison.result.is_match_face,
        comparison.result.face_match_confidence_level,
        comparison.distance,
        comparison.flags
    );
    Ok(())
}
