"""Trade: Armington imports, CET exports, border prices and trade taxes.

For commodity :math:`c` made by activity :math:`a`, with
:math:`\\tilde p^q_c = p^q_c/(1+\\tau^s_c)` the composite price net of sales tax:

.. math::

    Q_c &= \\gamma_c (\\delta^m_c M_c^{\\eta_c} + \\delta^d_c D_c^{\\eta_c})^{1/\\eta_c}
        &\\quad M_c &= \\Big(\\frac{\\gamma_c^{\\eta_c} \\delta^m_c \\tilde p^q_c}
                         {(1+\\tau^m_c)(1+\\tau^v_c) p^m_c}\\Big)^{\\frac{1}{1-\\eta_c}} Q_c \\\\
    Z_a &= \\theta_c (\\xi^e_c E_c^{\\phi_c} + \\xi^d_c D_c^{\\phi_c})^{1/\\phi_c}
        &\\quad E_c &= \\Big(\\frac{\\theta_c^{\\phi_c} \\xi^e_c (1+\\tau^z_a) p^z_a}
                         {p^e_c}\\Big)^{\\frac{1}{1-\\phi_c}} Z_a \\\\
    p^m_c &= \\varepsilon\\, p^{Wm}_c, \\qquad p^e_c = (1-\\tau^e_c)\\,\\varepsilon\\, p^{We}_c

Taxes on imports: the tariff :math:`\\tau^m_c` on the CIF value and import VAT and
consumption tax :math:`\\tau^v_c` on the CIF value plus duty (the customs base),
:math:`T^v_c = \\tau^v_c (1+\\tau^m_c) p^m_c M_c`. An export VAT rebate is a negative
export tax :math:`\\tau^e_c < 0`: exporters receive more than the world price.

A commodity without imports has no :math:`M_c` and no Armington nest
(:math:`Q_c = \\gamma_c D_c`, :math:`\\tilde p^q_c Q_c = p^d_c D_c`); one without
exports has no :math:`E_c` and no CET (:math:`D_c = \\theta_c Z_a`,
:math:`p^d_c D_c = (1+\\tau^z_a) p^z_a Z_a`). With a finite export-demand
elasticity :math:`\\sigma^x_c` the world price of exports is endogenous:
:math:`E_c = \\bar E_c s_c (p^{We}_c)^{-\\sigma^x_c}`.

Beyond a diagonal make matrix (an activity making several commodities, or a
commodity made by several activities), activity :math:`a` makes
:math:`\\theta_{ac}` units of commodity :math:`c` per unit of output (fixed
shares, SAM: activity row, commodity column over the activity's output), and
each such commodity has one producer price :math:`p^x_c` and output
:math:`X_c`, which take the place of :math:`(1+\\tau^z_a) p^z_a` and :math:`Z_a`
in its CET:

.. math::
    X_c = \\textstyle\\sum_a \\theta_{ac} Z_a, \\qquad
    (1+\\tau^z_a)\\, p^z_a = \\textstyle\\sum_c \\theta_{ac}\\, p^x_c

A commodity nobody makes is imported only: :math:`Q_c = \\gamma_c M_c` and
:math:`\\tilde p^q_c Q_c = (1+\\tau^m_c)(1+\\tau^v_c) p^m_c M_c`.
"""

from __future__ import annotations

import pyomo.environ as pyo

from ..data import ModelData
from ._common import add_constraint, add_expressions, add_param, add_var, entries


