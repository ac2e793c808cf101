//! Local statistics on a grid of square cells, and how the odd cells out are
//! scored: the pixel-domain signals all ask "is one region unlike the rest
//! of this same image?", which calibrates each image against itself.

use serde::Serialize;

/// A coarse map of where a signal saw anomalies, one value per cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeatMap {
    /// Cell side in pixels of the analysed image.
    pub cell: u32,
    /// Cells across.
    pub columns: usize,
    /// Cells down.
    pub rows: usize,
    /// Anomaly per cell, 0 (ordinary) to 1 (strongly anomalous), row by row.
    pub values: Vec<f32>,
}

/// Per-cell values of one statistic; `None` where a cell had too little to
/// measure (flat paper, the image border).
#[derive(Debug, Clone)]
pub struct CellValues {
    pub cell: u32,
    pub columns: usize,
    pub rows: usize,
    pub values: Vec<Option<f64>>,
}

/// How the odd cells out of a grid of per-cell values look.
#[derive(Debug, Clone, PartialEq)]
pub struct Outliers {
    /// Robust z-score sum of the largest connected group of outlying cells
    /// (0 when none): large for a compact region unlike the rest.
    pub region_score: f64,
    /// Cells in that group.
    pub region_cells: usize,
    /// Share of measured cells that are outliers.
    pub outlier_share: f64,
    /// Cells that could be measured.
    pub measured: usize,
    /// The map of z-scores turned into 0–1.
    pub map: HeatMap,
}

/// Which side of the distribution counts as anomalous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// Only values above the typical one.
    High,
    /// Only values below it.
    Low,
    /// Both.
    Both,
}

/// z-score beyond which a cell is an outlier.
const OUTLIER_Z: f64 = 3.5;

fn median(values: &mut [f64]) -> f64 {
    let middle = values.len() / 2;
    let (_, value, _) = values.select_nth_unstable_by(middle, f64::total_cmp);
    *value
}

impl CellValues {
    /// Scores the cells against their own median and median absolute
    /// deviation (floored at `min_spread`, so a near-constant image does not
    /// turn noise into outliers).
    pub fn outliers(&self, tail: Tail, min_spread: f64) -> Outliers {
        let mut measured: Vec<f64> = self.values.iter().flatten().copied().collect();
        let count = measured.len();
        let mut map = HeatMap {
            cell: self.cell,
            columns: self.columns,
            rows: self.rows,
            values: vec![0.0; self.values.len()],
        };
        if count < 8 {
            return Outliers {
                region_score: 0.0,
                region_cells: 0,
                outlier_share: 0.0,
                measured: count,
                map,
            };
        }
        let center = median(&mut measured);
        let mut deviations: Vec<f64> = measured.iter().map(|v| (v - center).abs()).collect();
        let spread = (1.4826 * median(&mut deviations)).max(min_spread);
        let z: Vec<f64> = self
            .values
            .iter()
            .map(|value| {
                let Some(value) = value else { return 0.0 };
                let z = (value - center) / spread;
                match tail {
                    Tail::High => z.max(0.0),
                    Tail::Low => (-z).max(0.0),
                    Tail::Both => z.abs(),
                }
            })
            .collect();
        for (heat, z) in map.values.iter_mut().zip(&z) {
            *heat = ((z - 2.0) / 6.0).clamp(0.0, 1.0) as f32;
        }
        let outlier = |i: usize| z[i] > OUTLIER_Z;
        let outliers = (0..z.len()).filter(|&i| outlier(i)).count();
        // Largest 8-connected group of outliers by z-sum.
        let (best_score, best_cells) = largest_region(self.columns, self.rows, |i| {
            outlier(i).then(|| z[i].min(4.0 * OUTLIER_Z))
        });
        Outliers {
            region_score: best_score,
            region_cells: best_cells,
            outlier_share: outliers as f64 / count as f64,
            measured: count,
            map,
        }
    }
}

/// The largest 8-connected group of member cells of a `columns` x `rows`
/// grid, by the sum of its members' weights: `(weight sum, cells)`, or
/// `(0, 0)` when there are no members. `weight(i)` is `None` for a cell
/// outside the group.
pub(crate) fn largest_region(
    columns: usize,
    rows: usize,
    weight: impl Fn(usize) -> Option<f64>,
) -> (f64, usize) {
    let (score, members) = largest_region_members(columns, rows, weight);
    (score, members.len())
}

/// As [`largest_region`], with the group's cell indices (empty when there
/// are no members).
pub(crate) fn largest_region_members(
    columns: usize,
    rows: usize,
    weight: impl Fn(usize) -> Option<f64>,
) -> (f64, Vec<usize>) {
    let mut seen = vec![false; columns * rows];
    let (mut best_score, mut best) = (0.0f64, Vec::new());
    let mut group = Vec::new();
    for start in 0..seen.len() {
        if seen[start] || weight(start).is_none() {
            continue;
        }
        let mut score = 0.0;
        group.clear();
        group.push(start);
        seen[start] = true;
        let mut next = 0;
        while let Some(&i) = group.get(next) {
            next += 1;
            score += weight(i).unwrap_or(0.0);
            let (x, y) = (i % columns, i / columns);
            for ny in y.saturating_sub(1)..(y + 2).min(rows) {
                for nx in x.saturating_sub(1)..(x + 2).min(columns) {
                    let j = ny * columns + nx;
                    if !seen[j] && weight(j).is_some() {
                        seen[j] = true;
                        group.push(j);
                    }
                }
            }
        }
        if score > best_score {
            best_score = score;
            best.clone_from(&group);
        }
    }
    (best_score, best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(columns: usize, rows: usize, value: impl Fn(usize, usize) -> f64) -> CellValues {
        CellValues {
            cell: 32,
            columns,
            rows,
            values: (0..rows)
                .flat_map(|y| (0..columns).map(move |x| (x, y)))
                .map(|(x, y)| Some(value(x, y)))
                .collect(),
        }
    }

    #[test]
    fn a_compact_odd_region_scores_and_lights_the_map() {
        let cells = grid(12, 8, |x, y| {
            let base = 10.0 + ((x * 7 + y * 3) % 5) as f64 * 0.2;
            if (4..7).contains(&x) && (2..4).contains(&y) {
                base + 8.0
            } else {
                base
            }
        });
        let outliers = cells.outliers(Tail::High, 0.1);
        assert_eq!(outliers.region_cells, 6);
        assert!(outliers.region_score > 6.0 * OUTLIER_Z);
        assert!(outliers.map.values[2 * 12 + 5] > 0.9);
        assert_eq!(outliers.map.values[0], 0.0);
        // The same region is not an outlier on the low side.
        assert_eq!(cells.outliers(Tail::Low, 0.1).region_cells, 0);
    }

    #[test]
    fn a_uniform_image_has_no_outliers_thanks_to_the_spread_floor() {
        let cells = grid(10, 10, |x, y| 5.0 + ((x + y) % 2) as f64 * 1e-6);
        let outliers = cells.outliers(Tail::Both, 0.05);
        assert_eq!(outliers.region_cells, 0);
        assert_eq!(outliers.outlier_share, 0.0);
        assert_eq!(outliers.measured, 100);
    }
}
