//! The aligned face chip the embedder reads: 150×150 RGB, the five landmarks
//! moved onto dlib's canonical positions with 25% padding around the face.
//!
//! Written by hand to match dlib's `get_face_chip_details(shape, 150, 0.25)`
//! and `extract_image_chips` exactly: a similarity fit of the landmarks to the
//! template, a 5-tap Gaussian pyramid (`pyramid_down<2>`) when the face is
//! much larger than the chip so the sampling does not alias, then bilinear
//! sampling with dlib's truncating conversion back to 8 bits. The embedding
//! network was trained on chips made this way; matching them pixel for pixel
//! is what makes our descriptors equal dlib's.

use image::{Rgb, RgbImage};

use super::geometry::{Affine, Point, Rect, rotate_about};

/// Side of the chip the ResNet embedder reads.
pub const CHIP_SIZE: u32 = 150;
/// Padding around the face template, as a fraction of its size.
pub const CHIP_PADDING: f64 = 0.25;

/// dlib's canonical positions of the five landmarks in a unit face square:
/// outer and inner corner of the image-left eye… in the order the 5-point
/// model emits them.
const TEMPLATE: [(f64, f64); 5] = [
    (0.859_567_459_599_2, 0.213_498_153_801_4),
    (0.646_060_476_410_4, 0.228_967_438_767_7),
    (0.120_575_062_078_9, 0.213_727_452_684_8),
    (0.334_085_061_371_2, 0.229_064_240_324_2),
    (0.490_112_313_567_9, 0.627_797_531_647_5),
];

/// Where a chip is taken from: a rotated rectangle of the image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChipPlacement {
    /// The rectangle before rotation, in image pixels.
    pub rect: Rect,
    /// Rotation about the rectangle's centre, radians.
    pub angle: f64,
    /// Chip side in pixels.
    pub size: u32,
}

impl ChipPlacement {
    /// The placement aligning five landmarks with the template (dlib's
    /// `get_face_chip_details`). `None` unless exactly five points are given.
    pub fn for_landmarks(landmarks: &[Point], size: u32, padding: f64) -> Option<Self> {
        if landmarks.len() != TEMPLATE.len() {
            return None;
        }
        let side = f64::from(size);
        let template: Vec<Point> = TEMPLATE
            .iter()
            .map(|&(x, y)| {
                Point::new(
                    (padding + x) / (2.0 * padding + 1.0) * side,
                    (padding + y) / (2.0 * padding + 1.0) * side,
                )
            })
            .collect();
        let fit = Affine::similarity(&template, landmarks);
        let unit = fit.apply_linear(Point::new(1.0, 0.0));
        let scale = unit.length();
        let center = fit.apply(Point::new(side / 2.0, side / 2.0));
        Some(ChipPlacement {
            rect: Rect::centered(center, side * scale, side * scale),
            angle: unit.y.atan2(unit.x),
            size,
        })
    }

    /// How many image pixels the chip covers along one side.
    pub fn scale(&self) -> f64 {
        self.rect.width() / f64::from(self.size)
    }
}

/// dlib's `pyramid_down<2>` maps a point of a level to the next level down.
fn point_down(p: Point) -> Point {
    Point::new(p.x / 2.0 - 1.25, p.y / 2.0 - 0.75)
}

fn rect_down(rect: &Rect) -> Rect {
    let (top_left, bottom_right) = (point_down(rect.top_left()), point_down(rect.bottom_right()));
    Rect::new(top_left.x, top_left.y, bottom_right.x, bottom_right.y)
}

