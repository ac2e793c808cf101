//! Copy-move: part of the same image duplicated elsewhere in it — a digit
//! copied to change a number, a patch of background cloned over a field, a
//! portrait region cloned.
//!
//! Search: every overlapping 12x12 block (one-pixel stride, so a copy moved
//! by any amount is found) is described by the 16 means of its 3x3
//! sub-blocks minus the block mean, in integers (1/144 of a gray level), so
//! keys, bins and tolerances are exact and the arithmetic vectorises.
//! Descriptors are sorted by two coarsely binned features, then a fine one,
//! and neighbours compared; pairs that agree within a tolerance and lie
//! apart vote for their displacement. Flat blocks (paper) and
//! one-dimensional ones (a straight edge or rule, which matches itself
//! moved along it) are skipped.
//!
//! Verification: a displacement many pairs agree on may be a copy or an
//! honest repeat (the same glyph printed twice, a table's rows). A copy
//! carries its source's capture noise along; two prints carry independent
//! noise. So the residuals (pixel minus its 3x3 mean) of near-flat pixels at
//! both ends are correlated, and the candidate's strength is the log of its
//! votes times that correlation. A displacement that is a multiple of
//! another candidate's is a repeated layout and counts for nothing; one of
//! whole 8x8 blocks counts half, since identical content at the same JPEG
//! block phase compresses identically.
//!
//! Written here: no crate does block-matching copy-move detection.

use std::collections::HashMap;

use image::GrayImage;

use super::Signal;
use super::cells::HeatMap;

/// Block side and sub-block side.
const BLOCK: usize = 12;
const SUB: usize = 3;
/// Neighbours compared in sorted order (at most 32: one bit each in a mask).
const WINDOW: usize = 24;
const _: () = assert!(WINDOW <= 32);
/// Descriptor units per gray level: a feature is 16 times a 3x3 sum minus
/// the sum of all 16, which is 144 times (sub-block mean minus block mean).
const UNITS: i32 = (SUB * SUB * 16) as i32;
/// A block's descriptor, in [`UNITS`].
type Descriptor = [i32; 16];
/// Bin width of the two coarse sort keys: 6 gray levels.
const KEY_BIN: i32 = 6 * UNITS;
/// Largest root-mean-square feature difference of a match: 0.7 of a gray
/// level.
const TOLERANCE: f32 = 0.7;
/// Largest difference of the fine feature of a match, in [`UNITS`].
const FINE_TOLERANCE: i32 = (TOLERANCE * UNITS as f32) as i32;
/// Largest squared descriptor distance of a match (16 features), in gray
/// levels squared.
const MATCH_LIMIT: f32 = TOLERANCE * TOLERANCE * 16.0;
/// [`MATCH_LIMIT`] for sketch bounds, which are whole levels squared.
const SKETCH_LIMIT: i32 = MATCH_LIMIT as i32;
/// Smallest spread of the sub-block means for a block to be described.
const MIN_CONTRAST: f32 = 20.0;
/// Merged votes for a displacement to be checked.
const MIN_CANDIDATE_VOTES: usize = 16;
/// Displacements checked, most voted first: enough that a statement's
/// repeated rows (multiples of its line pitch, a dozen or more) leave room
/// for a copy among them.
const MAX_CANDIDATES: usize = 16;
/// Largest multiple of a step that marks a repeated layout.
const MAX_PERIODS: i32 = 16;
/// Source blocks whose pixels are compared, per displacement.
const MAX_VERIFIED_BLOCKS: usize = 400;
/// Pixels compared for a displacement's noise to count.
const MIN_NOISE_SAMPLES: usize = 40;
/// Largest 3x3 range of a pixel whose residual is compared, in gray levels.
const FLAT_RANGE: i32 = 12;
/// Pixels at or beyond these levels are clipped and carry no noise.
const CLIPPED_LOW: i32 = 6;
const CLIPPED_HIGH: i32 = 249;
/// Difference ratio at and above which the two ends differ by more than two
/// independent captures of one content would: different content, no copy.
const DIFFERENT_CONTENT_RATIO: f64 = 2.0;
/// Weight of a displacement of whole 8x8 blocks: identical content at the
/// same block phase compresses to identical blocks, so two honest prints of
/// a glyph in a noiseless area (a banner, a table's column) share their JPEG
/// residuals as a copy does.
const GRID_ALIGNED_WEIGHT: f64 = 0.5;
/// Strength for the flag. No authentic image of the benchmark corpus
/// reaches it (their largest is 1.07, their 99th percentile 0.62); under it,
/// the fusion model still weighs the strength itself.
const FLAG_STRENGTH: f64 = 1.4;
/// Images are analysed at no more than this many pixels (halved above it).
const MAX_PIXELS: u64 = 3_000_000;
/// Block pairs kept in [`CopyMove::pairs`].
const MAX_PAIRS: usize = 4096;
/// Side of a [`CopyMove::heat_map`] cell, in input pixels.
const MAP_CELL: u32 = 32;

/// Flat-pixel residual variance below which an image counts as digitally
/// made (a render, an export): two renders of a glyph are then identical,
/// so a duplicate proves nothing. One gray level of noise, which a phone
/// capture keeps even after JPEG at quality 85.
pub const MIN_NOISE_FLOOR: f64 = 1.0;

/// What the copy-move search found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CopyMove {
    /// Matching block pairs voting for the strongest displacement.
    pub votes: usize,
    /// That displacement `(dx, dy)`, in analysed pixels.
    pub displacement: (i32, i32),
    /// Where the source and its copy are: the top-left corners (analysed
    /// pixels) of the matching block pairs at that displacement, up to
    /// 4096.
    pub pairs: Vec<((u32, u32), (u32, u32))>,
    /// Input pixels per analysed pixel: 2 for images over 3 MP, which are
    /// searched at half size; 1 otherwise.
    pub analysed_scale: u32,
    /// Evidence of a copy at that displacement (see [`Candidate::strength`]).
    pub strength: f64,
    /// The displacements checked, strongest first.
    pub candidates: Vec<Candidate>,
    /// The analysed image's residual variance over flat pixels (gray
    /// levels squared): the capture noise copies are told apart by. Under
    /// [`MIN_NOISE_FLOOR`] the search does not run.
    pub noise_floor: f64,
}

