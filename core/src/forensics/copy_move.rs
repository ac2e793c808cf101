//! Copy-move: part of the same image duplicated elsewhere in it — a digit
//! copied to change a number, a patch of background cloned over a field, a
//! portrait region cloned.
//!
//! Overlapping 12x12 blocks on a 2-pixel stride are described by the 16
//! means of their 3x3 sub-blocks minus the block mean (robust to the small
//! differences recompression introduces; independent capture noise makes
//! two honestly printed copies of a glyph differ more). Descriptors are
//! sorted by two coarsely binned features, then a fine one, and neighbours
//! compared; pairs that agree within a tolerance and
//! lie apart vote for their displacement. A copied region shows as many
//! pairs sharing one displacement. Flat blocks (paper) are skipped.

use std::collections::HashMap;

use image::GrayImage;

use super::Signal;
use super::block_dct::round_half_away;

/// Block side and sub-block side.
const BLOCK: usize = 12;
const SUB: usize = 3;
const STRIDE: usize = 2;
/// Neighbours compared in sorted order.
const WINDOW: usize = 24;
/// Bin width of the two coarse sort keys, in gray levels.
const KEY_BIN: f32 = 6.0;
/// Largest root-mean-square feature difference of a match, in gray levels.
const TOLERANCE: f32 = 0.7;
/// Smallest spread of the sub-block means for a block to be described.
const MIN_CONTRAST: f32 = 6.0;
/// Displacement votes for the flag.
const FLAG_VOTES: usize = 12;
/// Images are analysed at no more than this many pixels (halved above it).
const MAX_PIXELS: u64 = 3_000_000;

/// What the copy-move search found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CopyMove {
    /// Matching block pairs voting for the most common displacement.
    pub votes: usize,
    /// That displacement `(dx, dy)`, in analysed pixels.
    pub displacement: (i32, i32),
    /// Where the source and its copy are (x, y of matching block pairs' first
    /// and second block), up to 64 pairs.
    pub pairs: Vec<((u32, u32), (u32, u32))>,
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

/// One integer ordering the sort entries as (coarse keys, fine feature,
/// index) do: sorting integers is several times faster than comparing tuples
/// with a float inside.
fn sort_key(key: (i16, i16), fine: f32, index: u32) -> u128 {
    let unsigned = |k: i16| u128::from((k as u16) ^ 0x8000);
    // IEEE total order as an unsigned integer.
    let bits = fine.to_bits();
    let fine = if bits >> 31 == 1 {
        !bits
    } else {
        bits | 0x8000_0000
    };
    (unsigned(key.0) << 80) | (unsigned(key.1) << 64) | (u128::from(fine) << 32) | u128::from(index)
}

