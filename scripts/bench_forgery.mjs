// Times the WASM door's analyze() in Node on the given files: one JSON line
// per file, {"file", "ms"}, the median of three runs after a warm-up.
//   node scripts/bench_forgery.mjs FILE...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const veriscope = require("../wasm/pkg-node/veriscope_wasm.js");

for (const file of process.argv.slice(2)) {
  const bytes = new Uint8Array(readFileSync(file));
  veriscope.analyze(bytes, { today: "2026-11-22" });
  const times = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    veriscope.analyze(bytes, { today: "2026-11-22" });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ file, ms: times[1] }));
}
