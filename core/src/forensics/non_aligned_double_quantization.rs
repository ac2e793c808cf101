//! Non-aligned double quantisation (NA-DJPG): a region pasted from another
//! JPEG a few pixels off the page's 8x8 grid keeps its first compression on
//! a grid of its own, which the aligned check ([`super::double_quantization`])
//! cannot see in the file's coefficients.
//!
//! After Bianchi and Piva's integer-periodicity approach: the DCT of the 8x8
//! blocks that start at the donor's offset gives back coefficients near
//! multiples of the donor's quantisation steps (blurred only by the last,
//! finer save), while blocks at any other offset mix four donor blocks and
//! show no lattice. So six low-frequency coefficients of the block at
//! *every* pixel (a dense separable transform, 72 multiply-adds per pixel)
//! each vote `1 − 4·|c/q − round(c/q)|`, which is 1 on the lattice of step
//! `q` and averages 0 off it, for the steps of libjpeg's tables at first
//! qualities 50–80 (coefficients under `q/2` carry no vote: they round to 0
//! at any offset). Votes are summed per 32-pixel cell, offset and quality.
//!
//! Flat paper and text edges vote alike at every offset, so each cell is
//! measured against its own mean over the 63 offsets off the file's grid,
//! as a z-score. A pasted field is a window of cells (64 x 128 pixels) whose
//! z-scores at one offset and quality add up; a crop of a coarse JPEG, which
//! shifts the whole page, raises every window alike and is discounted by
//! the mean window. The statistic is the best window's excess.
//!
//! Steps not clearly coarser than the file's own are skipped: the last
//! save's lattice would leak into the offsets next to its grid. Written
//! here because no crate offers DCT-domain forensics.

use image::GrayImage;

use super::Signal;
use super::block_dct::basis;
use super::cells::HeatMap;
use crate::media::{libjpeg_luminance_table, natural_order};

/// Cell side in pixels (four blocks at each offset).
pub const CELL: usize = 32;

/// The coefficients examined, as (vertical, horizontal) frequency: the DC
/// and the five lowest AC terms, which carry the coarsest steps and the
/// most nonzero values.
const POSITIONS: [(usize, usize); 6] = [(0, 0), (0, 1), (1, 0), (1, 1), (0, 2), (2, 0)];

/// Horizontal frequencies the positions need (0, 1, 2).
const HORIZONTAL: usize = 3;

/// First qualities searched: donors saved coarser than the page, where a
/// lattice survives the last save.
const FIRST_QUALITIES: [u8; 7] = [50, 55, 60, 65, 70, 75, 80];

/// A first step must be at least this multiple of the file's own step.
const MIN_STEP_RATIO: f32 = 1.5;

/// Votes a cell needs at one offset and quality to be measured.
const MIN_VOTES: f32 = 16.0;

/// Variance of a vote where there is no lattice (`1 − 4|U|`, `U` uniform on
/// ±½): what the z-scores are scaled by.
const VOTE_VARIANCE: f32 = 1.0 / 3.0;

/// Cells a window spans: rows, columns (64 x 128 pixels, a pasted field).
const WINDOW: (usize, usize) = (2, 4);

/// Window excess above which the flag is raised. Authentic images of the
/// benchmark corpus stay under 7: the largest of some 10⁵ z-scores of noise.
const FLAG_SCORE: f64 = 8.0;

/// Window excess of the largest window of noise in an authentic image
/// (they sit at 4–7): the statistic's zero.
const NOISE_SCORE: f64 = 5.0;
/// Window excess above [`NOISE_SCORE`] that makes one unit of the statistic.
const SCORE_UNIT: f64 = 5.0;

/// The statistic at which the flag is raised: the unit in which the fusion
/// model compares this check with the aligned one.
pub const NON_ALIGNED_FLAG_STATISTIC: f64 = (FLAG_SCORE - NOISE_SCORE) / SCORE_UNIT;

/// What the non-aligned check found.
#[derive(Debug, Clone, PartialEq)]
pub struct NonAlignedDoubleQuantization {
    /// The best window's z-score excess over the image's mean window at
    /// the same offset and quality (0 when nothing could be measured).
    pub score: f64,
    /// The offset of the best window's first grid from the file's, in
    /// pixels (x, y), each 0–7.
    pub offset: (usize, usize),
    /// The first quality that fits it best.
    pub first_quality: u8,
    /// Windows measured.
    pub windows: usize,
    /// 0–1 map of the best window's cells, all 0 unless the score is over
    /// the flag's threshold.
    pub map: HeatMap,
}

