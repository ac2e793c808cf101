//! Forensic signals: each module looks at one kind of evidence and returns a
//! [`Signal`]; [`crate::analysis`] fuses them into the calibrated forgery
//! score.

mod agreement;
mod block_dct;
mod block_grid;
mod cells;
mod container;
mod copy_move;
mod double_quantization;
mod error_level;
mod noise;
mod noiseless;
mod non_aligned_double_quantization;
mod pdf_edits;
mod recapture;
#[cfg(test)]
mod test_images;

pub use agreement::{agreement_signal, combine_maps};
pub use block_grid::{block_grid_signal, grid_phase};
pub use cells::{HeatMap, Outliers, Tail};
pub use container::{EDITING_SOFTWARE, container_signal, container_signal_of};
pub use copy_move::{
    Candidate, CopyMove, MIN_NOISE_FLOOR, SharedNoise, copy_move_signal, find_copy_move,
};
pub use double_quantization::{
    DoubleQuantization, double_quantization_flag_statistic, double_quantization_signal,
    find_double_quantization,
};
pub use error_level::error_level_signal;
pub use noise::{MIN_CAPTURE_NOISE, noise_level, noise_signal};
pub use noiseless::{
    NoiselessRegion, find_noiseless_region, flat_block_surprise, noiseless_signal,
};
pub use non_aligned_double_quantization::{
    NON_ALIGNED_FLAG_STATISTIC, NonAlignedDoubleQuantization, find_non_aligned_double_quantization,
    non_aligned_double_quantization_signal,
};
pub use pdf_edits::{PDF_EDITORS, pdf_signal};
pub use recapture::{moire_excess, recapture_signal};

use serde::Serialize;

/// What one forensic check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Signal {
    /// The check's name, e.g. `container`.
    pub name: &'static str,
    /// Evidence strength, 0 (consistent with an authentic document) to 1
    /// (strongly anomalous). Uncalibrated until the fusion model maps it.
    pub statistic: f64,
    /// Whether the check could look at all (a PNG has no quantisation tables).
    pub applicable: bool,
    /// snake_case anomaly flags for the report.
    pub flags: Vec<String>,
}

/// A statistic from flags of known weight: the chance that at least one is
/// real evidence, if each independently is with its weight's probability.
pub(crate) fn flag_statistic(flags: &[String], weights: &[(&str, f64)]) -> f64 {
    1.0 - weights
        .iter()
        .filter(|(flag, _)| flags.iter().any(|f| f == flag))
        .map(|(_, weight)| 1.0 - weight)
        .product::<f64>()
}

/// Whether any of `names` (software fields) contains one of `editors`
/// (lower-case fragments), ignoring case.
pub(crate) fn names_an_editor(names: &[Option<&str>], editors: &[&str]) -> bool {
    names.iter().flatten().any(|name| {
        let name = name.to_ascii_lowercase();
        editors.iter().any(|editor| name.contains(editor))
    })
}

impl Signal {
    /// A signal that could not look at this input.
    pub fn not_applicable(name: &'static str) -> Signal {
        Signal {
            name,
            statistic: 0.0,
            applicable: false,
            flags: Vec::new(),
        }
    }
}
