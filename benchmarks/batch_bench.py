"""Batch throughput: scenarios per second per worker, the 2-worker speed-up, a 10,000 batch.

Throughput is measured after start-up (spawning the processes, building the models):
the scenarios stored after the first chunk over the time from the first chunk stored to
the last (see :func:`throughput`); every case runs ``REPEATS`` times, the cases in turn,
and medians are reported. Memory is the resident set of the
coordinating process and of each worker, sampled every half second.
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
#: Runs of each throughput case (medians reported).
REPEATS = 3


def _grid_batch(folder: Path, base: Path, n: int) -> Path:
    """A batch of about ``n`` scenarios: elasticity grids around the base scenario."""
    side = max(2, round(n ** 0.5))
    values = [0.5 + 3.5 * (k + 0.5) / side for k in range(side)]  # never exactly 1
    path = folder / f"bench_{n}.yaml"
    path.write_text(yaml.safe_dump({"base": str(base), "grid": [
        {"elasticity": "armington", "value": values},
        {"elasticity": "cet", "value": values}]}))
    return path


def _timed(batch_file: Path, workers: int, folder: Path, stored: list | None = None
           ) -> tuple[float, object]:
    """Run a batch; returns its wall time and summary. ``stored``, when given, receives
    ``(seconds since the start, scenarios)`` each time the coordinator has stored a chunk."""
    from cge.batch import read_batch, run_batch
    from cge.batch.store import ResultStore

    batch = read_batch(batch_file)
    store = Path(tempfile.mkdtemp(dir=folder))
    write_many = ResultStore.write_many
    start = time.perf_counter()

    def timed_write(self, finished):
        n = write_many(self, finished)
        if stored is not None:
            stored.append((time.perf_counter() - start, n))
        return n

    ResultStore.write_many = timed_write
    try:
        summary = run_batch(batch, store, workers=workers, progress=False)
    finally:
        ResultStore.write_many = write_many
    return time.perf_counter() - start, summary


def throughput(base: Path, n: int, workers: int, folder: Path) -> dict:
    """Steady scenarios per second per worker, and the wall time of the whole batch.

    The rate after start-up is read from the times the coordinator stored each chunk:
    the scenarios stored after the first chunk over the time from the first chunk stored
    to the last. The workers' start-up (spawning the processes, building the models) and
    the first chunk are left out; the coordinator's storing is in. (Taking the difference
    of two batches' wall times instead left the rate at the mercy of the start-up's
    variation on a busy machine, often larger than the scenarios' time.)
    """
    stored: list[tuple[float, int]] = []
    wall, summary = _timed(_grid_batch(folder, base, n), workers, folder, stored)
    (first, head), (last, _) = stored[0], stored[-1]
    steady = (summary.total - head) / max(last - first, 1e-9)
    startup = max(0.0, first - head / steady)
    return {"scenarios": summary.total, "solved": summary.solved, "runs": summary.total,
            "wall": wall, "startup": startup, "per_worker": steady / workers, "rate": steady}


class _Memory(threading.Thread):
    """Samples the resident memory (MB) of this process and of each descendant every 0.5 s."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[dict[int, float]] = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.5):
            self.samples.append(_rss_tree(os.getpid()))


def _rss_tree(pid: int) -> dict[int, float]:
    """``{pid: RSS in MB}`` of a process and its descendants."""
    out, todo = {}, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                out[p] = next(int(line.split()[1]) for line in f
                              if line.startswith("VmRSS")) / 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            continue
    return out


def _memory_summary(samples: list[dict[int, float]]) -> dict:
    """Coordinator and largest worker RSS at 10 % of the batch and at its end."""
    me = os.getpid()
    samples = [s for s in samples if len(s) > 1] or samples or [{me: 0.0}]
    early, end = samples[len(samples) // 10], samples[-1]

    def worker(s):
        return max((v for p, v in s.items() if p != me), default=0.0)

    return {"coordinator_early": early.get(me, 0.0), "coordinator_end": end.get(me, 0.0),
            "worker_early": worker(early), "worker_end": worker(end),
            "total_early": sum(early.values()), "total_end": sum(end.values()),
            "total_peak": max(sum(s.values()) for s in samples)}


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
    return {"scenarios": summary.total, "solved": summary.solved, "wall": wall,
            **_memory_summary(memory.samples)}


def main() -> None:
    before = _load()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'case':<42}{'scenarios':>10}{'wall s':>9}{'start s':>9}"
              f"{'per worker/s':>14}{'target':>9}")
        n = 2_048
        cases = [("stdcge, 1 worker", STDCGE_BASE, 1, 200), ("stdcge, 2 workers", STDCGE_BASE, 2, 200)]
        if CHINA_STUDY.exists():
            china = (CHINA_STUDY.parent
                     / yaml.safe_load(CHINA_STUDY.read_text())["base"]).resolve()
            cases += [("China SAM, 1 worker", china, 1, 100), ("China SAM, 2 workers", china, 2, 100)]
        runs: dict[str, list[dict]] = {}
        for _ in range(REPEATS):   # the cases in turn, so load on the machine hits them alike
            for label, base, workers, _target in cases:
                if base.exists():
                    runs.setdefault(label, []).append(throughput(base, n, workers, folder))
        figures = {}
        for label, base, _workers, target in cases:
            if label not in runs:
                print(f"{label:<42}  skipped: {base.name} not found")
                continue
            f = figures[label] = _median_run(runs[label])
            print(f"{label:<42}{f['scenarios']:>10}{f['wall']:>9.1f}{f['startup']:>9.1f}"
                  f"{f['per_worker']:>14.1f}{'>= ' + str(target):>9}"
                  + ("" if f["solved"] == f["runs"] else f"  ({f['solved']} of {f['runs']} "
                     "solved)"))
        for sam in ("stdcge", "China SAM"):
            one, two = figures.get(f"{sam}, 1 worker"), figures.get(f"{sam}, 2 workers")
            if one and two:
                print(f"speed-up of 2 workers over 1 ({sam}, {two['scenarios']} scenarios, "
                      f"medians of {REPEATS}): {two['rate'] / one['rate']:.2f}x after start-up, "
                      f"{one['wall'] / two['wall']:.2f}x wall  (target >= 1.8x, on "
                      f"{os.cpu_count()} CPUs)")
        big = sensitivity_10k(folder)
        if big is None:
            print(f"China 10,000-scenario sensitivity batch: skipped ({CHINA_STUDY.name} not found)")
        else:
            print(f"China 10,000-scenario sensitivity batch, 2 workers: {big['scenarios']} "
                  f"scenarios ({big['solved']} solved) in {big['wall']:.1f} s (target <= 120 s)")
            print(f"  resident memory at 10 % -> end of the batch: coordinator "
                  f"{big['coordinator_early']:.0f} -> {big['coordinator_end']:.0f} MB, largest "
                  f"worker {big['worker_early']:.0f} -> {big['worker_end']:.0f} MB, all processes "
                  f"{big['total_early']:.0f} -> {big['total_end']:.0f} MB "
                  f"(peak {big['total_peak']:.0f} MB)")
        print(f"load average (1, 5, 15 min) before -> after: {before} -> {_load()}")


def _median_run(runs: list[dict]) -> dict:
    """Median of each figure over repeated runs (counts summed)."""
    import statistics

    out = {k: statistics.median(r[k] for r in runs) for k in ("wall", "startup", "per_worker",
                                                              "rate")}
    return {**out, "scenarios": runs[0]["scenarios"], "solved": sum(r["solved"] for r in runs),
            "runs": sum(r["runs"] for r in runs)}


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