fn integral(gray: &GrayImage) -> Vec<u32> {
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    let mut sums = vec![0u32; (width + 1) * (height + 1)];
    for y in 0..height {
        let mut row = 0u32;
        for x in 0..width {
            row += u32::from(gray.as_raw()[y * width + x]);
            sums[(y + 1) * (width + 1) + x + 1] = sums[y * (width + 1) + x + 1] + row;
        }
    }
    sums
}

/// A described block as one sort entry: from the top bit down, its two
/// coarse keys, its fine feature (offset to sort as an unsigned integer),
/// its pixel index (where it is) and a sketch of four more of its features.
/// Sorting integers is several times faster than comparing tuples; the
/// pixel index is unique, so the sketch below it does not change the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct SortEntry(u128);

/// Descriptor features of [`SortEntry`]'s sketch (the coarse keys are 0 and
/// 5, the fine feature 10).
const SKETCHED: [usize; 4] = [3, 6, 12, 15];

impl SortEntry {
    fn new(descriptor: &Descriptor, pixel: u32) -> Self {
        let key = |feature: usize| {
            let key = divide_rounding(descriptor[feature], KEY_BIN) as i16;
            u128::from((key as u16) ^ 0x8000)
        };
        let fine = (descriptor[10] as u32) ^ 0x8000_0000;
        // Each sketched feature to the nearest gray level within an i8.
        let sketch = SKETCHED.iter().fold(0u32, |sketch, &feature| {
            let level = divide_rounding(descriptor[feature], UNITS).clamp(-127, 127) as i8;
            (sketch << 8) | u32::from(level as u8)
        });
        SortEntry(
            (key(0) << 112)
                | (key(5) << 96)
                | (u128::from(fine) << 64)
                | (u128::from(pixel) << 32)
                | u128::from(sketch),
        )
    }

    /// The two coarse keys, as one integer.
    fn coarse_keys(self) -> u32 {
        (self.0 >> 96) as u32
    }

    /// The fine feature, in [`UNITS`].
    fn fine(self) -> i32 {
        (((self.0 >> 64) as u32) ^ 0x8000_0000) as i32
    }

