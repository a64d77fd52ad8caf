"""Benchmark of the CGE model: build and calibration, benchmark solve, counterfactual re-solve.

Prints medians over repeats for stdcge and for the standard model on generated balanced
SAMs of 3 to 300 sectors, with variable and equation counts, the first counterfactual (it
factorizes the Jacobian of the chord steps, once per closure), chord steps and IPOPT iterations
of the counterfactual and peak memory; then whole-process times, wall clock and CPU, of ``cge run``
beside Python importing the solver stack alone (their ratio is the start-up goal) and of
``cge sam check``. Targets are printed beside the figures::

    python benchmarks/model_bench.py [--sizes 3 10 30] [--repeats 5] [--no-process]
    python benchmarks/model_bench.py --china153-only [--repeats 5]
    python benchmarks/model_bench.py --process-only [--process-repeats 10]

Between them, the headline shock on the China SAM split into 153 sectors, measured in a
process of its own.
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
#: Targets (issue 13): counterfactual re-solve (ms) by case, build and calibration (ms), peak memory.
TARGET_RESOLVE_MS = {"stdcge (textbook)": 2, "standard 100 sectors": 30,
                     "standard 300 sectors": 150}
TARGET_BUILD_MS = {"standard 100 sectors": 70, "standard 300 sectors": 300}
TARGET_PEAK_MIB = 300
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
        stats = model.solve(solver=solver).stats
        iterations.append(f"{stats.chord_steps}+{stats.iterations}")

    model.solve(solver=solver)            # first solve builds the persistent problem
    first = _median_time(benchmark_solve, repeats)
    # the first counterfactual also factorizes the Jacobian its chord steps reuse (once per
    # closure): timed apart from the re-solves
    first_cf = _median_time(counterfactual, 1)
    resolve = _median_time(counterfactual, repeats)
    return {"build": build, "benchmark": first, "first_cf": first_cf, "resolve": resolve,
            "iterations": iterations[-1],
            "variables": counts["free_variables"], "equations": counts["equations"]}


#: Target of a dyncge path (31 periods, tariff abolition) in a running process (ms).
TARGET_DYNCGE_PATH_MS = 50


def bench_dyncge(repeats: int) -> dict:
    """dyncge's tariff-abolition path (31 periods) re-solved on one built engine: median
    time of a path, chord steps and IPOPT iterations per period, and of business as usual
    (solved first: counterfactual periods take their chord Jacobian there)."""
    from cge.dynamics import DynamicModel
    from cge.sam.io import read_sam

    engine = DynamicModel(read_sam(ROOT / "sam_data" / "dyncge.csv"), "dyncge",
                          {"periods": 31, "depreciation": 0.04, "interest_rate": 0.05,
                           "labour_growth": 0.02, "investment_allocation_elasticity": 1})
    shocks = [{"parameter": "import_tariff_rate", "set": 0}]
    engine.base_path()                    # business as usual, cached (as `engine.run` does)
    engine.run_path(shocks)               # the first path builds the persistent problem
    paths = []

    def path():
        paths.append(engine.run_path(shocks))

    seconds = _median_time(path, repeats)
    base = _median_time(lambda: engine.run_path(()), max(1, repeats // 2))
    return {"path": seconds, "base": base, "iterations": paths[-1].iterations(),
            "chord_steps": [s.chord_steps for s in paths[-1].stats]}


#: China's detailed input-output table has 153 products: 5 primary, 95 secondary and 53
#: tertiary; the bundled China SAM's three sectors are split into as many sub-sectors.
CHINA_PARTS = {"A_PRI": 5, "A_SEC": 95, "A_TER": 53}
#: Weight of the perturbed technologies of the parts (``split_sectors(perturb=...)``).
CHINA_PERTURB = 0.5
#: The headline scenario (long run) whose closure, elasticities and shock the case uses.
HEADLINE_SCENARIO = ROOT / "sam_data" / "scenarios" / "china_export_demand_20_long.yaml"


def china153_scenario(seed: int = 0):
    """The headline scenario on the China SAM split into 153 sectors (:data:`CHINA_PARTS`,
    weights drawn from ``seed``, technologies perturbed by :data:`CHINA_PERTURB`): a shock
    on a split commodity is given to every part."""
    import dataclasses

    from cge.sam.aggregate import split_sectors
    from cge.scenario import Scenario

    headline = Scenario.from_yaml(HEADLINE_SCENARIO)
    whole = headline.load_sam()
    sam = split_sectors(whole, CHINA_PARTS, seed, perturb=CHINA_PERTURB)
    parts: dict[str, list[str]] = {}
    for account in sam.labels:
        parent = account.rsplit("_", 1)[0]
        if parent in whole.labels and parent not in sam.labels:
            parts.setdefault(parent, []).append(account)
    shocks = tuple(dataclasses.replace(shock, index=part) for shock in headline.shocks
                   for part in (parts.get(shock.index, [shock.index])))
    return dataclasses.replace(headline, name=f"{headline.name} (153 sectors)", sam=sam,
                               shocks=shocks)


def bench_china153(repeats: int) -> dict:
    """The headline shock on the 153-sector China SAM (:func:`china153_scenario`).

    ``build``: median time to calibrate, build and solve the benchmark (the first solve
    builds the persistent problem); ``first``: the first counterfactual solve after it;
    ``resolve``: median of reset, shock, solve, solution; chord steps and IPOPT iterations
    of the counterfactual; peak memory of the process (run it in a process of its own);
    ``difference``: the largest relative difference of the exchange rate and household
    incomes from the headline on the 3-sector SAM (the parts have their parent's costs,
    so the answers agree).
    """
    from cge.scenario import Scenario

    headline = Scenario.from_yaml(HEADLINE_SCENARIO)
    whole = headline.build()
    whole.apply_shocks(headline.shocks)
    reference = whole.solve(solver="persistent")
    scenario = china153_scenario()
    models = []

    def build_and_benchmark():
        models[:] = [scenario.build()]
        models[0].solve(solver="persistent")

    build = _median_time(build_and_benchmark, max(1, min(repeats, 3)))
    model = models[0]
    counts = model.counts()
    stats = []

    def counterfactual():
        model.reset()
        model.apply_shocks(scenario.shocks)
        stats.append(model.solve(solver="persistent").stats)

    first = _median_time(counterfactual, 1)
    resolve = _median_time(counterfactual, repeats)
    solution = model.solve(solver="persistent")        # warm: the counterfactual again
    difference = max(abs(solution.value("exchange_rate") / reference.value("exchange_rate") - 1),
                     float((solution.levels("household_income")
                            / reference.levels("household_income") - 1).abs().max()))
    return {"build": build, "first": first, "resolve": resolve, "difference": difference,
            "variables": counts["free_variables"], "equations": counts["equations"],
            "shocked": len(scenario.shocks), "iterations": stats[-1].iterations,
            "chord_steps": getattr(stats[-1], "chord_steps", None),
            "peak": _peak_mib()}


def _peak_mib() -> float:
    """This process's own peak memory (``benchmarks/_memory.py``)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _memory import peak_mib

    return peak_mib()


