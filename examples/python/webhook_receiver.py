"""A webhook receiver that trusts only signed status updates.

The whole check is one call. In Flask::

    @app.post("/webhooks/anycheck")
    def anycheck_webhook():
        event = veriscope.webhooks.verify_event(request.get_data(), request.headers, SECRET)
        return handle(event["verification"]), 204

In FastAPI::

    @app.post("/webhooks/anycheck", status_code=204)
    async def anycheck_webhook(request: Request):
        event = veriscope.webhooks.verify_event(await request.body(), request.headers, SECRET)
        handle(event["verification"])

Any failure raises a ``veriscope.WebhookError`` subclass (answer 401).

This file runs the same check in a standard-library HTTP server:

    python examples/python/webhook_receiver.py            # serves on 127.0.0.1:8081
    python examples/python/webhook_receiver.py --self-test
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import veriscope

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server naming
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            event = veriscope.webhooks.verify_event(body, self.headers.items(), SECRET)
        except veriscope.WebhookError as err:
            self.send_response(401)
            self.end_headers()
            self.wfile.write(json.dumps(err.body).encode())
            return
        verification = event["verification"]
        print(f"verification {verification['id']} is now {verification['status']}", file=sys.stderr)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def post(port: int, body: bytes, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("POST", "/webhooks/anycheck", body=body, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def self_test() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        body = json.dumps({"id": "ver_1", "status": "NEED_REVIEW"}).encode()
        headers = veriscope.webhooks.sign(body, SECRET, id="msg_1")
        genuine = post(port, body, headers)
        forged = post(port, body.replace(b"NEED_REVIEW", b"COMPLETED"), headers)
        unsigned = post(port, body, {})
    finally:
        server.shutdown()
    print(f"genuine: {genuine}, forged: {forged}, unsigned: {unsigned}")
    return 0 if (genuine, forged, unsigned) == (204, 401, 401) else 1


if __name__ == "__main__":
    if "--self-test" in sys.argv:
        sys.exit(self_test())
    ThreadingHTTPServer(("127.0.0.1", 8081), Receiver).serve_forever()
