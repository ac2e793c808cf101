//! The orthonormal 8x8 DCT-II of JPEG (T.81 A.3.3), for signals that ask how
//! the pixels would re-quantise. A direct separable product with a cosine
//! table: 1,024 multiply-adds per block, a few milliseconds per megapixel.

use std::sync::OnceLock;

/// `COS[u][x] = c(u)/2 · cos((2x+1)uπ/16)`, the 1-D basis.
pub(super) fn basis() -> &'static [[f32; 8]; 8] {
    static BASIS: OnceLock<[[f32; 8]; 8]> = OnceLock::new();
    BASIS.get_or_init(|| {
        let mut table = [[0.0f32; 8]; 8];
        for (u, row) in table.iter_mut().enumerate() {
            let scale = if u == 0 { (0.125f64).sqrt() } else { 0.5 };
            for (x, value) in row.iter_mut().enumerate() {
                let angle = ((2 * x + 1) * u) as f64 * std::f64::consts::PI / 16.0;
                *value = (scale * angle.cos()) as f32;
            }
        }
        table
    })
}

/// The DCT of the 8x8 block whose top-left pixel is (`x0`, `y0`) in a
/// row-major image of `width` columns, level-shifted by 128; natural order.
pub fn forward_dct(pixels: &[u8], width: usize, x0: usize, y0: usize) -> [f32; 64] {
    let basis = basis();
    // Each output is summed over its 8 terms in order, as a plain sum would;
    // the loops run over the terms outside and the outputs inside, so the
    // eight outputs are computed side by side in vector lanes.
    let mut rows = [[0.0f32; 8]; 8];
    for (y, row) in rows.iter_mut().enumerate() {
        let line = &pixels[(y0 + y) * width + x0..][..8];
        for (x, &pixel) in line.iter().enumerate() {
            let value = f32::from(pixel) - 128.0;
            for (out, column) in row.iter_mut().zip(basis.iter()) {
                *out += value * column[x];
            }
        }
    }
    let mut out = [0.0f32; 64];
    for v in 0..8 {
        let output = &mut out[v * 8..][..8];
        for (y, row) in rows.iter().enumerate() {
            let weight = basis[v][y];
            for (value, &term) in output.iter_mut().zip(row) {
                *value += term * weight;
            }
        }
    }
    out
}

/// `x.round()` (halves away from zero), exactly, for |x| < 2^23, without
/// the libm call `round` compiles to on baseline x86-64 (which cannot be
/// vectorised): truncation is one instruction and `x - trunc(x)` is exact.
#[inline]
pub fn round_half_away(x: f32) -> f32 {
    let whole = x as i32 as f32;
    let fraction = x - whole;
    whole + f32::from(u8::from(fraction >= 0.5)) - f32::from(u8::from(fraction <= -0.5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_matches_the_standard_library() {
        let mut x = -3000.0f32;
        while x < 3000.0 {
            assert_eq!(round_half_away(x), x.round(), "{x}");
            x += 0.0625 + x.abs() * 1e-5;
        }
        for x in [
            0.5f32,
            -0.5,
            1.5,
            -2.5,
            0.49999997,
            -0.49999997,
            8388607.5,
            0.0,
            -0.0,
        ] {
            assert_eq!(round_half_away(x), x.round(), "{x}");
        }
    }

    #[test]
    fn a_flat_block_has_only_a_dc_term_and_energy_is_preserved() {
        let flat = vec![138u8; 64];
        let dct = forward_dct(&flat, 8, 0, 0);
        assert!((dct[0] - 80.0).abs() < 1e-3, "{}", dct[0]);
        assert!(dct[1..].iter().all(|c| c.abs() < 1e-3));
        let ramp: Vec<u8> = (0..64).map(|i| (i * 3 + (i % 7) * 11) as u8).collect();
        let dct = forward_dct(&ramp, 8, 0, 0);
        let pixel_energy: f32 = ramp.iter().map(|&p| (f32::from(p) - 128.0).powi(2)).sum();
        let dct_energy: f32 = dct.iter().map(|c| c * c).sum();
        assert!((pixel_energy - dct_energy).abs() / pixel_energy < 1e-4);
    }
}
