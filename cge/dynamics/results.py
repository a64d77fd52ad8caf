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
    the period started with (model units of capital); ``stats`` the solver statistics."""

    engine: DynamicModel
    levels: np.ndarray
    capital: np.ndarray
    stats: list = field(default_factory=list)

    @property
    def labels(self) -> tuple:
        return self.engine.dynamics.labels

    def series(self, path: str, sam_units: bool = True) -> dict[Any, np.ndarray]:
        """Levels of variable ``path`` (dotted, e.g. ``"trade.imports"``) by index label:
        one array over periods per entry (SAM units for quantities and values)."""
        index = self.engine.index
        sl = index.layout.slices[path]
        block = self.levels[:, sl]
        if sam_units:
            block = block * index.to_sam_units[sl][None, :]
        return {k: block[:, i] for i, k in enumerate(index.layout.keys[path])}

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
    for (c, h), v in m.data.households.consumption.items():
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
        """EV of each household in each period, at that period's base prices (SAM units)."""
        from ..results import ev_unit_cost

        m = self.engine.model
        shares = m.data.households
        beta = shares.marginal_budget_share if shares.les else shares.budget_share
        u0 = self.base.series("households.utility")
        u1 = self.counterfactual.series("households.utility")
        p0 = self.base.series("markets.price_composite", False)
        out = {}
        for h in u0:
            b = {c: v for (c, hh), v in beta.items() if hh == h}
            cost = np.array([ev_unit_cost({c: p0[c][t] for c in b}, _Shares(b))
                             for t in range(len(self.labels))])
            out[h] = (u1[h] - u0[h]) * cost
        return out

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


class _Shares(dict):
    """A mapping with ``items()`` as :func:`cge.results.ev_unit_cost` reads it."""
