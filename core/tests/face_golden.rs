//! Golden tests against dlib itself: on the same pixels and the same face
//! boxes, our five landmarks and 128-d descriptors must equal those of
//! dlib's Python build (`dlib-bin`, through `face_recognition`), which
//! `scripts/face_reference.py` records in `reference.json`.
//!
//! `scripts/test` fetches the models and the images and sets
//! `VERISCOPE_FACE_REFERENCE` and `VERISCOPE_MODELS`; without them the tests
//! say so and do nothing.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::PathBuf;

use veriscope::face::{
    CHIP_PADDING, CHIP_SIZE, ChipPlacement, FaceModels, Point, Rect, descriptor_distance,
    extract_chip,
};

struct Reference {
    dir: PathBuf,
    json: serde_json::Value,
    models: FaceModels,
}

fn reference() -> Option<Reference> {
    let Some(dir) = std::env::var_os("VERISCOPE_FACE_REFERENCE").map(PathBuf::from) else {
        eprintln!("skipped: VERISCOPE_FACE_REFERENCE is not set (scripts/test sets it)");
        return None;
    };
    let json = serde_json::from_str(&std::fs::read_to_string(dir.join("reference.json")).unwrap())
        .unwrap();
    let models = FaceModels::load_default().unwrap();
    Some(Reference { dir, json, models })
}

fn rect(value: &serde_json::Value) -> Rect {
    let v: Vec<f64> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    Rect::new(v[0], v[1], v[2], v[3])
}

#[test]
fn landmarks_and_descriptors_equal_dlibs_on_the_same_boxes() {
    let Some(reference) = reference() else { return };
    let mut faces = 0;
    let mut worst_component = 0f64;
    let mut descriptors = Vec::new();
    let (mut chips, mut expected_descriptors) = (Vec::new(), Vec::new());
    for image in reference.json["images"].as_array().unwrap() {
        let file = image["file"].as_str().unwrap();
        let pixels = image::open(reference.dir.join(file)).unwrap().into_rgb8();
        for face in image["faces"].as_array().unwrap() {
            let landmarks = reference.models.landmarks(&pixels, &rect(&face["rect"]));
            let expected: Vec<Point> = face["landmarks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| Point::new(p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                .collect();
            assert_eq!(landmarks, expected, "{file}: landmarks differ from dlib's");

            let placement =
                ChipPlacement::for_landmarks(&landmarks, CHIP_SIZE, CHIP_PADDING).unwrap();
            chips.push(extract_chip(&pixels, &placement));
            expected_descriptors.push(
                face["descriptor"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as f32)
                    .collect::<Vec<f32>>(),
            );
            faces += 1;
        }
    }
    // All chips through the network as one batch; the first alone as well.
    let batch = reference
        .models
        .embed_batch(&chips.iter().collect::<Vec<_>>());
    assert_eq!(batch[0], reference.models.embed(&chips[0]));
    for (descriptor, expected) in batch.into_iter().zip(expected_descriptors) {
        for (ours, theirs) in descriptor.iter().zip(&expected) {
            worst_component = worst_component.max(f64::from((ours - theirs).abs()));
        }
        descriptors.push((descriptor, expected));
    }
    eprintln!("{faces} faces, largest descriptor difference {worst_component:.2e}");
    assert!(faces >= 4, "the reference set lost its faces");
    assert!(
        worst_component <= 1e-3,
        "descriptor component off by {worst_component}"
    );
    // Distances between faces agree with dlib's too.
    for (a, (ours_a, theirs_a)) in descriptors.iter().enumerate() {
        for (ours_b, theirs_b) in &descriptors[a + 1..] {
            let theirs: f64 = theirs_a
                .iter()
                .zip(theirs_b)
                .map(|(x, y)| f64::from(x - y).powi(2))
                .sum::<f64>()
                .sqrt();
            let ours = descriptor_distance(ours_a, ours_b);
            assert!(
                (ours - theirs).abs() <= 1e-3,
                "distance {ours} vs dlib {theirs}"
            );
        }
    }
}