/// `t − round(t)` for |t| < 2²²: adding and removing 1.5·2²³ rounds to the
/// nearest integer in two instructions that vectorise (the compiler may not
/// fold them away, floats not being associative).
#[inline(always)]
fn distance_to_integer(t: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0;
    t - ((t + SHIFT) - SHIFT)
}

/// Per position and first quality, the step and whether it is searched.
fn first_steps(
    last_steps: Option<&[u16; 64]>,
) -> [[Option<f32>; POSITIONS.len()]; FIRST_QUALITIES.len()] {
    let mut steps = [[None; POSITIONS.len()]; FIRST_QUALITIES.len()];
    for (row, quality) in steps.iter_mut().zip(FIRST_QUALITIES) {
        let natural = natural_order(&libjpeg_luminance_table(quality));
        for (step, (v, u)) in row.iter_mut().zip(POSITIONS) {
            let q1 = f32::from(natural[v * 8 + u]);
            let q2 = last_steps.map_or(1.0, |last| f32::from(last[v * 8 + u]));
            *step = (q1 >= MIN_STEP_RATIO * q2).then_some(q1);
        }
    }
    steps
}

/// Vote sums and counts per offset, first quality and cell, index
/// `(offset · 7 + quality) · cells + cell`, offset `8·(y mod 8) + x mod 8`.
struct Votes {
    sums: Vec<f32>,
    counts: Vec<f32>,
}

/// Streams the image once: row transforms of the last 8 rows kept in a
/// ring, the six coefficients of every block starting on the current row,
/// then their votes, summed over a band of cells row by row (vector lanes
/// along the row) and folded into cells at the band's end. Compiled twice
/// on x86-64, for AVX2 when the processor has it (twice the lanes; no fused
/// multiply-adds, so both give the same sums).
fn count_votes(
    gray: &GrayImage,
    columns: usize,
    rows: usize,
    steps: &[[Option<f32>; POSITIONS.len()]; FIRST_QUALITIES.len()],
) -> Votes {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has just been checked for AVX2.
        return unsafe { count_votes_avx2(gray, columns, rows, steps) };
    }
    count_votes_in_lanes(gray, columns, rows, steps)
}

/// [`count_votes_in_lanes`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn count_votes_avx2(
    gray: &GrayImage,
    columns: usize,
    rows: usize,
    steps: &[[Option<f32>; POSITIONS.len()]; FIRST_QUALITIES.len()],
) -> Votes {
    count_votes_in_lanes(gray, columns, rows, steps)
}

