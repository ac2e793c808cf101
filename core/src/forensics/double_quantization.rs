//! Aligned double quantisation (A-DJPG): a region that was JPEG-compressed
//! at one quality, pasted on the 8x8 grid of another picture and saved again
//! at a finer quality keeps its first quantisation in the DCT coefficients.
//!
//! A coefficient first quantised with step `q1` and re-quantised with a
//! smaller `q2` can only take the values `round(m·q1/q2)`: the histogram has
//! gaps. Read from the file's own quantised coefficients
//! ([`crate::media::read_dct`]), each nonzero low-frequency coefficient
//! votes for or against "was on a `q1` lattice" with the log-likelihood ratio
//! of a fit under double against single compression. The first table is
//! searched among libjpeg's quality-scaled tables (what nearly every encoder
//! writes), so one number, the first quality, ties the 14 positions
//! together and keeps chance fits rare.
//!
//! Evidence is summed per 32-pixel cell (4x4 blocks). What counts is a
//! region unlike the rest: a minority of cells with strong double-compression
//! evidence (a splice from a coarser JPEG), or, in an image that was double
//! compressed as a whole (an edited camera JPEG), a region with strong
//! evidence against it (what was painted or pasted before the last save).
//! A whole image compressed twice alone is re-saving, which is no forgery.
//!
//! Written here because no crate offers DCT-domain forensics.

use crate::media::{DctPlane, ZIGZAG_TO_NATURAL, libjpeg_luminance_table};

use super::Signal;
use super::cells::{HeatMap, largest_region};

/// Blocks per cell side (32 pixels).
const CELL_BLOCKS: usize = 4;

/// Zig-zag positions examined: the low and middle frequencies, which carry
/// most nonzero coefficients and the coarsest first-quantisation steps.
const POSITIONS: std::ops::RangeInclusive<usize> = 1..=14;

/// Largest coefficient magnitude voting; larger ones are rare and add little.
const MAX_MAGNITUDE: usize = 48;

/// Rounding noise tolerated around a lattice point, in coefficient units
/// (pixel rounding and the colour conversion between the two saves).
const ROUNDING_SLACK: f64 = 1.0;

/// Share of coefficients on the lattice in a double-compressed block.
const FIT_IF_DOUBLE: f64 = 0.95;

/// Positions where a chance fit is likelier than this carry no vote.
const MAX_CHANCE_FIT: f64 = 0.8;

/// Log-likelihood (nats) a cell needs to count for or against double
/// compression.
const CELL_EVIDENCE: f64 = 5.0;

/// Region evidence (nats) above which the flag is raised.
const FLAG_EVIDENCE: f64 = 60.0;

/// The signal's statistic for `region_evidence` nats: the log of the
/// evidence in cells' worth, so one huge region does not swamp the model.
fn statistic_of(region_evidence: f64) -> f64 {
    (region_evidence / CELL_EVIDENCE).ln_1p()
}

/// The statistic at which the flag is raised: the unit in which the fusion
/// model compares this check with the non-aligned one.
pub fn double_quantization_flag_statistic() -> f64 {
    statistic_of(FLAG_EVIDENCE)
}

/// First qualities searched.
const FIRST_QUALITIES: std::ops::RangeInclusive<u8> = 20..=98;

/// What the double-quantisation check found.
#[derive(Debug, Clone, PartialEq)]
pub struct DoubleQuantization {
    /// The first quality: of the whole image when most of it was compressed
    /// twice, else of the odd region, if one stood out.
    pub first_quality: Option<u8>,
    /// Evidence (nats) of the odd region out.
    pub region_evidence: f64,
    /// Cells in that region.
    pub region_cells: usize,
    /// Whether most measured cells were double compressed at that quality
    /// (the odd region is then one that was not).
    pub mostly_double: bool,
    /// 0–1 map of the odd region's cells.
    pub map: HeatMap,
}

/// The magnitudes of one position's nonzero low-frequency coefficients,
/// cell after cell: one buffer and where each cell's part ends, not a
/// vector per cell.
struct PositionMagnitudes {
    values: Vec<u8>,
    ends: Vec<u32>,
}

impl PositionMagnitudes {
    /// Each cell's magnitudes, in cell order.
    fn cells(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| &self.values[start as usize..end as usize])
    }
}

