"""Results: comparisons of solutions, welfare, the SAM of a solution.

:class:`Solution` (a snapshot of every variable in SAM units, plain pandas) lives
in :mod:`cge.model.solution` and is re-exported here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model.solution import (  # noqa: F401 (re-exported)
    RESULT_VARIABLES,
    LevelTables,
    Solution,
    index_key,
)


def compare(base: Solution, counterfactual: Solution, names: list[str] | None = None
            ) -> pd.DataFrame:
    """Base and counterfactual levels with absolute and percentage change.

    Returns a table indexed by (``variable``, ``index``).
    """
    names = names or base.names
    variables, keys, levels = [], [], {"base": [], "counterfactual": []}
    for n in names:
        b, c = base.levels(n), counterfactual.levels(n)
        if len(b) != len(c):
            raise ValueError(f"{n}: {len(b)} base levels but {len(c)} counterfactual ones")
        variables += [n] * len(b)
        keys += [index_key(k) for k in b.index]
        levels["base"].append(b.to_numpy(dtype=float))
        levels["counterfactual"].append(c.to_numpy(dtype=float))
    index = pd.MultiIndex.from_arrays([variables, keys], names=["variable", "index"])
    out = pd.DataFrame({k: np.concatenate(v) if v else np.empty(0) for k, v in levels.items()},
                       index=index)
    out["change"] = out["counterfactual"] - out["base"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["percent"] = 100.0 * out["change"] / out["base"].abs()
    return out


def equivalent_variation(base: Solution, counterfactual: Solution) -> pd.Series:
    """Hicksian equivalent variation of each household, at base prices.

    With Stone-Geary (LES) utility :math:`U = \\prod_c (X_c - \\gamma_c)^{\\beta_c}`
    the expenditure function is :math:`e(p, U) = \\sum_c p_c \\gamma_c
    + U \\prod_c (p_c/\\beta_c)^{\\beta_c}`; the subsistence cost cancels in

    .. math:: EV = e(p^0, U^1) - e(p^0, U^0)
              = (U^1 - U^0) \\textstyle\\prod_c (p^0_c/\\beta_c)^{\\beta_c}

    Cobb-Douglas is the case :math:`\\gamma = 0`, :math:`\\beta = \\alpha`.
    """
    u0, u1 = base.levels("utility"), counterfactual.levels("utility")
    pq0 = base.levels("price_composite")
    shares = base.consumption_shares
    ev = {h: (u1[h] - u0[h]) * ev_unit_cost(pq0, shares[h]) for h in u0.index}
    return pd.Series(ev, name="equivalent_variation")


def ev_unit_cost(prices, shares) -> float:
    """Cost of one unit of utility at ``prices``, :math:`\\prod_c (p_c/\\beta_c)^{\\beta_c}`
    over the commodities with a non-zero marginal budget share (``shares``, a Series)."""
    return float(np.prod([(prices[c] / b) ** b for c, b in shares.items() if b != 0]))


def solution_sam(model) -> pd.DataFrame:
    """The SAM the model's current solution implies, cell by cell, in SAM units.

    Every flow of :data:`cge.flows.FLOWS` values its cells from the variable levels
    (:func:`cge.flows.implied_sam`); at the benchmark the result equals the SAM (the
    replication check).
    """
    index = model.variable_index
    levels = LevelTables(index.layout, index.values() * index.to_sam_units)
    return implied_sam_of(levels, model.calibration)


def implied_sam_of(levels, calibration) -> pd.DataFrame:
    """The SAM implied by variable ``levels`` (dotted path -> Series, SAM units, such as
    a :class:`Solution`'s ``values``) of a model calibrated as ``calibration``."""
    from .flows import Levels, implied_sam

    return implied_sam(Levels(levels, calibration.parameters, calibration.sam.matrix,
                              calibration.accounts))
