"""veriscope.Client against a real `veriscope serve` over loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

import veriscope
from conftest import FIXTURES

KEY = "vsk_python_client_test"
ROOT = Path(__file__).resolve().parent.parent.parent


def _binary() -> Path:
    configured = os.environ.get("VERISCOPE_BIN")
    binary = Path(configured) if configured else ROOT / "target" / "debug" / "veriscope"
    if not binary.exists():
        if configured:
            pytest.fail(f"VERISCOPE_BIN={configured} does not exist")
        pytest.skip("build the CLI (cargo build -p veriscope-cli) or set VERISCOPE_BIN")
    return binary


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    binary = _binary()
    digest = subprocess.run(
        [binary, "hash-key"], input=KEY.encode(), capture_output=True, check=True
    ).stdout.decode().strip()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path_factory.mktemp("serve") / "serve.toml"
    config.write_text(
        f'listen = "127.0.0.1:{port}"\ndatabase = ":memory:"\nface_match = false\n'
        f'[[api_keys]]\nid = "python"\nsha256 = "{digest}"\n'
    )
    process = subprocess.Popen(
        [binary, "serve", "--config", config],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(400):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.025)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait()


def card() -> bytes:
    return (FIXTURES / "analyze" / "card.jpg").read_bytes()


def test_a_document_is_analysed_by_the_server(server: str) -> None:
    report = veriscope.Client(KEY, server).verify_document(card())
    assert report["documentType"] == "id"
    assert 0.0 <= report["forgeryScore"] <= 1.0
    assert set(report) >= {"id", "forgeryScore", "confidence", "flags", "latencyMs"}


def test_a_verification_is_uploaded_created_and_waited_for(server: str) -> None:
    client = veriscope.Client(KEY, server)
    assert [service["id"] for service in client.services()] == ["KTP_SELFIE", "DOCUMENT_FORGERY"]
    upload = client.upload(card(), "card.jpg")
    created = client.create_verification(
        {"service_id": "DOCUMENT_FORGERY", "input": {"files": {"document": [upload["path"]]}}}
    )
    assert created["status"] == "IN_QUEUE"
    done = client.wait(created["id"], timeout=60)
    assert done["status"] in {"COMPLETED", "FRAUD_DETECTED"}
    assert "forgeryScore" in done["result"]
    with pytest.raises(veriscope.NotFoundError):
        client.verification("no-such-verification")


def test_inputs_the_api_would_refuse_raise_before_any_request() -> None:
    # Port 9 (discard) is closed: a request would raise NetworkError instead.
    client = veriscope.Client(KEY, "http://127.0.0.1:9", max_retries=0)
    with pytest.raises(veriscope.UnsupportedFormatError):
        client.verify_document((FIXTURES / "analyze" / "card-as-gif.gif").read_bytes())
    with pytest.raises(veriscope.ValidationError) as caught:
        client.create_verification({"service_id": "KTP_SELFIE", "input": {}})
    assert caught.value.body["error"]["details"][0]["field"].startswith("input.files")
    with pytest.raises(veriscope.NetworkError):
        client.services()


def test_a_wrong_key_or_bad_arguments_raise_typed_errors(server: str) -> None:
    with pytest.raises(veriscope.UnauthorizedError):
        veriscope.Client("vsk_wrong", server).services()
    with pytest.raises(veriscope.InvalidArgumentError):
        veriscope.Client("", server)
    with pytest.raises(veriscope.InvalidArgumentError):
        veriscope.Client(KEY, "not a url")


def test_waiting_releases_the_gil_and_times_out_with_the_deadline_error() -> None:
    """A stub served by a Python thread of this process answers IN_PROGRESS
    forever: it can only answer while the client's wait has let go of the GIL."""
    import http.server
    import threading

    served = []

    class Stub(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            served.append(self.path)
            body = b'{"data": {"id": "v1", "status": "IN_PROGRESS"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    stub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=stub.serve_forever, daemon=True)
    thread.start()
    try:
        client = veriscope.Client(KEY, f"http://127.0.0.1:{stub.server_address[1]}")
        with pytest.raises(veriscope.DeadlineExceededError) as caught:
            client.wait("v1", timeout=1.0)
        assert caught.value.code == "TIMEOUT"
        assert "IN_PROGRESS" in caught.value.message
        assert len(served) >= 2 and served[0] == "/verifications/v1"
    finally:
        stub.shutdown()