def print_china153(repeats: int) -> None:
    """The 153-sector China row, measured in a process of its own (so that its peak memory
    is its own) and printed here."""
    import os

    import cge

    # the child measures the package this process imported
    package = str(Path(cge.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (package, os.environ.get("PYTHONPATH")) if p))
    done = subprocess.run([sys.executable, __file__, "--china153-only", "--repeats",
                           str(repeats)], capture_output=True, text=True, cwd=ROOT, env=env)
    if done.returncode:
        print(f"China SAM, 153 sectors: failed\n{done.stderr.strip()}")
    else:
        print(done.stdout, end="")


def _print_china153_row(repeats: int) -> None:
    r = bench_china153(repeats)
    chord = "-" if r["chord_steps"] is None else r["chord_steps"]   # "-": not counted
    split = "/".join(str(k) for k in CHINA_PARTS.values())
    print(f"China SAM split into 153 sectors ({split} primary/secondary/tertiary, seed 0, "
          f"technologies perturbed {CHINA_PERTURB}), standard model, {HEADLINE_SCENARIO.stem}: "
          f"secondary export demand -20 % on {r['shocked']} commodities")
    print(f"(times in ms; re-solve: median of {repeats}; vs 3-sector: largest relative "
          "difference of the exchange rate and household incomes from the 3-sector answer)")
    print(f"{'vars':>7}{'eqs':>7}{'build+cal+bench':>17}{'first cf':>10}{'re-solve':>10}"
          f"{'chord':>7}{'iters':>7}{'peak MiB':>10}{'vs 3-sector':>13}")
    print(f"{r['variables']:>7}{r['equations']:>7}{1e3 * r['build']:>17.0f}"
          f"{1e3 * r['first']:>10.1f}{1e3 * r['resolve']:>10.1f}{chord:>7}"
          f"{r['iterations']:>7}{r['peak']:>10,.0f}{r['difference']:>13.1e}", flush=True)


#: The reference of the start-up goal: Python importing the solver stack alone.
REFERENCE_IMPORTS = ("import pyomo.environ, cyipopt; "
                     "from pyomo.contrib.pynumero.asl import AmplInterface")


