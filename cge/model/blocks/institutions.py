"""Institutions: households, enterprises, government and the rest of the world.

Households :math:`h` and enterprises :math:`e` (institutions :math:`i`):

.. math::

    YH_h &= \\textstyle\\sum_f s_{hf} YF_f + \\sum_e \\pi_{he} \\theta_e YE_e + \\bar t_h CPI
            + \\varepsilon \\bar r_h \\\\
    T^d_i &= \\tau^d_i \\kappa\\, Y_i, \\qquad S^p_h = (\\mu_h \\lambda^s + \\Delta^s) YH_h \\\\
    p^q_c X^p_{ch} &= \\alpha_{ch} (YH_h - T^d_h - S^p_h), \\qquad
    UU_h = \\textstyle\\prod_c (X^p_{ch})^{\\alpha_{ch}}
    \\quad\\text{(Cobb-Douglas) or} \\\\
    p^q_c X^p_{ch} &= p^q_c \\gamma_{ch} + \\beta_{ch} \\big(YH_h - T^d_h - S^p_h
        - \\textstyle\\sum_{c'} p^q_{c'} \\gamma_{c'h}\\big), \\qquad
    UU_h = \\textstyle\\prod_c (X^p_{ch} - \\gamma_{ch})^{\\beta_{ch}}
    \\quad\\text{(LES)} \\\\
    YE_e &= \\textstyle\\sum_f s_{ef} YF_f + \\bar t_e CPI, \\qquad
    S^e_e = YE_e - T^d_e - \\sum_h \\pi_{he} \\theta_e YE_e

Government (revenue :math:`GR`, saving :math:`S^g`, saving rate :math:`s^g`):

.. math::

    GR &= \\textstyle\\sum T^z + \\sum T^m + \\sum T^v + \\sum T^s + \\sum T^e + \\sum_i T^d_i
          + s_{gf} YF_f + \\varepsilon \\bar r_g \\\\
    S^g &= s^g\\, GR, \\qquad S^g = \\bar S^g_{real}\\, CPI \\\\
    p^q_c X^g_c &= \\mu_c (GR - S^g - \\textstyle\\sum_i \\bar t_i CPI
                  - \\varepsilon \\bar t_{row})
        \\quad\\text{(budget shares, stdcge) or } X^g_c = \\bar X^g_c \\iota^g
        \\text{ and}\\quad
        S^g = GR - \\textstyle\\sum_c p^q_c X^g_c - \\ldots

Both saving rules are definitions unless the closure holds their parameter: the saving rate :math:`s^g` in stdcge, real saving
:math:`\\bar S^g_{real}` under the ``tax_scaler`` closure (IFPRI's GOV-2: a
flexible direct-tax scaler, fixed government saving). The government consumption
scaler :math:`\\iota^g` is free only under the ``balanced`` closure.

Rest of the world, in foreign currency (the equation dropped for Walras' law):

.. math::
    \\textstyle\\sum_c p^{We}_c E_c + S^f + \\sum \\bar r
        = \\sum_c p^{Wm}_c M_c + \\sum_f s_{row,f} YF_f/\\varepsilon + \\bar t_{row}

:math:`\\kappa` (tax scaler) is pinned at one unless the government closure is
``tax_scaler``; :math:`\\lambda^s` (saving-rate scaler) is pinned at one and
:math:`\\Delta^s` (saving-rate change, in points) at zero unless investment drives
savings: then one of them (``options.saving_adjustment``) moves the saving rates of
households and enterprises alike, enterprises retaining out of their payouts
(:math:`\\theta_e`, see :func:`add_enterprise_saving_rates`).
"""

from __future__ import annotations

import pyomo.environ as pyo

from ..data import ModelData
from ._common import add_constraint, add_param, add_var, entries
from .markets import absorption

#: Indirect taxes by SAM role, with the block holding their revenue variable (which bears
#: the role's name).
INDIRECT_TAXES: dict[str, str] = {
    "production_tax": "production", "import_tariff": "trade", "import_tax": "trade",
    "export_tax": "trade", "sales_tax": "trade",
}


def indirect_taxes(m: pyo.ConcreteModel) -> dict[str, list]:
    """Revenue of every indirect tax, by SAM role: the variables :math:`T^z_a`,
    :math:`T^m_c`, :math:`T^v_c`, :math:`T^e_c`, :math:`T^s_c` (each collected whether or not the SAM
    has an account for it, and paid to the government)."""
    return {role: list(getattr(getattr(m, block), role).values())
            for role, block in INDIRECT_TAXES.items()}


