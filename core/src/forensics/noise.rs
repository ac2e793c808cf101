//! Local noise-level inconsistency: a region pasted from another picture, or
//! a field retyped on a clean canvas, carries a different amount of sensor
//! and paper noise than the page around it.
//!
//! Noise is estimated per 32-pixel cell with Immerkær's Laplacian-difference
//! operator (the response of `[1 -2 1; -2 4 -2; 1 -2 1]`, which cancels
//! planes and slow shading). The cell's lower-half mean response ignores the edges of
//! text and lines that cover less than half of it; cells are then scored
//! against the image's own median (see [`super::cells`]).

use image::GrayImage;

use super::Signal;
use super::cells::{CellValues, Outliers, Tail};

/// Cell side in pixels.
pub const CELL: u32 = 32;

/// Region score above which the flag is raised.
const FLAG_SCORE: f64 = 14.0;

/// Per-cell log of the lower-half mean Laplacian response.
pub fn noise_cells(gray: &GrayImage) -> CellValues {
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    let columns = width / CELL as usize;
    let rows = height / CELL as usize;
    let pixels = gray.as_raw();
    let mut values = Vec::with_capacity(columns * rows);
    let mut responses: Vec<u16> = Vec::with_capacity((CELL * CELL) as usize);
    for row in 0..rows {
        for column in 0..columns {
            responses.clear();
            let (x0, y0) = (column * CELL as usize, row * CELL as usize);
            for y in y0.max(1)..(y0 + CELL as usize).min(height - 1) {
                let above = &pixels[(y - 1) * width..y * width];
                let here = &pixels[y * width..(y + 1) * width];
                let below = &pixels[(y + 1) * width..(y + 2) * width];
                for x in x0.max(1)..(x0 + CELL as usize).min(width - 1) {
                    let p = |line: &[u8], i: usize| i32::from(line[i]);
                    let response = p(above, x - 1) - 2 * p(above, x) + p(above, x + 1)
                        - 2 * p(here, x - 1)
                        + 4 * p(here, x)
                        - 2 * p(here, x + 1)
                        + p(below, x - 1)
                        - 2 * p(below, x)
                        + p(below, x + 1);
                    responses.push(response.unsigned_abs().min(u32::from(u16::MAX)) as u16);
                }
            }
            values.push(if responses.len() < 64 {
                None
            } else {
                // The mean of the lower half: as robust to edges as the
                // median, but continuous where responses are small integers.
                let middle = responses.len() / 2;
                responses.select_nth_unstable(middle);
                let lower: u64 = responses[..middle].iter().map(|&r| u64::from(r)).sum();
                Some((lower as f64 / middle as f64 + 1.0).ln())
            });
        }
    }
    CellValues {
        cell: CELL,
        columns,
        rows,
        values,
    }
}

/// Typical noise below which an image is taken as digitally made (a render,
/// an export): the lower-half mean Laplacian response, in gray levels.
pub const MIN_CAPTURE_NOISE: f64 = 1.0;

/// The image's typical noise: the median over cells of the lower-half mean
/// Laplacian response (0 for a clean render, several levels for a photo).
pub fn noise_level(cells: &CellValues) -> f64 {
    let mut values: Vec<f64> = cells
        .values
        .iter()
        .flatten()
        .map(|v| v.exp() - 1.0)
        .collect();
    if values.is_empty() {
        return 0.0;
    }
    let middle = values.len() / 2;
    *values.select_nth_unstable_by(middle, f64::total_cmp).1
}

/// The noise signal, its cell outliers, and the image's noise level. A
/// digitally made image, without capture noise, has no noise to compare:
/// the signal is not applicable.
pub fn noise_signal(gray: &GrayImage) -> (Signal, Outliers, f64) {
    let cells = noise_cells(gray);
    let level = noise_level(&cells);
    let outliers = cells.outliers(Tail::Both, 0.12);
    let mut signal = Signal::not_applicable("noise");
    if outliers.measured >= 8 && level >= MIN_CAPTURE_NOISE {
        signal.applicable = true;
        signal.statistic = outliers.region_score.ln_1p();
        if outliers.region_score > FLAG_SCORE && outliers.outlier_share < 0.25 {
            signal.flags.push("noise_inconsistency".into());
        }
    }
    (signal, outliers, level)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forensics::test_images::{decode, document, jpeg, paste};

    #[test]
    fn an_even_page_is_consistent() {
        let page = decode(&jpeg(&document(480, 320, 3.0, 1), 90));
        let (signal, outliers, _) = noise_signal(&page);
        assert!(signal.applicable);
        assert!(signal.flags.is_empty(), "{outliers:?}");
    }

    #[test]
    fn a_clean_retyped_region_stands_out_where_it_was_pasted() {
        let mut page = document(480, 320, 5.0, 1);
        let clean = document(160, 96, 0.0, 2);
        paste(&mut page, &clean, 256, 160);
        let page = decode(&jpeg(&page, 90));
        let (signal, outliers, _) = noise_signal(&page);
        assert!(
            signal.flags.contains(&"noise_inconsistency".to_owned()),
            "{outliers:?}"
        );
        // The hot cells are the pasted ones: columns 8–12, rows 5–7.
        let hot = outliers.map.values[6 * outliers.map.columns + 10];
        let cold = outliers.map.values[outliers.map.columns + 2];
        assert!(hot > 0.5 && cold == 0.0, "{hot} {cold}");
    }

    #[test]
    fn a_tiny_image_is_not_applicable() {
        let (signal, _, _) = noise_signal(&document(60, 60, 3.0, 1));
        assert!(!signal.applicable);
    }

    #[test]
    fn a_clean_render_has_no_noise_to_compare() {
        let (signal, _, level) = noise_signal(&document(480, 320, 0.0, 1));
        assert!(level < MIN_CAPTURE_NOISE, "{level}");
        assert!(!signal.applicable);
        let (_, _, level) = noise_signal(&document(480, 320, 3.0, 1));
        assert!(level >= MIN_CAPTURE_NOISE, "{level}");
    }
}
