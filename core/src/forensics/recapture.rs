//! Screen recapture: a photo of a document shown on a screen carries the
//! screen's pixel lattice, which beats with the camera's sampling into moiré
//! — strong, isolated peaks in the spectrum away from its axes.
//!
//! The central square of the image (256 or 512 pixels, Hann-windowed) is
//! transformed with `rustfft`; each frequency's log magnitude is compared
//! with the median at its radius. Axes (page edges, text lines) and the
//! harmonics of the 8-pixel JPEG grid are excluded; the statistic is the
//! mean excess of the four strongest remaining peaks.

use image::GrayImage;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex32;

use super::Signal;

/// Mean log-excess of the strongest peaks above which the flag is raised.
const FLAG_EXCESS: f64 = 4.5;

/// `to` = the transpose of the `n` x `n` matrix `from`, by 16 x 16 tiles
/// (cache-friendly).
fn transpose(from: &[Complex32], to: &mut [Complex32], n: usize) {
    const TILE: usize = 16;
    for top in (0..n).step_by(TILE) {
        for left in (0..n).step_by(TILE) {
            for y in top..(top + TILE).min(n) {
                for x in left..(left + TILE).min(n) {
                    to[x * n + y] = from[y * n + x];
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
    let mut data: Vec<Complex32> = Vec::with_capacity(n * n);
    for y in 0..n {
        for x in 0..n {
            let value = f32::from(gray.as_raw()[(y0 + y) * width + x0 + x]) - mean;
            data.push(Complex32::new(value * window[x] * window[y], 0.0));
        }
    }
    // Rows, then columns: every row transform in one call, the spectrum
    // transposed so the columns are rows too, transformed in one call, and
    // transposed back (the same transforms, without a copy per column).
    let fft = FftPlanner::<f32>::new().plan_fft_forward(n);
    fft.process(&mut data);
    let mut transposed = vec![Complex32::new(0.0, 0.0); n * n];
    transpose(&data, &mut transposed, n);
    fft.process(&mut transposed);
    transpose(&transposed, &mut data, n);
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
    excess.sort_unstable_by(|a, b| b.total_cmp(a));
    let top = &excess[..excess.len().min(4)];
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
