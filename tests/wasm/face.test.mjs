// Face match through the WASM door in Node: the models come in as bytes.
// Needs VERISCOPE_MODELS and VERISCOPE_FACE_DATA (scripts/test sets them);
// without them only the model error is checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const veriscope = createRequire(import.meta.url)(path.join(root, "wasm/pkg-node/veriscope_wasm.js"));
const modelsDir = process.env.VERISCOPE_MODELS;
const data = process.env.VERISCOPE_FACE_DATA;
const bytes = async (dir, name) => new Uint8Array(await readFile(path.join(dir, name)));

test("a file that is not the detector model is MODEL_INVALID", () => {
  const junk = new Uint8Array([1, 2, 3]);
  assert.throws(() => new veriscope.FaceModels(junk, junk, junk), { code: "MODEL_INVALID" });
});

test("models as bytes compare an ID card with selfies like the native build", { skip: !modelsDir || !data }, async () => {
  const models = new veriscope.FaceModels(
    await bytes(modelsDir, "seeta_fd_frontal_v1.0.bin"),
    await bytes(modelsDir, "shape_predictor_5_face_landmarks.dat"),
    await bytes(modelsDir, "dlib_face_recognition_resnet_model_v1.dat"),
  );
  const card = await bytes(data, "ktp-obama.jpg");
  const same = models.compare(card, await bytes(data, "obama2.png"));
  assert.equal(same.is_match_face, true);
  assert.equal(same.face_match_confidence_level, "HIGH");
  assert.ok(same.distance > 0.2 && same.distance < 0.5, `distance ${same.distance}`);
  // The same answer as the native build (the CLI): scripts/test names it in
  // VERISCOPE_BIN, so there the comparison always runs.
  const cli = process.env.VERISCOPE_BIN ?? path.join(root, "target/debug/veriscope");
  if (process.env.VERISCOPE_BIN || existsSync(cli)) {
    const native = JSON.parse(execFileSync(cli, ["face-match", path.join(data, "ktp-obama.jpg"),
      path.join(data, "obama2.png"), "--models", modelsDir]).toString());
    assert.ok(Math.abs(native.distance - same.distance) < 1e-4, `native ${native.distance}, wasm ${same.distance}`);
  }
  const other = models.compare(card, await bytes(data, "biden.png"), { details: true });
  assert.equal(other.is_match_face, false);
  assert.equal(other.selfie_face.landmarks.length, 5);
  const coffee = await bytes(data, "coffee.png");
  assert.throws(() => models.compare(card, coffee), { code: "FACE_NOT_FOUND" });
  assert.throws(() => models.compare(card, card, { threshold: 1 }), { code: "VALIDATION_ERROR" });
});