    /// The block's pixel index (`y * width + x`).
    fn pixel(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The sketch of four features (see [`sketch_bound`]).
    fn sketch(self) -> u32 {
        self.0 as u32
    }
}

/// The least squared distance (gray levels squared) at which two blocks
/// with sketches `a` and `b` can lie: each sketched feature is within half
/// a level of its value (clamping only brings two values closer), so a
/// sketch difference of `d` levels means at least `d - 1`. A pair whose
/// bound is over the match limit is ruled out without its descriptors.
fn sketch_bound(a: u32, b: u32) -> i32 {
    let mut bound = 0i32;
    for shift in [0, 8, 16, 24] {
        let difference = i32::from((a >> shift) as u8 as i8) - i32::from((b >> shift) as u8 as i8);
        let at_least = (difference.abs() - 1).max(0);
        bound += at_least * at_least;
    }
    bound
}

/// Whether two blocks with sketches `a` and `b` may lie within
/// [`MATCH_LIMIT`]: the test the search applies before descriptors.
fn may_match(a: u32, b: u32) -> bool {
    sketch_bound(a, b) <= SKETCH_LIMIT
}

/// `value / divisor` rounded to the nearest integer, halves away from zero.
fn divide_rounding(value: i32, divisor: i32) -> i32 {
    let magnitude = (value.abs() + divisor / 2) / divisor;
    if value < 0 { -magnitude } else { magnitude }
}

/// Whether two descriptors lie within `limit` squared distance (gray levels
/// squared). Half the dimensions first, in eight lanes (vector
/// instructions): nearly every pair compared is far apart, and most are
/// rejected there. The squares are summed as `f32`: exact while the sum is
/// under 2^24, and a sum past that is far over any limit.
fn within(a: &Descriptor, b: &Descriptor, limit: f32) -> bool {
    let limit = limit * (UNITS * UNITS) as f32;
    let half = |offset: usize| {
        let mut lanes = [0f32; 8];
        for (k, lane) in lanes.iter_mut().enumerate() {
            let difference = (a[offset + k] - b[offset + k]) as f32;
            *lane = difference * difference;
        }
        // Pairwise, so the four-lane halves add in parallel.
        let quads = [
            lanes[0] + lanes[4],
            lanes[1] + lanes[5],
            lanes[2] + lanes[6],
            lanes[3] + lanes[7],
        ];
        (quads[0] + quads[2]) + (quads[1] + quads[3])
    };
    let first = half(0);
    first <= limit && first + half(8) <= limit
}

/// Whether a block's content barely changes along its rows or along its
/// columns (a straight edge, a rule, a slow background line): such a block
/// matches itself moved along that axis, so its matches prove nothing.
fn is_one_dimensional(descriptor: &Descriptor) -> bool {
    let (mut along_rows, mut along_columns) = (0i64, 0i64);
    for row in 0..4 {
        for column in 0..4 {
            let value = i64::from(descriptor[row * 4 + column]);
            if column < 3 {
                along_rows += (i64::from(descriptor[row * 4 + column + 1]) - value).pow(2);
            }
            if row < 3 {
                along_columns += (i64::from(descriptor[(row + 1) * 4 + column]) - value).pow(2);
            }
        }
    }
    along_rows.min(along_columns) * ONE_DIMENSIONAL_RATIO < along_rows.max(along_columns)
}

/// How many times the stronger direction's variation exceeds the weaker's
/// when the weaker counts as none (the weaker under 5% of the stronger).
const ONE_DIMENSIONAL_RATIO: i64 = 20;

/// Searches `gray` for duplicated regions, unless it is too small or has no
/// capture noise to verify a copy by (see [`MIN_NOISE_FLOOR`]).
pub fn find_copy_move(gray: &GrayImage) -> CopyMove {
    let halved;
    let mut found = CopyMove {
        analysed_scale: 1,
        ..CopyMove::default()
    };
    let gray = if u64::from(gray.width()) * u64::from(gray.height()) > MAX_PIXELS {
        found.analysed_scale = 2;
        halved = image::imageops::resize(
            gray,
            gray.width() / 2,
            gray.height() / 2,
            image::imageops::FilterType::Triangle,
        );
        &halved
    } else {
        gray
    };
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    if width < 4 * BLOCK || height < 4 * BLOCK {
        return found;
    }
    let floor = flat_residual_variance(gray);
    found.noise_floor = floor;
    if floor < MIN_NOISE_FLOOR {
        return found;
    }
    // Every 3x3 sum once (a block's 16 sub-blocks are 16 lookups), from the
    // integral image, exactly as summing each sub-block would give.
    let sums = integral(gray);
    let stride = width + 1;
    let (box_width, box_height) = (width + 1 - SUB, height + 1 - SUB);
    let mut boxes = vec![0u32; box_width * box_height];
    for y in 0..box_height {
        let (top, bottom) = (y * stride, (y + SUB) * stride);
        for x in 0..box_width {
            boxes[y * box_width + x] = (sums[bottom + x + SUB] + sums[top + x])
                .wrapping_sub(sums[top + x + SUB])
                .wrapping_sub(sums[bottom + x]);
        }
    }
    drop(sums);
    let descriptor_at = |(x, y): (u32, u32)| descriptor(&boxes, box_width, x as usize, y as usize);
    // One sort entry per described block: its coarse keys, its fine feature
    // and its pixel index (where it is). Descriptors are not kept: the few
    // blocks a comparison reaches get theirs again from the 3x3 sums, which
    // costs less than carrying every block's descriptor into sorted order.
    let mut order: Vec<SortEntry> = Vec::with_capacity((height - BLOCK + 1) * (width - BLOCK + 1));
    // Flat blocks (paper, most of a page) are skipped on their sums' range,
    // taken from each sums row's least and greatest of the four sums a block
    // at x spans (x, x+3, x+6, x+9): a ring of the rows the current block
    // row needs, so no full-size buffer.
    let spans = width - BLOCK + 1;
    let ring = 3 * SUB + 1;
    let mut row_low = vec![0u32; ring * spans];
    let mut row_high = vec![0u32; ring * spans];
    let extremes_of_row = |row: usize, low: &mut [u32], high: &mut [u32]| {
        let sums = &boxes[row * box_width..(row + 1) * box_width];
        // Explicit pairs of min/max: the size-optimised WASM build does not
        // inline iterator adaptors here.
        let (low, high) = (&mut low[..spans], &mut high[..spans]);
        for x in 0..spans {
            let (a, b, c, d) = (sums[x], sums[x + SUB], sums[x + 2 * SUB], sums[x + 3 * SUB]);
            low[x] = a.min(b).min(c.min(d));
            high[x] = a.max(b).max(c.max(d));
        }
    };
    let slot = |row: usize| row % ring * spans..(row % ring + 1) * spans;
    for row in 0..ring - 1 {
        extremes_of_row(row, &mut row_low[slot(row)], &mut row_high[slot(row)]);
    }
    let mut contrasted = vec![0u32; spans];
    let flat_range = (MIN_CONTRAST * (SUB * SUB) as f32) as u32;
    for y in 0..=height - BLOCK {
        let newest = y + 3 * SUB;
        extremes_of_row(
            newest,
            &mut row_low[slot(newest)],
            &mut row_high[slot(newest)],
        );
        let row = |r: usize| slot(y + r * SUB);
        let (l0, l1, l2, l3) = (
            &row_low[row(0)],
            &row_low[row(1)],
            &row_low[row(2)],
            &row_low[row(3)],
        );
        let (h0, h1, h2, h3) = (
            &row_high[row(0)],
            &row_high[row(1)],
            &row_high[row(2)],
            &row_high[row(3)],
        );
        // The row's blocks with contrast, listed without a branch per
        // block: which blocks are flat follows the page's content, which a
        // branch predictor cannot.
        let mut listed = 0;
        for x in 0..spans {
            let low = l0[x].min(l1[x]).min(l2[x].min(l3[x]));
            let high = h0[x].max(h1[x]).max(h2[x].max(h3[x]));
            contrasted[listed] = x as u32;
            listed += usize::from(high - low >= flat_range);
        }
        for &x in &contrasted[..listed] {
            let descriptor = descriptor_at((x, y as u32));
            if is_one_dimensional(&descriptor) {
                continue;
            }
            order.push(SortEntry::new(&descriptor, (y * width) as u32 + x));
        }
    }
    // Coarse keys first, so near-duplicates meet, then one fine feature.
    order.sort_unstable();
    let position = |entry: SortEntry| {
        let pixel = entry.pixel();
        (pixel % width as u32, pixel / width as u32)
    };
    let mut recent = RecentDescriptors::default();
    let mut votes: HashMap<(i32, i32), Voters> = HashMap::new();
    // Sketches apart, so the pass over a run of neighbours reads 4 bytes
    // each and vectorises.
    let sketches: Vec<u32> = order.iter().map(|entry| entry.sketch()).collect();
    for (i, &a) in order.iter().enumerate() {
        // The neighbours close enough in the sort keys: sorted, they form
        // a run that ends at the first that is not.
        let last = (i + WINDOW).min(order.len() - 1);
        let mut end = i + 1;
        while end <= last
            && order[end].coarse_keys() == a.coarse_keys()
            && (order[end].fine() - a.fine()).abs() <= FINE_TOLERANCE
        {
            end += 1;
        }
        // Which of them the sketches leave in, as bits of a mask.
        let mut left_in = 0u32;
        for (k, &sketch) in sketches[i + 1..end].iter().enumerate() {
            left_in |= u32::from(may_match(sketches[i], sketch)) << k;
        }
        let pa = position(a);
        while left_in != 0 {
            let j = i + 1 + left_in.trailing_zeros() as usize;
            left_in &= left_in - 1;
            let pb = position(order[j]);
            let (mut dx, mut dy) = (pb.0 as i32 - pa.0 as i32, pb.1 as i32 - pa.1 as i32);
            if dx.abs() + dy.abs() < 2 * BLOCK as i32 {
                continue;
            }
            let first_descriptor = *recent.get(i, || descriptor_at(pa));
            if !within(
                &first_descriptor,
                recent.get(j, || descriptor_at(pb)),
                MATCH_LIMIT,
            ) {
                continue;
            }
            let (mut first, mut second) = (i, j);
            if dy < 0 || (dy == 0 && dx < 0) {
                (dx, dy, first, second) = (-dx, -dy, j, i);
            }
            votes.entry((dx, dy)).or_default().add(first, second);
        }
    }
    // Neighbouring displacements (off by one pixel) belong to one copy.
    let merged = |(dx, dy): (i32, i32)| {
        let mut total = 0;
        for ddy in [-1, 0, 1] {
            for ddx in [-1, 0, 1] {
                total += votes.get(&(dx + ddx, dy + ddy)).map_or(0, |v| v.count);
            }
        }
        total
    };
    let mut ranked: Vec<((i32, i32), usize)> = votes
        .keys()
        .map(|&displacement| (displacement, merged(displacement)))
        .filter(|&(_, total)| total >= MIN_CANDIDATE_VOTES)
        .collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    // Which candidate last measured each pixel (0: none), so a pixel under
    // several overlapping source blocks counts once, with no clearing.
    let mut measured_by = vec![0u8; if ranked.is_empty() { 0 } else { width * height }];
    let mut edged_blocks = None;
    for (displacement, total) in ranked {
        if found.candidates.len() == MAX_CANDIDATES {
            break;
        }
        let near = |c: &Candidate| {
            (c.displacement.0 - displacement.0).abs() <= 2
                && (c.displacement.1 - displacement.1).abs() <= 2
        };
        if found.candidates.iter().any(near) {
            continue;
        }
        let sources: Vec<(u32, u32)> = votes[&displacement]
            .pairs
            .iter()
            .map(|&(source, _)| position(order[source as usize]))
            .collect();
        let stamp = found.candidates.len() as u8 + 1;
        let grid_aligned = displacement.0 % 8 == 0 && displacement.1 % 8 == 0;
        // Two prints of a glyph the same way on JPEG's grid also share its
        // ringing, which stays inside the 8x8 blocks holding an edge.
        let edges = if grid_aligned {
            Some(&*edged_blocks.get_or_insert_with(|| EdgedBlocks::of(gray)))
        } else {
            None
        };
        let noise = shared_noise(
            gray,
            &sources,
            displacement,
            (floor, edges),
            (&mut measured_by, stamp),
        );
        let weight = if grid_aligned {
            GRID_ALIGNED_WEIGHT
        } else {
            1.0
        };
        found.candidates.push(Candidate {
            displacement,
            votes: total,
            strength: weight * noise.strength(total),
            noise,
        });
    }
    // A repeated layout repeats at multiples of one step (table rows, a
    // form's lines) or several times along one axis (letters along a line,
    // labels down a column); a copy is a single displacement.
    let periodic: Vec<bool> = found
        .candidates
        .iter()
        .map(|c| {
            let others = || {
                found
                    .candidates
                    .iter()
                    .map(|o| o.displacement)
                    .filter(|&o| o != c.displacement)
            };
            let d = c.displacement;
            others().any(|o| is_multiple(o, d) || is_multiple(d, o) || share_an_axis(o, d))
        })
        .collect();
    for (candidate, periodic) in found.candidates.iter_mut().zip(periodic) {
        if periodic {
            candidate.strength = 0.0;
        }
    }
    found
        .candidates
        .sort_by(|a, b| b.strength.total_cmp(&a.strength));
    if let Some(best) = found.candidates.first() {
        found.displacement = best.displacement;
        found.votes = best.votes;
        found.strength = best.strength;
        found.pairs = votes[&best.displacement]
            .pairs
            .iter()
            .map(|&(source, copy)| {
                (
                    position(order[source as usize]),
                    position(order[copy as usize]),
                )
            })
            .collect();
    }
    found
}

impl CopyMove {
    /// Where the copy and its source are, for showing a reviewer: the
    /// 32-pixel cells of an image of `width` x `height` input pixels that
    /// the matched blocks cover, at `strength` over the flag's strength (at
    /// most 1); `None` when the evidence is under half the flag's.
    pub fn heat_map(&self, width: u32, height: u32) -> Option<HeatMap> {
        if self.strength < FLAG_STRENGTH / 2.0 || self.pairs.is_empty() {
            return None;
        }
        let (columns, rows) = (
            width.div_ceil(MAP_CELL) as usize,
            height.div_ceil(MAP_CELL) as usize,
        );
        let mut values = vec![0f32; columns * rows];
        let value = (self.strength / FLAG_STRENGTH).min(1.0) as f32;
        let scale = self.analysed_scale.max(1);
        let side = BLOCK as u32 * scale;
        for &(source, copy) in &self.pairs {
            for (x, y) in [source, copy] {
                let (left, top) = (x * scale / MAP_CELL, y * scale / MAP_CELL);
                let (right, bottom) = (
                    (x * scale + side - 1) / MAP_CELL,
                    (y * scale + side - 1) / MAP_CELL,
                );
                for row in top as usize..=(bottom as usize).min(rows - 1) {
                    for column in left as usize..=(right as usize).min(columns - 1) {
                        values[row * columns + column] = value;
                    }
                }
            }
        }
        Some(HeatMap {
            cell: MAP_CELL,
            columns,
            rows,
            values,
        })
    }
}

/// Whether `a` is k = 2, 3, … times `b`: off it by at most a pixel across
/// `b`'s direction and at most k pixels along it (`b`'s own one-pixel
/// uncertainty, k times over).
fn is_multiple(a: (i32, i32), b: (i32, i32)) -> bool {
    let length = f64::from(b.0).hypot(f64::from(b.1));
    if length == 0.0 {
        return false;
    }
    (2..=MAX_PERIODS).any(|k| {
        let rest = (f64::from(a.0 - k * b.0), f64::from(a.1 - k * b.1));
        let along = (rest.0 * f64::from(b.0) + rest.1 * f64::from(b.1)) / length;
        let across = (rest.1 * f64::from(b.0) - rest.0 * f64::from(b.1)) / length;
        across.abs() <= 1.5 && along.abs() <= f64::from(k)
    })
}

/// The descriptor of the block whose top-left corner is `(x, y)`: its 16
/// sub-block means minus the block's mean, in [`UNITS`], from the 3x3 sums
/// `boxes` (rows of `box_width`).
fn descriptor(boxes: &[u32], box_width: usize, x: usize, y: usize) -> Descriptor {
    let mut descriptor = [0i32; 16];
    for (i, value) in descriptor.iter_mut().enumerate() {
        let (sx, sy) = (x + (i % 4) * SUB, y + (i / 4) * SUB);
        *value = boxes[sy * box_width + sx] as i32;
    }
    let total: i32 = descriptor.iter().sum();
    for value in &mut descriptor {
        *value = 16 * *value - total;
    }
    descriptor
}

/// Descriptors of the last [`WINDOW`] + 1 sorted entries, each computed at
/// most once: the comparisons of entry `i` reach only entries `i` to
/// `i + WINDOW`.
struct RecentDescriptors {
    entries: [Option<usize>; WINDOW + 1],
    descriptors: [Descriptor; WINDOW + 1],
}

impl Default for RecentDescriptors {
    fn default() -> Self {
        RecentDescriptors {
            entries: [None; WINDOW + 1],
            descriptors: [[0; 16]; WINDOW + 1],
        }
    }
}

impl RecentDescriptors {
    /// Entry `k`'s descriptor, from `compute` unless it is held.
    fn get(&mut self, k: usize, compute: impl FnOnce() -> Descriptor) -> &Descriptor {
        let slot = k % (WINDOW + 1);
        if self.entries[slot] != Some(k) {
            self.entries[slot] = Some(k);
            self.descriptors[slot] = compute();
        }
        &self.descriptors[slot]
    }
}

/// The block pairs voting for one displacement: all counted, the first
/// [`MAX_PAIRS`] kept (as indices into the blocks), so a page of repeated
/// rows cannot fill memory with pairs nobody reads.
#[derive(Default)]
struct Voters {
    count: usize,
    pairs: Vec<(u32, u32)>,
}

impl Voters {
    fn add(&mut self, source: usize, copy: usize) {
        self.count += 1;
        if self.pairs.len() < MAX_PAIRS {
            self.pairs.push((source as u32, copy as u32));
        }
    }
}

/// Whether `a` and `b` both lie along a line of text (no vertical offset)
/// or both down a column (no horizontal one), give or take a pixel.
fn share_an_axis(a: (i32, i32), b: (i32, i32)) -> bool {
    let along_a_line = |d: (i32, i32)| d.1.abs() <= 1;
    let down_a_column = |d: (i32, i32)| d.0.abs() <= 1;
    (along_a_line(a) && along_a_line(b)) || (down_a_column(a) && down_a_column(b))
}

/// How the capture noise of a region and of its supposed copy agree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SharedNoise {
    /// Correlation of the two regions' residuals (pixel minus its 3x3 mean).
    pub correlation: f64,
    /// Variance of the residuals' difference over twice the image's flat
    /// residual variance: about 1 for independent noise, below for a copy.
    pub difference_ratio: f64,
    /// Pixels measured.
    pub samples: usize,
}

