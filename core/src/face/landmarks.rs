//! Five face landmarks (eye corners and the base of the nose) by dlib's
//! cascade of regression trees, read from `shape_predictor_5_face_landmarks.dat`.
//!
//! Written by hand: the model is dlib's own format and the method (Kazemi and
//! Sullivan's ensemble of regression trees) has no Rust implementation. Each
//! of the cascade's stages samples pixel intensities at points placed
//! relative to the current shape estimate, walks its trees by comparing pairs
//! of those intensities, and adds the leaves' shape corrections. The
//! arithmetic follows dlib's step for step (single-precision shape, pixel
//! positions rounded with `floor(x + 0.5)`, intensity `(r + g + b) / 3`), so
//! the five points are the same integers dlib gives.

use image::RgbImage;

use super::dlib_format::DlibReader;
use super::geometry::{Affine, Point, Rect};
use crate::Result;

/// The file name of the model this module reads.
pub const SHAPE_PREDICTOR_FILE: &str = "shape_predictor_5_face_landmarks.dat";

/// One split node: go left when `pixel[first] - pixel[second] > threshold`.
#[derive(Debug, Clone, Copy)]
struct Split {
    first: u32,
    second: u32,
    threshold: f32,
}

/// A complete binary tree: `splits` in breadth-first order, then leaves.
#[derive(Debug, Clone)]
struct RegressionTree {
    splits: Vec<Split>,
    /// Each leaf's correction to the shape, `2 × parts` values.
    leaves: Vec<Vec<f32>>,
}

impl RegressionTree {
    fn leaf(&self, pixels: &[f32]) -> &[f32] {
        let mut node = 0usize;
        while node < self.splits.len() {
            let split = self.splits[node];
            let difference = pixels[split.first as usize] - pixels[split.second as usize];
            node = if difference > split.threshold {
                2 * node + 1
            } else {
                2 * node + 2
            };
        }
        &self.leaves[node - self.splits.len()]
    }
}

/// One stage of the cascade: its sample points and its trees.
#[derive(Debug, Clone)]
struct Stage {
    /// For each sample point, the shape part it is anchored to.
    anchors: Vec<u32>,
    /// For each sample point, its offset from the anchor in the mean shape.
    offsets: Vec<[f32; 2]>,
    trees: Vec<RegressionTree>,
}

/// dlib's 5-point shape predictor.
#[derive(Debug, Clone)]
pub struct ShapePredictor {
    /// The mean shape in the face box's unit square, `x0 y0 x1 y1 …`.
    mean_shape: Vec<f32>,
    stages: Vec<Stage>,
}

impl ShapePredictor {
    /// Reads the model from the bytes of a dlib `.dat` file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut reader = DlibReader::new(bytes, SHAPE_PREDICTOR_FILE);
        reader.expect_uint(1, "shape predictor version")?;
        let mean_shape = reader.float_column()?;
        if mean_shape.is_empty() || mean_shape.len() % 2 != 0 {
            return Err(reader.invalid("the mean shape has an odd number of coordinates"));
        }
        let parts = mean_shape.len() / 2;

