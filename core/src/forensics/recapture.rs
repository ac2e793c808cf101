//! Screen recapture: a photo of a document shown on a screen carries the
//! screen's pixel lattice, which beats with the camera's sampling into moiré
//! — strong, isolated peaks in the spectrum away from its axes.
//!
//! The central square of the image (256 or 512 pixels, Hann-windowed) is
//! transformed with `realfft` and `rustfft` (the upper half-plane only);
//! each frequency's log magnitude is compared with the median at its radius. Axes (page edges, text lines) and the
//! harmonics of the 8-pixel JPEG grid are excluded; the statistic is the
//! mean excess of the four strongest remaining peaks.

use image::GrayImage;
use realfft::RealFftPlanner;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex32;

use super::Signal;

/// Mean log-excess of the strongest peaks above which the flag is raised.
const FLAG_EXCESS: f64 = 4.5;

/// `to` = the transpose of the `rows` x `columns` matrix `from`, by 16 x 16
/// tiles (cache-friendly).
fn transpose<T: Copy>(from: &[T], to: &mut [T], rows: usize, columns: usize) {
    const TILE: usize = 16;
    for top in (0..rows).step_by(TILE) {
        for left in (0..columns).step_by(TILE) {
            for y in top..(top + TILE).min(rows) {
                for x in left..(left + TILE).min(columns) {
                    to[x * rows + y] = from[y * columns + x];
                }
            }
        }
    }
}

/// The strongest off-axis spectral peaks' mean excess over their radius's
/// median log magnitude, or `None` when the image is under 256 pixels.
pub fn moire_excess(gray: &GrayImage) -> Option<f64> {
    let side = gray.width().min(gray.height());
    let n = if side >= 512 {
        512
    } else if side >= 256 {
        256
    } else {
        return None;
    } as usize;
    let (x0, y0) = (
        (gray.width() as usize - n) / 2,
        (gray.height() as usize - n) / 2,
    );
    let window: Vec<f32> = (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / n as f32).cos())
        .collect();
    let width = gray.width() as usize;
    let mut mean = 0.0f32;
    for y in 0..n {
        for x in 0..n {
            mean += f32::from(gray.as_raw()[(y0 + y) * width + x0 + x]);
        }
    }
    mean /= (n * n) as f32;
    let mut windowed: Vec<f32> = Vec::with_capacity(n * n);
    for y in 0..n {
        for x in 0..n {
            let value = f32::from(gray.as_raw()[(y0 + y) * width + x0 + x]) - mean;
            windowed.push(value * window[x] * window[y]);
        }
    }
    // Only the upper half-plane (vertical frequencies 0..=n/2) is read, and
    // the input is real: a real transform down each column gives exactly
    // those rows of the spectrum, then a complex transform along each of
    // them. Columns are transformed as rows of the transposed image.
    let rows = n / 2 + 1;
    let mut columns = vec![0f32; n * n];
    transpose(&windowed, &mut columns, n, n);
    let real = RealFftPlanner::<f32>::new().plan_fft_forward(n);
    let mut scratch = real.make_scratch_vec();
    let mut half_columns = vec![Complex32::new(0.0, 0.0); n * rows];
    for (input, output) in columns
        .chunks_exact_mut(n)
        .zip(half_columns.chunks_exact_mut(rows))
    {
        // The length is the plan's by construction; a failure is impossible.
        let _ = real.process_with_scratch(input, output, &mut scratch);
    }
    let mut data = vec![Complex32::new(0.0, 0.0); rows * n];
    transpose(&half_columns, &mut data, n, rows);
    FftPlanner::<f32>::new()
        .plan_fft_forward(n)
        .process(&mut data);
    // Log magnitudes of the upper half-plane, grouped by integer radius.
    let half = n as i64 / 2;
    let mut by_radius: Vec<Vec<f32>> = vec![Vec::new(); half as usize + 1];
    // (radius, log magnitude) of the frequencies eligible as peaks.
    let mut bins: Vec<(usize, f32)> = Vec::new();
    let grid = n as i64 / 8;
    for v in 0..=half {
        for u in -half + 1..half {
            if v == 0 && u <= 0 {
                continue;
            }
            let radius = ((u * u + v * v) as f64).sqrt().round() as i64;
            if radius < n as i64 / 32 || radius > half {
                continue;
            }
            let value = data[v as usize * n + u.rem_euclid(n as i64) as usize]
                .norm()
                .max(1e-6)
                .ln();
            by_radius[radius as usize].push(value);
            let near_axis = u.abs() <= 3 || v <= 3;
            let near_grid = [u.abs(), v].iter().any(|f| {
                let off = f % grid;
                off <= 1 || off >= grid - 1
            });
            if !near_axis && !near_grid {
                bins.push((radius as usize, value));
            }
        }
    }
    let medians: Vec<f32> = by_radius
        .into_iter()
        .map(|mut values| {
            if values.is_empty() {
                return 0.0;
            }
            let middle = values.len() / 2;
            *values.select_nth_unstable_by(middle, f32::total_cmp).1
        })
        .collect();
    let mut excess: Vec<f32> = bins
        .iter()
        .map(|&(radius, value)| value - medians[radius])
        .collect();
    // The four largest, largest first: a partial selection, not a sort of
    // the ~100k bins.
    let top = excess.len().min(4);
    if excess.len() > top {
        excess.select_nth_unstable_by(top, |a, b| b.total_cmp(a));
    }
    let top = &mut excess[..top];
    top.sort_unstable_by(|a, b| b.total_cmp(a));
    Some(top.iter().map(|&e| f64::from(e)).sum::<f64>() / top.len().max(1) as f64)
}

/// The screen-recapture signal.
pub fn recapture_signal(gray: &GrayImage) -> Signal {
    let Some(excess) = moire_excess(gray) else {
        return Signal::not_applicable("recapture");
    };
    Signal {
        name: "recapture",
        statistic: excess,
        applicable: true,
        flags: if excess > FLAG_EXCESS {
            vec!["screen_recapture".into()]
        } else {
            Vec::new()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forensics::test_images::{decode, document, jpeg};

    #[test]
    fn a_plain_page_shows_no_moire() {
        let page = decode(&jpeg(&document(600, 560, 3.0, 9), 90));
        let signal = recapture_signal(&page);
        assert!(signal.applicable);
        assert!(signal.flags.is_empty(), "{}", signal.statistic);
    }

    #[test]
    fn a_screen_lattice_beating_with_the_camera_is_caught() {
        let page = document(600, 560, 3.0, 9);
        // A slanted fine grating, as a screen's subpixels photographed.
        let screen = image::GrayImage::from_fn(600, 560, |x, y| {
            let (x, y) = (x as f32, y as f32);
            let phase = (x * 0.93 + y * 0.37) * 0.74;
            let base = f32::from(page.get_pixel(x as u32, y as u32)[0]);
            image::Luma([(base * (0.82 + 0.18 * phase.sin())) as u8])
        });
        let signal = recapture_signal(&decode(&jpeg(&screen, 90)));
        assert!(
            signal.flags.contains(&"screen_recapture".to_owned()),
            "{}",
            signal.statistic
        );
    }

    #[test]
    fn small_images_are_not_applicable() {
        assert!(!recapture_signal(&document(200, 300, 3.0, 9)).applicable);
    }
}
