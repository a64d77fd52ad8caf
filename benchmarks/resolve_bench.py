"""Where a counterfactual re-solve spends its time: IPOPT, and everything around it.

The re-solve of ``peer_bench.py`` (``reset``, ``apply_shocks`` halving every import tariff,
``solve(solver="persistent")``) on the bundled stdcge SAM and on synthetic stdcge SAMs.
``ipopt`` is the time inside ``cyipopt.Problem.solve`` (IPOPT, MUMPS and the constraint
and Jacobian callbacks); ``outside`` is the rest: the reset, the shocks, reading levels
and bounds, the square check, writing the solution back, the residual ranking, the Walras
check and the :class:`~cge.model.solution.Solution`. Medians over re-solves, then the
median of ``--rounds`` models::

    python benchmarks/resolve_bench.py [--sizes 0 3 30 100] [--rounds 3]

(size 0: the bundled stdcge SAM).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOCK = [{"parameter": "import_tariff_rate", "multiply": 0.5}]
#: Goal for the whole re-solve at 3 sectors (ms).
GOAL_MS = {3: 2}


def _sam(n: int):
    from cge.sam.io import read_sam
    from cge.sam.synthetic import synthetic_sam

    return read_sam(ROOT / "sam_data" / "stdcge.csv") if n == 0 else \
        synthetic_sam(n, 0, kind="stdcge")


def measure(n: int, repeats: int) -> dict[str, float]:
    """Median milliseconds of one model's re-solves: total, reset, shocks, IPOPT, outside."""
    from cge.model.build import CGEModel

    model = CGEModel(_sam(n), "stdcge")
    model.solve(solver="persistent")
    model.reset()
    model.apply_shocks(SHOCK)
    model.solve(solver="persistent")   # makes the cyipopt problem
    problem = model._persistent
    inside = [0.0]
    prepare = problem._prepare

    class Timed:
        def __init__(self, ipopt):
            self.ipopt = ipopt

        def solve(self, x):
            start = time.perf_counter()
            try:
                return self.ipopt.solve(x)
            finally:
                inside[0] += time.perf_counter() - start

    problem._prepare = lambda *args: Timed(prepare(*args))
    rows: dict[str, list[float]] = {k: [] for k in ("total", "reset", "shocks", "ipopt",
                                                    "outside")}
    for _ in range(repeats):
        inside[0] = 0.0
        t0 = time.perf_counter()
        model.reset()
        t1 = time.perf_counter()
        model.apply_shocks(SHOCK)
        t2 = time.perf_counter()
        model.solve(solver="persistent")
        t3 = time.perf_counter()
        for key, value in (("total", t3 - t0), ("reset", t1 - t0), ("shocks", t2 - t1),
                           ("ipopt", inside[0]), ("outside", t3 - t0 - inside[0])):
            rows[key].append(1e3 * value)
    return {k: statistics.median(v) for k, v in rows.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[0, 3, 30, 100])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args([] if argv is None else argv)
    print(f"{'sectors':>8}{'re-solve ms':>13}{'ipopt':>9}{'outside':>9}{'reset':>8}"
          f"{'shocks':>8}{'goal':>6}")
    for n in args.sizes:
        repeats = 200 if n <= 3 else 40 if n <= 30 else 10
        rounds = [measure(n, repeats) for _ in range(args.rounds)]
        m = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
        label = "stdcge" if n == 0 else str(n)
        print(f"{label:>8}{m['total']:>13.2f}{m['ipopt']:>9.2f}{m['outside']:>9.2f}"
              f"{m['reset']:>8.2f}{m['shocks']:>8.2f}{GOAL_MS.get(n, ''):>6}", flush=True)
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
