"""Times webhook verification in Python: the reference library (PyPI
standardwebhooks) and Veriscope's Python door, on the bodies the Rust
benchmark uses. Prints JSON: {"<impl>/<size>": nanoseconds per call}."""

from __future__ import annotations

import json
import time
import timeit

import standardwebhooks

import veriscope

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SIZES = {"1KB": 1024, "64KB": 64 * 1024}


def body(size: int) -> bytes:
    head = b'{"id":"ver_1","status":"COMPLETED","pad":"'
    return head + b"x" * (size - len(head) - 2) + b'"}'


def per_call_ns(fn, min_seconds: float = 1.0) -> float:
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(number, int(number * min_seconds / 0.2))
    best = min(timer.repeat(repeat=5, number=number))
    return best / number * 1e9


def main() -> None:
    reference = standardwebhooks.Webhook(SECRET)
    ours = veriscope.webhooks.Verifier(SECRET)
    results = {}
    for label, size in SIZES.items():
        data = body(size)
        now = int(time.time())
        headers = veriscope.webhooks.sign(data, SECRET, id="msg_2Lk7Qe", timestamp=now)
        text = data.decode()
        reference.verify(text, headers, json_parse=False)
        results[f"python-standardwebhooks/{label}"] = per_call_ns(
            lambda: reference.verify(text, headers, json_parse=False)
        )
        results[f"python-veriscope/{label}"] = per_call_ns(lambda: ours.verify(data, headers))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