/// Per examined position (index into [`POSITIONS`]), the magnitudes of its
/// nonzero coefficients up to [`MAX_MAGNITUDE`], by cell.
fn magnitudes(plane: &DctPlane, columns: usize, rows: usize) -> Vec<PositionMagnitudes> {
    let mut found: Vec<PositionMagnitudes> = POSITIONS
        .map(|_| PositionMagnitudes {
            values: Vec::new(),
            ends: Vec::with_capacity(columns * rows),
        })
        .collect();
    for row in 0..rows {
        for column in 0..columns {
            for by in row * CELL_BLOCKS..(row + 1) * CELL_BLOCKS {
                for bx in column * CELL_BLOCKS..(column + 1) * CELL_BLOCKS {
                    let block = plane.block(bx, by);
                    for (position, zigzag) in found.iter_mut().zip(POSITIONS) {
                        let magnitude = block[ZIGZAG_TO_NATURAL[zigzag]].unsigned_abs() as usize;
                        if magnitude != 0 && magnitude <= MAX_MAGNITUDE {
                            position.values.push(magnitude as u8);
                        }
                    }
                }
            }
            for position in &mut found {
                position.ends.push(position.values.len() as u32);
            }
        }
    }
    found
}

/// Which magnitudes a coefficient double compressed with first step `q1`
/// and second step `q2` can take, and the log-likelihood ratio (double
/// against single compression) of a coefficient that fits and of one that
/// does not.
struct Lattice {
    fits: [u8; MAX_MAGNITUDE + 1],
    on: f64,
    off: f64,
}

impl Lattice {
    /// The evidence of a cell's `total` coefficients of which `fitting`
    /// are on the lattice: counted, then weighed once (not a chain of
    /// floating-point additions).
    fn weigh(&self, fitting: u32, total: u32) -> f64 {
        self.on * f64::from(fitting) + self.off * f64::from(total - fitting)
    }
}

/// The lattice of first step `q1` under second step `q2`; `None` where `q1`
/// leaves no gaps.
fn lattice(q1: f64, q2: f64) -> Option<Lattice> {
    if q1 <= q2 {
        return None;
    }
    let fits: [bool; MAX_MAGNITUDE + 1] = std::array::from_fn(|k| {
        let value = k as f64 * q2;
        let nearest = (value / q1).round() * q1;
        (value - nearest).abs() <= q2 / 2.0 + ROUNDING_SLACK
    });
    // The chance of a fit for a single-compressed coefficient, whose
    // magnitudes fall off roughly geometrically.
    let (mut hit, mut total) = (0.0, 0.0);
    for (k, &fit) in fits.iter().enumerate().skip(1) {
        let weight = 0.8f64.powi(k as i32);
        total += weight;
        if fit {
            hit += weight;
        }
    }
    let chance = hit / total;
    if chance > MAX_CHANCE_FIT {
        return None;
    }
    Some(Lattice {
        fits: fits.map(u8::from),
        on: (FIT_IF_DOUBLE / chance).ln(),
        off: ((1.0 - FIT_IF_DOUBLE) / (1.0 - chance)).ln(),
    })
}

/// Per cell, the evidence of one position's coefficients for each first
/// step the searched qualities give it. Neighbouring qualities share most
/// steps, so each distinct step is weighed once; and all steps are counted
/// in one pass over the coefficients, one byte lane per step (each
/// magnitude adds its row of fits to the cell's counts), rather than one
/// pass per step.
struct PositionEvidence {
    /// The distinct first steps with a lattice, ascending.
    steps: Vec<u16>,
    /// `evidence[step index * cells + cell]`.
    evidence: Vec<f64>,
    cells: usize,
}

impl PositionEvidence {
    /// The evidence of the position at `zigzag`, whose own (second) step
    /// is `q2`, from its coefficients' `magnitudes`.
    fn new(zigzag: usize, q2: u16, magnitudes: &PositionMagnitudes) -> Self {
        let mut steps: Vec<u16> = FIRST_QUALITIES
            .map(|quality| libjpeg_luminance_table(quality)[zigzag])
            .collect();
        steps.sort_unstable();
        steps.dedup();
        let (steps, lattices): (Vec<u16>, Vec<Lattice>) = steps
            .into_iter()
            .filter_map(|q1| Some((q1, lattice(f64::from(q1), f64::from(q2))?)))
            .unzip();
        let lanes = lattices.len();
        // fits[magnitude * lanes + lane]: 1 where the magnitude is on the
        // lane's lattice.
        let mut fits = vec![0u8; (MAX_MAGNITUDE + 1) * lanes];
        for (lane, lattice) in lattices.iter().enumerate() {
            for (magnitude, &fit) in lattice.fits.iter().enumerate() {
                fits[magnitude * lanes + lane] = fit;
            }
        }
        let cells = magnitudes.ends.len();
        let mut evidence = vec![0.0; lanes * cells];
        // At most one coefficient per block and 16 blocks per cell: a byte
        // holds the count.
        let mut fitting = vec![0u8; lanes];
        for (cell, values) in magnitudes.cells().enumerate() {
            fitting.fill(0);
            for &magnitude in values {
                let row = &fits[usize::from(magnitude) * lanes..][..lanes];
                for (count, &fit) in fitting.iter_mut().zip(row) {
                    *count += fit;
                }
            }
            for (lane, (lattice, &count)) in lattices.iter().zip(&fitting).enumerate() {
                evidence[lane * cells + cell] = lattice.weigh(count.into(), values.len() as u32);
            }
        }
        PositionEvidence {
            steps,
            evidence,
            cells,
        }
    }

