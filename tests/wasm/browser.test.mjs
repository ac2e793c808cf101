// The WASM door in headless Chromium (Debian's package): the same fixtures as
// every other door, run by tests/wasm/browser.html.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

import { executablePath, launchChromium } from "./chromium.mjs";
import { serve } from "./serve.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

test("the shared fixtures give the same JSON in Chromium", { timeout: 120_000 }, async () => {
  assert.ok(existsSync(executablePath), `no Chromium at ${executablePath}; scripts/test installs it`);
  const { server, url } = await serve(root);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const consoleErrors = [];
    page.on("pageerror", (err) => consoleErrors.push(String(err)));
    await page.goto(`${url}/tests/wasm/browser.html`);
    await page.waitForFunction(() => window.__report !== undefined, null, { timeout: 60_000 });
    const report = await page.evaluate(() => window.__report);
    assert.equal(report.error, null);
    assert.deepEqual(consoleErrors, []);
    assert.ok(report.fixtures.length >= 77, `only ${report.fixtures.length} cases ran`);
    for (const r of report.fixtures) assert.equal(r.actual, r.expected, r.input);
    assert.ok(report.checks.length >= 4);
    for (const c of report.checks) assert.ok(c.ok, `${c.name}: ${c.message ?? "false"}`);
  } finally {
    await browser.close();
    server.close();
  }
});

test("the demo page analyses a picked file in the browser", { timeout: 120_000 }, async () => {
  const { server, url } = await serve(root);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    await page.goto(`${url}/examples/js/precheck.html`);
    // The page listens only once its WASM has loaded; a file picked before
    // then would go unnoticed.
    await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 60_000 });
    await page.setInputFiles("#file", path.join(root, "tests/fixtures/analyze/card-edited-in-gimp.jpg"));
    await page.waitForFunction(() => document.getElementById("forgery").textContent !== "", null, {
      timeout: 60_000,
    });
    const verdict = await page.textContent("#verdict");
    const forgery = await page.textContent("#forgery");
    assert.deepEqual(errors, []);
    assert.match(verdict, /accepted as JPEG/);
    assert.match(forgery, /^forgery score [01]\.\d{3} .*editing_software/);
    const shown = JSON.parse(await page.textContent("#result"));
    assert.equal(shown.data.documentType, "id");
  } finally {
    await browser.close();
    server.close();
  }
});

const faceData = process.env.VERISCOPE_FACE_DATA;
const haveModels = existsSync(path.join(root, "models/dlib_face_recognition_resnet_model_v1.dat"));

test("the demo page compares a KTP photo with a selfie in the browser", {
  timeout: 180_000,
  skip: !faceData || !haveModels ? "needs ./scripts/fetch-models and VERISCOPE_FACE_DATA" : false,
}, async () => {
  const { server, url } = await serve(root);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    await page.goto(`${url}/examples/js/precheck.html`);
    // The page listens only once its WASM has loaded; a file picked before
    // then would go unnoticed.
    await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 60_000 });
    await page.setInputFiles("#id-card", path.join(faceData, "ktp-obama.jpg"));
    await page.setInputFiles("#selfie", path.join(faceData, "obama2.png"));
    await page.waitForFunction(() => /person|_/.test(document.getElementById("face").textContent), null, {
      timeout: 150_000,
    });
    assert.deepEqual(errors, []);
    assert.match(await page.textContent("#face"), /^same person: HIGH/);
    const shown = JSON.parse(await page.textContent("#face-result"));
    assert.equal(shown.is_match_face, true);
    assert.ok(shown.distance > 0.2 && shown.distance < 0.5, `distance ${shown.distance}`);
  } finally {
    await browser.close();
    server.close();
  }
});
