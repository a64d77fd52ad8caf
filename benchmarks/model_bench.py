"""Benchmark of the CGE model: build and calibration, benchmark solve, counterfactual re-solve.

Prints medians over repeats for stdcge and for the standard model on generated balanced
SAMs of 3 to 300 sectors, with variable and equation counts and peak memory::

    python benchmarks/model_bench.py [--sizes 3 10 30] [--repeats 5]
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

    def counterfactual():
        model.reset()
        model.apply_shocks(SHOCK)
        model.solve(solver=solver)

    model.solve(solver=solver)            # first solve builds the persistent problem
    first = _median_time(benchmark_solve, repeats)
    resolve = _median_time(counterfactual, repeats)
    return {"build": build, "benchmark": first, "resolve": resolve,
            "variables": counts["free_variables"], "equations": counts["equations"]}


def bench_process(repeats: int = 3) -> tuple[float, float]:
    """Wall time of `cge run` on stdcge tariff abolition, and of importing the solver stack."""
    py = sys.executable
    scenario = ROOT / "sam_data" / "scenarios" / "stdcge_tariff_abolition.yaml"

    def run(args):
        return _median_time(lambda: subprocess.run(args, check=True, capture_output=True),
                            repeats)

    imports = run([py, "-c", "import pyomo.environ, cyipopt; "
                   "from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP"])
    whole = run([py, "-m", "cge.cli", "run", str(scenario), "--quiet"])
    return whole, imports


def main(argv: list[str] | None = None) -> int:
    from cge.sam.io import read_sam
    from cge.sam.synthetic import synthetic_sam

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[3, 10, 30, 100, 300])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--solver", choices=("persistent", "cyipopt"), default="persistent")
    parser.add_argument("--no-process", action="store_true", help="skip the `cge run` timing")
    args = parser.parse_args([] if argv is None else argv)

    print(f"CGE model benchmark (medians; solver {args.solver}; times in ms)")
    print(f"{'model':<22}{'vars':>7}{'eqs':>7}{'build+cal':>11}{'bench':>9}{'re-solve':>10}")
    cases = [("stdcge (textbook)", read_sam(ROOT / "sam_data" / "stdcge.csv"), "stdcge")]
    cases += [(f"standard {n} sectors", synthetic_sam(n, 0), "standard") for n in args.sizes]
    for label, sam, spec in cases:
        repeats = args.repeats if sam.matrix.shape[0] < 200 else max(1, args.repeats // 2)
        r = bench_model(sam, spec, repeats, args.solver)
        print(f"{label:<22}{r['variables']:>7}{r['equations']:>7}{1e3 * r['build']:>11.1f}"
              f"{1e3 * r['benchmark']:>9.1f}{1e3 * r['resolve']:>10.1f}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MiB")
    if not args.no_process:
        whole, imports = bench_process()
        print(f"`cge run` stdcge tariff abolition: {whole:.2f} s; importing Pyomo, PyNumero and "
              f"cyipopt: {imports:.2f} s; ratio {whole / imports:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
