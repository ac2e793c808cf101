"""The Python door's own behaviour: exceptions, limits, bodies as dicts, status table."""

from __future__ import annotations

import ast
import base64
import threading
from pathlib import Path

import pytest

import veriscope
from conftest import FIXTURES

JPEG = (FIXTURES / "document-bytes" / "small-card-jpeg.jpg").read_bytes()


def test_a_jpeg_is_accepted_with_its_size():
    info = veriscope.check_document_bytes(JPEG)
    assert info == {"source": "multipart", "format": "jpeg", "mediaType": "image/jpeg", "sizeBytes": len(JPEG)}


def test_a_gif_raises_unsupported_format_with_code_and_status():
    with pytest.raises(veriscope.UnsupportedFormatError) as caught:
        veriscope.check_document_bytes(b"GIF89a\x01\x00")
    err = caught.value
    assert isinstance(err, veriscope.VeriscopeError)
    assert err.code == "UNSUPPORTED_FORMAT"
    assert err.http_status == 422
    assert "GIF" in err.message and str(err) == err.message
    assert err.body == {"error": {"code": "UNSUPPORTED_FORMAT", "message": err.message}}


def test_the_default_limit_is_four_and_a_half_megabytes():
    at_limit = b"\xff\xd8\xff" + bytes(4_718_592 - 3)
    assert veriscope.check_document_bytes(at_limit)["sizeBytes"] == 4_718_592
    with pytest.raises(veriscope.FileTooLargeError) as caught:
        veriscope.check_document_bytes(at_limit + b"\x00")
    assert caught.value.code == "FILE_TOO_LARGE"


def test_limits_are_configurable_with_snake_case_keys():
    with pytest.raises(veriscope.FileTooLargeError):
        veriscope.check_document_bytes(JPEG, limits={"max_inline_bytes": 100})
    with pytest.raises(veriscope.InvalidArgumentError) as caught:
        veriscope.check_document_bytes(JPEG, limits={"max_bytes": 100})
    assert "unknown field" in caught.value.message


def test_base64_returns_info_and_the_decoded_bytes():
    info, data = veriscope.decode_document_base64("data:image/jpeg;base64," + base64.b64encode(JPEG).decode())
    assert data == JPEG
    assert info["source"] == "base64"


def test_ssrf_urls_raise_validation_error_with_the_field():
    with pytest.raises(veriscope.ValidationError) as caught:
        veriscope.check_document_url("https://[::ffff:169.254.169.254]/latest")
    assert caught.value.details == [
        {"field": "documentUrl", "reason": caught.value.details[0]["reason"]}
    ]
    assert "link-local" in caught.value.details[0]["reason"]


def test_bodies_may_be_dicts_bytes_or_text():
    body = {
        "service_id": "KTP_SELFIE",
        "input": {"files": {"ktp_file": ["/uploads/k.jpg"], "selfie_file": ["/uploads/s.jpg"]}},
    }
    import json

    for form in (body, json.dumps(body), json.dumps(body).encode()):
        assert veriscope.check_create_verification(form)["service_id"] == "KTP_SELFIE"
    with pytest.raises(veriscope.InvalidArgumentError):
        veriscope.check_create_verification(b"\xff\xfe")


def test_every_problem_is_listed():
    with pytest.raises(veriscope.ValidationError) as caught:
        veriscope.check_create_verification({"service_id": "KTP_SELFIE", "input": {"files": {}}})
    fields = [p["field"] for p in caught.value.details]
    assert fields == ["input.files.ktp_file", "input.files.selfie_file"]


