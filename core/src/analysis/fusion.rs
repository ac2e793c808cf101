//! From signals to the forgery score: a logistic model over the signals'
//! statistics and "not applicable" indicators, whose constants are fitted
//! on the synthetic corpus's training split by `scripts/fit_fusion.py` and
//! written to `fusion_model.rs` with the corpus version that produced them.
//!
//! Some features are shared on purpose, so that the model carries over to
//! kinds of forgery its training corpus lacks (measured by the benchmark's
//! leave-one-family-out table): a weight learnt from one kind of forgery
//! then also scores another that trips the same feature.
//! - `structure` is an image's container or a PDF's edit evidence, on one
//!   scale: metadata edits teach the model about edited PDFs.
//! - `recompressed_region` is a region compressed at another quality, on
//!   JPEG's grid or off it, each check in units of its own flag level: a
//!   splice pasted on the grid teaches the model about one pasted off it.
//! - `specific_flags` counts the pixel checks whose flag fires on about 1%
//!   of authentic images: a cloned portrait's noiseless patch teaches the
//!   model about a copied digit.
//! - `rarest_statistic` asks of each specific check how rare its statistic
//!   is among the training split's authentic images (a p-value from their
//!   statistics, shipped in `fusion_model.rs`) and keeps the rarest: a
//!   one-class view of "unlike an authentic capture" that needs no forged
//!   example of the kind at hand.

use crate::forensics::{NON_ALIGNED_FLAG_STATISTIC, Signal, double_quantization_flag_statistic};

use super::fusion_model::{AUTHENTIC_REFERENCE, INTERCEPT, WEIGHTS};

/// One check's statistics on the training split's authentic images: what
/// `rarest_statistic` measures a statistic's rarity against.
#[derive(Debug)]
pub(crate) struct AuthenticStatistics {
    /// The signal's name.
    pub check: &'static str,
    /// Images whose statistic was 0: the check saw nothing, or did not
    /// apply.
    pub nothing_seen: usize,
    /// The other images' statistics, sorted.
    pub positive: &'static [f64],
}

pub use super::fusion_model::{CORPUS_VERSION, THRESHOLD};

/// The model's inputs, in order.
pub const FEATURES: [&str; 14] = [
    "structure",
    "noise",
    "error_level",
    "block_grid",
    "copy_move",
    "recapture",
    "recompressed_region",
    "agreement",
    "noiseless",
    "specific_flags",
    "rarest_statistic",
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
        // A region compressed at another quality, on the grid or off it,
        // each in units of its own flag's level.
        (statistic("double_quantization") / double_quantization_flag_statistic())
            .max(statistic("non_aligned_double_quantization") / NON_ALIGNED_FLAG_STATISTIC),
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
        AUTHENTIC_REFERENCE
            .iter()
            .map(|reference| rarity(reference, statistic(reference.check)))
            .fold(0.0, f64::max),
        f64::from(u8::from(!applicable("block_grid"))),
        f64::from(u8::from(!applicable("noise"))),
        f64::from(u8::from(applicable("pdf"))),
    ]
}

/// How rare `value` is among a check's statistics on authentic images:
/// −log10 of the share of them at or above it, the value itself counted
/// among them ((k + 1) / (n + 1), so never infinite). 0 for a statistic of
/// 0: a check that saw nothing, or did not apply.
fn rarity(reference: &AuthenticStatistics, value: f64) -> f64 {
    if value <= 0.0 {
        return 0.0;
    }
    let positive = reference.positive;
    let at_or_above = positive.len() - positive.partition_point(|&r| r < value);
    let images = reference.nothing_seen + positive.len();
    -((at_or_above + 1) as f64 / (images + 1) as f64).log10()
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
    fn rarity_is_the_share_of_authentic_statistics_at_or_above_the_value() {
        let reference = AuthenticStatistics {
            check: "copy_move",
            nothing_seen: 2,
            positive: &[1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        };
        // 10 = 9 authentic images + the value itself.
        assert_eq!(rarity(&reference, 0.0), 0.0);
        assert!((rarity(&reference, 0.5) - -(8.0f64 / 10.0).log10()).abs() < 1e-12);
        assert!((rarity(&reference, 2.0) - -(7.0f64 / 10.0).log10()).abs() < 1e-12);
        assert!((rarity(&reference, 2.5) - -(5.0f64 / 10.0).log10()).abs() < 1e-12);
        assert!((rarity(&reference, 99.0) - 1.0).abs() < 1e-12);
        let mut last = 0.0;
        for step in 0..80 {
            let r = rarity(&reference, f64::from(step) / 10.0);
            assert!(r >= last, "rarity fell at {step}");
            last = r;
        }
    }

    #[test]
    fn authentic_reference_is_sorted_and_names_specific_checks() {
        assert!(!AUTHENTIC_REFERENCE.is_empty());
        for reference in &AUTHENTIC_REFERENCE {
            let name = reference.check;
            assert!(
                SPECIFIC_CHECKS.contains(&name) || name == "double_quantization",
                "{name}"
            );
            let images = reference.nothing_seen + reference.positive.len();
            assert!(images >= 100, "{name}: {images}");
            assert!(reference.positive.is_sorted(), "{name}");
            assert!(reference.positive.iter().all(|&v| v > 0.0), "{name}");
        }
    }

    #[test]
    fn recompressed_region_puts_both_checks_in_units_of_their_flag() {
        let at = FEATURES
            .iter()
            .position(|f| *f == "recompressed_region")
            .unwrap();
        let aligned = features(&[signal(
            "double_quantization",
            double_quantization_flag_statistic(),
        )]);
        assert!((aligned[at] - 1.0).abs() < 1e-12);
        let shifted = features(&[
            signal(
                "double_quantization",
                0.5 * double_quantization_flag_statistic(),
            ),
            signal(
                "non_aligned_double_quantization",
                2.0 * NON_ALIGNED_FLAG_STATISTIC,
            ),
        ]);
        assert!((shifted[at] - 2.0).abs() < 1e-12);
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
