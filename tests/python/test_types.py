"""The installed package's types, checked by mypy --strict: typed use passes,
every shared fixture's actual output fits its declared type, misuse fails."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import veriscope
from conftest import FIXTURES, fixture_cases

# The declared type of each operation's success (failures are ErrorBody).
FIXTURE_TYPES = {
    "document-bytes": "DocumentInfo",
    "document-url": "DocumentUrl",
    "verify-request": "Union[DocumentInfo, DocumentUrl]",
    "create-verification": "CreateVerificationRequest",
    "verification": "Verification",
    "forgery-response": "ForgeryResponse",
    "mrz": "Mrz",
    "nik": "NikReport",
    "analyze": "ForgeryResponse",
}

TYPED_USE = '''
from __future__ import annotations

import veriscope
from veriscope.types import (
    AnalysisOptions, ForgeryAnalysis, ForgeryResponse, Service, Verification, WebhookOutcome,
)


def score(document: bytes) -> float:
    response: ForgeryResponse = veriscope.analyze(document)
    return response["data"]["forgeryScore"]


def flags_with(document: bytes, options: AnalysisOptions) -> list[str]:
    return veriscope.analyze(document, **options)["data"]["flags"]


def signal_names(document: bytes) -> list[str]:
    analysis: ForgeryAnalysis = veriscope.analyze(document, details=True)
    return [signal["name"] for signal in analysis["signals"] if signal["applicable"]]


def face_level(body: str) -> str | None:
    verification: Verification = veriscope.parse_verification(body)
    result = verification["result"]
    return result.get("face_match_confidence_level") if result is not None else None


def file_inputs() -> list[str]:
    catalogue: list[Service] = veriscope.services()
    return [file["name"] for service in catalogue for file in service["files"]]


def surname(text: str) -> str:
    return veriscope.parse_mrz(text)["surname"]


def rotated(body: bytes, headers: dict[str, str]) -> int:
    outcome: WebhookOutcome = veriscope.webhooks.verify(body, headers, ["whsec_new", "whsec_old"])
    return outcome.get("secretIndex", -1)


def status_after_wait(client: veriscope.Client, id: str) -> str:
    return client.wait(id)["status"]
'''

MISUSE = {
    "a score is a float, not a string": 'x: str = veriscope.analyze(b"")["data"]["forgeryScore"]',
    "a plain analysis has no signals": 'x = veriscope.analyze(b"")["signals"]',
    "a status is one of the API's": 'from veriscope.types import VerificationStatus\nx: VerificationStatus = "DONE"',
    "an MRZ has no such field": 'x = veriscope.parse_mrz("")["surnames"]',
    "analyze takes only its options": 'x = veriscope.analyze(b"", colour=True)',
}


def mypy(tmp_path: Path, name: str, source: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / name).write_text(source)
    # Keys the APIs add beyond the reference are allowed in their answers.
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
               "--disable-error-code", "typeddict-unknown-key", name]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)


def test_mypy_is_installed() -> None:
    subprocess.run([sys.executable, "-m", "mypy", "--version"], check=True, capture_output=True)


def test_typed_use_of_the_package_passes_mypy_strict(tmp_path: Path) -> None:
    result = mypy(tmp_path, "use.py", "import veriscope.webhooks\n" + TYPED_USE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_fixture_output_fits_its_declared_type(tmp_path: Path) -> None:
    lines = ["from typing import Union", "from veriscope.types import *  # noqa: F403", ""]
    count = 0
    for operation, _source, _options, expected in fixture_cases():
        if operation not in FIXTURE_TYPES:
            continue
        value = json.loads((FIXTURES / expected).read_text())
        declared = "ErrorBody" if "error" in value else FIXTURE_TYPES[operation]
        lines.append(f"fixture_{count}: {declared} = {value!r}  # {expected}")
        count += 1
    assert count >= 60
    result = mypy(tmp_path, "fixtures.py", "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("misuse", MISUSE.values(), ids=MISUSE.keys())
def test_misuse_is_rejected(tmp_path: Path, misuse: str) -> None:
    result = mypy(tmp_path, "misuse.py", f"import veriscope\n{misuse}\n")
    assert result.returncode == 1, result.stdout + result.stderr
    # The error is on the misuse, not on the import (line 1).
    assert re.search(r"^misuse\.py:[2-9]: error", result.stdout, re.MULTILINE), result.stdout


def test_the_types_module_is_importable_at_run_time() -> None:
    from veriscope.types import Mrz, Verification

    assert veriscope.types.Verification is Verification
    assert "optionalData2" in Mrz.__optional_keys__
    assert set(Verification.__required_keys__) == set(veriscope.parse_verification('{"id":"v","status":"DRAFT"}'))
