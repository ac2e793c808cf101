// The WASM door in Node: shared fixtures plus the JS-facing behaviour.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

import { runFixtureCases } from "./cases.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const veriscope = createRequire(import.meta.url)(path.join(root, "wasm/pkg-node/veriscope_wasm.js"));
const fixtures = path.join(root, "tests/fixtures");
const read = async (p) => new Uint8Array(await readFile(path.join(fixtures, p)));

test("every shared fixture gives the same JSON as the other doors", async () => {
  const results = await runFixtureCases(veriscope, read);
  assert.ok(results.length >= 77, `only ${results.length} cases`);
  for (const r of results) assert.equal(r.actual, r.expected, r.input);
});

test("errors are Error instances carrying code, httpStatus, details and body", () => {
  assert.throws(
    () => veriscope.checkDocumentBytes(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61])),
    (err) => {
      assert.ok(err instanceof Error);
      assert.equal(err.name, "VeriscopeError");
      assert.equal(err.code, "UNSUPPORTED_FORMAT");
      assert.equal(err.httpStatus, 422);
      assert.deepEqual(err.details, []);
      assert.match(err.message, /found GIF/);
      return true;
    },
  );
});

test("the default inline limit is 4,718,592 bytes and limits are configurable", () => {
  const atLimit = new Uint8Array(4_718_592);
  atLimit.set([0xff, 0xd8, 0xff]);
  assert.equal(veriscope.checkDocumentBytes(atLimit).sizeBytes, 4_718_592);
  const over = new Uint8Array(4_718_593);
  over.set([0xff, 0xd8, 0xff]);
  assert.throws(() => veriscope.checkDocumentBytes(over), { code: "FILE_TOO_LARGE" });
  assert.throws(() => veriscope.checkDocumentBytes(atLimit.subarray(0, 10), { maxInlineBytes: 5 }), {
    code: "FILE_TOO_LARGE",
  });
  assert.throws(() => veriscope.checkDocumentBytes(atLimit, { maxBytes: 5 }), { code: "INVALID_ARGUMENT" });
});

test("bodies may be objects or JSON text, and every problem is listed", () => {
  const body = { service_id: "KTP_SELFIE", input: { files: {} } };
  for (const form of [body, JSON.stringify(body)]) {
    assert.throws(
      () => veriscope.checkCreateVerification(form),
      (err) => {
        assert.equal(err.code, "VALIDATION_ERROR");
        assert.deepEqual(
          err.details.map((p) => p.field),
          ["input.files.ktp_file", "input.files.selfie_file"],
        );
        return true;
      },
    );
  }
});