/// One level down dlib's RGB pyramid: a separable `[1 4 6 4 1]` filter and
/// every other row and column, in integers, divided by 256 with truncation.
fn pyramid_down(image: &RgbImage) -> RgbImage {
    let (width, height) = (image.width() as usize, image.height() as usize);
    if width <= 8 || height <= 8 {
        return RgbImage::new(0, 0);
    }
    let out_width = (width - 3) / 2;
    let out_height = (height - 3) / 2;
    let source = image.as_raw();
    // Horizontal pass: every row, every other column.
    let mut rows = vec![0u32; height * out_width * 3];
    for r in 0..height {
        let line = &source[r * width * 3..(r + 1) * width * 3];
        for c in 0..out_width {
            let base = 2 * c * 3;
            for channel in 0..3 {
                let at = |k: usize| u32::from(line[base + k * 3 + channel]);
                rows[(r * out_width + c) * 3 + channel] =
                    at(0) + 4 * at(1) + 6 * at(2) + 4 * at(3) + at(4);
            }
        }
    }
    // Vertical pass on every other row.
    let mut out = RgbImage::new(out_width as u32, out_height as u32);
    let target = out.as_mut();
    let mut out_row = 0;
    let mut r = 2;
    while r + 2 < height && out_row < out_height {
        for c in 0..out_width {
            for channel in 0..3 {
                let at = |row: usize| rows[(row * out_width + c) * 3 + channel];
                let sum = at(r - 2) + 4 * at(r - 1) + 6 * at(r) + 4 * at(r + 1) + at(r + 2);
                target[(out_row * out_width + c) * 3 + channel] = (sum / 256) as u8;
            }
        }
        out_row += 1;
        r += 2;
    }
    out
}

/// The part of `image` inside `rect` (whole pixels, edges included), clipped.
fn crop(image: &RgbImage, rect: &Rect) -> RgbImage {
    let clipped = rect.intersect(&Rect::of_image(
        image.width() as usize,
        image.height() as usize,
    ));
    if clipped.is_empty() {
        return RgbImage::new(0, 0);
    }
    let (left, top) = (clipped.left as u32, clipped.top as u32);
    image::imageops::crop_imm(
        image,
        left,
        top,
        clipped.width() as u32,
        clipped.height() as u32,
    )
    .to_image()
}

/// Bilinear sample at `p`, or black when any of the four neighbours is
/// outside; each channel truncated to 8 bits as dlib's `assign_pixel` does.
fn bilinear(image: &RgbImage, p: Point) -> Rgb<u8> {
    let (left, top) = (p.x.floor(), p.y.floor());
    if left < 0.0
        || top < 0.0
        || left + 1.0 >= f64::from(image.width())
        || top + 1.0 >= f64::from(image.height())
    {
        return Rgb([0, 0, 0]);
    }
    let (fx, fy) = (p.x - left, p.y - top);
    let (left, top) = (left as u32, top as u32);
    let tl = image.get_pixel(left, top).0;
    let tr = image.get_pixel(left + 1, top).0;
    let bl = image.get_pixel(left, top + 1).0;
    let br = image.get_pixel(left + 1, top + 1).0;
    let mut out = [0u8; 3];
    for channel in 0..3 {
        let value = (1.0 - fy)
            * ((1.0 - fx) * f64::from(tl[channel]) + fx * f64::from(tr[channel]))
            + fy * ((1.0 - fx) * f64::from(bl[channel]) + fx * f64::from(br[channel]));
        out[channel] = value.clamp(0.0, 255.0) as u8;
    }
    Rgb(out)
}

