"""The runner of dynamic batches: each scenario a business-as-usual and a shocked path.

A base scenario with ``dynamics:`` makes :func:`cge.batch.run_batch` use
:class:`PathRunner` instead of the static model runner. The runner builds the dynamic
engine once per worker (and calibrates business as usual to the GDP path when the
dynamics give one); each scenario then sets its elasticities, solves business as usual
(cached per set of elasticities) and the path with its shocks, and reports every
reported variable in every period (:class:`cge.batch.store.PathLevels`), the summary
of the path (discounted EV, its undiscounted sum, the last period's indicators) and the
indicators of every period.

Path parameters in a batch:

* a batch shock to the parameter, index and operation of a base shock with a time path
  keeps that path's timing: ``{parameter: export_demand, index: C_SEC, multiply:
  [0.6, 0.7, 0.8]}`` varies the end point of the base scenario's ramp; an explicit
  ``{period: value}`` path is scaled so that its last step reaches the batch value (the
  batch form of such a shock carries its first value: that value keeps the path as is);
* :data:`PATH_PARAMETERS` (``labour_growth``) shift or scale a path of the
  ``dynamics`` block itself, e.g. ``{parameter: labour_growth, add: [-0.002, 0, 0.002]}``:
  business as usual changes with it (as it does with the elasticities), so the
  deviations of a scenario are those of its shocks in the world its inputs describe.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

log = logging.getLogger("cge")

#: Paths of the ``dynamics:`` block a batch may vary, as shock parameters (``add``: a
#: number added to the path in every period; ``multiply``; ``set``: a constant path).
PATH_PARAMETERS = {"labour_growth": "growth of the labour force per period"}
#: The runner of dynamic scenarios, as ``module:attribute``.
PATH_RUNNER = "cge.batch.paths:PathRunner"


class PathRunner:
    """Runner (see :mod:`cge.batch.worker`) of a base scenario with ``dynamics``."""

    @staticmethod
    def check_batch(batch) -> None:
        """The batch's shocks and elasticities fit the model; path parameters are known."""
        from .spec import check_model_names

        model_only = [dict(s, shocks=[x for x in s["shocks"]
                                      if x["parameter"] not in PATH_PARAMETERS])
                      for s in batch.scenarios]
        entries = {k: v for k, v in batch.entries.items()
                   if not (k[0] == "shock" and k[1] in PATH_PARAMETERS)}
        check_model_names(replace(batch, scenarios=model_only, entries=entries))

    def __init__(self, base_path: Path, base: dict):
        from ..dynamics import DynamicModel
        from ..scenario import Scenario
        from .worker import reported_positions

        self.scenario = s = Scenario.from_yaml(base_path)
        self.engine = engine = DynamicModel(s.load_sam(), s.model, s.dynamics, s.closure,
                                            s.elasticities, s.options)
        if engine.dynamics.gdp_growth is not None:
            from ..baseline import calibrate_gdp_path, with_calibrated_productivity

            with_calibrated_productivity(engine, calibrate_gdp_path(engine))
        self.dynamics = engine.dynamics           # the calibrated block, every scenario's
        self.base_shocks = {(x.parameter, x.index, x.operation): x for x in s.shocks}
        self.base_elasticities = dict(s.elasticities)
        self.current_elasticities = self.base_elasticities
        self.current_closure = dict(s.closure or {})
        layout = engine.index.layout
        self._names, self._labels, self._report_at = reported_positions(layout)
        self._bau: dict[str, object] = {}
        self._plan = None
        self.shocks: list = []
        self.result = None

    # -- the runner interface ---------------------------------------------------------
    def apply(self, shocks, elasticities, closure) -> None:
        from .worker import _merge_elasticities

        wanted = _merge_elasticities(self.base_elasticities, elasticities)
        if wanted != self.current_elasticities:
            self.engine.set_elasticities(wanted)
            self.current_elasticities = wanted
            self._plan = None
        wanted_closure = {**(self.scenario.closure or {}), **(closure or {})}
        if wanted_closure != self.current_closure:     # back to the base's when none given
            self.engine.model.apply_closure(wanted_closure)
            self.current_closure = wanted_closure
        dynamics, model_shocks = self.dynamics, []
        for x in shocks:
            if x["parameter"] in PATH_PARAMETERS:
                dynamics = _shift_path(dynamics, x)
            else:
                model_shocks.append(self._timed(x))
        if dynamics is not self.engine.dynamics:
            self.engine.dynamics = dynamics
        self.shocks = model_shocks

    def to_benchmark(self) -> None:
        """Nothing to restore: every path starts from the benchmark."""

    def solve(self):
        from ..errors import SolveError

        engine, start = self.engine, time.perf_counter()
        key = repr(sorted(self.current_elasticities.items())) + repr(engine.dynamics) \
            + repr(engine.base_closure() or engine.model.closure.to_dict())
        try:
            bau = self._bau.get(key)
            if bau is None:
                if len(self._bau) > 16:
                    self._bau.clear()
                bau = self._bau[key] = engine.base_path()
            cf = engine.run_path(self.shocks, base=bau)
        except SolveError as exc:
            self.result = None
            return False, str(exc), 0, time.perf_counter() - start
        self.result = (bau, cf)
        iterations = sum(cf.iterations())
        return True, "", iterations, time.perf_counter() - start

    def report(self):
        from ..path_indicators import PathPlan
        from .store import PathLevels

        bau, cf = self.result
        engine = self.engine
        sam = engine.index.to_sam_units
        base, counterfactual = bau.levels * sam, cf.levels * sam
        if self._plan is None:
            self._plan = PathPlan(engine.model, engine.benchmark * sam)
        variables = tuple(zip(self._names, self._labels,
                              base[0, self._report_at].tolist(), strict=True))
        labels = tuple(str(p) for p in engine.dynamics.labels)
        rows = self._plan.by_period(base, counterfactual)
        ev = np.array([_value(r, "equivalent_variation") for r in rows])
        discount = (1.0 + engine.dynamics.interest_rate) ** -np.arange(len(labels))
        summary = [("equivalent_variation", "_", None, None, float(ev @ discount)),
                   ("equivalent_variation_sum", "_", None, None, float(ev.sum())),
                   *[r for r in rows[-1] if r[0] != "equivalent_variation"]]
        path = PathLevels(variables, labels, base[:, self._report_at],
                          counterfactual[:, self._report_at])
        return path, summary, list(zip(labels, rows, strict=True))

    def base_value(self, parameter, index):
        """Benchmark value of a parameter (``{label: value}`` over its index)."""
        from ..model.build import SHOCK_PARAMETERS
        from ..results import index_key

        if parameter in PATH_PARAMETERS:
            return 0.0
        m = self.engine.model
        spec = SHOCK_PARAMETERS[parameter]
        layout = self.engine.index.layout
        sl, keys = layout.slices[spec.component], layout.keys[spec.component]
        values = self.engine.benchmark[sl] * (m.scale if spec.quantity else 1.0)
        out = {(None if k is None else index_key(k)): float(v)
               for k, v in zip(keys, values, strict=True)}
        return out[index] if index is not None else out

    # -- helpers ----------------------------------------------------------------------
    def _timed(self, x):
        """A batch shock with the timing of the base shock it replaces (if any)."""
        from ..model.shocks import Shock

        base = self.base_shocks.get((x["parameter"], x.get("index"), x["op"]))
        value = float(x["value"])
        if base is None or not base.timed:
            return Shock(x["parameter"], x["op"], value, x.get("index"))
        if base.path is None:
            return replace(base, value=value)
        if np.isclose(value, base.value):        # the base shock itself (its first value)
            return base
        neutral = {"multiply": 1.0, "add": 0.0}.get(base.operation)
        last = float(base.path[-1][1])
        if neutral is None or last == neutral:
            return replace(base, path=tuple((p, value) for p, _ in base.path))
        scale = (value - neutral) / (last - neutral)
        return replace(base, path=tuple((p, neutral + (float(v) - neutral) * scale)
                                        for p, v in base.path))


def _shift_path(dynamics, shock):
    """``dynamics`` with a path of :data:`PATH_PARAMETERS` changed by a batch shock."""
    name, op, value = shock["parameter"], shock["op"], float(shock["value"])
    path = getattr(dynamics, f"{name}_path")
    new = {"add": path + value, "multiply": path * value,
           "set": np.full_like(path, value)}[op]
    return replace(dynamics, **{name: new.tolist()})


def _value(rows, name: str) -> float:
    return next(float(v) for n, _, _, _, v in rows if n == name and v is not None)