def add_trade(m: pyo.ConcreteModel, data: ModelData) -> pyo.Block:
    """Add the ``trade`` block (reads ``markets`` prices and ``production`` output)."""
    b = pyo.Block(doc="trade: Armington composite of imports and domestic goods, CET split of "
                  "output into exports and domestic sales")
    m.trade = b
    d = data.trade
    C, CM, CE = data.sets.commodities, d.imported, d.exported
    add_var(b, "composite_supply", C, d.composite_supply, "Armington composite good Q_c (SAM: "
            "commodity row total minus exports)")
    CP = data.sets.produced
    add_var(b, "domestic_sales", CP, d.domestic_sales, "domestic output sold at home D_c (SAM: "
            "output value minus exports net of export tax)")
    add_var(b, "imports", CM, d.imports, "imports M_c (SAM: rest-of-world row, commodity column)")
    add_var(b, "exports", CE, d.exports, "exports E_c (SAM: commodity row, rest-of-world column)")
    add_var(b, "price_import", CM, 1.0, "domestic price of imports before tariff p^m_c",
            kind="price")
    add_var(b, "price_export", CE, {c: 1 - d.export_tax_rate[c] for c in CE},
            "price exporters receive, net of export tax, p^e_c", kind="price")
    add_var(b, "world_import_price", CM, 1.0, "world (CIF) price of imports in foreign "
            "currency (shock parameter 'world_import_price')", kind="rate", exogenous=True)
    add_var(b, "world_export_price", CE, 1.0, "world (FOB) price of exports in foreign "
            "currency (shock parameter 'world_export_price')", kind="rate", exogenous=True)
    add_var(b, "import_tariff_rate", CM, d.import_tariff_rate, "import tariff rate tau^m_c (SAM: "
            "tariff / imports)", kind="rate", exogenous=True)
    add_var(b, "import_tax_rate", CM, d.import_tax_rate, "import VAT and consumption tax rate "
            "tau^v_c on the CIF value plus tariff (SAM: import tax / (imports + tariff))",
            kind="rate", exogenous=True)
    add_var(b, "export_tax_rate", CE, d.export_tax_rate, "export tax rate tau^e_c, negative for "
            "an export VAT rebate (SAM: export tax / exports)", kind="rate", exogenous=True)
    add_var(b, "sales_tax_rate", C, d.sales_tax_rate, "sales tax rate tau^s_c on the composite "
            "good (SAM: sales tax / composite value before tax)", kind="rate", exogenous=True)
    # every trade tax is collected, with or without a SAM account for it (zero revenue
    # then), so that a scenario introducing the tax raises revenue for the government
    for name, index, init, doc in (
            ("import_tariff", CM, d.import_tariff, "import tariff revenue T^m_c"),
            ("import_tax", CM, d.import_tax, "import VAT and consumption tax revenue T^v_c"),
            ("export_tax", CE, d.export_tax, "export tax revenue T^e_c"),
            ("sales_tax", C, d.sales_tax, "sales tax revenue T^s_c")):
        add_var(b, name, index, init, doc + f" (SAM: {name} row, commodity column; zero "
                "without such an account)", kind="value")
    add_param(b, "armington_exponent", CM, d.armington_exponent, "eta_c = (sigma_c - 1)/sigma_c")
    add_param(b, "armington_import_share", CM, d.armington_import_share, "Armington share of "
              "imports delta^m_c")
    add_param(b, "armington_domestic_share", CM,
              d.armington_domestic_share, "Armington share of domestic goods "
              "delta^d_c")
    add_param(b, "armington_scale", C, d.armington_scale, "Armington scale gamma_c (Q/D without "
              "imports)")
    add_param(b, "cet_exponent", CE, d.cet_exponent, "phi_c = (psi_c + 1)/psi_c")
    add_param(b, "cet_export_share", CE, d.cet_export_share, "CET share of exports xi^e_c")
    add_param(b, "cet_domestic_share", CE, d.cet_domestic_share, "CET share of domestic sales "
              "xi^d_c")
    add_param(b, "cet_scale", C, d.cet_scale, "CET scale theta_c (D/Z without exports)")

    # the equations read entries through dicts (see entries)
    bv, mk, pr = entries(b), entries(m.markets), entries(m.production)
    Q, D, M, E = bv.composite_supply, bv.domestic_sales, bv.imports, bv.exports
    pm, pe = bv.price_import, bv.price_export
    pq, pd, eps = mk.price_composite, mk.price_domestic, mk.exchange_rate
    Z, pz = pr.output, pr.price_output
    tauz = pr.production_tax_rate
    act = d.activity_of
    ts, tm, te = bv.sales_tax_rate, bv.import_tariff_rate, bv.export_tax_rate
    tv = bv.import_tax_rate
    has_m, has_e, made = set(CM), set(CE), set(CP)
    joint = set(d.joint)
    if joint:
        _add_joint_production(b, m, data)

    def net_price(c):
        return pq[c] / (1 + ts[c])

    def import_cost(c):
        """What users pay per unit of imports before sales tax: CIF price, duty, then
        import VAT and consumption tax on the duty-inclusive value."""
        return (1 + tm[c]) * (1 + tv[c]) * pm[c]

    def output(c):
        """The CET's output quantity and its price."""
        if c in joint:
            return bv.commodity_output[c], bv.price_commodity_output[c]
        a = act[c]
        return Z[a], (1 + tauz[a]) * pz[a]

    def armington(b, c):
        if c not in has_m:
            return Q[c] == b.armington_scale[c] * D[c]
        if c not in made:
            return Q[c] == b.armington_scale[c] * M[c]
        eta = b.armington_exponent[c]
        return Q[c] == b.armington_scale[c] * (b.armington_import_share[c] * M[c] ** eta
                                               + b.armington_domestic_share[c] * D[c] ** eta) \
            ** (1 / eta)

    add_constraint(
        b, "armington", C, rule=armington, doc="Armington CES composite of imports and "
        "domestic goods (Q = gamma D without imports)")

    def import_demand(b, c):
        if c not in made:
            return net_price(c) * Q[c] == import_cost(c) * M[c]
        eta = b.armington_exponent[c]
        return M[c] == (b.armington_scale[c] ** eta * b.armington_import_share[c] * net_price(c)
                        / import_cost(c)) ** (1 / (1 - eta)) * Q[c]

    add_constraint(
        b, "import_demand", CM, rule=import_demand, doc="cost-minimising import demand "
        "of the Armington nest (value identity for a commodity "
        "imported only)")

    def domestic_demand(b, c):
        if c not in has_m:
            return pd[c] * D[c] == net_price(c) * Q[c]
        eta = b.armington_exponent[c]
        return D[c] == (b.armington_scale[c] ** eta * b.armington_domestic_share[c]
                        * net_price(c) / pd[c]) ** (1 / (1 - eta)) * Q[c]

    add_constraint(
        b, "domestic_demand", CP, rule=domestic_demand, doc="cost-minimising demand for "
        "the domestic good (value identity without imports)")

    def cet(b, c):
        z, _ = output(c)
        if c not in has_e:
            return D[c] == b.cet_scale[c] * z
        phi = b.cet_exponent[c]
        return z == b.cet_scale[c] * (b.cet_export_share[c] * E[c] ** phi
                                      + b.cet_domestic_share[c] * D[c] ** phi) ** (1 / phi)

    add_constraint(
        b, "cet", CP, rule=cet, doc="CET transformation of output into exports and "
        "domestic sales (D = theta Z without exports)")

    def export_supply(b, c):
        (z, px), phi = output(c), b.cet_exponent[c]
        return E[c] == (b.cet_scale[c] ** phi * b.cet_export_share[c] * px
                        / pe[c]) ** (1 / (1 - phi)) * z

    add_constraint(
        b, "export_supply", CE, rule=export_supply, doc="revenue-maximising export "
        "supply of the CET")

    def domestic_supply(b, c):
        z, px = output(c)
        if c not in has_e:
            return pd[c] * D[c] == px * z
        phi = b.cet_exponent[c]
        return D[c] == (b.cet_scale[c] ** phi * b.cet_domestic_share[c] * px
                        / pd[c]) ** (1 / (1 - phi)) * z

    add_constraint(
        b, "domestic_supply", CP, rule=domestic_supply, doc="revenue-maximising supply "
        "to the home market (value identity without exports)")
    add_expressions(
        b, "output_value", {(a, c): bv.price_commodity_output[c] * d.make_share[a, c] * Z[a]
                            if c in joint else (1 + tauz[a]) * pz[a] * Z[a] for a, c in d.make},
        doc="value of commodity c made by activity a at producer prices, tax included (SAM: "
        "activity row, commodity column)")
    add_constraint(
        b, "import_price",
        CM, rule=lambda b, c: pm[c] == eps * b.world_import_price[c],
        doc="small open economy: domestic import price is the world price times the exchange "
        "rate")
    add_constraint(
        b, "export_price",
        CE, rule=lambda b, c: pe[c] == (1 - te[c]) * eps * b.world_export_price[c],
        doc="exporters receive the world price times the exchange rate, net of export tax")
    if d.finite_export_demand:
        FE = d.finite_export_demand
        add_var(b, "export_demand", FE, 1.0, "shift of the world demand curve for exports "
                "(shock parameter 'export_demand')", kind="rate", exogenous=True)
        add_param(b, "export_demand_elasticity", FE, d.export_demand_elasticity,
                  "price elasticity of world demand for exports")
        for c in FE:
            b.world_export_price[c].setlb(None)
            b.world_export_price[c].setub(None)
        add_constraint(
            b, "export_demand_curve",
            FE, rule=lambda b, c: E[c] == d.exports[c] * b.export_demand[c]
            * b.world_export_price[c] ** (-b.export_demand_elasticity[c]),
            doc="world demand for exports with a finite price elasticity (SAM: exports)")
    add_constraint(
        b, "import_tariff_revenue",
        CM, rule=lambda b, c: b.import_tariff[c] == tm[c] * pm[c] * M[c],
        doc="tariff revenue (SAM: tariff row, commodity column)")
    add_constraint(
        b, "import_tax_revenue",
        CM, rule=lambda b, c: b.import_tax[c] == tv[c] * (1 + tm[c]) * pm[c] * M[c],
        doc="import VAT and consumption tax revenue, levied on the CIF value plus duty (SAM: "
        "import tax row, commodity column)")
    add_constraint(
        b, "export_tax_revenue",
        CE, rule=lambda b, c: b.export_tax[c] == te[c] * eps * b.world_export_price[c] * E[c],
        doc="export tax revenue (SAM: export tax row, commodity column)")
    add_constraint(
        b, "sales_tax_revenue",
        C, rule=lambda b, c: b.sales_tax[c] == ts[c] * net_price(c) * Q[c],
        doc="sales tax revenue (SAM: sales tax row, commodity column)")
    return b