def test_every_error_code_has_its_class_number_and_status():
    table = {row["code"]: row for row in veriscope.error_codes()}
    expected = {
        "VALIDATION_ERROR": (1, 400, veriscope.ValidationError),
        "UNAUTHORIZED": (2, 401, veriscope.UnauthorizedError),
        "TRIAL_EXHAUSTED": (3, 402, veriscope.TrialExhaustedError),
        "UNSUPPORTED_FORMAT": (4, 422, veriscope.UnsupportedFormatError),
        "FILE_TOO_LARGE": (5, 422, veriscope.FileTooLargeError),
        "FETCH_FAILED": (6, 422, veriscope.FetchFailedError),
        "RATE_LIMITED": (7, 429, veriscope.RateLimitedError),
        "CAP_EXCEEDED": (8, 429, veriscope.CapExceededError),
        "INVALID_TRANSITION": (9, 409, veriscope.InvalidTransitionError),
        "INVALID_ARGUMENT": (10, 400, veriscope.InvalidArgumentError),
        "NOT_FOUND": (11, 404, veriscope.NotFoundError),
        "INTERNAL_ERROR": (12, 500, veriscope.InternalError),
        "WEBHOOK_MISSING_HEADER": (13, 400, veriscope.WebhookMissingHeaderError),
        "WEBHOOK_MALFORMED_HEADER": (14, 400, veriscope.WebhookMalformedHeaderError),
        "WEBHOOK_TIMESTAMP_TOO_OLD": (15, 401, veriscope.WebhookTimestampTooOldError),
        "WEBHOOK_TIMESTAMP_TOO_NEW": (16, 401, veriscope.WebhookTimestampTooNewError),
        "WEBHOOK_SIGNATURE_MISMATCH": (17, 401, veriscope.WebhookSignatureMismatchError),
        "WEBHOOK_UNSIGNED": (18, 401, veriscope.WebhookUnsignedError),
        "WEBHOOK_INVALID_SECRET": (19, 400, veriscope.WebhookInvalidSecretError),
        "MODEL_MISSING": (20, 503, veriscope.ModelMissingError),
        "MODEL_INVALID": (21, 500, veriscope.ModelInvalidError),
        "FACE_NOT_FOUND": (22, 422, veriscope.FaceNotFoundError),
        "NETWORK_ERROR": (23, 503, veriscope.NetworkError),
        "TIMEOUT": (24, 504, veriscope.DeadlineExceededError),
    }
    assert set(table) == set(expected)
    for code, (number, status, cls) in expected.items():
        assert (table[code]["number"], table[code]["httpStatus"]) == (number, status)
        assert issubclass(cls, veriscope.VeriscopeError)


def test_status_transitions_follow_the_table():
    assert veriscope.can_transition("IN_QUEUE", "IN_PROGRESS")
    assert not veriscope.can_transition("COMPLETED", "IN_QUEUE")
    assert veriscope.is_terminal("FRAUD_DETECTED")
    assert not veriscope.is_terminal("NEED_REVIEW")
    assert veriscope.allowed_transitions("DRAFT") == ["IN_QUEUE", "CANCELLED"]
    veriscope.check_transition("DRAFT", "IN_QUEUE")
    with pytest.raises(veriscope.InvalidTransitionError) as caught:
        veriscope.check_transition("DRAFT", "COMPLETED")
    assert caught.value.http_status == 409
    with pytest.raises(veriscope.InvalidArgumentError):
        veriscope.is_terminal("DONE")


def test_services_lists_the_catalogue():
    ids = [service["id"] for service in veriscope.services()]
    assert ids == ["KTP_SELFIE", "DOCUMENT_FORGERY"]


def test_calls_from_many_threads_agree():
    results = []

    def work():
        for _ in range(200):
            results.append(veriscope.check_document_bytes(JPEG)["sizeBytes"])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [len(JPEG)] * 800


def test_the_stubs_declare_exactly_what_the_native_module_exports():
    stub = Path(veriscope.__file__).with_name("_native.pyi")
    tree = ast.parse(stub.read_text())
    declared = {
        node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    } | {
        node.target.id for node in tree.body if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    # The result types live in veriscope.types; the stub declares only what
    # the extension itself defines.
    exported = {name for name in dir(veriscope._native) if not name.startswith("_")} | {"__version__"}
    assert declared == exported
    assert (Path(veriscope.__file__).parent / "py.typed").exists()
    assert set(veriscope.__all__) <= exported | {"types", "webhooks"}
