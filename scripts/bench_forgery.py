"""The forgery benchmark: Veriscope's shipped model and pyIFD on the same
corpus files, in one table written to docs/benchmarks.md.

Accuracy of the shipped model (the score every door returns): ROC AUC, TPR at
1% and 5% FPR, false-positive rate on authentic controls at the model's
threshold, per manipulation family and per document type; leave-one-family-out
refits the fusion on the training split without one family and scores that
family's files against the held-out controls. Speed: median ms per megapixel
natively (the CLI, one thread) and in Node (WASM), on the same files. Memory:
peak resident set of one CLI process per file, less that of a 1 KB PDF, per
pixel. pyIFD runs in its own venv on a balanced sample of the images (it
reads no PDF); each map's 99th percentile is its score.

Usage: python scripts/bench_forgery.py --sample CORPUS_DIR   (the files for pyIFD and WASM)
       python scripts/bench_forgery.py CORPUS_DIR RESULTS_DIR
  RESULTS_DIR holds pyifd.jsonl and wasm.jsonl from the runners.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_report import machine, write_section  # noqa: E402
from fit_fusion import auc, fit, load, manifest, tpr_at  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "target" / "release" / "veriscope"
THRESHOLD = float(
    next(l for l in (ROOT / "core/src/analysis/fusion_model.rs").read_text().splitlines()
         if l.startswith("pub const THRESHOLD")).split("=")[1].strip(" ;")
)


def pyifd_sample(rows, per_kind: int = 4) -> list[dict]:
    """Up to `per_kind` test-split images of every family and control."""
    chosen, seen = [], defaultdict(int)
    for row in rows:
        if row["split"] == "test" and not row["file"].endswith(".pdf") and seen[row["family"]] < per_kind:
            seen[row["family"]] += 1
            chosen.append(row)
    return chosen


def peak_bytes(path: Path) -> int:
    """Peak resident set of one CLI run, by GNU time (a process forked from
    Python would count the interpreter's pages as its own)."""
    run = subprocess.run(["/usr/bin/time", "-f", "%M", str(CLI), "analyze", "--today", "2026-11-22", str(path)],
                         capture_output=True, text=True)
    return int(run.stderr.strip().splitlines()[-1]) * 1024


def localisation(row: dict) -> tuple[bool, float, float] | None:
    """For a forgery with a changed region and a heat map: whether the map's
    hottest cell touches the region, the share of cells that do (what a
    random cell would score), and the AUC of the cells' values, touching
    against not."""
    heat = row.get("heat_map")
    if not heat or row.get("region", "-") == "-":
        return None
    x0, y0, x1, y1 = map(int, row["region"].split(","))
    cell = heat["cell"]
    values = np.array(heat["values"], dtype=float).reshape(heat["rows"], heat["columns"])
    rows_, cols = np.mgrid[0:heat["rows"], 0:heat["columns"]]
    touching = (cols * cell < x1) & ((cols + 1) * cell > x0) & (rows_ * cell < y1) & ((rows_ + 1) * cell > y0)
    if touching.all() or not touching.any():
        return None
    hottest = np.unravel_index(np.argmax(values), values.shape)
    return bool(touching[hottest]), float(touching.mean()), auc(values.ravel(), touching.ravel().astype(int))


def metrics(scores: np.ndarray, labels: np.ndarray, threshold: float | None) -> str:
    cells = [f"{auc(scores, labels):.3f}", f"{tpr_at(scores, labels, 0.01):.2f}", f"{tpr_at(scores, labels, 0.05):.2f}"]
    if threshold is not None:
        cells.append(f"{(scores[labels == 0] >= threshold).mean():.3f}")
    else:
        cells.append("–")
    return " | ".join(cells)


def main() -> None:
    if sys.argv[1] == "--sample":
        # The files pyIFD and the WASM door are run on.
        corpus = Path(sys.argv[2])
        for row in pyifd_sample(manifest(corpus)[0]):
            print(corpus / row["file"])
        return
    corpus, results = Path(sys.argv[1]), Path(sys.argv[2])
    rows, version = load(corpus, CLI)
    files = [corpus / r["file"] for r in rows]
    for row, path in zip(rows, files):
        row["pixels"] = 0 if path.suffix == ".pdf" else Image.open(path).size[0] * Image.open(path).size[1]
    y = np.array([int(r["label"]) for r in rows])
    s = np.array([r["score"] for r in rows])
    test = np.array([r["split"] == "test" for r in rows])
    out = [f"Corpus `{version}` ({len(rows)} files: {int(y.sum())} forged, {int((1 - y).sum())} authentic; "
           f"templates id1/passport/bill train, ktp/statement test). Shipped model threshold {THRESHOLD}. "
           f"Machine: {machine()}.\n"]

    out.append("### Accuracy of the shipped model\n")
    out.append("| files | ROC AUC | TPR @1% FPR | TPR @5% FPR | FPR on authentic @threshold |")
    out.append("|---|---|---|---|---|")
    for name, mask in (("all", np.ones_like(test)), ("held-out templates (test split)", test)):
        out.append(f"| {name} | {metrics(s[mask], y[mask], THRESHOLD)} |")
    out.append("")
    out.append("| family (test split) | files | flagged @threshold | AUC vs authentic test files |")
    out.append("|---|---|---|---|")
    negatives = test & (y == 0)
    for family in sorted({r["family"] for r in rows}):
        mask = np.array([r["family"] == family for r in rows]) & test
        if not mask.any():
            continue
        flagged = (s[mask] >= THRESHOLD).mean()
        family_auc = f"{auc(np.r_[s[mask], s[negatives]], np.r_[np.ones(mask.sum()), np.zeros(negatives.sum())]):.3f}" \
            if y[mask].all() else "(authentic)"
        out.append(f"| {family} | {mask.sum()} | {flagged:.2f} | {family_auc} |")
    out.append("")
    out.append("| document type (all splits) | ROC AUC | TPR @5% FPR | FPR @threshold |")
    out.append("|---|---|---|---|")
    for template in sorted({r["template"] for r in rows}):
        mask = np.array([r["template"] == template for r in rows])
        out.append(f"| {template} | {auc(s[mask], y[mask]):.3f} | {tpr_at(s[mask], y[mask], 0.05):.2f} | "
                   f"{(s[mask & (y == 0)] >= THRESHOLD).mean():.3f} |")

    # Leave one family out: refit without it, score it against held-out controls.
    x = np.array([r["features"] for r in rows], dtype=float)
    train = ~test
    out.append("")
    out.append("Leave-one-family-out (fusion refitted on the training split without the family; "
               "the family's files of both splits against the authentic test files):\n")
    out.append("| left-out family | ROC AUC | TPR @5% FPR |")
    out.append("|---|---|---|")
    families = sorted({r["family"] for r in rows if r["label"] == "1"})
    left_out = []
    for family in families:
        fam = np.array([r["family"] == family for r in rows])
        intercept, weights = fit(x[train & ~fam], y[train & ~fam])
        refit = 1 / (1 + np.exp(-(intercept + x @ weights)))
        mask = fam | negatives
        left_out.append((auc(refit[mask], y[mask]), tpr_at(refit[mask], y[mask], 0.05)))
        out.append(f"| {family} | {left_out[-1][0]:.3f} | {left_out[-1][1]:.2f} |")
    aucs, tprs = zip(*left_out)
    out.append(f"| mean over families | {np.mean(aucs):.3f} | {np.mean(tprs):.2f} |")

    # Where: the heat map against the region each forgery changed.
    out.append("")
    out.append("Localisation (all splits; the heat map of `analyze --details` against the box of pixels "
               "each forgery changed, from the corpus's masks; chance is the share of cells touching the box):\n")
    out.append("| family | files | hottest cell touches the box | chance | AUC of cells (touching vs not) |")
    out.append("|---|---|---|---|---|")
    for family in ("splice_aligned", "splice_shifted", "copy_move", "retype", "portrait_swap"):
        found = [localisation(r) for r in rows if r["family"] == family]
        found = [f for f in found if f is not None]
        if found:
            hits, chance, aucs = zip(*found)
            out.append(f"| {family} | {len(found)} | {np.mean(hits):.2f} | {np.mean(chance):.2f} | "
                       f"{np.nanmedian(aucs):.3f} (median) |")

    # pyIFD on its sample, and Veriscope on the same files.
    pyifd = defaultdict(dict)
    seconds = defaultdict(float)
    for line in (results / "pyifd.jsonl").read_text().splitlines():
        r = json.loads(line)
        pyifd[r["method"]][r["file"]] = r["score"]
        seconds[r["method"]] += r["seconds"]
    sample = [r for r in rows if str(corpus / r["file"]) in pyifd.get("ELA", {})]
    ys = np.array([int(r["label"]) for r in sample])
    mp = sum(r["pixels"] for r in sample) / 1e6
    out.append("")
    out.append(f"### Side by side with pyIFD ({len(sample)} test-split images, up to 4 per family and control)\n")
    out.append("| method | ROC AUC | TPR @1% FPR | TPR @5% FPR | FPR @threshold | ms/MP |")
    out.append("|---|---|---|---|---|---|")
    ours = np.array([r["score"] for r in sample])
    native_ms = [r["latency"] / (r["pixels"] / 1e6) for r in rows if r["pixels"]]
    out.append(f"| **Veriscope (fused score)** | {metrics(ours, ys, THRESHOLD)} | {np.median(native_ms):.0f} |")
    for method in pyifd:
        scores = np.array([pyifd[method].get(str(corpus / r["file"])) for r in sample], dtype=float)
        scores = np.nan_to_num(scores, nan=0.0)
        out.append(f"| pyIFD {method} (99th percentile of map) | {metrics(scores, ys, None)} | "
                   f"{seconds[method] * 1000 / mp:.0f} |")

    # Speed and memory.
    wasm = {json.loads(l)["file"]: json.loads(l)["ms"] for l in (results / "wasm.jsonl").read_text().splitlines()}
    by_file = {str(corpus / r["file"]): r for r in rows}
    wasm_ms = [ms / (by_file[f]["pixels"] / 1e6) for f, ms in wasm.items() if by_file[f]["pixels"]]
    native_same = [by_file[f]["latency"] / (by_file[f]["pixels"] / 1e6) for f in wasm if by_file[f]["pixels"]]
    images = sorted((r for r in rows if r["pixels"]), key=lambda r: -r["pixels"])[:6]
    base = peak_bytes(next(p for p in files if p.suffix == ".pdf"))
    per_pixel = [(peak_bytes(corpus / r["file"]) - base) / r["pixels"] for r in images]
    out.append("")
    out.append("### Speed and memory\n")
    out.append("| measure | value |")
    out.append("|---|---|")
    out.append(f"| native, median ms per megapixel (CLI `latencyMs`, one thread, all {len(native_ms)} images) | "
               f"{np.median(native_ms):.0f} |")
    out.append(f"| WASM in Node, median ms per megapixel ({len(wasm_ms)} images) | {np.median(wasm_ms):.0f} |")
    out.append(f"| WASM / native on the same images | {np.median(wasm_ms) / np.median(native_same):.2f}x |")
    out.append(f"| peak memory per pixel (6 largest images, RSS above a 1 KB PDF's) | "
               f"{np.median(per_pixel):.1f} B (max {max(per_pixel):.1f}) |")
    body = "\n".join(out) + "\n"
    print(body)
    write_section("forgery", body)
    print(f"written to {Path('docs/benchmarks.md')}")


if __name__ == "__main__":
    main()
