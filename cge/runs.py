"""Runs of scenarios: benchmark, shocks, counterfactual, and their indicators.

:func:`run_scenario` solves the benchmark and checks that it replicates the SAM cell by
cell (:func:`cge.diagnostics.benchmark_replication`, on the benchmark solve itself),
applies the shocks and solves the counterfactual warm-started from the benchmark;
the :class:`RunResult` holds both solutions, the equivalent variation and the
indicators, and writes the JSON layout of ``cge run`` (:meth:`RunResult.to_json_dict`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .flows import RESULTS, UNITS
from .scenario import Scenario

#: Variables written to the JSON result, in order (the contract's names): every reported
#: variable of :data:`cge.flows.RESULTS`.
JSON_VARIABLES = tuple(RESULTS)

log = logging.getLogger("cge")

@dataclass(frozen=True)
class RunResult:
    """Benchmark and counterfactual of one scenario."""

    scenario: Scenario
    base: Any
    counterfactual: Any
    closure: Mapping[str, str]
    equivalent_variation: Any
    indicators: Mapping[str, Any] | None = None   # see :func:`cge.indicators.indicators`
    checks: Mapping[str, Any] | None = None       # {"replication": Check} of the benchmark
    sam: Mapping[str, str] | None = None          # ``{"name": ..., "unit": ...}`` of the SAM
    subtotals: Any = None                         # :class:`cge.subtotals.Subtotals`, if asked

    @property
    def status(self) -> str:
        return self.counterfactual.status

    def compare(self):
        """Base, counterfactual, change and percent change of every variable."""
        from .results import compare

        return compare(self.base, self.counterfactual)

    def to_json_dict(self) -> dict[str, Any]:
        """The contract layout (docs/scenarios.md): scenario, model, status, closure, shocks,
        solver, results, equivalent_variation, indicators (:func:`cge.indicators.indicators`),
        checks (the benchmark's replication: passed, deviation, where, detail).

        Index keys are account labels (:func:`cge.results.index_key`): scalars ``"_"``,
        two-dimensional variables ``"C,HH"``. A one-household model (stdcge) drops the
        household index, as GAMS does: household consumption by commodity alone,
        utility, income, savings and direct tax under ``"_"``.
        The equivalent variation is written from :attr:`equivalent_variation` at the top
        level and in ``indicators`` (both computed once, in :func:`run_scenario`).
        """
        sam = dict(self.sam or {})
        results, units = _json_results([self.base], [self.counterfactual], sam.get("unit"))
        results = {name: {k: {side: v[0] for side, v in sides.items()} for k, sides in r.items()}
                   for name, r in results.items()}
        ev = self.equivalent_variation
        out = {
            "scenario": self.scenario.name,
            "model": self.scenario.model,
            "status": self.status,
            "closure": dict(self.closure),
            "shocks": [s.to_dict() for s in self.scenario.shocks],
            "solver": {"base": _stats(self.base.stats), "counterfactual":
                       _stats(self.counterfactual.stats)},
            "sam": sam,
            "units": units,
            "results": results,
            "equivalent_variation": float(ev.sum()),
            "equivalent_variation_by_household": {str(k): float(v) for k, v in ev.items()},
            "indicators": dict(self.indicators or {}),
            "checks": {name: {"passed": bool(c.passed), "deviation": float(c.deviation),
                              "where": c.where, "detail": c.detail}
                       for name, c in (self.checks or {}).items()},
        }
        if self.subtotals is not None:
            out["subtotals"] = self.subtotals.to_json_dict()
        return out


def _json_results(base: list, counterfactual: list, sam_unit: str | None
                 ) -> tuple[dict[str, Any], dict[str, str]]:
    """The ``results`` and ``units`` of the run JSON from solutions, one per period (one
    for a static run): ``results[variable][index] = {"base": [...], "counterfactual":
    [...]}`` for every reported variable the model has, the index of a single household
    dropped (:func:`_drop`)."""
    from .results import index_key

    one_household = _only_household(base[0])
    results: dict[str, Any] = {}
    units: dict[str, str] = {}
    present = set(base[0].names)
    for name in JSON_VARIABLES:
        if name not in present:
            continue
        units[name] = _unit(RESULTS[name].unit, sam_unit)
        b = np.array([s.levels(name).to_numpy() for s in base])
        c = np.array([s.levels(name).to_numpy() for s in counterfactual])
        keys = [_drop(k, one_household) for k in base[0].levels(name).index]
        results[name] = {index_key(k): {"base": b[:, i].tolist(),
                                        "counterfactual": c[:, i].tolist()}
                         for i, k in enumerate(keys)}
    return results, units


def _unit(kind: str, sam_unit: str | None) -> str:
    """The unit of a result of ``kind`` (a key of :data:`UNITS`) in a SAM of ``sam_unit``."""
    return UNITS[kind].format(sam_unit=sam_unit or "SAM units")


def _only_household(solution):
    """The household of a one-household model (whose index the JSON drops), else None."""
    households = list(solution.levels("utility").index)
    return households[0] if len(households) == 1 else None


def _drop(key, household):
    """``key`` without the index of the only household (``"_"`` when nothing is left)."""
    if household is None:
        return key
    if isinstance(key, tuple):
        rest = tuple(k for k in key if k != household)
        return rest[0] if len(rest) == 1 else (rest or "_")
    return "_" if key == household else key


def _stats(s) -> dict[str, Any]:
    return {"status": s.status, "iterations": int(s.iterations),
            "max_residual": float(s.max_residual), "walras_residual": float(s.walras_residual),
            "seconds": float(s.seconds)}


def run_scenario(scenario: Scenario | str | Path, solver: str = "cyipopt",
                 model=None, subtotal_steps: int | None = None) -> RunResult:
    """Solve the benchmark and the counterfactual of a scenario.

    A scenario with ``dynamics`` solves business as usual and the counterfactual path
    instead (:func:`run_dynamic_scenario`, a :class:`DynamicRunResult`).

    Parameters
    ----------
    scenario : Scenario or path to a YAML file
    solver : {"cyipopt", "persistent"}
    model : CGEModel, optional
        A built model to reuse: it must be the model of the scenario's SAM,
        specification, options and elasticities; it is reset to the benchmark and given
        the scenario's closure first.
    subtotal_steps : int, optional
        Also split every change into one contribution per shock
        (:func:`cge.subtotals.subtotals`, in this many steps): :attr:`RunResult.subtotals`.

    Raises
    ------
    ConfigError
        Before any solve, naming the scenario file, with every problem of the scenario
        (:meth:`Scenario.build`, :meth:`Scenario.check`), or when ``model`` is not the
        scenario's model.
    SolveError
        When a solve fails, or the benchmark does not replicate the SAM (naming the cell
        furthest off and the equation that does not hold at the SAM's values).
    """
    from .indicators import indicators
    from .results import equivalent_variation

    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_yaml(scenario)
    if scenario.dynamics is not None:
        if subtotal_steps:
            from .errors import ConfigError, Problem

            raise ConfigError(f"{scenario.where}: subtotals are not split along a dynamic "
                              "path", [Problem("subtotals", f"{scenario.where}: dynamics",
                                               "--subtotals needs a static scenario",
                                               "run without --subtotals")])
        return run_dynamic_scenario(scenario)
    if model is None:
        model = scenario.build()          # checks the shocks on the model too
    else:
        use_model(model, scenario)
    base = model.solve(solver=solver)
    replicated = _require_replication(model, base.stats.iterations)
    parts = None
    if subtotal_steps:
        from .subtotals import subtotals

        parts = subtotals(model, scenario.shocks, solver, subtotal_steps)
    else:
        apply_scenario_shocks(model, scenario.shocks, solver)
    cf = model.solve(solver=solver)
    ev = equivalent_variation(base, cf)
    return RunResult(scenario, base, cf, model.closure.to_dict(), ev,
                     indicators(base, cf, model), {"replication": replicated},
                     {"name": model.sam.name, "unit": model.sam.unit}, parts)


@dataclass(frozen=True)
class DynamicRunResult:
    """Business as usual and the counterfactual path of a scenario with ``dynamics``."""

    scenario: Scenario
    run: Any                                  # cge.dynamics.DynamicRun
    closure: Mapping[str, str]
    sam: Mapping[str, str] | None = None
    baseline: Any = None                      # cge.baseline.GDPCalibration, if calibrated

    @property
    def base(self):
        return self.run.base

    @property
    def counterfactual(self):
        return self.run.counterfactual

    @property
    def status(self) -> str:
        ok = all(s.ok for s in (*self.run.base.stats, *self.run.counterfactual.stats))
        return "optimal" if ok else "failed"

    def to_json_dict(self) -> dict[str, Any]:
        """The static layout (:meth:`RunResult.to_json_dict`) with one value per period:
        ``periods`` (labels), ``results[variable][index] = {"base": [...], "counterfactual":
        [...]}`` (base: business as usual), ``equivalent_variation_by_period``,
        ``equivalent_variation`` = sum_t EV(t) / (1 + interest_rate)^t (and by household),
        ``solver`` per period, ``checks`` per period (passed over all periods, the worst
        deviation and its period, and the list by period) and ``dynamics`` (the block).
        ``results["capital_stock"]`` holds the capital stock each period starts with, by
        (capital factor, activity) or, with mobile capital, by factor;
        ``indicators_by_period`` and ``path_indicators``
        (:func:`cge.path_indicators.path_indicators`); with a baseline calibrated to a
        GDP path, ``baseline_calibration`` (:class:`cge.baseline.GDPCalibration`)."""
        from .results import index_key

        run, T = self.run, len(self.run.labels)
        base = [run.base.solution(t) for t in range(T)]
        sam = dict(self.sam or {})
        results, units = _json_results(base, [run.counterfactual.solution(t) for t in range(T)],
                                      sam.get("unit"))
        stocks = {"base": run.base.capital_stock(), "counterfactual":
                  run.counterfactual.capital_stock()}
        one_household = _only_household(base[0])
        results["capital_stock"] = {
            index_key(_drop(k, one_household)): {side: stocks[side][k].tolist()
                                                 for side in stocks}
            for k in stocks["base"]}
        units["capital_stock"] = _unit("volume", sam.get("unit"))
        ev = run.equivalent_variation_by_household()
        r = run.engine.dynamics.interest_rate
        discount = (1.0 + r) ** -np.arange(T)
        by_period = np.sum(list(ev.values()), axis=0)
        checks = {}
        for name, per_period in run.checks().items():
            worst = max(per_period, key=lambda c: c.deviation)
            checks[name] = {"passed": all(c.passed for c in per_period),
                            "deviation": float(worst.deviation), "where": worst.where,
                            "detail": worst.detail,
                            "by_period": [{"passed": bool(c.passed),
                                           "deviation": float(c.deviation)}
                                          for c in per_period]}
        return {
            "scenario": self.scenario.name,
            "model": self.scenario.model,
            "status": self.status,
            "closure": dict(self.closure),
            "shocks": [s.to_dict() for s in self.scenario.shocks],
            "dynamics": run.engine.dynamics.to_dict(),
            "periods": [p if isinstance(p, int) else str(p) for p in run.labels],
            "solver": {"base": [_stats(s) for s in run.base.stats],
                       "counterfactual": [_stats(s) for s in run.counterfactual.stats]},
            "sam": sam,
            "units": units,
            "results": results,
            "equivalent_variation": float(np.sum(by_period * discount)),
            "equivalent_variation_by_period": by_period.tolist(),
            "equivalent_variation_by_household": {str(h): float(np.sum(v * discount))
                                                  for h, v in ev.items()},
            "checks": checks,
            **self.indicator_sections(),
            **({"baseline_calibration": self.baseline.to_dict()}
               if self.baseline is not None else {}),
        }

    def indicator_sections(self) -> dict[str, Any]:
        """``indicators_by_period`` and ``path_indicators`` of the two paths."""
        from .path_indicators import PathPlan, path_indicators

        engine = self.run.engine
        sam = engine.index.to_sam_units
        plan = PathPlan(engine.model, engine.benchmark * sam)
        return path_indicators(plan, self.run.base.levels * sam,
                               self.run.counterfactual.levels * sam)


def run_dynamic_scenario(scenario: Scenario, engine=None) -> DynamicRunResult:
    """Business as usual and the counterfactual path of a scenario with ``dynamics``.

    ``engine``: a :class:`cge.dynamics.DynamicModel` of the scenario to reuse (its
    business-as-usual path is cached; it takes the scenario's closures, and solves business
    as usual again when that changes its closure).
    """
    from .dynamics import DynamicModel

    if engine is None:
        from .errors import ConfigError

        try:
            engine = DynamicModel(scenario.load_sam(), scenario.model, scenario.dynamics,
                                  scenario.closure, scenario.elasticities, scenario.options)
        except ConfigError as exc:    # every problem of the scenario, named by its file
            from .errors import Problem

            where = scenario.where
            found = [Problem(p.kind, p.where if p.where.startswith(where)
                             else f"{where}: {p.where}", p.message, p.fix)
                     for p in exc.problems]
            try:
                scenario.build()
            except ConfigError as other:
                seen = {p.message for p in other.problems}
                found = list(other.problems) + [p for p in found if p.message not in seen]
            raise ConfigError(f"{where}: invalid scenario", found) from None
        scenario.check(engine.model)
    else:       # the scenario's closure and business-as-usual closure on the engine given
        from dataclasses import replace

        use_model(engine.model, scenario)      # business as usual follows its closure
        wanted = dict(scenario.dynamics.base_closure)
        if wanted != dict(engine.dynamics.base_closure):
            engine.dynamics = replace(engine.dynamics, base_closure=wanted)
    if engine.dynamics.gdp_growth is not None and \
            getattr(engine, "gdp_calibration", None) is None:
        from .baseline import calibrate_gdp_path, with_calibrated_productivity

        with_calibrated_productivity(engine, calibrate_gdp_path(engine))
    run = engine.run(scenario.shocks)
    m = engine.model
    return DynamicRunResult(scenario, run, m.closure.to_dict(),
                            {"name": m.sam.name, "unit": m.sam.unit},
                            getattr(engine, "gdp_calibration", None))


def apply_scenario_shocks(model, shocks, solver: str = "cyipopt") -> dict[str, float]:
    """Apply a scenario's shocks, solving for those of :data:`SOLVED_SHOCKS`.

    Every other shock is applied as given (:meth:`CGEModel.apply_shocks`); then the
    ``export_volume`` shocks are reached by :func:`export_volume_shift`. Returns the
    export tax rates found, by commodity (empty without such shocks).
    """
    from .model.shocks import SOLVED_SHOCKS, Shock

    parsed = [Shock.from_mapping(s) for s in shocks]
    model.apply_shocks([s for s in parsed if s.parameter not in SOLVED_SHOCKS])
    volume = [s for s in parsed if s.parameter == "export_volume"]
    return export_volume_shift(model, volume, solver) if volume else {}


#: Relative tolerance on the exports an ``export_volume`` shock asks for.
EXPORT_VOLUME_TOL = 1e-9


def export_volume_shift(model, shocks, solver: str = "cyipopt", max_iter: int = 50
                        ) -> dict[str, float]:
    """Exports of a commodity moved to a target at an unchanged world price.

    The target :math:`E^*_c` is the current export volume changed by the shock
    (``multiply``: a share of it; ``set``, ``add``: SAM units). The world price stays
    where it is: on a finite demand curve :math:`E_c = E^0_c s_c (p^{We}_c)^{-\\sigma^x_c}`
    the shifter moves to :math:`s_c E^*_c / E_c`, so the curve meets :math:`E^*_c` at the
    current world price; under a small open economy the world price is exogenous anyway.
    Producers are then brought to sell :math:`E^*_c` by an export tax (a subsidy for a
    rise): the tax equivalent of a volume restraint, its rent collected by the government.
    The rates are found by Broyden's method from a finite-difference Jacobian, one
    solve a step, to :data:`EXPORT_VOLUME_TOL`.

    Returns
    -------
    dict
        The export tax rate found, by commodity.
    """
    from .errors import Problem, SolveError
    from .model.blocks._common import pin

    exports, rate = model.component("trade.exports"), model.component("trade.export_tax_rate")
    shifter = (model.component("trade.export_demand")
               if model.has_component("trade.export_demand") else {})
    target: dict[str, float] = {}
    for shock in shocks:
        labels = [shock.index] if shock.index is not None else [
            c for c in rate if exports[c].value > 0]
        for c in labels:
            now = exports[c].value
            new = {"multiply": now * shock.value, "set": shock.value / model.scale,
                   "add": now + shock.value / model.scale}[shock.operation]
            if new <= 0:
                raise SolveError("an export volume that is not positive", [Problem(
                    "export_volume", f"export_volume[{c}]", f"the target is {new:.6g}",
                    "give a target above zero")])
            target[c] = new
            if c in shifter:
                pin(shifter[c], shifter[c].value * new / now)
    labels = list(target)
    goal = np.array([target[c] for c in labels])

    def gap(rates: np.ndarray) -> np.ndarray:
        """Exports over their targets, less one, at export tax ``rates`` (one solve)."""
        for c, t in zip(labels, rates, strict=True):
            pin(rate[c], float(t))
        model.solve(solver=solver)
        return np.array([exports[c].value for c in labels]) / goal - 1

    x = np.array([rate[c].value for c in labels], dtype=float)
    f = gap(x)
    # a finite-difference Jacobian to start, then Broyden's updates (one solve a step)
    jacobian = np.empty((len(labels), len(labels)))
    for j in range(len(labels)):
        bumped = x.copy()
        bumped[j] += 0.01
        jacobian[:, j] = (gap(bumped) - f) / 0.01
    solves = 1 + len(labels)
    while solves < max_iter:
        if np.abs(f).max() <= EXPORT_VOLUME_TOL:
            found = {c: float(t) for c, t in zip(labels, x, strict=True)}
            gap(x)     # leave the model at the solution found
            log.info("export_volume: export tax equivalents %s", found)
            return found
        step = -np.linalg.solve(jacobian, f)
        x_new = x + step
        f_new = gap(x_new)
        solves += 1
        jacobian += np.outer(f_new - f - jacobian @ step, step) / float(step @ step)
        x, f = x_new, f_new
    raise SolveError("the export volume asked for was not reached", [Problem(
        "export_volume", "export_volume", f"{max_iter} solves left exports at "
        f"{ {c: exports[c].value * model.scale for c in labels} }",
        "ask for a smaller change of exports")])


def _require_replication(model, iterations: int):
    """The replication check of the benchmark just solved; :class:`SolveError` if it fails."""
    from .diagnostics import CHECK_TOL, REPLICATION_MAX_ITERATIONS, benchmark_replication
    from .errors import Problem, SolveError

    check = benchmark_replication(model, iterations)
    if not check:
        raise SolveError(
            "the benchmark does not replicate the SAM",
            [Problem("replication", check.where, check.detail,
                     f"the benchmark must reproduce every cell to {CHECK_TOL:g} of the largest "
                     f"cell within {REPLICATION_MAX_ITERATIONS} iterations; otherwise an "
                     "equation or a calibrated parameter disagrees with the SAM: check the "
                     "equation named")])
    return check


def use_model(model, scenario: Scenario) -> None:
    """Make a built ``model`` the scenario's: back to the benchmark, under its closure.

    Raises
    ------
    ConfigError
        When ``model`` was built on another SAM, specification, options or elasticities
        (naming each difference), or the scenario's closure or shocks do not fit it.
    """
    from .calibration import Options
    from .errors import ConfigError, Problem

    where = scenario.where
    fix = "build the scenario's own model (scenario.build()) or run without model="
    problems = []
    if model.spec != scenario.model:
        problems.append(Problem("other_model", f"{where}: model", f"the model given is "
                                f"{model.spec!r}, the scenario's {scenario.model!r}", fix))
    if not _same_sam(model.sam, scenario):
        problems.append(Problem("other_model", f"{where}: sam", f"the model given was built on "
                                f"SAM {model.sam.name!r}, not on {scenario.sam}", fix))
    try:
        options = Options.from_user(scenario.options)
    except ConfigError:
        options = None
    if model.options != options:
        problems.append(Problem("other_model", f"{where}: options", f"the model given has "
                                f"{model.options}, the scenario {options}", fix))
    built = _effective(model.spec, model.calibration.elasticities.values)
    if built != _effective(model.spec, scenario.elasticities):
        problems.append(Problem("other_model", f"{where}: elasticities", f"the model given has "
                                f"{dict(model.calibration.elasticities.values)}, the scenario "
                                f"{dict(scenario.elasticities)}", fix))
    if problems:
        raise ConfigError(f"{where}: the model given is not this scenario's model", problems)
    model.reset()
    try:
        model.apply_closure(scenario.closure or {})
    except ConfigError as exc:
        raise ConfigError(f"{where}: invalid scenario ({exc.args[0]})", [
            Problem(p.kind, f"{where}: {p.where}", p.message, p.fix)
            for p in exc.problems]) from None
    scenario.check(model)


def _effective(spec: str, elasticities: Mapping) -> dict:
    """The elasticities with the defaults of those not given (``{}`` is the defaults)."""
    from .calibration import ELASTICITIES, ELASTICITY_KEYS

    return {k: elasticities.get(k, ELASTICITIES[k][1]) for k in ELASTICITY_KEYS.get(spec, ())}


def _same_sam(sam, scenario: Scenario) -> bool:
    """Whether ``sam`` (a model's) is the scenario's SAM: the same file, or equal contents."""
    from .sam.core import SAM

    if isinstance(scenario.sam, SAM):
        other = scenario.sam
    else:
        source = sam.meta.get("source")
        if source and Path(source).resolve() == Path(scenario.sam).resolve():
            return True
        other = scenario.load_sam()
    return other is sam or other.equals(sam)