def add_rest_of_world(m: pyo.ConcreteModel, data: ModelData) -> pyo.Block:
    """Add the ``rest_of_world`` block (foreign savings and transfers, foreign currency;
    reads no other block)."""
    d = data.rest_of_world
    b = pyo.Block(doc="rest of the world: foreign savings, transfers, balance of payments")
    m.rest_of_world = b
    add_var(b, "foreign_savings", None, d.foreign_savings, "foreign savings S^f in foreign "
            "currency (SAM: savings-investment row minus column of the rest of the world)",
            exogenous=True)
    add_var(b, "transfers_to", list(d.transfers_to), d.transfers_to, "transfers from abroad to "
            "households and government, foreign currency (SAM: rest-of-world column)",
            exogenous=True)
    add_var(b, "transfers_from_government", None, d.transfers_from_government, "government "
            "transfers abroad, foreign currency (SAM: rest-of-world row, government column)",
            exogenous=True)
    return b


def add_households(m: pyo.ConcreteModel, data: ModelData) -> pyo.Block:
    """Add the ``households`` block (Cobb-Douglas demand, saving rate, utility; reads
    ``markets``, ``government`` (direct tax, transfers), ``enterprises`` (payouts) and
    ``rest_of_world`` (transfers))."""
    b = pyo.Block(doc="households: income, direct tax, saving, Cobb-Douglas consumption")
    m.households = b
    d, H, F = data.households, data.sets.households, data.sets.factors
    XP = list(d.consumption)
    add_var(b, "income", H, d.income, "household income YH_h (SAM: household row total)",
            kind="value")
    add_var(b, "savings", H, d.savings, "household saving S^p_h (SAM: savings-investment row)",
            kind="value")
    add_var(b, "consumption", XP, d.consumption, "household consumption X^p_ch (SAM: commodity "
            "row, household column)")
    add_var(b, "utility", H, d.utility, "Cobb-Douglas utility UU_h")
    add_var(b, "saving_rate", H, d.saving_rate, "saving rate mu_h out of income (SAM: saving / "
            "income; shock parameter 'household_saving_rate')", kind="rate", exogenous=True)
    add_var(b, "saving_rate_scaler", None, 1.0, "uniform scaler lambda^s of saving rates "
            "(free when investment drives savings)", kind="rate", exogenous=True)
    mk = entries(m.markets)   # the equations read entries through dicts (see entries)
    YF, pq = mk.factor_income, mk.price_composite
    cpi, eps = mk.cpi, mk.exchange_rate
    Td = entries(m.government.direct_tax)
    row = m.rest_of_world
    share, payout = d.factor_income_share, data.enterprises.payout_rate
    transfers, from_abroad = data.government.transfers, data.rest_of_world.transfers_to

    def income(b, h):
        y = sum(share[h, f] * YF[f] for f in F if share[h, f])
        y += sum(payouts(m, data, e, h) for e in data.sets.enterprises if (h, e) in payout)
        if h in transfers:
            y += m.government.transfers[h] * cpi
        if h in from_abroad:
            y += eps * row.transfers_to[h]
        return b.income[h] == y

    add_constraint(
        b, "income_definition", H, rule=income, doc="household income: factor income, "
        "enterprise payouts, transfers (SAM: household row)")
    add_var(b, "saving_rate_change", None, 0.0, "uniform change Delta^s of saving rates, in "
            "points (free when investment drives savings and options.saving_adjustment is "
            "points)", kind="rate", exogenous=True)
    disposable = d.saving_base == "disposable_income"   # dyncge: S = s (YH - T^d)
    add_constraint(
        b, "saving_rule",
        H, rule=lambda b, h: b.savings[h] == (b.saving_rate[h] * b.saving_rate_scaler
                                              + b.saving_rate_change)
        * (b.income[h] - Td[h] if disposable else b.income[h]),
        doc="household saving: a fixed share of income, or of income net of the direct tax "
        "in dyncge (SAM: savings row)")
    if not d.les:
        add_constraint(
            b, "demand",
            XP, rule=lambda b, c, h: pq[c] * b.consumption[c, h] == d.budget_share[c, h] * (
                b.income[h] - Td[h] - b.savings[h]),
            doc="Cobb-Douglas demand: fixed budget shares of income net of tax and saving "
            "(SAM: commodity rows of the household column)")
        add_constraint(
            b, "utility_definition",
            H, rule=lambda b, h: b.utility[h] == pyo.prod(
                b.consumption[c, h] ** d.budget_share[c, h] for c in d.consumed_by[h]),
            doc="Cobb-Douglas utility of consumption")
        return b
    add_param(b, "marginal_budget_share", XP, d.marginal_budget_share, "LES marginal budget share "
              "beta_ch: budget share (SAM: commodity row of the household column over its "
              "consumption) times the normalised income elasticity")
    add_param(b, "subsistence", XP, d.subsistence, "LES subsistence quantity gamma_ch = "
              "C0 + beta EH0 / (p frisch) (SAM: household consumption cell, Frisch parameter)")
    beta, gamma = b.marginal_budget_share, b.subsistence

    def supernumerary(b, h):
        return b.income[h] - Td[h] - b.savings[h] - sum(
            pq[c] * gamma[c, h] for c in d.consumed_by[h])

    add_constraint(
        b, "demand",
        XP, rule=lambda b, c, h: pq[c] * b.consumption[c, h] == pq[c] * gamma[c, h]
        + beta[c, h] * supernumerary(b, h),
        doc="LES demand: subsistence spending plus a marginal budget share of supernumerary "
        "income, i.e. income net of tax, saving and subsistence spending (SAM: commodity rows of "
        "the household column)")
    add_constraint(
        b, "utility_definition",
        H, rule=lambda b, h: b.utility[h] == pyo.prod(
            (b.consumption[c, h] - gamma[c, h]) ** beta[c, h] for c in d.consumed_by[h]),
        doc="Stone-Geary utility of consumption above subsistence")
    return b


