"""Face match through the Python door.

The data tests need the models and the face test set, which scripts/test
provides (VERISCOPE_MODELS, VERISCOPE_FACE_DATA); without them only the
model errors are checked.
"""

from __future__ import annotations

import os
import pathlib
import threading
import time

import pytest

import veriscope

DATA = os.environ.get("VERISCOPE_FACE_DATA")
needs_data = pytest.mark.skipif(DATA is None, reason="VERISCOPE_FACE_DATA is not set (scripts/test sets it)")


def test_a_missing_model_directory_names_the_fetch_command(tmp_path):
    with pytest.raises(veriscope.ModelMissingError) as caught:
        veriscope.FaceModels(tmp_path)
    assert caught.value.code == "MODEL_MISSING"
    assert "fetch-models" in caught.value.message


def test_garbage_model_bytes_are_model_invalid():
    with pytest.raises(veriscope.ModelInvalidError):
        veriscope.FaceModels.from_bytes(b"x", b"", b"")


@pytest.fixture(scope="module")
def models():
    return veriscope.FaceModels()


def read(name: str) -> bytes:
    return (pathlib.Path(DATA) / name).read_bytes()


@needs_data
def test_the_same_person_matches_with_the_api_fields(models):
    result = models.compare(read("ktp-obama.jpg"), read("obama2.png"))
    assert result["face_match_confidence_level"] == "HIGH"
    assert result["is_match_face"] is True
    assert 50 < result["face_match_confidence_score"] <= 100
    assert result["distance"] < 0.5
    assert "selfie_face" not in result


@needs_data
def test_another_person_does_not_match_and_details_show_both_faces(models):
    result = models.compare(read("ktp-obama.jpg"), read("biden.png"), details=True)
    assert result["is_match_face"] is False
    assert result["face_match_confidence_level"] == "LOW"
    assert len(result["selfie_face"]["landmarks"]) == 5
    assert result["id_card_face"]["face_size"] > 40


@needs_data
def test_no_face_raises_face_not_found_and_bad_options_validation_error(models):
    with pytest.raises(veriscope.FaceNotFoundError) as caught:
        models.compare(read("ktp-obama.jpg"), read("coffee.png"))
    assert "selfie" in caught.value.message
    with pytest.raises(veriscope.ValidationError):
        models.compare(read("ktp-obama.jpg"), read("obama2.png"), threshold=0.5)
    strict = models.compare(read("ktp-obama.jpg"), read("obama2.png"), match_threshold=0.2, high_threshold=0.1)
    assert strict["is_match_face"] is False


@needs_data
def test_the_gil_is_released_during_a_comparison(models):
    card, selfie = read("ktp-obama.jpg"), read("obama2.png")
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.002)

    ticker = threading.Thread(target=tick)
    ticker.start()
    time.sleep(0.01)
    start = time.perf_counter()
    models.compare(card, selfie)
    end = time.perf_counter()
    stop.set()
    ticker.join()
    inside = [t for t in ticks if start < t < end]
    assert len(inside) >= 3, f"{len(inside)} ticks during a {end - start:.3f} s call"
