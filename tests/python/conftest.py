"""Shared helpers for the Python door's tests."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURE_TODAY = "2026-11-22"


def compact(value: object) -> str:
    """JSON as the core writes it: no spaces, non-ASCII kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def fixture_cases() -> list[tuple[str, str, str | None, str]]:
    rows = []
    for line in (FIXTURES / "index.tsv").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        operation, source, options, expected = line.split("\t")
        rows.append((operation, source, None if options == "-" else options, expected))
    return rows