impl SharedNoise {
    /// A candidate's strength: the log of its votes, scaled by how far the
    /// two ends' residuals correlate (a copy carries its source's noise;
    /// honest repeats carry independent noise). 0 when too few pixels were
    /// measured or the ends differ beyond independent noise.
    fn strength(&self, votes: usize) -> f64 {
        if self.samples < MIN_NOISE_SAMPLES || self.difference_ratio >= DIFFERENT_CONTENT_RATIO {
            return 0.0;
        }
        (votes as f64).ln_1p() * self.correlation.max(0.0)
    }
}

/// Compares the residuals of the blocks at `sources` with those of the same
/// blocks moved by `displacement`, on pixels that are neither clipped nor
/// near a strong edge at either end (an edge's residual is its shape, which
/// two honest prints of a glyph share too). A copied patch carries its
/// source's capture noise along; two honest prints carry independent noise.
/// `measured_by` (one entry per pixel) and `stamp` mark the pixels already
/// measured for this displacement; the stamp must differ from any earlier
/// call's on the same buffer.
fn shared_noise(
    gray: &GrayImage,
    sources: &[(u32, u32)],
    displacement: (i32, i32),
    (floor, edges): (f64, Option<&EdgedBlocks>),
    (measured_by, stamp): (&mut [u8], u8),
) -> SharedNoise {
    let (width, height) = (gray.width() as i64, gray.height() as i64);
    let (mut ab, mut aa, mut bb, mut samples) = (0f64, 0f64, 0f64, 0usize);
    for &(sx, sy) in sources.iter().take(MAX_VERIFIED_BLOCKS) {
        for y in i64::from(sy)..i64::from(sy) + BLOCK as i64 {
            for x in i64::from(sx)..i64::from(sx) + BLOCK as i64 {
                let index = (y * width + x) as usize;
                if measured_by[index] == stamp {
                    continue;
                }
                measured_by[index] = stamp;
                let (tx, ty) = (x + i64::from(displacement.0), y + i64::from(displacement.1));
                if tx < 0 || ty < 0 || tx >= width || ty >= height {
                    continue;
                }
                if edges
                    .is_some_and(|e| e.at(x as usize, y as usize) || e.at(tx as usize, ty as usize))
                {
                    continue;
                }
                let (Some(a), Some(b)) = (
                    flat_residual(gray, x as usize, y as usize),
                    flat_residual(gray, tx as usize, ty as usize),
                ) else {
                    continue;
                };
                ab += a * b;
                aa += a * a;
                bb += b * b;
                samples += 1;
            }
        }
    }
    if samples == 0 || aa <= 0.0 || bb <= 0.0 {
        return SharedNoise {
            correlation: 0.0,
            difference_ratio: f64::INFINITY,
            samples,
        };
    }
    SharedNoise {
        correlation: ab / (aa * bb).sqrt(),
        difference_ratio: (aa + bb - 2.0 * ab) / samples as f64 / (2.0 * floor),
        samples,
    }
}

