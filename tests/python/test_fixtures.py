"""The shared fixtures through the Python door: same input, same JSON bytes."""

from __future__ import annotations

import json

import pytest

import veriscope
from conftest import FIXTURE_TODAY, FIXTURES, compact, fixture_cases


def run(operation: str, source: str, options: dict | None) -> str:
    limits = options if operation not in ("nik", "analyze") else None
    data = (FIXTURES / source).read_bytes()
    text = lambda: data.decode("utf-8")  # noqa: E731 - fixtures of text operations are UTF-8
    try:
        if operation == "document-bytes":
            result = veriscope.check_document_bytes(data, limits=limits)
        elif operation == "document-base64":
            result, _ = veriscope.decode_document_base64(text(), limits=limits)
        elif operation == "document-url":
            result = veriscope.check_document_url(text(), limits=limits)
        elif operation == "verify-request":
            result = veriscope.check_verify_request(text(), limits=limits)
        elif operation == "create-verification":
            result = veriscope.check_create_verification(text(), limits=limits)
        elif operation == "verification":
            result = veriscope.parse_verification(text())
        elif operation == "forgery-response":
            result = veriscope.parse_forgery_response(text())
        elif operation == "mrz":
            result = veriscope.parse_mrz(text(), today=FIXTURE_TODAY)
        elif operation == "nik":
            result = veriscope.check_nik(text(), options, today=FIXTURE_TODAY)
        elif operation == "analyze":
            result = veriscope.analyze(data, **(options or {}))
            result["data"]["latencyMs"] = 0  # the one field that depends on the machine
        else:
            raise AssertionError(f"unknown operation {operation}")
    except veriscope.VeriscopeError as err:
        return compact(err.body)
    return compact(result)


CASES = fixture_cases()


def test_the_index_lists_every_operation():
    assert {case[0] for case in CASES} == {
        "document-bytes",
        "document-base64",
        "document-url",
        "verify-request",
        "create-verification",
        "verification",
        "forgery-response",
        "mrz",
        "nik",
        "analyze",
    }
    assert len(CASES) >= 77


@pytest.mark.parametrize("operation,source,options,expected", CASES, ids=[c[1] for c in CASES])
def test_fixture_gives_the_same_json_as_every_door(operation, source, options, expected):
    options_value = json.loads((FIXTURES / options).read_text()) if options else None
    want = (FIXTURES / expected).read_text().rstrip("\n")
    assert run(operation, source, options_value) == want
