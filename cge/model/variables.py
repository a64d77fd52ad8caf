"""The variables of a built model in one flat order, and its benchmark levels.

:class:`VariableIndex` lists every scalar variable once, so snapshots, resets, the
square check, the persistent solver and result tables work on numpy arrays;
:class:`VariableLayout` says where each variable sits; :class:`BenchmarkLevels` is
the read-only view of the benchmark snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

_NAN = float("nan")


class BenchmarkLevels(Mapping):
    """Read-only view of a model's benchmark snapshot: dotted path -> levels.

    Follows the snapshot (recalibrated elasticities included); each array is handed
    out as a read-only view, so the benchmark cannot be changed through it.
    """

    def __init__(self, snapshot: Mapping[str, np.ndarray]):
        self._snapshot = snapshot

    def __getitem__(self, path: str) -> np.ndarray:
        levels = self._snapshot[path].view()
        levels.flags.writeable = False
        return levels

    def __iter__(self):
        return iter(self._snapshot)

    def __len__(self) -> int:
        return len(self._snapshot)


@dataclass(frozen=True)
class VariableLayout:
    """Where each variable sits in the flat order of :class:`VariableIndex` (plain data)."""

    paths: tuple[str, ...]
    slices: Mapping[str, slice]
    keys: Mapping[str, list]
    _labels: dict = field(default_factory=dict, compare=False, repr=False)

    def labels(self, path: str):
        """The pandas index of one variable's entries (``"_"`` for a scalar), made once."""
        import pandas as pd

        index = self._labels.get(path)
        if index is None:
            keys = self.keys[path]
            if keys == [None]:
                index = pd.Index(["_"])
            elif keys and isinstance(keys[0], tuple):
                index = pd.MultiIndex.from_tuples(keys)
            else:
                index = pd.Index(keys)
            self._labels[path] = index
        return index


class VariableIndex:
    """Every scalar variable of a model in one fixed order, computed once.

    Snapshots, resets, the square check, the persistent solver and result tables
    read values and bounds through it as numpy arrays instead of walking the
    Pyomo components one by one. ``to_sam_units`` multiplies model units into SAM
    units (the calibration scale for quantities and values, one otherwise).
    """

    def __init__(self, model):
        from .blocks._common import SCALED_KINDS

        data, factors, slices, keys = [], [], {}, {}
        for path, var in model.variables():
            items = list(var.items())
            slices[path] = slice(len(data), len(data) + len(items))
            keys[path] = [k for k, _ in items]
            data.extend(v for _, v in items)
            factor = model.scale if model.unit_kind(path) in SCALED_KINDS else 1.0
            factors.extend([factor] * len(items))
        self.data = data
        domains = {id(v._domain): v._domain for v in data}.values()
        #: every variable real-valued: its domain adds no bound (see :meth:`bounds`)
        self._real = all(d.bounds() == (None, None) for d in domains)
        self.to_sam_units = np.array(factors)
        self.layout = VariableLayout(tuple(slices), slices, keys)
        self._cache: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.data)

    def positions(self, variables: Iterable) -> np.ndarray:
        """Positions of Pyomo variable data in this order."""
        where = self._cache.get("positions")
        if where is None:
            where = self._cache["positions"] = {id(v): i for i, v in enumerate(self.data)}
        return np.array([where[id(v)] for v in variables], dtype=np.intp)

    def values(self) -> np.ndarray:
        """Current levels (model units; NaN where a variable has no value)."""
        return np.array([v._value for v in self.data], dtype=float)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds (NaN where there is none).

        Reads the stored bounds directly (a re-solve at 300 sectors reads 75,000 of
        them) when every variable is real-valued, so that its domain adds no bound;
        :func:`~cge.model.blocks._common.pin` stores plain numbers. Bounds that are not
        plain numbers (a Pyomo expression set by hand), or other domains, are read
        through Pyomo.
        """
        data = self.data
        try:
            if not self._real:
                raise TypeError("a variable's domain has bounds")
            # no bound read as NaN here: a list with None in it takes numpy's slow path
            lb = np.array([_NAN if (x := v._lb) is None else x for v in data], dtype=float)
            ub = np.array([_NAN if (x := v._ub) is None else x for v in data], dtype=float)
        except (TypeError, ValueError):   # a bound that is an expression, or a bounded domain
            lb = np.array([v.lb for v in data], dtype=float)
            ub = np.array([v.ub for v in data], dtype=float)
        # Pyomo reports an infinite bound as no bound
        lb[lb == -np.inf] = np.nan
        ub[ub == np.inf] = np.nan
        return lb, ub

    def pinned(self, bounds: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """True where a variable is exogenous: fixed, or both bounds equal.

        ``bounds``: the result of :meth:`bounds` when already at hand.
        """
        lb, ub = self.bounds() if bounds is None else bounds
        fixed = np.array([v._fixed for v in self.data], dtype=bool)
        return fixed | (lb == ub)

    def assign(self, positions: np.ndarray, values: np.ndarray) -> None:
        """Set the levels at ``positions`` to ``values`` (bounds untouched).

        Writes the stored levels directly, as Pyomo's ``set_value(x,
        skip_validation=True)`` does for a plain number, at a fifth of its cost (a re-solve
        writes back every free variable).
        """
        from .blocks._common import set_levels

        set_levels(self._at(positions), np.asarray(values, dtype=float).tolist())

    def _at(self, positions: np.ndarray) -> list:
        """The variables at ``positions``."""
        data = self.data
        return [data[i] for i in np.asarray(positions, dtype=np.intp).tolist()]

    def pinned_at(self, positions: np.ndarray) -> np.ndarray:
        """:meth:`pinned` of the variables at ``positions`` only."""
        data = self._at(positions)
        if self._real:   # the stored bounds are the bounds (see :meth:`bounds`)
            return np.array([v._fixed or (v._lb is not None and v._lb == v._ub)
                             for v in data], dtype=bool)
        from .blocks._common import is_pinned

        return np.array([is_pinned(v) for v in data], dtype=bool)

    def pin(self, positions: np.ndarray, values: np.ndarray) -> None:
        """Pin the variables at ``positions`` at ``values``: both bounds and the level.

        What :func:`~cge.model.blocks._common.pin` does to one variable (``setlb``,
        ``setub``, ``set_value(x, skip_validation=True)`` of a plain number), written to
        the stored bounds and level directly (new elasticities pin every share and scale
        of the Armington, CET and value-added functions they move).
        """
        from .blocks._common import pin_all

        pin_all(self._at(positions), np.asarray(values, dtype=float).tolist())

    def restore(self, values: np.ndarray) -> None:
        """Set every level to ``values``; pinned variables are pinned there.

        Only entries that differ are written, so a reset after a small shock is cheap.
        """
        current = self.values()
        lb, ub = self.bounds()
        pinned = self.pinned((lb, ub))
        moved_pin = np.flatnonzero(
            pinned & ~((lb == values) & (ub == values) & (current == values)))
        moved_free = np.flatnonzero(~pinned & ~(current == values))
        self.pin(moved_pin, values[moved_pin])
        self.assign(moved_free, values[moved_free])
