"""Runs pyIFD's methods on a list of images and prints one JSON line per
file and method: {"file", "method", "score", "seconds"}. A map is reduced to
its 99th percentile as the image's score (the issue's rule); a method that
fails on a file scores null. Runs in its own venv (numpy<2 stack).

Usage: python scripts/bench_pyifd.py FILE...
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from pyIFD.ADQ1 import detectDQ
from pyIFD.BLK import GetBlockGrid
from pyIFD.ELA import ELA
from pyIFD.NOI1 import GetNoiseMap

# Each method's map: ELA's error image, ADQ1's double-quantisation
# probability map, BLK's block-artefact map, NOI1's wavelet noise map.
METHODS = {
    "ELA": lambda path: ELA(path),
    "ADQ1": lambda path: detectDQ(path)[0],
    "BLK": lambda path: GetBlockGrid(path)[0],
    "NOI1": lambda path: GetNoiseMap(path),
}


def main() -> None:
    for path in sys.argv[1:]:
        for method, run in METHODS.items():
            started = time.perf_counter()
            try:
                heat = np.asarray(run(path), dtype=np.float64)
                score = float(np.nanpercentile(heat, 99))
            except Exception:  # noqa: BLE001 - a method failing on one file is a data point
                score = None
            print(json.dumps({"file": path, "method": method, "score": score,
                              "seconds": time.perf_counter() - started}), flush=True)


if __name__ == "__main__":
    main()