        let stage_count = reader.count(1)?;
        let mut forests = Vec::with_capacity(stage_count);
        for _ in 0..stage_count {
            let tree_count = reader.count(1)?;
            let mut trees = Vec::with_capacity(tree_count);
            for _ in 0..tree_count {
                trees.push(read_tree(&mut reader, parts)?);
            }
            forests.push(trees);
        }
        let anchor_lists = reader.count(1)?;
        let mut anchors = Vec::with_capacity(anchor_lists);
        for _ in 0..anchor_lists {
            let count = reader.count(2)?;
            let list = (0..count)
                .map(|_| {
                    let anchor = reader.uint()?;
                    if anchor as usize >= parts {
                        return Err(reader.invalid("a sample anchored to a missing part"));
                    }
                    Ok(anchor as u32)
                })
                .collect::<Result<Vec<_>>>()?;
            anchors.push(list);
        }
        let offset_lists = reader.count(1)?;
        let mut offsets = Vec::with_capacity(offset_lists);
        for _ in 0..offset_lists {
            let count = reader.count(4)?;
            let list = (0..count)
                .map(|_| reader.float_pair())
                .collect::<Result<Vec<_>>>()?;
            offsets.push(list);
        }
        if !reader.at_end() {
            return Err(reader.invalid("bytes after the model"));
        }
        if anchors.len() != forests.len() || offsets.len() != forests.len() {
            return Err(reader.invalid("stages, anchors and offsets disagree in number"));
        }
        let mut stages = Vec::with_capacity(forests.len());
        for ((trees, anchors), offsets) in forests.into_iter().zip(anchors).zip(offsets) {
            if anchors.len() != offsets.len() {
                return Err(reader.invalid("a stage's anchors and offsets disagree in number"));
            }
            let samples = anchors.len();
            let out_of_range = trees
                .iter()
                .flat_map(|tree| &tree.splits)
                .any(|split| split.first as usize >= samples || split.second as usize >= samples);
            if out_of_range {
                return Err(reader.invalid("a split reads a sample the stage does not take"));
            }
            stages.push(Stage {
                anchors,
                offsets,
                trees,
            });
        }
        Ok(ShapePredictor { mean_shape, stages })
    }

    /// How many points the model places.
    pub fn parts(&self) -> usize {
        self.mean_shape.len() / 2
    }

    /// The face box in which `landmarks` would sit where the model's mean
    /// shape puts them (least squares over scale and shift): the box dlib's
    /// own detector tends to draw, whatever detector found the face.
    pub fn box_for(&self, landmarks: &[Point]) -> Option<Rect> {
        let mean: Vec<Point> = self
            .mean_shape
            .chunks_exact(2)
            .map(|xy| Point::new(f64::from(xy[0]), f64::from(xy[1])))
            .collect();
        if mean.len() != landmarks.len() || mean.len() < 2 {
            return None;
        }
        let n = mean.len() as f64;
        let (mx, my) = mean
            .iter()
            .fold((0.0, 0.0), |(x, y), p| (x + p.x / n, y + p.y / n));
        let (px, py) = landmarks
            .iter()
            .fold((0.0, 0.0), |(x, y), p| (x + p.x / n, y + p.y / n));
        let (mut cross, mut spread) = (0.0, 0.0);
        for (m, p) in mean.iter().zip(landmarks) {
            cross += (m.x - mx) * (p.x - px) + (m.y - my) * (p.y - py);
            spread += (m.x - mx).powi(2) + (m.y - my).powi(2);
        }
        if spread <= 0.0 || cross <= 0.0 {
            return None;
        }
        let side = cross / spread;
        let (left, top) = (px - side * mx, py - side * my);
        Some(Rect::new(left, top, left + side, top + side).rounded())
    }

    /// The landmarks of the face in `face` (a detector's box, edges included),
    /// in image pixels.
    pub fn predict(&self, image: &RgbImage, face: &Rect) -> Vec<Point> {
        let to_image = unit_square_to(face);
        let (width, height) = (image.width() as f64, image.height() as f64);
        let mut shape = self.mean_shape.clone();
        let mut pixels = Vec::new();
        for stage in &self.stages {
            let warp = similarity_f32(&self.mean_shape, &shape);
            pixels.clear();
            pixels.extend(
                stage
                    .anchors
                    .iter()
                    .zip(&stage.offsets)
                    .map(|(&anchor, offset)| {
                        let anchor = anchor as usize;
                        let x = warp[0][0] * offset[0] + warp[0][1] * offset[1] + shape[2 * anchor];
                        let y =
                            warp[1][0] * offset[0] + warp[1][1] * offset[1] + shape[2 * anchor + 1];
                        let p = to_image
                            .apply(Point::new(f64::from(x), f64::from(y)))
                            .rounded();
                        if p.x >= 0.0 && p.y >= 0.0 && p.x < width && p.y < height {
                            let [r, g, b] = image.get_pixel(p.x as u32, p.y as u32).0;
                            ((u32::from(r) + u32::from(g) + u32::from(b)) / 3) as f32
                        } else {
                            0.0
                        }
                    }),
            );
            for tree in &stage.trees {
                for (value, delta) in shape.iter_mut().zip(tree.leaf(&pixels)) {
                    *value += delta;
                }
            }
        }
        shape
            .chunks_exact(2)
            .map(|xy| {
                to_image
                    .apply(Point::new(f64::from(xy[0]), f64::from(xy[1])))
                    .rounded()
            })
            .collect()
    }
}