    /// The per-cell evidence for first step `q1`, or `None` where it leaves
    /// no gaps (or no searched quality gives it).
    fn get(&self, q1: u16) -> Option<&[f64]> {
        let lane = self.steps.binary_search(&q1).ok()?;
        Some(&self.evidence[lane * self.cells..][..self.cells])
    }
}

/// Looks for a region whose double-quantisation evidence differs from the
/// rest of the image.
pub fn find_double_quantization(plane: &DctPlane) -> DoubleQuantization {
    let columns = plane.blocks_wide / CELL_BLOCKS;
    let rows = plane.blocks_high / CELL_BLOCKS;
    let mut found = DoubleQuantization {
        first_quality: None,
        region_evidence: 0.0,
        region_cells: 0,
        mostly_double: false,
        map: HeatMap {
            cell: (CELL_BLOCKS * 8) as u32,
            columns,
            rows,
            values: vec![0.0; columns * rows],
        },
    };
    let magnitudes = magnitudes(plane, columns, rows);
    let positions: Vec<PositionEvidence> = POSITIONS
        .zip(&magnitudes)
        .map(|(position, magnitudes)| {
            let q2 = plane.quantization[ZIGZAG_TO_NATURAL[position]];
            PositionEvidence::new(position, q2, magnitudes)
        })
        .collect();
    // Per first quality, the evidence of each cell.
    let mut candidates: Vec<(u8, Vec<f64>)> = Vec::new();
    for quality in FIRST_QUALITIES {
        let zigzag = libjpeg_luminance_table(quality);
        let mut evidence: Option<Vec<f64>> = None;
        for (position, found) in POSITIONS.zip(&positions) {
            if let Some(part) = found.get(zigzag[position]) {
                let sum = evidence.get_or_insert_with(|| vec![0.0; columns * rows]);
                for (total, value) in sum.iter_mut().zip(part) {
                    *total += value;
                }
            }
        }
        if let Some(evidence) = evidence {
            candidates.push((quality, evidence));
        }
    }
    let double_share = |evidence: &[f64]| {
        let measured = evidence.iter().filter(|e| e.abs() >= CELL_EVIDENCE).count();
        let double = evidence.iter().filter(|&&e| e >= CELL_EVIDENCE).count();
        (measured >= 8).then(|| double as f64 / measured as f64)
    };
    // The first quality that best explains the whole image: if most of it
    // was compressed twice at that quality, the odd region is the part that
    // was not; otherwise look, at every quality, for a region that was.
    let totals: Vec<f64> = candidates.iter().map(|(_, e)| e.iter().sum()).collect();
    let whole = (0..candidates.len())
        .max_by(|&a, &b| totals[a].total_cmp(&totals[b]))
        .map(|best| &candidates[best]);
    let mostly_double = whole.is_some_and(|(_, e)| double_share(e).is_some_and(|s| s > 0.5));
    found.mostly_double = mostly_double;
    let searched: Vec<&(u8, Vec<f64>)> = match whole {
        Some(whole) if mostly_double => {
            found.first_quality = Some(whole.0);
            vec![whole]
        }
        _ => candidates
            .iter()
            .filter(|(_, e)| double_share(e).is_some())
            .collect(),
    };
    for (quality, evidence) in searched {
        let odd = |i: usize| {
            let e = evidence[i];
            let strong = if mostly_double { -e } else { e };
            (strong >= CELL_EVIDENCE).then_some(strong)
        };
        let (score, cells) = largest_region(columns, rows, odd);
        if score > found.region_evidence {
            found.first_quality = Some(*quality);
            found.region_evidence = score;
            found.region_cells = cells;
            for (i, heat) in found.map.values.iter_mut().enumerate() {
                *heat = odd(i).map_or(0.0, |e| (e / (4.0 * CELL_EVIDENCE)).min(1.0) as f32);
            }
        }
    }
    found
}

