"""Solving scenarios inside a worker process: the one place the batch touches the model.

A *runner* owns one model, built once per worker process from the base scenario and then
re-solved scenario after scenario by changing its parameters. :func:`run_chunk` is what
the coordinator ships to a worker (a local process or a Dask worker): it finds or builds
the runner of the base scenario in a per-process cache and solves a chunk of scenarios,
each warm-started from the nearest point this worker has already solved; a scenario that
fails is retried once as a homotopy from the benchmark, its shocks applied in steps.
A runner that cannot be built raises :class:`WorkerStartError` from the chunk, which
stops the batch with the cause.

A runner is any class built as ``Runner(base_path, base)`` with the methods

``apply(shocks, elasticities, closure)``
    set the model's parameters to the benchmark values changed by ``shocks`` (absolute,
    not cumulative) and its elasticities to the base's overridden by ``elasticities``;
    the variables keep their current values (the warm start);
``to_benchmark()``
    variables back to the benchmark solution;
``solve()``
    returns ``(ok, reason, iterations, seconds)`` (the solver's time);
``report()``
    returns ``(rows, indicators)``: rows ``(variable, index, base, counterfactual)`` (or
    a :class:`cge.batch.store.Levels` vector) and
    indicator rows ``(indicator, index, base, counterfactual, value)`` (or a mapping
    ``{indicator: value}`` of scalars); a runner of dynamic scenarios returns
    ``(path, indicators, path_indicators)``: a :class:`cge.batch.store.PathLevels`, the
    summary indicators of the path, and ``[(period, indicator rows), ...]``;
``base_value(parameter, index)``
    the benchmark value of a parameter, or ``{index: value}`` when ``index`` is ``None``
    (to split a ``set`` shock into steps);

and optionally ``state()`` / ``load_state(state)`` (a copy of the variable values), which
enable warm starts from the nearest solved point instead of the previous one, and a static
``check_batch(batch)`` that raises :class:`cge.errors.ConfigError` for inputs the runner
does not know; :func:`cge.batch.run_batch` calls it before any scenario runs.
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

from ..errors import CGEError

log = logging.getLogger("cge")

#: The runner of the real model, as ``module:attribute``.
MODEL_RUNNER = "cge.batch.worker:ModelRunner"
#: Steps of the homotopy retry: fractions of each shock applied in turn.
HOMOTOPY_STEPS = (0.25, 0.5, 0.75, 1.0)
#: Solved points remembered per worker for nearest-point warm starts.
WARM_START_MEMORY = 256
#: The elasticities the indicator plan of a model depends on (labour-demand elasticities,
#: LES marginal budget shares); the others only change the solution.
PLAN_ELASTICITIES = ("value_added", "top", "income")

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


class WorkerStartError(CGEError):
    """A worker could not build the runner (the model of the base scenario): nothing can run."""


def init_process(job: Mapping) -> None:
    """Process-pool initializer: build the model once, before the first chunk arrives.

    A failure does not escape (the pool would only see its processes die): it is kept
    and raised, as :class:`WorkerStartError`, by the process's first chunk, so that the
    coordinator learns its cause.
    """
    try:
        _runner_for(job)
    except WorkerStartError as exc:
        _start_errors()[_key(job)] = exc


def _runner_for(job: Mapping) -> _Worker:
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    key = _key(job)
    if key not in cache:
        failed = _start_errors().pop(key, None)
        if failed is not None:
            raise failed
        start = time.perf_counter()
        try:
            factory = load_runner(job["runner"])
            runner = factory(Path(job["base_path"]), dict(job["base"]))
        except Exception as exc:
            log.debug("building the model of %s failed", job["base_path"], exc_info=True)
            cause = str(exc) if isinstance(exc, CGEError) else f"{type(exc).__name__}: {exc}"
            raise WorkerStartError(f"the batch cannot start: the model of the base scenario "
                                   f"{job['base_path']} does not build: {cause}") from None
        cache[key] = _Worker(runner)
        log.info("built the model of %s in %.2f s (process %d)", job["base_path"],
                 time.perf_counter() - start, os.getpid())
    return cache[key]


def _key(job: Mapping) -> tuple[str, str]:
    return job["runner"], job["base_digest"]


def _start_errors() -> dict:
    """This process's failed builds, from the pool initializer to the first chunk."""
    errors = getattr(_local, "start_errors", None)
    if errors is None:
        errors = _local.start_errors = {}
    return errors


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
        attempts, iterations, seconds = 1, 0, 0.0
        try:
            self._warm_start(point)
            self.runner.apply(shocks, elasticities, closure)
            ok, reason, iterations, seconds = self.runner.solve()
            if not ok:
                log.info("scenario %s: %s; retrying in %d steps from the benchmark",
                         scenario.get("name"), reason, len(HOMOTOPY_STEPS))
                attempts = 2
                ok, reason, more, more_seconds = self._homotopy(shocks, elasticities, closure)
                iterations += more
                seconds += more_seconds
                if not ok:
                    reason = f"{reason} (also after {len(HOMOTOPY_STEPS)} homotopy steps)"
            rows, indicators, *by_period = self.runner.report() if ok else ((), ())
        except Exception as exc:  # a model error must not stop the batch
            log.debug("scenario %s raised", scenario.get("name"), exc_info=True)
            ok, reason, rows, indicators = False, f"{type(exc).__name__}: {exc}", (), ()
            by_period = []
        if ok:
            self._remember(point)
        else:
            self._recover()
        return {"status": "solved" if ok else "failed", "reason": None if ok else reason,
                "iterations": int(iterations or 0),
                "seconds": float(seconds) if seconds else time.perf_counter() - start,
                "attempts": attempts, "worker": self.name, "results": rows,
                "indicators": (dict(indicators) if isinstance(indicators, Mapping)
                               else list(indicators)),
                "path_indicators": list(by_period[0]) if by_period else []}

    def _homotopy(self, shocks, elasticities, closure) -> tuple[bool, str, int, float]:
        self.runner.to_benchmark()
        total, seconds = 0, 0.0
        for t in HOMOTOPY_STEPS:
            self.runner.apply(scale_shocks(shocks, t, self.runner.base_value),
                              elasticities, closure)
            ok, reason, iterations, more = self.runner.solve()
            total += iterations or 0
            seconds += more or 0.0
            if not ok:
                return False, f"{reason} at step {t:g} of the shock", total, seconds
        return True, "", total, seconds

    def _warm_start(self, point: tuple) -> None:
        """Start from the nearest solved point (the previous one when it is the nearest)."""
        if not self.can_restore or not self.memory or point == self.last:
            return
        keys = list(self.memory)
        if any(len(k) != len(point) for k in keys):
            return
        distance = np.abs(np.asarray(keys) - np.asarray(point)).sum(axis=1)
        nearest = keys[int(np.argmin(distance))]
        if keys[-1] == self.last and distance[-1] <= distance.min():
            return   # the previous point (remembered last) is one of the nearest
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


