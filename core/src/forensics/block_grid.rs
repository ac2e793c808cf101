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
/// Integer sums: exact, and several times faster than adding floats pixel by
/// pixel; the sums of disjoint regions add up to the sum of their union.
type Phases = ([i64; 8], [i64; 8]);

fn as_floats(phases: &[i64; 8]) -> [f64; 8] {
    phases.map(|sum| sum as f64)
}

fn add(total: &mut Phases, part: &Phases) {
    for k in 0..8 {
        total.0[k] += part.0[k];
        total.1[k] += part.1[k];
    }
}

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

/// The step sums of the `w` x `h` region at (`x0`, `y0`).
fn cell_phases(pixels: &[u8], width: usize, x0: usize, y0: usize, w: usize, h: usize) -> Phases {
    let height = pixels.len() / width;
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
    (horizontal, vertical)
}

/// The step sums of every [`CELL`] cell (row by row) and of the whole image,
/// in one pass: the whole is the cells plus the strips right of and below
/// them, so nothing is summed twice.
fn all_phases(gray: &GrayImage) -> (Vec<Phases>, usize, usize, Phases) {
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    let pixels = gray.as_raw();
    let cell = CELL as usize;
    let (columns, rows) = (width / cell, height / cell);
    let mut whole: Phases = ([0; 8], [0; 8]);
    let mut cells = Vec::with_capacity(columns * rows);
    for row in 0..rows {
        for column in 0..columns {
            let phases = cell_phases(pixels, width, column * cell, row * cell, cell, cell);
            add(&mut whole, &phases);
            cells.push(phases);
        }
    }
    let (covered_width, covered_height) = (columns * cell, rows * cell);
    if width > 0 && height > 0 {
        let right = cell_phases(
            pixels,
            width,
            covered_width,
            0,
            width - covered_width,
            covered_height,
        );
        let below = cell_phases(
            pixels,
            width,
            0,
            covered_height,
            width,
            height - covered_height,
        );
        add(&mut whole, &right);
        add(&mut whole, &below);
    }
    (cells, columns, rows, whole)
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
    phase_of(&cell_phases(gray.as_raw(), width, 0, 0, width, height))
}

fn phase_of((horizontal, vertical): &Phases) -> ((usize, usize), f64) {
    let (x, strength_x) = strongest(&as_floats(horizontal));
    let (y, strength_y) = strongest(&as_floats(vertical));
    ((x, y), strength_x.min(strength_y))
}

/// Per-cell misalignment against the image's grid phase `global`.
fn block_grid_cells(
    cells: &[Phases],
    columns: usize,
    rows: usize,
    global: (usize, usize),
) -> CellValues {
    let cell = CELL as usize;
    let values = cells
        .iter()
        .map(|(horizontal, vertical)| {
            let (horizontal, vertical) = (as_floats(horizontal), as_floats(vertical));
            let flat = horizontal.iter().sum::<f64>() < (cell * cell) as f64 * 0.05;
            (!flat)
                .then(|| misalignment(&horizontal, global.0).max(misalignment(&vertical, global.1)))
        })
        .collect();
    CellValues {
        cell: CELL,
        columns,
        rows,
        values,
    }
}

/// The grid signal, its cell outliers, and the image's grid phase.
pub fn block_grid_signal(gray: &GrayImage) -> (Signal, Outliers, (usize, usize)) {
    let (cells, columns, rows, whole) = all_phases(gray);
    let (phase, strength) = phase_of(&whole);
    let outliers = block_grid_cells(&cells, columns, rows, phase).outliers(Tail::High, 0.03);
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
    fn the_cells_and_strips_sum_to_the_whole_image() {
        for (width, height) in [(480, 320), (401, 299), (64, 64), (70, 3)] {
            let page = decode(&jpeg(&document(width, height, 2.0, 5), 60));
            let (cells, columns, rows, whole) = all_phases(&page);
            assert_eq!(cells.len(), columns * rows);
            let (w, h) = (width as usize, height as usize);
            assert_eq!(whole, cell_phases(page.as_raw(), w, 0, 0, w, h));
        }
    }

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
