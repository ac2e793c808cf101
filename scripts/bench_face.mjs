// Times the WASM door's FaceModels.compare() in Node on the face test set's
// pairs: one JSON line per pair, {"id_card", "selfie", "ms", "distance"},
// the median of three runs after a warm-up.
//   node scripts/bench_face.mjs FACE_DATA MODELS_DIR
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const veriscope = require("../wasm/pkg-node/veriscope_wasm.js");
const [data, modelsDir] = process.argv.slice(2);
const read = (dir, name) => new Uint8Array(readFileSync(path.join(dir, name)));
const models = new veriscope.FaceModels(
  read(modelsDir, "seeta_fd_frontal_v1.0.bin"),
  read(modelsDir, "shape_predictor_5_face_landmarks.dat"),
  read(modelsDir, "dlib_face_recognition_resnet_model_v1.dat"),
);
const { pairs } = JSON.parse(readFileSync(path.join(data, "pairs.json"), "utf8"));
for (const pair of pairs) {
  const card = read(data, pair.id_card);
  const selfie = read(data, pair.selfie);
  let distance = models.compare(card, selfie).distance;
  const times = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    distance = models.compare(card, selfie).distance;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ id_card: pair.id_card, selfie: pair.selfie, ms: times[1], distance }));
}