def reported_positions(layout) -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray]:
    """The reported variables in a model's variable order: result names, index labels (``_``
    for a scalar) and positions in the variable vector, one entry per element."""
    from ..flows import RESULT_PATHS
    from ..results import index_key

    names, labels, positions = [], [], []
    for name, path in RESULT_PATHS.items():
        if path in layout.slices:
            start = layout.slices[path].start
            for j, key in enumerate(layout.keys[path]):
                names.append(name)
                labels.append("_" if key is None else index_key(key))
                positions.append(start + j)
    return tuple(names), tuple(labels), np.array(positions, dtype=np.intp)


def input_point(scenario: Mapping) -> tuple:
    """The scenario as a point in input space (shock values then elasticity values)."""
    return (tuple(float(s["value"]) for s in scenario["shocks"])
            + tuple(float(e["value"]) for e in scenario["elasticities"]))


def scale_shocks(shocks: Sequence[Mapping], t: float, base_value) -> list[dict]:
    """The fraction ``t`` of each shock, for a homotopy from the benchmark (``t = 0``).

    ``multiply m`` becomes ``multiply 1 + t (m - 1)``, ``add a`` becomes ``add t a`` and
    ``set v`` becomes ``set b + t (v - b)`` with ``b = base_value(parameter, index)`` (one
    shock per index when the shock has no index and the benchmark values differ).
    """
    out = []
    for s in shocks:
        value = float(s["value"])
        if s["op"] == "multiply":
            out.append({**s, "value": 1.0 + t * (value - 1.0)})
        elif s["op"] == "add":
            out.append({**s, "value": t * value})
        else:
            b = base_value(s["parameter"], s.get("index"))
            per_index = b.items() if isinstance(b, Mapping) else [(s.get("index"), b)]
            out += [{**s, "index": k, "value": float(v) + t * (value - float(v))}
                    for k, v in per_index]
    return out


