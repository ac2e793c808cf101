//! Reading a machine-readable zone from an image, without an OCR engine.
//!
//! Written by hand: no Rust crate reads MRZs, and a general OCR engine is
//! both heavy and worse at OCR-B than matching its 37 known glyphs. Steps:
//!
//! 1. binarise with a local-mean threshold (uneven light) and label the
//!    connected components;
//! 2. chain components left to right into text lines, tolerating skew;
//! 3. pick the band of 2 or 3 parallel, equally pitched lines whose character
//!    count is an MRZ format's (30, 36 or 44);
//! 4. lay a fixed-pitch cell grid along each line (this deskews), sample each
//!    cell, and correlate it with the OCR-B templates allowed at that
//!    position (digits in dates and check digits, letters in names and
//!    country codes), searching small shifts;
//! 5. where a check digit fails, try the runner-up reading of ambiguous
//!    characters (0/O, 1/I, 5/S, 8/B...) and keep a change only if it makes
//!    the check pass; every such change is reported;
//! 6. report the zone only when it was read with real confidence (see
//!    `ZONE_MEDIAN_CONFIDENCE`): lines of ordinary print that happen to
//!    hold 30, 36 or 44 characters (a receipt, a form, a book page) match
//!    the templates at about 0.5 and are no zone.

use image::GrayImage;
use image::imageops::{FilterType, resize};
use serde::Serialize;

use super::date::Date;
use super::evidence::{CONFIDENT_READ, ForgeryEvidence, mrz_evidence};
use super::ocrb_templates::{CELL_ASPECT, CHARS, HEIGHT, TEMPLATES, WIDTH};
use super::parse::{Mrz, MrzFormat, parse_mrz};
use crate::error::{Error, ErrorCode, Result};
use crate::media::{DecodeLimits, decode_gray};

/// Longest side the reader works at; larger images are scaled down first.
const WORKING_SIDE: u32 = 1800;
/// Template-cell margin searched around each cell, in template samples.
const SHIFT: usize = 2;

/// A zone is reported only when its median character confidence reaches
/// this. Measured: genuine zones on captured pages (the MRZ corpus, JPEG,
/// blur, skew) are at 0.92 or more; lines of ordinary print read as a zone
/// (scans, renders and phone photos of real pages) at 0.61 at most.
const ZONE_MEDIAN_CONFIDENCE: f32 = 0.8;
/// …and when this share of its characters is read at [`CONFIDENT_READ`] or
/// better (genuine zones measured: all of them; ordinary print: under half).
const ZONE_CONFIDENT_SHARE: f32 = 0.9;

/// Whether per-character confidences are those of a zone read for real.
fn read_with_real_confidence(confidence: &[Vec<f32>]) -> bool {
    let mut all: Vec<f32> = confidence.iter().flatten().copied().collect();
    if all.is_empty() {
        return false;
    }
    let confident = all.iter().filter(|&&c| c >= CONFIDENT_READ).count();
    let middle = all.len() / 2;
    let median = *all.select_nth_unstable_by(middle, f32::total_cmp).1;
    median >= ZONE_MEDIAN_CONFIDENCE && confident as f32 >= ZONE_CONFIDENT_SHARE * all.len() as f32
}

/// Where the MRZ was found, in the input image's pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Region {
    /// Left of the bounding box.
    pub x: f32,
    /// Top of the bounding box.
    pub y: f32,
    /// Width of the bounding box.
    pub width: f32,
    /// Height of the bounding box.
    pub height: f32,
    /// Slope of the text lines, degrees (positive: clockwise).
    pub angle_degrees: f32,
}

/// Why the reader chose another character than the best-matching template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionReason {
    /// The position only admits digits (or letters): `O` in a date is `0`.
    FieldType,
    /// A close runner-up made a failing check digit pass.
    CheckDigit,
}

/// A character the reader changed from its best template match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correction {
    /// Line, 0-based.
    pub line: usize,
    /// Column, 0-based.
    pub column: usize,
    /// What the templates matched best.
    pub read: char,
    /// What the reader kept.
    pub corrected: char,
    /// Why.
    pub reason: CorrectionReason,
}

/// An MRZ read from an image.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MrzReading {
    /// The parsed and checked MRZ.
    pub mrz: Mrz,
    /// Per-character confidence (correlation with the template, 0 to 1), by line.
    pub confidence: Vec<Vec<f32>>,
    /// The lowest character confidence.
    pub min_confidence: f32,
    /// Characters changed because a check digit required it.
    pub corrections: Vec<Correction>,
    /// Where the zone is.
    pub region: Region,
    /// What the zone tells the forgery analysis.
    pub evidence: ForgeryEvidence,
}

/// Decodes a JPEG or PNG and reads its MRZ. An image without one is
/// `NOT_FOUND`; see [`read_mrz_image`] for an `Option` instead.
pub fn read_mrz(bytes: &[u8], limits: &DecodeLimits, today: Date) -> Result<MrzReading> {
    let image = decode_gray(bytes, limits)?;
    read_mrz_image(&image, today)?.ok_or_else(|| {
        Error::new(
            ErrorCode::NotFound,
            "no machine-readable zone found in the image",
        )
    })
}