/// Which 8x8 blocks of JPEG's grid hold an edge (span more than
/// [`FLAT_RANGE`] levels).
struct EdgedBlocks {
    columns: usize,
    edged: Vec<bool>,
}

impl EdgedBlocks {
    fn of(gray: &GrayImage) -> Self {
        let (width, height) = (gray.width() as usize, gray.height() as usize);
        let columns = width.div_ceil(8);
        let mut ranges = vec![(u8::MAX, u8::MIN); columns * height.div_ceil(8)];
        for (y, row) in gray.as_raw().chunks_exact(width).enumerate() {
            for (x, &value) in row.iter().enumerate() {
                let range = &mut ranges[(y / 8) * columns + x / 8];
                *range = (range.0.min(value), range.1.max(value));
            }
        }
        let edged = ranges
            .into_iter()
            .map(|(low, high)| i32::from(high) - i32::from(low) > FLAT_RANGE)
            .collect();
        EdgedBlocks { columns, edged }
    }

    fn at(&self, x: usize, y: usize) -> bool {
        self.edged[(y / 8) * self.columns + x / 8]
    }
}

/// The residual at `(x, y)` (pixel minus its 3x3 mean) when its 3x3
/// neighbourhood spans at most [`FLAT_RANGE`] levels and is not clipped;
/// `None` otherwise or at the border.
fn flat_residual(gray: &GrayImage, x: usize, y: usize) -> Option<f64> {
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    if x == 0 || y == 0 || x + 1 >= width || y + 1 >= height {
        return None;
    }
    let raw = gray.as_raw();
    let row = |r: usize| &raw[r * width..(r + 1) * width];
    flat_residual_in([row(y - 1), row(y), row(y + 1)], x)
}

