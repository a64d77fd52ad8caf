"""Solving scenarios inside a worker process: the one place the batch touches the model.

A *runner* owns one model, built once per worker process from the base scenario and then
re-solved scenario after scenario by changing its parameters. :func:`run_chunk` is what
the coordinator ships to a worker (a local process or a Dask worker): it finds or builds
the runner of the base scenario in a per-process cache and solves a chunk of scenarios,
each warm-started from the nearest point this worker has already solved; a scenario that
fails is retried once as a homotopy from the benchmark, its shocks applied in steps.

A runner is any class built as ``Runner(base_path, base)`` with the methods

``apply(shocks, elasticities, closure)``
    set the model's parameters to the benchmark values changed by ``shocks`` (absolute,
    not cumulative) and its elasticities to the base's overridden by ``elasticities``;
    the variables keep their current values (the warm start);
``to_benchmark()``
    variables back to the benchmark solution;
``solve()``
    returns ``(ok, reason, iterations)``;
``report()``
    returns ``(rows, indicators)``: rows ``(variable, index, base, counterfactual)`` and
    ``{indicator: value}``;
``base_value(parameter, index)``
    the benchmark value of a parameter (to split a ``set`` shock into steps);

and optionally ``state()`` / ``load_state(state)`` (a copy of the variable values), which
enable warm starts from the nearest solved point instead of the previous one.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger("cge")

#: The runner of the real model, as ``module:attribute``.
MODEL_RUNNER = "cge.batch.worker:ModelRunner"
#: Steps of the homotopy retry: fractions of each shock applied in turn.
HOMOTOPY_STEPS = (0.25, 0.5, 0.75, 1.0)
#: Solved points remembered per worker for nearest-point warm starts.
WARM_START_MEMORY = 256

_local = threading.local()


# -- the chunk a worker runs --------------------------------------------------------------
def run_chunk(job: Mapping) -> list[tuple[str, dict]]:
    """Solve a chunk of scenarios; returns ``[(scenario_id, outcome), ...]``.

    Parameters
    ----------
    job : mapping
        ``runner`` (``module:attribute``), ``base_path``, ``base`` (the base scenario),
        ``base_digest`` and ``scenarios`` (dicts made by :mod:`cge.batch.spec`).
    """
    worker = _runner_for(job)
    return [(s["id"], worker.run(s)) for s in job["scenarios"]]


def init_process(job: Mapping) -> None:
    """Process-pool initializer: build the model once, before the first chunk arrives."""
    _runner_for(job)


def _runner_for(job: Mapping) -> _Worker:
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    key = (job["runner"], job["base_digest"])
    if key not in cache:
        start = time.perf_counter()
        factory = load_runner(job["runner"])
        cache[key] = _Worker(factory(Path(job["base_path"]), dict(job["base"])))
        log.info("built the model of %s in %.2f s (process %d)", job["base_path"],
                 time.perf_counter() - start, os.getpid())
    return cache[key]


def load_runner(spec: str):
    """The runner class named ``module:attribute``."""
    module, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module), attribute)


class _Worker:
    """A runner plus the memory of solved points used for warm starts."""

    def __init__(self, runner):
        self.runner = runner
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.can_restore = hasattr(runner, "state") and hasattr(runner, "load_state")
        self.memory: OrderedDict[tuple, object] = OrderedDict()
        self.last: tuple | None = None

    def run(self, scenario: Mapping) -> dict:
        """Solve one scenario; never raises, failures are outcomes."""
        start = time.perf_counter()
        shocks, elasticities = scenario["shocks"], scenario["elasticities"]
        closure = scenario.get("closure")
        point = input_point(scenario)
        attempts, iterations = 1, 0
        try:
            self._warm_start(point)
            self.runner.apply(shocks, elasticities, closure)
            ok, reason, iterations = self.runner.solve()
            if not ok:
                log.info("scenario %s: %s; retrying in %d steps from the benchmark",
                         scenario.get("name"), reason, len(HOMOTOPY_STEPS))
                attempts = 2
                ok, reason, more = self._homotopy(shocks, elasticities, closure)
                iterations += more
                if not ok:
                    reason = f"{reason} (also after {len(HOMOTOPY_STEPS)} homotopy steps)"
            rows, indicators = self.runner.report() if ok else ((), {})
        except Exception as exc:  # a model error must not stop the batch
            log.debug("scenario %s raised", scenario.get("name"), exc_info=True)
            ok, reason, rows, indicators = False, f"{type(exc).__name__}: {exc}", (), {}
            self._recover()
        if ok:
            self._remember(point)
        else:
            self._recover()
        return {"status": "solved" if ok else "failed", "reason": None if ok else reason,
                "iterations": int(iterations or 0), "seconds": time.perf_counter() - start,
                "attempts": attempts, "worker": self.name, "results": list(rows),
                "indicators": dict(indicators)}

    def _homotopy(self, shocks, elasticities, closure) -> tuple[bool, str, int]:
        self.runner.to_benchmark()
        total = 0
        for t in HOMOTOPY_STEPS:
            self.runner.apply(scale_shocks(shocks, t, self.runner.base_value),
                              elasticities, closure)
            ok, reason, iterations = self.runner.solve()
            total += iterations or 0
            if not ok:
                return False, f"{reason} at step {t:g} of the shock", total
        return True, "", total

    def _warm_start(self, point: tuple) -> None:
        """Start from the nearest solved point (the previous one when it is the nearest)."""
        if not self.can_restore or not self.memory or point == self.last:
            return
        keys = list(self.memory)
        if any(len(k) != len(point) for k in keys):
            return
        distance = np.abs(np.asarray(keys) - np.asarray(point)).sum(axis=1)
        nearest = keys[int(np.argmin(distance))]
        if nearest != self.last:
            self.runner.load_state(self.memory[nearest])
            self.last = nearest

    def _remember(self, point: tuple) -> None:
        self.last = point
        if not self.can_restore:
            return
        self.memory[point] = self.runner.state()
        self.memory.move_to_end(point)
        while len(self.memory) > WARM_START_MEMORY:
            self.memory.popitem(last=False)

    def _recover(self) -> None:
        """After a failure the variables are wherever the solver stopped: go back to the benchmark."""
        self.last = None
        try:
            self.runner.to_benchmark()
        except Exception:  # pragma: no cover - a broken model is reported by the next solve
            log.debug("could not restore the benchmark", exc_info=True)


def input_point(scenario: Mapping) -> tuple:
    """The scenario as a point in input space (shock values then elasticity values)."""
    return (tuple(float(s["value"]) for s in scenario["shocks"])
            + tuple(float(e["value"]) for e in scenario["elasticities"]))


def scale_shocks(shocks: Sequence[Mapping], t: float, base_value) -> list[dict]:
    """The fraction ``t`` of each shock, for a homotopy from the benchmark (``t = 0``).

    ``multiply m`` becomes ``multiply 1 + t (m - 1)``, ``add a`` becomes ``add t a`` and
    ``set v`` becomes ``set b + t (v - b)`` with ``b = base_value(parameter, index)``.
    """
    out = []
    for s in shocks:
        value = float(s["value"])
        if s["op"] == "multiply":
            value = 1.0 + t * (value - 1.0)
        elif s["op"] == "add":
            value = t * value
        else:
            b = float(base_value(s["parameter"], s.get("index")))
            value = b + t * (value - b)
        out.append({**s, "value": value})
    return out


# -- the real model -----------------------------------------------------------------------
class ModelRunner:
    """Runner of the ``cge`` model: built once from the base scenario, then re-solved."""

    def __init__(self, base_path: Path, base: dict):
        from ..scenario import Scenario

        self.scenario = Scenario.from_yaml(base_path)
        raise NotImplementedError("the model adapter is wired in when cge.model lands")
