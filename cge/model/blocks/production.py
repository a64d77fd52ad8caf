"""Production: value added from factors, intermediates, and a Leontief or CES top nest.

For activity :math:`a`:

.. math::

    Y_a &= A_a b_a \\textstyle\\prod_f F_{fa}^{\\beta_{fa}}
        \\quad\\text{(Cobb-Douglas) or}\\quad
        Y_a = A_a b_a \\big(\\sum_f \\delta_{fa} F_{fa}^{\\rho_a}\\big)^{1/\\rho_a}
        \\quad\\text{(CES)} \\\\
    Y_a &= a^y_a Z_a, \\qquad X_{ca} = a^x_{ca} Z_a \\\\
    p^z_a &= a^y_a p^y_a + \\textstyle\\sum_c a^x_{ca} p^q_c
        \\quad\\text{(Leontief top nest)} \\\\
    T^z_a &= \\tau^z_a p^z_a Z_a

Intermediate flows :math:`X_{ca}` are not variables: they are expressions
(``intermediate_input``) substituted into the goods markets and the
zero-profit condition (the compact formulation). Activities given a ``top``
elasticity combine value added and an intermediate bundle
:math:`N_a` (:math:`X_{ca} = a^n_{ca} N_a`) in a CES nest instead; see
:func:`_add_ces_top_nest`.
"""

from __future__ import annotations

from itertools import repeat

import pyomo.environ as pyo

from ..data import ModelData, ProductionData
from ._common import (
    add_constraint,
    add_expressions,
    add_param,
    add_var,
    entries,
    linear_sum,
    linear_terms,
)


def add_production(m: pyo.ConcreteModel, data: ModelData) -> pyo.Block:
    """Add the ``production`` block (reads ``markets``: composite and factor prices)."""
    b = pyo.Block(doc="production: activities turn factors and intermediates into output")
    m.production = b
    d = data.production
    A, FA = data.sets.activities, d.employment
    add_var(b, "output", A, d.output, "gross output Z_a (SAM: column total of the activity "
            "net of production tax)")
    add_var(b, "value_added", A, d.value_added, "value added (composite factor) Y_a (SAM: "
            "factor rows of the activity column)")
    add_var(b, "factor_demand", FA, d.factor_demand, "factor f employed by activity a, F_fa "
            "(SAM: cell factor x activity)")
    add_var(b, "price_output", A, 1.0, "producer price of output before production tax "
            "p^z_a", kind="price")
    add_var(b, "price_value_added", A, 1.0, "price of value added p^y_a", kind="price")
    add_var(b, "factor_price_distortion", FA, 1.0,
            "rental of factor f in activity a relative to the economy-wide factor price "
            "(1 when the factor is mobile)", kind="rate", exogenous=True)
    add_var(b, "productivity", A, 1.0, "total factor productivity shifter A_a of value added "
            "(shock parameter 'productivity')", kind="rate", exogenous=True)
    add_var(b, "production_tax_rate", A, d.production_tax_rate, "production tax rate tau^z_a "
            "(SAM: production tax / output)", kind="rate", exogenous=True)
    add_var(b, "production_tax", A, d.production_tax, "production tax revenue T^z_a (SAM: "
            "production tax row, activity column; zero without such an account)", kind="value")
    add_param(b, "va_share", FA, d.value_added_share, "value-added share beta_fa "
              "(Cobb-Douglas) or delta_fa (CES), from factor payments")
    add_param(b, "va_scale", A, d.value_added_scale, "value-added scale b_a")
    ces = d.ces_activities
    if ces:   # a Cobb-Douglas activity has no substitution elasticity or CES exponent
        add_param(b, "va_rho", ces, d.value_added_exponent, "CES exponent rho = "
                  "(sigma-1)/sigma of the CES activities")
        add_param(b, "va_sigma", ces, d.value_added_elasticity, "value-added substitution "
                  "elasticity sigma_a of the CES activities")
    factors_of = d.factors_of
    # the equations read entries through dicts (see entries)
    bv, mk = entries(b), entries(m.markets)
    F, pf = bv.factor_demand, mk.factor_price
    wdist, prod = bv.factor_price_distortion, bv.productivity
    Y, Z, py, pz = bv.value_added, bv.output, bv.price_value_added, bv.price_output
    cd = d.cobb_douglas

    def technology(b, a):
        if a in cd:
            return Y[a] == prod[a] * b.va_scale[a] * pyo.prod(
                F[f, a] ** b.va_share[f, a] for f in factors_of[a])
        return Y[a] == prod[a] * b.va_scale[a] * sum(
            b.va_share[f, a] * F[f, a] ** b.va_rho[a] for f in factors_of[a]) ** (1 / b.va_rho[a])

    add_constraint(
        b, "value_added_technology",
        A, rule=technology, doc="value added from factors: Cobb-Douglas or CES technology")

    def factor_demand(b, f, a):
        w = pf[f] * wdist[f, a]
        if a in cd:
            return F[f, a] * w == b.va_share[f, a] * py[a] * Y[a]
        s = b.va_sigma[a]
        return F[f, a] == (b.va_share[f, a] * py[a] / w) ** s * \
            (prod[a] * b.va_scale[a]) ** (s - 1) * Y[a]

    add_constraint(
        b, "factor_demand_rule",
        FA, rule=factor_demand, doc="cost-minimising factor demand: the factor's reward equals "
        "the value of its marginal product")
    pq = mk.price_composite
    inputs = d.inputs_of
    top = set(d.top_nest)
    leontief = [a for a in A if a not in top]
    if top:
        _add_ces_top_nest(b, d, pq)
    N = b.intermediate_bundle if top else None

    def value_added_demand(b, a):
        if a not in top:
            return Y[a] == d.value_added_coefficient[a] * Z[a]
        if a in d.top_cobb_douglas:
            return py[a] * Y[a] == b.top_share[a] * pz[a] * Z[a]
        s = b.top_sigma[a]
        return Y[a] == (b.top_share[a] * pz[a] / py[a]) ** s * b.top_scale[a] ** (s - 1) * Z[a]

    add_constraint(
        b, "value_added_demand",
        A, rule=value_added_demand, doc="demand for value added: Leontief, Y per unit of output "
        "(SAM: value added / output), or cost-minimising in the CES top nest")

    # the dense input-output block, one activity (column) at a time, its keys and
    # monomials made in one step each
    columns = {a: tuple(zip(*inputs[a], strict=True)) or ((), ()) for a in A}
    uses = {}
    for a in A:
        goods, coefs = columns[a]
        keys = zip(goods, repeat(a))
        if a in top:
            uses.update((k, b.bundle_coefficient[k] * N[a]) for k in keys)
        else:
            uses.update(zip(keys, linear_terms(coefs, repeat(Z[a], len(coefs))), strict=True))
    add_expressions(b, "intermediate_input", uses, doc="intermediate use X_ca of commodity c "
                    "by activity a (SAM: commodity row, activity column): a^x_ca Z_a (Leontief) "
                    "or a^n_ca N_a (CES top nest)")
    add_constraint(
        b, "zero_profit",
        leontief, rule=lambda b, a: pz[a] == d.value_added_coefficient[a] * py[a] + linear_sum(
            linear_terms(columns[a][1], map(pq.__getitem__, columns[a][0]))),
        doc="zero profit: unit cost (value added and intermediates, SAM: commodity rows of the "
        "activity column) equals the producer price (Leontief top nest)")
    add_constraint(
        b, "production_tax_revenue",
        A, rule=lambda b, a: b.production_tax[a] == b.production_tax_rate[a] * pz[a] * Z[a],
        doc="production tax revenue (SAM: production tax row)")
    return b


