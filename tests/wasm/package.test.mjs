// The npm package as a user gets it: the tarball `pack_npm` builds, installed
// offline into a fresh project, then used the four ways a user would (Node
// ESM import, CommonJS require, a browser bundle, TypeScript), and its types
// checked against every shared fixture's actual output.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";

import { launchChromium } from "./chromium.mjs";
import { serve } from "./serve.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const tarball = process.env.VERISCOPE_NPM_TARBALL;
const tools = path.join(here, "node_modules/.bin");
let project;

before(() => {
  assert.ok(tarball, "VERISCOPE_NPM_TARBALL names the packed tarball (scripts/test sets it)");
  project = mkdtempSync(path.join(tmpdir(), "veriscope-npm-"));
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], {
    cwd: project,
  });
});

after(() => rmSync(project, { recursive: true, force: true }));

const run = (file, source) => {
  writeFileSync(path.join(project, file), source);
  return execFileSync(process.execPath, [file], { cwd: project }).toString().trim();
};

test("the tarball holds the two builds, their types and the README, and nothing else", () => {
  const listing = execFileSync("tar", ["-tzf", tarball]).toString().trim().split("\n").sort();
  for (const file of ["package/js/web.mjs", "package/pkg-node/veriscope_wasm_bg.wasm",
    "package/pkg-web/veriscope_wasm_bg.wasm", "package/pkg-node/veriscope_wasm.d.ts", "package/README.md"]) {
    assert.ok(listing.includes(file), `${file} is missing from ${listing.join(", ")}`);
  }
  assert.deepEqual(listing.filter((f) => f.endsWith(".rs") || f.includes("/src/")), []);
  const manifest = JSON.parse(readFileSync(path.join(project, "node_modules/veriscope/package.json")));
  assert.equal(manifest.version, execFileSync(process.execPath, ["-p",
    `require(${JSON.stringify(path.join(root, "wasm/pkg-node/veriscope_wasm.js"))}).version()`]).toString().trim());
});

test("Node imports the package as an ES module with named exports", () => {
  const out = run("esm.mjs", `
    import { checkDocumentBytes, parseMrz, version } from "veriscope";
    const info = checkDocumentBytes(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
    let code;
    try { checkDocumentBytes(new Uint8Array([0x47, 0x49, 0x46, 0x38])); } catch (err) { code = err.code; }
    console.log(JSON.stringify({ version: version(), format: info.format, code,
      valid: parseMrz("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\nL898902C36UTO7408122F1204159ZE184226B<<<<<10", "2010-01-01").valid }));
  `);
  const result = JSON.parse(out);
  assert.match(result.version, /^\d+\.\d+\.\d+/);
  assert.equal(result.format, "png");
  assert.equal(result.code, "UNSUPPORTED_FORMAT");
  assert.equal(result.valid, true);
});

test("Node requires the package as CommonJS", () => {
  const out = run("cjs.cjs", `
    const veriscope = require("veriscope");
    const headers = veriscope.webhookSign("{}", { secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "m" });
    console.log(veriscope.webhookVerify("{}", headers, { secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }).status);
  `);
  assert.equal(out, "verified");
});

test("a bundle for the browser picks the web build, initialised before use", { timeout: 120_000 }, async () => {
  writeFileSync(path.join(project, "app.mjs"), `
    import { checkDocumentBytes, services, version } from "veriscope";
    window.__report = { version: version(), services: services().map((s) => s.id),
      format: checkDocumentBytes(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0])).format };
  `);
  const dist = path.join(project, "dist");
  execFileSync(path.join(tools, "esbuild"), ["app.mjs", "--bundle", "--format=esm", "--platform=browser",
    `--outfile=${path.join(dist, "app.js")}`, "--log-level=error"], { cwd: project });
  // The web build fetches its .wasm beside the script (`new URL(..., import.meta.url)`).
  copyFileSync(path.join(project, "node_modules/veriscope/pkg-web/veriscope_wasm_bg.wasm"),
    path.join(dist, "veriscope_wasm_bg.wasm"));
  writeFileSync(path.join(dist, "index.html"), `<!doctype html><script type="module" src="app.js"></script>`);
  const bundle = readFileSync(path.join(dist, "app.js"), "utf8");
  assert.ok(!bundle.includes("require(\"fs\")") && !bundle.includes("node:fs"), "the bundle took the Node build");
  const { server, url } = await serve(dist);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    await page.goto(`${url}/index.html`);
    await page.waitForFunction(() => window.__report !== undefined, null, { timeout: 60_000 });
    const report = await page.evaluate(() => window.__report);
    assert.deepEqual(errors, []);
    assert.equal(report.format, "jpeg");
    assert.deepEqual(report.services.sort(), ["DOCUMENT_FORGERY", "KTP_SELFIE"]);
  } finally {
    await browser.close();
    server.close();
  }
});

