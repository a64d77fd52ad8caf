"""Benchmark of the CGE model: build and calibration, benchmark solve, counterfactual re-solve.

Prints medians over repeats for stdcge and for the standard model on generated balanced
SAMs of 3 to 300 sectors, with variable and equation counts, IPOPT iterations of the
counterfactual and peak memory; then whole-process times of ``cge run`` (beside Python
importing the solver stack alone, and their ratio) and ``cge sam check``. Targets are
printed beside the figures::

    python benchmarks/model_bench.py [--sizes 3 10 30] [--repeats 5] [--no-process]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOCK = [{"parameter": "import_tariff_rate", "multiply": 0.5}]
#: Targets: counterfactual re-solve (ms) by case, build and calibration at 300 sectors (ms).
TARGET_RESOLVE_MS = {"stdcge (textbook)": 5, "standard 30 sectors": 25,
                     "standard 100 sectors": 120, "standard 300 sectors": 1200}
TARGET_BUILD_MS = {"standard 300 sectors": 2000}
TARGET_PEAK_MIB = 2048
TARGET_RUN_RATIO = 1.3
TARGET_CHECK_SECONDS = 0.5


def _median_time(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_model(sam, spec: str, repeats: int, solver: str = "persistent") -> dict:
    from cge.model.build import CGEModel

    build_repeats = max(1, min(repeats, 3))
    build = _median_time(lambda: CGEModel(sam, spec), build_repeats)
    model = CGEModel(sam, spec)
    counts = model.counts()

    def benchmark_solve():
        model.reset()
        model.solve(solver=solver)

    iterations = []

    def counterfactual():
        model.reset()
        model.apply_shocks(SHOCK)
        iterations.append(model.solve(solver=solver).stats.iterations)

    model.solve(solver=solver)            # first solve builds the persistent problem
    first = _median_time(benchmark_solve, repeats)
    resolve = _median_time(counterfactual, repeats)
    return {"build": build, "benchmark": first, "resolve": resolve, "iterations": iterations[-1],
            "variables": counts["free_variables"], "equations": counts["equations"]}


def bench_processes(repeats: int = 10) -> dict[str, float]:
    """Median wall times of whole processes, run in turn so they share the machine's load.

    ``imports``: Python importing Pyomo, PyNumero and cyipopt, nothing else; ``run``:
    ``cge run`` of stdcge tariff abolition; ``check``: ``cge sam check`` of the stdcge
    workbook. Bytecode is cached (in a temporary folder) as in an installed package, and
    one untimed round comes first.
    """
    import os
    import tempfile

    py = sys.executable
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "cge-bench-pycache")
    commands = {
        "imports": [py, "-c", "import pyomo.environ, cyipopt; "
                    "from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP"],
        "run": [py, "-m", "cge.cli", "run",
                str(ROOT / "sam_data" / "scenarios" / "stdcge_tariff_abolition.yaml"),
                "--quiet"],
        "check": [py, "-m", "cge.cli", "sam", "check", str(ROOT / "sam_data" / "stdcge.xlsx")],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for round_ in range(repeats + 1):
        for name, args in commands.items():
            start = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True, env=env, cwd=ROOT)
            if round_:
                times[name].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv: list[str] | None = None) -> int:
    from cge.sam.io import read_sam
    from cge.sam.synthetic import synthetic_sam

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[3, 10, 30, 100, 300])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--solver", choices=("persistent", "cyipopt"), default="persistent")
    parser.add_argument("--no-process", action="store_true",
                        help="skip the whole-process timings (`cge run`, `cge sam check`)")
    parser.add_argument("--process-repeats", type=int, default=10)
    args = parser.parse_args([] if argv is None else argv)

    print(f"CGE model benchmark (medians; solver {args.solver}; times in ms; "
          "re-solve = reset, shock, solve, solution)")
    print(f"{'model':<22}{'vars':>7}{'eqs':>7}{'build+cal':>11}{'bench':>9}{'re-solve':>10}"
          f"{'iters':>6}  targets")
    cases = [("stdcge (textbook)", read_sam(ROOT / "sam_data" / "stdcge.csv"), "stdcge")]
    cases += [(f"standard {n} sectors", synthetic_sam(n, 0), "standard") for n in args.sizes]
    for label, sam, spec in cases:
        size = sam.matrix.shape[0]
        repeats = 4 * args.repeats if size < 50 else (
            args.repeats if size < 200 else max(1, args.repeats // 2))
        r = bench_model(sam, spec, repeats, args.solver)
        targets = []
        if label in TARGET_BUILD_MS:
            targets.append(f"build <= {TARGET_BUILD_MS[label]}")
        if label in TARGET_RESOLVE_MS:
            targets.append(f"re-solve <= {TARGET_RESOLVE_MS[label]}")
        print(f"{label:<22}{r['variables']:>7}{r['equations']:>7}{1e3 * r['build']:>11.1f}"
              f"{1e3 * r['benchmark']:>9.1f}{1e3 * r['resolve']:>10.1f}{r['iterations']:>6}  "
              f"{', '.join(targets)}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MiB (target < {TARGET_PEAK_MIB:,} MiB)")
    if not args.no_process:
        t = bench_processes(args.process_repeats)
        ratio = t["run"] / t["imports"]
        print(f"whole processes (medians of {args.process_repeats}, run in turn):")
        print(f"  importing Pyomo, PyNumero and cyipopt: {t['imports']:.2f} s")
        print(f"  `cge run` stdcge tariff abolition:     {t['run']:.2f} s  ratio {ratio:.2f} "
              f"(target <= {TARGET_RUN_RATIO})")
        print(f"  `cge sam check` stdcge.xlsx:           {t['check']:.2f} s  "
              f"(target <= {TARGET_CHECK_SECONDS} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