#[inline(always)]
fn count_votes_in_lanes(
    gray: &GrayImage,
    columns: usize,
    rows: usize,
    steps: &[[Option<f32>; POSITIONS.len()]; FIRST_QUALITIES.len()],
) -> Votes {
    let width = gray.width() as usize;
    let pixels = gray.as_raw();
    let span = columns * CELL;
    let cells = columns * rows;
    let qualities = FIRST_QUALITIES.len();
    let mut votes = Votes {
        sums: vec![0.0; 64 * qualities * cells],
        counts: vec![0.0; 64 * qualities * cells],
    };
    let basis = basis();
    let lattices: Vec<Option<Lattice>> = steps
        .iter()
        .map(|steps| {
            steps
                .iter()
                .any(Option::is_some)
                .then(|| Lattice::new(steps))
        })
        .collect();
    // Row transforms: ring[(row mod 8) · 3 + u][x].
    let mut ring = vec![vec![0.0f32; span]; 8 * HORIZONTAL];
    let mut line = vec![0.0f32; span + 7];
    let mut coefficients = vec![vec![0.0f32; span]; POSITIONS.len()];
    // Per row phase and quality, the band's running sums along the row.
    let mut band_sums = vec![vec![0.0f32; span]; 8 * qualities];
    let mut band_counts = vec![vec![0.0f32; span]; 8 * qualities];
    let row_of = |y: usize| &pixels[y * width..][..span + 7];
    for y in 0..7 {
        transform_row(
            row_of(y),
            basis,
            &mut line,
            &mut ring[(y % 8) * HORIZONTAL..][..HORIZONTAL],
        );
    }
    for y in 0..rows * CELL {
        transform_row(
            row_of(y + 7),
            basis,
            &mut line,
            &mut ring[((y + 7) % 8) * HORIZONTAL..][..HORIZONTAL],
        );
        for (out, (v, u)) in coefficients.iter_mut().zip(POSITIONS) {
            out.fill(0.0);
            for (k, &weight) in basis[v].iter().enumerate() {
                let row = &ring[((y + k) % 8) * HORIZONTAL + u];
                for (value, &term) in out.iter_mut().zip(row) {
                    *value += weight * term;
                }
            }
        }
        let phase_row = y % 8;
        let rows: [&[f32]; POSITIONS.len()] = std::array::from_fn(|p| &coefficients[p][..]);
        for (quality, lattice) in lattices.iter().enumerate() {
            let Some(lattice) = lattice else { continue };
            let slot = phase_row * qualities + quality;
            add_votes(&rows, lattice, &mut band_sums[slot], &mut band_counts[slot]);
        }
        if y % CELL == CELL - 1 {
            let cell_row = y / CELL;
            for (slot, (sums, counts)) in band_sums.iter_mut().zip(&mut band_counts).enumerate() {
                let (phase_row, quality) = (slot / qualities, slot % qualities);
                let first = cell_row * columns;
                for (column, (sums, counts)) in sums
                    .chunks_exact(CELL)
                    .zip(counts.chunks_exact(CELL))
                    .enumerate()
                {
                    // The cell's blocks folded by column phase, 8 lanes at once.
                    let (mut phase_sums, mut phase_counts) = ([0.0f32; 8], [0.0f32; 8]);
                    for (sums, counts) in sums.chunks_exact(8).zip(counts.chunks_exact(8)) {
                        for phase_column in 0..8 {
                            phase_sums[phase_column] += sums[phase_column];
                            phase_counts[phase_column] += counts[phase_column];
                        }
                    }
                    for phase_column in 0..8 {
                        let offset = phase_row * 8 + phase_column;
                        let at = (offset * qualities + quality) * cells + first + column;
                        votes.sums[at] += phase_sums[phase_column];
                        votes.counts[at] += phase_counts[phase_column];
                    }
                }
                sums.fill(0.0);
                counts.fill(0.0);
            }
        }
    }
    votes
}

/// The horizontal transforms (frequencies 0–2, rows of the DCT `basis`) of
/// one image row, for the blocks starting at each of its first
/// `out[u].len()` pixels.
#[inline(always)]
fn transform_row(pixels: &[u8], basis: &[[f32; 8]; 8], line: &mut [f32], out: &mut [Vec<f32>]) {
    for (value, &pixel) in line.iter_mut().zip(pixels) {
        *value = f32::from(pixel) - 128.0;
    }
    for (weights, out) in basis[..HORIZONTAL].iter().zip(out) {
        let span = out.len();
        out.fill(0.0);
        for (k, &weight) in weights.iter().enumerate() {
            for (value, &pixel) in out.iter_mut().zip(&line[k..k + span]) {
                *value += weight * pixel;
            }
        }
    }
}

/// One first quality's steps as the vote loop reads them; a position not
/// searched has an infinite threshold and never votes.
struct Lattice {
    inverse: [f32; POSITIONS.len()],
    half: [f32; POSITIONS.len()],
}

impl Lattice {
    fn new(steps: &[Option<f32>; POSITIONS.len()]) -> Lattice {
        Lattice {
            inverse: steps.map(|step| step.map_or(0.0, |q| 1.0 / q)),
            half: steps.map(|step| step.map_or(f32::INFINITY, |q| q / 2.0)),
        }
    }
}

/// Adds one row of blocks' votes for one first quality: per block (pixel
/// `x`), each position's coefficient `c` at or above half a step votes
/// `1 − 4·|c/q − round(c/q)|`. The positions are summed in registers and the
/// row is walked in vector lanes.
#[inline(always)]
fn add_votes(
    rows: &[&[f32]; POSITIONS.len()],
    lattice: &Lattice,
    sums: &mut [f32],
    counts: &mut [f32],
) {
    let length = sums.len().min(counts.len());
    let rows: [&[f32]; POSITIONS.len()] = std::array::from_fn(|p| &rows[p][..length]);
    let (sums, counts) = (&mut sums[..length], &mut counts[..length]);
    for x in 0..length {
        // Σ votes = count − 4·Σ|distance|: one multiply per block, not per vote.
        let (mut distances, mut count) = (0.0f32, 0.0f32);
        for ((row, &half), &inverse) in rows.iter().zip(&lattice.half).zip(&lattice.inverse) {
            let c = row[x];
            let counted = c.abs() >= half;
            let distance = distance_to_integer(c * inverse).abs();
            distances += if counted { distance } else { 0.0 };
            count += f32::from(u8::from(counted));
        }
        sums[x] += count - 4.0 * distances;
        counts[x] += count;
    }
}

