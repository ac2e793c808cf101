//! Error-level inconsistency normalised by texture: how much each region
//! would change if the image were saved again at quality 75.
//!
//! Classic error-level analysis re-encodes the picture and shows the
//! difference, which mostly shows texture. Here each 8x8 block is
//! transformed on the file's own grid and re-quantised with libjpeg's
//! quality-75 table in the DCT domain (by Parseval's theorem the same error
//! as in pixels), and the error is divided by what a block of that content
//! would lose if it had never been quantised: `min(c², q²/12)` per
//! coefficient. The ratio is about 1 for content last quantised finely and
//! falls towards 0 where the content already sits on a quality-75-or-coarser
//! lattice — a region pasted from a more compressed donor.

use image::GrayImage;

use super::Signal;
use super::block_dct::{forward_dct, round_half_away};
use super::cells::{CellValues, Outliers, Tail};
use crate::media::{ZIGZAG_TO_NATURAL, libjpeg_luminance_table};

/// Cell side in pixels (4x4 blocks).
pub const CELL: u32 = 32;

/// The quality re-saved at.
const PROBE_QUALITY: u8 = 75;

/// Region score above which the flag is raised.
const FLAG_SCORE: f64 = 30.0;

/// Per-cell ratio of re-quantisation error to its texture-only expectation.
/// `origin` is the block grid's phase (0, 0 for a JPEG's own grid).
pub fn error_level_cells(gray: &GrayImage, origin: (usize, usize)) -> CellValues {
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    let zigzag = libjpeg_luminance_table(PROBE_QUALITY);
    let mut table = [0f32; 64];
    for (i, q) in zigzag.iter().enumerate() {
        table[ZIGZAG_TO_NATURAL[i]] = f32::from(*q);
    }
    let cell = CELL as usize;
    let columns = width.saturating_sub(origin.0) / cell;
    let rows = height.saturating_sub(origin.1) / cell;
    let mut values = Vec::with_capacity(columns * rows);
    for row in 0..rows {
        for column in 0..columns {
            let (mut error, mut expected) = (0.0f64, 0.0f64);
            for by in 0..cell / 8 {
                for bx in 0..cell / 8 {
                    let x0 = origin.0 + column * cell + bx * 8;
                    let y0 = origin.1 + row * cell + by * 8;
                    let dct = forward_dct(gray.as_raw(), width, x0, y0);
                    // The 64 terms side by side (vector lanes), then added
                    // up in order.
                    let mut squared_residue = [0f32; 64];
                    let mut unquantised = [0f32; 64];
                    for k in 0..64 {
                        let (c, q) = (dct[k], table[k]);
                        let residue = c - q * round_half_away(c / q);
                        squared_residue[k] = residue * residue;
                        unquantised[k] = (c * c).min(q * q / 12.0);
                    }
                    for k in 1..64 {
                        error += f64::from(squared_residue[k]);
                        expected += f64::from(unquantised[k]);
                    }
                }
            }
            // Flat paper has nothing to lose: too little to measure.
            values.push((expected > 400.0).then(|| error / expected));
        }
    }
    CellValues {
        cell: CELL,
        columns,
        rows,
        values,
    }
}

/// The error-level signal and its cell outliers.
pub fn error_level_signal(gray: &GrayImage, origin: (usize, usize)) -> (Signal, Outliers) {
    let outliers = error_level_cells(gray, origin).outliers(Tail::Both, 0.04);
    let mut signal = Signal::not_applicable("error_level");
    if outliers.measured >= 8 {
        signal.applicable = true;
        signal.statistic = outliers.region_score.ln_1p();
        if outliers.region_score > FLAG_SCORE && outliers.outlier_share < 0.25 {
            signal.flags.push("error_level_inconsistency".into());
        }
    }
    (signal, outliers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forensics::test_images::{decode, document, jpeg, paste};

    #[test]
    fn a_page_saved_once_is_consistent() {
        let page = decode(&jpeg(&document(480, 320, 3.0, 3), 92));
        let (signal, outliers) = error_level_signal(&page, (0, 0));
        assert!(signal.applicable);
        assert!(signal.flags.is_empty(), "{outliers:?}");
    }

    #[test]
    fn a_region_from_a_heavily_compressed_donor_stands_out() {
        let mut page = document(480, 320, 3.0, 3);
        // The donor was saved at quality 50 before being pasted on the grid.
        let donor = decode(&jpeg(&document(160, 96, 3.0, 4), 50));
        paste(&mut page, &donor, 256, 160);
        let page = decode(&jpeg(&page, 92));
        let (signal, outliers) = error_level_signal(&page, (0, 0));
        assert!(
            signal
                .flags
                .contains(&"error_level_inconsistency".to_owned()),
            "{outliers:?}"
        );
        let hot = outliers.map.values[6 * outliers.map.columns + 10];
        assert!(hot > 0.5, "{hot}");
    }
}