/// Cuts the chip out of `image` (dlib's `extract_image_chip` with bilinear
/// interpolation).
pub fn extract_chip(image: &RgbImage, placement: &ChipPlacement) -> RgbImage {
    let size = placement.size;
    let chip_area = f64::from(size) * f64::from(size);
    let image_rect = Rect::of_image(image.width() as usize, image.height() as usize);
    let rect = placement.rect;

    // How deep a pyramid the chip needs, and how much border to keep around
    // the region so the filters see real pixels.
    let mut depth = 0usize;
    let mut grow = 2.0;
    let mut probe = rect_down(&rect);
    while probe.area() > chip_area {
        probe = rect_down(&probe);
        depth += 1;
        grow = grow * 2.0 + 2.0;
    }
    let center = rect.center();
    let rotated = [
        rect.top_left(),
        rect.top_right(),
        rect.bottom_left(),
        rect.bottom_right(),
    ]
    .into_iter()
    .fold(Rect::new(0.0, 0.0, -1.0, -1.0), |bounds, corner| {
        bounds.including(rotate_about(center, corner, placement.angle))
    });
    let region = rotated.grown(grow).intersect(&image_rect).rounded();

    // Pick the pyramid level the chip is sampled from.
    let mut source_rect = rect.translated(Point::new(-region.left, -region.top));
    let mut level = 0usize;
    while rect_down(&source_rect).area() > chip_area {
        level += 1;
        source_rect = rect_down(&source_rect);
    }
    let mut source = crop(image, &region);
    for _ in 0..level.min(depth) {
        source = pyramid_down(&source);
    }

    let last = f64::from(size - 1);
    let source_center = source_rect.center();
    let corner = |p: Point| rotate_about(source_center, p, placement.angle);
    let map = Affine::from_three_points(
        [
            Point::new(0.0, 0.0),
            Point::new(last, 0.0),
            Point::new(0.0, last),
        ],
        [
            corner(source_rect.top_left()),
            corner(source_rect.top_right()),
            corner(source_rect.bottom_left()),
        ],
    );
    let mut chip = RgbImage::new(size, size);
    if let Some(map) = map {
        for (x, y, pixel) in chip.enumerate_pixels_mut() {
            *pixel = bilinear(&source, map.apply(Point::new(f64::from(x), f64::from(y))));
        }
    }
    chip
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landmarks_on_the_template_give_an_upright_chip_of_the_template_size() {
        let side = f64::from(CHIP_SIZE);
        let landmarks: Vec<Point> = TEMPLATE
            .iter()
            .map(|&(x, y)| {
                Point::new(
                    (CHIP_PADDING + x) / (2.0 * CHIP_PADDING + 1.0) * side + 40.0,
                    (CHIP_PADDING + y) / (2.0 * CHIP_PADDING + 1.0) * side + 10.0,
                )
            })
            .collect();
        let placement = ChipPlacement::for_landmarks(&landmarks, CHIP_SIZE, CHIP_PADDING).unwrap();
        assert!(placement.angle.abs() < 1e-12);
        assert!((placement.scale() - 1.0).abs() < 1e-9);
        assert!(
            (placement.rect.left - 40.5).abs() < 1e-9,
            "{:?}",
            placement.rect
        );
    }

    #[test]
    fn a_chip_at_scale_one_copies_the_pixels() {
        let image = RgbImage::from_fn(200, 200, |x, y| Rgb([x as u8, y as u8, 7]));
        let placement = ChipPlacement {
            rect: Rect::new(20.0, 30.0, 169.0, 179.0),
            angle: 0.0,
            size: CHIP_SIZE,
        };
        let chip = extract_chip(&image, &placement);
        assert_eq!(chip.get_pixel(0, 0).0, [20, 30, 7]);
        assert_eq!(chip.get_pixel(149, 149).0, [169, 179, 7]);
    }

    #[test]
    fn a_large_face_is_sampled_from_a_smoothed_pyramid_level() {
        // A one-pixel checkerboard averages to mid-gray through the pyramid;
        // bare bilinear sampling at 4x would alias to black or white.
        let image = RgbImage::from_fn(800, 800, |x, y| {
            let v = if (x + y) % 2 == 0 { 255 } else { 0 };
            Rgb([v, v, v])
        });
        let placement = ChipPlacement {
            rect: Rect::new(100.0, 100.0, 699.0, 699.0),
            angle: 0.0,
            size: CHIP_SIZE,
        };
        let chip = extract_chip(&image, &placement);
        let value = chip.get_pixel(75, 75).0[0];
        assert!((100..=155).contains(&value), "{value}");
    }

    #[test]
    fn pyramid_down_halves_the_size_like_dlib() {
        let image = RgbImage::new(101, 64);
        let down = pyramid_down(&image);
        assert_eq!(down.dimensions(), (49, 30));
    }
}