def add_enterprises(m: pyo.ConcreteModel, data: ModelData) -> pyo.Block | None:
    """Add the ``enterprises`` block (income, direct tax, payouts, retained saving; reads
    ``markets`` and ``government`` (direct tax, transfers)); none without enterprises."""
    d, E, F = data.enterprises, data.sets.enterprises, data.sets.factors
    if not E:
        return None
    b = pyo.Block(doc="enterprises: capital income, direct tax, payouts, retained earnings")
    m.enterprises = b
    add_var(b, "income", E, d.income, "enterprise income YE_e (SAM: enterprise row total)",
            kind="value")
    add_var(b, "savings", E, d.savings, "enterprise saving (SAM: savings-investment row)",
            kind="value")
    add_var(b, "payout_rate", list(d.payout_rate), d.payout_rate, "share of enterprise income paid "
            "to each household (SAM: household row, enterprise column / enterprise income; shock "
            "'enterprise_payout_rate')", kind="rate", exogenous=True)
    YF, cpi = m.markets.factor_income, m.markets.cpi
    Td = m.government.direct_tax

    share, transfers = d.factor_income_share, data.government.transfers

    def income(b, e):
        y = sum(share[e, f] * YF[f] for f in F if share[e, f])
        if e in transfers:
            y += m.government.transfers[e] * cpi
        return b.income[e] == y

    add_constraint(
        b, "income_definition", E, rule=income, doc="enterprise income: capital "
        "income and transfers (SAM: enterprise row)")
    add_var(b, "payout_adjustment", d.paying, 1.0, "uniform factor theta_e on the payout "
            "rates of enterprise e (one unless saving rates adjust: retained earnings come out "
            "of payouts)", kind="rate")
    add_constraint(
        b, "saving_rule",
        E, rule=lambda b, e: b.savings[e] == b.income[e] - Td[e] - payouts(m, data, e),
        doc="retained earnings: income net of direct tax and payouts to households")
    return b


def payouts(m: pyo.ConcreteModel, data: ModelData, e: str, household: str | None = None):
    """Enterprise income paid to households (or to ``household``),
    :math:`\\sum_h \\pi_{he} \\theta_e YE_e`."""
    b, d = m.enterprises, data.enterprises
    theta = b.payout_adjustment[e] if e in d.paying else 1.0
    households = data.sets.households if household is None else [household]
    return sum(b.payout_rate[h, e] for h in households if (h, e) in d.payout_rate) \
        * theta * b.income[e]