/// Looks for a window of cells whose blocks at one offset off the file's
/// grid sit on a coarser quantisation lattice than the rest of the image.
/// `grid` is the file's own block-grid phase ((0, 0) for a JPEG);
/// `last_steps` its luminance steps in natural order, when known.
pub fn find_non_aligned_double_quantization(
    gray: &GrayImage,
    grid: (usize, usize),
    last_steps: Option<&[u16; 64]>,
) -> NonAlignedDoubleQuantization {
    let columns = (gray.width() as usize).saturating_sub(7) / CELL;
    let rows = (gray.height() as usize).saturating_sub(7) / CELL;
    let mut found = NonAlignedDoubleQuantization {
        score: 0.0,
        offset: (0, 0),
        first_quality: FIRST_QUALITIES[0],
        windows: 0,
        map: HeatMap {
            cell: CELL as u32,
            columns,
            rows,
            values: vec![0.0; columns * rows],
        },
    };
    if columns < WINDOW.1 || rows < WINDOW.0 {
        return found;
    }
    let steps = first_steps(last_steps);
    let Votes { sums, counts } = count_votes(gray, columns, rows, &steps);
    let cells = columns * rows;
    let qualities = FIRST_QUALITIES.len();
    let own_offset = (grid.1 % 8) * 8 + grid.0 % 8;
    // z-scores in place of the sums: each cell against its mean vote over
    // the offsets off the file's grid (the mean of the offsets' means).
    let mut z = sums;
    let mut base = vec![0.0f32; cells];
    let mut measured = vec![0u8; cells];
    for quality in 0..qualities {
        let at = |offset: usize| (offset * qualities + quality) * cells;
        base.fill(0.0);
        measured.fill(0);
        for offset in (0..64).filter(|&offset| offset != own_offset) {
            let (sums, counts) = (&z[at(offset)..][..cells], &counts[at(offset)..][..cells]);
            for (((&sum, &count), base), measured) in
                sums.iter().zip(counts).zip(&mut base).zip(&mut measured)
            {
                let usable = count >= MIN_VOTES;
                *base += if usable { sum / count } else { 0.0 };
                *measured += u8::from(usable);
            }
        }
        for (base, &measured) in base.iter_mut().zip(&measured) {
            *base = if measured >= 8 {
                *base / f32::from(measured)
            } else {
                f32::NAN
            };
        }
        for offset in 0..64 {
            let (sums, counts) = (
                &mut z[at(offset)..][..cells],
                &counts[at(offset)..][..cells],
            );
            for ((sum, &count), &base) in sums.iter_mut().zip(counts).zip(&base) {
                let usable = offset != own_offset && count >= MIN_VOTES && !base.is_nan();
                *sum = if usable {
                    (*sum - count * base) / (VOTE_VARIANCE * count).sqrt()
                } else {
                    0.0
                };
            }
        }
    }
    // Windows of cells at each offset and quality, against their mean.
    let (window_rows, window_columns) = (rows + 1 - WINDOW.0, columns + 1 - WINDOW.1);
    found.windows = window_rows * window_columns;
    let scale = ((WINDOW.0 * WINDOW.1) as f32).sqrt();
    let mut windows = vec![0.0f32; found.windows];
    let mut pair = vec![0.0f32; columns];
    let mut best: Option<(f32, usize, usize, usize)> = None;
    for offset in (0..64).filter(|&offset| offset != own_offset) {
        for quality in 0..qualities {
            let plane = &z[(offset * qualities + quality) * cells..][..cells];
            for (row, windows) in windows.chunks_exact_mut(window_columns).enumerate() {
                // Sums down the window's rows, then along them.
                pair.fill(0.0);
                for line in plane[row * columns..][..WINDOW.0 * columns].chunks_exact(columns) {
                    for (total, &value) in pair.iter_mut().zip(line) {
                        *total += value;
                    }
                }
                for (column, window) in windows.iter_mut().enumerate() {
                    *window = pair[column..column + WINDOW.1].iter().sum::<f32>() / scale;
                }
            }
            let typical = windows.iter().sum::<f32>() / windows.len() as f32;
            for (i, &window) in windows.iter().enumerate() {
                let excess = window - typical;
                if best.is_none_or(|(score, ..)| excess > score) {
                    best = Some((excess, offset, quality, i));
                }
            }
        }
    }
    let Some((score, offset, quality, window)) = best else {
        return found;
    };
    found.score = f64::from(score.max(0.0));
    // Report the offset from the file's grid.
    let (ox, oy) = (offset % 8, offset / 8);
    found.offset = ((ox + 8 - grid.0 % 8) % 8, (oy + 8 - grid.1 % 8) % 8);
    found.first_quality = FIRST_QUALITIES[quality];
    if found.score > FLAG_SCORE {
        let plane = &z[(offset * qualities + quality) * cells..][..cells];
        let (wy, wx) = (window / window_columns, window % window_columns);
        for row in wy..wy + WINDOW.0 {
            for column in wx..wx + WINDOW.1 {
                let cell = row * columns + column;
                found.map.values[cell] = (plane[cell] / 6.0).clamp(0.0, 1.0);
            }
        }
    }
    found
}

