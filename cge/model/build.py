"""The assembled model: blocks on one Pyomo ``ConcreteModel``, a closure, shocks.

:class:`CGEModel` is what users hold::

    model = CGEModel(sam, spec="stdcge")
    base = model.solve()                      # the benchmark: replicates the SAM
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    cf = model.solve()                        # warm-started from the current point
    model.reset()                             # back to the benchmark, cheaply

The Pyomo model works in SAM units divided by ``calibration.scale``; results are
reported in SAM units. The balance of payments is deactivated (Walras' law makes
it redundant once a numeraire is fixed); its residual after a solve is the Walras
check.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from ..calibration import Calibration, Options, calibrate
from ..errors import ConfigError, Problem
from ..sam.core import SAM
from .closures import Closure, capital_stock_shocks, check_closure, pin_closure
from .config import GAMS_NAMES, get_specification  # noqa: F401 (GAMS_NAMES re-exported)
from .data import ModelData, model_data  # noqa: F401 (model_data re-exported)
from .recalibration import (  # noqa: F401 (re-exported)
    ELASTICITY_PARAMETERS,
    EXPORT_DEMAND_SWITCH,
    TOP_SWITCH,
    VA_SWITCH,
    Recalibration,
    table_loads,
)
from .shocks import SHOCK_PARAMETERS, ShockParameter  # noqa: F401 (re-exported)
from .solution import RESULT_VARIABLES, Solution  # noqa: F401 (RESULT_VARIABLES re-exported)
from .variables import BenchmarkLevels, VariableIndex, VariableLayout  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from ..solve import SolveStats

log = logging.getLogger("cge")

def _check_calibration(cal: Calibration, spec: str, elasticities, options) -> None:
    """A calibration reused for a model must be of its specification and stand alone."""
    problems = []
    if cal.spec != spec:
        problems.append(Problem("spec_mismatch", "calibration", f"calibrated for the {cal.spec} "
                                f"model, not {spec}", f"calibrate(sam, {spec!r}), or build "
                                f"the {cal.spec} model"))
    for name, value in (("elasticities", elasticities), ("options", options)):
        if value:
            problems.append(Problem("ignored_argument", name, f"{name} given together with a "
                                    "calibration, which has its own",
                                    f"pass {name} to calibrate(), or no calibration"))
    if problems:
        raise ConfigError("the calibration does not fit this model", problems)


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while a model is built.

    Pausing alone defers the work: the first collection after it traverses every
    object made meanwhile (70 ms after a build at 300 sectors), to find no garbage in
    a model just built. So the objects are then moved to the oldest generation
    untraversed (``gc.freeze`` followed by ``gc.unfreeze``), where only a full
    collection visits them, unless the program keeps frozen objects of its own
    (the command line freezes its imports), which an unfreeze would release.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def build_pyomo(cal: Calibration):
    """Assemble the Pyomo model from the blocks (no closure applied yet).

    Returns the model and its :class:`~cge.model.data.ModelData`.
    """
    import pyomo.environ as pyo

    from .blocks import build_blocks

    data = model_data(cal)
    m = pyo.ConcreteModel(name=f"{cal.spec} CGE model of {cal.sam.name}")
    build_blocks(m, data)
    # Walras' law: with a numeraire fixed, one market equation is implied by the others.
    m.rest_of_world.balance_of_payments.deactivate()
    m.objective = pyo.Objective(expr=0.0, doc="none: the model is a square system of equations")
    return m, data


class CGEModel:
    """A calibrated, built CGE model with a closure, ready to solve and shock.

    Parameters
    ----------
    sam : SAM
        A balanced SAM with roles.
    spec : {"stdcge", "standard"}
        Model specification.
    closure : Closure or mapping, optional
        Defaults per specification (see :mod:`cge.model.closures`).
    elasticities : mapping, optional
        ``{"armington": ..., "cet": ..., ...}``.
    calibration : Calibration, optional
        Reuse a calibration (of the same ``spec``) instead of calibrating ``sam`` again;
        it carries its own elasticities and options, so those are not passed with it.
    options : mapping, optional
        Functional forms, e.g. ``{"household_demand": "les"}`` (see
        :class:`cge.model.config.Options`).
    """

    def __init__(self, sam: SAM, spec: str = "standard", closure: Closure | Mapping | None = None,
                 elasticities: Mapping[str, Any] | None = None,
                 calibration: Calibration | None = None,
                 options: Mapping[str, Any] | None = None):
        specification = get_specification(spec)
        if calibration is not None:
            _check_calibration(calibration, spec, elasticities, options)
        self.spec = spec
        self._pending_elasticities = None
        self._recalibration = None
        # building makes hundreds of thousands of objects, none of them garbage: the
        # cyclic collector is paused meanwhile (see _collector_paused)
        with _collector_paused():
            self.calibration = calibration or calibrate(sam, spec, elasticities, options)
            self.sam = self.calibration.sam
            self.scale = self.calibration.scale
            self.closure = Closure.from_user(closure, specification.default_closure)
            self.pyomo, self.data = build_pyomo(self.calibration)
            self._variable_index = None
            self._persistent = None
            #: levels of every variable (``variable_index`` order) where the persistent
            #: solver's chord steps take their Jacobian (:mod:`cge.chord`); ``None``: the
            #: benchmark
            self.chord_reference: np.ndarray | None = None
            self._check_closure(self.closure)
            self._benchmark = self._snapshot()
            self.apply_closure(self.closure)
        self.last_stats = None

    # -- structure ----------------------------------------------------------------
    @property
    def accounts(self):
        """The sets (activities, commodities, factors, ...)."""
        return self.calibration.accounts

    def component(self, path: str):
        """A Pyomo component by dotted path, e.g. ``"trade.imports"``."""
        obj = self.pyomo
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                raise KeyError(path)
        return obj

    def has_component(self, path: str) -> bool:
        try:
            self.component(path)
        except KeyError:
            return False
        return True

    def unit_kind(self, path: str) -> str:
        """``quantity`` (SAM units), ``price`` or ``rate``."""
        return self.pyomo._unit_kind.get(path, "quantity")

    def variables(self) -> Iterable[tuple[str, Any]]:
        """(dotted path, Pyomo Var) for every variable of the model."""
        import pyomo.environ as pyo

        for v in self.pyomo.component_objects(pyo.Var, descend_into=True):
            yield v.getname(fully_qualified=True), v

    @property
    def variable_index(self) -> VariableIndex:
        """Every scalar variable in one fixed order (built on first use)."""
        if self._variable_index is None:
            self._variable_index = VariableIndex(self)
        return self._variable_index

    def counts(self) -> dict[str, int]:
        """Numbers of variables (free and pinned) and active equations."""
        import pyomo.environ as pyo

        n_pinned = int(self.variable_index.pinned().sum())
        n_eq = sum(1 for _ in self.pyomo.component_data_objects(pyo.Constraint, active=True))
        return {"free_variables": len(self.variable_index) - n_pinned,
                "pinned_variables": n_pinned, "equations": n_eq}

    # -- closure ------------------------------------------------------------------
    def _check_closure(self, cl: Closure) -> None:
        check_closure(cl, self.data, self.spec)

    def apply_closure(self, closure: Closure | Mapping) -> None:
        """Choose the exogenous macro variables (see :mod:`cge.model.closures`).

        A variable the closure makes exogenous is pinned at its benchmark level (not at
        the level of the last counterfactual); one that stays exogenous keeps its value.
        """
        cl = Closure.from_user(closure, get_specification(self.spec).default_closure)
        self._check_closure(cl)
        pin_closure(self, cl)
        self.closure = cl
        if self._persistent is not None:
            # a closure moves bounds only: the persistent NLP stays unless equations changed
            self._persistent.check_equations()

    # -- state --------------------------------------------------------------------
    def _snapshot(self) -> dict[str, np.ndarray]:
        index = self.variable_index
        values = index.values()
        return {path: values[sl] for path, sl in index.layout.slices.items()}

    def _restore(self, snap: Mapping[str, np.ndarray]) -> None:
        """Every variable back to ``snap``; pinned ones are pinned at their value there."""
        index = self.variable_index
        index.restore(np.concatenate([snap[p] for p in index.layout.paths]))

    def reset(self) -> None:
        """Back to the benchmark: every variable and every pinned parameter."""
        self._restore(self._benchmark)

    @property
    def benchmark_levels(self) -> Mapping[str, np.ndarray]:
        """Benchmark level of every variable, by dotted path (model units, read-only).

        Arrays are in the order of ``variable_index.layout.keys[path]``. Pinned
        parameters recalibrated by :meth:`set_elasticities` read their new values here,
        as :meth:`reset` restores them.
        """
        return BenchmarkLevels(self._benchmark)

    @property
    def options(self) -> Options:
        """The functional forms the model was built with (e.g. LES household demand)."""
        return self._calibration.options or Options()

    @property
    def calibration(self) -> Calibration:
        """The calibration, at the elasticities last set (recomputed when first read)."""
        if self._pending_elasticities is not None:
            self._calibration = self._calibration.with_elasticities(self._pending_elasticities)
            self._pending_elasticities = None
        return self._calibration

    @calibration.setter
    def calibration(self, value: Calibration) -> None:
        self._calibration, self._pending_elasticities = value, None

    @property
    def data(self) -> ModelData:
        """The blocks' data (:class:`~cge.model.data.ModelData`) at the current elasticities."""
        if self._data_stale:
            self._model_data = model_data(self.calibration)
            self._data_stale = False
        return self._model_data

    @data.setter
    def data(self, value: ModelData) -> None:
        self._model_data, self._data_stale = value, False

    def set_elasticities(self, elasticities: Mapping[str, Any]) -> None:
        """Recalibrate elasticity-dependent parameters in place (no rebuild).

        The benchmark still replicates: only the curvature of the Armington, CET
        and value-added functions changes. The parameters
        (:data:`~cge.model.recalibration.ELASTICITY_PARAMETERS`) are pinned variables, so
        a persistent solver keeps its problem. Shares and scales are computed from
        benchmark arrays (:class:`~cge.model.recalibration.Recalibration`); the
        :attr:`calibration` tables follow when first read.
        """
        from ..calibration import Elasticities

        if self._recalibration is None:
            self._recalibration = Recalibration(self.calibration, self.data,
                                                self.variable_index.layout)
        el = Elasticities.from_user(elasticities, self.spec)
        loads = self._recalibration.loads(el)
        if loads is None:   # LES household demand: the full recalibration, through the tables
            new = self.calibration.with_elasticities(elasticities)
            fresh = model_data(new)
            self._pin_parameters(table_loads(fresh, self.variable_index.layout))
            self.calibration, self.data = new, fresh
            return
        self._pin_parameters(loads)
        self._pending_elasticities = el   # absolute, so it replaces any pending one
        self._data_stale = True

    def _pin_parameters(self, loads: Mapping[str, np.ndarray]) -> None:
        """Pin elasticity-dependent parameters (pinned variables) at new values.

        ``loads``: dotted path -> values in the variable's index order. The benchmark
        snapshot follows, so :meth:`reset` keeps the new elasticities; the persistent
        problem reads pinned values at each solve and is kept.
        """
        index = self.variable_index
        positions, values = [], []
        for path, new in loads.items():
            moved = np.flatnonzero(self._benchmark[path] != new)
            positions.append(index.layout.slices[path].start + moved)
            values.append(new[moved])
            self._benchmark[path] = new
        if positions:
            index.pin(np.concatenate(positions), np.concatenate(values))

    # -- shocks -------------------------------------------------------------------
    def apply_shocks(self, shocks: Iterable[Mapping[str, Any] | Any]) -> None:
        """Apply shocks to exogenous parameters (see :mod:`cge.model.shocks`)."""
        from .shocks import apply_shocks

        apply_shocks(self, capital_stock_shocks(self, shocks))

    def _capital_stock_shocks(self, shocks: Iterable[Mapping[str, Any] | Any]) -> list:
        """Endowment shocks of sector-specific capital as stock shocks (see
        :func:`cge.model.closures.capital_stock_shocks`)."""
        return capital_stock_shocks(self, shocks)

    # -- solving ------------------------------------------------------------------
    def solve(self, solver: str = "cyipopt", **options):
        """Solve at the current shocks, warm-started from the current point.

        Returns a :class:`~cge.model.solution.Solution`; raises :class:`cge.errors.SolveError`
        when IPOPT does not converge to the tolerances.
        """
        options.setdefault("raise_on_failure", True)
        stats = self.solve_stats(solver, **options)
        return Solution.from_model(self, stats)

    def solve_stats(self, solver: str = "persistent", *, raise_on_failure: bool = False,
                    **options) -> SolveStats:
        """Solve as :meth:`solve` does, but return only the solver's statistics.

        The fast path for many re-solves: no :class:`~cge.model.solution.Solution` is
        built, and by default a failure is reported in the statistics (``ok`` false)
        instead of raised. The statistics are kept as :attr:`last_stats` either way.
        ``options`` are those of :func:`cge.solve.solve_model`.
        """
        from ..solve import solve_model

        stats = solve_model(self, solver=solver, raise_on_failure=raise_on_failure, **options)
        self.last_stats = stats
        return stats

    def __repr__(self) -> str:
        c = self.counts()
        return (f"CGEModel({self.spec!r} on {self.sam.name!r}: {c['free_variables']} variables, "
                f"{c['equations']} equations; closure {self.closure})")


def build_model(sam: SAM, spec: str = "standard", closure: Closure | Mapping | None = None,
                elasticities: Mapping[str, Any] | None = None,
                options: Mapping[str, Any] | None = None) -> CGEModel:
    """Calibrate ``sam`` and build the CGE model ``spec`` (see :class:`CGEModel`)."""
    return CGEModel(sam, spec, closure, elasticities, options=options)
