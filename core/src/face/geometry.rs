//! Points, rectangles and 2-D transforms with dlib's conventions.
//!
//! The landmarker and the chip extractor must land on the same pixels as
//! dlib's, so this module reproduces dlib's geometry exactly where it matters:
//! integer rectangles include their right and bottom edges, floating-point
//! rectangles measure `right - left + 1`, a floating point becomes an integer
//! one by `floor(x + 0.5)`, and the similarity fit is the least-squares one
//! (Umeyama), here in its closed 2-D form.

/// A point or vector in the plane.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// Horizontal coordinate, growing rightwards.
    pub x: f64,
    /// Vertical coordinate, growing downwards.
    pub y: f64,
}

impl Point {
    /// The point `(x, y)`.
    pub const fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }

    /// Rounded to the nearest pixel as dlib rounds (`floor(v + 0.5)`).
    pub fn rounded(self) -> Point {
        Point::new((self.x + 0.5).floor(), (self.y + 0.5).floor())
    }

    pub(crate) fn minus(self, other: Point) -> Point {
        Point::new(self.x - other.x, self.y - other.y)
    }

    pub(crate) fn plus(self, other: Point) -> Point {
        Point::new(self.x + other.x, self.y + other.y)
    }

    pub(crate) fn length(self) -> f64 {
        self.x.hypot(self.y)
    }
}

/// An axis-aligned rectangle in pixel coordinates, edges included (dlib's
/// `drectangle`): a one-pixel rectangle has `left == right`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Leftmost column.
    pub left: f64,
    /// Top row.
    pub top: f64,
    /// Rightmost column (inclusive).
    pub right: f64,
    /// Bottom row (inclusive).
    pub bottom: f64,
}

impl Rect {
    /// The rectangle with these edges.
    pub const fn new(left: f64, top: f64, right: f64, bottom: f64) -> Self {
        Rect {
            left,
            top,
            right,
            bottom,
        }
    }

    /// The whole of a `width × height` image.
    pub fn of_image(width: usize, height: usize) -> Self {
        Rect::new(0.0, 0.0, width as f64 - 1.0, height as f64 - 1.0)
    }

    /// A rectangle of this width and height centred on `center`.
    pub fn centered(center: Point, width: f64, height: f64) -> Self {
        let (half_width, half_height) = ((width - 1.0) / 2.0, (height - 1.0) / 2.0);
        Rect::new(
            center.x - half_width,
            center.y - half_height,
            center.x + half_width,
            center.y + half_height,
        )
    }

    /// Whether the rectangle holds no point.
    pub fn is_empty(&self) -> bool {
        self.top > self.bottom || self.left > self.right
    }

    /// Width in pixels, edges included.
    pub fn width(&self) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.right - self.left + 1.0
        }
    }

    /// Height in pixels, edges included.
    pub fn height(&self) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.bottom - self.top + 1.0
        }
    }

    /// Width times height.
    pub fn area(&self) -> f64 {
        self.width() * self.height()
    }

    /// The midpoint.
    pub fn center(&self) -> Point {
        Point::new(
            (self.left + self.right) / 2.0,
            (self.top + self.bottom) / 2.0,
        )
    }

    pub(crate) fn top_left(&self) -> Point {
        Point::new(self.left, self.top)
    }

    pub(crate) fn top_right(&self) -> Point {
        Point::new(self.right, self.top)
    }

    pub(crate) fn bottom_left(&self) -> Point {
        Point::new(self.left, self.bottom)
    }

    pub(crate) fn bottom_right(&self) -> Point {
        Point::new(self.right, self.bottom)
    }

    /// The overlap of two rectangles (possibly empty).
    pub fn intersect(&self, other: &Rect) -> Rect {
        Rect::new(
            self.left.max(other.left),
            self.top.max(other.top),
            self.right.min(other.right),
            self.bottom.min(other.bottom),
        )
    }

    /// The smallest rectangle holding both (an empty one is ignored).
    pub fn union(&self, other: &Rect) -> Rect {
        if other.is_empty() {
            return *self;
        }
        if self.is_empty() {
            return *other;
        }
        Rect::new(
            self.left.min(other.left),
            self.top.min(other.top),
            self.right.max(other.right),
            self.bottom.max(other.bottom),
        )
    }

    /// The smallest rectangle holding `self` and `point`.
    pub(crate) fn including(&self, point: Point) -> Rect {
        self.union(&Rect::new(point.x, point.y, point.x, point.y))
    }

    /// Grown by `amount` on every side.
    pub fn grown(&self, amount: f64) -> Rect {
        Rect::new(
            self.left - amount,
            self.top - amount,
            self.right + amount,
            self.bottom + amount,
        )
    }

    /// Moved by `offset`.
    pub fn translated(&self, offset: Point) -> Rect {
        Rect::new(
            self.left + offset.x,
            self.top + offset.y,
            self.right + offset.x,
            self.bottom + offset.y,
        )
    }

    /// Each edge rounded to a whole pixel (dlib's `drectangle` → `rectangle`).
    pub fn rounded(&self) -> Rect {
        let round = |value: f64| (value + 0.5).floor();
        Rect::new(
            round(self.left),
            round(self.top),
            round(self.right),
            round(self.bottom),
        )
    }
}

