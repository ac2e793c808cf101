"""Forgery analysis through the Python door."""

from __future__ import annotations

import datetime
import threading
import time

import pytest

import veriscope
from conftest import FIXTURES

CARD = (FIXTURES / "analyze" / "card.jpg").read_bytes()
SPLICED = (FIXTURES / "analyze" / "card-spliced.jpg").read_bytes()


def test_the_report_has_the_forgery_api_fields_in_order():
    report = veriscope.analyze(CARD, today="2026-11-22")["data"]
    assert list(report) == ["id", "forgeryScore", "confidence", "documentType", "flags", "latencyMs"]
    assert 0.0 <= report["forgeryScore"] <= 1.0
    assert report["documentType"] == "id"


def test_a_spliced_card_scores_above_its_authentic_original_and_its_signal_shows_the_splice():
    authentic = veriscope.analyze(CARD)["data"]["forgeryScore"]
    spliced = veriscope.analyze(SPLICED, details=True)
    assert spliced["report"]["forgeryScore"] > authentic
    # Under the threshold (the region checks also fire on honest re-saved
    # real files), so the flag is in the signal, not in the report.
    flags = [f for s in spliced["signals"] for f in s["flags"]]
    assert "double_compression_region" in flags


def test_details_carry_signals_and_a_heat_map_and_today_takes_a_date():
    details = veriscope.analyze(CARD, details=True, today=datetime.date(2026, 11, 22))
    names = [signal["name"] for signal in details["signals"]]
    assert "double_quantization" in names and "noise" in names
    assert len(details["features"]) > 0
    assert details["heatMap"]["cell"] == 32


def test_nik_claims_given_as_snake_case_keywords_are_checked():
    report = veriscope.analyze(
        CARD,
        nik="3171234506900001",
        nik_claims={"birthDate": "1990-05-06", "sex": "female", "province": "32"},
        today="2026-11-22",
    )["data"]
    assert "nik_province_mismatch" in report["flags"]


def test_bad_input_raises_typed_errors_with_codes():
    with pytest.raises(veriscope.UnsupportedFormatError) as err:
        veriscope.analyze(b"GIF89a" + bytes(20))
    assert err.value.code == "UNSUPPORTED_FORMAT"
    with pytest.raises(veriscope.ValidationError):
        veriscope.analyze(CARD, colour=True)
    with pytest.raises(veriscope.FileTooLargeError):
        veriscope.analyze(CARD, max_pixels=1000)


def test_the_gil_is_released_while_analysing():
    # Another Python thread records when it runs. Holding the GIL for the
    # whole call would leave no record strictly inside it.
    stamps: list[float] = []
    stop = threading.Event()

    def record():
        while not stop.is_set():
            stamps.append(time.perf_counter())

    recorder = threading.Thread(target=record)
    recorder.start()
    while not stamps:
        time.sleep(0.001)
    start = time.perf_counter()
    veriscope.analyze(SPLICED)
    end = time.perf_counter()
    stop.set()
    recorder.join()
    inside = [t for t in stamps if start < t < end]
    assert len(inside) > 10
