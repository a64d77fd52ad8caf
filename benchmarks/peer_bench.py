"""`cge` against cgelab, side by side on the same SAMs: counterfactual re-solve and build.

cgelab 0.7.0 (PyPI) is installed into a scratch environment (``benchmarks/.venv``,
git-ignored) and runs in its own long-lived process (``peers/cgelab_worker.py``); ``cge``
runs in this one. Both read the same files: synthetic SAMs in Hosoe's stdcge layout at
3, 30, 100, 153 (the size of China's detailed input-output table) and 300 sectors, and
both solve Hosoe's stdcge on them (Cobb-Douglas value added, Leontief intermediates,
Armington and CET at 2, the government saving a fixed share of its income, foreign
saving fixed in foreign currency). The counterfactual halves every import tariff,
from the benchmark point. The two take turns, one re-solve each; medians are printed,
each side timed in its own process, with the largest difference of the composite
prices between the two solutions (the same economy, solved by two programs). ``steps``
are ``cge``'s chord steps + IPOPT iterations of a re-solve; ``1st cf`` is its first
counterfactual after the build, which also writes the persistent problem (the benchmark
itself is judged on the equations without it) and factorizes the benchmark Jacobian the
chord steps reuse (once per closure); ``to 1st cf`` adds it to the build, for both
programs (cgelab's first re-solve after its build), the time from a SAM to a first
counterfactual. If cgelab cannot be installed, the table says so and gives ``cge`` alone.

Then, ``cge`` alone: peak memory of a process that builds and solves 300 sectors, and the
batch throughput at 100 sectors (``cge.batch``, one worker)::

    python benchmarks/peer_bench.py [--sizes 3 30 100 153 300] [--repeats 15] [--no-peer]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEER_VENV = HERE / ".venv"
PEER_REQUIREMENT = "cgelab==0.7.0"
SHOCK = [{"parameter": "import_tariff_rate", "multiply": 0.5}]
#: Goals: re-solve (ms) by size, build + calibrate + benchmark (ms) by size, the ratio to
#: cgelab, peak memory at 300 sectors (MiB), batch scenarios per second per worker at 100.
GOAL_RESOLVE_MS = {3: 2, 100: 30, 300: 150}
GOAL_BUILD_MS = {100: 70, 300: 300}
GOAL_RATIO = 2.0
GOAL_PEAK_MIB = 300
GOAL_BATCH_RATE = 30


def peer_python() -> tuple[Path | None, str]:
    """The scratch environment's Python with cgelab, installed on first use; or why not."""
    python = PEER_VENV / "bin" / "python"
    check = [str(python), "-c", "import cgelab; print(cgelab.__version__)"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python, ""
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True,
                       capture_output=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PEER_REQUIREMENT],
                       check=True, capture_output=True, timeout=600)
        subprocess.run(check, check=True, capture_output=True)
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        return None, f"{PEER_REQUIREMENT} could not be installed ({exc}; " \
            f"{detail.decode(errors='replace').strip().splitlines()[-1:] or ''})"
    return python, ""


