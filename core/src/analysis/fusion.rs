//! From signals to the forgery score: a logistic model over the signals'
//! statistics and "not applicable" indicators, whose constants are fitted
//! on the synthetic corpus's training split by `scripts/fit_fusion.py` and
//! written to `fusion_model.rs` with the corpus version that produced them.

use crate::forensics::Signal;

use super::fusion_model::{INTERCEPT, WEIGHTS};

pub use super::fusion_model::{CORPUS_VERSION, THRESHOLD};

/// The model's inputs, in order.
pub const FEATURES: [&str; 13] = [
    "container",
    "noise",
    "error_level",
    "block_grid",
    "copy_move",
    "recapture",
    "double_quantization",
    "agreement",
    "noiseless",
    "pdf",
    "block_grid_not_applicable",
    "pixels_not_applicable",
    "is_pdf",
];

/// The model's input vector for a set of signals (missing signals count as
/// not applicable).
pub fn features(signals: &[Signal]) -> [f64; FEATURES.len()] {
    let statistic = |name: &str| {
        signals
            .iter()
            .find(|s| s.name == name && s.applicable)
            .map_or(0.0, |s| s.statistic)
    };
    let applicable = |name: &str| signals.iter().any(|s| s.name == name && s.applicable);
    [
        statistic("container"),
        statistic("noise"),
        statistic("error_level"),
        statistic("block_grid"),
        statistic("copy_move"),
        statistic("recapture"),
        statistic("double_quantization"),
        statistic("agreement"),
        statistic("noiseless"),
        statistic("pdf"),
        f64::from(u8::from(!applicable("block_grid"))),
        f64::from(u8::from(!applicable("noise"))),
        f64::from(u8::from(applicable("pdf"))),
    ]
}

/// The calibrated probability that a document with these signals is forged.
pub fn probability(signals: &[Signal]) -> f64 {
    let z = INTERCEPT
        + features(signals)
            .iter()
            .zip(WEIGHTS)
            .map(|(x, w)| x * w)
            .sum::<f64>();
    1.0 / (1.0 + (-z).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(name: &'static str, statistic: f64) -> Signal {
        Signal {
            name,
            statistic,
            applicable: true,
            flags: Vec::new(),
        }
    }

    #[test]
    fn stronger_evidence_never_lowers_the_score() {
        let base = vec![
            signal("container", 0.1),
            signal("noise", 1.0),
            signal("error_level", 1.0),
            signal("block_grid", 0.5),
            signal("copy_move", 1.0),
            signal("recapture", 1.0),
        ];
        let p0 = probability(&base);
        assert!((0.0..=1.0).contains(&p0));
        for (i, _) in base.iter().enumerate() {
            let mut stronger = base.clone();
            stronger[i].statistic += 3.0;
            assert!(probability(&stronger) >= p0, "{}", stronger[i].name);
        }
    }

    #[test]
    fn features_follow_their_names() {
        let x = features(&[signal("pdf", 0.5)]);
        assert_eq!(x[FEATURES.iter().position(|f| *f == "pdf").unwrap()], 0.5);
        assert_eq!(
            x[FEATURES.iter().position(|f| *f == "is_pdf").unwrap()],
            1.0
        );
        assert_eq!(
            x[FEATURES
                .iter()
                .position(|f| *f == "pixels_not_applicable")
                .unwrap()],
            1.0
        );
    }
}