/// [`flat_residual`] of column `x` (not the first or last) of the middle of
/// three consecutive rows.
#[inline]
fn flat_residual_in(rows: [&[u8]; 3], x: usize) -> Option<f64> {
    let (mut sum, mut low, mut high) = (0i32, 255i32, 0i32);
    for row in rows {
        for &value in &row[x - 1..x + 2] {
            let value = i32::from(value);
            sum += value;
            low = low.min(value);
            high = high.max(value);
        }
    }
    if high - low > FLAT_RANGE || low <= CLIPPED_LOW || high >= CLIPPED_HIGH {
        return None;
    }
    Some(f64::from(rows[1][x]) - f64::from(sum) / 9.0)
}

/// The image's residual variance over flat pixels (every other row and
/// column: an estimate needs no more): what independent capture noise gives.
fn flat_residual_variance(gray: &GrayImage) -> f64 {
    let width = gray.width() as usize;
    let (mut sum, mut count) = (0f64, 0usize);
    if width >= 3 {
        let rows: Vec<&[u8]> = gray.as_raw().chunks_exact(width).collect();
        for y in (1..rows.len().saturating_sub(1)).step_by(2) {
            let three = [rows[y - 1], rows[y], rows[y + 1]];
            for x in (1..width - 1).step_by(2) {
                if let Some(residual) = flat_residual_in(three, x) {
                    sum += residual * residual;
                    count += 1;
                }
            }
        }
    }
    if count == 0 { 0.0 } else { sum / count as f64 }
}

/// A displacement many block pairs agree on, and how its pixels' noise
/// agrees.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// `(dx, dy)` in analysed pixels.
    pub displacement: (i32, i32),
    /// Block pairs voting for it (and its one-pixel neighbours).
    pub votes: usize,
    /// How the two ends' noise agrees.
    pub noise: SharedNoise,
    /// Evidence of a copy (see [`SharedNoise`]): 0 for honest repeats.
    pub strength: f64,
}

