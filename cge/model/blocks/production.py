"""Production: value added from factors, Leontief intermediates and a Leontief top nest.

For activity :math:`a`:

.. math::

    Y_a &= A_a b_a \\textstyle\\prod_f F_{fa}^{\\beta_{fa}}
        \\quad\\text{(Cobb-Douglas) or}\\quad
        Y_a = A_a b_a \\big(\\sum_f \\delta_{fa} F_{fa}^{\\rho_a}\\big)^{1/\\rho_a}
        \\quad\\text{(CES)} \\\\
    Y_a &= a^y_a Z_a, \\qquad X_{ca} = a^x_{ca} Z_a \\\\
    p^z_a &= a^y_a p^y_a + \\textstyle\\sum_c a^x_{ca} p^q_c \\\\
    T^z_a &= \\tau^z_a p^z_a Z_a

Intermediate flows :math:`X_{ca}` are not variables: they are substituted into
the goods markets and the zero-profit condition (the compact formulation).
"""

from __future__ import annotations

import pyomo.environ as pyo

from ._common import add_param, add_var


def add_production(m: pyo.ConcreteModel, d) -> pyo.Block:
    """Add the ``production`` block (activities ``d.A``)."""
    b = pyo.Block(doc="production: activities turn factors and intermediates into output")
    m.production = b
    A, FA = d.A, d.FA
    add_var(b, "output", A, d.Z0, "gross output Z_a (SAM: column total of the activity "
            "net of production tax)")
    add_var(b, "value_added", A, d.Y0, "value added (composite factor) Y_a (SAM: factor rows "
            "of the activity column)")
    add_var(b, "factor_demand", FA, d.F0, "factor f employed by activity a, F_fa "
            "(SAM: cell factor x activity)")
    add_var(b, "price_output", A, 1.0, "producer price of output before production tax "
            "p^z_a", kind="price")
    add_var(b, "price_value_added", A, 1.0, "price of value added p^y_a", kind="price")
    add_var(b, "factor_price_distortion", FA, 1.0,
            "rental of factor f in activity a relative to the economy-wide factor price "
            "(1 when the factor is mobile)", kind="rate", exogenous=True)
    add_var(b, "productivity", A, 1.0, "total factor productivity shifter A_a of value added "
            "(shock parameter 'productivity')", kind="rate", exogenous=True)
    add_var(b, "production_tax_rate", A, d.tauz, "production tax rate tau^z_a "
            "(SAM: production tax / output)", kind="rate", exogenous=True)
    if d.has_tax["production_tax"]:
        add_var(b, "production_tax", A, d.Tz0, "production tax revenue T^z_a "
                "(SAM: production tax row, activity column)", kind="value")
    add_param(b, "va_share", FA, d.va_share, "value-added share beta_fa (Cobb-Douglas) or "
              "delta_fa (CES), from factor payments")
    add_param(b, "va_scale", A, d.va_scale, "value-added scale b_a")
    add_param(b, "va_rho", A, d.va_rho, "CES exponent rho = (sigma-1)/sigma (unused for "
              "Cobb-Douglas activities)")
    add_param(b, "va_sigma", A, d.va_sigma, "value-added substitution elasticity sigma_a")
    factors_of = d.factors_of
    F, pf = b.factor_demand, m.markets.factor_price
    wdist, prod = b.factor_price_distortion, b.productivity
    Y, Z, py, pz = b.value_added, b.output, b.price_value_added, b.price_output
    cd = d.cobb_douglas

    def technology(b, a):
        if cd[a]:
            return Y[a] == prod[a] * b.va_scale[a] * pyo.prod(
                F[f, a] ** b.va_share[f, a] for f in factors_of[a])
        return Y[a] == prod[a] * b.va_scale[a] * sum(
            b.va_share[f, a] * F[f, a] ** b.va_rho[a] for f in factors_of[a]) ** (1 / b.va_rho[a])

    b.value_added_technology = pyo.Constraint(
        A, rule=technology, doc="value added from factors: Cobb-Douglas or CES technology")

    def factor_demand(b, f, a):
        w = pf[f] * wdist[f, a]
        if cd[a]:
            return F[f, a] * w == b.va_share[f, a] * py[a] * Y[a]
        s = b.va_sigma[a]
        return F[f, a] == (b.va_share[f, a] * py[a] / w) ** s * \
            (prod[a] * b.va_scale[a]) ** (s - 1) * Y[a]

    b.factor_demand_rule = pyo.Constraint(
        FA, rule=factor_demand, doc="cost-minimising factor demand: the factor's reward equals "
        "the value of its marginal product")
    b.value_added_demand = pyo.Constraint(
        A, rule=lambda b, a: Y[a] == d.ay[a] * Z[a],
        doc="Leontief top nest: value added per unit of output (SAM: value added / output)")
    pq = m.markets.price_composite
    inputs = d.inputs_of

    b.zero_profit = pyo.Constraint(
        A, rule=lambda b, a: pz[a] == d.ay[a] * py[a] + sum(
            coef * pq[c] for c, coef in inputs[a]),
        doc="zero profit: unit cost (value added and intermediates, SAM: commodity rows of the "
        "activity column) equals the producer price")
    if d.has_tax["production_tax"]:
        b.production_tax_revenue = pyo.Constraint(
            A, rule=lambda b, a: b.production_tax[a] == b.production_tax_rate[a] * pz[a] * Z[a],
            doc="production tax revenue (SAM: production tax row)")
    return b
