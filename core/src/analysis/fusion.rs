//! From signals to the forgery score: a logistic model over the signals'
//! statistics and "not applicable" indicators, whose constants are fitted
//! on the synthetic corpus's training split by `scripts/fit_fusion.py` and
//! written to `fusion_model.rs` with the corpus version that produced them.
//!
//! Two features are shared on purpose, so that the model carries over to
//! kinds of forgery its training corpus lacks (measured by the benchmark's
//! leave-one-family-out table): `structure` is an image's container or a
//! PDF's edit evidence, on one scale, and `specific_flags` counts the
//! pixel checks whose flag fires on about 1% of authentic images. A weight
//! learnt from metadata edits then also scores an edited PDF, and one learnt
//! from a cloned portrait's noiseless patch also scores a copied digit.

use crate::forensics::Signal;

use super::fusion_model::{INTERCEPT, WEIGHTS};

pub use super::fusion_model::{CORPUS_VERSION, THRESHOLD};

/// The model's inputs, in order.
pub const FEATURES: [&str; 14] = [
    "structure",
    "noise",
    "error_level",
    "block_grid",
    "copy_move",
    "recapture",
    "double_quantization",
    "non_aligned_double_quantization",
    "agreement",
    "noiseless",
    "specific_flags",
    "block_grid_not_applicable",
    "pixels_not_applicable",
    "is_pdf",
];

/// The pixel- and DCT-level checks whose flag is set to fire on about 1% of
/// authentic images, counted by the `specific_flags` feature. (The noise,
/// error-level, grid and double-quantisation flags mark odd regions that
/// many authentic images have too, so they are left out.)
const SPECIFIC_CHECKS: [&str; 4] = [
    "copy_move",
    "noiseless",
    "recapture",
    "non_aligned_double_quantization",
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
        // An image's container or a PDF's structure (one or the other):
        // both the same noisy-OR of hand-weighted edit flags, so evidence
        // of one kind of edited file teaches the model about the other.
        statistic("container").max(statistic("pdf")),
        statistic("noise"),
        statistic("error_level"),
        statistic("block_grid"),
        statistic("copy_move"),
        statistic("recapture"),
        statistic("double_quantization"),
        statistic("non_aligned_double_quantization"),
        statistic("agreement"),
        statistic("noiseless"),
        // How many specific checks raised their flag, each at a threshold
        // set on authentic images alone: one shared weight, so a kind of
        // forgery the training corpus lacks still counts through the flag
        // of whichever check it trips.
        signals
            .iter()
            .filter(|s| s.applicable && SPECIFIC_CHECKS.contains(&s.name) && !s.flags.is_empty())
            .count() as f64,
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
    fn specific_flags_count_only_the_checks_calibrated_on_authentic_images() {
        let flagged = |name: &'static str| Signal {
            flags: vec!["flag".into()],
            ..signal(name, 1.0)
        };
        let at = FEATURES
            .iter()
            .position(|f| *f == "specific_flags")
            .unwrap();
        let x = features(&[flagged("copy_move"), flagged("recapture"), flagged("noise")]);
        assert_eq!(x[at], 2.0);
        let not_applicable = Signal {
            applicable: false,
            ..flagged("noiseless")
        };
        assert_eq!(
            features(&[not_applicable, signal("copy_move", 3.0)])[at],
            0.0
        );
    }

    #[test]
    fn features_follow_their_names() {
        let x = features(&[signal("pdf", 0.5)]);
        assert_eq!(
            x[FEATURES.iter().position(|f| *f == "structure").unwrap()],
            0.5
        );
        let y = features(&[signal("container", 0.25)]);
        assert_eq!(
            y[FEATURES.iter().position(|f| *f == "structure").unwrap()],
            0.25
        );
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
