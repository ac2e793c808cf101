"""Pre-checks an upload the way the forgery API would, before sending it.

    python examples/python/validate_upload.py passport.jpg

In a web backend the same two calls guard an endpoint: validate, and on
`veriscope.VeriscopeError` answer with `err.http_status` and `err.body`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import veriscope


def precheck(data: bytes) -> tuple[int, dict]:
    """Returns (HTTP status, JSON body) as a server speaking the API would."""
    try:
        return 200, veriscope.check_document_bytes(data)
    except veriscope.VeriscopeError as err:
        return err.http_status, err.body


def main() -> int:
    worst = 0
    for name in sys.argv[1:] or ["examples/samples/id-card.jpg"]:
        status, body = precheck(Path(name).read_bytes())
        print(status, json.dumps(body))
        worst = max(worst, 0 if status == 200 else 1)
    return worst


if __name__ == "__main__":
    sys.exit(main())