test("base64 decoding returns the bytes", () => {
  const { info, bytes } = veriscope.decodeDocumentBase64("data:image/png;base64,iVBORw0KGgo=");
  assert.equal(info.format, "png");
  assert.deepEqual(Array.from(bytes), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});

test("status transitions follow the table", () => {
  assert.equal(veriscope.canTransition("IN_QUEUE", "IN_PROGRESS"), true);
  assert.equal(veriscope.canTransition("COMPLETED", "IN_QUEUE"), false);
  assert.equal(veriscope.isTerminal("CANCELLED"), true);
  assert.deepEqual(veriscope.allowedTransitions("NEED_REVIEW"), ["COMPLETED", "FRAUD_DETECTED", "FAILED"]);
  assert.throws(() => veriscope.checkTransition("DRAFT", "COMPLETED"), { code: "INVALID_TRANSITION" });
  assert.throws(() => veriscope.isTerminal("DONE"), { code: "INVALID_ARGUMENT" });
});

test("the error-code table matches the other doors", () => {
  const table = veriscope.errorCodes();
  assert.deepEqual(
    table.map((row) => [row.code, row.number, row.httpStatus]),
    [
      ["VALIDATION_ERROR", 1, 400], ["UNAUTHORIZED", 2, 401], ["TRIAL_EXHAUSTED", 3, 402],
      ["UNSUPPORTED_FORMAT", 4, 422], ["FILE_TOO_LARGE", 5, 422], ["FETCH_FAILED", 6, 422],
      ["RATE_LIMITED", 7, 429], ["CAP_EXCEEDED", 8, 429], ["INVALID_TRANSITION", 9, 409],
      ["INVALID_ARGUMENT", 10, 400], ["NOT_FOUND", 11, 404], ["INTERNAL_ERROR", 12, 500],
      ["WEBHOOK_MISSING_HEADER", 13, 400], ["WEBHOOK_MALFORMED_HEADER", 14, 400],
      ["WEBHOOK_TIMESTAMP_TOO_OLD", 15, 401], ["WEBHOOK_TIMESTAMP_TOO_NEW", 16, 401],
      ["WEBHOOK_SIGNATURE_MISMATCH", 17, 401], ["WEBHOOK_UNSIGNED", 18, 401], ["WEBHOOK_INVALID_SECRET", 19, 400],
      ["MODEL_MISSING", 20, 503], ["MODEL_INVALID", 21, 500], ["FACE_NOT_FOUND", 22, 422],
      ["NETWORK_ERROR", 23, 503], ["TIMEOUT", 24, 504],
    ],
  );
  assert.deepEqual(veriscope.services().map((s) => s.id), ["KTP_SELFIE", "DOCUMENT_FORGERY"]);
});

test("the TypeScript declarations type results and make limits optional", async () => {
  const dts = await readFile(path.join(root, "wasm/pkg-node/veriscope_wasm.d.ts"), "utf8");
  assert.match(dts, /export function checkDocumentBytes\(data: Uint8Array \| number\[\], limits\?: Limits\): DocumentInfo;/);
  assert.match(dts, /export interface VeriscopeError extends Error/);
});

test("MRZ and NIK checks use the JS clock by default and report findings", () => {
  const td3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
  const mrz = veriscope.parseMrz(td3);
  assert.equal(mrz.valid, true);
  assert.equal(mrz.expired, true);
  const tampered = veriscope.parseMrz(td3.replace("7408122F", "7508122F"), "2026-11-22");
  assert.deepEqual([...new Set(tampered.findings.map((f) => f.code))], ["mrz_check_digit_mismatch"]);
  assert.throws(() => veriscope.parseMrz("NOT AN MRZ"), { code: "VALIDATION_ERROR" });
  assert.throws(() => veriscope.parseMrz(td3, "yesterday"), { code: "INVALID_ARGUMENT" });
  const nik = veriscope.checkNik("3174045202900007", { sex: "male" }, "2026-11-22");
  assert.deepEqual(nik.findings.map((f) => f.code), ["nik_sex_mismatch"]);
  assert.throws(() => veriscope.checkNik("12"), { code: "VALIDATION_ERROR" });
});

test("readMrz reads a captured page, and an image without a zone is NOT_FOUND", async (t) => {
  const sample = process.env.VERISCOPE_MRZ_SAMPLE;
  const card = await readFile(path.join(root, "examples/samples/id-card.png"));
  assert.throws(() => veriscope.readMrz(card, "2026-11-22"), { code: "NOT_FOUND" });
  assert.throws(() => veriscope.readMrz(new TextEncoder().encode("GIF89a")), { code: "UNSUPPORTED_FORMAT" });
  const bomb = await readFile(path.join(root, "tests/fixtures/images/bomb-100000x100000.png"));
  assert.throws(() => veriscope.readMrz(bomb), { code: "FILE_TOO_LARGE" });
  if (!sample) {
    t.skip("VERISCOPE_MRZ_SAMPLE is not set (scripts/test sets it)");
    return;
  }
  const reading = veriscope.readMrz(await readFile(sample), "2026-11-22");
  assert.equal(reading.mrz.format, "TD3");
  assert.equal(reading.mrz.lines.length, 2);
  assert.ok(reading.minConfidence > 0.5);
});