fn read_tree(reader: &mut DlibReader<'_>, parts: usize) -> Result<RegressionTree> {
    let split_count = reader.count(3)?;
    let splits = (0..split_count)
        .map(|_| {
            let first = u32::try_from(reader.uint()?).map_err(|_| reader.invalid("index"))?;
            let second = u32::try_from(reader.uint()?).map_err(|_| reader.invalid("index"))?;
            let threshold = reader.float()? as f32;
            Ok(Split {
                first,
                second,
                threshold,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let leaf_count = reader.count(2)?;
    if leaf_count != split_count + 1 {
        return Err(reader.invalid("a tree whose leaves do not match its splits"));
    }
    let leaves = (0..leaf_count)
        .map(|_| {
            let leaf = reader.float_column()?;
            if leaf.len() != 2 * parts {
                return Err(reader.invalid("a leaf of the wrong length"));
            }
            Ok(leaf)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RegressionTree { splits, leaves })
}

/// The map from the face box's unit square to image pixels: `(0,0)` to the
/// top-left corner, `(1,1)` to the bottom-right one.
fn unit_square_to(face: &Rect) -> Affine {
    Affine {
        matrix: [[face.right - face.left, 0.0], [0.0, face.bottom - face.top]],
        offset: Point::new(face.left, face.top),
    }
}

/// The linear part of the similarity taking shape `from` onto shape `to`,
/// in single precision as dlib's cascade uses it.
fn similarity_f32(from: &[f32], to: &[f32]) -> [[f32; 2]; 2] {
    let points = |shape: &[f32]| -> Vec<Point> {
        shape
            .chunks_exact(2)
            .map(|xy| Point::new(f64::from(xy[0]), f64::from(xy[1])))
            .collect()
    };
    if from.len() < 4 {
        return [[1.0, 0.0], [0.0, 1.0]];
    }
    let m = Affine::similarity(&points(from), &points(to)).matrix;
    [
        [m[0][0] as f32, m[0][1] as f32],
        [m[1][0] as f32, m[1][1] as f32],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn a_tree_walks_left_when_the_difference_exceeds_the_threshold() {
        let tree = RegressionTree {
            splits: vec![Split {
                first: 0,
                second: 1,
                threshold: 10.0,
            }],
            leaves: vec![vec![1.0], vec![2.0]],
        };
        assert_eq!(tree.leaf(&[50.0, 30.0]), &[1.0]);
        assert_eq!(tree.leaf(&[35.0, 30.0]), &[2.0]);
    }

    #[test]
    fn the_unit_square_maps_to_the_box_corners() {
        let map = unit_square_to(&Rect::new(10.0, 20.0, 110.0, 140.0));
        assert_eq!(map.apply(Point::new(0.0, 0.0)), Point::new(10.0, 20.0));
        assert_eq!(map.apply(Point::new(1.0, 1.0)), Point::new(110.0, 140.0));
    }

    #[test]
    fn a_file_that_is_not_a_shape_predictor_is_model_invalid() {
        let error = ShapePredictor::from_bytes(b"\x01\x02garbage").unwrap_err();
        assert_eq!(error.code(), ErrorCode::ModelInvalid);
        let error = ShapePredictor::from_bytes(&[]).unwrap_err();
        assert_eq!(error.code(), ErrorCode::ModelInvalid);
    }
}