def add_enterprise_saving_rates(m: pyo.ConcreteModel, data: ModelData) -> None:
    """The saving rate of enterprises, in ``enterprises`` (reads ``households``: the
    saving-rate scaler and change, and ``government``: the direct tax).

    .. math::

        S^e_e = \\big(\\lambda^s (1 - \\tau^d_e \\kappa - \\textstyle\\sum_h \\pi_{he})
                + \\Delta^s\\big) YE_e

    The bracket is the saving rate of retained earnings at the current payout and tax
    rates; with :math:`\\lambda^s = 1`, :math:`\\Delta^s = 0` the rule only says that
    payouts are paid in full (:math:`\\theta_e = 1`). When saving rates adjust (IFPRI's
    MPS adjustment, over households and enterprises alike), the payout factor
    :math:`\\theta_e` gives up what enterprises retain.
    """
    d = data.enterprises
    if not d.paying:
        return
    b, gov, hh = m.enterprises, m.government, m.households

    def rule(b, e):
        rate = 1 - gov.direct_tax_rate[e] * gov.tax_scaler - sum(
            b.payout_rate[h, e] for h in data.sets.households if (h, e) in d.payout_rate)
        return b.savings[e] == (hh.saving_rate_scaler * rate + hh.saving_rate_change) \
            * b.income[e]

    add_constraint(
        b, "saving_rate_rule",
        d.paying, rule=rule, doc="retained earnings: the saving rate of enterprise income "
        "(one minus tax and payout rates), scaled by lambda^s and shifted by Delta^s when "
        "saving rates adjust (SAM: savings-investment row, enterprise column)")


def add_government(m: pyo.ConcreteModel, data: ModelData) -> pyo.Block:
    """Add the ``government`` block (revenue, direct taxes, consumption, saving; reads
    ``markets``, the indirect tax revenue of ``production`` and ``trade``, and
    ``rest_of_world`` (transfers))."""
    b = pyo.Block(doc="government: taxes, consumption, transfers, saving")
    m.government = b
    d, sets = data.government, data.sets
    institutions, recipients = sets.institutions, list(d.transfers)
    add_var(b, "revenue", None, d.revenue, "government revenue GR: every tax, factor income, "
            "transfers from abroad (SAM: government row total)", kind="value")
    add_var(b, "savings", None, d.savings, "government saving S^g (SAM: savings-investment row, "
            "government column)", kind="value")
    add_var(b, "saving_rate", None, d.saving_rate, "government saving as a share of revenue "
            "(shock parameter 'government_saving_rate')", kind="rate",
            exogenous=d.demand == "budget_shares")
    add_var(b, "consumption", d.goods, d.consumption, "government consumption X^g_c (SAM: "
            "commodity row, government column)")
    add_var(b, "real_savings", None, d.savings, "government saving deflated by the CPI, S^g/CPI "
            "(SAM: savings-investment row, government column; held under the tax_scaler closure, "
            "shock 'government_savings')")
    add_var(b, "direct_tax", institutions, d.direct_tax, "direct tax paid by the institution T^d_i "
            "(SAM: direct tax or government row, institution column)", kind="value")
    add_var(b, "direct_tax_rate", institutions, d.direct_tax_rate, "direct tax rate tau^d_i on "
            "income (shock parameter 'direct_tax_rate')", kind="rate", exogenous=True)
    add_var(b, "transfers", recipients, d.transfers, "transfers to households and enterprises in "
            "real terms, paid as transfers times the CPI (SAM: institution row, government column; "
            "shock 'household_transfers')", exogenous=True)
    add_var(b, "tax_scaler", None, 1.0, "uniform scaler kappa of direct tax rates (free under "
            "the tax_scaler government closure)", kind="rate", exogenous=True)
    pq, cpi, eps, YF = (m.markets.price_composite, m.markets.cpi, m.markets.exchange_rate,
                        m.markets.factor_income)
    row = m.rest_of_world
    share = d.factor_income_share

    # The direct tax is declared here, its base (income) in the household and
    # enterprise blocks, which are built after this block (see add_direct_taxes).
    def revenue(b):
        r = sum(b.direct_tax[i] for i in institutions)
        r += sum(t for terms in indirect_taxes(m).values() for t in terms)
        r += sum(share[f] * YF[f] for f in sets.factors if share[f])
        if sets.government in data.rest_of_world.transfers_to:
            r += eps * row.transfers_to[sets.government]
        return b.revenue == r

    b.revenue_definition = pyo.Constraint(rule=revenue, doc="government revenue: taxes, factor "
                                          "income, transfers from abroad (SAM: government row)")
    def transfers_paid():
        return sum(b.transfers[i] for i in recipients) * cpi + eps * row.transfers_from_government

    b.saving_rule = pyo.Constraint(
        expr=b.savings == b.saving_rate * b.revenue,
        doc="government saving as a share of revenue (binding when the rate is held)")
    b.real_saving_rule = pyo.Constraint(
        expr=b.savings == b.real_savings * cpi,
        doc="real government saving: saving deflated by the CPI (binding under the tax_scaler "
        "closure, which holds it; SAM: savings-investment row, government column)")
    if d.demand == "budget_shares":
        add_constraint(
            b, "demand",
            d.goods, rule=lambda b, c: pq[c] * b.consumption[c] == d.consumption_share[c] * (
                b.revenue - b.savings - transfers_paid()),
            doc="government consumption: fixed budget shares of revenue net of saving and "
            "transfers (SAM: commodity rows of the government column)")
    else:
        add_var(b, "composition", d.goods, d.consumption, "real government consumption by "
                "commodity at scaler one (SAM: commodity row, government column; shock "
                "'government_consumption')", exogenous=True)
        add_var(b, "scaler", None, 1.0, "uniform scaler of real government consumption (free "
                "under the balanced savings-investment closure)", kind="rate", exogenous=True)
        add_constraint(
            b, "demand_rule",
            d.goods, rule=lambda b, c: b.consumption[c] == b.composition[c] * b.scaler,
            doc="government consumption: fixed real composition times a uniform scaler "
            "(SAM: commodity rows of the government column)")
        b.budget = pyo.Constraint(
            expr=b.savings == b.revenue - sum(pq[c] * b.consumption[c] for c in d.goods)
            - transfers_paid(),
            doc="government budget: saving is revenue less consumption and transfers")
        add_var(b, "share_of_absorption", None, d.absorption_share, "value of government "
                "consumption over absorption (held under the balanced closure)", kind="rate")
    return b