def _add_ces_top_nest(b: pyo.Block, d: ProductionData, pq) -> None:
    """The CES top nest of activities ``d.top_nest``: output from value added and an intermediate
    bundle of fixed composition.

    .. math::
        Z_a &= b^z_a \\big(\\delta^y_a Y_a^{\\rho_a}
              + (1-\\delta^y_a) N_a^{\\rho_a}\\big)^{1/\\rho_a} \\\\
        N_a &= \\Big(\\frac{(1-\\delta^y_a)\\, p^z_a}{p^n_a}\\Big)^{\\sigma_a}
              (b^z_a)^{\\sigma_a - 1} Z_a, \\qquad
        p^n_a = \\textstyle\\sum_c a^n_{ca}\\, p^q_c

    (Cobb-Douglas at :math:`\\sigma_a = 1`: :math:`p^n_a N_a = (1-\\delta^y_a) p^z_a Z_a`).
    The technology takes the place of zero profit, which it implies.
    """
    AT, ces = d.top_nest, d.ces_top_nest
    add_var(b, "intermediate_bundle", AT, d.intermediate_bundle, "aggregate intermediate input "
            "N_a of the CES top nest (SAM: sum of the commodity rows of the activity column)")
    if ces:   # a Cobb-Douglas top nest has no substitution elasticity or CES exponent
        add_param(b, "top_sigma", ces, d.top_elasticity, "elasticity of substitution sigma_a "
                  "between value added and the intermediate bundle (elasticity 'top')")
        add_param(b, "top_rho", ces, d.top_exponent, "CES exponent rho = (sigma-1)/sigma of "
                  "the top nest")
    add_param(b, "top_share", AT, d.top_value_added_share, "top-nest share of value added "
              "delta^y_a "
              "(SAM: value added and intermediate cells of the activity column)")
    add_param(b, "top_scale", AT, d.top_scale, "top-nest scale b^z_a (SAM: activity column "
              "total net of production tax)")
    b.bundle_coefficient = pyo.Param(
        [(c, a) for a in AT for c, _ in d.bundle_of[a]],
        initialize={(c, a): v for a in AT for c, v in d.bundle_of[a]},
        doc="commodity c per unit of the intermediate bundle of activity a (SAM: commodity "
        "cell over the activity's intermediate total)")
    Y, Z, N = b.value_added, b.output, b.intermediate_bundle
    pz = b.price_output

    def price_bundle(a):
        return sum(b.bundle_coefficient[c, a] * pq[c] for c, _ in d.bundle_of[a])

    def demand(b, a):
        if a in d.top_cobb_douglas:
            return price_bundle(a) * N[a] == (1 - b.top_share[a]) * pz[a] * Z[a]
        s = b.top_sigma[a]
        return N[a] == ((1 - b.top_share[a]) * pz[a] / price_bundle(a)) ** s \
            * b.top_scale[a] ** (s - 1) * Z[a]

    add_constraint(
        b, "intermediate_demand",
        AT, rule=demand, doc="cost-minimising demand for the intermediate bundle in the CES top "
        "nest (SAM: intermediate cells of the activity column)")

    def technology(b, a):
        dy = b.top_share[a]
        if a in d.top_cobb_douglas:
            return Z[a] == b.top_scale[a] * Y[a] ** dy * N[a] ** (1 - dy)
        rho = b.top_rho[a]
        return Z[a] == b.top_scale[a] * (dy * Y[a] ** rho + (1 - dy) * N[a] ** rho) ** (1 / rho)

    add_constraint(
        b, "top_technology",
        AT, rule=technology, doc="CES top nest: output from value added and the intermediate "
        "bundle (replaces zero profit, which it implies; SAM: activity column)")
