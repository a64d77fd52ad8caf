"""Results of a path: levels of every variable in every period, welfare, checks.

:class:`PathResult` holds one path (periods x variables, model units);
:class:`DynamicRun` pairs business as usual with a counterfactual and gives the
equivalent variation of each period and its discounted sum

.. math::

    EV_t = (U^1_t - U^0_t) \\textstyle\\prod_c (p^0_{ct}/\\beta_c)^{\\beta_c}, \\qquad
    EV = \\textstyle\\sum_{t=0}^{T-1} EV_t / (1 + r)^t

(:math:`U` utility, :math:`p^0_t` business-as-usual prices of period :math:`t`,
:math:`r` the interest rate), and the checks of every period: the replication of
the balanced-growth path, homogeneity and Walras' law.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .engine import DynamicModel


@dataclass
class PathResult:
    """One path: ``levels[t]`` is the flat variable vector of period ``t`` (model units,
    in the order of ``engine.model.variable_index``); ``capital[t]`` the capital stocks
    the period started with (model units of capital); ``stats`` the solver statistics;
    ``pinned`` which variables the path's closure held exogenous."""

    engine: DynamicModel
    levels: np.ndarray
    capital: np.ndarray
    stats: list = field(default_factory=list)
    pinned: np.ndarray | None = None

    @property
    def labels(self) -> tuple:
        return self.engine.dynamics.labels

    def series(self, path: str, sam_units: bool = True) -> dict[Any, np.ndarray]:
        """Levels of variable ``path`` (dotted, e.g. ``"trade.imports"``) by index label
        (``"_"`` for a scalar): one array over periods per entry (SAM units for quantities
        and values)."""
        index = self.engine.index
        sl = index.layout.slices[path]
        block = self.levels[:, sl]
        if sam_units:
            block = block * index.to_sam_units[sl][None, :]
        return {"_" if k is None else k: block[:, i]
                for i, k in enumerate(index.layout.keys[path])}

    def solution(self, t: int):
        """Period ``t`` as a :class:`~cge.model.solution.Solution` (SAM units), so every
        static result, welfare measure and indicator reads it."""
        from ..model.solution import LevelTables, Solution

        m, index = self.engine.model, self.engine.index
        values = LevelTables(index.layout, self.levels[t] * index.to_sam_units)
        parameters = m.calibration.parameters
        return Solution(values, self.stats[t], m.closure.to_dict(), m.spec,
                        parameters["marginal_budget_share"], parameters)

    def capital_stock(self) -> dict[Any, np.ndarray]:
        """The capital stock each period starts with (SAM units of capital at base prices),
        by (capital factor, activity) under sector-specific capital, else by factor."""
        scale = self.engine.model.scale
        return {k: self.capital[:, i] * scale for i, k in enumerate(self.engine.capital_keys)}

    def iterations(self) -> list[int]:
        return [s.iterations for s in self.stats]

    def composite_consumption(self) -> dict[str, np.ndarray]:
        """dyncge's composite consumption :math:`CC = a\\,U` by household, SAM units:
        utility scaled so that it equals benchmark consumption spending in the benchmark."""
        m = self.engine.model
        u0 = m.benchmark_levels["households.utility"]
        spend = _benchmark_spending(m)
        return {h: self.series("households.utility", False)[h] * spend[h] / u0[i]
                for i, h in enumerate(m.variable_index.layout.keys["households.utility"])}


def _benchmark_spending(m) -> dict[str, float]:
    """Household consumption spending in the benchmark (SAM units; prices one)."""
    out: dict[str, float] = {}
    for (_, h), v in m.data.households.consumption.items():
        out[h] = out.get(h, 0.0) + v * m.scale
    return out


@dataclass
class DynamicRun:
    """Business as usual (``base``) and a counterfactual path of one engine."""

    engine: DynamicModel
    base: PathResult
    counterfactual: PathResult

    @property
    def labels(self) -> tuple:
        return self.engine.dynamics.labels

    def equivalent_variation_by_household(self) -> dict[str, np.ndarray]:
        """EV of each household in each period, at that period's base prices (SAM units;
        :func:`cge.results.equivalent_variation` of each period)."""
        from ..results import equivalent_variation

        per_period = [equivalent_variation(self.base.solution(t), self.counterfactual.solution(t))
                      for t in range(len(self.labels))]
        return {h: np.array([ev[h] for ev in per_period]) for h in per_period[0].index}

    def equivalent_variation_by_period(self) -> np.ndarray:
        """EV summed over households, one value per period (SAM units)."""
        ev = self.equivalent_variation_by_household()
        return np.sum(list(ev.values()), axis=0)

    def equivalent_variation(self) -> float:
        """Sum over periods t = 0, 1, ... of EV(t) / (1 + interest_rate)^t."""
        ev = self.equivalent_variation_by_period()
        r = self.engine.dynamics.interest_rate
        return float(np.sum(ev / (1.0 + r) ** np.arange(ev.size)))

    def balanced_growth_gap(self) -> np.ndarray:
        """Largest relative gap, per period, between solved business as usual and the
        analytic balanced-growth path (meaningful when the dynamics are balanced)."""
        analytic = self.engine.balanced_path()
        gap = np.abs(self.base.levels - analytic) / np.maximum(np.abs(analytic), 1e-12)
        return np.nanmax(gap, axis=1)


    def checks(self, tol: float | None = None) -> dict[str, list]:
        """The checks of every period, ``{name: [Check per period]}``: ``replication``
        (solved business as usual against the analytic balanced-growth path; only when
        the dynamics are balanced), ``homogeneity`` (every equation holds at the
        counterfactual with prices and nominal values doubled) and ``walras`` (the
        balance of payments, dropped from the solve, holds on both paths)."""
        from ..diagnostics import CHECK_TOL, Check

        tol = CHECK_TOL if tol is None else tol
        T = len(self.labels)
        out: dict[str, list] = {}
        if self.engine.balanced:
            gap = self.balanced_growth_gap()
            out["replication"] = [Check("replication", bool(g <= tol), float(g),
                                        f"largest relative gap to the balanced-growth path "
                                        f"{g:.3g}", f"period {self.labels[t]}")
                                  for t, g in enumerate(gap)]
        out["homogeneity"] = [self.engine.homogeneity_residual(self.counterfactual.levels[t])
                              for t in range(T)]
        out["homogeneity"] = [Check("homogeneity", bool(r <= tol), float(r),
                                    f"largest scaled residual {r:.3g} with prices and values "
                                    "doubled", f"period {self.labels[t]}")
                              for t, r in enumerate(out["homogeneity"])]
        walras = [max(b.walras_residual, c.walras_residual) for b, c
                  in zip(self.base.stats, self.counterfactual.stats, strict=True)]
        out["walras"] = [Check("walras", bool(w <= tol), float(w),
                               f"balance of payments residual {w:.3g}",
                               f"period {self.labels[t]}")
                         for t, w in enumerate(walras)]
        return out
