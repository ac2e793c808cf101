"""MRZ and NIK checks through the Python door."""

from __future__ import annotations

import datetime

import pytest

import veriscope

TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"


def test_the_specimen_passport_parses_with_every_check():
    mrz = veriscope.parse_mrz(TD3, today=datetime.date(2026, 11, 22))
    assert mrz["valid"] and mrz["findings"] == []
    assert mrz["documentType"] == "passport"
    assert [c["field"] for c in mrz["checks"]] == ["documentNumber", "birthDate", "expiryDate", "optionalData", "composite"]
    assert mrz["expired"] is True


def test_a_typed_over_birth_year_is_caught():
    mrz = veriscope.parse_mrz(TD3.replace("7408122F", "7508122F"), today="2026-11-22")
    assert not mrz["valid"]
    assert {f["code"] for f in mrz["findings"]} == {"mrz_check_digit_mismatch"}


def test_text_that_is_no_mrz_raises_validation_error():
    with pytest.raises(veriscope.ValidationError):
        veriscope.parse_mrz("NOT AN MRZ")
    with pytest.raises(veriscope.InvalidArgumentError):
        veriscope.parse_mrz(TD3, today="22/11/2026")


def test_nik_claims_accept_snake_case_and_report_mismatches():
    report = veriscope.check_nik("3174045202900007", {"birth_date": "1990-02-12", "sex": "male"}, today="2026-11-22")
    assert report["province"] == "DKI Jakarta"
    assert [f["code"] for f in report["findings"]] == ["nik_sex_mismatch"]
    with pytest.raises(veriscope.ValidationError) as caught:
        veriscope.check_nik("0000000000000000")
    assert len(caught.value.details) >= 4


def test_read_mrz_reads_generated_captures_and_rejects_images_without_a_zone(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, str(root / "scripts" / "corpus_mrz.py"), str(tmp_path), "--count", "4", "--seed", "77"],
        check=True,
        capture_output=True,
    )
    truth = json.loads((tmp_path / "truth.json").read_text())["documents"]
    for document in truth:
        reading = veriscope.read_mrz((tmp_path / document["file"]).read_bytes(), today="2026-11-22")
        assert reading["mrz"]["lines"] == document["lines"], document["file"]
        assert reading["mrz"]["valid"] is (not document["tampered"])
        assert 0 < reading["minConfidence"] <= 1
    card = (root / "examples" / "samples" / "id-card.jpg").read_bytes()
    with pytest.raises(veriscope.NotFoundError):
        veriscope.read_mrz(card)
    with pytest.raises(veriscope.UnsupportedFormatError):
        veriscope.read_mrz(b"GIF89a")
    bomb = (root / "tests" / "fixtures" / "images" / "bomb-100000x100000.png").read_bytes()
    with pytest.raises(veriscope.FileTooLargeError):
        veriscope.read_mrz(bomb)