/// Reads the MRZ of a decoded grayscale image; `Ok(None)` when there is
/// none, or when what looked like one was not read with real confidence.
pub fn read_mrz_image(image: &GrayImage, today: Date) -> Result<Option<MrzReading>> {
    let (width, height) = image.dimensions();
    let scale = (WORKING_SIDE as f32 / width.max(height) as f32).min(1.0);
    let working;
    let work = if scale < 1.0 {
        working = resize(
            image,
            ((width as f32 * scale).round() as u32).max(1),
            ((height as f32 * scale).round() as u32).max(1),
            FilterType::Triangle,
        );
        &working
    } else {
        image
    };
    let components = components(work);
    let chains = chains(&components);
    let lines: Vec<Line> = chains
        .iter()
        .filter_map(|chain| Line::fit(chain, &components))
        .collect();
    let Some((format, band)) = find_band(&lines) else {
        return Ok(None);
    };
    let (_, columns) = format.shape();
    let cells: Vec<Vec<Cell>> = band
        .iter()
        .map(|line| read_line(work, line, columns))
        .collect();
    let first_char = cells[0][0].best_in(Class::Alpha).0;
    let format = match (format, first_char) {
        (MrzFormat::Td3, 'V') => MrzFormat::MrvA,
        (MrzFormat::Td2, 'V') => MrzFormat::MrvB,
        (other, _) => other,
    };
    let mut text: Vec<Vec<char>> = Vec::new();
    let mut confidence = Vec::new();
    let mut corrections = Vec::new();
    for (row, line_cells) in cells.iter().enumerate() {
        let mut chars = Vec::new();
        let mut scores = Vec::new();
        for (column, cell) in line_cells.iter().enumerate() {
            let (c, score) = cell.best_in(class_at(format, row, column));
            let (unrestricted, _) = cell.best_in(Class::Any);
            if unrestricted != c {
                corrections.push(Correction {
                    line: row,
                    column,
                    read: unrestricted,
                    corrected: c,
                    reason: CorrectionReason::FieldType,
                });
            }
            chars.push(c);
            scores.push(score.max(0.0));
        }
        text.push(chars);
        confidence.push(scores);
    }
    if !read_with_real_confidence(&confidence) {
        return Ok(None);
    }
    corrections.extend(correct(format, &cells, &mut text));
    let joined: Vec<String> = text.iter().map(|chars| chars.iter().collect()).collect();
    let mrz = parse_mrz(&joined.join("\n"), today)?;
    let min_confidence = confidence.iter().flatten().copied().fold(1.0f32, f32::min);
    let region = band_region(&band, columns, 1.0 / scale);
    // A failed check is a typed-over field when every character it covers
    // was read confidently and none was changed by a repair.
    let fields = checked_fields(format);
    let confident = |name: &str| {
        fields.iter().filter(|f| f.name == name).all(|f| {
            f.positions
                .iter()
                .chain(std::iter::once(&f.check))
                .all(|&(row, column)| {
                    confidence[row][column] >= CONFIDENT_READ
                        && !corrections
                            .iter()
                            .any(|c| (c.line, c.column) == (row, column))
                })
        })
    };
    let evidence = mrz_evidence(&mrz, confident);
    Ok(Some(MrzReading {
        mrz,
        confidence,
        min_confidence,
        corrections,
        region,
        evidence,
    }))
}

/// A connected component of dark pixels.
#[derive(Debug, Clone, Copy)]
struct Component {
    left: u32,
    top: u32,
    right: u32,
    bottom: u32,
}

impl Component {
    fn width(&self) -> f32 {
        (self.right - self.left + 1) as f32
    }
    fn height(&self) -> f32 {
        (self.bottom - self.top + 1) as f32
    }
    fn cx(&self) -> f32 {
        (self.left + self.right) as f32 / 2.0
    }
    fn cy(&self) -> f32 {
        (self.top + self.bottom) as f32 / 2.0
    }
}