class Peer:
    """cgelab in its own process: one JSON command per line, one JSON answer per line."""

    def __init__(self, python: Path):
        self.proc = subprocess.Popen([str(python), str(HERE / "peers" / "cgelab_worker.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, **cmd) -> dict:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=30)


def write_sams(folder: Path, sizes: list[int]) -> dict[int, Path]:
    """The synthetic stdcge SAMs both programs read, as CSV files."""
    from cge.sam.io import write_sam
    from cge.sam.synthetic import synthetic_sam

    paths = {}
    for n in sizes:
        paths[n] = folder / f"stdcge_{n}.csv"
        write_sam(synthetic_sam(n, 0, kind="stdcge"), paths[n])
    return paths


class Ours:
    """``cge`` on one SAM: build timing, then one counterfactual re-solve per call."""

    def __init__(self, path: Path, repeats: int):
        from cge.model.build import CGEModel
        from cge.sam.io import read_sam

        sam = read_sam(path)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model = CGEModel(sam, "stdcge")
            model.solve(solver="persistent")
            times.append(time.perf_counter() - start)
        self.build = statistics.median(times)
        self.model = model
        # the first counterfactual makes the persistent problem and factorizes the
        # benchmark Jacobian for the chord steps (once per closure): timed on its own
        self.first = self.resolve()

    def resolve(self) -> float:
        start = time.perf_counter()
        self.model.reset()
        self.model.apply_shocks(SHOCK)
        self.solution = self.model.solve(solver="persistent")
        return time.perf_counter() - start

    def pq(self) -> list[float]:
        return list(self.model.component("markets.price_composite").extract_values().values())


def side_by_side(paths: dict[int, Path], repeats: int, peer: Peer | None) -> None:
    head = f"{'sectors':>7}{'cge ms':>9}{'cgelab ms':>11}{'ratio':>7}{'goal ms':>9}" \
           f"{'steps':>7}   {'build: cge ms':>13}{'cgelab ms':>11}{'goal':>6}" \
           f"{'1st cf ms':>10}   {'to 1st cf: cge ms':>17}{'cgelab ms':>11}  {'max |dpq|':>9}"
    print(head)
    sizes = sorted(paths)
    for n in sizes:
        build_repeats = 3 if n <= 153 else 1
        ours = Ours(paths[n], build_repeats)
        theirs = peer.ask(cmd="load", sam=str(paths[n]), repeats=build_repeats) if peer else None
        # the first re-solve after the build, apart from the side-by-side rounds, as for ours
        first = peer.ask(cmd="resolve")["resolve"] if peer else None
        mine, its, answer = [], [], None
        k = repeats if n <= 153 else max(3, repeats // 3)
        for _ in range(k):
            mine.append(ours.resolve())
            if peer:
                answer = peer.ask(cmd="resolve")
                its.append(answer["resolve"])
        m = 1e3 * statistics.median(mine)
        goal = GOAL_RESOLVE_MS.get(n)
        row = f"{n:>7}{m:>9.1f}"
        if peer:
            t = 1e3 * statistics.median(its)
            dpq = max(abs(a - b) for a, b in zip(ours.pq(), answer["pq"], strict=True))
            row += f"{t:>11.1f}{t / m:>6.1f}x"
        else:
            row += f"{'-':>11}{'-':>7}"
        stats = ours.solution.stats
        row += f"{goal if goal else '':>9}{f'{stats.chord_steps}+{stats.iterations}':>7}   " \
               f"{1e3 * ours.build:>13.1f}"
        row += f"{1e3 * theirs['build']:>11.1f}" if peer else f"{'-':>11}"
        row += f"{GOAL_BUILD_MS.get(n, ''):>6}{1e3 * ours.first:>10.1f}   " \
               f"{1e3 * (ours.build + ours.first):>17.1f}"
        row += f"{1e3 * (theirs['build'] + first):>11.1f}" if peer else f"{'-':>11}"
        row += f"  {dpq:>9.1e}" if peer else ""
        print(row, flush=True)
        del ours


def peak_memory(path: Path) -> float:
    """Peak resident memory (MiB) of a fresh process that builds, solves and re-solves."""
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); from _memory import peak_mib\n"
            "from cge.model.build import CGEModel\n"
            "from cge.sam.io import read_sam\nm = CGEModel(read_sam(sys.argv[1]), 'stdcge')\n"
            "m.solve(solver='persistent')\n"
            f"m.apply_shocks({SHOCK!r}); m.solve(solver='persistent')\n"
            "print(peak_mib())")
    out = subprocess.run([sys.executable, "-c", code, str(path)], check=True,
                         capture_output=True, text=True, env=os.environ)
    return float(out.stdout.strip().splitlines()[-1])


def batch_rate(path: Path, folder: Path) -> float:
    """Steady scenarios per second of one batch worker at 100 sectors (``cge.batch``)."""
    import yaml

    sys.path.insert(0, str(HERE))
    from batch_bench import throughput

    base = folder / "stdcge_100.yaml"
    base.write_text(yaml.safe_dump({
        "name": "tariff_halved_100", "sam": str(path), "model": "stdcge",
        "elasticities": {"armington": 2, "cet": 2}, "shocks": SHOCK}))
    return throughput(base, 64, 1, folder)["per_worker"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[3, 30, 100, 153, 300])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-peer", action="store_true", help="cge alone")
    args = parser.parse_args([] if argv is None else argv)
    peer, why = None, "not asked for (--no-peer)"
    if not args.no_peer:
        python, why = peer_python()
        if python is not None:
            peer = Peer(python)
    print(f"counterfactual re-solve (import tariffs halved) on synthetic stdcge SAMs; medians "
          f"of {args.repeats} (fewer above 153 sectors), taking turns; goal ratio >= "
          f"{GOAL_RATIO}x")
    if peer is None:
        print(f"cgelab: {why}; cge alone")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_sams(folder, sorted(set(args.sizes) | {100, 300}))
        try:
            side_by_side({n: p for n, p in paths.items() if n in args.sizes}, args.repeats,
                         peer)
        finally:
            if peer:
                peer.close()
        print(f"peak memory, build and solve at 300 sectors: {peak_memory(paths[300]):.0f} MiB "
              f"(goal <= {GOAL_PEAK_MIB} MiB)")
        print(f"batch throughput at 100 sectors, 1 worker: {batch_rate(paths[100], folder):.1f} "
              f"scenarios/s (goal >= {GOAL_BATCH_RATE})")
    print(f"(this process: peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"
          f" MiB; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
