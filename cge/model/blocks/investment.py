"""Savings and investment.

.. math::

    S &= \\textstyle\\sum_h S^p_h + \\sum_e S^e_e + S^g + \\varepsilon S^f \\\\
    p^q_c X^v_c &= \\lambda_c S
        \\quad\\text{(value shares, stdcge)} \\\\
    X^v_c &= \\bar X^v_c\\, \\iota, \\qquad \\textstyle\\sum_c p^q_c X^v_c = S
        \\quad\\text{(fixed composition, standard)} \\\\
    \\textstyle\\sum_c p^q_c X^v_c &= \\nu\\, \\textstyle\\sum_c p^q_c
        (\\sum_h X^p_{ch} + X^g_c + X^v_c) \\\\
    \\textstyle\\sum_c p^q_c X^g_c &= \\nu^g\\, \\textstyle\\sum_c p^q_c
        (\\sum_h X^p_{ch} + X^g_c + X^v_c)

:math:`\\iota` (investment scaler) is free when savings drive investment;
:math:`\\nu` and :math:`\\nu^g` (the investment and government consumption
shares of absorption) are definitions except under the ``balanced`` closure
(IFPRI's), which pins both and frees the investment and government consumption
scalers.

Investment by destination (dyncge): composite investment :math:`III` is a
Cobb-Douglas aggregate of investment demand at price :math:`p^k`, and is
allocated to the activities :math:`a` employing capital by profitability
(elasticity :math:`\\zeta`; zero: in proportion to capital use):

.. math::

    III &= \\iota \\textstyle\\prod_c (X^v_c)^{\\lambda_c}, \\qquad p^k III = S \\\\
    p^k II_a &= \\frac{(r_a)^{\\zeta} R_a}{\\sum_{a'} (r_{a'})^{\\zeta} R_{a'}}\\, S

with :math:`r_a` the rental rate of capital in activity :math:`a` and :math:`R_a`
the capital it employs (so :math:`\\sum_a II_a = III`).
"""

from __future__ import annotations

import pyomo.environ as pyo

from ..data import ModelData
from ._common import add_constraint, add_param, add_var
from .markets import absorption


def add_investment(m: pyo.ConcreteModel, data: ModelData) -> pyo.Block:
    """Add the ``investment`` block (reads ``markets``, the savings of ``households``,
    ``enterprises``, ``government`` and ``rest_of_world``, and consumption for absorption)."""
    b = pyo.Block(doc="savings-investment: total savings finance investment demand")
    m.investment = b
    d, sets = data.investment, data.sets
    add_var(b, "demand", d.goods, d.demand, "investment demand X^v_c (SAM: commodity row, "
            "savings-investment column)")
    add_var(b, "total_savings", None, d.total_savings, "total savings S (SAM: "
            "savings-investment row total net of payments abroad)", kind="value")
    pq, eps = m.markets.price_composite, m.markets.exchange_rate
    hh, gov, row = m.households, m.government, m.rest_of_world

    def total(b):
        s = sum(hh.savings[h] for h in sets.households) + gov.savings \
            + eps * row.foreign_savings
        if sets.enterprises:
            s += sum(m.enterprises.savings[e] for e in sets.enterprises)
        return b.total_savings == s

    b.total_savings_definition = pyo.Constraint(
        rule=total, doc="total savings: households, enterprises, government and foreign savings "
        "(SAM: savings-investment row)")
    if d.demand_rule == "value_shares":
        add_constraint(
            b, "demand_rule",
            d.goods, rule=lambda b, c: pq[c] * b.demand[c] == d.value_share[c] * b.total_savings,
            doc="investment demand: fixed value shares of total savings (SAM: commodity rows of "
            "the savings-investment column)")
        if d.destinations:
            _add_investment_by_destination(m, b, data)
        return b
    add_var(b, "composition", d.goods, d.demand, "real investment by commodity at scaler one "
            "(shock parameter 'investment')", exogenous=True)
    add_var(b, "scaler", None, 1.0, "uniform scaler of real investment (free when savings "
            "drive investment)", kind="rate")
    add_var(b, "share_of_absorption", None, d.absorption_share, "value of investment over "
            "absorption (held under the balanced closure)", kind="rate")
    add_constraint(
        b, "demand_rule",
        d.goods, rule=lambda b, c: b.demand[c] == b.composition[c] * b.scaler,
        doc="investment demand: fixed real composition times a uniform scaler (SAM: commodity "
        "rows of the savings-investment column)")
    spending = sum(pq[c] * b.demand[c] for c in d.goods)
    b.savings_investment_balance = pyo.Constraint(
        expr=spending == b.total_savings,
        doc="the value of investment equals total savings (SAM: savings-investment account)")
    b.absorption_share_definition = pyo.Constraint(
        expr=spending == b.share_of_absorption * absorption(m, data),
        doc="investment share of absorption (a definition unless the balanced closure holds "
        "it; SAM: savings-investment column over household, government and investment columns)")
    return b


def _add_investment_by_destination(m: pyo.ConcreteModel, b: pyo.Block, data: ModelData) -> None:
    """Composite investment and its allocation to activities (dyncge; reads ``production``:
    capital employed and its rental by activity)."""
    d = data.investment
    add_var(b, "composite", None, d.composite, "composite investment good III (SAM: "
            "savings-investment column total at p^k = 1)")
    add_var(b, "price_composite", None, 1.0, "price of the composite investment good p^k",
            kind="price")
    add_var(b, "by_destination", d.destinations, d.by_destination, "investment by destination "
            "II_a: new capital of activity a (SAM: savings shared by capital rentals)")
    add_param(b, "composite_scale", None, d.composite_scale, "scale iota of the composite "
              "investment function (SAM: savings-investment column)")
    add_param(b, "allocation_elasticity", None, 1.0, "elasticity zeta of the allocation of "
              "investment to the rental rate (0: in proportion to capital use)")
    pf = m.markets.factor_price
    F, wdist = m.production.factor_demand, m.production.factor_price_distortion
    rental = list(d.capital_rental)

    def weight(a):
        return sum((pf[f] * wdist[f, a]) ** b.allocation_elasticity * F[f, a]
                   for f, aa in rental if aa == a)

    b.composite_investment = pyo.Constraint(
        expr=b.composite == b.composite_scale * pyo.prod(
            b.demand[c] ** d.value_share[c] for c in d.goods),
        doc="composite investment: Cobb-Douglas in investment demand by commodity")
    b.composite_investment_value = pyo.Constraint(
        expr=b.price_composite * b.composite == b.total_savings,
        doc="the value of composite investment equals total savings")
    total_weight = sum(weight(a) for a in d.destinations)
    add_constraint(
        b, "investment_allocation",
        d.destinations, rule=lambda b, a: b.price_composite * b.by_destination[a] * total_weight
        == weight(a) * b.total_savings,
        doc="investment by destination: savings shared by capital rentals weighted by the "
        "rental rate to the power zeta")
