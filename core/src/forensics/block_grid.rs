//! 8x8 block-grid misalignment by region: JPEG leaves faint steps every 8
//! pixels. A region pasted from another JPEG keeps its own grid, shifted
//! against the page's unless the forger aligned it; a crop shifts the whole
//! grid, which is consistent and not suspicious.
//!
//! For each column boundary the mean absolute step between neighbouring
//! pixels is measured against the steps on either side (runs with a step
//! over 12 levels are edges of text and lines, and left out), and folded by position modulo 8 into 8 phases, likewise for
//! rows. The image's phase is the strongest overall; a cell whose own
//! strongest phase is another, and clearly so, is misaligned.

use image::GrayImage;

use super::Signal;
use super::cells::{CellValues, Outliers, Tail};

/// Cell side in pixels (8x8 blocks).
pub const CELL: u32 = 64;

/// Largest step counted, in gray levels: larger ones are edges, not blocking.
const CLIP: i32 = 12;

/// Region score above which the flag is raised.
const FLAG_SCORE: f64 = 20.0;

/// Step sums folded by phase: `[horizontal; 8]` and `[vertical; 8]`.
type Phases = ([f64; 8], [f64; 8]);

/// The blocking step between `b` and `c` in the run `a b c d`: how much it
/// exceeds the steps on either side, or 0 near an edge (any step over
/// [`CLIP`]), where ringing rather than blocking dominates.
fn block_step(a: u8, b: u8, c: u8, d: u8) -> i32 {
    let step = |p: u8, q: u8| (i32::from(p) - i32::from(q)).abs();
    let (before, at, after) = (step(a, b), step(b, c), step(c, d));
    if before > CLIP || at > CLIP || after > CLIP {
        return 0;
    }
    (2 * at - before - after).max(0)
}

fn cell_phases(pixels: &[u8], width: usize, x0: usize, y0: usize, w: usize, h: usize) -> Phases {
    let height = pixels.len() / width;
    // Integer sums (exact, and several times faster than adding floats
    // pixel by pixel); the phases are whole numbers either way.
    let (mut horizontal, mut vertical) = ([0i64; 8], [0i64; 8]);
    for y in y0..y0 + h {
        let line = &pixels[y * width..(y + 1) * width];
        for x in x0.max(2)..(x0 + w).min(width - 1) {
            let value = block_step(line[x - 2], line[x - 1], line[x], line[x + 1]);
            horizontal[x % 8] += i64::from(value);
        }
        if y >= 2 && y + 1 < height {
            let row = |dy: isize| &pixels[(y as isize + dy) as usize * width..][..width];
            let (a, b, c, d) = (row(-2), row(-1), row(0), row(1));
            let sum: i32 = (x0..x0 + w)
                .map(|x| block_step(a[x], b[x], c[x], d[x]))
                .sum();
            vertical[y % 8] += i64::from(sum);
        }
    }
    (
        horizontal.map(|sum| sum as f64),
        vertical.map(|sum| sum as f64),
    )
}

/// The strongest phase and how much it beats the mean of the others,
/// relative to that mean.
fn strongest(phases: &[f64; 8]) -> (usize, f64) {
    let (best, value) = phases
        .iter()
        .copied()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((0, 0.0));
    let others = (phases.iter().sum::<f64>() - value) / 7.0;
    (
        best,
        if others > 0.0 {
            value / others - 1.0
        } else {
            0.0
        },
    )
}

/// How far a cell's phases favour a phase other than `global` (0 when the
/// global phase is its strongest).
fn misalignment(phases: &[f64; 8], global: usize) -> f64 {
    let (best, _) = strongest(phases);
    if best == global || phases[global] <= 0.0 {
        return 0.0;
    }
    phases[best] / phases[global] - 1.0
}

/// The image's grid phase `(x, y)` and its strength (0 when no grid shows).
pub fn grid_phase(gray: &GrayImage) -> ((usize, usize), f64) {
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    let (horizontal, vertical) = cell_phases(gray.as_raw(), width, 0, 0, width, height);
    let (x, strength_x) = strongest(&horizontal);
    let (y, strength_y) = strongest(&vertical);
    ((x, y), strength_x.min(strength_y))
}

/// Per-cell misalignment against the image's grid phase.
pub fn block_grid_cells(gray: &GrayImage, global: (usize, usize)) -> CellValues {
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    let cell = CELL as usize;
    let (columns, rows) = (width / cell, height / cell);
    let mut values = Vec::with_capacity(columns * rows);
    for row in 0..rows {
        for column in 0..columns {
            let (horizontal, vertical) =
                cell_phases(gray.as_raw(), width, column * cell, row * cell, cell, cell);
            let flat = horizontal.iter().sum::<f64>() < (cell * cell) as f64 * 0.05;
            values.push((!flat).then(|| {
                misalignment(&horizontal, global.0).max(misalignment(&vertical, global.1))
            }));
        }
    }
    CellValues {
        cell: CELL,
        columns,
        rows,
        values,
    }
}

/// The grid signal, its cell outliers, and the image's grid phase.
pub fn block_grid_signal(gray: &GrayImage) -> (Signal, Outliers, (usize, usize)) {
    let (phase, strength) = grid_phase(gray);
    let outliers = block_grid_cells(gray, phase).outliers(Tail::High, 0.03);
    let mut signal = Signal::not_applicable("block_grid");
    // Without a visible grid there is nothing to be misaligned with.
    if outliers.measured >= 4 && strength > 0.02 {
        signal.applicable = true;
        signal.statistic = outliers.region_score.ln_1p();
        if outliers.region_score > FLAG_SCORE && outliers.outlier_share < 0.25 {
            signal.flags.push("grid_misalignment".into());
        }
    }
    (signal, outliers, phase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forensics::test_images::{decode, document, jpeg, paste};

    #[test]
    fn a_jpeg_grid_is_found_at_its_phase_even_after_cropping() {
        let page = decode(&jpeg(&document(480, 320, 2.0, 5), 60));
        assert_eq!(grid_phase(&page).0, (0, 0));
        let cropped = image::imageops::crop_imm(&page, 3, 5, 400, 300).to_image();
        assert_eq!(grid_phase(&cropped).0, (5, 3));
        let (signal, outliers, _) = block_grid_signal(&cropped);
        assert!(signal.applicable);
        assert!(signal.flags.is_empty(), "{outliers:?}");
    }

    #[test]
    fn a_region_keeping_a_shifted_grid_is_misaligned() {
        let page = decode(&jpeg(&document(512, 384, 2.0, 5), 90));
        let mut forged = page.clone();
        // A donor compressed hard, pasted 3 and 5 pixels off the page's grid.
        let donor = decode(&jpeg(&document(200, 136, 2.0, 6), 40));
        paste(&mut forged, &donor, 259, 133);
        let forged = decode(&jpeg(&forged, 90));
        let (signal, outliers, phase) = block_grid_signal(&forged);
        assert_eq!(phase, (0, 0));
        assert!(
            signal.flags.contains(&"grid_misalignment".to_owned()),
            "{outliers:?}"
        );
    }
}