def bench_processes(repeats: int = 10) -> dict[str, dict[str, float]]:
    """Median wall and CPU times of whole processes, run in turn so they share the load.

    ``imports``: Python importing Pyomo, cyipopt and PyNumero's ASL interface, nothing
    else (:data:`REFERENCE_IMPORTS`); ``run``: ``cge run`` of stdcge tariff abolition
    with its printed summary and ``--json``; ``check``: ``cge sam check`` of the stdcge
    workbook. Bytecode is cached (in a temporary folder) as in an installed package, and
    one untimed round comes first. CPU time (user + system of the process) is the figure
    to trust on a loaded machine; wall time is what a user waits.
    """
    import os
    import tempfile

    py = sys.executable
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    tmp = Path(tempfile.gettempdir())
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "cge-bench-pycache")
    commands = {
        "imports": [py, "-c", REFERENCE_IMPORTS],
        "run": [py, "-m", "cge", "run",
                str(ROOT / "sam_data" / "scenarios" / "stdcge_tariff_abolition.yaml"),
                "--json", str(tmp / "cge-bench-run.json"), "--force"],
        "check": [py, "-m", "cge", "sam", "check", str(ROOT / "sam_data" / "stdcge.xlsx")],
    }
    wall: dict[str, list[float]] = {k: [] for k in commands}
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    for round_ in range(repeats + 1):
        for name, args in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True, env=env, cwd=ROOT)
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if round_:
                wall[name].append(elapsed)
                cpu[name].append(after.ru_utime + after.ru_stime
                                 - before.ru_utime - before.ru_stime)
    return {k: {"wall": statistics.median(wall[k]), "cpu": statistics.median(cpu[k])}
            for k in commands}


def print_processes(t: dict[str, dict[str, float]], repeats: int) -> None:
    """The whole-process table: reference, ``cge run`` with its ratios, ``cge sam check``."""
    print(f"whole processes (medians of {repeats}, run in turn):{'wall':>14}{'cpu':>9}  goal")
    rows = [("reference: Pyomo, cyipopt, ASL import", t["imports"], ""),
            ("`cge run` stdcge tariff abolition --json", t["run"], ""),
            ("`cge sam check` stdcge.xlsx", t["check"], f"<= {TARGET_CHECK_SECONDS} s")]
    for label, x, goal in rows:
        print(f"  {label:<48}{x['wall']:>6.2f} s{x['cpu']:>7.2f} s  {goal}")
    ratio = {k: t["run"][k] / t["imports"][k] for k in ("wall", "cpu")}
    print(f"  {'ratio `cge run` / reference':<48}{ratio['wall']:>8.2f}{ratio['cpu']:>9.2f}  "
          f"<= {TARGET_RUN_RATIO}")


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
    parser.add_argument("--no-dynamics", action="store_true",
                        help="skip the dyncge path (31 periods)")
    parser.add_argument("--process-only", action="store_true",
                        help="only the whole-process timings (start-up of `cge run`)")
    parser.add_argument("--no-china153", action="store_true",
                        help="skip the China SAM split into 153 sectors")
    parser.add_argument("--china153-only", action="store_true",
                        help="only the China SAM split into 153 sectors, in this process")
    args = parser.parse_args([] if argv is None else argv)
    if args.process_only:
        print_processes(bench_processes(args.process_repeats), args.process_repeats)
        return 0
    if args.china153_only:
        _print_china153_row(args.repeats)
        return 0

    print(f"CGE model benchmark (medians; solver {args.solver}; times in ms; "
          "re-solve = reset, shock, solve, solution)")
    print(f"{'model':<22}{'vars':>7}{'eqs':>7}{'build+cal':>11}{'bench':>9}{'1st cf':>9}"
          f"{'re-solve':>10}{'chord+ipopt':>12}  targets")
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
              f"{1e3 * r['benchmark']:>9.1f}{1e3 * r['first_cf']:>9.1f}"
              f"{1e3 * r['resolve']:>10.1f}{r['iterations']:>12}  "
              f"{', '.join(targets)}", flush=True)
    if not args.no_dynamics:
        d = bench_dyncge(4 * args.repeats)
        its, chords = d["iterations"], d["chord_steps"]
        print(f"dyncge path, 31 periods: {1e3 * d['path']:.1f} ms (target <= "
              f"{TARGET_DYNCGE_PATH_MS}), {sum(chords)} chord steps and {sum(its)} IPOPT "
              f"iterations ({min(its)}-{max(its)} a period); business as usual "
              f"{1e3 * d['base']:.1f} ms", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MiB (target < {TARGET_PEAK_MIB:,} MiB)")
    if not args.no_china153:
        print_china153(args.repeats)
    if not args.no_process:
        print_processes(bench_processes(args.process_repeats), args.process_repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