/// The non-aligned double-quantisation signal of a decoded image, and what
/// it found. See [`find_non_aligned_double_quantization`] for the inputs.
pub fn non_aligned_double_quantization_signal(
    gray: &GrayImage,
    grid: (usize, usize),
    last_steps: Option<&[u16; 64]>,
) -> (Signal, NonAlignedDoubleQuantization) {
    let found = find_non_aligned_double_quantization(gray, grid, last_steps);
    let mut signal = Signal::not_applicable("non_aligned_double_quantization");
    if found.windows >= 8 {
        signal.applicable = true;
        signal.statistic = ((found.score - NOISE_SCORE) / SCORE_UNIT).max(0.0);
        if found.score > FLAG_SCORE {
            signal.flags.push("non_aligned_double_compression".into());
        }
    }
    (signal, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forensics::test_images::{decode, document, jpeg, paste};
    use crate::media::parse_jpeg;

    /// The check on a JPEG file, as the analysis runs it.
    fn found_in(bytes: &[u8]) -> (Signal, NonAlignedDoubleQuantization) {
        let steps = parse_jpeg(bytes)
            .ok()
            .and_then(|s| s.luminance_table().map(|t| t.natural_order()));
        non_aligned_double_quantization_signal(&decode(bytes), (0, 0), steps.as_ref())
    }

    fn flagged(signal: &Signal) -> bool {
        signal
            .flags
            .iter()
            .any(|f| f == "non_aligned_double_compression")
    }

    /// A patch cut on the grid of a page saved at `donor_quality`, pasted at
    /// (`x`, `y`) into a fresh page, the whole saved at quality 92.
    fn spliced(donor_quality: u8, x: u32, y: u32) -> Vec<u8> {
        let mut page = document(512, 384, 3.0, 1);
        let donor = decode(&jpeg(&document(512, 384, 3.0, 7), donor_quality));
        let patch = image::imageops::crop_imm(&donor, 256, 128, 160, 112).to_image();
        paste(&mut page, &patch, x, y);
        jpeg(&page, 92)
    }

    #[test]
    fn votes_measure_the_distance_to_the_nearest_integer() {
        for (t, distance) in [
            (0.0, 0.0),
            (2.25, 0.25),
            (-3.75, 0.25),
            (7.5, 0.5),
            (100.1, 0.1),
        ] {
            let d = distance_to_integer(t).abs();
            assert!((d - distance).abs() < 1e-4, "{t}: {d}");
        }
    }

    #[test]
    fn steps_not_clearly_coarser_than_the_files_own_are_not_searched() {
        let fine = first_steps(None);
        assert!(fine.iter().flatten().all(Option::is_some));
        // A file saved at 60 leaves only the coarsest first qualities'
        // coarsest positions.
        let coarse = first_steps(Some(&natural_order(&libjpeg_luminance_table(60))));
        assert!(
            coarse[FIRST_QUALITIES.len() - 1]
                .iter()
                .all(Option::is_none)
        );
        assert!(coarse.iter().flatten().filter(|s| s.is_some()).count() < 6);
    }

    #[test]
    fn a_page_saved_once_shows_no_shifted_lattice() {
        let (signal, found) = found_in(&jpeg(&document(512, 384, 3.0, 1), 90));
        assert!(signal.applicable);
        assert!(!flagged(&signal), "{found:?}");
        // The best of ~10⁴ windows of noise, well under the flag.
        assert!(found.score < 0.75 * FLAG_SCORE, "{}", found.score);
    }

    #[test]
    fn a_patch_from_a_coarser_jpeg_pasted_off_the_grid_is_found_at_its_offset() {
        let (signal, found) = found_in(&spliced(55, 259, 133));
        assert!(flagged(&signal), "{found:?}");
        assert_eq!(found.offset, (3, 5));
        assert!((50..=65).contains(&found.first_quality), "{found:?}");
        // The patch spans cells 8–12 across and 4–7 down.
        let columns = found.map.columns;
        let hot: Vec<usize> = (0..found.map.values.len())
            .filter(|&i| found.map.values[i] > 0.0)
            .collect();
        assert!(!hot.is_empty());
        assert!(
            hot.iter()
                .all(|i| (7..=13).contains(&(i % columns)) && (3..=8).contains(&(i / columns))),
            "{hot:?}"
        );
    }

    #[test]
    fn the_same_patch_pasted_on_the_grid_is_not_this_checks_to_find() {
        let (signal, found) = found_in(&spliced(55, 256, 128));
        assert!(!flagged(&signal), "{found:?}");
    }

    #[test]
    fn a_crop_of_a_coarse_jpeg_shifts_the_whole_page_and_is_not_flagged() {
        let page = decode(&jpeg(&document(520, 392, 3.0, 1), 55));
        let cropped = image::imageops::crop_imm(&page, 3, 6, 512, 384).to_image();
        let (signal, found) = found_in(&jpeg(&cropped, 92));
        assert!(!flagged(&signal), "{found:?}");
    }

    #[test]
    fn a_coarse_jpeg_saved_again_finer_is_not_flagged() {
        let page = decode(&jpeg(&document(512, 384, 3.0, 1), 60));
        let (signal, found) = found_in(&jpeg(&page, 92));
        assert!(!flagged(&signal), "{found:?}");
    }

    #[test]
    fn pixels_without_tables_as_from_a_png_are_searched_at_every_step() {
        // What a PNG made from the JPEG holds: no table to rule steps out.
        let forged = decode(&spliced(55, 259, 133));
        let (signal, found) = non_aligned_double_quantization_signal(&forged, (0, 0), None);
        assert!(flagged(&signal), "{found:?}");
        assert_eq!(found.offset, (3, 5));
        let authentic = decode(&jpeg(&document(512, 384, 3.0, 1), 75));
        let (signal, found) = non_aligned_double_quantization_signal(&authentic, (0, 0), None);
        assert!(!flagged(&signal), "{found:?}");
    }

    #[test]
    fn the_avx2_build_counts_the_same_votes_as_the_portable_one() {
        let page = decode(&spliced(60, 261, 130));
        let (columns, rows) = (
            (page.width() as usize - 7) / CELL,
            (page.height() as usize - 7) / CELL,
        );
        let steps = first_steps(None);
        let dispatched = count_votes(&page, columns, rows, &steps);
        let portable = count_votes_in_lanes(&page, columns, rows, &steps);
        assert_eq!(dispatched.sums, portable.sums);
        assert_eq!(dispatched.counts, portable.counts);
    }

    #[test]
    fn sizes_at_the_edge_of_one_window_are_handled() {
        // 4 x 2 cells of blocks need 7 + 128 by 7 + 64 pixels.
        let (signal, found) = found_in(&jpeg(&document(135, 71, 3.0, 2), 90));
        assert_eq!(found.windows, 1);
        assert!(!signal.applicable, "one window is too few to judge");
        let (_, found) = found_in(&jpeg(&document(134, 71, 3.0, 2), 90));
        assert_eq!(found.windows, 0);
    }

    #[test]
    fn an_image_too_small_for_a_window_is_not_applicable() {
        let (signal, found) = found_in(&jpeg(&document(100, 60, 3.0, 1), 90));
        assert!(!signal.applicable);
        assert_eq!(found.windows, 0);
    }
}