/// Local-mean binarisation and 8-connected labelling (union-find).
fn components(image: &GrayImage) -> Vec<Component> {
    let (width, height) = image.dimensions();
    let (w, h) = (width as usize, height as usize);
    let pixels = image.as_raw();
    // Integral image for local means, in u32: at most 255 per pixel of a
    // working image of at most WORKING_SIDE squared pixels (under 2^30),
    // so no sum wraps, and 32-bit lanes vectorise where 64-bit ones do not.
    let mut integral = vec![0u32; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u32;
        for x in 0..w {
            row += u32::from(pixels[y * w + x]);
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let radius = (w.max(h) / 60).max(8);
    // value < 0.82 · mean and mean − value > 14, in integers (mean = sum /
    // area): no division per pixel. The window is at most (2 · 30 + 1)^2
    // pixels, so both products stay under 2^27.
    let is_dark = |value: u8, sum: u32, area: u32| {
        let value = u32::from(value);
        100 * value * area < 82 * sum && sum > (value + 14) * area
    };
    let span = 2 * radius + 1;
    let mut dark = vec![false; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(radius), (y + radius + 1).min(h));
        let (top, bottom) = (&integral[y0 * (w + 1)..], &integral[y1 * (w + 1)..]);
        let row = &pixels[y * w..(y + 1) * w];
        let dark = &mut dark[y * w..(y + 1) * w];
        // Windows whole across (x - radius ≥ 0, x + radius < w): one area
        // and four shifted rows of sums, a loop in vector lanes.
        let (first, end) = (radius.min(w), w.saturating_sub(radius).max(radius.min(w)));
        let count = end - first;
        let area = (span * (y1 - y0)) as u32;
        let (top_left, bottom_left) = (&top[..count], &bottom[..count]);
        let (top_right, bottom_right) = (&top[span..][..count], &bottom[span..][..count]);
        let (values, out) = (&row[first..end], &mut dark[first..end]);
        for i in 0..count {
            let sum = bottom_right[i]
                .wrapping_add(top_left[i])
                .wrapping_sub(top_right[i])
                .wrapping_sub(bottom_left[i]);
            out[i] = is_dark(values[i], sum, area);
        }
        // Windows cut by the image's left or right edge.
        for x in (0..first).chain(end..w) {
            let (x0, x1) = (x.saturating_sub(radius), (x + radius + 1).min(w));
            let sum = bottom[x1]
                .wrapping_add(top[x0])
                .wrapping_sub(top[x1])
                .wrapping_sub(bottom[x0]);
            dark[x] = is_dark(row[x], sum, ((x1 - x0) * (y1 - y0)) as u32);
        }
    }
    let mut parent: Vec<u32> = (0..(w * h) as u32).collect();
    fn find(parent: &mut [u32], mut i: u32) -> u32 {
        while parent[i as usize] != i {
            parent[i as usize] = parent[parent[i as usize] as usize];
            i = parent[i as usize];
        }
        i
    }
    for y in 0..h {
        for x in 0..w {
            if !dark[y * w + x] {
                continue;
            }
            let here = (y * w + x) as u32;
            // 8-connected neighbours already seen. The one above touches
            // the other three, so when it is dark they are already joined
            // to it; when the left one is dark, so is the upper-left.
            let dark_at = |x: usize, y: usize| dark[y * w + x];
            let above = y > 0 && dark_at(x, y - 1);
            let left = x > 0 && dark_at(x - 1, y);
            let neighbours = [
                above.then(|| (y - 1) * w + x),
                (!above && left).then(|| y * w + x - 1),
                (!above && !left && y > 0 && x > 0 && dark_at(x - 1, y - 1))
                    .then(|| (y - 1) * w + x - 1),
                (!above && y > 0 && x + 1 < w && dark_at(x + 1, y - 1))
                    .then(|| (y - 1) * w + x + 1),
            ];
            for neighbour in neighbours.into_iter().flatten() {
                let (a, b) = (find(&mut parent, here), find(&mut parent, neighbour as u32));
                if a != b {
                    parent[a.max(b) as usize] = a.min(b);
                }
            }
        }
    }
    // Bounding boxes and pixel counts, one per root, numbered in the order
    // their roots come (a root is its component's first pixel). Each root's
    // parent slot then holds its box's number, marked by the top bit; the
    // pixels after it read the number through their root.
    const NUMBERED: u32 = 1 << 31;
    let mut boxes: Vec<(Component, u32)> = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let here = y * w + x;
            if !dark[here] {
                continue;
            }
            // Every root before this pixel is numbered already (roots come
            // first in their components); the walk ends at a numbered slot,
            // or at this pixel when it is a root itself.
            let mut root = here;
            while parent[root] & NUMBERED == 0 && parent[root] as usize != root {
                root = parent[root] as usize;
            }
            let number = if root == here {
                parent[here] = NUMBERED | boxes.len() as u32;
                let (x, y) = (x as u32, y as u32);
                let corner = Component {
                    left: x,
                    top: y,
                    right: x,
                    bottom: y,
                };
                boxes.push((corner, 0));
                boxes.len() - 1
            } else {
                // Later pixels of this component reach the root in one step.
                parent[here] = root as u32;
                (parent[root] & !NUMBERED) as usize
            };
            let (x, y) = (x as u32, y as u32);
            let Some(entry) = boxes.get_mut(number) else {
                continue;
            };
            entry.0.left = entry.0.left.min(x);
            entry.0.right = entry.0.right.max(x);
            entry.0.top = entry.0.top.min(y);
            entry.0.bottom = entry.0.bottom.max(y);
            entry.1 += 1;
        }
    }
    let max_height = (height as f32 / 8.0).max(12.0);
    let mut kept: Vec<Component> = boxes
        .into_iter()
        .filter(|(c, count)| {
            c.height() >= 5.0
                && c.height() <= max_height
                && c.width() <= 2.5 * c.height() + 2.0
                && *count >= 10
        })
        .map(|(c, _)| c)
        .collect();
    kept.sort_by(|a, b| a.cx().total_cmp(&b.cx()));
    kept
}

/// Chains components left to right: each links to its nearest plausible
/// right neighbour, when that neighbour's nearest left neighbour is it.
fn chains(components: &[Component]) -> Vec<Vec<usize>> {
    let n = components.len();
    let mut right: Vec<Option<usize>> = vec![None; n];
    let mut left_best: Vec<Option<(usize, f32)>> = vec![None; n];
    for (i, a) in components.iter().enumerate() {
        let mut best: Option<(usize, f32)> = None;
        for (j, b) in components.iter().enumerate().skip(i + 1) {
            let size = a.height().max(b.height());
            let dx = b.cx() - a.cx();
            if dx > 2.2 * size {
                break;
            }
            let ratio = a.height() / b.height();
            if dx < 0.3 * a.width().min(b.width())
                || (a.cy() - b.cy()).abs() > 0.35 * size
                || !(0.4..=2.5).contains(&ratio)
            {
                continue;
            }
            if best.is_none_or(|(_, d)| dx < d) {
                best = Some((j, dx));
            }
        }
        if let Some((j, dx)) = best {
            right[i] = Some(j);
            if left_best[j].is_none_or(|(_, d)| dx < d) {
                left_best[j] = Some((i, dx));
            }
        }
    }
    let mut has_left = vec![false; n];
    for (i, next) in right.iter_mut().enumerate() {
        if let Some(j) = *next {
            if left_best[j].map(|(k, _)| k) == Some(i) {
                has_left[j] = true;
            } else {
                *next = None;
            }
        }
    }
    let mut chains = Vec::new();
    for start in (0..n).filter(|&i| !has_left[i]) {
        let mut chain = vec![start];
        let mut at = start;
        while let Some(next) = right[at] {
            chain.push(next);
            at = next;
        }
        if chain.len() >= 12 {
            chains.push(chain);
        }
    }
    chains
}

