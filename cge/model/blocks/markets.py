"""Markets and prices: goods and factor market clearing, factor income, the CPI.

.. math::

    Q_c &= \\textstyle\\sum_h X^p_{ch} + X^g_c + X^v_c + \\sum_a X_{ca} \\\\
    \\textstyle\\sum_a F_{fa} &= \\bar F_f - U_f \\\\
    YF_f &= p^f_f \\textstyle\\sum_a \\omega_{fa} F_{fa} \\\\
    CPI &= \\textstyle\\sum_c w_c\\, p^q_c \\\\
    p^f_{L} &= \\bar w_L \\cdot CPI \\quad \\text{(labour: real wage)} \\\\
    p^f_{L} &= w^n (CPI / CPI_0)^{\\chi} \\quad \\text{(nominal wage, indexation } \\chi)
    \\\\
    U_L &= u_0 \\bar F_L (\\bar w_L / s^w)^{1/\\epsilon}
    \\quad \\text{(wage curve: } \\bar w_L = s^w (u / u_0)^{\\epsilon})

:math:`U_f` (unemployment) is pinned at its benchmark (zero; for labour, the
benchmark rate :math:`u_0` of the labour force) under full employment; the real
wage :math:`\\bar w_L` is free then and pinned under ``fixed_real_wage``; the
nominal wage :math:`w^n` is pinned under ``fixed_nominal_wage``; the wage-curve
shift :math:`s^w` (built only when :math:`u_0 > 0`) under ``wage_curve``. Each of
these is a definition of its free variable under the other closures. The wage
curve is written in the unemployment rate, which it keeps positive.

A SAM with several labour types gives each type after the first the same three
rules, indexed by factor (``labour_real_wage_rule``, ``labour_wage_indexation_rule``,
``labour_wage_curve``), and each ordered pair (rural r, urban u) the Harris-Todaro
rules (``migration_pool_rule``, ``migration_wage_rule``):
:math:`p^f_r = \\omega_{ru} p^f_u (1 - U_u/\\bar F_u)` and
:math:`\\bar F_r + \\bar F_u = \\bar N_{ru}`, binding under ``migration: harris_todaro``.
"""

from __future__ import annotations

import pyomo.environ as pyo

from ..data import ModelData
from ._common import add_constraint, add_param, add_var, entries, formula_rows, linear_sum


def add_prices(m: pyo.ConcreteModel, data: ModelData) -> pyo.Block:
    """Add the ``markets`` block with the prices every agent sees (reads no other block)."""
    b = pyo.Block(doc="markets: prices, market clearing, factor income, price index")
    m.markets = b
    sets, d = data.sets, data.markets
    add_var(b, "price_composite", sets.commodities, 1.0, "purchaser price of the composite good "
            "p^q_c (including sales tax)", kind="price")
    add_var(b, "price_domestic", sets.produced, 1.0, "price of domestic output sold at home p^d_c",
            kind="price")
    add_var(b, "factor_price", sets.factors, 1.0, "economy-wide price of factor f, p^f_f",
            kind="price")
    add_var(b, "exchange_rate", None, 1.0, "exchange rate epsilon (domestic currency per unit "
            "of foreign currency)", kind="price")
    add_var(b, "cpi", None, 1.0, "consumer price index (base-year household budget weights)",
            kind="price")
    employed = {f: d.factor_endowment[f] - d.unemployment[f] for f in sets.factors}
    add_var(b, "factor_income", sets.factors, employed, "income of factor f, YF_f (SAM: "
            "factor row total)", kind="value")
    add_var(b, "factor_endowment", sets.factors, d.factor_endowment, "supply of factor f (SAM: "
            "factor row total; shock parameter 'factor_endowment')", exogenous=True)
    add_var(b, "unemployment", sets.factors, d.unemployment, "unemployed quantity of factor f "
            "(pinned at its benchmark under full employment: zero, or for labour "
            "options.benchmark_unemployment_rate of the labour force)", exogenous=True)
    if sets.labour:
        add_var(b, "real_wage", None, 1.0, "wage of labour deflated by the CPI "
                "(shock parameter 'real_wage' under fixed_real_wage)", kind="rate")
        add_var(b, "nominal_wage", None, 1.0, "nominal wage anchor w^n: the wage before CPI "
                "indexation (held under fixed_nominal_wage; shock parameter 'nominal_wage')",
                kind="price")
        add_var(b, "base_cpi", None, 1.0, "the CPI a fixed nominal wage is indexed from (its "
                "benchmark, one)", kind="price", exogenous=True)
        add_param(b, "wage_indexation", None, d.wage_indexation, "share of CPI inflation passed "
                  "on to a fixed nominal wage (options.wage_indexation; 1: a fixed real wage)")
        if d.unemployment_rate > 0:
            add_var(b, "wage_curve_shift", None, 1.0, "shift of the wage curve (held under "
                    "labour: wage_curve; a definition otherwise)", kind="rate")
            add_param(b, "wage_curve_elasticity", None, d.wage_curve_elasticity,
                      "elasticity of the real wage with respect to the unemployment rate "
                      "(elasticity 'wage_curve', negative)")
    if sets.other_labour:
        _add_labour_type_prices(b, data)
    if len(sets.labour_types) > 1:
        _add_migration_variables(b, data)
    return b


