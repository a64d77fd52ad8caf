"""Built-in checks of a CGE model: replication, homogeneity, Walras' law, GDP identity.

Each check returns a :class:`Check` (name, passed, the measured deviation, a
sentence naming where the deviation is largest) and leaves the model as it found
it. :func:`run_checks` runs all four and returns a table.

* **replication**: the benchmark solve reproduces every SAM cell, in 0 to 2
  iterations; a failure names the SAM row and column, and the equation that does
  not hold at the SAM's values;
* **homogeneity**: doubling the numeraire (and any other pinned nominal price)
  doubles every price and nominal value and leaves real quantities unchanged; a
  failure names the variable and its account labels;
* **Walras**: the balance of payments, dropped from the system and not enforced by
  the checks' solves, holds anyway; a failure names the equation and the accounts
  of the implied SAM whose receipts and payments differ;
* **GDP identity**: value added plus net indirect taxes equals absorption plus
  exports minus imports; a failure names the unbalanced accounts too.

The checks solve with Walras' law left to :func:`walras` (``enforce_walras=False``),
so a model that leaks a flow gets a failed check, not an exception. A model that
does not solve at all raises :class:`cge.errors.SolveError` naming its worst
equations. Every tolerance is :data:`CHECK_TOL`, the solve's own acceptance
threshold: a check is never looser than the solve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .solve import RESIDUAL_TOL, SCALE_FLOOR

#: Tolerance of the checks (relative): the solve's acceptance threshold, never looser.
CHECK_TOL = RESIDUAL_TOL
#: Most IPOPT iterations the benchmark may take and still count as replicated (it starts
#: at the solution: 0 iterations, at most a step or two of round-off).
REPLICATION_MAX_ITERATIONS = 2
#: The equation Walras' law drops (deactivated in the model; the Walras check's residual).
BALANCE_OF_PAYMENTS = "rest_of_world.balance_of_payments"
#: Unbalanced accounts of the implied SAM named in a failed check's detail, at most.
NAMED_ACCOUNTS = 3
#: Smallest denominator of a relative deviation (an all-zero SAM or a zero GDP).
_TINY = 1e-300


@dataclass(frozen=True)
class Check:
    """The outcome of one check.

    ``where`` is the place of the largest deviation (a SAM cell, a variable, an
    equation) and ``detail`` the sentence that reports it.
    """

    name: str
    passed: bool
    deviation: float
    detail: str
    where: str = ""

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


def _solve(model, solver: str):
    """Solve for a check: IPOPT must converge (else :class:`~cge.errors.SolveError` naming
    the worst equations); Walras' law is left to :func:`walras`."""
    return model.solve(solver=solver, enforce_walras=False)


def _label(path: str, key) -> str:
    """``households.consumption[BRD,HOH]``; a scalar variable by its path alone."""
    from .model.solution import index_key

    return path if key == "_" else f"{path}[{index_key(key)}]"


@_keep_state
def replication(model, tol: float = CHECK_TOL, solver: str = "cyipopt") -> Check:
    """Solve at the benchmark and compare the implied SAM with the SAM, cell by cell.

    The deviation is the largest absolute cell difference over the largest cell.
    """
    model.reset()
    stats = _solve(model, solver).stats
    return benchmark_replication(model, stats.iterations, tol)


def benchmark_replication(model, iterations: int, tol: float = CHECK_TOL) -> Check:
    """Compare the SAM the model's current point implies with its SAM (no solve).

    The current point must be the benchmark solution, reached in ``iterations``. On
    failure the detail also names the equation furthest from holding at the SAM's own
    values (:func:`worst_residuals` at the benchmark), the usual culprit.
    """
    from .results import solution_sam

    implied = solution_sam(model)
    sam = model.sam.matrix
    diff = (implied - sam).abs().to_numpy()
    largest = max(float(np.abs(sam.to_numpy()).max()), _TINY)
    r, c = np.unravel_index(int(np.argmax(diff)), diff.shape)  # a NaN counts as largest
    dev = float(diff[r, c]) / largest
    passed = bool(dev <= tol) and iterations <= REPLICATION_MAX_ITERATIONS
    where = f"SAM row {sam.index[r]}, column {sam.columns[c]}"
    detail = (f"benchmark solved in {iterations} iterations (at most "
              f"{REPLICATION_MAX_ITERATIONS}); largest cell difference {diff[r, c]:.3g} "
              f"({dev:.3g} of the largest cell) at {where}: implied {implied.iat[r, c]:,.8g}, "
              f"SAM {sam.iat[r, c]:,.8g}")
    if not passed:
        detail += "; " + _benchmark_equation(model)
    return Check("replication", passed, dev, detail, where)


def _benchmark_equation(model) -> str:
    """The equation with the largest scaled residual at the SAM's values (the benchmark)."""
    snap = model._snapshot()
    try:
        model.reset()
        return "at the SAM's values " + _worst_equation(model)
    finally:
        model._restore(snap)


def _worst_equation(model) -> str:
    """The equation with the largest scaled residual at the current point, in words."""
    worst = worst_residuals(model, 1)
    if worst.empty:
        return "no equation is active"
    row = worst.iloc[0]
    return (f"the equation {row['equation']} ({row['meaning']}) is off by a scaled "
            f"{row['scaled_residual']:.3g}")


