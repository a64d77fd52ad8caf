"""From a SAM to a first counterfactual, stage by stage: where a build's time goes.

On synthetic stdcge SAMs (the SAMs of ``peer_bench.py``), medians in one process after a
warm-up, in ms: calibration; the model (its data, the Pyomo blocks, the closure); the
benchmark solve (every equation evaluated once, for the scaling and the test that the
benchmark replicates: no problem file is written); the persistent problem (the NL file
written from the equations and read by ASL), made by the first counterfactual; that
counterfactual's solve (the first factorization of the benchmark Jacobian and the chord
steps); a re-solve::

    python benchmarks/stages_bench.py [--sizes 100 300] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

SHOCK = [{"parameter": "import_tariff_rate", "multiply": 0.5}]
STAGES = ("calibrate", "model", "benchmark solve", "problem", "1st counterfactual", "re-solve")


def stages(n: int) -> dict[str, float]:
    """Seconds of each stage, once, at ``n`` sectors."""
    from cge.calibration import calibrate
    from cge.model.build import CGEModel
    from cge.sam.synthetic import synthetic_sam
    from cge.solve import PersistentProblem

    sam = synthetic_sam(n, 0, kind="stdcge")
    times, clock = [], time.perf_counter
    start = clock()
    cal = calibrate(sam, "stdcge")
    times.append(clock())
    model = CGEModel(sam, "stdcge", calibration=cal)
    times.append(clock())
    model.solve(solver="persistent")
    times.append(clock())
    model.apply_shocks(SHOCK)
    if model._persistent is None:
        model._persistent = PersistentProblem(model)
    times.append(clock())
    model.solve_stats("persistent", raise_on_failure=True)
    times.append(clock())
    model.reset()
    model.apply_shocks(SHOCK)
    model.solve_stats("persistent", raise_on_failure=True)
    times.append(clock())
    return dict(zip(STAGES, [b - a for a, b in zip([start, *times[:-1]], times, strict=True)],
                    strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args([] if argv is None else argv)   # run.py calls main()
    print(f"from a SAM to a first counterfactual, synthetic stdcge (medians of {args.repeats}, "
          "ms)")
    print(f"{'stage':>20}" + "".join(f"{n:>10}" for n in args.sizes))
    runs = {n: [stages(n) for _ in range(args.repeats + 1)][1:] for n in args.sizes}
    for stage in STAGES:
        print(f"{stage:>20}" + "".join(
            f"{1e3 * statistics.median(r[stage] for r in runs[n]):>10.1f}" for n in args.sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