/// An affine map `p ↦ M·p + b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    /// The linear part, row-major: `[[m00, m01], [m10, m11]]`.
    pub matrix: [[f64; 2]; 2],
    /// The translation.
    pub offset: Point,
}

impl Affine {
    /// The map that leaves every point where it is.
    pub const IDENTITY: Affine = Affine {
        matrix: [[1.0, 0.0], [0.0, 1.0]],
        offset: Point::new(0.0, 0.0),
    };

    /// Where `point` goes.
    pub fn apply(&self, point: Point) -> Point {
        Point::new(
            self.matrix[0][0] * point.x + self.matrix[0][1] * point.y + self.offset.x,
            self.matrix[1][0] * point.x + self.matrix[1][1] * point.y + self.offset.y,
        )
    }

    /// Where a vector goes under the linear part alone.
    pub fn apply_linear(&self, vector: Point) -> Point {
        Point::new(
            self.matrix[0][0] * vector.x + self.matrix[0][1] * vector.y,
            self.matrix[1][0] * vector.x + self.matrix[1][1] * vector.y,
        )
    }

    /// The exact affine map taking three points to three others (dlib's
    /// `find_affine_transform` on three points). `None` when the first three
    /// are collinear.
    pub fn from_three_points(from: [Point; 3], to: [Point; 3]) -> Option<Affine> {
        // Solve [x y 1]·[a b c]ᵀ = u (and likewise for v) by Cramer's rule.
        let [p0, p1, p2] = from;
        let determinant = p0.x * (p1.y - p2.y) - p0.y * (p1.x - p2.x) + (p1.x * p2.y - p2.x * p1.y);
        if determinant.abs() < 1e-12 {
            return None;
        }
        let solve = |u0: f64, u1: f64, u2: f64| -> [f64; 3] {
            let a = (u0 * (p1.y - p2.y) - p0.y * (u1 - u2) + (u1 * p2.y - u2 * p1.y)) / determinant;
            let b = (p0.x * (u1 - u2) - u0 * (p1.x - p2.x) + (p1.x * u2 - p2.x * u1)) / determinant;
            let c = (p0.x * (p1.y * u2 - p2.y * u1) - p0.y * (p1.x * u2 - p2.x * u1)
                + u0 * (p1.x * p2.y - p2.x * p1.y))
                / determinant;
            [a, b, c]
        };
        let [a, b, c] = solve(to[0].x, to[1].x, to[2].x);
        let [d, e, f] = solve(to[0].y, to[1].y, to[2].y);
        Some(Affine {
            matrix: [[a, b], [d, e]],
            offset: Point::new(c, f),
        })
    }

