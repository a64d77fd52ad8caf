"""Built-in checks of a CGE model: replication, homogeneity, Walras' law, GDP identity.

Each check returns a :class:`Check` (name, passed, the measured deviation, a
sentence) and leaves the model as it found it. :func:`run_checks` runs all four
and returns a table.

* **replication**: the benchmark solve reproduces every SAM cell, in 0 to 2
  iterations;
* **homogeneity**: doubling the numeraire (and any other pinned nominal price)
  doubles every price and nominal value and leaves real quantities unchanged;
* **Walras**: the balance of payments, dropped from the system, holds anyway;
* **GDP identity**: value added plus net indirect taxes equals absorption plus
  exports minus imports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Tolerance of the checks (relative).
CHECK_TOL = 1e-7
#: Most IPOPT iterations the benchmark may take and still count as replicated (it starts
#: at the solution: 0 iterations, at most a step or two of round-off).
REPLICATION_MAX_ITERATIONS = 2


@dataclass(frozen=True)
class Check:
    """The outcome of one check."""

    name: str
    passed: bool
    deviation: float
    detail: str

    def __bool__(self) -> bool:
        return bool(self.passed)


def _keep_state(func):
    """Run a check and restore every variable, pin and the last solve's statistics."""
    def wrapper(model, *args, **kwargs):
        snap, stats = model._snapshot(), model.last_stats
        try:
            return func(model, *args, **kwargs)
        finally:
            model._restore(snap)
            model.last_stats = stats
    wrapper.__doc__ = func.__doc__
    wrapper.__name__ = func.__name__
    return wrapper


@_keep_state
def replication(model, tol: float = CHECK_TOL, solver: str = "cyipopt") -> Check:
    """Solve at the benchmark and compare the implied SAM with the SAM, cell by cell.

    The deviation is the largest absolute cell difference over the largest cell.
    """
    from .results import solution_sam

    model.reset()
    stats = model.solve(solver=solver).stats
    implied = solution_sam(model)
    sam = model.sam.matrix
    diff = (implied - sam).abs()
    dev = float(diff.to_numpy().max() / max(np.abs(sam.to_numpy()).max(), 1e-300))
    r, c = np.unravel_index(int(np.argmax(diff.to_numpy())), diff.shape)
    passed = dev <= tol and stats.iterations <= REPLICATION_MAX_ITERATIONS
    return Check("replication", passed, dev,
                 f"benchmark solved in {stats.iterations} iterations; largest cell difference "
                 f"{diff.iat[r, c]:.3g} at row {sam.index[r]}, column {sam.columns[c]}")


@_keep_state
def homogeneity(model, factor: float = 2.0, tol: float = CHECK_TOL,
                solver: str = "cyipopt") -> Check:
    """Scale every pinned price (the numeraire) by ``factor`` and solve again.

    Prices and nominal values must scale by ``factor``; quantities and rates must not move.
    """
    from .model.blocks._common import is_pinned, pin
    from .solve import SCALE_FLOOR

    base = model.solve(solver=solver)
    for path, var in model.variables():
        if model.unit_kind(path) == "price":
            for v in var.values():
                if is_pinned(v):
                    pin(v, v.value * factor)
    moved = model.solve(solver=solver)
    worst, where = 0.0, ""
    for path, b in base.values.items():
        kind = model.unit_kind(path)
        expect = b * (factor if kind in ("price", "value") else 1.0)
        got = moved.values[path]
        floor = SCALE_FLOOR * (model.scale if kind in ("quantity", "value") else 1.0)
        dev = (got - expect).abs() / np.maximum(expect.abs(), floor)
        if len(dev) and dev.max() > worst:
            worst, where = float(dev.max()), f"{path}[{dev.idxmax()}]"
    return Check("homogeneity", worst <= tol, worst,
                 f"numeraire times {factor}: largest relative deviation {worst:.3g}"
                 + (f" at {where}" if where else ""))


@_keep_state
def walras(model, tol: float = CHECK_TOL, solver: str = "cyipopt") -> Check:
    """Residual of the balance of payments (the equation Walras' law dropped) after a solve.

    Reads the current solution; a model not solved yet is solved first (and left unsolved).
    """
    from .solve import walras_residual

    if model.last_stats is None:
        model.solve(solver=solver)
    r = float(walras_residual(model))
    return Check("walras", r <= tol, r, f"scaled residual of the balance of payments {r:.3g}")


def gdp_accounts(model) -> pd.Series:
    """GDP at market prices from the income and the expenditure side (SAM units).

    Read off the SAM the current solution implies (:func:`cge.results.solution_sam`),
    summing the cells of each flow by its GDP side (:attr:`cge.flows.Flow.gdp`): factor
    income and net indirect taxes; household and government consumption, investment,
    exports and imports.
    """
    from .flows import gdp_sides
    from .results import solution_sam

    return pd.Series(gdp_sides(solution_sam(model), model.accounts), name="gdp")


@_keep_state
def gdp_identity(model, tol: float = CHECK_TOL, solver: str = "cyipopt") -> Check:
    """Income-side GDP equals expenditure-side GDP at the current solution.

    A model not solved yet is solved first (and left unsolved).
    """
    if model.last_stats is None:
        model.solve(solver=solver)
    g = gdp_accounts(model)
    dev = abs(g["income_side"] - g["expenditure_side"]) / max(abs(g["income_side"]), 1e-300)
    return Check("gdp_identity", dev <= tol, float(dev),
                 f"income side {g['income_side']:,.8g}, expenditure side "
                 f"{g['expenditure_side']:,.8g}")


def run_checks(model, solver: str = "cyipopt") -> pd.DataFrame:
    """All four checks as a table (``passed``, ``deviation``, ``detail`` by check)."""
    checks = [replication(model, solver=solver), homogeneity(model, solver=solver),
              walras(model, solver=solver), gdp_identity(model, solver=solver)]
    return pd.DataFrame([(c.name, c.passed, c.deviation, c.detail) for c in checks],
                        columns=["check", "passed", "deviation", "detail"]).set_index("check")


def worst_residuals(model, n: int = 10) -> pd.DataFrame:
    """The ``n`` equations with the largest scaled residual at the current point.

    Named by block, equation and account label, with the equation's economic meaning.
    """
    import pyomo.environ as pyo

    from .solve import SCALE_FLOOR

    rows = []
    for c in model.pyomo.component_data_objects(pyo.Constraint, active=True):
        lhs, rhs = c.expr.args
        lv, rv = pyo.value(lhs), pyo.value(rhs)
        rows.append((c.getname(fully_qualified=True),
                     abs(lv - rv) / max(abs(lv), abs(rv), SCALE_FLOOR),
                     c.parent_component().doc or ""))
    table = pd.DataFrame(rows, columns=["equation", "scaled_residual", "meaning"])
    # stable: ties keep the model's block order (production before trade)
    table = table.sort_values("scaled_residual", ascending=False, kind="stable")
    return table.head(n).reset_index(drop=True)
