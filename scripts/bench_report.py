"""Merges a benchmark run (criterion estimates plus the peers' JSON lines)
into a table, prints it, and writes it into docs/benchmarks.md between the
section's markers."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"


def criterion_ns(group: str, function: str, parameter: str) -> float:
    path = ROOT / "target" / "criterion" / group / function / parameter / "new" / "estimates.json"
    return json.loads(path.read_text())["median"]["point_estimate"]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; {rustc}; Python {platform.python_version()}"


def fmt_time(ns: float) -> str:
    return f"{ns / 1000:.2f} µs" if ns < 1e6 else f"{ns / 1e6:.2f} ms"


def webhooks(results_path: str) -> str:
    peers: dict[str, float] = {}
    for line in Path(results_path).read_text().splitlines():
        if line.strip():
            peers.update(json.loads(line))
    rows = []
    for size in ("1KB", "64KB"):
        hmac = criterion_ns("webhook", "hmac_sha256", size)
        native = criterion_ns("webhook", "verify", size)
        python_ref = peers[f"python-standardwebhooks/{size}"]
        entries = [
            ("raw HMAC-SHA256 (Rust `hmac`+`sha2`, the bound)", hmac),
            ("**Veriscope, native Rust**", native),
            ("Veriscope, Python door (abi3 wheel)", peers[f"python-veriscope/{size}"]),
            ("Veriscope, WASM door in Node", peers[f"node-veriscope-wasm/{size}"]),
            ("PyPI `standardwebhooks` 1.1.0 (reference)", python_ref),
            ("npm `standardwebhooks` 1.0.0 (reference)", peers[f"node-standardwebhooks/{size}"]),
        ]
        for name, ns in entries:
            rows.append(
                f"| {size} | {name} | {fmt_time(ns)} | {1e9 / ns:,.0f} | {python_ref / ns:.2f}x | {ns / hmac:.2f}x |"
            )
    table = "\n".join(
        [
            "| body | implementation | time per verification | verifications/s | speed vs Python reference | time vs raw HMAC |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    return (
        f"Measured {datetime.now(tz=timezone.utc):%Y-%m-%d} by `scripts/bench webhooks` on {machine()}.\n"
        "One thread; Standard Webhooks scheme, one secret, one signature; medians (criterion) or best of 5 rounds "
        "(Python `timeit`, Node `hrtime`). The Python reference is timed with `json_parse=False`, so both sides "
        "only verify.\n\n" + table + "\n"
    )


def mrz(results_path: str) -> str:
    results = json.loads(Path(results_path).read_text().strip().splitlines()[-1])
    ours, peer = results["veriscope"], results["passporteye"]
    rows = []
    for name, r in (("**Veriscope** (`read_mrz`, Python door)", ours), ("PassportEye + tesseract", peer)):
        rows.append(
            f"| {name} | {r['exact']}/{r['documents']} = {r['exactRate']:.1%} | "
            f"{r['keyFields']}/{r['documents']} | "
            f"{r['tampersCaught']}/{r['tampersRead']} | {r['medianSeconds'] * 1000:.0f} ms | "
            f"{peer['medianSeconds'] / r['medianSeconds']:.1f}x |"
        )
    return (
        f"Measured {datetime.now(tz=timezone.utc):%Y-%m-%d} by `scripts/bench mrz` on {machine()}.\n"
        f"Corpus: `scripts/corpus_mrz.py`, {ours['documents']} captured TD3 passport pages and TD1 cards "
        "(seed 2026; rotation up to 5 degrees, blur, noise, uneven light, scale 0.75-1.1, JPEG Q70-95; "
        "a quarter tampered). Exact read: every character of every line right. One thread, in-process, "
        "decoding included.\n\n"
        "| reader | exact MRZ read rate | number, birth and expiry dates right | tampers caught (of exact reads) | median time per image | speed vs PassportEye |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


def server(results: str) -> str:
    """The load and fault run of `veriscope serve` (server/examples/bench_server.rs)."""
    run = json.loads(Path(results).read_text())
    engine = run["engine_median_ms"]
    rows = [
        f"| {load['clients']} | {load['requests']} | {load['errors']} | {load['rps']:.1f} | "
        f"{load['p50_ms']:.1f} ms | {load['p99_ms']:.1f} ms | {load['p50_ms'] / engine:.2f}x |"
        for load in run["load"]
    ]
    faults = run["faults"]
    return (
        f"Machine: {machine()}. `veriscope serve` (release, 2 workers, SQLite file) on loopback; "
        f"`POST /api/v1/verify` with a {run['document_bytes']:,}-byte JPEG ID card "
        "(`tests/fixtures/analyze/card.jpg`) sent multipart by the SDK's own client. The peer is the "
        f"engine alone: `analyze` on the same file in the benchmark's process, median {engine:.1f} ms.\n\n"
        "| concurrent clients | requests | errors | requests/s | p50 | p99 | p50 vs engine alone |\n"
        "|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        f"With {run['cores']} cores the engine alone could answer at most "
        f"{run['cores'] * 1000 / engine:.0f} requests/s; at 16 clients the server reaches "
        f"{run['load'][-1]['rps'] / (run['cores'] * 1000 / engine):.0%} of that (the rest is HTTP, "
        "multipart parsing and the client, which shares the cores); its p50 there is queueing "
        "for the cores, not overhead.\n\n"
        f"Faults: {faults['accepted']} `DOCUMENT_FORGERY` verifications with webhooks to a receiver that "
        "answers 503 to every delivery's first two attempts; after half were accepted the server was "
        f"killed with SIGKILL ({faults['unsettled_when_killed']} of them not yet settled) and started "
        f"again on the same database. **{faults['settled']} of {faults['accepted']} settled, "
        f"{faults['lost']} lost**; {faults['final_webhooks_delivered']} of {faults['settled']} settled "
        f"statuses delivered ({faults['events_delivered']} events in all, {faults['delivery_attempts']} "
        f"attempts, {faults['bad_signatures']} bad signatures), {faults['seconds']:.1f} s from the last "
        "acceptance to the last delivery.\n"
        + cluster(run["cluster"])
    )


def cluster(run: dict) -> str:
    """Several instances on one PostgreSQL database (bench_server's cluster runs)."""
    if not run:
        return ""
    rows = [
        f"| {load['instances']} | {load['verifications']} | {load['settled']} | "
        f"{load['seconds']:.2f} s | {load['settled_per_second']:.1f} |"
        for load in run["throughput"]
    ]
    one, three = run["throughput"][0], run["throughput"][-1]
    faults = run["faults"]
    return (
        "\n### Several instances on one PostgreSQL database\n\n"
        "PostgreSQL 15 from Debian on loopback, a fresh database per run; each instance 2 workers. "
        f"{one['verifications']} `DOCUMENT_FORGERY` verifications created round-robin across the "
        "instances, timed from the first request until all have settled:\n\n"
        "| instances | verifications | settled | time | settled per second |\n"
        "|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        f"Three instances settle {three['settled_per_second'] / one['settled_per_second']:.2f}x what one "
        "does. Here all three share the same 2 cores, so this measures the cost of sharing one "
        "database (polling, leases, connections), not scaling; on separate machines the jobs "
        "spread the same way (claimed with `FOR UPDATE SKIP LOCKED`).\n\n"
        f"Fault run: {faults['accepted']} verifications with webhooks (receiver failing each delivery's "
        f"first two attempts) across {faults['instances']} instances with {faults['lease_seconds']:.0f}-s "
        "leases; half way, the instance holding work was killed with SIGKILL while it held "
        f"{faults['held_by_killed']} verifications. **{faults['settled']} of {faults['accepted']} settled, "
        f"{faults['lost']} lost**; {faults['stored_settle_deliveries']} settled-status deliveries stored "
        f"and {faults['settled_received_once']} verifications received exactly one settled-status "
        f"webhook-id (exactly once); {faults['final_webhooks_delivered']} of {faults['settled']} "
        f"delivered, {faults['bad_signatures']} bad signatures. **Recovery: "
        f"{faults['recovery_seconds']:.1f} s** from the kill until the last verification the dead "
        "instance held had settled on another (one lease). A survivor then stopped on SIGTERM in "
        f"{faults['sigterm_seconds']:.2f} s with exit status "
        f"{'0' if faults['sigterm_exit_ok'] else 'non-zero'}.\n"
    )


def write_section(name: str, body: str) -> None:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{start}\n{body}{end}"
    if start in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip("\n") + f"\n\n## {name.capitalize()}\n\n{block}\n"
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)


def main() -> None:
    name, results = sys.argv[1], sys.argv[2]
    body = {"webhooks": webhooks, "mrz": mrz, "server": server}[name](results)
    print(body)
    write_section(name, body)
    print(f"written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