    /// The least-squares similarity (rotation, uniform scale, translation)
    /// taking `from` onto `to` (dlib's `find_similarity_transform`, Umeyama's
    /// method). In 2-D the best proper rotation has the closed form
    /// `atan2(c01 - c10, c00 + c11)` of the cross-covariance, and the scale is
    /// the sum of its singular values with the reflection sign, which is
    /// `hypot(c00 + c11, c10 - c01)` over the spread of `from`.
    pub fn similarity(from: &[Point], to: &[Point]) -> Affine {
        let count = from.len().min(to.len());
        if count == 0 {
            return Affine::IDENTITY;
        }
        let mean = |points: &[Point]| {
            let sum = points[..count]
                .iter()
                .fold(Point::default(), |sum, &p| sum.plus(p));
            Point::new(sum.x / count as f64, sum.y / count as f64)
        };
        let (mean_from, mean_to) = (mean(from), mean(to));
        let mut spread = 0.0;
        let mut covariance = [[0.0f64; 2]; 2];
        for (&source, &target) in from.iter().zip(to).take(count) {
            let (s, t) = (source.minus(mean_from), target.minus(mean_to));
            spread += s.x * s.x + s.y * s.y;
            covariance[0][0] += t.x * s.x;
            covariance[0][1] += t.x * s.y;
            covariance[1][0] += t.y * s.x;
            covariance[1][1] += t.y * s.y;
        }
        spread /= count as f64;
        for row in &mut covariance {
            for value in row {
                *value /= count as f64;
            }
        }
        let cosine_part = covariance[0][0] + covariance[1][1];
        let sine_part = covariance[1][0] - covariance[0][1];
        let angle = sine_part.atan2(cosine_part);
        let scale = if spread != 0.0 {
            cosine_part.hypot(sine_part) / spread
        } else {
            1.0
        };
        let (sin, cos) = angle.sin_cos();
        let matrix = [[scale * cos, -scale * sin], [scale * sin, scale * cos]];
        let moved = Affine {
            matrix,
            offset: Point::default(),
        }
        .apply(mean_from);
        Affine {
            matrix,
            offset: mean_to.minus(moved),
        }
    }
}

/// `point` rotated by `angle` radians about `center` (dlib's `rotate_point`).
pub(crate) fn rotate_about(center: Point, point: Point, angle: f64) -> Point {
    let (sin, cos) = angle.sin_cos();
    let d = point.minus(center);
    Point::new(cos * d.x - sin * d.y, sin * d.x + cos * d.y).plus(center)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Point, b: Point) -> bool {
        (a.x - b.x).abs() < 1e-9 && (a.y - b.y).abs() < 1e-9
    }

    #[test]
    fn similarity_recovers_a_known_rotation_scale_and_shift() {
        let truth = Affine {
            matrix: [[2.0 * 0.6, -2.0 * 0.8], [2.0 * 0.8, 2.0 * 0.6]],
            offset: Point::new(5.0, -3.0),
        };
        let from = [
            Point::new(0.0, 0.0),
            Point::new(10.0, 0.0),
            Point::new(3.0, 7.0),
            Point::new(-4.0, 2.0),
        ];
        let to: Vec<Point> = from.iter().map(|&p| truth.apply(p)).collect();
        let fitted = Affine::similarity(&from, &to);
        for &p in &from {
            assert!(close(fitted.apply(p), truth.apply(p)));
        }
    }

    #[test]
    fn similarity_of_a_mirrored_shape_is_the_best_proper_rotation() {
        // A reflection cannot be represented: the fit must stay a rotation
        // (determinant positive), never flip.
        let from = [
            Point::new(1.0, 0.0),
            Point::new(0.0, 1.0),
            Point::new(-1.0, -1.0),
        ];
        let to: Vec<Point> = from.iter().map(|p| Point::new(-p.x, p.y)).collect();
        let fitted = Affine::similarity(&from, &to);
        let m = fitted.matrix;
        assert!(m[0][0] * m[1][1] - m[0][1] * m[1][0] >= 0.0);
    }

    #[test]
    fn three_point_affine_is_exact() {
        let from = [
            Point::new(0.0, 0.0),
            Point::new(1.0, 0.0),
            Point::new(1.0, 1.0),
        ];
        let to = [
            Point::new(10.0, 20.0),
            Point::new(50.0, 20.0),
            Point::new(50.0, 80.0),
        ];
        let map = Affine::from_three_points(from, to).unwrap();
        for (f, t) in from.iter().zip(&to) {
            assert!(close(map.apply(*f), *t));
        }
        assert!(close(
            map.apply(Point::new(0.5, 0.5)),
            Point::new(30.0, 50.0)
        ));
        let collinear = [
            Point::new(0.0, 0.0),
            Point::new(1.0, 1.0),
            Point::new(2.0, 2.0),
        ];
        assert!(Affine::from_three_points(collinear, to).is_none());
    }

    #[test]
    fn rectangles_include_their_edges_like_dlib() {
        let rect = Rect::new(10.0, 20.0, 19.0, 24.0);
        assert_eq!((rect.width(), rect.height()), (10.0, 5.0));
        let centered = Rect::centered(Point::new(75.0, 75.0), 150.0, 150.0);
        assert_eq!(centered, Rect::new(0.5, 0.5, 149.5, 149.5));
        assert_eq!(Point::new(2.5, -2.5).rounded(), Point::new(3.0, -2.0));
        assert!(Rect::new(5.0, 5.0, 4.0, 9.0).is_empty());
    }
}
