//! Noiseless region: a patch that carries none of the capture noise every
//! other part of the photograph has — a field blanked with a flat fill and
//! typed over, or a portrait pasted from a clean render.
//!
//! A camera adds sensor noise everywhere, and a JPEG saved finely keeps it
//! in the low-frequency coefficients, so an 8x8 block whose pixels all lie
//! within one gray level of each other is rare in a photo. How rare depends
//! on the last save's quantisation: with steps `q` a noise of standard
//! deviation `σ` rounds a coefficient to zero with chance
//! `erf(q / (2√2 σ))`. Each flat block on the file's grid counts the
//! surprise `−ln` of that chance over the nine lowest AC positions, at a
//! noise floor a camera does not go below, but never more than the image
//! itself makes it: `−ln` of the share of flat blocks among its blocks of
//! the same brightness (a dark banner flattens at any quality; bright paper
//! seldom does). The evidence is the largest 8-connected group of flat
//! blocks by summed surprise. Coarse saves make flatness cheap (a
//! quality-60 re-save flattens paper all over), fine saves make it
//! expensive, and clipped blocks (burnt-out white, deep black) never
//! count. An image that is mostly flat is a digital render
//! with no capture noise to miss: the check does not apply.
//!
//! Written here: image forensics crates offer no such measure.

use image::GrayImage;

use super::Signal;
use super::cells::{HeatMap, largest_region_members};
use crate::media::ZIGZAG_TO_NATURAL;

/// Block side in pixels.
const BLOCK: usize = 8;

/// Cell side of the heat map, in blocks (32 pixels, as the other maps).
const MAP_BLOCKS: usize = 4;

/// A block whose pixels span at most this many gray levels is flat.
const FLAT_RANGE: u8 = 1;

/// Blocks with a pixel at or beyond these levels are clipped, whose
/// flatness the sensor's range explains.
const DARKEST: u8 = 6;
const BRIGHTEST: u8 = 249;

/// The least noise (gray levels, standard deviation) a camera leaves in an
/// unclipped region.
const NOISE_FLOOR: f64 = 1.0;

/// Zig-zag positions whose rounding to zero a flat block needed.
const LOW_POSITIONS: std::ops::RangeInclusive<usize> = 1..=9;

/// Most surprise one block adds (nats).
const MAX_BLOCK_SURPRISE: f64 = 8.0;

/// Share of flat blocks above which the image is taken as a digital render.
const MAX_FLAT_SHARE: f64 = 0.5;

/// Fewest unclipped blocks for the check to apply.
const MIN_MEASURED: usize = 64;

/// Region evidence (nats) above which the flag is raised.
const FLAG_EVIDENCE: f64 = 40.0;

/// What the noiseless-region check found.
#[derive(Debug, Clone, PartialEq)]
pub struct NoiselessRegion {
    /// Summed surprise (nats) of the largest group of flat blocks.
    pub evidence: f64,
    /// Blocks in that group.
    pub blocks: usize,
    /// Share of unclipped blocks that are flat.
    pub flat_share: f64,
    /// Unclipped blocks.
    pub measured: usize,
    /// 0–1 map, per 32-pixel cell, of the group's share of the cell.
    pub map: HeatMap,
}

/// How surprising one flat block is after a save with `table` (luminance,
/// natural order; `None` for a lossless image): `−ln` of the chance that
/// noise at the floor rounds every low AC coefficient to zero.
pub fn flat_block_surprise(table: Option<&[u16; 64]>) -> f64 {
    let surprise: f64 = LOW_POSITIONS
        .map(|zigzag| {
            let step = table.map_or(1.0, |t| f64::from(t[ZIGZAG_TO_NATURAL[zigzag]]));
            -erf(step / (2.0 * std::f64::consts::SQRT_2 * NOISE_FLOOR)).ln()
        })
        .sum();
    surprise.min(MAX_BLOCK_SURPRISE)
}

/// The error function (Abramowitz and Stegun 7.1.26, error below 1.5e-7),
/// for non-negative arguments.
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    (1.0 - poly * (-x * x).exp()).max(f64::MIN_POSITIVE)
}

/// Flat, clipped or ordinary: one block of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Flat,
    Clipped,
    Textured,
}

/// One block: its kind and its brightness bin.
#[derive(Debug, Clone, Copy)]
struct Block {
    kind: Kind,
    bin: usize,
}

/// Brightness bins of the flatness estimate (16 gray levels each): dark
/// ink or a dark banner flattens more readily than bright paper.
const BINS: usize = 16;

/// Weight, in blocks, of the table's prior in each bin's estimate.
const PRIOR_BLOCKS: f64 = 10.0;

