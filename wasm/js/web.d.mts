// Types of the browser and bundler entry: the web build's functions, already
// initialised (so no `init` here; `veriscope/web` has it).
export * from "../pkg-web/veriscope_wasm.js";