/// A text line: a chain of components with its fitted geometry.
#[derive(Debug, Clone)]
struct Line {
    /// Unit direction along the line.
    dir: (f32, f32),
    /// A point on the line (the first component's centre, projected).
    origin: (f32, f32),
    /// Distance between character centres.
    pitch: f32,
    /// Height of capitals.
    cap: f32,
    /// Character centres along the line, relative to `origin`.
    positions: Vec<f32>,
}

impl Line {
    fn fit(chain: &[usize], components: &[Component]) -> Option<Line> {
        let points: Vec<(f32, f32)> = chain
            .iter()
            .map(|&i| (components[i].cx(), components[i].cy()))
            .collect();
        let n = points.len() as f32;
        let (mx, my) = points
            .iter()
            .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x / n, sy + y / n));
        let (sxx, sxy) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| {
            (a + (x - mx) * (x - mx), b + (x - mx) * (y - my))
        });
        let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        let norm = (1.0 + slope * slope).sqrt();
        let dir = (1.0 / norm, slope / norm);
        let mut heights: Vec<f32> = chain.iter().map(|&i| components[i].height()).collect();
        heights.sort_by(f32::total_cmp);
        let cap = heights[heights.len() * 3 / 4];
        let project = |(x, y): (f32, f32)| (x - mx) * dir.0 + (y - my) * dir.1;
        let along: Vec<f32> = points.iter().map(|&p| project(p)).collect();
        let mut gaps: Vec<f32> = along.windows(2).map(|w| w[1] - w[0]).collect();
        gaps.sort_by(f32::total_cmp);
        let pitch = *gaps.get(gaps.len() / 2)?;
        if pitch <= 0.0 || cap < 5.0 {
            return None;
        }
        let start = along[0];
        let origin = (mx + start * dir.0, my + start * dir.1);
        Some(Line {
            dir,
            origin,
            pitch,
            cap,
            positions: along.iter().map(|u| u - start).collect(),
        })
    }

    /// Characters the line holds, counting gaps of missing components.
    fn columns(&self) -> usize {
        (self.positions.last().copied().unwrap_or(0.0) / self.pitch).round() as usize + 1
    }

    fn angle(&self) -> f32 {
        self.dir.1.atan2(self.dir.0)
    }

    /// Signed distance of `point` from the line, along its normal.
    fn offset(&self, point: (f32, f32)) -> f32 {
        (point.1 - self.origin.1) * self.dir.0 - (point.0 - self.origin.0) * self.dir.1
    }

    /// Fits the cell grid (start and pitch) to the components' centres,
    /// progressively: the first third, then two thirds, then all, each time
    /// assigning centres to their nearest column with the pitch fitted so far,
    /// so a small error in the first estimate cannot grow into a wrong column
    /// at the far end of a long line.
    fn grid(&self) -> (f32, f32) {
        let span = self.positions.last().copied().unwrap_or(0.0);
        let (mut start, mut pitch) = (0.0, self.pitch);
        for reach in [span / 3.0, span * 2.0 / 3.0, span] {
            let used: Vec<(f32, f32)> = self
                .positions
                .iter()
                .filter(|&&u| u <= reach + 0.5 * pitch)
                .map(|&u| (((u - start) / pitch).round(), u))
                .collect();
            let n = used.len() as f32;
            if n < 3.0 {
                continue;
            }
            let (mk, mu) = used
                .iter()
                .fold((0.0, 0.0), |(a, b), (k, u)| (a + k / n, b + u / n));
            let (skk, sku) = used.iter().fold((0.0, 0.0), |(a, b), (k, u)| {
                (a + (k - mk) * (k - mk), b + (k - mk) * (u - mu))
            });
            if skk > 0.0 {
                pitch = sku / skk;
                start = mu - pitch * mk;
            }
        }
        (start, pitch)
    }
}

