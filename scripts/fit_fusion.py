"""Fits the forgery score's logistic fusion model on a corpus's training split
and writes core/src/analysis/fusion_model.rs; prints the held-out figures.

The features are what `veriscope analyze --details` reports for each file, so
the model is fitted on exactly what the engine computes, but for one:
`rarest_statistic` depends on the authentic reference this script fits (each
check's statistics on the training split's authentic images), so it is
recomputed here from the signals' statistics with the new reference, by the
same rule as `fusion::rarity`. Weights are kept
non-negative (stronger evidence never lowers the score) by projected Newton
steps with a small L2 penalty. The decision threshold is the lowest score
keeping the false-positive rate at or under 5% on each training template's
authentic files: pooled over templates, a 5% cut lets a template unlike the
training mix (a held-out one, a customer's) run well over 5%.

Usage: python scripts/fit_fusion.py CORPUS_DIR [--cli target/release/veriscope] [--write]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "core" / "src" / "analysis" / "fusion_model.rs"
FUSION = ROOT / "core" / "src" / "analysis" / "fusion.rs"
# The checks whose rarity among authentic images `rarest_statistic` takes:
# those that look for one specific trace (a copy, a screen's moire, a region
# compressed twice, a patch without capture noise). The noise, error-level,
# grid and agreement statistics measure how uneven an image is, which many
# authentic ones are; a rare value of theirs says little.
REFERENCED_CHECKS = [
    "copy_move", "recapture", "double_quantization", "non_aligned_double_quantization", "noiseless",
]


def feature_names() -> list[str]:
    """`fusion::FEATURES`, in order, read from the Rust source."""
    block = re.search(r"pub const FEATURES: \[&str; \d+\] = \[(.*?)\];", FUSION.read_text(), re.S)
    return re.findall(r'"([a-z_]+)"', block.group(1))


def rarity(reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`fusion::rarity`: -log10 of the share of `reference` (sorted) at or
    above each value, the value counted in; 0 where the value is 0."""
    at_or_above = len(reference) - np.searchsorted(reference, values, side="left")
    share = (at_or_above + 1) / (len(reference) + 1)
    return np.where(values > 0, -np.log10(share), 0.0)


def check_statistics(rows: list[dict]) -> dict[str, np.ndarray]:
    """Each referenced check's statistic per row (0 where it did not apply)."""
    return {name: np.array([r["statistics"].get(name, 0.0) for r in rows]) for name in REFERENCED_CHECKS}


def authentic_reference(statistics: dict[str, np.ndarray], use: np.ndarray) -> dict[str, np.ndarray]:
    """Each referenced check's statistics on the `use` rows, sorted (written
    to Rust in full, so a training image's own statistic ties with itself
    on both sides)."""
    return {name: np.sort(values[use]) for name, values in statistics.items()}


def rarest(statistics: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> np.ndarray:
    """The `rarest_statistic` feature of each row, against `reference`."""
    return np.max([rarity(reference[name], values) for name, values in statistics.items()], axis=0)


def manifest(corpus: Path, name: str = "manifest.tsv") -> tuple[list[dict], str]:
    """The corpus's rows (file, label, family, template, split) and version."""
    text = (corpus / name).read_text().splitlines()
    lines = [l for l in text if not l.startswith("#")]
    header = lines[0].split("\t")
    return [dict(zip(header, l.split("\t"))) for l in lines[1:]], text[0].lstrip("# ").strip()


def load(corpus: Path, cli: Path, name: str = "manifest.tsv"):
    rows, version = manifest(corpus, name)
    files = [str(corpus / r["file"]) for r in rows]
    out = subprocess.run([str(cli), "analyze", "--details", "--today", "2026-11-22", *files], capture_output=True, text=True)
    results = [json.loads(l) for l in out.stdout.splitlines()]
    assert len(results) == len(rows), out.stderr
    for row, result in zip(rows, results):
        if "error" in result:
            raise SystemExit(f"{row['file']}: {result['error']}")
        row["features"] = result["features"]
        row["statistics"] = {s["name"]: s["statistic"] for s in result["signals"] if s["applicable"]}
        row["floor"] = (result.get("evidence") or {}).get("scoreFloor", 0.0)
        row["flags"] = result["report"]["flags"]
        row["score"] = result["report"]["forgeryScore"]
        row["latency"] = result["report"]["latencyMs"]
        row["heat_map"] = result.get("heatMap")
    return rows, version


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.05) -> tuple[float, np.ndarray]:
    X = np.hstack([np.ones((len(x), 1)), x])
    penalty = l2 * np.r_[1e-6, np.ones(X.shape[1] - 1)]

    def loss(w: np.ndarray) -> float:
        z = X @ w
        return float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * np.sum(penalty * w * w))

    w = np.zeros(X.shape[1])
    for _ in range(200):
        p = 1 / (1 + np.exp(-np.clip(X @ w, -30, 30)))
        grad = X.T @ (p - y) + penalty * w
        hess = X.T @ (X * (p * (1 - p))[:, None]) + np.diag(penalty + 1e-9)
        # Active-set projected Newton: weights at zero whose gradient would
        # push them negative stay fixed (every signal monotone); the step on
        # the others is halved until the loss falls.
        free = (w > 0) | (grad < 0)
        free[0] = True
        step = np.zeros_like(w)
        step[free] = np.linalg.solve(hess[np.ix_(free, free)], grad[free])
        current, t = loss(w), 1.0
        while t > 1e-6:
            trial = w - t * step
            trial[1:] = np.maximum(trial[1:], 0)
            if loss(trial) <= current:
                break
            t /= 2
        if t <= 1e-6 or np.max(np.abs(trial - w)) < 1e-9:
            break
        w = trial
    return w[0], w[1:]