def _add_labour_type_prices(b: pyo.Block, data: ModelData) -> None:
    """The real wage, nominal wage anchor and wage-curve shift of each labour type after
    the main one (the main one keeps the scalar ``real_wage``, ``nominal_wage`` and
    ``wage_curve_shift``)."""
    other, d = data.sets.other_labour, data.markets
    add_var(b, "labour_real_wage", other, 1.0, "wage of labour type l deflated by the CPI "
            "(held under its fixed_real_wage)", kind="rate")
    add_var(b, "labour_nominal_wage", other, 1.0, "nominal wage anchor of labour type l "
            "(held under its fixed_nominal_wage)", kind="price")
    if d.unemployment_rate > 0:
        add_var(b, "labour_wage_curve_shift", other, 1.0, "shift of the wage curve of labour "
                "type l (held under its wage_curve; a definition otherwise)", kind="rate")


def _add_migration_variables(b: pyo.Block, data: ModelData) -> None:
    """Harris-Todaro migration between each ordered pair (rural, urban) of labour types:
    their pooled labour force and the calibrated wage wedge."""
    pairs, force, idle = (migration_pairs(data), data.markets.factor_endowment,
                          data.markets.unemployment)
    pool = {(r, u): force[r] + force[u] for r, u in pairs}
    wedge = {(r, u): force[u] / (force[u] - idle[u]) for r, u in pairs}
    add_var(b, "migration_labour_pool", pairs, pool, "labour force of rural type r and urban "
            "type u together (held under migration: harris_todaro; a definition otherwise)")
    add_var(b, "migration_wedge", pairs, wedge, "benchmark ratio of the rural wage to the "
            "expected urban wage w_u (1 - u_u), calibrated (held under migration: "
            "harris_todaro; a definition otherwise)", kind="rate")


def migration_pairs(data: ModelData) -> list[tuple[str, str]]:
    """Ordered pairs (rural, urban) of distinct labour types."""
    types = data.sets.labour_types
    return [(r, u) for r in types for u in types if r != u]


