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
    names = names or [n for n, p in RESULT_VARIABLES.items() if p in base.values]
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
    alpha = base.consumption_shares
    ev = {}
    for h in u0.index:
        a = alpha[h][alpha[h] != 0]
        unit_cost = float(np.prod((pq0[a.index] / a) ** a))
        ev[h] = (u1[h] - u0[h]) * unit_cost
    return pd.Series(ev, name="equivalent_variation")


def solution_sam(model) -> pd.DataFrame:
    """The SAM the model's current solution implies, cell by cell, in SAM units.

    Every non-zero cell of the calibration SAM is recomputed from variable levels;
    at the benchmark the result equals the SAM (the replication check).
    """
    import pyomo.environ as pyo

    m, d, s = model.pyomo, model._data, model.scale
    v = pyo.value
    acc = model.accounts
    out = pd.DataFrame(0.0, index=model.sam.labels, columns=model.sam.labels)
    prod, trade, mk = m.production, m.trade, m.markets
    gov, hh, inv, row = m.government, m.households, m.investment, m.rest_of_world
    T = acc.taxes
    base = model.sam.matrix

    def pay(payees, payer, amount):
        """Book ``amount`` paid by ``payer`` to ``payees`` in their benchmark proportions."""
        payees = list(payees)
        weights = base.loc[payees, payer]
        total = weights.sum()
        if len(payees) == 1 or total == 0:
            out.at[payees[0], payer] += amount
        else:
            for r, w in weights.items():
                out.at[r, payer] += amount * w / total

    def pay_tax(role, payer, amount):
        """An indirect tax to its SAM accounts, or straight to the government without one."""
        if T[role]:
            pay(T[role], payer, amount)
        elif amount:
            out.at[d.gov, payer] += amount

    eps, cpi = v(mk.exchange_rate), v(mk.cpi)
    pq = {c: v(mk.price_composite[c]) for c in d.C}
    for a in d.A:
        for c, _ in d.inputs_of[a]:
            out.at[c, a] += v(prod.intermediate_input[c, a]) * pq[c]
        for f in d.factors_of[a]:
            out.at[f, a] += v(mk.factor_price[f]) * v(prod.factor_price_distortion[f, a]) \
                * v(prod.factor_demand[f, a])
        pay_tax("production_tax", a, v(prod.production_tax[a]))
    if acc.layout == "activity_commodity":
        for a, c in d.make:
            out.at[a, c] += v(trade.output_value[a, c])
    for c in d.CM:
        out.at[d.row, c] += eps * v(trade.world_import_price[c]) * v(trade.imports[c])
        pay_tax("import_tariff", c, v(trade.import_tariff[c]))
    for c in d.CE:
        out.at[c, d.row] += eps * v(trade.world_export_price[c]) * v(trade.exports[c])
        pay_tax("export_tax", c, v(trade.export_tax[c]))
    for c in d.C:
        pay_tax("sales_tax", c, v(trade.sales_tax[c]))
    for c, h in d.XP:
        out.at[c, h] += pq[c] * v(hh.consumption[c, h])
    for c in d.CG:
        out.at[c, d.gov] += pq[c] * v(gov.consumption[c])
    si = acc.savings_investment
    for c in d.CV:
        out.at[c, si] += pq[c] * v(inv.demand[c])
    for f in d.F:
        YF = v(mk.factor_income[f])
        for i in [*d.H, *d.E, d.gov, d.row]:
            share = d.factor_share[i, f]
            if share:
                out.at[i, f] += share * YF
    for i in d.I:
        pay([*T["direct_tax"], d.gov], i, v(gov.direct_tax[i]))
    for h in d.H:
        out.at[si, h] += v(hh.savings[h])
    for e in d.E:
        out.at[si, e] += v(m.enterprises.savings[e])
        for h in d.H:
            if (h, e) in d.payout:
                out.at[h, e] += v(m.enterprises.payout_rate[h, e]) * v(m.enterprises.income[e])
    for i in d.IT:
        out.at[i, d.gov] += v(gov.transfers[i]) * cpi
    out.at[d.row, d.gov] += eps * v(row.transfers_from_government)
    out.at[si, d.gov] += v(gov.savings)
    for i in d.RT:
        out.at[i, d.row] += eps * v(row.transfers_to[i])
    sf = eps * v(row.foreign_savings)
    if base.at[d.row, si] != 0 and base.at[si, d.row] == 0:
        out.at[d.row, si] += -sf
    else:
        out.at[si, d.row] += sf
    # tax accounts pass their revenue to the government
    for _role, accounts in T.items():
        for t in accounts:
            out.at[d.gov, t] += out.loc[t].sum()
    return out * s