@_keep_state
def homogeneity(model, factor: float = 2.0, tol: float = CHECK_TOL,
                solver: str = "cyipopt") -> Check:
    """Scale every pinned price (the numeraire) by ``factor`` and solve again.

    Prices and nominal values must scale by ``factor``; quantities and rates must not
    move. On failure the detail also names the equation that does not hold at the
    scaled solution (prices and values of the first solve times ``factor``): the one
    that is not homogeneous of degree zero in prices.
    """
    from .model.blocks._common import is_pinned, pin

    base = _solve(model, solver)
    scaled = {path: levels * (factor if model.unit_kind(path) in ("price", "value") else 1.0)
              for path, levels in model._snapshot().items()}
    for path, var in model.variables():
        if model.unit_kind(path) == "price":
            for v in var.values():
                if is_pinned(v):
                    pin(v, v.value * factor)
    moved = _solve(model, solver)
    worst, where, detail = 0.0, "", ""
    for path, b in base.values.items():
        kind = model.unit_kind(path)
        expect = b * (factor if kind in ("price", "value") else 1.0)
        got = moved.values[path]
        floor = SCALE_FLOOR * (model.scale if kind in ("quantity", "value") else 1.0)
        dev = ((got - expect).abs() / np.maximum(expect.abs(), floor)).fillna(np.inf)
        if len(dev) and dev.max() > worst:
            at = dev.idxmax()
            worst = float(dev.max())
            where = _label(path, at)
            detail = f" at {where} ({kind}: expected {expect[at]:,.8g}, got {got[at]:,.8g})"
    passed = worst <= tol
    if not passed:
        model._restore(scaled)
        detail += "; at the scaled solution " + _worst_equation(model)
    return Check("homogeneity", passed, worst,
                 f"numeraire times {factor}: largest relative deviation {worst:.3g}{detail}",
                 where)


@_keep_state
def walras(model, tol: float = CHECK_TOL, solver: str = "cyipopt") -> Check:
    """Residual of the balance of payments (the equation Walras' law dropped).

    Reads the current point; a model not solved yet is solved first (and left
    unsolved), with Walras' law not enforced, so a leak is found here and not by the
    solve. The residual is scaled as the solve scales it and held to the same
    threshold. On failure the detail names the accounts of the implied SAM whose
    receipts and payments differ (where a flow is paid and not received).
    """
    from .solve import walras_residual

    if model.last_stats is None:
        _solve(model, solver)
    r = float(walras_residual(model))
    passed = bool(r <= tol)                       # NaN fails
    row = model.accounts.rest_of_world
    detail = f"balance of payments ({BALANCE_OF_PAYMENTS}, account {row}): scaled residual {r:.3g}"
    if not passed:
        detail += "; " + _leaks(model, tol)[1]
    return Check("walras", passed, r, detail, f"{BALANCE_OF_PAYMENTS} (account {row})")


def account_imbalances(model) -> pd.Series:
    """Receipts minus payments of every account in the SAM the current point implies.

    Row total minus column total of :func:`cge.results.solution_sam`, SAM units: zero
    for every account when each flow paid is received (Walras' law).
    """
    from .results import solution_sam

    implied = solution_sam(model)
    return (implied.sum(axis=1) - implied.sum(axis=0)).rename("imbalance")


def unbalanced_accounts(model, tol: float = CHECK_TOL) -> pd.Series:
    """The accounts of the implied SAM out of balance: receipts minus payments, worst first.

    An imbalance counts when it exceeds ``tol`` times the account's benchmark total (at
    least the scaling floor in SAM units).
    """
    gap = account_imbalances(model)
    total = model.sam.matrix.sum(axis=1).abs()
    rel = (gap.abs() / np.maximum(total, SCALE_FLOOR * model.scale)).fillna(np.inf)
    out = rel[rel > tol].sort_values(ascending=False, kind="stable")
    return gap[out.index]


def _leaks(model, tol: float) -> tuple[str, str]:
    """The unbalanced accounts as a place (labels) and a sentence."""
    gap = unbalanced_accounts(model, tol).head(NAMED_ACCOUNTS)
    if gap.empty:
        return "", "every account of the implied SAM balances (the equation itself is at fault)"
    roles = model.sam.accounts["role"]
    return ("accounts " + ", ".join(gap.index),
            "unbalanced accounts of the implied SAM (receipts minus payments): " + ", ".join(
                f"{a} ({roles[a]}) {x:+,.6g}" for a, x in gap.items()))


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
    """Income-side GDP equals expenditure-side GDP at the current point.

    A model not solved yet is solved first (and left unsolved). On failure the detail
    names the unbalanced accounts of the implied SAM (a market or an activity whose
    receipts and payments differ).
    """
    if model.last_stats is None:
        _solve(model, solver)
    g = gdp_accounts(model)
    gap = g["income_side"] - g["expenditure_side"]
    dev = float(abs(gap) / max(abs(g["income_side"]), _TINY))
    passed = bool(dev <= tol)                     # NaN fails
    detail = (f"income side {g['income_side']:,.8g}, expenditure side "
              f"{g['expenditure_side']:,.8g}, difference {gap:,.3g}")
    where = ""
    if not passed:
        where, sentence = _leaks(model, tol)
        detail += "; " + sentence
    return Check("gdp_identity", passed, dev, detail, where)


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
