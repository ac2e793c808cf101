//! 8x8 block-grid misalignment by region: JPEG leaves faint steps every 8
//! pixels. A region pasted from another JPEG keeps its own grid, shifted
//! against the page's unless the forger aligned it; a crop shifts the whole
//! grid, which is consistent and not suspicious.
//!
//! For each column boundary the step between neighbouring pixels is
//! measured against the steps on either side (runs with a step over 12
//! levels are edges of text and lines, and left out) and folded by position
//! modulo 8 into 8 phases, likewise for rows, per 8x8 block. The image's
//! phase is the strongest overall. Windows the size of a pasted field
//! (80 x 48) whose blocking favours one other column phase and one other
//! row phase give the statistic; 64-pixel cells whose strongest phase is
//! clearly another give the heat map and the flag.

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

/// The step sums of one 8x8 block, phase by phase: each of its columns and
/// rows is one phase, and no sum exceeds 8 x 24, so a byte holds it.
type BlockPhases = ([u8; 8], [u8; 8]);

/// The step sums of every 8x8 block (row by row), the blocks across and
/// down, and the sums of the whole image: the blocks plus the strips right
/// of and below them, so nothing is summed twice.
fn block_phases(gray: &GrayImage) -> (Vec<BlockPhases>, usize, usize, Phases) {
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    let pixels = gray.as_raw();
    let (columns, rows) = (width / 8, height / 8);
    let mut whole: Phases = ([0; 8], [0; 8]);
    let mut blocks = Vec::with_capacity(columns * rows);
    // Within an aligned block, phase k is its column (row) k alone. Steps
    // are taken a whole image row at a time (independent per pixel, so the
    // compiler vectorises them), then folded into the row's blocks.
    let bytes = |sums: [i64; 8]| sums.map(|sum| sum.clamp(0, 255) as u8);
    let mut across = vec![0u8; width];
    let mut down = vec![0u8; width];
    let mut strip: Vec<Phases> = vec![([0; 8], [0; 8]); columns];
    for row in 0..rows {
        strip.fill(([0; 8], [0; 8]));
        for y in row * 8..row * 8 + 8 {
            let line = &pixels[y * width..(y + 1) * width];
            // A step of at most 2 x CLIP: a byte holds it.
            for x in 2..width.saturating_sub(1) {
                across[x] = block_step(line[x - 2], line[x - 1], line[x], line[x + 1]) as u8;
            }
            let has_down = y >= 2 && y + 1 < height;
            if has_down {
                let row = |dy: usize| &pixels[(y + dy - 2) * width..][..width];
                let (a, b, c, d) = (row(0), row(1), row(2), row(3));
                for x in 0..width {
                    down[x] = block_step(a[x], b[x], c[x], d[x]) as u8;
                }
            }
            for (column, sums) in strip.iter_mut().enumerate() {
                let (along, below) = (&across[column * 8..][..8], &down[column * 8..][..8]);
                for (sum, &step) in sums.0.iter_mut().zip(along) {
                    *sum += i64::from(step);
                }
                if has_down {
                    sums.1[y % 8] += below.iter().map(|&step| i64::from(step)).sum::<i64>();
                }
            }
        }
        for phases in &strip {
            add(&mut whole, phases);
            blocks.push((bytes(phases.0), bytes(phases.1)));
        }
    }
    let (covered_width, covered_height) = (columns * 8, rows * 8);
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
    (blocks, columns, rows, whole)
}

/// The sums of `span` x `span` blocks (one [`CELL`] cell each), row by row,
/// from blocks `columns` across and `rows` down.
fn cell_sums(blocks: &[BlockPhases], columns: usize, rows: usize, span: usize) -> Vec<Phases> {
    let across = columns / span;
    let mut cells = vec![([0i64; 8], [0i64; 8]); across * (rows / span)];
    for row in 0..rows / span * span {
        for column in 0..across * span {
            let (horizontal, vertical) = &blocks[row * columns + column];
            let cell = &mut cells[(row / span) * across + column / span];
            for k in 0..8 {
                cell.0[k] += i64::from(horizontal[k]);
                cell.1[k] += i64::from(vertical[k]);
            }
        }
    }
    cells
}

/// Window of blocks, across and down, in which a pasted field is sought:
/// 80 x 48 pixels, inside a line of text pasted with a margin.
const WINDOW_BLOCKS: (usize, usize) = (10, 6);

/// The share of a window's steps at its strongest phase other than
/// `global`, relative to an even spread (1: none stands out); `None` for a
/// window with too few steps to tell.
fn off_grid_share(phases: &[u32], global: usize, minimum_steps: f64) -> Option<f64> {
    let total: u32 = phases.iter().sum();
    let strongest = (0..8)
        .filter(|&k| k != global)
        .map(|k| phases[k])
        .max()
        .unwrap_or(0);
    (f64::from(total) > minimum_steps).then(|| f64::from(strongest) * 8.0 / f64::from(total))
}