// The declared type of each fixture operation's success and failure.
const FIXTURE_TYPES = {
  "document-bytes": "DocumentInfo",
  "document-url": "DocumentUrl",
  "verify-request": "DocumentInfo | DocumentUrl",
  "create-verification": "CreateVerificationRequest",
  "verification": "Verification",
  "forgery-response": "ForgeryResponse",
  "mrz": "Mrz",
  "nik": "NikReport",
  "analyze": "ForgeryResponse | ForgeryAnalysis",
};

/** A TypeScript file assigning every fixture's expected JSON to its declared type. */
function fixtureTypeChecks() {
  const index = readFileSync(path.join(root, "tests/fixtures/index.tsv"), "utf8");
  const lines = [
    `import type { ${[...new Set(Object.values(FIXTURE_TYPES).flatMap((t) => t.split(" | ")))].join(", ")},`,
    "  ErrorBody } from \"veriscope\";",
  ];
  let count = 0;
  for (const row of index.split("\n")) {
    const [operation, , , expected] = row.split("\t");
    if (!FIXTURE_TYPES[operation] || !expected) continue;
    const json = readFileSync(path.join(root, "tests/fixtures", expected), "utf8").trim();
    const type = JSON.parse(json).error ? "ErrorBody" : FIXTURE_TYPES[operation];
    lines.push(`// ${expected}`, `export const fixture${count++}: ${type} = ${json};`);
  }
  return { source: lines.join("\n") + "\n", count };
}

const USE = `
import { analyze, parseVerification, readMrz, services, webhookVerifyEvent } from "veriscope";
import type { ForgeryAnalysis, ForgeryResponse, Service, Verification, VeriscopeError } from "veriscope";

const bytes = new Uint8Array(0);
const result = analyze(bytes, { details: true });
if ("data" in result) {
  const score: number = result.data.forgeryScore;
  const flags: string[] = result.data.flags;
  void score, flags;
} else {
  const whole: ForgeryAnalysis = result;
  const firstSignal: string | undefined = whole.signals[0]?.name;
  void firstSignal;
}
const verification: Verification = parseVerification("{}");
const status: "COMPLETED" | string = verification.status;
const level = verification.result?.face_match_confidence_level;
const catalogue: Service[] = services();
const fileNames: string[] = catalogue.flatMap((s) => s.files.map((f) => f.name));
const reading = readMrz(bytes);
const surname: string = reading.mrz.surname;
const event = webhookVerifyEvent("{}", { "webhook-id": "m" }, { secret: "s" });
const secretIndex = event.outcome.status === "verified" ? event.outcome.secretIndex : -1;
try { analyze(bytes); } catch (err) { const code = (err as VeriscopeError).code; void code; }
const response: ForgeryResponse = analyze(bytes) as ForgeryResponse;
// @ts-expect-error: the score is a number, not a string
const wrong: string = response.data.forgeryScore;
// @ts-expect-error: a verification's status is one of the API's statuses
const typo: Verification["status"] = "DONE";
void status, level, fileNames, surname, secretIndex, wrong, typo;
`;

for (const resolution of ["nodenext", "bundler"]) {
  test(`TypeScript (${resolution} resolution) accepts typed use and every fixture, and rejects misuse`, () => {
    const { source, count } = fixtureTypeChecks();
    assert.ok(count >= 60, `only ${count} fixtures typed`);
    writeFileSync(path.join(project, "use.mts"), USE);
    writeFileSync(path.join(project, "fixtures.mts"), source);
    const tsconfig = {
      compilerOptions: {
        strict: true, noEmit: true, target: "es2022", lib: ["es2022", "esnext.disposable", "dom"], skipLibCheck: false,
        module: resolution === "nodenext" ? "nodenext" : "esnext", moduleResolution: resolution, types: [],
      },
      files: ["use.mts", "fixtures.mts"],
    };
    writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(tsconfig));
    try {
      execFileSync(path.join(tools, "tsc"), ["-p", "tsconfig.json"], { cwd: project });
    } catch (err) {
      assert.fail(`tsc rejected the package's types:\n${err.stdout}${err.stderr}`);
    }
    // The check can fail: a fixture given the wrong type must be rejected.
    writeFileSync(path.join(project, "fixtures.mts"),
      `import type { Mrz } from "veriscope";\nexport const bad: Mrz = ${readFileSync(
        path.join(root, "tests/fixtures/nik/claims-disagree.expected.json"), "utf8").trim()};\n`);
    assert.throws(() => execFileSync(path.join(tools, "tsc"), ["-p", "tsconfig.json"], { cwd: project, stdio: "pipe" }));
  });
}
