"""dlib's own answers on the face test images, for the golden tests.

For every image in DIR (PNG, so both sides read the same pixels), runs
dlib's HOG detector, its 5-point shape predictor and its ResNet embedder
through the `face_recognition` package (PyPI `dlib-bin`), and writes
DIR/reference.json:

    {"images": [{"file": "obama.png", "width": ..., "height": ...,
                 "faces": [{"rect": [l, t, r, b], "landmarks": [[x, y] x5],
                            "descriptor": [128 floats]}]}]}

The Rust golden test (core/tests/face_golden.rs) reruns the landmarks and
the embedder from the same rectangles and compares.

Usage: python scripts/face_reference.py DIR
"""

import json
import pathlib
import sys

import dlib
import face_recognition
import face_recognition_models
import numpy as np


def main() -> None:
    directory = pathlib.Path(sys.argv[1])
    predictor = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
    encoder = dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())
    images = []
    for path in sorted(directory.glob("*.png")):
        pixels = face_recognition.load_image_file(str(path))
        faces = []
        for top, right, bottom, left in face_recognition.face_locations(pixels, number_of_times_to_upsample=1):
            rect = dlib.rectangle(left, top, right, bottom)
            shape = predictor(pixels, rect)
            descriptor = np.array(encoder.compute_face_descriptor(pixels, shape, 1))
            # The same number through face_recognition's own API.
            api = face_recognition.face_encodings(pixels, [(top, right, bottom, left)], model="small")[0]
            assert np.allclose(api, descriptor, atol=1e-6)
            faces.append(
                {
                    "rect": [left, top, right, bottom],
                    "landmarks": [[p.x, p.y] for p in shape.parts()],
                    "descriptor": [float(v) for v in descriptor],
                }
            )
        height, width = pixels.shape[:2]
        images.append({"file": path.name, "width": width, "height": height, "faces": faces})
        print(f"{path.name}: {len(faces)} face(s)", file=sys.stderr)
    (directory / "reference.json").write_text(json.dumps({"dlib": dlib.__version__, "images": images}, indent=1))


if __name__ == "__main__":
    main()