# -- the real model -----------------------------------------------------------------------
class ModelRunner:
    """Runner of the ``cge`` model: built and solved at the benchmark once, then re-solved.

    Each scenario puts the pinned (exogenous) variables back to their benchmark values,
    applies its shocks and solves with the persistent cyipopt problem from the current
    point. Elasticities are recalibrated in place when they change (the shares and
    scales are pinned variables, so the solver keeps its problem), the closure switched
    only when it changes.

    :meth:`report` gives every result variable and the full indicator set of
    :func:`cge.indicators.indicators` (computed from the variable vector by
    :class:`cge.indicators.IndicatorPlan`), as rows
    ``(indicator, index, base, counterfactual, value)``.
    """

    @staticmethod
    def check_batch(batch) -> None:
        """Every shock parameter and elasticity of ``batch`` is one of the model's."""
        from .spec import check_model_names

        check_model_names(batch)

    def __init__(self, base_path: Path, base: dict):
        from ..errors import SolveError
        from ..scenario import Scenario

        self.scenario = Scenario.from_yaml(base_path)
        self.model = model = self.scenario.build()
        self.base_elasticities = dict(self.scenario.elasticities)
        self.base_closure = dict(self.scenario.closure or {})
        self.current_elasticities = self.base_elasticities
        self.current_closure = self.base_closure
        index = model.variable_index
        layout = index.layout
        names, labels, self._report_at = reported_positions(layout)
        self._shocked: set[str] = set()   # variables the last scenario's shocks moved
        self._free_at: np.ndarray | None = None
        #: the variables as :meth:`report` read them, until :meth:`state` or :meth:`apply`
        self._solved: np.ndarray | None = None
        stats = model.solve_stats("persistent")
        if not stats.ok:
            raise SolveError(f"{base_path}: the benchmark does not solve ({stats.message})")
        self.base_vector = self._levels()
        #: ``(variable, index, base)`` of every reported level: one object, pickled once a chunk
        self._reported = tuple(zip(names, labels, self.base_vector[self._report_at].tolist(),
                                   strict=True))
        self.benchmark_state = self.state()
        self._plans: dict[str, object] = {}
        self._les = model.options.household_demand == "les"

    # -- the runner interface -------------------------------------------------------
    def apply(self, shocks, elasticities, closure) -> None:
        self._solved = None
        wanted = _merge_elasticities(self.base_elasticities, elasticities)
        if wanted != self.current_elasticities:
            self.model.set_elasticities(wanted)   # pins the new shares and scales
            self.current_elasticities = wanted
        closure = {**self.base_closure, **(closure or {})}
        if closure != self.current_closure:
            self.model.apply_closure(closure)
            self.current_closure = closure
            self._shocked = set(self.model.variable_index.layout.paths)
            self._free_at = None
        self._unshock(self._shocked)
        self._shocked = {path for s in shocks for path in _shocked_paths(s["parameter"])}
        if shocks:
            from ..results import index_key

            self.model.apply_shocks([{"parameter": s["parameter"], s["op"]: s["value"],
                                      **({"index": index_key(s["index"])}
                                         if s.get("index") is not None else {})}
                                     for s in shocks])

    def to_benchmark(self) -> None:
        self.load_state(self.benchmark_state)

    def solve(self):
        self._solved = None
        stats = self.model.solve_stats("persistent")
        reason = "" if stats.ok else (
            f"{stats.message} after {stats.iterations} iterations, largest scaled residual "
            f"{stats.max_residual:.3g}"
            + (f" in {stats.worst[0][0]}" if stats.worst else ""))
        return stats.ok, reason, stats.iterations, stats.seconds

    def report(self):
        from .store import Levels

        index = self.model.variable_index
        self._solved = index.values()
        levels = self._solved * index.to_sam_units
        return Levels(self._reported, levels[self._report_at]), self._plan().rows(levels)

    def base_value(self, parameter, index):
        """Benchmark value of ``parameter[index]``, or ``{label: value}`` over its index.

        Labels are those shocks take (:func:`cge.results.index_key`: ``"HH,ENT"`` for a
        two-index parameter).
        """
        from ..model.build import SHOCK_PARAMETERS
        from ..results import index_key

        spec = SHOCK_PARAMETERS[parameter]
        var = self.model.component(spec.component)
        scale = self.model.scale if spec.quantity else 1.0
        positions = self.model.variable_index.positions
        if index is not None:
            key = tuple(p.strip() for p in index.split(",")) if "," in index else index
            return float(self.benchmark_state[positions([var[key]])[0]]) * scale
        keys = list(var.keys())
        values = self.benchmark_state[positions(var[k] for k in keys)] * scale
        return {(None if k is None else index_key(k)): float(x)
                for k, x in zip(keys, values, strict=True)}

    def state(self) -> np.ndarray:
        # the worker asks for the state of a solved scenario right after its report, which
        # has read the variables already
        solved, self._solved = self._solved, None
        return self.model.variable_index.values() if solved is None else solved

    def load_state(self, state) -> None:
        """Free variables back to ``state`` (pinned ones are set by :meth:`apply`)."""
        self._solved = None
        index = self.model.variable_index
        if self._free_at is None:   # which variables are free changes with the closure only
            self._free_at = np.flatnonzero(~index.pinned())
        index.assign(self._free_at, state[self._free_at])

    # -- helpers -------------------------------------------------------------------
    def _unshock(self, paths) -> None:
        """Pinned variables of ``paths`` back to their benchmark values."""
        paths = list(paths)
        if not paths:
            return
        bench = self.model.benchmark_levels   # follows recalibrated elasticities
        index = self.model.variable_index
        slices = [index.layout.slices[path] for path in paths]
        at = np.concatenate([np.arange(sl.start, sl.stop) for sl in slices])
        values = np.concatenate([bench[path] for path in paths])
        pinned = index.pinned_at(at)
        index.pin(at[pinned], values[pinned])

    def _levels(self) -> np.ndarray:
        """Every variable in SAM units."""
        index = self.model.variable_index
        return index.values() * index.to_sam_units

    def _plan(self):
        """The indicator plan of the current closure and budget shares (made once each)."""
        from ..indicators import IndicatorPlan

        # the labour-demand elasticities follow the value-added and top elasticities, the
        # LES marginal budget shares the income elasticities: the plan is kept by these
        # (keyed by the elasticities themselves, so that a scenario does not recompute the
        # calibration tables to read them)
        key = repr((sorted(self.current_closure.items()),
                    [(name, self.current_elasticities.get(name)) for name in PLAN_ELASTICITIES
                     if name != "income" or self._les]))
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) > 64:
                self._plans.clear()
            plan = self._plans[key] = IndicatorPlan.for_model(self.model,
                                                                       self.base_vector)
        return plan


def _shocked_paths(parameter: str) -> tuple[str, ...]:
    """The variables a shock to ``parameter`` may move (endowments: also capital stocks)."""
    from ..model.build import SHOCK_PARAMETERS

    path = SHOCK_PARAMETERS[parameter].component
    return (path, "production.factor_demand") if parameter == "factor_endowment" else (path,)


def _merge_elasticities(base: Mapping, overrides: Sequence[Mapping]) -> dict:
    """The base scenario's elasticities with the batch's overrides.

    ``{elasticity: cet, value: 3}`` replaces ``cet`` for every account;
    ``{elasticity: cet, index: BRD, value: 3}`` only for BRD (others keep the base value).
    """
    merged = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in base.items()}
    for e in overrides:
        name, index, value = e["elasticity"], e.get("index"), float(e["value"])
        if index is None:
            merged[name] = value
            continue
        current = merged.get(name)
        if not isinstance(current, dict):
            current = {} if current is None else {"default": current}
        current[index] = value
        merged[name] = current
    return merged