def auc(scores: np.ndarray, y: np.ndarray) -> float:
    pos, neg = scores[y == 1], scores[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return greater / (len(pos) * len(neg))


def fpr_cut(negatives: np.ndarray, fpr: float) -> float:
    """The authentic score that at most `fpr` of `negatives` lie above."""
    ordered = np.sort(negatives)
    return float(ordered[min(len(ordered) - 1, int(np.ceil((1 - fpr) * len(ordered))) - 1)])


def tpr_at(scores: np.ndarray, y: np.ndarray, fpr: float) -> float:
    return float((scores[y == 1] > fpr_cut(scores[y == 0], fpr)).mean())


def rust_reference(name: str, values: np.ndarray, per_line: int = 6) -> str:
    """One `AuthenticStatistics` literal: the statistics of 0 counted, the
    others in full (repr round-trips), a few a line."""
    literals = [repr(float(v)) for v in values if v > 0]
    lines = "".join("            " + ", ".join(literals[i:i + per_line]) + ",\n"
                    for i in range(0, len(literals), per_line))
    return (f'    AuthenticStatistics {{\n        check: "{name}",\n        nothing_seen: {int((values <= 0).sum())},\n'
            f'        positive: &[\n{lines}        ],\n    }},\n')


def leave_one_source_out(x, y, train, statistics, images, groups, floor):
    """Each real source scored by a model fitted without it (its threshold
    too); prints AUC, honest files flagged and forgeries caught per source.
    Returns every row's left-out score and threshold (NaN for synthetic rows)."""
    left_scores = np.full(len(y), np.nan)
    left_threshold = np.full(len(y), np.nan)
    print("leave one source out (each real source scored by a model that never saw it):")
    for source in sorted(g for g in set(groups) if g.startswith("real:")):
        held = groups == source
        _, _, _, threshold, _, scores = fit_model(x, y, train & ~held, statistics, images, groups, floor)
        s, t = scores[held], y[held]
        left_scores[held], left_threshold[held] = s, threshold
        caught = (s[t == 1] >= threshold).mean() if (t == 1).any() else float("nan")
        print(f"  {source[5:]:10s} n={int((t == 0).sum()):3d}/{int((t == 1).sum()):3d}  AUC {auc(s, t):.3f}  "
              f"honest flagged {(s[t == 0] >= threshold).mean():.3f}  forged caught {caught:.3f}  (threshold {threshold:.3f})")
    return left_scores, left_threshold


def load_real(corpus: Path, cli: Path) -> tuple[list[dict], str]:
    """The real corpus of scripts/real_corpus.py, as training rows: every
    file in the fit, its source standing for the template (broken files
    are judged apart, never fitted)."""
    rows, version = manifest(corpus)
    rows = [r for r in rows if r["source"] != "broken"]
    (corpus / "fit-manifest.tsv").write_text(
        f"# {version}\nfile\tlabel\tfamily\ttemplate\tsplit\n"
        + "".join(f"{r['file']}\t{r['label']}\t{r['family']}\treal:{r['source']}\ttrain\n" for r in rows))
    loaded, _ = load(corpus, cli, "fit-manifest.tsv")
    return loaded, version


def fit_model(x: np.ndarray, y: np.ndarray, use: np.ndarray, statistics: dict[str, np.ndarray],
              images: np.ndarray, groups: np.ndarray, floor: np.ndarray, weigh: np.ndarray | None = None):
    """Fits on the `use` rows: the authentic reference, `rarest_statistic`
    recomputed against it, the weights, and the threshold (just above the
    5% cut of every group's authentic files: each synthetic template and
    each real source). Returns (intercept, weights, reference, threshold,
    the features with the refitted column, scores of every row)."""
    reference = authentic_reference(statistics, use & (y == 0) & images)
    x = x.copy()
    x[:, feature_names().index("rarest_statistic")] = rarest(statistics, reference)
    weigh = use if weigh is None else use & weigh
    intercept, weights = fit(x[weigh], y[weigh])
    scores = np.maximum(1 / (1 + np.exp(-(intercept + x @ weights))), floor)
    cuts = [fpr_cut(scores[use & (y == 0) & (groups == g)], 0.05) + 1e-3
            for g in set(groups[use]) if (use & (y == 0) & (groups == g)).sum() >= 10]
    threshold = max(0.5, max(cuts))
    return intercept, weights, reference, threshold, x, scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--real", type=Path, help="also fit on this real corpus (scripts/real_corpus.py), "
                        "and report each of its sources left out of the fit")
    parser.add_argument("--cli", type=Path, default=ROOT / "target" / "release" / "veriscope")
    parser.add_argument("--write", action="store_true", help="write fusion_model.rs")
    parser.add_argument("--json", type=Path, help="write the leave-one-source-out scores here")
    args = parser.parse_args()
    rows, version = load(args.corpus, args.cli)
    if args.real:
        real, real_version = load_real(args.real, args.cli)
        for r in real:
            r["split"] = "train"
        rows += real
        version = f"{version} + {real_version}"
    x = np.array([r["features"] for r in rows], dtype=float)
    y = np.array([int(r["label"]) for r in rows])
    floor = np.array([r["floor"] for r in rows])
    train = np.array([r["split"] == "train" for r in rows])
    images = np.array([not r["file"].endswith(".pdf") for r in rows])
    templates = np.array([r["template"] for r in rows])
    statistics = check_statistics(rows)
    column = feature_names().index("rarest_statistic")
    shipped = rarest(statistics, authentic_reference(statistics, train & (y == 0) & images & ~np.char.startswith(templates, "real:")))
    # 0 when the shipped model was fitted on these files without --real:
    # the engine and this script compute the feature alike.
    print(f"rarest_statistic, engine vs this fit's synthetic reference: largest difference "
          f"{np.abs(x[:, column] - shipped).max():.3g}")
    intercept, weights, reference, threshold, x, scores = fit_model(x, y, train, statistics, images, templates, floor)
    test = ~train
    print(f"corpus {version}: {len(rows)} files, train {train.sum()}, test {test.sum()}")
    print(f"intercept {intercept:.3f} weights {np.round(weights, 3).tolist()} threshold {threshold:.3f}")
    for name, mask in (("train", train), ("test", test)):
        s, t = scores[mask], y[mask]
        print(f"{name}: AUC {auc(s, t):.3f}  TPR@1%FPR {tpr_at(s, t, 0.01):.2f}  TPR@5%FPR {tpr_at(s, t, 0.05):.2f}  "
              f"FPR@threshold {(s[t == 0] >= threshold).mean():.3f}  TPR@threshold {(s[t == 1] >= threshold).mean():.3f}")
    families = sorted({r["family"] for r in rows})
    for family in families:
        mask = np.array([r["family"] == family for r in rows]) & test
        if mask.any():
            print(f"  test {family:16s} n={mask.sum():3d} flagged {(scores[mask] >= threshold).mean():.2f}")
    if args.real:
        left_out = leave_one_source_out(np.array([r["features"] for r in rows], dtype=float), y, train,
                                        statistics, images, templates, floor)
        if args.json:
            args.json.write_text(json.dumps({"rows": [{"file": r["file"], "template": r["template"], "label": int(r["label"]),
                                                       "score": float(s), "threshold": float(t)}
                                                      for r, s, t in zip(rows, *left_out) if r["template"].startswith("real:")]}))
    if args.write:
        MODEL.write_text(f'''//! Generated by `scripts/fit_fusion.py`; do not edit by hand.
//! The logistic fusion model's constants, fitted on a corpus's training split.

use super::fusion::AuthenticStatistics;

/// The corpus the constants were fitted on.
pub const CORPUS_VERSION: &str = "{version}";

/// The model's intercept.
pub const INTERCEPT: f64 = {intercept:.6};

/// One weight per feature of [`super::fusion::FEATURES`].
pub const WEIGHTS: [f64; {len(weights)}] = [{", ".join(f"{w:.6}" for w in weights)}];

/// The score at and above which a document is called forged.
pub const THRESHOLD: f64 = {threshold:.3};

/// Each referenced check's statistics on the training split's authentic
/// images: what `rarest_statistic` measures rarity against. (Some
/// statistics are logs, and one of ln 2 is data, not a mistyped constant.)
#[rustfmt::skip]
#[allow(clippy::approx_constant)]
pub const AUTHENTIC_REFERENCE: [AuthenticStatistics; {len(reference)}] = [
{"".join(rust_reference(name, values) for name, values in reference.items())}];
''')
        print(f"wrote {MODEL.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