/// The band of 2 or 3 lines that forms an MRZ, lowest first if several do.
fn find_band(lines: &[Line]) -> Option<(MrzFormat, Vec<Line>)> {
    let mut sorted: Vec<&Line> = lines.iter().collect();
    sorted.sort_by(|a, b| a.origin.1.total_cmp(&b.origin.1));
    let mut best: Option<(f32, MrzFormat, Vec<Line>)> = None;
    for count in [3usize, 2] {
        for window in sorted.windows(count) {
            let first = window[0];
            let pitch_ok = window
                .iter()
                .all(|l| (l.pitch / first.pitch - 1.0).abs() < 0.12);
            let angle_ok = window
                .iter()
                .all(|l| (l.angle() - first.angle()).abs() < 0.035);
            let spacing_ok = window.windows(2).all(|pair| {
                let gap = pair[0].offset(pair[1].origin).abs();
                gap > 1.2 * first.cap && gap < 3.2 * first.cap
            });
            // Lines of one zone start at the same column.
            let aligned = window.iter().all(|l| {
                let along = (l.origin.0 - first.origin.0) * first.dir.0
                    + (l.origin.1 - first.origin.1) * first.dir.1;
                along.abs() < 1.5 * first.pitch
            });
            if !(pitch_ok && angle_ok && spacing_ok && aligned) {
                continue;
            }
            let mean = window.iter().map(|l| l.columns() as f32).sum::<f32>() / count as f32;
            let format = match count {
                3 if (27.0..=33.0).contains(&mean) => MrzFormat::Td1,
                2 if (33.0..=39.0).contains(&mean) => MrzFormat::Td2,
                2 if (41.0..=47.0).contains(&mean) => MrzFormat::Td3,
                _ => continue,
            };
            let score = window.iter().map(|l| l.positions.len() as f32).sum::<f32>()
                + first.origin.1 * 1e-3;
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, format, window.iter().map(|l| (*l).clone()).collect()));
            }
        }
    }
    best.map(|(_, format, lines)| (format, lines))
}

/// Which characters may stand at a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A-Z and `<`.
    Alpha,
    /// 0-9.
    Digit,
    /// 0-9 and `<` (a check digit over an unused field, a long number's marker).
    DigitOrFiller,
    /// M, F, X, `<`.
    Sex,
    /// Anything.
    Any,
}

impl Class {
    fn allows(self, c: u8) -> bool {
        match self {
            Class::Alpha => c.is_ascii_uppercase() || c == b'<',
            Class::Digit => c.is_ascii_digit(),
            Class::DigitOrFiller => c.is_ascii_digit() || c == b'<',
            Class::Sex => matches!(c, b'M' | b'F' | b'X' | b'<'),
            Class::Any => true,
        }
    }
}

/// The class of each position of each format (columns 0-based).
fn class_at(format: MrzFormat, row: usize, column: usize) -> Class {
    use Class::*;
    match (format, row) {
        (MrzFormat::Td1, 0) => match column {
            0..=4 => Alpha,
            14 => DigitOrFiller,
            _ => Any,
        },
        (MrzFormat::Td1, 1) => match column {
            0..=6 | 8..=14 | 29 => Digit,
            7 => Sex,
            15..=17 => Alpha,
            _ => Any,
        },
        (_, 0) | (MrzFormat::Td1, _) => Alpha,
        (_, _) => match column {
            9 if format == MrzFormat::Td2 => DigitOrFiller,
            9 | 13..=19 | 21..=27 => Digit,
            10..=12 => Alpha,
            20 => Sex,
            42 if format == MrzFormat::Td3 => DigitOrFiller,
            43 if format == MrzFormat::Td3 => Digit,
            35 if format == MrzFormat::Td2 => Digit,
            _ => Any,
        },
    }
}

/// Template scores of one cell: correlation per character.
#[derive(Debug, Clone)]
struct Cell {
    scores: [f32; 37],
}

impl Cell {
    /// The best character allowed by `class`, and its score.
    fn best_in(&self, class: Class) -> (char, f32) {
        self.ranked(class).first().copied().unwrap_or(('<', 0.0))
    }

    /// Allowed characters, best first.
    fn ranked(&self, class: Class) -> Vec<(char, f32)> {
        let mut ranked: Vec<(char, f32)> = CHARS
            .iter()
            .zip(self.scores)
            .filter(|(c, _)| class.allows(**c))
            .map(|(c, s)| (char::from(*c), s))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
    }
}

/// Bilinear sample of `image` at (x, y); out of bounds reads the nearest edge.
fn sample(image: &GrayImage, x: f32, y: f32) -> f32 {
    let (w, h) = image.dimensions();
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let p = |x, y| f32::from(image.get_pixel(x, y)[0]);
    (p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx) * (1.0 - fy)
        + (p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx) * fy
}

/// Template data as floats with zero mean, and their norms; prepared once
/// per process.
static PREPARED_TEMPLATES: std::sync::LazyLock<Vec<(Vec<f32>, f32)>> =
    std::sync::LazyLock::new(|| {
        TEMPLATES
            .iter()
            .map(|template| {
                let mean =
                    template.iter().map(|&v| f32::from(v)).sum::<f32>() / template.len() as f32;
                let centred: Vec<f32> = template.iter().map(|&v| f32::from(v) - mean).collect();
                let norm = centred.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-6);
                (centred, norm)
            })
            .collect()
    });