fn classify(gray: &GrayImage, x0: usize, y0: usize) -> Block {
    let width = gray.width() as usize;
    let pixels = gray.as_raw();
    let (mut low, mut high, mut sum) = (u8::MAX, u8::MIN, 0u32);
    for y in y0..y0 + BLOCK {
        for &p in &pixels[y * width + x0..y * width + x0 + BLOCK] {
            low = low.min(p);
            high = high.max(p);
            sum += u32::from(p);
        }
    }
    let kind = if low <= DARKEST || high >= BRIGHTEST {
        Kind::Clipped
    } else if high - low <= FLAT_RANGE {
        Kind::Flat
    } else {
        Kind::Textured
    };
    let bin = (sum / (BLOCK * BLOCK) as u32) as usize * BINS / 256;
    Block { kind, bin }
}

/// Per brightness bin, the surprise (nats) of a flat block: `−ln` of the
/// share of flat blocks among the bin's unclipped blocks, smoothed towards
/// the table's `prior` chance.
fn bin_surprises(blocks: &[Block], prior: f64) -> [f64; BINS] {
    let (mut flat, mut total) = ([0usize; BINS], [0usize; BINS]);
    for block in blocks {
        if block.kind != Kind::Clipped {
            total[block.bin] += 1;
            flat[block.bin] += usize::from(block.kind == Kind::Flat);
        }
    }
    std::array::from_fn(|bin| {
        let chance = (flat[bin] as f64 + PRIOR_BLOCKS * prior) / (total[bin] as f64 + PRIOR_BLOCKS);
        (-chance.ln()).clamp(0.0, MAX_BLOCK_SURPRISE)
    })
}

/// Looks for the largest group of flat blocks on the grid starting at
/// `origin` (0, 0 for a JPEG's own), each weighed by how unlikely the last
/// save (`table`, natural order) and the image's other blocks of its
/// brightness made flatness.
pub fn find_noiseless_region(
    gray: &GrayImage,
    origin: (usize, usize),
    table: Option<&[u16; 64]>,
) -> NoiselessRegion {
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    let columns = width.saturating_sub(origin.0) / BLOCK;
    let rows = height.saturating_sub(origin.1) / BLOCK;
    let blocks: Vec<Block> = (0..rows)
        .flat_map(|row| (0..columns).map(move |column| (column, row)))
        .map(|(column, row)| classify(gray, origin.0 + column * BLOCK, origin.1 + row * BLOCK))
        .collect();
    let measured = blocks.iter().filter(|b| b.kind != Kind::Clipped).count();
    let flat = blocks.iter().filter(|b| b.kind == Kind::Flat).count();
    // A flat block surprises as much as the last save's table and the
    // image's other blocks of its brightness both say: a coarse save
    // flattens everything, and a dark banner flattens at any quality.
    let table_surprise = flat_block_surprise(table);
    let surprises = bin_surprises(&blocks, (-table_surprise).exp()).map(|s| s.min(table_surprise));
    let member = |i: usize| (blocks[i].kind == Kind::Flat).then(|| surprises[blocks[i].bin]);
    let (evidence, group) = largest_region_members(columns, rows, member);
    let (map_columns, map_rows) = (columns / MAP_BLOCKS, rows / MAP_BLOCKS);
    let mut map = HeatMap {
        cell: (MAP_BLOCKS * BLOCK) as u32,
        columns: map_columns,
        rows: map_rows,
        values: vec![0.0; map_columns * map_rows],
    };
    for i in &group {
        let (column, row) = (i % columns / MAP_BLOCKS, i / columns / MAP_BLOCKS);
        if column < map_columns && row < map_rows {
            map.values[row * map_columns + column] += 1.0 / (MAP_BLOCKS * MAP_BLOCKS) as f32;
        }
    }
    NoiselessRegion {
        evidence,
        blocks: group.len(),
        flat_share: if measured == 0 {
            0.0
        } else {
            flat as f64 / measured as f64
        },
        measured,
        map,
    }
}