def _add_joint_production(b: pyo.Block, m: pyo.ConcreteModel, data: ModelData) -> None:
    """Commodities outside the diagonal of the make matrix: output and one producer price."""
    d = data.trade
    Z, pz = m.production.output, m.production.price_output
    tauz = m.production.production_tax_rate
    theta = d.make_share
    add_var(b, "commodity_output", d.joint, d.commodity_output, "domestic output X_c of a "
            "commodity made jointly or by several activities (SAM: make-matrix column total)")
    add_var(b, "price_commodity_output", d.joint, 1.0, "producer price p^x_c of such a commodity, "
            "one for every activity making it", kind="price")
    add_constraint(
        b, "commodity_supply",
        d.joint, rule=lambda b, c: b.commodity_output[c] == sum(
            theta[a, cc] * Z[a] for a, cc in d.joint_make if cc == c),
        doc="commodity output: the fixed output shares of every activity making it (SAM: "
        "activity rows of the commodity column)")
    add_constraint(
        b, "activity_revenue",
        d.joint_makers, rule=lambda b, a: (1 + tauz[a]) * pz[a] == sum(
            theta[aa, c] * b.price_commodity_output[c] for aa, c in d.joint_make if aa == a),
        doc="activity price: the value of the commodities one unit of output makes, at their "
        "producer prices (SAM: activity row, commodity columns)")
