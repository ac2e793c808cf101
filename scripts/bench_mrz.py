"""Reads a seeded synthetic MRZ corpus with Veriscope (Python door, native
code) and with PassportEye (PyPI passporteye + Debian's tesseract-ocr), on the
same images in the same run. Prints JSON: per reader, the exact-MRZ read
rate, tampers caught among exact reads, and the median seconds per image.

    .venv/bin/python scripts/bench_mrz.py CORPUS_DIR
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings
from pathlib import Path

import veriscope


def key_fields(lines: list[str] | None, fmt: str) -> tuple[str, str, str] | None:
    """Document number, birth date and expiry date, by position."""
    try:
        if fmt == "TD3":
            return lines[1][0:9], lines[1][13:19], lines[1][21:27]
        return lines[0][5:14], lines[1][0:6], lines[1][8:14]
    except (IndexError, TypeError):
        return None


def veriscope_lines(path: Path) -> tuple[list[str] | None, bool | None]:
    try:
        reading = veriscope.read_mrz(path.read_bytes(), today="2026-11-22")
    except veriscope.VeriscopeError:
        return None, None
    return reading["mrz"]["lines"], reading["mrz"]["valid"]


def passporteye_lines(path: Path) -> tuple[list[str] | None, bool | None]:
    from passporteye import read_mrz

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mrz = read_mrz(str(path))
    if mrz is None:
        return None, None
    return mrz.aux["text"].split("\n"), bool(mrz.valid)


def run(reader, corpus: Path, documents: list[dict]) -> dict:
    times, exact, tampers, caught, fields = [], 0, 0, 0, 0
    for document in documents:
        start = time.perf_counter()
        lines, valid = reader(corpus / document["file"])
        times.append(time.perf_counter() - start)
        expected = key_fields(document["lines"], document["format"])
        fields += int(key_fields(lines, document["format"]) == expected)
        if lines == document["lines"]:
            exact += 1
            if document["tampered"]:
                tampers += 1
                caught += int(valid is False)
    return {
        "documents": len(documents),
        "exact": exact,
        "exactRate": exact / len(documents),
        "keyFields": fields,
        "tampersRead": tampers,
        "tampersCaught": caught,
        "medianSeconds": statistics.median(times),
    }


def main() -> None:
    corpus = Path(sys.argv[1])
    documents = json.loads((corpus / "truth.json").read_text())["documents"]
    results = {
        "veriscope": run(veriscope_lines, corpus, documents),
        "passporteye": run(passporteye_lines, corpus, documents),
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