def add_direct_taxes(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Direct taxes on household and enterprise income, in ``government`` (reads
    ``households`` and ``enterprises``: their income)."""
    b = m.government
    households = set(data.sets.households)

    def income_of(i):
        return m.households.income[i] if i in households else m.enterprises.income[i]

    add_constraint(
        b, "direct_tax_payment",
        data.sets.institutions, rule=lambda b, i: b.direct_tax[i] == b.direct_tax_rate[i]
        * b.tax_scaler * income_of(i),
        doc="direct tax: rate times income, scaled by the tax scaler (SAM: direct tax row)")


def add_balance_of_payments(m: pyo.ConcreteModel, data: ModelData) -> None:
    """The balance of payments in foreign currency, in ``rest_of_world`` (dropped by
    Walras' law; see solve). Reads ``trade`` (exports, imports) and ``markets``."""
    b, d = m.rest_of_world, data.rest_of_world
    trade, YF, eps = m.trade, m.markets.factor_income, m.markets.exchange_rate
    share = d.factor_income_share
    paid_abroad = [f for f in data.sets.factors if share[f]]
    b.balance_of_payments = pyo.Constraint(
        expr=sum(trade.world_export_price[c] * trade.exports[c] for c in data.trade.exported)
        + b.foreign_savings + sum(b.transfers_to[i] for i in d.transfers_to)
        == sum(trade.world_import_price[c] * trade.imports[c] for c in data.trade.imported)
        + sum(share[f] * YF[f] for f in paid_abroad) / eps
        + b.transfers_from_government,
        doc="balance of payments: export earnings, foreign savings and transfers pay for "
        "imports, factor income paid abroad and transfers (SAM: rest-of-world account)")


def add_government_absorption_share(m: pyo.ConcreteModel, data: ModelData) -> None:
    """The government consumption share of absorption, in ``government`` under fixed real
    consumption (reads ``markets``, ``households`` and ``investment``: absorption)."""
    if data.government.demand != "fixed_real":
        return
    b, pq = m.government, m.markets.price_composite
    spending = sum(pq[c] * b.consumption[c] for c in data.government.goods)
    b.absorption_share_definition = pyo.Constraint(
        expr=spending == b.share_of_absorption * absorption(m, data),
        doc="government consumption share of absorption (a definition unless the balanced "
        "closure holds it; SAM: commodity rows of the government column over absorption)")