def add_market_clearing(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Add market clearing, factor income and the price index to ``markets`` (reads the
    demand of ``production``, ``households``, ``government`` and ``investment``, and the
    supply of ``trade``)."""
    b = m.markets
    sets, production = data.sets, data.production
    consumers_of = data.households.consumers_of
    government_goods, investment_goods = set(data.government.goods), set(data.investment.goods)
    # the equations read entries through dicts (see entries)
    bv, pr = entries(b), entries(m.production)
    pq, pf, cpi = bv.price_composite, bv.factor_price, bv.cpi
    Q = entries(m.trade.composite_supply)
    F, X = pr.factor_demand, m.production.intermediate_input
    wdist = pr.factor_price_distortion
    Xp, Xg, Xv = (entries(x) for x in (m.households.consumption, m.government.consumption,
                                       m.investment.demand))
    users = production.users_of
    # the formula of each intermediate input, not the named expression: the problem
    # writer then sees linear terms instead of 90,000 subexpressions at 300 sectors
    intermediate = formula_rows(X, {c: [a for a, _ in users[c]] for c in sets.commodities})

    def goods_market(b, c):
        demand = sum(Xp[c, h] for h in consumers_of[c])
        if c in government_goods:
            demand += Xg[c]
        if c in investment_goods:
            demand += Xv[c]
        return Q[c] == demand + linear_sum(intermediate[c])

    add_constraint(
        b, "goods_market",
        sets.commodities, rule=goods_market, doc="composite supply equals household, "
        "government, investment and intermediate demand (SAM: commodity row)")
    add_constraint(
        b, "factor_market",
        sets.factors, rule=lambda b, f: sum(F[f, a] for a in production.employers_of[f])
        == b.factor_endowment[f] - b.unemployment[f],
        doc="factor market: employment equals supply net of unemployment (SAM: factor row total)")
    add_constraint(
        b, "factor_income_definition",
        sets.factors, rule=lambda b, f: b.factor_income[f] == pf[f] * sum(
            wdist[f, a] * F[f, a] for a in production.employers_of[f]),
        doc="factor income: rentals paid by all activities (SAM: factor row total)")
    b.price_index = pyo.Constraint(
        expr=cpi == sum(data.markets.cpi_weight[c] * pq[c] for c in sets.commodities),
        doc="consumer price index with base household budget shares as weights")
    if sets.labour:
        L = sets.labour
        b.real_wage_rule = pyo.Constraint(
            expr=pf[L] == b.real_wage * cpi,
            doc="the wage deflated by the CPI is the real wage (binding under fixed_real_wage)")
        b.wage_indexation_rule = pyo.Constraint(
            expr=pf[L] == b.nominal_wage * (cpi / b.base_cpi) ** b.wage_indexation,
            doc="the wage is the nominal wage anchor indexed to the CPI at the indexation rate "
            "(binding under fixed_nominal_wage)")
        if data.markets.unemployment_rate > 0:
            b.wage_curve = pyo.Constraint(
                expr=b.unemployment[L] == data.markets.unemployment_rate * b.factor_endowment[L]
                * (b.real_wage / b.wage_curve_shift) ** (1 / b.wage_curve_elasticity),
                doc="wage curve: the unemployment rate is its benchmark times (real wage / "
                "shift)^(1/elasticity), i.e. w/P = shift (u/u0)^elasticity (binding under "
                "labour: wage_curve)")
    if sets.other_labour:
        _add_labour_type_rules(b, data)
    if len(sets.labour_types) > 1:
        _add_migration_rules(b, data)


def _add_labour_type_rules(b: pyo.Block, data: ModelData) -> None:
    """The real wage, indexation and wage-curve rules of each labour type after the main
    one, as for the main one (each binds under that type's own closure)."""
    other, pf, cpi = data.sets.other_labour, b.factor_price, b.cpi
    add_constraint(
        b, "labour_real_wage_rule",
        other, rule=lambda b, lt: pf[lt] == b.labour_real_wage[lt] * cpi,
        doc="the wage of labour type l deflated by the CPI is its real wage")
    add_constraint(
        b, "labour_wage_indexation_rule",
        other, rule=lambda b, lt: pf[lt] == b.labour_nominal_wage[lt]
        * (cpi / b.base_cpi) ** b.wage_indexation,
        doc="the wage of labour type l is its nominal anchor indexed to the CPI")
    if data.markets.unemployment_rate > 0:
        add_constraint(
            b, "labour_wage_curve",
            other, rule=lambda b, lt: b.unemployment[lt] == data.markets.unemployment_rate
            * b.factor_endowment[lt] * (b.labour_real_wage[lt] / b.labour_wage_curve_shift[lt])
            ** (1 / b.wage_curve_elasticity),
            doc="wage curve of labour type l: w/P = shift (u/u0)^elasticity")


def _add_migration_rules(b: pyo.Block, data: ModelData) -> None:
    """Harris and Todaro (1970): workers move between rural type r and urban type u until
    the rural wage equals the expected urban wage, the urban wage times the urban
    employment rate, up to a wedge calibrated to the benchmark.

    .. math::

        p^f_r = \\omega_{ru}\\, p^f_u (1 - U_u / \\bar F_u), \\qquad
        \\bar F_r + \\bar F_u = \\bar N_{ru}
    """
    pairs, pf = migration_pairs(data), b.factor_price
    E, U = b.factor_endowment, b.unemployment
    add_constraint(
        b, "migration_pool_rule",
        pairs, rule=lambda b, r, u: b.migration_labour_pool[r, u] == E[r] + E[u],
        doc="the labour forces of rural type r and urban type u add up to their pool")
    add_constraint(
        b, "migration_wage_rule",
        pairs, rule=lambda b, r, u: pf[r] * E[u]
        == b.migration_wedge[r, u] * pf[u] * (E[u] - U[u]),
        doc="Harris-Todaro: the rural wage is the wedge times the expected urban wage, "
        "the urban wage times the urban employment rate (binding under migration)")


def absorption(m: pyo.ConcreteModel, data: ModelData):
    """Domestic absorption at purchaser prices: household, government and investment
    spending, :math:`\\sum_c p^q_c (\\sum_h X^p_{ch} + X^g_c + X^v_c)`."""
    pq = m.markets.price_composite
    Xp, Xg, Xv = m.households.consumption, m.government.consumption, m.investment.demand
    return (sum(pq[c] * Xp[c, h] for c, h in data.households.consumption)
            + sum(pq[c] * Xg[c] for c in data.government.goods)
            + sum(pq[c] * Xv[c] for c in data.investment.goods))
