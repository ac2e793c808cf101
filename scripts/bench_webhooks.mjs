// Times webhook verification in Node: the reference library (npm
// standardwebhooks) and Veriscope's WASM door. Prints JSON:
// {"<impl>/<size>": nanoseconds per call}.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "tests/wasm/package.json"));
const { Webhook } = require("standardwebhooks");
const veriscope = require(path.join(root, "wasm/pkg-node/veriscope_wasm.js"));

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SIZES = { "1KB": 1024, "64KB": 64 * 1024 };

function body(size) {
  const head = '{"id":"ver_1","status":"COMPLETED","pad":"';
  return head + "x".repeat(size - head.length - 2) + '"}';
}

function perCallNs(fn, minMs = 1000) {
  for (let i = 0; i < 200; i++) fn(); // warm-up
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < BigInt(minMs / 5) * 1_000_000n) {
      for (let i = 0; i < 50; i++) fn();
      calls += 50;
      elapsed = process.hrtime.bigint() - start;
    }
    best = Math.min(best, Number(elapsed) / calls);
  }
  return best;
}

const reference = new Webhook(SECRET);
const ours = new veriscope.WebhookVerifier({ secret: SECRET });
const results = {};
for (const [label, size] of Object.entries(SIZES)) {
  const text = body(size);
  const bytes = new TextEncoder().encode(text);
  const headers = veriscope.webhookSign(bytes, { secret: SECRET, id: "msg_2Lk7Qe" });
  reference.verify(text, headers);
  results[`node-standardwebhooks/${label}`] = perCallNs(() => reference.verify(text, headers));
  results[`node-veriscope-wasm/${label}`] = perCallNs(() => ours.verify(bytes, headers));
}
console.log(JSON.stringify(results));
