"""Dynamic paths on the China SAM: one 18-period path, the baseline calibration, Monte Carlo.

* one path: ``DynamicModel.run_path`` of the ``china_2035_export_fall`` shocks on an engine
  built and calibrated once (a running process), median of ``REPEATS``; target <= 30 ms;
* the baseline calibrated to the GDP path (``cge.baseline.calibrate_gdp_path``), median
  of ``REPEATS``; target <= 0.5 s;
* Monte Carlo paths over the Armington and CET elasticities (``cge batch`` of the export
  fall, business as usual and the shocked path per draw) on 1 and 2 workers: the steady
  rate after start-up from batches of ``N / 4`` and ``N`` draws, the 2-worker speed-up and
  the resident memory of every process at 10 % and at the end of the 2-worker batch.
  Target: 1,000 paths on 2 workers within 20 s, speed-up >= 1.8x, memory flat. ``N``
  is ``PATH_BENCH_DRAWS`` (default 40, so that ``make bench`` stays short; the time of
  1,000 draws is extrapolated from the steady rate and printed as such).

The machine is shared: figures are medians, noisy; the load average is printed.
Run: ``.venv/bin/python benchmarks/run.py path_bench``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIOS = ROOT / "sam_data" / "scenarios"
EXPORT_FALL = SCENARIOS / "china_2035_export_fall.yaml"
#: Repeats of the in-process timings (medians reported).
REPEATS = 7
#: Monte Carlo draws of the batch case (``PATH_BENCH_DRAWS`` overrides).
DRAWS = int(os.environ.get("PATH_BENCH_DRAWS", "40"))


def engine_of(path: Path):
    """The dynamic engine of a scenario file (not calibrated yet) and the scenario."""
    from cge.dynamics import DynamicModel
    from cge.scenario import Scenario

    s = Scenario.from_yaml(path)
    return DynamicModel(s.load_sam(), s.model, s.dynamics, s.closure, s.elasticities,
                        s.options), s


def in_process() -> dict:
    """Median seconds of the baseline calibration and of one shocked path."""
    from cge.baseline import calibrate_gdp_path, with_calibrated_productivity

    engine, scenario = engine_of(EXPORT_FALL)
    calibration = [calibrate_gdp_path(engine) for _ in range(REPEATS)]
    with_calibrated_productivity(engine, calibration[-1])
    engine.base_path()
    paths = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = engine.run_path(scenario.shocks)
        paths.append((time.perf_counter() - start, sum(result.iterations()),
                      sum(s.chord_steps for s in result.stats)))
    return {"calibration": statistics.median(c.seconds for c in calibration),
            "calibration_solves": calibration[-1].solves,
            "path": statistics.median(t for t, _, _ in paths),
            "path_iterations": paths[-1][1], "path_chord_steps": paths[-1][2],
            "periods": engine.dynamics.periods}


def _batch_file(folder: Path, draws: int) -> Path:
    path = folder / f"mc_{draws}.yaml"
    path.write_text(yaml.safe_dump({
        "base": str(EXPORT_FALL), "samples": draws, "seed": 2035,
        "distributions": [{"elasticity": "armington", "uniform": [1.2, 4.0]},
                          {"elasticity": "cet", "uniform": [1.2, 4.0]}]}))
    return path


def monte_carlo(folder: Path, draws: int, workers: int, memory: bool = False) -> dict:
    """Steady paths per second of a Monte Carlo batch, its wall time (and memory)."""
    from cge.batch import read_batch, run_batch

    sys.path.insert(0, str(HERE))
    from batch_bench import _Memory, _memory_summary

    def timed(n: int, watch: bool):
        store = folder / f"store_{n}_{workers}_{time.monotonic_ns()}"
        sampler = _Memory() if watch else None
        if sampler:
            sampler.start()
        start = time.perf_counter()
        summary = run_batch(read_batch(_batch_file(folder, n)), store, workers=workers,
                            progress=False)
        wall = time.perf_counter() - start
        if sampler:
            sampler.stop.set()
            sampler.join()
        return wall, summary, sampler

    small_wall, small, _ = timed(max(draws // 4, 2), False)
    wall, summary, sampler = timed(draws, memory)
    rate = (summary.total - small.total) / max(wall - small_wall, 1e-9)
    out = {"draws": summary.total, "solved": summary.solved, "wall": wall, "rate": rate,
           "startup": max(0.0, small_wall - small.total / rate)}
    if sampler:
        out.update(_memory_summary(sampler.samples))
    return out


def main() -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    f = in_process()
    print(f"China 2018-2035 ({f['periods']} periods), in a running process, medians of "
          f"{REPEATS}:")
    print(f"  one shocked path (export fall): {1000 * f['path']:.0f} ms, "
          f"{f['path_chord_steps']} chord steps and {f['path_iterations']} IPOPT iterations  "
          "(target <= 30 ms)")
    print(f"  baseline calibrated to the GDP path: {f['calibration']:.2f} s, "
          f"{f['calibration_solves']} solves  (target <= 0.5 s)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        one = monte_carlo(folder, DRAWS, 1)
        two = monte_carlo(folder, DRAWS, 2, memory=True)
    print(f"Monte Carlo over the Armington and CET elasticities, {DRAWS} draws (BaU and the "
          "shocked path each):")
    for label, r in (("1 worker", one), ("2 workers", two)):
        print(f"  {label}: {r['draws']} paths ({r['solved']} solved) in {r['wall']:.1f} s, "
              f"start-up {r['startup']:.1f} s, steady {r['rate']:.2f} paths/s; 1,000 paths "
              f"at that rate: {r['startup'] + 1000 / r['rate']:.0f} s (extrapolated; target "
              "<= 20 s on 2 workers)")
    print(f"  speed-up of 2 workers over 1: {two['rate'] / one['rate']:.2f}x after start-up "
          f"(target >= 1.8x, on {os.cpu_count()} CPUs)")
    print(f"  resident memory at 10 % -> end (2 workers): coordinator "
          f"{two['coordinator_early']:.0f} -> {two['coordinator_end']:.0f} MB, largest worker "
          f"{two['worker_early']:.0f} -> {two['worker_end']:.0f} MB")
    print(f"load average (1, 5, 15 min) before -> after: {load} -> "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
