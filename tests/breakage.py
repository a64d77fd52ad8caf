"""Models broken on purpose, so that the built-in checks have something to find.

Each helper takes a freshly built :class:`~cge.model.build.CGEModel` (not solved yet) and
replaces one equation, named by its Pyomo path, with a faulty one: a flow that no
longer reaches its recipient, a market that forgets a buyer, demand with money
illusion. The original equation is deactivated, never renamed; its replacement is
``<block>.broken_<equation>`` on the same block, so that failure messages name it.
"""

from __future__ import annotations

from collections.abc import Callable

import pyomo.environ as pyo


def replace_equation(model, path: str, build: Callable, indices=None) -> str:
    """Deactivate ``path`` (at ``indices``, default all) and add ``build(index, lhs, rhs)``.

    Returns the dotted path of the replacement, ``<block>.broken_<equation>``.
    """
    equation = model.component(path)
    block = equation.parent_block()
    name = f"broken_{equation.local_name}"
    keys = list(equation.keys()) if indices is None else list(indices)
    exprs = {}
    for k in keys:
        lhs, rhs = equation[k].expr.args
        exprs[k] = build(k, lhs, rhs)
        equation[k].deactivate()
    if equation.is_indexed():
        block.add_component(name, pyo.Constraint(keys, rule=lambda b, *k: exprs[
            k[0] if len(k) == 1 else k], doc=f"{equation.doc} (broken on purpose)"))
    else:
        block.add_component(name, pyo.Constraint(expr=exprs[None],
                                                 doc=f"{equation.doc} (broken on purpose)"))
    return f"{block.getname(fully_qualified=True)}.{name}"


def drop_flow(model, path: str, flow: Callable, indices=None) -> str:
    """``lhs == rhs`` becomes ``lhs == rhs - flow(index)``: the flow no longer arrives."""
    return replace_equation(model, path, lambda k, lhs, rhs: lhs == rhs - flow(k), indices)


def tariff_revenue_lost(model) -> str:
    """Government revenue without the import tariffs (collected, paid, received by nobody)."""
    m = model.pyomo
    return drop_flow(model, "government.revenue_definition",
                     lambda k: sum(m.trade.import_tariff.values()))


def factor_income_lost(model, household: str, factor: str) -> str:
    """A household that no longer receives its share of a factor's income."""
    m = model.pyomo
    share = float(model.calibration.parameters["factor_income_share"].at[household, factor])
    return drop_flow(model, "households.income_definition",
                     lambda k: share * m.markets.factor_income[factor],
                     [household])


def investment_left_out_of_market(model, commodity: str) -> str:
    """The goods market of ``commodity`` without investment demand (composite supply does
    not cover it, although investors buy and pay for it)."""
    m = model.pyomo
    return drop_flow(model, "markets.goods_market",
                     lambda k: m.investment.demand[commodity], [commodity])


def money_illusion(model) -> str:
    """Households spend budget shares of their income on quantities, not on values:
    right at the benchmark (every price is one), wrong once prices move (not homogeneous)."""
    m = model.pyomo
    pq = m.markets.price_composite
    return replace_equation(model, "households.demand",
                            lambda k, lhs, rhs: lhs / pq[k[0]] == rhs)


def budget_shares_swapped(model, household: str, good: str, other: str) -> str:
    """Household demand with the budget shares of two goods swapped: budgets still add
    up (Walras' law holds), the benchmark no longer reproduces the SAM."""
    shares = model.calibration.parameters["consumption_share"]
    a, b = float(shares.at[good, household]), float(shares.at[other, household])
    swap = {good: b / a, other: a / b}
    return replace_equation(model, "households.demand",
                            lambda k, lhs, rhs: lhs == swap[k[0]] * rhs,
                            [(good, household), (other, household)])


def market_dropped(model, commodity: str) -> str:
    """The goods market of ``commodity`` deactivated: one equation short of square."""
    model.component("markets.goods_market")[commodity].deactivate()
    return f"markets.goods_market[{commodity}]"


def negative_endowment(model, factor: str) -> str:
    """A factor market asking for minus the endowment: no solution exists."""
    return replace_equation(model, "markets.factor_market",
                            lambda k, lhs, rhs: lhs == -rhs, [factor])


def import_tax_revenue_lost(model) -> str:
    """Government revenue without import VAT and consumption tax (collected from importers,
    received by nobody)."""
    m = model.pyomo
    return drop_flow(model, "government.revenue_definition",
                     lambda k: sum(m.trade.import_tax.values()))
