"""The Python door's webhooks, and interop with the reference Standard Webhooks library."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
import standardwebhooks

import veriscope
from veriscope import webhooks

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = json.dumps({"id": "ver_1", "status": "COMPLETED", "result_status": "VERIFIED"}).encode()
NOW = 1_700_000_000


def signed(body: bytes = BODY, secret=SECRET, **kwargs) -> dict:
    kwargs.setdefault("id", "msg_1")
    kwargs.setdefault("timestamp", NOW)
    return webhooks.sign(body, secret, **kwargs)


def test_sign_then_verify_in_every_scheme():
    for scheme in ("standard", "timestamped", "sha256"):
        outcome = webhooks.verify(BODY, signed(scheme=scheme), SECRET, now=NOW + 10)
        assert outcome["status"] == "verified" and outcome["scheme"] == scheme


def test_verify_event_returns_the_verification():
    event = webhooks.verify_event(BODY, signed(), SECRET, now=NOW)
    assert event["outcome"]["id"] == "msg_1"
    assert event["verification"]["status"] == "COMPLETED"
    assert event["verification"]["result_status"] == "VERIFIED"


def test_header_names_are_case_insensitive_and_pairs_work():
    headers = {name.title(): value for name, value in signed().items()}
    assert webhooks.verify(BODY, headers, SECRET, now=NOW)["status"] == "verified"
    assert webhooks.verify(BODY, list(signed().items()), SECRET, now=NOW)["status"] == "verified"


def test_each_failure_has_its_own_exception_class():
    headers = signed()
    cases = [
        (lambda: webhooks.verify(BODY + b" ", headers, SECRET, now=NOW), webhooks.WebhookSignatureMismatchError),
        (lambda: webhooks.verify(BODY, headers, SECRET, now=NOW + 301), webhooks.WebhookTimestampTooOldError),
        (lambda: webhooks.verify(BODY, headers, SECRET, now=NOW - 301), webhooks.WebhookTimestampTooNewError),
        (lambda: webhooks.verify(BODY, {"content-type": "application/json"}, SECRET, now=NOW), webhooks.WebhookUnsignedError),
        (lambda: webhooks.verify(BODY, {"webhook-signature": "v1,AAAA"}, SECRET, now=NOW), webhooks.WebhookMissingHeaderError),
        (
            lambda: webhooks.verify(BODY, {**headers, "webhook-timestamp": "yesterday"}, SECRET, now=NOW),
            webhooks.WebhookMalformedHeaderError,
        ),
        (lambda: webhooks.verify(BODY, headers, "whsec_***", now=NOW), webhooks.WebhookInvalidSecretError),
    ]
    codes = set()
    for call, cls in cases:
        with pytest.raises(cls) as caught:
            call()
        assert isinstance(caught.value, webhooks.WebhookError)
        assert isinstance(caught.value, veriscope.VeriscopeError)
        codes.add(caught.value.code)
    assert len(codes) == len(cases)


def test_unsigned_payloads_are_reported_only_when_allowed():
    outcome = webhooks.verify(BODY, {}, SECRET, allow_unsigned=True, now=NOW)
    assert outcome == {"status": "unsigned"}


def test_a_rotated_secret_verifies_with_its_index():
    outcome = webhooks.verify(BODY, signed(), ["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", SECRET], now=NOW)
    assert outcome["secretIndex"] == 1


def test_the_per_verification_secret_is_used_as_plain_text():
    headers = signed(secret="your-signing-secret")
    assert webhooks.verify(BODY, headers, "your-signing-secret", now=NOW)["status"] == "verified"


def test_tolerance_is_configurable():
    with pytest.raises(webhooks.WebhookTimestampTooOldError):
        webhooks.verify(BODY, signed(), SECRET, tolerance_seconds=5, now=NOW + 6)


def test_default_clock_is_the_system_clock():
    now = int(time.time())
    headers = signed(timestamp=now)
    assert webhooks.verify(BODY, headers, SECRET)["timestamp"] == now
    assert "webhook-timestamp" in webhooks.sign(BODY, SECRET, id="m")


# Interop with the reference implementation (PyPI standardwebhooks).


def test_signatures_made_by_the_reference_library_verify_here():
    reference = standardwebhooks.Webhook(SECRET)
    now = datetime.now(tz=timezone.utc)
    signature = reference.sign("msg_ref", now, BODY.decode())
    headers = {"webhook-id": "msg_ref", "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}
    assert webhooks.verify(BODY, headers, SECRET)["status"] == "verified"
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        tampered = dict(headers)
        value = tampered[name]
        tampered[name] = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
        with pytest.raises(webhooks.WebhookError):
            webhooks.verify(BODY, tampered, SECRET)
    with pytest.raises(webhooks.WebhookSignatureMismatchError):
        webhooks.verify(BODY.replace(b"ver_1", b"ver_2"), headers, SECRET)


def test_signatures_made_here_verify_with_the_reference_library():
    reference = standardwebhooks.Webhook(SECRET)
    headers = webhooks.sign(BODY, SECRET, id="msg_ours", timestamp=int(time.time()))
    assert reference.verify(BODY, headers) == json.loads(BODY)
    tampered = dict(headers, **{"webhook-signature": headers["webhook-signature"][:-3] + "AA="})
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        reference.verify(BODY, tampered)
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        reference.verify(BODY + b"\n", headers)


def test_a_reusable_verifier_accepts_bytes_bytearray_memoryview_and_text():
    verifier = webhooks.Verifier(SECRET)
    headers = signed()
    for body in (BODY, bytearray(BODY), memoryview(BODY), BODY.decode()):
        assert verifier.verify(body, headers, now=NOW)["status"] == "verified"
    with pytest.raises(TypeError):
        verifier.verify(12345, headers, now=NOW)


def test_a_verifier_is_shared_safely_between_threads():
    import threading

    verifier = webhooks.Verifier(SECRET)
    headers = signed()
    failures = []

    def work():
        for i in range(300):
            body = BODY if i % 2 == 0 else BODY + b" "
            try:
                verifier.verify(body, headers, now=NOW)
                ok = i % 2 == 0
            except webhooks.WebhookSignatureMismatchError:
                ok = i % 2 == 1
            if not ok:
                failures.append(i)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_invalid_verifier_settings_fail_at_construction():
    with pytest.raises(webhooks.WebhookInvalidSecretError):
        webhooks.Verifier([])
    with pytest.raises(veriscope.InvalidArgumentError):
        webhooks.Verifier(SECRET, scheme="md5")