fn read_line(image: &GrayImage, line: &Line, columns: usize) -> Vec<Cell> {
    let (start, pitch) = line.grid();
    let normal = (-line.dir.1, line.dir.0);
    // OCR-B's cell height is a fixed multiple of its pitch; the pitch, from
    // character centres, is not biased by blur as ink heights are.
    let cell_height = CELL_ASPECT * pitch;
    let (grid_w, grid_h) = (WIDTH + 2 * SHIFT, HEIGHT + 2 * SHIFT);
    let (step_u, step_v) = (pitch / WIDTH as f32, cell_height / HEIGHT as f32);
    // Sample every cell, with a margin, as ink values (dark = high).
    let mut grids: Vec<Vec<f32>> = Vec::with_capacity(columns);
    for column in 0..columns {
        let center_u = start + column as f32 * pitch;
        let mut grid = Vec::with_capacity(grid_w * grid_h);
        for gy in 0..grid_h {
            for gx in 0..grid_w {
                let u = center_u + (gx as f32 + 0.5 - grid_w as f32 / 2.0) * step_u;
                let v = (gy as f32 + 0.5 - grid_h as f32 / 2.0) * step_v;
                let mut total = 0.0;
                for (du, dv) in [(-0.25, -0.25), (0.25, -0.25), (-0.25, 0.25), (0.25, 0.25)] {
                    let (uu, vv) = (u + du * step_u, v + dv * step_v);
                    let x = line.origin.0 + uu * line.dir.0 + vv * normal.0;
                    let y = line.origin.1 + uu * line.dir.1 + vv * normal.1;
                    total += sample(image, x, y);
                }
                grid.push(255.0 - total / 4.0);
            }
        }
        grids.push(grid);
    }
    let templates = &*PREPARED_TEMPLATES;
    grids
        .iter()
        .map(|grid| {
            let mut scores = [-1.0f32; 37];
            for dy in 0..=2 * SHIFT {
                for dx in 0..=2 * SHIFT {
                    let window = |tx: usize, ty: usize| grid[(ty + dy) * grid_w + tx + dx];
                    let mut mean = 0.0;
                    for ty in 0..HEIGHT {
                        for tx in 0..WIDTH {
                            mean += window(tx, ty);
                        }
                    }
                    mean /= (WIDTH * HEIGHT) as f32;
                    let mut centred = [0.0f32; WIDTH * HEIGHT];
                    for ty in 0..HEIGHT {
                        for tx in 0..WIDTH {
                            centred[ty * WIDTH + tx] = window(tx, ty) - mean;
                        }
                    }
                    let norm = centred.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-6);
                    for (index, (template, template_norm)) in templates.iter().enumerate() {
                        let dot: f32 = template.iter().zip(&centred).map(|(a, b)| a * b).sum();
                        let score = dot / (norm * template_norm);
                        if score > scores[index] {
                            scores[index] = score;
                        }
                    }
                }
            }
            Cell { scores }
        })
        .collect()
}

/// A (line, column) position in the zone.
type Position = (usize, usize);

/// A check-digit-protected field: its name as in [`CheckResult`](super::CheckResult),
/// its characters, and its check digit's position.
struct CheckedField {
    name: &'static str,
    positions: Vec<Position>,
    check: Position,
}

/// The check-digit-protected fields of a format, in the order the parser checks them.
fn checked_fields(format: MrzFormat) -> Vec<CheckedField> {
    let span = |row: usize, from: usize, to: usize| (from..=to).map(move |c| (row, c));
    let field = |name, positions: Vec<Position>, check| CheckedField {
        name,
        positions,
        check,
    };
    match format {
        MrzFormat::Td1 => vec![
            field("documentNumber", span(0, 5, 13).collect(), (0, 14)),
            field("birthDate", span(1, 0, 5).collect(), (1, 6)),
            field("expiryDate", span(1, 8, 13).collect(), (1, 14)),
            field(
                "composite",
                span(0, 5, 29)
                    .chain(span(1, 0, 6))
                    .chain(span(1, 8, 14))
                    .chain(span(1, 18, 28))
                    .collect(),
                (1, 29),
            ),
        ],
        MrzFormat::Td2 | MrzFormat::Td3 | MrzFormat::MrvA | MrzFormat::MrvB => {
            let mut fields = vec![
                field("documentNumber", span(1, 0, 8).collect(), (1, 9)),
                field("birthDate", span(1, 13, 18).collect(), (1, 19)),
                field("expiryDate", span(1, 21, 26).collect(), (1, 27)),
            ];
            match format {
                MrzFormat::Td3 => {
                    fields.push(field("optionalData", span(1, 28, 41).collect(), (1, 42)));
                    let composite = span(1, 0, 9)
                        .chain(span(1, 13, 19))
                        .chain(span(1, 21, 42))
                        .collect();
                    fields.push(field("composite", composite, (1, 43)));
                }
                MrzFormat::Td2 => {
                    let composite = span(1, 0, 9)
                        .chain(span(1, 13, 19))
                        .chain(span(1, 21, 34))
                        .collect();
                    fields.push(field("composite", composite, (1, 35)));
                }
                _ => {}
            }
            fields
        }
    }
}

fn field_valid(text: &[Vec<char>], positions: &[(usize, usize)], check: (usize, usize)) -> bool {
    let data: String = positions.iter().map(|&(r, c)| text[r][c]).collect();
    let found = text[check.0][check.1];
    let unused = found == '<' && data.chars().all(|c| c == '<');
    unused || super::check_digit::check_digit(&data).map(|d| char::from(b'0' + d)) == Some(found)
}

/// Close runners-up that check digits may choose between.
const AMBIGUITY: f32 = 0.12;