/// Whether two descriptors lie within `limit` squared distance. Half the
/// dimensions first, in eight lanes (vector instructions): nearly every pair
/// compared is far apart, and most are rejected there.
fn within(a: &[f32; 16], b: &[f32; 16], limit: f32) -> bool {
    let half = |offset: usize| {
        let mut lanes = [0f32; 8];
        for (k, lane) in lanes.iter_mut().enumerate() {
            let difference = a[offset + k] - b[offset + k];
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

/// Searches `gray` for duplicated regions.
pub fn find_copy_move(gray: &GrayImage) -> CopyMove {
    let halved;
    let gray = if u64::from(gray.width()) * u64::from(gray.height()) > MAX_PIXELS {
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
    let mut found = CopyMove::default();
    if width < 4 * BLOCK || height < 4 * BLOCK {
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
    let positions_at_most = ((height - BLOCK) / STRIDE + 1) * ((width - BLOCK) / STRIDE + 1);
    let mut features: Vec<[f32; 16]> = Vec::with_capacity(positions_at_most);
    let mut positions: Vec<(u32, u32)> = Vec::with_capacity(positions_at_most);
    // Sort keys: coarse keys, the fine feature, the block's index.
    let mut order: Vec<u128> = Vec::with_capacity(positions_at_most);
    for y in (0..=height - BLOCK).step_by(STRIDE) {
        for x in (0..=width - BLOCK).step_by(STRIDE) {
            let mut block_sums = [0u32; 16];
            for (i, value) in block_sums.iter_mut().enumerate() {
                let (sx, sy) = (x + (i % 4) * SUB, y + (i / 4) * SUB);
                *value = boxes[sy * box_width + sx];
            }
            // Flat blocks (paper) first, on the integer sums.
            let (low, high) = block_sums
                .iter()
                .fold((u32::MAX, 0), |(l, h), &v| (l.min(v), h.max(v)));
            if ((high - low) as f32) < MIN_CONTRAST * (SUB * SUB) as f32 {
                continue;
            }
            let mut descriptor = block_sums.map(|sum| sum as f32 / (SUB * SUB) as f32);
            let mean = descriptor.iter().sum::<f32>() / 16.0;
            for value in &mut descriptor {
                *value -= mean;
            }
            let key = (
                round_half_away(descriptor[0] / KEY_BIN) as i16,
                round_half_away(descriptor[5] / KEY_BIN) as i16,
            );
            order.push(sort_key(key, descriptor[10], features.len() as u32));
            features.push(descriptor);
            positions.push((x as u32, y as u32));
        }
    }
    // Coarse keys first, so near-duplicates meet, then one fine feature;
    // then descriptors and positions in that order, so that the comparisons
    // below read memory front to back.
    order.sort_unstable();
    let index = |entry: u128| (entry as u32) as usize;
    let features: Vec<[f32; 16]> = order.iter().map(|&entry| features[index(entry)]).collect();
    let positions: Vec<(u32, u32)> = order.iter().map(|&entry| positions[index(entry)]).collect();
    // The coarse keys and the fine feature apart too: the window's early
    // exits read only these small arrays.
    let coarse: Vec<u32> = order.iter().map(|&entry| (entry >> 64) as u32).collect();
    let fine: Vec<f32> = features.iter().map(|descriptor| descriptor[10]).collect();
    let mut votes: HashMap<(i32, i32), Vec<usize>> = HashMap::new();
    for i in 0..order.len() {
        for j in i + 1..(i + 1 + WINDOW).min(order.len()) {
            if coarse[i] != coarse[j] || (fine[i] - fine[j]).abs() > TOLERANCE {
                break;
            }
            let (a, b) = (i, j);
            let (pa, pb) = (positions[a], positions[b]);
            let (mut dx, mut dy) = (pb.0 as i32 - pa.0 as i32, pb.1 as i32 - pa.1 as i32);
            if dx.abs() + dy.abs() < 2 * BLOCK as i32 {
                continue;
            }
            if !within(&features[a], &features[b], TOLERANCE * TOLERANCE * 16.0) {
                continue;
            }
            let (mut first, mut second) = (a, b);
            if dy < 0 || (dy == 0 && dx < 0) {
                (dx, dy, first, second) = (-dx, -dy, b, a);
            }
            let voters = votes.entry((dx, dy)).or_default();
            voters.push(first);
            voters.push(second);
        }
    }
    // Neighbouring displacements (off by the stride) belong to one copy.
    let mut best: Option<((i32, i32), usize)> = None;
    for &(dx, dy) in votes.keys() {
        let mut total = 0;
        for ddy in [-1, 0, 1] {
            for ddx in [-1, 0, 1] {
                total += votes.get(&(dx + ddx, dy + ddy)).map_or(0, |v| v.len() / 2);
            }
        }
        if best.is_none_or(|(_, count)| total > count) {
            best = Some(((dx, dy), total));
        }
    }
    if let Some((displacement, count)) = best {
        found.votes = count;
        found.displacement = displacement;
        if let Some(members) = votes.get(&displacement) {
            found.pairs = members
                .chunks_exact(2)
                .take(64)
                .map(|pair| (positions[pair[0]], positions[pair[1]]))
                .collect();
        }
    }
    found
}

/// The copy-move signal. `noise_level` is the image's capture noise (see
/// [`super::noise::noise_level`]): in a digitally made image two renders of
/// the same glyph are identical, so duplicates prove nothing and the signal
/// is not applicable.
pub fn copy_move_signal(gray: &GrayImage, noise_level: f64) -> (Signal, CopyMove) {
    let mut signal = Signal::not_applicable("copy_move");
    if noise_level < super::noise::MIN_CAPTURE_NOISE {
        return (signal, CopyMove::default());
    }
    let found = find_copy_move(gray);
    if gray.width() as usize >= 4 * BLOCK && gray.height() as usize >= 4 * BLOCK {
        signal.applicable = true;
        signal.statistic = (found.votes as f64).ln_1p();
        if found.votes >= FLAG_VOTES {
            signal.flags.push("copy_move".into());
        }
    }
    (signal, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forensics::test_images::{decode, document, jpeg, paste};

    #[test]
    fn the_packed_sort_key_orders_as_the_tuple_does() {
        let mut entries = Vec::new();
        for k0 in [-3i16, 0, 2] {
            for k1 in [i16::MIN, -1, 0, 5] {
                for fine in [-2.5f32, -0.0, 0.0, 0.25, 7.0] {
                    entries.push(((k0, k1), fine, entries.len() as u32));
                }
            }
        }
        let mut by_tuple = entries.clone();
        by_tuple.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        entries.sort_by_key(|&(key, fine, index)| sort_key(key, fine, index));
        assert_eq!(entries, by_tuple);
    }

    #[test]
    fn within_measures_the_squared_distance_of_all_sixteen_dimensions() {
        let a = [0f32; 16];
        let mut b = [0f32; 16];
        b[15] = 2.0; // only in the second half
        assert!(within(&a, &b, 4.0));
        assert!(!within(&a, &b, 3.9));
        b[0] = 3.0; // the first half alone is over the limit
        assert!(!within(&a, &b, 8.0));
    }

    #[test]
    fn a_noisy_page_has_no_duplicated_region() {
        let page = decode(&jpeg(&document(400, 300, 3.0, 7), 90));
        let (signal, found) = copy_move_signal(&page, 3.0);
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
        let (signal, found) = copy_move_signal(&page, 3.0);
        assert!(
            signal.flags.contains(&"copy_move".to_owned()),
            "{}",
            found.votes
        );
        let (dx, dy) = found.displacement;
        assert!((dx - 210).abs() <= 2 && (dy - 160).abs() <= 2, "{dx},{dy}");
        // Without capture noise the same duplicate proves nothing.
        assert!(!copy_move_signal(&page, 0.2).0.applicable);
    }
}
