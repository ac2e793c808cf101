//! Where the cell maps of several signals meet: one combined heat map for
//! callers who show where a document was changed, and the agreement
//! signal, the most maps lighting the same place.
//!
//! Content that fools one check (a flat portrait reads as low noise) seldom
//! fools the others at the same cell; an edit usually disturbs several.

use super::Signal;
use super::cells::HeatMap;

/// Folds the maps cell by cell onto the finest one's grid (a coarser map's
/// cell covers several fine ones), or `None` when there are no maps.
fn fold(maps: &[&HeatMap], fold: impl Fn(f32, f32) -> f32) -> Option<HeatMap> {
    let finest = maps.iter().min_by_key(|m| m.cell)?;
    let mut folded = HeatMap {
        cell: finest.cell,
        columns: finest.columns,
        rows: finest.rows,
        values: vec![0.0; finest.values.len()],
    };
    for map in maps {
        for row in 0..folded.rows {
            for column in 0..folded.columns {
                let x = column * folded.cell as usize / map.cell as usize;
                let y = row * folded.cell as usize / map.cell as usize;
                if x < map.columns && y < map.rows {
                    let slot = &mut folded.values[row * folded.columns + column];
                    *slot = fold(*slot, map.values[y * map.columns + x]);
                }
            }
        }
    }
    Some(folded)
}

/// The maps combined: per cell, the strongest anomaly any of them saw.
pub fn combine_maps(maps: &[&HeatMap]) -> Option<HeatMap> {
    fold(maps, f32::max)
}

/// The agreement signal: the highest per-cell sum of the maps' 0–1 values
/// (up to the number of maps). Not applicable without maps.
pub fn agreement_signal(maps: &[&HeatMap]) -> Signal {
    match fold(maps, |sum, value| sum + value) {
        Some(sum) => Signal {
            name: "agreement",
            statistic: sum.values.iter().copied().fold(0.0f32, f32::max).into(),
            applicable: true,
            flags: Vec::new(),
        },
        None => Signal::not_applicable("agreement"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(cell: u32, columns: usize, rows: usize, hot: &[(usize, usize, f32)]) -> HeatMap {
        let mut values = vec![0.0; columns * rows];
        for &(x, y, value) in hot {
            values[y * columns + x] = value;
        }
        HeatMap {
            cell,
            columns,
            rows,
            values,
        }
    }

    #[test]
    fn maps_that_light_the_same_place_agree_more_than_maps_that_do_not() {
        let fine = map(32, 8, 6, &[(4, 2, 1.0)]);
        let coarse_same = map(64, 4, 3, &[(2, 1, 0.8)]);
        let coarse_elsewhere = map(64, 4, 3, &[(0, 0, 0.8)]);
        let together = agreement_signal(&[&fine, &coarse_same]);
        let apart = agreement_signal(&[&fine, &coarse_elsewhere]);
        assert!((together.statistic - 1.8).abs() < 1e-6, "{together:?}");
        assert!((apart.statistic - 1.0).abs() < 1e-6, "{apart:?}");
        assert!(!agreement_signal(&[]).applicable);
    }

    #[test]
    fn the_combined_map_keeps_the_strongest_value_on_the_finest_grid() {
        let fine = map(32, 8, 6, &[(4, 2, 0.5)]);
        let coarse = map(64, 4, 3, &[(2, 1, 0.8)]);
        let combined = combine_maps(&[&fine, &coarse]).unwrap();
        assert_eq!((combined.cell, combined.columns, combined.rows), (32, 8, 6));
        // Coarse cell (2, 1) covers fine cells x 4–5, y 2–3.
        assert_eq!(combined.values[2 * 8 + 4], 0.8);
        assert_eq!(combined.values[3 * 8 + 5], 0.8);
        assert_eq!(combined.values[0], 0.0);
        assert!(combine_maps(&[]).is_none());
    }
}
