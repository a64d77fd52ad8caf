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

from ..flows import RESULT_PATHS, RESULTS, Levels

#: Variables reported under the contract's names: result name -> Pyomo component (the
#: rows of :data:`cge.flows.RESULTS` the model holds as variables; the others, such as
#: ``factor_rent``, are derived from these).
RESULT_VARIABLES: dict[str, str] = RESULT_PATHS


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
    parameters: Mapping[str, Any] = field(repr=False, default=None)
    _derived: dict = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_model(cls, model, stats) -> Solution:
        index = model.variable_index
        values = LevelTables(index.layout, index.values() * index.to_sam_units)
        parameters = model.calibration.parameters
        # marginal budget shares: the Cobb-Douglas shares, or the LES betas
        shares = parameters["marginal_budget_share"]
        return cls(values, stats, model.closure.to_dict(), model.spec, shares, parameters)

    @property
    def names(self) -> list[str]:
        """The result names (:data:`cge.flows.RESULTS`) this solution has, in report order."""
        return [n for n, r in RESULTS.items()
                if ((r.path in self.values) if r.path else self._derivable(r))]

    def _derivable(self, result) -> bool:
        return self.parameters is not None and all(p in self.values for p in result.reads)

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
        modify it (it is shared with every later call). Derived results
        (:attr:`cge.flows.Result.derive`) are computed on first use and kept."""
        result = RESULTS.get(name)
        if result is not None and result.derive is not None and self._derivable(result):
            derived = self._derived
            if name not in derived:
                derived[name] = result.derive(Levels(self.values, self.parameters)).rename(name)
            return derived[name]
        path = RESULT_PATHS.get(name, name)
        if path not in self.values:
            raise KeyError(f"no variable {name!r} in this solution; result names: "
                           f"{', '.join(self.names)} (or a Pyomo path such as 'trade.imports')")
        return self.values[path]

    def to_frame(self) -> pd.DataFrame:
        """Every result variable in long format: ``variable``, ``index``, ``value``."""
        rows = []
        for name in self.names:
            for key, v in self.levels(name).items():
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

    @property
    def layout(self):
        """Where each variable sits in :attr:`vector` (a ``VariableLayout``)."""
        return self._layout

    @property
    def vector(self) -> np.ndarray:
        """Every level in one flat array (SAM units), in the model's variable order."""
        return self._levels

    def __contains__(self, path: object) -> bool:
        return path in self._layout.slices

    def __iter__(self):
        return iter(self._layout.paths)

    def __len__(self) -> int:
        return len(self._layout.paths)


def index_key(key: Any) -> str:
    """The label of one index entry as used in JSON results (``"C_SEC,HH"``)."""
    return ",".join(map(str, key)) if isinstance(key, tuple) else str(key)
