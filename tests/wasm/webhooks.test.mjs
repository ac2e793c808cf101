// Webhooks through the WASM door in Node, and interop with the reference
// Standard Webhooks library (npm standardwebhooks) in both directions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

import { Webhook, WebhookVerificationError } from "standardwebhooks";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const veriscope = createRequire(import.meta.url)(path.join(root, "wasm/pkg-node/veriscope_wasm.js"));

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY = JSON.stringify({ id: "ver_1", status: "COMPLETED" });
const NOW = 1_700_000_000;

test("sign then verify in every scheme, with bytes or text bodies", () => {
  for (const scheme of ["standard", "timestamped", "sha256"]) {
    const headers = veriscope.webhookSign(BODY, { secret: SECRET, id: "msg_1", timestamp: NOW, scheme });
    const bytes = new TextEncoder().encode(BODY);
    const outcome = veriscope.webhookVerify(bytes, headers, { secret: SECRET, now: NOW });
    assert.equal(outcome.status, "verified");
    assert.equal(outcome.scheme, scheme);
  }
});

test("verifyEvent returns the verification object", () => {
  const headers = veriscope.webhookSign(BODY, { secret: SECRET, id: "msg_1", timestamp: NOW });
  const event = veriscope.webhookVerifyEvent(BODY, new Map(Object.entries(headers)), { secret: SECRET, now: NOW });
  assert.equal(event.verification.status, "COMPLETED");
  assert.equal(event.outcome.secretIndex, 0);
});

test("each failure has its own code", () => {
  const headers = veriscope.webhookSign(BODY, { secret: SECRET, id: "msg_1", timestamp: NOW });
  const cases = [
    [() => veriscope.webhookVerify(BODY + " ", headers, { secret: SECRET, now: NOW }), "WEBHOOK_SIGNATURE_MISMATCH"],
    [() => veriscope.webhookVerify(BODY, headers, { secret: SECRET, now: NOW + 301 }), "WEBHOOK_TIMESTAMP_TOO_OLD"],
    [() => veriscope.webhookVerify(BODY, headers, { secret: SECRET, now: NOW - 301 }), "WEBHOOK_TIMESTAMP_TOO_NEW"],
    [() => veriscope.webhookVerify(BODY, {}, { secret: SECRET, now: NOW }), "WEBHOOK_UNSIGNED"],
    [() => veriscope.webhookVerify(BODY, { "webhook-signature": "v1,AAAA" }, { secret: SECRET }), "WEBHOOK_MISSING_HEADER"],
    [
      () => veriscope.webhookVerify(BODY, { ...headers, "webhook-timestamp": "soon" }, { secret: SECRET }),
      "WEBHOOK_MALFORMED_HEADER",
    ],
    [() => veriscope.webhookVerify(BODY, headers, { secret: "whsec_%%%" }), "WEBHOOK_INVALID_SECRET"],
    [() => veriscope.webhookVerify(42, headers, { secret: SECRET }), "INVALID_ARGUMENT"],
  ];
  for (const [call, code] of cases) assert.throws(call, { code }, code);
  assert.deepEqual(veriscope.webhookVerify(BODY, [], { secret: SECRET, allowUnsigned: true }), { status: "unsigned" });
});

test("rotation: any of several secrets verifies, and the index is reported", () => {
  const headers = veriscope.webhookSign(BODY, { secret: SECRET, id: "m", timestamp: NOW });
  const outcome = veriscope.webhookVerify(BODY, headers, {
    secrets: ["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", SECRET],
    now: NOW,
  });
  assert.equal(outcome.secretIndex, 1);
});

test("signatures made by the reference library verify here; tampering fails", () => {
  const reference = new Webhook(SECRET);
  const now = new Date();
  const headers = {
    "webhook-id": "msg_ref",
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": reference.sign("msg_ref", now, BODY),
  };
  assert.equal(veriscope.webhookVerify(BODY, headers, { secret: SECRET }).status, "verified");
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    const flipped = value.slice(0, -2) + (value.at(-2) === "A" ? "B" : "A") + value.at(-1);
    assert.throws(() => veriscope.webhookVerify(BODY, { ...headers, [name]: flipped }, { secret: SECRET }), name);
  }
  assert.throws(() => veriscope.webhookVerify(BODY.replace("ver_1", "ver_2"), headers, { secret: SECRET }), {
    code: "WEBHOOK_SIGNATURE_MISMATCH",
  });
});

test("signatures made here verify with the reference library; tampering fails there", () => {
  const reference = new Webhook(SECRET);
  const headers = veriscope.webhookSign(BODY, { secret: SECRET, id: "msg_ours" });
  assert.deepEqual(reference.verify(BODY, headers), JSON.parse(BODY));
  assert.throws(() => reference.verify(BODY + "\n", headers), WebhookVerificationError);
  const sig = headers["webhook-signature"];
  assert.throws(
    () => reference.verify(BODY, { ...headers, "webhook-signature": sig.slice(0, -3) + "AA=" }),
    WebhookVerificationError,
  );
});

test("a reusable WebhookVerifier verifies many payloads and reports failures", () => {
  const verifier = new veriscope.WebhookVerifier({ secret: SECRET, toleranceSeconds: 60 });
  const headers = veriscope.webhookSign(BODY, { secret: SECRET, id: "msg_1", timestamp: NOW });
  assert.equal(verifier.verify(BODY, headers, NOW + 60).status, "verified");
  assert.equal(verifier.verifyEvent(BODY, headers, NOW).verification.id, "ver_1");
  assert.throws(() => verifier.verify(BODY, headers, NOW + 61), { code: "WEBHOOK_TIMESTAMP_TOO_OLD" });
  assert.throws(() => new veriscope.WebhookVerifier({ secrets: [] }), { code: "WEBHOOK_INVALID_SECRET" });
  verifier.free();
});