/// The copy-move signal: applicable to images with capture noise (see
/// [`MIN_NOISE_FLOOR`]) of at least four blocks each way.
pub fn copy_move_signal(gray: &GrayImage) -> (Signal, CopyMove) {
    let mut signal = Signal::not_applicable("copy_move");
    let found = find_copy_move(gray);
    if found.noise_floor >= MIN_NOISE_FLOOR {
        signal.applicable = true;
        signal.statistic = found.strength;
        if found.strength >= FLAG_STRENGTH {
            signal.flags.push("copy_move".into());
        }
    }
    (signal, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forensics::test_images::{Noise, decode, document, jpeg, paste};

    /// Descriptors from the pseudo-random sequence of `seed`, features in
    /// `-spread..spread` gray levels.
    fn descriptors(seed: u64, count: usize, spread: f32) -> Vec<Descriptor> {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let level = ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * spread;
            (level * UNITS as f32).round() as i32
        };
        (0..count)
            .map(|_| std::array::from_fn(|_| next()))
            .collect()
    }

    #[test]
    fn sort_entries_order_by_coarse_keys_then_fine_feature_then_pixel() {
        let mut blocks: Vec<(Descriptor, u32)> = Vec::new();
        for (index, mut descriptor) in descriptors(1, 200, 20.0).into_iter().enumerate() {
            // Few distinct keys and fine values, so every tie-break is used;
            // keys on both sides of a bin's edge (3 levels: 432 units).
            descriptor[0] = [-13 * UNITS, -432, -431, 0, 431, 432, 4 * UNITS][index % 7];
            descriptor[5] = [-7 * UNITS, 9 * UNITS][index % 3 % 2];
            descriptor[10] = [-360, -1, 0, 36, 7 * UNITS][index % 5];
            blocks.push((descriptor, (index * 7919 % 200) as u32));
        }
        let tuple = |(descriptor, pixel): &(Descriptor, u32)| {
            let key = |f: usize| (f64::from(descriptor[f]) / f64::from(KEY_BIN)).round() as i16;
            ((key(0), key(5)), descriptor[10], *pixel)
        };
        let mut by_tuple: Vec<_> = blocks.iter().map(tuple).collect();
        by_tuple.sort();
        let mut entries: Vec<SortEntry> = blocks
            .iter()
            .map(|(descriptor, pixel)| SortEntry::new(descriptor, *pixel))
            .collect();
        entries.sort_unstable();
        let pixels: Vec<u32> = entries.iter().map(|entry| entry.pixel()).collect();
        let expected: Vec<u32> = by_tuple.iter().map(|t| t.2).collect();
        assert_eq!(pixels, expected);
    }

    #[test]
    fn a_sort_entry_gives_back_its_fine_feature_and_pixel() {
        for fine in [-36_720, -360, -1, 0, 1, 36, 7 * UNITS, 36_720] {
            let mut descriptor = [0; 16];
            descriptor[10] = fine;
            let entry = SortEntry::new(&descriptor, 123_456);
            assert_eq!(entry.fine(), fine);
            assert_eq!(entry.pixel(), 123_456);
        }
    }

    #[test]
    fn the_sketch_never_rules_out_a_pair_the_full_distance_accepts() {
        let bases = descriptors(2, 300, 150.0);
        // Independent of the bases: another seed.
        let offsets = descriptors(3, 300, 1.2);
        let (mut accepted, mut rejected) = (0, 0);
        for (base, offset) in bases.iter().zip(&offsets) {
            let near: Descriptor = std::array::from_fn(|k| base[k] + offset[k]);
            if within(base, &near, MATCH_LIMIT) {
                accepted += 1;
                let (a, b) = (SortEntry::new(base, 0), SortEntry::new(&near, 1));
                assert!(may_match(a.sketch(), b.sketch()), "{base:?} {near:?}");
            } else {
                rejected += 1;
            }
        }
        // Pairs on both sides of the limit were tried.
        assert!(accepted > 20 && rejected > 20, "{accepted} {rejected}");
        // Unrelated blocks are ruled out by their sketches alone.
        let unrelated = bases.windows(2).filter(|pair| {
            let (a, b) = (SortEntry::new(&pair[0], 0), SortEntry::new(&pair[1], 1));
            !may_match(a.sketch(), b.sketch())
        });
        assert!(unrelated.count() > 290);
    }

    #[test]
    fn division_rounds_to_the_nearest_and_halves_away_from_zero() {
        let cases = [
            (0, 0),
            (431, 0),
            (432, 1),
            (1295, 1),
            (1296, 2),
            (-431, 0),
            (-432, -1),
        ];
        for (value, rounded) in cases {
            assert_eq!(divide_rounding(value, KEY_BIN), rounded, "{value}");
        }
    }

    #[test]
    fn a_descriptor_is_its_sub_block_means_minus_the_block_mean_in_units() {
        // 3x3 sums of a 12x12 block: sub-block i has mean level 10 * i.
        let box_width = 10;
        let mut boxes = vec![0u32; box_width * 10];
        for i in 0..16 {
            boxes[(i / 4) * SUB * box_width + (i % 4) * SUB] = 9 * 10 * i as u32;
        }
        let found = descriptor(&boxes, box_width, 0, 0);
        // Block mean 75: feature i is (10 i - 75) levels.
        let expected: Descriptor = std::array::from_fn(|i| (10 * i as i32 - 75) * UNITS);
        assert_eq!(found, expected);
    }

    #[test]
    fn within_measures_the_squared_distance_of_all_sixteen_dimensions() {
        let a = [0; 16];
        let mut b = [0; 16];
        b[15] = 2 * UNITS; // only in the second half
        assert!(within(&a, &b, 4.0));
        assert!(!within(&a, &b, 3.9));
        b[0] = 3 * UNITS; // the first half alone is over the limit
        assert!(!within(&a, &b, 8.0));
    }

    #[test]
    fn a_noisy_page_has_no_duplicated_region() {
        let page = decode(&jpeg(&document(400, 300, 3.0, 7), 90));
        let (signal, found) = copy_move_signal(&page);
        assert!(signal.applicable);
        assert!(
            signal.flags.is_empty(),
            "{:?}",
            (found.votes, found.displacement)
        );
    }

    #[test]
    fn a_copied_patch_is_found_with_its_displacement() {
        let mut page = document(400, 300, 3.0, 7);
        let patch = image::imageops::crop_imm(&page, 40, 30, 40, 40).to_image();
        paste(&mut page, &patch, 250, 190);
        let page = decode(&jpeg(&page, 90));
        let (signal, found) = copy_move_signal(&page);
        assert!(
            signal.flags.contains(&"copy_move".to_owned()),
            "{}",
            found.votes
        );
        let (dx, dy) = found.displacement;
        assert!((dx - 210).abs() <= 2 && (dy - 160).abs() <= 2, "{dx},{dy}");
        // The heat map lights the source (40-80, 30-70) and the copy
        // (250-290, 190-230), and nothing far from both.
        let map = found.heat_map(page.width(), page.height()).unwrap();
        let at = |x: usize, y: usize| map.values[(y / 32) * map.columns + x / 32];
        assert!(at(60, 50) > 0.9 && at(270, 210) > 0.9);
        assert_eq!(at(350, 50), 0.0);
        assert_eq!(at(60, 250), 0.0);
    }

    #[test]
    fn a_copy_moved_by_an_odd_number_of_pixels_is_found() {
        let mut page = document(400, 300, 3.0, 11);
        let patch = image::imageops::crop_imm(&page, 41, 33, 36, 36).to_image();
        paste(&mut page, &patch, 253, 188);
        let page = decode(&jpeg(&page, 92));
        let (signal, found) = copy_move_signal(&page);
        assert!(signal.flags.contains(&"copy_move".to_owned()), "{found:?}");
        assert_eq!(found.displacement, (212, 155));
    }

    /// The same noiseless page with a region drawn twice, noise added before
    /// (a copy: the noise moves with it) or after (two honest prints).
    fn repeated_region(noise_after_copy: bool) -> GrayImage {
        let sigma = 2.0;
        let mut page = document(400, 300, if noise_after_copy { 0.0 } else { sigma }, 5);
        let patch = image::imageops::crop_imm(&page, 30, 20, 60, 60).to_image();
        paste(&mut page, &patch, 230, 200);
        if noise_after_copy {
            let mut noise = Noise::new(99);
            for pixel in page.pixels_mut() {
                pixel.0[0] =
                    (f32::from(pixel.0[0]) + sigma * noise.normal()).clamp(0.0, 255.0) as u8;
            }
        }
        page
    }

    #[test]
    fn a_copy_shares_its_sources_noise_and_an_honest_repeat_does_not() {
        let sources: Vec<(u32, u32)> = (0..4)
            .flat_map(|i| (0..4).map(move |j| (30 + 12 * i, 20 + 12 * j)))
            .collect();
        let measure = |page: &GrayImage| {
            let mut measured_by = vec![0u8; page.len()];
            let floor = flat_residual_variance(page);
            shared_noise(
                page,
                &sources,
                (200, 180),
                (floor, None),
                (&mut measured_by, 1),
            )
        };
        let copy = measure(&repeated_region(false));
        assert!(copy.samples >= MIN_NOISE_SAMPLES, "{copy:?}");
        assert!(
            copy.correlation > 0.9 && copy.difference_ratio < 0.2,
            "{copy:?}"
        );
        let honest = measure(&repeated_region(true));
        assert!(honest.samples >= MIN_NOISE_SAMPLES, "{honest:?}");
        assert!(honest.correlation.abs() < 0.2, "{honest:?}");
        assert!((honest.difference_ratio - 1.0).abs() < 0.3, "{honest:?}");
        assert!(copy.strength(100) > FLAG_STRENGTH, "{copy:?}");
        assert!(honest.strength(100) < FLAG_STRENGTH / 2.0, "{honest:?}");
    }

    #[test]
    fn an_honest_repeat_is_not_flagged() {
        let (signal, found) = copy_move_signal(&decode(&jpeg(&repeated_region(true), 92)));
        assert!(signal.flags.is_empty(), "{found:?}");
    }

    #[test]
    fn straight_edges_are_one_dimensional_and_texture_is_not() {
        let mut edge = [0; 16];
        for (i, value) in edge.iter_mut().enumerate() {
            *value = if i / 4 < 2 { -40 * UNITS } else { 40 * UNITS };
        }
        assert!(is_one_dimensional(&edge));
        let mut transposed = [0; 16];
        for i in 0..16 {
            transposed[(i % 4) * 4 + i / 4] = edge[i];
        }
        assert!(is_one_dimensional(&transposed));
        let checker = std::array::from_fn(|i| {
            if (i / 4 + i % 4) % 2 == 0 {
                -30 * UNITS
            } else {
                30 * UNITS
            }
        });
        assert!(!is_one_dimensional(&checker));
    }

    #[test]
    fn only_the_blocks_holding_an_edge_are_edged() {
        // Flat paper with noise of a few levels, and one dark stroke across
        // block (2, 1).
        let mut page = GrayImage::from_fn(40, 24, |x, y| {
            image::Luma([200 + ((x * 7 + y * 3) % 5) as u8])
        });
        for y in 9..15 {
            page.put_pixel(20, y, image::Luma([40]));
        }
        let edges = EdgedBlocks::of(&page);
        assert!(edges.at(20, 12) && edges.at(16, 8) && edges.at(23, 15));
        assert!(!edges.at(12, 12) && !edges.at(24, 12) && !edges.at(20, 4));
    }

    #[test]
    fn displacements_along_one_line_or_down_one_column_share_an_axis() {
        assert!(share_an_axis((103, 0), (156, 1)), "letters along a line");
        assert!(share_an_axis((0, 86), (-1, 258)), "labels down a column");
        assert!(!share_an_axis((103, 0), (0, 86)));
        assert!(!share_an_axis((14, 258), (0, 86)), "a copy across fields");
    }

    #[test]
    fn a_render_without_capture_noise_is_not_searched() {
        let mut page = document(400, 300, 0.0, 11);
        let patch = image::imageops::crop_imm(&page, 41, 33, 36, 36).to_image();
        paste(&mut page, &patch, 253, 188);
        let (signal, found) = copy_move_signal(&decode(&jpeg(&page, 92)));
        assert!(found.noise_floor < MIN_NOISE_FLOOR, "{found:?}");
        assert!(!signal.applicable);
        assert!(found.candidates.is_empty());
    }

    #[test]
    fn multiples_of_a_step_are_recognised_within_its_uncertainty() {
        assert!(is_multiple((54, 0), (27, 0)));
        assert!(
            is_multiple((0, 82), (0, 27)),
            "3 x 27 = 81, one pixel along"
        );
        assert!(is_multiple((-60, 42), (-20, 14)));
        assert!(!is_multiple((54, 5), (27, 0)), "five pixels across");
        assert!(!is_multiple((27, 0), (54, 0)), "a half is not a multiple");
        assert!(!is_multiple((40, 40), (0, 0)));
    }
}
