"""Running a batch: local worker processes or a Dask cluster, results into the store.

The coordinating process expands the batch, skips what the store already holds as
solved, cuts the rest into chunks of neighbouring scenarios and hands them to workers;
each worker keeps one model per base scenario and re-solves it. Finished scenarios are
written to the store as their chunk comes back, a chunk in one transaction, so a batch
killed at any moment loses only the chunks in flight.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import ConfigError
from .spec import Batch, order_for_warm_start
from .store import FAILED, SOLVED, ResultStore
from .worker import MODEL_RUNNER, WorkerStartError, init_process, load_runner, run_chunk

log = logging.getLogger("cge")

#: Largest chunk handed to a worker at once (scenarios).
MAX_CHUNK = 64
#: Chunks per worker the batch is cut into at least, so the load balances.
CHUNKS_PER_WORKER = 4
#: Times a chunk is resubmitted after its worker died before it is split up.
CHUNK_RETRIES = 2
#: Failed scenarios whose reasons a summary keeps (the store has all of them).
FAILURES_KEPT = 5
#: Environment variables that keep BLAS/OpenMP (MUMPS) to one thread in worker processes.
SINGLE_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass
class Summary:
    """What one run of a batch did: ``solved + failed + skipped == total``.

    ``skipped`` counts scenarios already solved in the store before this run; ``solved``
    and ``failed`` those run now; ``failures`` holds ``(name, reason)`` of the first
    ``FAILURES_KEPT`` failed ones.
    """

    total: int
    solved: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    failures: list = field(default_factory=list)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["seconds"] = round(self.seconds, 3)
        return d


def run_batch(batch: Batch, store_dir: str | Path, workers: int | None = None,
              scheduler: str | None = None, runner: str = MODEL_RUNNER,
              chunk_size: int | None = None, progress: bool = True,
              append: bool = False) -> Summary:
    """Solve every scenario of ``batch`` not yet solved in the store at ``store_dir``.

    Parameters
    ----------
    batch : Batch
        From :func:`cge.batch.spec.read_batch`.
    store_dir : path
        Directory of the result store (created if missing).
    workers : int, optional
        Local worker processes (default: the number of CPUs). Ignored with ``scheduler``.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); the batch runs there.
    runner : str
        The runner class as ``module:attribute`` (see :mod:`cge.batch.worker`); the
        model runner becomes :class:`cge.batch.paths.PathRunner` for a base scenario
        with ``dynamics``.
    chunk_size : int, optional
        Scenarios per chunk; by default the batch is cut into at least
        ``CHUNKS_PER_WORKER`` chunks per worker, of at most ``MAX_CHUNK`` scenarios.
    progress : bool
        Show a progress bar (tqdm, on stderr).
    append : bool
        Add the batch to a store holding another base scenario's batch (otherwise a
        :class:`ConfigError`); :func:`cge.batch.load_results` separates them by
        ``base_digest``.

    Raises
    ------
    WorkerStartError
        A worker could not build the model of the base scenario; its message names the
        cause. Scenarios already solved stay in the store.
    """
    start = time.perf_counter()
    if runner == MODEL_RUNNER and batch.base.get("dynamics") is not None:
        from .paths import PATH_RUNNER

        runner = PATH_RUNNER                  # a base scenario with dynamics: paths
    check = getattr(load_runner(runner), "check_batch", None)
    if check is not None:
        check(batch)
    with ResultStore(store_dir) as store:
        store.open_batch(batch.source, str(batch.base_path), batch.base_digest, append)
        done = store.solved_ids()
        todo = [s for s in batch.scenarios if s["id"] not in done]
        summary = Summary(total=len(batch), skipped=len(batch) - len(todo))
        if todo:
            log.info("%d scenarios to solve, %d already solved", len(todo), summary.skipped)
            job = {"runner": runner, "base_path": str(batch.base_path), "base": batch.base,
                   "base_digest": batch.base_digest}
            if scheduler:
                n_workers, results = _dask(job, todo, scheduler, chunk_size)
            else:
                n_workers = max(1, workers or multiprocessing.cpu_count())
                size = chunk_size or default_chunk_size(len(todo), n_workers)
                results = _local(job, _chunks(order_for_warm_start(todo), size), n_workers)
            by_id = {s["id"]: s for s in todo}
            bar = _progress(len(todo), progress)
            try:
                for finished in results:
                    store.write_many((by_id[sid], outcome) for sid, outcome in finished)
                    for sid, outcome in finished:
                        if outcome["status"] == SOLVED:
                            summary.solved += 1
                            continue
                        summary.failed += 1
                        if len(summary.failures) < FAILURES_KEPT:
                            summary.failures.append((by_id[sid].get("name") or sid,
                                                     outcome.get("reason") or "no reason given"))
                    if bar is not None:
                        bar.set_postfix(solved=summary.solved, failed=summary.failed,
                                        refresh=False)
                        bar.update(len(finished))
            finally:
                if bar is not None:
                    bar.close()
    summary.seconds = time.perf_counter() - start
    return summary


def default_chunk_size(n: int, workers: int) -> int:
    """Scenarios per chunk: enough chunks to balance the load, each big enough to pay for itself."""
    return max(1, min(MAX_CHUNK, math.ceil(n / (workers * CHUNKS_PER_WORKER))))


def _chunks(scenarios: Sequence[Mapping], size: int) -> list[list[Mapping]]:
    return [list(scenarios[i:i + size]) for i in range(0, len(scenarios), size)]


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="scenario", desc="batch", file=sys.stderr,
                dynamic_ncols=True, smoothing=0.1)


# -- local processes ----------------------------------------------------------------------
def _local(job: Mapping, chunks: list[list[Mapping]], workers: int
           ) -> Iterator[list[tuple[str, dict]]]:
    """Run chunks on a pool of ``workers`` processes, each with its own persistent model.

    A worker that dies breaks the pool; the pool is restarted and the unfinished chunks
    resubmitted. A chunk that keeps killing its worker is split into single scenarios,
    and a single scenario that does is recorded as failed. A worker that cannot build
    the model (the pool initializer failed) stops the batch with
    :class:`~cge.batch.worker.WorkerStartError`, which names the cause.
    """
    pending = {i: (chunk, 0) for i, chunk in enumerate(chunks)}
    # One solver thread per worker process: with N processes on N cores, threaded linear
    # algebra would only make them fight over the cores.
    for name in SINGLE_THREAD_ENV:
        os.environ.setdefault(name, "1")
    context = multiprocessing.get_context("forkserver")
    while pending:
        n = min(workers, len(pending))
        pool = ProcessPoolExecutor(max_workers=n, mp_context=context,
                                   initializer=init_process, initargs=(job,))
        broken, futures = False, {}
        try:
            for key, (chunk, _) in pending.items():
                futures[pool.submit(run_chunk, {**job, "scenarios": chunk})] = key
        except BrokenProcessPool:
            broken = True
        try:
            while futures:
                finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in finished:
                    key = futures.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    except WorkerStartError:
                        broken = True   # do not wait for the other workers' chunks
                        raise
                    del pending[key]
                    yield result
                if broken:
                    break
        finally:
            pool.shutdown(wait=not broken, cancel_futures=True)
        if broken:
            pending, lost = _after_worker_death(pending)
            if lost:
                yield lost


def _after_worker_death(pending: dict) -> tuple[dict, list[tuple[str, dict]]]:
    """Chunks to resubmit after a worker died, and scenarios given up on."""
    log.warning("a worker process died; restarting the pool for %d unfinished chunks",
                len(pending))
    again, lost = {}, []
    for key, (chunk, tries) in pending.items():
        if tries < CHUNK_RETRIES:
            again[key] = (chunk, tries + 1)
        elif len(chunk) > 1:
            again.update({(key, j): ([s], 0) for j, s in enumerate(chunk)})
        else:
            lost.append((chunk[0]["id"], _died(chunk[0], tries + 1)))
    return again, lost


def _died(scenario: Mapping, attempts: int) -> dict:
    return {"status": FAILED, "attempts": attempts, "iterations": 0, "seconds": None,
            "reason": f"the worker process died {attempts} times solving this scenario",
            "worker": None, "results": [], "indicators": {}}


# -- Dask ---------------------------------------------------------------------------------
def _dask(job: Mapping, todo: list[Mapping], address: str, chunk_size: int | None):
    """Connect to the scheduler and return ``(workers, results iterator)``."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise ConfigError("--scheduler needs dask.distributed: "
                          "pip install 'dask[distributed]'") from None
    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {exc}",) from None
    n_workers = max(1, sum(w.get("nthreads", 1)
                           for w in client.scheduler_info()["workers"].values()))
    size = chunk_size or default_chunk_size(len(todo), n_workers)
    chunks = _chunks(order_for_warm_start(todo), size)
    return n_workers, _dask_results(client, job, chunks)


def _dask_results(client, job: Mapping, chunks: list[list[Mapping]]):
    """Submit every chunk; yield each chunk's outcomes as it finishes.

    The scheduler reschedules the chunks of a worker that dies; a chunk that kills
    workers too often (``KilledWorker``) is recorded as failed.
    """
    from distributed import as_completed

    try:
        futures = {client.submit(run_chunk, {**job, "scenarios": chunk}, pure=False): chunk
                   for chunk in chunks}
        for future in as_completed(futures, loop=client.loop):  # not the default client
            chunk = futures.pop(future)
            try:
                result = future.result()
            except WorkerStartError:
                raise
            except Exception as exc:  # KilledWorker, or the task itself raised
                reason = f"{type(exc).__name__}: {exc}"
                result = [(s["id"], {**_died(s, 1), "reason": reason}) for s in chunk]
            future.release()
            yield result
    finally:
        client.close()
