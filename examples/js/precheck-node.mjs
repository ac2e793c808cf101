// Pre-checks files with the WASM build in Node:
//   node examples/js/precheck-node.mjs examples/samples/id-card.png
// (build it first: ./scripts/test or `source scripts/lib.sh && build_wasm`)
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const veriscope = createRequire(import.meta.url)("../../wasm/pkg-node/veriscope_wasm.js");

let exitCode = 0;
for (const file of process.argv.slice(2)) {
  try {
    console.log(file, veriscope.checkDocumentBytes(await readFile(file)));
  } catch (err) {
    if (!err.code) throw err;
    console.log(file, err.httpStatus, err.code, err.message);
    exitCode = 1;
  }
}
process.exit(exitCode);