/// Repairs failed check digits by trying runner-up readings of ambiguous
/// characters, one at a time; keeps a change only if it makes its field's
/// check pass and more checks pass overall (so a genuine tamper elsewhere
/// neither blocks a repair nor gets repaired away: a confidently read
/// character is never a candidate).
fn correct(format: MrzFormat, cells: &[Vec<Cell>], text: &mut [Vec<char>]) -> Vec<Correction> {
    let fields = checked_fields(format);
    let passing = |text: &[Vec<char>]| {
        fields
            .iter()
            .filter(|f| field_valid(text, &f.positions, f.check))
            .count()
    };
    let mut corrections = Vec::new();
    for CheckedField {
        positions, check, ..
    } in &fields
    {
        if field_valid(text, positions, *check) {
            continue;
        }
        let mut candidates: Vec<(usize, usize, char, f32)> = Vec::new();
        for &(row, column) in positions.iter().chain(std::iter::once(check)) {
            let ranked = cells[row][column].ranked(class_at(format, row, column));
            if let Some(&(best, best_score)) = ranked.first() {
                for &(alternative, score) in ranked.iter().skip(1).take(3) {
                    if best_score - score < AMBIGUITY && alternative != best {
                        candidates.push((row, column, alternative, best_score - score));
                    }
                }
            }
        }
        candidates.sort_by(|a, b| a.3.total_cmp(&b.3));
        candidates.truncate(8);
        let before = passing(text);
        // Single changes first, then pairs (two misreads in one field).
        let singles = (0..candidates.len()).map(|i| vec![i]);
        let pairs = (0..candidates.len())
            .flat_map(|i| (i + 1..candidates.len()).map(move |j| vec![i, j]))
            .filter(|pair| {
                (candidates[pair[0]].0, candidates[pair[0]].1)
                    != (candidates[pair[1]].0, candidates[pair[1]].1)
            });
        for choice in singles.chain(pairs) {
            let originals: Vec<char> = choice
                .iter()
                .map(|&i| text[candidates[i].0][candidates[i].1])
                .collect();
            for &i in &choice {
                let (row, column, alternative, _) = candidates[i];
                text[row][column] = alternative;
            }
            if field_valid(text, positions, *check) && passing(text) > before {
                for (&i, read) in choice.iter().zip(originals) {
                    let (line, column, corrected, _) = candidates[i];
                    let reason = CorrectionReason::CheckDigit;
                    corrections.push(Correction {
                        line,
                        column,
                        read,
                        corrected,
                        reason,
                    });
                }
                break;
            }
            for (&i, read) in choice.iter().zip(originals) {
                text[candidates[i].0][candidates[i].1] = read;
            }
        }
    }
    corrections
}

