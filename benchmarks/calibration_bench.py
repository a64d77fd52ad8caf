"""Benchmark of calibration: ``calibrate`` and ``model_data`` on synthetic stdcge SAMs.

Medians of ``--repeats`` runs in one process after a warm-up, by number of sectors, beside
the targets (calibrate + model_data)::

    python benchmarks/calibration_bench.py [--sizes 3 30 100 300] [--repeats 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from cge.calibration import calibrate
from cge.model.data import model_data
from cge.sam.synthetic import synthetic_sam

#: Targets (ms) for calibrate + model_data by number of sectors: their share of the
#: build + calibrate + benchmark goals of peer_bench (70 ms at 100 sectors, 300 at 300).
TARGET_MS = {3: 8, 100: 20, 300: 50}


def bench(n: int, repeats: int) -> dict[str, float]:
    """Median milliseconds of calibrate, model_data and both at ``n`` sectors."""
    sam = synthetic_sam(n, 0, kind="stdcge")
    model_data(calibrate(sam, "stdcge"))
    times: dict[str, list[float]] = {"calibrate": [], "model_data": [], "both": []}
    for _ in range(repeats):
        start = time.perf_counter()
        cal = calibrate(sam, "stdcge")
        middle = time.perf_counter()
        model_data(cal)
        end = time.perf_counter()
        times["calibrate"].append(middle - start)
        times["model_data"].append(end - middle)
        times["both"].append(end - start)
    return {k: 1e3 * statistics.median(v) for k, v in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3, 30, 100, 300])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args([] if argv is None else argv)   # run.py calls main()
    print(f"calibration benchmark (medians of {args.repeats}; ms)")
    print(f"{'sectors':>8}{'calibrate':>11}{'model_data':>12}{'both':>8}{'target':>8}")
    for n in args.sizes:
        t = bench(n, args.repeats)
        goal = TARGET_MS.get(n)
        print(f"{n:>8}{t['calibrate']:>11.2f}{t['model_data']:>12.2f}{t['both']:>8.2f}"
              f"{goal if goal is not None else '':>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
