// The WASM door in headless Chromium (Debian's package): the same fixtures as
// every other door, run by tests/wasm/browser.html.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

test("the shared fixtures give the same JSON in Chromium", { timeout: 120_000 }, async () => {
  assert.ok(existsSync(executablePath), `no Chromium at ${executablePath}; scripts/test installs it`);
  const { server, url } = await serve(root);
  const browser = await chromium.launch({
    executablePath,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    ],
  });
  try {
    const page = await browser.newPage();
    const consoleErrors = [];
    page.on("pageerror", (err) => consoleErrors.push(String(err)));
    await page.goto(`${url}/tests/wasm/browser.html`);
    await page.waitForFunction(() => window.__report !== undefined, null, { timeout: 60_000 });
    const report = await page.evaluate(() => window.__report);
    assert.equal(report.error, null);
    assert.deepEqual(consoleErrors, []);
    assert.ok(report.fixtures.length >= 65, `only ${report.fixtures.length} cases ran`);
    for (const r of report.fixtures) assert.equal(r.actual, r.expected, r.input);
    assert.ok(report.checks.length >= 4);
    for (const c of report.checks) assert.ok(c.ok, `${c.name}: ${c.message ?? "false"}`);
  } finally {
    await browser.close();
    server.close();
  }
});
