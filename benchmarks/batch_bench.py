"""Batch throughput: scenarios per second per worker, the 2-worker speed-up, a 10,000 batch.

Throughput is measured after start-up: a batch of ``N`` scenarios and a batch of one
scenario per worker run side by side, and ``(N - workers) / (T_N - T_start)`` is the
steady rate (start-up is spawning the processes and building the models).
Targets: >= 200 stdcge and >= 100 China-SAM scenarios per second per worker; 2 workers
>= 1.8x one worker on >= 1,000 scenarios; the 10,000-scenario China sensitivity batch
within 120 s with memory flat.

Run: ``.venv/bin/python benchmarks/run.py batch_bench`` (or ``make bench``).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "sam_data" / "scenarios"
STDCGE_BASE = SCENARIOS / "stdcge_tariff_abolition.yaml"
CHINA_STUDY = SCENARIOS / "china_2018_export_sensitivity.yaml"


def _grid_batch(folder: Path, base: Path, n: int) -> Path:
    """A batch of about ``n`` scenarios: elasticity grids around the base scenario."""
    side = max(2, round(n ** 0.5))
    values = [0.5 + 3.5 * k / (side - 1) for k in range(side)]
    path = folder / f"bench_{n}.yaml"
    path.write_text(yaml.safe_dump({"base": str(base), "grid": [
        {"elasticity": "armington", "value": values},
        {"elasticity": "cet", "value": values}]}))
    return path


def _one_per_worker(folder: Path, base: Path, workers: int) -> Path:
    path = folder / f"bench_start_{workers}.yaml"
    path.write_text(yaml.safe_dump({"base": str(base), "grid": [
        {"elasticity": "armington", "value": [1.0 + k / 10 for k in range(workers)]}]}))
    return path


def _timed(batch_file: Path, workers: int, folder: Path) -> tuple[float, object]:
    from cge.batch import read_batch, run_batch

    batch = read_batch(batch_file)
    store = Path(tempfile.mkdtemp(dir=folder))
    start = time.perf_counter()
    summary = run_batch(batch, store, workers=workers, progress=False)
    return time.perf_counter() - start, summary


def throughput(base: Path, n: int, workers: int, folder: Path) -> dict:
    """Steady scenarios per second per worker, and the wall time of the whole batch."""
    startup, _ = _timed(_one_per_worker(folder, base, workers), workers, folder)
    wall, summary = _timed(_grid_batch(folder, base, n), workers, folder)
    steady = (summary.total - workers) / max(wall - startup, 1e-9)
    return {"scenarios": summary.total, "solved": summary.solved, "wall": wall,
            "startup": startup, "per_worker": steady / workers, "rate": steady}


class _Memory(threading.Thread):
    """Samples the resident memory of this process and its children (MB) every 0.5 s."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self):
        start = time.perf_counter()
        while not self.stop.wait(0.5):
            self.samples.append((time.perf_counter() - start, _rss_tree(os.getpid())))


def _rss_tree(pid: int) -> float:
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def sensitivity_10k(folder: Path) -> dict | None:
    """The bundled China sensitivity study widened to 10,000 scenarios, on 2 workers."""
    if not CHINA_STUDY.exists():
        return None
    study = yaml.safe_load(CHINA_STUDY.read_text())
    grid = study["grid"]
    per_axis = round(10_000 ** (1 / len(grid)))
    for entry in grid:
        lo, hi = min(entry["value"]), max(entry["value"])
        entry["value"] = [lo + (hi - lo) * k / (per_axis - 1) for k in range(per_axis)]
    path = folder / "china_10k.yaml"
    path.write_text(yaml.safe_dump({**study, "base": str((CHINA_STUDY.parent / study["base"])
                                                         .resolve()), "grid": grid}))
    memory = _Memory()
    memory.start()
    wall, summary = _timed(path, 2, folder)
    memory.stop.set()
    memory.join()
    rss = [m for _, m in memory.samples] or [0.0]
    tenth = rss[max(0, len(rss) // 10)]
    return {"scenarios": summary.total, "solved": summary.solved, "wall": wall,
            "rss_early": tenth, "rss_end": rss[-1], "rss_peak": max(rss)}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'case':<42}{'scenarios':>10}{'wall s':>9}{'start s':>9}"
              f"{'per worker/s':>14}{'target':>9}")
        cases = [("stdcge, 1 worker", STDCGE_BASE, 1_024, 1, 200)]
        china_base = None
        if CHINA_STUDY.exists():
            china_base = (CHINA_STUDY.parent / yaml.safe_load(CHINA_STUDY.read_text())["base"])
            cases.append(("China SAM, 1 worker", china_base.resolve(), 1_024, 1, 100))
        cases.append(("stdcge, 2 workers", STDCGE_BASE, 1_024, 2, 200))
        figures = {}
        for label, base, n, workers, target in cases:
            if not base.exists():
                print(f"{label:<42}  skipped: {base.name} not found")
                continue
            f = throughput(base, n, workers, folder)
            figures[label] = f
            print(f"{label:<42}{f['scenarios']:>10}{f['wall']:>9.1f}{f['startup']:>9.1f}"
                  f"{f['per_worker']:>14.1f}{'>= ' + str(target):>9}"
                  + ("" if f["solved"] == f["scenarios"] else f"  ({f['solved']} solved)"))
        one, two = figures.get("stdcge, 1 worker"), figures.get("stdcge, 2 workers")
        if one and two:
            print(f"speed-up of 2 workers over 1 (stdcge, {two['scenarios']} scenarios): "
                  f"{two['rate'] / one['rate']:.2f}x steady, {one['wall'] / two['wall']:.2f}x wall"
                  f"  (target >= 1.8x, on {os.cpu_count()} CPUs)")
        big = sensitivity_10k(folder)
        if big is None:
            print(f"China 10,000-scenario sensitivity batch: skipped ({CHINA_STUDY.name} not found)")
        else:
            print(f"China 10,000-scenario sensitivity batch, 2 workers: {big['scenarios']} "
                  f"scenarios ({big['solved']} solved) in {big['wall']:.1f} s (target <= 120 s); "
                  f"memory of all processes {big['rss_early']:.0f} MB at 10 % -> "
                  f"{big['rss_end']:.0f} MB at the end (peak {big['rss_peak']:.0f} MB)")


if __name__ == "__main__":
    main()