/// The most off-grid blocking of any window of [`WINDOW_BLOCKS`] (sliding
/// by one block): of the horizontal and vertical [`off_grid_share`], the
/// weaker. A field pasted off the page's grid keeps its own blocking at
/// one column phase and one row phase.
fn off_grid_windows(
    blocks: &[BlockPhases],
    columns: usize,
    rows: usize,
    global: (usize, usize),
) -> f64 {
    let (across, down) = WINDOW_BLOCKS;
    if columns < across || rows < down {
        return 0.0;
    }
    let minimum_steps = (across * down * 64) as f64 * 0.05;
    // Per block column, the sums over the last `down` block rows: a row is
    // added as it enters the window and taken off as it leaves.
    let mut column_sums = vec![[0u32; 16]; columns];
    let update = |column_sums: &mut [[u32; 16]], row: usize, entering: bool| {
        for (sums, (horizontal, vertical)) in column_sums
            .iter_mut()
            .zip(&blocks[row * columns..(row + 1) * columns])
        {
            for k in 0..8 {
                let (h, v) = (u32::from(horizontal[k]), u32::from(vertical[k]));
                if entering {
                    sums[k] += h;
                    sums[8 + k] += v;
                } else {
                    sums[k] -= h;
                    sums[8 + k] -= v;
                }
            }
        }
    };
    let mut best = 0f64;
    for row in 0..rows {
        update(&mut column_sums, row, true);
        if row >= down {
            update(&mut column_sums, row - down, false);
        }
        if row + 1 < down {
            continue;
        }
        let mut window = [0u32; 16];
        for column in 0..columns {
            for k in 0..16 {
                window[k] += column_sums[column][k];
            }
            if column >= across {
                for k in 0..16 {
                    window[k] -= column_sums[column - across][k];
                }
            }
            if column + 1 < across {
                continue;
            }
            if let (Some(horizontal), Some(vertical)) = (
                off_grid_share(&window[..8], global.0, minimum_steps),
                off_grid_share(&window[8..], global.1, minimum_steps),
            ) {
                best = best.max(horizontal.min(vertical));
            }
        }
    }
    best
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

/// The grid signal, its cell outliers, and the image's grid phase. The
/// statistic is how far the blocking of the most off-grid 80 x 48 window
/// exceeds an even spread over the phases; the flag is raised by a compact
/// region of misaligned 64-pixel cells.
pub fn block_grid_signal(gray: &GrayImage) -> (Signal, Outliers, (usize, usize)) {
    let (blocks, block_columns, block_rows, whole) = block_phases(gray);
    let span = CELL as usize / 8;
    let cells = cell_sums(&blocks, block_columns, block_rows, span);
    let (phase, strength) = phase_of(&whole);
    let outliers = block_grid_cells(&cells, block_columns / span, block_rows / span, phase)
        .outliers(Tail::High, 0.03);
    let mut signal = Signal::not_applicable("block_grid");
    // Without a visible grid there is nothing to be misaligned with.
    if outliers.measured >= 4 && strength > 0.02 {
        signal.applicable = true;
        signal.statistic =
            (off_grid_windows(&blocks, block_columns, block_rows, phase) - 1.0).max(0.0);
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
    fn the_blocks_and_strips_sum_to_the_whole_image() {
        for (width, height) in [(480, 320), (401, 299), (64, 64), (70, 3), (2, 40)] {
            let page = decode(&jpeg(&document(width, height, 2.0, 5), 60));
            let (blocks, columns, rows, whole) = block_phases(&page);
            let (w, h) = (width as usize, height as usize);
            assert_eq!((columns, rows), (w / 8, h / 8));
            assert_eq!(blocks.len(), columns * rows);
            for (index, block) in blocks.iter().enumerate() {
                let (x, y) = (index % columns * 8, index / columns * 8);
                let (along, down) = cell_phases(page.as_raw(), w, x, y, 8, 8);
                let bytes = |sums: [i64; 8]| sums.map(|sum| sum as u8);
                assert_eq!(*block, (bytes(along), bytes(down)), "block at {x}, {y}");
            }
            assert_eq!(whole, cell_phases(page.as_raw(), w, 0, 0, w, h));
            let cells = cell_sums(&blocks, w / 8, h / 8, 8);
            assert_eq!(cells.len(), (w / 64) * (h / 64));
            for (index, cell) in cells.iter().enumerate() {
                let (x, y) = (index % (w / 64) * 64, index / (w / 64) * 64);
                assert_eq!(*cell, cell_phases(page.as_raw(), w, x, y, 64, 64));
            }
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
        let (clean, _, _) = block_grid_signal(&page);
        assert!(
            signal.statistic > clean.statistic + 0.2,
            "most off-grid window: forged {}, clean {}",
            signal.statistic,
            clean.statistic
        );
        assert!(
            signal.flags.contains(&"grid_misalignment".to_owned()),
            "{outliers:?}"
        );
    }
}