fn band_region(band: &[Line], columns: usize, scale: f32) -> Region {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for line in band {
        let (start, pitch) = line.grid();
        let normal = (-line.dir.1, line.dir.0);
        for u in [start - pitch / 2.0, start + (columns as f32 - 0.5) * pitch] {
            for v in [-0.65 * line.cap, 0.65 * line.cap] {
                xs.push(line.origin.0 + u * line.dir.0 + v * normal.0);
                ys.push(line.origin.1 + u * line.dir.1 + v * normal.1);
            }
        }
    }
    let (x0, x1) = xs
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let (y0, y1) = ys
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), &y| (a.min(y), b.max(y)));
    Region {
        x: x0 * scale,
        y: y0 * scale,
        width: (x1 - x0) * scale,
        height: (y1 - y0) * scale,
        angle_degrees: band[0].angle().to_degrees(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];
    const TD1: [&str; 3] = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];

    fn today() -> Date {
        Date::new(2026, 11, 22).unwrap()
    }

    /// Prints `lines` with the OCR-B templates, `scale` pixels per template
    /// column, in cells of the font's proportions, on white with a margin,
    /// then rotates by `degrees`.
    fn render(lines: &[&str], scale: u32, degrees: f32) -> GrayImage {
        render_glyphs(lines, scale, degrees, false)
    }

    /// As [`render`], each glyph turned upside down and mirrored inside its
    /// cell when `mirrored`: print of the zone's size and ink that is not
    /// OCR-B.
    fn render_glyphs(lines: &[&str], scale: u32, degrees: f32, mirrored: bool) -> GrayImage {
        let cell_w = WIDTH as u32 * scale;
        let cell_h = (CELL_ASPECT * cell_w as f32).round() as u32;
        let margin = 6 * cell_h;
        let width = lines[0].len() as u32 * cell_w + 2 * margin;
        let height = lines.len() as u32 * cell_h * 3 / 2 + 2 * margin;
        let flat = GrayImage::from_fn(width, height, |x, y| {
            let (Some(x), Some(y)) = (x.checked_sub(margin), y.checked_sub(margin)) else {
                return image::Luma([255]);
            };
            let (row, row_y) = ((y / (cell_h * 3 / 2)) as usize, y % (cell_h * 3 / 2));
            let column = (x / cell_w) as usize;
            let Some(&c) = lines.get(row).and_then(|line| line.as_bytes().get(column)) else {
                return image::Luma([255]);
            };
            if row_y >= cell_h {
                return image::Luma([255]);
            }
            let index = CHARS.iter().position(|&k| k == c).unwrap();
            let mut ty = (row_y as usize * HEIGHT / cell_h as usize).min(HEIGHT - 1);
            let mut tx = ((x % cell_w) / scale) as usize;
            if mirrored {
                (tx, ty) = (WIDTH - 1 - tx, HEIGHT - 1 - ty);
            }
            let ink = TEMPLATES[index][ty * WIDTH + tx];
            image::Luma([255 - ink])
        });
        let (sin, cos) = degrees.to_radians().sin_cos();
        let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
        GrayImage::from_fn(width, height, |x, y| {
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            let (sx, sy) = (cx + dx * cos + dy * sin, cy - dx * sin + dy * cos);
            image::Luma([sample(&flat, sx, sy).round() as u8])
        })
    }

    #[test]
    fn print_of_a_zones_shape_in_another_font_is_no_zone() {
        // The same lines in OCR-B are read; in glyphs that are not OCR-B
        // (each turned in its cell) nothing matches with real confidence,
        // so the reader reports no zone.
        assert!(
            read_mrz_image(&render(&TD3, 3, 0.0), today())
                .unwrap()
                .is_some()
        );
        let other_font = render_glyphs(&TD3, 3, 0.0, true);
        assert_eq!(read_mrz_image(&other_font, today()).unwrap(), None);
        assert!(!read_with_real_confidence(&[vec![0.9; 30], vec![0.5; 14]]));
        assert!(read_with_real_confidence(&[vec![0.95; 42], vec![0.7; 2]]));
        assert!(!read_with_real_confidence(&[]));
    }

    #[test]
    fn a_printed_td3_zone_is_read_exactly() {
        let reading = read_mrz_image(&render(&TD3, 2, 0.0), today())
            .unwrap()
            .unwrap();
        assert_eq!(reading.mrz.lines, TD3);
        assert!(reading.mrz.valid);
        assert!(reading.min_confidence > 0.8, "{}", reading.min_confidence);
        assert!(reading.region.angle_degrees.abs() < 0.5);
        assert_eq!(
            reading.evidence.document_type,
            Some(crate::model::DocumentType::Passport)
        );
        assert_eq!(reading.evidence.score_floor, 0.0);
    }

    #[test]
    fn a_rotated_td1_zone_is_deskewed_and_read() {
        for degrees in [-4.5, 3.0] {
            let reading = read_mrz_image(&render(&TD1, 2, degrees), today())
                .unwrap()
                .unwrap();
            assert_eq!(reading.mrz.lines, TD1, "at {degrees} degrees");
            assert!(
                (reading.region.angle_degrees - degrees).abs() < 1.0,
                "{:?}",
                reading.region
            );
        }
    }

    #[test]
    fn a_typed_over_date_is_read_as_printed_and_fails_its_check() {
        let tampered = [TD3[0], "L898902C36UTO7508122F1204159ZE184226B<<<<<10"];
        let reading = read_mrz_image(&render(&tampered, 2, 0.0), today())
            .unwrap()
            .unwrap();
        assert_eq!(reading.mrz.lines, tampered);
        assert!(
            reading.corrections.is_empty(),
            "a clearly printed digit must not be 'corrected'"
        );
        assert!(
            reading
                .mrz
                .findings
                .iter()
                .any(|f| f.code == "mrz_check_digit_mismatch")
        );
    }

    #[test]
    fn an_image_without_a_zone_has_none() {
        let blank = GrayImage::from_pixel(400, 300, image::Luma([230]));
        assert!(read_mrz_image(&blank, today()).unwrap().is_none());
        let mut bytes = Vec::new();
        blank
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .unwrap();
        let err = read_mrz(&bytes, &DecodeLimits::default(), today()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
    }

    fn cell(pairs: &[(u8, f32)]) -> Cell {
        let mut scores = [0.1f32; 37];
        for &(c, score) in pairs {
            scores[CHARS.iter().position(|&k| k == c).unwrap()] = score;
        }
        Cell { scores }
    }

    #[test]
    fn an_ambiguous_o_in_a_document_number_is_corrected_by_its_check_digit() {
        // The specimen's TD3 line 2, with column 1 ('8') read as 'B' by a hair.
        let line2 = TD3[1].as_bytes();
        let mut cells: Vec<Vec<Cell>> = vec![TD3[0].bytes().map(|c| cell(&[(c, 0.95)])).collect()];
        cells.push(
            line2
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    if i == 1 {
                        cell(&[(b'B', 0.90), (b'8', 0.86)])
                    } else {
                        cell(&[(c, 0.95)])
                    }
                })
                .collect(),
        );
        let mut text: Vec<Vec<char>> = cells
            .iter()
            .enumerate()
            .map(|(r, row)| {
                row.iter()
                    .enumerate()
                    .map(|(c, cell)| cell.best_in(class_at(MrzFormat::Td3, r, c)).0)
                    .collect()
            })
            .collect();
        assert_eq!(text[1][1], 'B');
        let corrections = correct(MrzFormat::Td3, &cells, &mut text);
        assert_eq!(
            corrections,
            [Correction {
                line: 1,
                column: 1,
                read: 'B',
                corrected: '8',
                reason: CorrectionReason::CheckDigit
            }]
        );
        assert_eq!(text[1].iter().collect::<String>(), TD3[1]);
    }

    #[test]
    fn digits_only_positions_never_read_letters() {
        let ambiguous = cell(&[(b'O', 0.9), (b'0', 0.8)]);
        assert_eq!(ambiguous.best_in(class_at(MrzFormat::Td3, 1, 14)).0, '0');
        assert_eq!(ambiguous.best_in(class_at(MrzFormat::Td3, 1, 11)).0, 'O');
        assert_eq!(class_at(MrzFormat::Td1, 1, 7), Class::Sex);
    }
}