/// The noiseless-region signal and what it found: the statistic grows with
/// the group's evidence; not applicable to small or mostly flat images.
pub fn noiseless_signal(
    gray: &GrayImage,
    origin: (usize, usize),
    table: Option<&[u16; 64]>,
) -> (Signal, NoiselessRegion) {
    let found = find_noiseless_region(gray, origin, table);
    let mut signal = Signal::not_applicable("noiseless");
    if found.measured >= MIN_MEASURED && found.flat_share <= MAX_FLAT_SHARE {
        signal.applicable = true;
        signal.statistic = (found.evidence / MAX_BLOCK_SURPRISE).ln_1p();
        if found.evidence > FLAG_EVIDENCE {
            signal.flags.push("noiseless_region".into());
        }
    }
    (signal, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forensics::test_images::{decode, document, jpeg, paste};
    use crate::media::{DecodeLimits, libjpeg_luminance_table, read_dct};

    /// The file's luminance table, natural order.
    fn table_of(bytes: &[u8]) -> [u16; 64] {
        read_dct(bytes, &DecodeLimits::default())
            .unwrap()
            .quantization
    }

    fn signal_of(bytes: &[u8]) -> (Signal, NoiselessRegion) {
        noiseless_signal(&decode(bytes), (0, 0), Some(&table_of(bytes)))
    }

    #[test]
    fn a_photographed_page_saved_finely_has_no_noiseless_region() {
        let (signal, found) = signal_of(&jpeg(&document(480, 320, 3.0, 1), 92));
        assert!(signal.applicable);
        assert!(signal.flags.is_empty(), "{found:?}");
        assert!(found.blocks < 4, "{found:?}");
    }

    #[test]
    fn a_field_painted_flat_is_found_where_it_is() {
        let mut page = document(480, 320, 3.0, 1);
        let fill = GrayImage::from_pixel(120, 48, image::Luma([200]));
        paste(&mut page, &fill, 256, 128);
        let (signal, found) = signal_of(&jpeg(&page, 92));
        assert!(
            signal.flags.contains(&"noiseless_region".to_string()),
            "{found:?}"
        );
        // The fill covers blocks 32..47 across and 16..21 down.
        assert!((60..=90).contains(&found.blocks), "{found:?}");
        let columns = found.map.columns;
        assert!(found.map.values[4 * columns + 9] > 0.9);
        assert_eq!(found.map.values[columns + 2], 0.0);
    }

    #[test]
    fn flatness_is_cheap_after_a_coarse_save_and_dear_after_a_fine_one() {
        let natural = |quality| {
            let zigzag = libjpeg_luminance_table(quality);
            let mut table = [0u16; 64];
            for (i, q) in zigzag.iter().enumerate() {
                table[ZIGZAG_TO_NATURAL[i]] = *q;
            }
            table
        };
        let coarse = flat_block_surprise(Some(&natural(50)));
        let fine = flat_block_surprise(Some(&natural(95)));
        assert!(coarse < 0.5, "{coarse}");
        assert!(fine > 4.0 * coarse.max(0.1), "{fine}");
        assert_eq!(flat_block_surprise(None), MAX_BLOCK_SURPRISE);
    }

    #[test]
    fn flatness_common_at_a_brightness_carries_little_surprise() {
        // Dark blocks nine in ten flat (a dark banner), bright ones one in a
        // hundred (noisy paper).
        let block = |kind, bin| Block { kind, bin };
        let mut blocks = vec![block(Kind::Flat, 3); 90];
        blocks.extend(vec![block(Kind::Textured, 3); 10]);
        blocks.extend(vec![block(Kind::Flat, 13); 10]);
        blocks.extend(vec![block(Kind::Textured, 13); 990]);
        blocks.extend(vec![block(Kind::Clipped, 15); 500]);
        let surprises = bin_surprises(&blocks, 1e-3);
        assert!((surprises[3] - (-(90.01f64 / 110.0).ln())).abs() < 1e-9);
        assert!((surprises[13] - (-(10.01f64 / 1010.0).ln())).abs() < 1e-9);
        // A bin with no blocks falls back on the table's prior; clipped
        // blocks are not counted.
        assert!((surprises[15] - 1e-3f64.ln().abs()).abs() < 1e-9);
    }

    #[test]
    fn a_coarse_resave_flattening_paper_is_not_flagged() {
        let once = decode(&jpeg(&document(480, 320, 1.0, 3), 40));
        let (signal, found) = signal_of(&jpeg(&once, 40));
        assert!(signal.flags.is_empty(), "{found:?}");
    }

    #[test]
    fn a_render_without_capture_noise_is_not_applicable() {
        // Plain paper with lines of text, as a PDF export renders it.
        let render = GrayImage::from_fn(480, 320, |x, y| {
            let text = (y / 9) % 4 == 1 && (x / 5) % 7 != 0;
            image::Luma([if text { 40 } else { 232 }])
        });
        let (signal, found) = signal_of(&jpeg(&render, 92));
        assert!(found.flat_share > MAX_FLAT_SHARE, "{found:?}");
        assert!(!signal.applicable);
    }

    #[test]
    fn clipped_white_is_not_counted_as_flat() {
        let page = GrayImage::from_fn(256, 256, |x, _| {
            image::Luma([if x < 128 { 255 } else { 0 }])
        });
        let found = find_noiseless_region(&page, (0, 0), None);
        assert_eq!(found.measured, 0);
        assert_eq!(found.blocks, 0);
    }

    #[test]
    fn the_error_function_matches_known_values() {
        for (x, expected) in [
            (0.1, 0.112_462_916),
            (0.5, 0.520_499_878),
            (1.0, 0.842_700_793),
            (2.0, 0.995_322_265),
        ] {
            assert!((erf(x) - expected).abs() < 2e-7, "erf({x})");
        }
    }
}
