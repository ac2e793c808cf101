// Face match through the WASM door in Node: the models come in as bytes.
// Needs VERISCOPE_MODELS and VERISCOPE_FACE_DATA (scripts/test sets them);
// without them only the model error is checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
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
  // The native pipeline measures 0.400 on this pair (tests/face_pairs.rs).
  assert.ok(Math.abs(same.distance - 0.3996) < 1e-3, `distance ${same.distance}`);
  const other = models.compare(card, await bytes(data, "biden.png"), { details: true });
  assert.equal(other.is_match_face, false);
  assert.equal(other.selfie_face.landmarks.length, 5);
  const coffee = await bytes(data, "coffee.png");
  assert.throws(() => models.compare(card, coffee), { code: "FACE_NOT_FOUND" });
  assert.throws(() => models.compare(card, card, { threshold: 1 }), { code: "VALIDATION_ERROR" });
});
