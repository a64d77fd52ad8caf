"""A solution: every variable's level after a solve, in SAM units (plain pandas, no Pyomo).

:class:`Solution` is what :meth:`CGEModel.solve <cge.model.build.CGEModel.solve>` returns,
a snapshot with the solver statistics and the closure it was solved under;
:data:`RESULT_VARIABLES` names the variables users read. Comparisons, welfare and the
SAM of a solution are in :mod:`cge.results`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Variables reported under the contract's names: result name -> Pyomo component.
RESULT_VARIABLES: dict[str, str] = {
    "output": "production.output",
    "exports": "trade.exports",
    "imports": "trade.imports",
    "domestic_sales": "trade.domestic_sales",
    "composite_supply": "trade.composite_supply",
    "household_consumption": "households.consumption",
    "government_consumption": "government.consumption",
    "investment_demand": "investment.demand",
    "price_output": "production.price_output",
    "price_composite": "markets.price_composite",
    "price_export": "trade.price_export",
    "price_import": "trade.price_import",
    "price_domestic": "markets.price_domestic",
    "factor_price": "markets.factor_price",
    "exchange_rate": "markets.exchange_rate",
    "household_savings": "households.savings",
    "government_savings": "government.savings",
    "direct_tax": "government.direct_tax",
    "utility": "households.utility",
    "value_added": "production.value_added",
    "factor_demand": "production.factor_demand",
    "household_income": "households.income",
    "government_revenue": "government.revenue",
    "foreign_savings": "rest_of_world.foreign_savings",
    "cpi": "markets.cpi",
    "unemployment": "markets.unemployment",
    "total_savings": "investment.total_savings",
    "world_export_price": "trade.world_export_price",
    "world_import_price": "trade.world_import_price",
}


@dataclass(frozen=True)
class Solution:
    """Levels of every variable after a solve, in SAM units.

    Attributes
    ----------
    values : dict
        Dotted Pyomo path (``"trade.imports"``) -> pandas Series indexed by label
        (a MultiIndex for two-dimensional variables; scalars use the index ``"_"``).
    stats : SolveStats
        Status, iterations, largest residual, Walras residual, time.
    closure : dict
        The closure solved under.
    spec : str
        Model specification.
    """

    values: Mapping[str, pd.Series]
    stats: Any
    closure: Mapping[str, str]
    spec: str
    consumption_shares: pd.DataFrame = field(repr=False, default=None)

    @classmethod
    def from_model(cls, model, stats) -> Solution:
        index = model.variable_index
        values = LevelTables(index.layout, index.values() * index.to_sam_units)
        # marginal budget shares: the Cobb-Douglas shares, or the LES betas
        shares = model.calibration.parameters["marginal_budget_share"]
        return cls(values, stats, model.closure.to_dict(), model.spec, shares)

    # -- access -------------------------------------------------------------------
    @property
    def status(self) -> str:
        return self.stats.status

    def table(self, name: str) -> pd.Series:
        """One variable by result name (``"output"``) or Pyomo path (``"trade.imports"``)."""
        return self.levels(name).rename(name)

    def value(self, name: str, index: Any = "_") -> float:
        """One level, e.g. ``solution.value("output", "BRD")``."""
        return float(self.levels(name)[index])

    def levels(self, name: str) -> pd.Series:
        """One variable as stored, without the copy :meth:`table` makes: read it, do not
        modify it (it is shared with every later call)."""
        path = RESULT_VARIABLES.get(name, name)
        if path not in self.values:
            known = [k for k, p in RESULT_VARIABLES.items() if p in self.values]
            raise KeyError(f"no variable {name!r} in this solution; result names: "
                           f"{', '.join(known)} (or a Pyomo path such as 'trade.imports')")
        return self.values[path]

    def to_frame(self) -> pd.DataFrame:
        """Every result variable in long format: ``variable``, ``index``, ``value``."""
        rows = []
        for name, path in RESULT_VARIABLES.items():
            if path in self.values:
                for key, v in self.values[path].items():
                    rows.append((name, index_key(key), float(v)))
        return pd.DataFrame(rows, columns=["variable", "index", "value"])

    def __repr__(self) -> str:
        s = self.stats
        return (f"Solution({self.spec}: {s.status}, {s.iterations} iterations, max residual "
                f"{s.max_residual:.1e}, Walras {s.walras_residual:.1e})")


class LevelTables(Mapping):
    """Levels of every variable as pandas Series, built only when asked for.

    Holds one flat array (SAM units) and the model's :class:`VariableLayout`, so
    taking a solution costs one read of the levels; each table is made on first
    access and kept.
    """

    def __init__(self, layout, levels: np.ndarray):
        self._layout, self._levels, self._tables = layout, levels, {}

    def __getitem__(self, path: str) -> pd.Series:
        table = self._tables.get(path)
        if table is None:
            sl = self._layout.slices[path]   # KeyError for an unknown path
            table = self._tables[path] = pd.Series(self._levels[sl], index=self._layout.labels(
                path), name=path)
        return table

    def __contains__(self, path: object) -> bool:
        return path in self._layout.slices

    def __iter__(self):
        return iter(self._layout.paths)

    def __len__(self) -> int:
        return len(self._layout.paths)


def index_key(key: Any) -> str:
    """The label of one index entry as used in JSON results (``"C_SEC,HH"``)."""
    return ",".join(map(str, key)) if isinstance(key, tuple) else str(key)
