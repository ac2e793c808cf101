// The browser and bundler entry of the `veriscope` package: the web build,
// initialised before the importing module runs (top-level await), so every
// function can be called at once. Import `veriscope/web` instead to call
// `init` yourself, e.g. with a `.wasm` URL your bundler chose.
import init from "../pkg-web/veriscope_wasm.js";

await init();

export * from "../pkg-web/veriscope_wasm.js";
