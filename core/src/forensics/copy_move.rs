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

/// A block's descriptor, position and coarse sort key.
type Described = ([f32; 16], u32, u32, (i16, i16));

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
    let sums = integral(gray);
    let stride = width + 1;
    let area = |x: usize, y: usize, w: usize, h: usize| {
        (sums[(y + h) * stride + x + w] + sums[y * stride + x])
            .wrapping_sub(sums[y * stride + x + w])
            .wrapping_sub(sums[(y + h) * stride + x])
    };
    let mut features: Vec<Described> = Vec::new();
    for y in (0..=height - BLOCK).step_by(STRIDE) {
        for x in (0..=width - BLOCK).step_by(STRIDE) {
            let mut descriptor = [0f32; 16];
            for (i, value) in descriptor.iter_mut().enumerate() {
                let (sx, sy) = (x + (i % 4) * SUB, y + (i / 4) * SUB);
                *value = area(sx, sy, SUB, SUB) as f32 / (SUB * SUB) as f32;
            }
            let mean = descriptor.iter().sum::<f32>() / 16.0;
            let (low, high) = descriptor
                .iter()
                .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
            if high - low < MIN_CONTRAST {
                continue;
            }
            for value in &mut descriptor {
                *value -= mean;
            }
            let key = (
                (descriptor[0] / KEY_BIN).round() as i16,
                (descriptor[5] / KEY_BIN).round() as i16,
            );
            features.push((descriptor, x as u32, y as u32, key));
        }
    }
    // Coarse keys first, so near-duplicates meet, then one fine feature.
    features.sort_unstable_by(|a, b| a.3.cmp(&b.3).then(a.0[10].total_cmp(&b.0[10])));
    let mut votes: HashMap<(i32, i32), Vec<usize>> = HashMap::new();
    for i in 0..features.len() {
        for j in i + 1..(i + 1 + WINDOW).min(features.len()) {
            let (a, b) = (&features[i], &features[j]);
            if a.3 != b.3 || (a.0[10] - b.0[10]).abs() > TOLERANCE {
                break;
            }
            let (mut dx, mut dy) = (b.1 as i32 - a.1 as i32, b.2 as i32 - a.2 as i32);
            if dx.abs() + dy.abs() < 2 * BLOCK as i32 {
                continue;
            }
            let squared: f32 = a.0.iter().zip(&b.0).map(|(x, y)| (x - y) * (x - y)).sum();
            if squared > TOLERANCE * TOLERANCE * 16.0 {
                continue;
            }
            let (mut first, mut second) = (i, j);
            if dy < 0 || (dy == 0 && dx < 0) {
                (dx, dy, first, second) = (-dx, -dy, j, i);
            }
            votes.entry((dx, dy)).or_default().push(first);
            votes.entry((dx, dy)).or_default().push(second);
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
                .map(|pair| {
                    let (a, b) = (&features[pair[0]], &features[pair[1]]);
                    ((a.1, a.2), (b.1, b.2))
                })
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