/// The double-quantisation signal of a JPEG's luminance coefficients, and
/// what it found.
pub fn double_quantization_signal(plane: &DctPlane) -> (Signal, DoubleQuantization) {
    let found = find_double_quantization(plane);
    let mut signal = Signal::not_applicable("double_quantization");
    if found.map.values.len() >= 8 {
        signal.applicable = true;
        signal.statistic = statistic_of(found.region_evidence);
        if found.region_evidence > FLAG_EVIDENCE {
            signal.flags.push("double_compression_region".into());
        }
    }
    (signal, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forensics::test_images::{decode, document, jpeg, paste};
    use crate::media::{DecodeLimits, read_dct};

    fn signal_of(bytes: &[u8]) -> (Signal, DoubleQuantization) {
        double_quantization_signal(&read_dct(bytes, &DecodeLimits::default()).unwrap())
    }

    fn flagged(signal: &Signal) -> bool {
        signal
            .flags
            .iter()
            .any(|f| f == "double_compression_region")
    }

    #[test]
    fn a_single_save_shows_no_region() {
        let (signal, found) = signal_of(&jpeg(&document(480, 320, 3.0, 1), 90));
        assert!(signal.applicable);
        assert!(signal.flags.is_empty(), "{found:?}");
    }

    #[test]
    fn a_resaved_page_is_double_compressed_throughout_without_a_region() {
        let once = decode(&jpeg(&document(480, 320, 3.0, 1), 60));
        let (signal, found) = signal_of(&jpeg(&once, 90));
        assert!(signal.flags.is_empty(), "{found:?}");
        assert!(found.mostly_double);
        assert_eq!(found.first_quality, Some(60));
    }

    #[test]
    fn a_patch_from_a_coarser_jpeg_pasted_on_the_grid_is_found_where_it_is() {
        let mut page = document(480, 320, 3.0, 1);
        let donor = decode(&jpeg(&document(480, 320, 3.0, 7), 55));
        let patch = image::imageops::crop_imm(&donor, 256, 128, 128, 96).to_image();
        paste(&mut page, &patch, 256, 128);
        let (signal, found) = signal_of(&jpeg(&page, 92));
        assert!(flagged(&signal), "{found:?}");
        assert!(!found.mostly_double);
        assert!(found.first_quality.is_some_and(|q| (45..=65).contains(&q)));
        // Cells 8–11 across, 4–6 down are the patch.
        let columns = found.map.columns;
        assert!(found.map.values[5 * columns + 9] > 0.0);
        assert_eq!(found.map.values[columns + 2], 0.0);
    }

    #[test]
    fn a_fresh_region_in_a_resaved_page_is_found() {
        let mut page = decode(&jpeg(&document(480, 320, 3.0, 1), 55));
        let fresh = document(128, 96, 3.0, 9);
        paste(&mut page, &fresh, 256, 128);
        let (signal, found) = signal_of(&jpeg(&page, 92));
        assert!(flagged(&signal), "{found:?}");
        assert!(found.mostly_double);
    }

    #[test]
    fn all_steps_counted_at_once_match_each_step_weighed_alone() {
        // Three cells of magnitudes (the last empty), at zig-zag position 1
        // with the file's own step 3.
        let magnitudes = PositionMagnitudes {
            values: vec![
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 30, 48, 2, 4, 6, 8,
            ],
            ends: vec![15, 19, 19],
        };
        let position = PositionEvidence::new(1, 3, &magnitudes);
        assert!(position.steps.len() > 5, "{:?}", position.steps);
        for &q1 in &position.steps {
            let lattice = lattice(f64::from(q1), 3.0).unwrap();
            let expected: Vec<f64> = magnitudes
                .cells()
                .map(|cell| {
                    let fitting = cell
                        .iter()
                        .map(|&m| u32::from(lattice.fits[usize::from(m)]));
                    lattice.weigh(fitting.sum(), cell.len() as u32)
                })
                .collect();
            assert_eq!(position.get(q1).unwrap(), &expected[..], "step {q1}");
        }
        // A step no searched quality gives, and one finer than the file's.
        assert!(position.get(1000).is_none());
        assert!(position.get(2).is_none());
    }

    #[test]
    fn a_tiny_image_is_not_applicable() {
        let (signal, _) = signal_of(&jpeg(&document(40, 40, 3.0, 1), 90));
        assert!(!signal.applicable);
    }
}
