"""The data of each model block, typed and named for its economics.

:func:`model_data` turns a :class:`~cge.calibration.Calibration` into one frozen
dataclass per block (:class:`ProductionData`, :class:`TradeData`, ...), gathered in
:class:`ModelData`. Levels are in model units (SAM units divided by
``calibration.scale``); shares, rates and elasticities are unit-free. Each field
says what it is and the SAM cell (or calibration table) it comes from.

A block reads :attr:`ModelData.sets`, its own data, and the data of the blocks it
declares it reads (:data:`cge.model.blocks.BUILD_STEPS`). The stdcge GAMS names of
these quantities are kept only in :data:`cge.model.config.GAMS_NAMES`, for the
replication tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..calibration import Options, ces_exponent, labels_of, values_of
from ..flows import flow_accounts
from .config import get_specification

if TYPE_CHECKING:
    from ..calibration import Calibration

Pair = tuple[str, str]


@dataclass(frozen=True)
class Sets:
    """Account labels every block indexes by (SAM account roles)."""

    activities: list[str]           # accounts of role activity (or good)
    commodities: list[str]          # accounts of role commodity (or good)
    factors: list[str]              # accounts of role factor
    households: list[str]           # accounts of role household
    enterprises: list[str]          # accounts of role enterprise (none in stdcge)
    institutions: list[str]         # households, then enterprises: who pays direct tax
    government: str                 # the government account
    rest_of_world: str              # the rest-of-world account
    labour: str | None              # the labour factor (label LAB*), if any
    capital: list[str]              # the capital factors
    produced: list[str]             # commodities with domestic sales (SAM: output > exports)
    labour_types: list[str] = field(default_factory=list)  # every labour factor, ``labour``
    #                                 first (several in SAMs with e.g. rural and urban labour)

    @property
    def other_labour(self) -> list[str]:
        """The labour types after the main one (``labour``)."""
        return self.labour_types[1:]


@dataclass(frozen=True)
class MarketData:
    """Markets and prices."""

    factor_endowment: dict[str, float]  # supply of each factor (SAM: factor row total; labour:
    #                                     the labour force, employment / (1 - u0))
    unemployment: dict[str, float]      # benchmark unemployment (each labour type: u0 times its
    #                                     force, options.benchmark_unemployment_rate; else 0)
    unemployment_rate: float            # u0 (options.benchmark_unemployment_rate)
    cpi_weight: dict[str, float]        # CPI weight of each commodity (SAM: household columns)
    wage_indexation: float              # share of CPI inflation passed on to a fixed nominal
    #                                     wage (options.wage_indexation)
    wage_curve_elasticity: float        # of the real wage to the unemployment rate
    #                                     (elasticity 'wage_curve', negative)


@dataclass(frozen=True)
class ProductionData:
    """Activities: value added (Cobb-Douglas or CES), intermediates, the top nest.

    ``*_share``, ``*_scale``, ``*_elasticity`` and ``*_exponent`` depend on the
    elasticities (:data:`cge.model.recalibration.ELASTICITY_PARAMETERS`).
    """

    employment: list[Pair]              # (factor, activity) with a payment (SAM: factor row)
    factors_of: dict[str, list[str]]    # activity -> factors it employs
    employers_of: dict[str, list[str]]  # factor -> activities employing it
    inputs_of: dict[str, list[tuple[str, float]]]  # activity -> (commodity, input coefficient)
    users_of: dict[str, list[tuple[str, float]]]   # commodity -> (activity, input coefficient)
    output: dict[str, float]            # gross output (SAM: activity column total less tax)
    value_added: dict[str, float]       # value added (SAM: factor rows of the activity column)
    factor_demand: dict[Pair, float]    # factor employed (SAM: cell factor x activity)
    value_added_coefficient: dict[str, float]  # value added per unit of output (Leontief)
    production_tax_rate: dict[str, float]  # SAM: production tax row / output
    production_tax: dict[str, float]    # SAM: production tax row, activity column
    cobb_douglas: set[str]              # activities with value-added elasticity one
    value_added_share: dict[Pair, float]  # beta_fa (Cobb-Douglas) or delta_fa (CES), factor pay
    value_added_scale: dict[str, float]   # b_a: value added over the factor aggregate
    value_added_elasticity: dict[str, float]  # sigma_a of the CES activities only
    value_added_exponent: dict[str, float]    # rho_a = (sigma_a - 1)/sigma_a, CES only
    top_nest: list[str]                 # activities with a CES top nest (elasticity 'top')
    top_cobb_douglas: set[str]          # top-nest activities with elasticity one
    bundle_of: dict[str, list[tuple[str, float]]]  # top-nest activity -> (commodity, share
    #                                     of the intermediate bundle): SAM intermediate column
    intermediate_bundle: dict[str, float]  # N_a (SAM: intermediate rows of the column)
    top_elasticity: dict[str, float]    # sigma of the CES (not Cobb-Douglas) top nests
    top_exponent: dict[str, float]      # rho = (sigma - 1)/sigma of those nests
    top_value_added_share: dict[str, float]  # delta^y_a (SAM: activity column)
    top_scale: dict[str, float]         # b^z_a (SAM: activity column total less tax)

    @property
    def ces_activities(self) -> list[str]:
        """Activities whose value added is a CES (elasticity not one)."""
        return list(self.value_added_elasticity)

    @property
    def ces_top_nest(self) -> list[str]:
        """Top-nest activities whose nest is a CES (elasticity not one)."""
        return list(self.top_elasticity)


@dataclass(frozen=True)
class TradeData:
    """Armington imports, CET exports, border prices, trade taxes, the make matrix.

    The Armington and CET shares, scales and exponents depend on the elasticities.
    """

    imported: list[str]                 # commodities with imports (SAM: rest-of-world row)
    exported: list[str]                 # commodities with exports (SAM: rest-of-world column)
    composite_supply: dict[str, float]  # Q_c (SAM: commodity row total less exports)
    domestic_sales: dict[str, float]    # D_c of the produced commodities
    imports: dict[str, float]           # M_c (SAM: rest-of-world row, commodity column)
    exports: dict[str, float]           # E_c (SAM: commodity row, rest-of-world column)
    import_tariff_rate: dict[str, float]  # SAM: tariff row / imports
    import_tax_rate: dict[str, float]     # SAM: import tax row / (imports + tariff)
    export_tax_rate: dict[str, float]     # SAM: export tax row / exports
    sales_tax_rate: dict[str, float]      # SAM: sales tax row / composite value before tax
    import_tariff: dict[str, float]     # revenue (SAM: tariff row, commodity column)
    import_tax: dict[str, float]        # revenue (SAM: import tax row, commodity column)
    export_tax: dict[str, float]        # revenue (SAM: export tax row, commodity column)
    sales_tax: dict[str, float]         # revenue (SAM: sales tax row, commodity column)
    armington_exponent: dict[str, float]      # eta_c = (sigma_c - 1)/sigma_c, imported
    armington_import_share: dict[str, float]  # delta^m_c
    armington_domestic_share: dict[str, float]  # delta^d_c
    armington_scale: dict[str, float]   # gamma_c (Q/D without imports)
    cet_exponent: dict[str, float]      # phi_c = (psi_c + 1)/psi_c, exported
    cet_export_share: dict[str, float]  # xi^e_c
    cet_domestic_share: dict[str, float]  # xi^d_c
    cet_scale: dict[str, float]         # theta_c (D/Z without exports)
    finite_export_demand: list[str]     # exported commodities with a finite demand elasticity
    export_demand_elasticity: dict[str, float]  # of those (elasticity 'export_demand')
    activity_of: dict[str, str]         # commodity -> the one activity making it (diagonal)
    make: list[Pair]                    # (activity, commodity) (SAM: make matrix cells)
    joint: list[str]                    # commodities off the diagonal make matrix
    joint_makers: list[str]             # activities making off-diagonal commodities
    joint_make: list[Pair]              # make-matrix cells of those commodities
    make_share: dict[Pair, float]       # output share theta_ac (SAM: make cell / output)
    commodity_output: dict[str, float]  # X_c of joint commodities (SAM: make column total)


@dataclass(frozen=True)
class RestOfWorldData:
    """Foreign savings, transfers and factor income abroad (foreign currency)."""

    foreign_savings: float              # SAM: savings row minus column of the rest of world
    transfers_to: dict[str, float]      # to households and government (SAM: rest-of-world
    #                                     column, institution rows)
    transfers_from_government: float    # SAM: rest-of-world row, government column
    factor_income_share: dict[str, float]  # share of each factor's income paid abroad


@dataclass(frozen=True)
class GovernmentData:
    """Government revenue, consumption, transfers, saving and direct taxes."""

    demand: str                         # "budget_shares" (stdcge) or "fixed_real"
    revenue: float                      # SAM: government row total
    savings: float                      # SAM: savings-investment row, government column
    saving_rate: float                  # savings / revenue
    goods: list[str]                    # commodities it buys (SAM: government column)
    consumption: dict[str, float]       # SAM: commodity row, government column
    consumption_share: dict[str, float]  # budget share mu_c of consumption spending
    absorption_share: float             # consumption over absorption (balanced closure)
    direct_tax: dict[str, float]        # paid by each institution (SAM: direct tax row)
    direct_tax_rate: dict[str, float]   # direct tax / income of each institution
    transfers: dict[str, float]         # real transfers to institutions (SAM: government
    #                                     column, institution rows)
    factor_income_share: dict[str, float]  # share of each factor's income it receives


@dataclass(frozen=True)
class EnterpriseData:
    """Enterprises: capital income, payouts to households, retained earnings."""

    income: dict[str, float]            # SAM: enterprise row total
    savings: dict[str, float]           # SAM: savings-investment row, enterprise column
    payout_rate: dict[Pair, float]      # (household, enterprise) -> share of income paid
    #                                     (SAM: household row, enterprise column / income)
    factor_income_share: dict[Pair, float]  # (enterprise, factor) -> share of factor income

    @property
    def paying(self) -> list[str]:
        """Enterprises that pay out to households (whose retained earnings can adjust)."""
        return list(dict.fromkeys(e for _, e in self.payout_rate))


@dataclass(frozen=True)
class HouseholdData:
    """Households: income, saving, Cobb-Douglas or LES consumption."""

    income: dict[str, float]            # SAM: household row total
    savings: dict[str, float]           # SAM: savings-investment row, household column
    saving_rate: dict[str, float]       # saving / income
    consumption: dict[Pair, float]      # (commodity, household) with a purchase (SAM cell)
    budget_share: dict[Pair, float]     # Cobb-Douglas budget share alpha_ch
    utility: dict[str, float]           # benchmark utility
    consumed_by: dict[str, list[str]]   # household -> commodities it buys
    consumers_of: dict[str, list[str]]  # commodity -> households buying it
    les: bool                           # linear expenditure system (option household_demand)
    marginal_budget_share: dict[Pair, float]  # LES beta_ch (elasticity 'income')
    subsistence: dict[Pair, float]      # LES gamma_ch (elasticities 'income', 'frisch')
    factor_income_share: dict[Pair, float]  # (household, factor) -> share of factor income
    saving_base: str = "income"         # saving rate out of "income" or "disposable_income"


@dataclass(frozen=True)
class InvestmentData:
    """Savings and investment demand."""

    demand_rule: str                    # "value_shares" (stdcge) or "fixed_composition"
    goods: list[str]                    # commodities invested (SAM: savings-investment column)
    demand: dict[str, float]            # SAM: commodity row, savings-investment column
    value_share: dict[str, float]       # lambda_c: share of total savings spent on c
    total_savings: float                # SAM: savings-investment column total
    absorption_share: float             # investment over absorption (balanced closure)
    # investment by destination (dyncge): activities employing capital and their rentals
    destinations: list[str] = field(default_factory=list)
    capital_rental: dict[Pair, float] = field(default_factory=dict)  # (capital, activity)
    by_destination: dict[str, float] = field(default_factory=dict)   # II_a, benchmark
    composite: float = 0.0              # composite investment III (value at pk = 1)
    composite_scale: float = 1.0        # iota = III / prod_c (X^v_c)^lambda_c


@dataclass(frozen=True)
class ModelData:
    """The data of every block, in model units."""

    sets: Sets
    markets: MarketData
    production: ProductionData
    trade: TradeData
    rest_of_world: RestOfWorldData
    government: GovernmentData
    enterprises: EnterpriseData
    households: HouseholdData
    investment: InvestmentData


def model_data(cal: Calibration) -> ModelData:
    """The blocks' data from the calibration tables, in model units (SAM units / scale).

    Reads the tables as arrays in account order (:func:`~cge.calibration.values_of`):
    no pandas table is made.
    """
    acc, s = cal.accounts, cal.scale
    t = _Tables(cal)
    spec = get_specification(cal.spec)
    A, C, F, H, E = (list(acc.activities), list(acc.commodities), list(acc.factors),
                     list(acc.households), list(acc.enterprises))
    sets = Sets(activities=A, commodities=C, factors=F, households=H, enterprises=E,
                institutions=H + E, government=acc.government, rest_of_world=acc.rest_of_world,
                labour=acc.labour, capital=list(acc.capital),
                produced=_where(C, t.bm("domestic_sales") > 0),
                labour_types=list(acc.labour_types) or ([acc.labour] if acc.labour else []))
    fshare = t.pr("factor_income_share")
    share_row = {a: i for i, a in enumerate(flow_accounts(acc, "factor_income")[0])}

    def shares_of(institution: str) -> dict[str, float]:
        return dict(zip(F, fshare[share_row[institution]].tolist(), strict=True))

    def shares_of_all(institutions: list[str]) -> dict[Pair, float]:
        return {(i, f): x for i in institutions for f, x in shares_of(i).items()}

    options = cal.options or Options()
    rate = options.benchmark_unemployment_rate if acc.labour else 0.0
    employed = _by_label(t.bm("factor_endowment"), F, s)
    labour_types = set(acc.labour_types) | {acc.labour}
    unemployed = {f: employed[f] * rate / (1 - rate) if f in labour_types else 0.0 for f in F}
    markets = MarketData(factor_endowment={f: employed[f] + unemployed[f] for f in F},
                         unemployment=unemployed, unemployment_rate=rate,
                         cpi_weight=_price_index_weights(t, C, spec.price_index),
                         wage_indexation=options.wage_indexation,
                         wage_curve_elasticity=cal.elasticities.scalar("wage_curve"))
    row_to = _nonzero(flow_accounts(acc, "transfers_from_abroad")[0],
                      t.bm("transfers_from_abroad"), s)
    rest_of_world = RestOfWorldData(
        foreign_savings=float(t.bm("foreign_savings")) / s, transfers_to=row_to,
        transfers_from_government=float(t.bm("government_transfers_abroad")) / s,
        factor_income_share=shares_of(acc.rest_of_world))
    return ModelData(sets=sets, markets=markets, production=_production(cal, t, sets),
                     trade=_trade(cal, t, sets), rest_of_world=rest_of_world,
                     government=_government(t, sets, spec.government_demand, shares_of, s),
                     enterprises=_enterprises(t, sets, shares_of_all, s),
                     households=_households(cal, t, sets, shares_of_all, spec.household_saving),
                     investment=_investment(t, sets, spec.investment_demand,
                                            spec.investment_by_destination, s))


class _Tables:
    """The calibration tables as arrays in account order: ``bm(name)`` a benchmark level,
    ``pr(name)`` a parameter."""

    def __init__(self, cal: Calibration):
        self.cal = cal

    def bm(self, name: str):
        return values_of(self.cal.benchmark, name)

    def pr(self, name: str):
        return values_of(self.cal.parameters, name)


def _price_index_weights(t: _Tables, C: list[str], index: str) -> dict[str, float]:
    """Weights of the price index: household budget shares (a CPI), or shares of benchmark
    composite supply (dyncge's ``PRICE``)."""
    if index == "composite_supply":
        q0 = t.bm("composite_supply")
        return _by_label(q0 / q0.sum(), C)
    return _by_label(t.pr("cpi_weight"), C)


def _production(cal: Calibration, t: _Tables, sets: Sets) -> ProductionData:
    s = cal.scale
    A, C, F = sets.activities, sets.commodities, sets.factors
    f0 = t.bm("factor_demand")
    employment = [(F[i], A[j]) for j, i in zip(*np.nonzero(f0.T), strict=False)]
    factors_of: dict[str, list] = {a: [] for a in A}
    employers_of: dict[str, list] = {f: [] for f in F}
    for f, a in employment:
        factors_of[a].append(f)
        employers_of[f].append(a)
    io = t.pr("io_coefficient")
    used = io != 0
    labels_c, labels_a = np.array(C, dtype=object), np.array(A, dtype=object)
    inputs_of = {a: list(zip(labels_c[used[:, j]].tolist(), io[used[:, j], j].tolist(),
                             strict=True)) for j, a in enumerate(A)}
    users_of = {c: list(zip(labels_a[used[i]].tolist(), io[i, used[i]].tolist(), strict=True))
                for i, c in enumerate(C)}
    sigma_va = t.pr("value_added_elasticity")
    is_ces = sigma_va != 1.0
    ces = _where(A, is_ces)
    top = list(labels_of(cal.parameters, "top_elasticity"))
    top_sigma = t.pr("top_elasticity")
    top_ces = _where(top, top_sigma != 1.0)
    bundle = t.pr("bundle_coefficient")
    row_of = {c: i for i, c in enumerate(C)}
    return ProductionData(
        employment=employment,
        factors_of=factors_of, employers_of=employers_of,
        inputs_of=inputs_of, users_of=users_of,
        output=_by_label(t.bm("output"), A, s),
        value_added=_by_label(t.bm("value_added"), A, s),
        factor_demand={(F[i], A[j]): float(f0[i, j]) / s
                       for i, j in zip(*np.nonzero(f0), strict=False)},
        value_added_coefficient=_by_label(t.pr("value_added_coefficient"), A),
        production_tax_rate=_by_label(t.pr("production_tax_rate"), A),
        production_tax=_by_label(t.bm("production_tax"), A, s),
        cobb_douglas=set(_where(A, ~is_ces)),
        value_added_share=_pairs(t.pr("value_added_share"), employment, F, A),
        value_added_scale=_by_label(t.pr("value_added_scale"), A),
        value_added_elasticity=_by_label(sigma_va[is_ces], ces),
        value_added_exponent=_by_label(ces_exponent(sigma_va[is_ces]), ces),
        top_nest=top, top_cobb_douglas=set(_where(top, top_sigma == 1.0)),
        bundle_of={a: [(c, float(bundle[row_of[c], k])) for c, _ in inputs_of[a]]
                   for k, a in enumerate(top)},
        intermediate_bundle=_by_label(t.pr("intermediate_bundle"), top, s),
        top_elasticity=_by_label(top_sigma[top_sigma != 1.0], top_ces),
        top_exponent=_by_label(ces_exponent(top_sigma[top_sigma != 1.0]), top_ces),
        top_value_added_share=_by_label(t.pr("top_value_added_share"), top),
        top_scale=_by_label(t.pr("top_scale"), top),
    )


def _trade(cal: Calibration, t: _Tables, sets: Sets) -> TradeData:
    acc, s = cal.accounts, cal.scale
    C = sets.commodities
    m0, e0 = t.bm("imports"), t.bm("exports")
    imported, exported = _where(C, m0 > 0), _where(C, e0 > 0)
    simple = acc.activity_of
    joint = [c for c in sets.produced if c not in simple]
    joint_make = [(a, c) for a, c in acc.make if c not in simple]
    ed = _by_label(t.pr("export_demand_elasticity"), C)
    finite = [c for c in exported if np.isfinite(ed[c])]

    def of(name: str, labels: list[str]) -> dict[str, float]:
        """A parameter by commodity at ``labels``."""
        return _by_label(t.pr(name), C, 1.0, labels)

    def level(name: str, labels: list[str]) -> dict[str, float]:
        """A benchmark level by commodity at ``labels``, in model units."""
        return _by_label(t.bm(name), C, s, labels)

    a_at = {a: i for i, a in enumerate(sets.activities)}
    c_at = {c: i for i, c in enumerate(C)}
    make_share = t.pr("make_share")
    return TradeData(
        imported=imported, exported=exported,
        composite_supply=level("composite_supply", C),
        domestic_sales=level("domestic_sales", sets.produced),
        imports=level("imports", imported), exports=level("exports", exported),
        import_tariff_rate=of("import_tariff_rate", imported),
        import_tax_rate=of("import_tax_rate", imported),
        export_tax_rate=of("export_tax_rate", exported),
        sales_tax_rate=of("sales_tax_rate", C),
        import_tariff=level("import_tariff", imported),
        import_tax=level("import_tax", imported),
        export_tax=level("export_tax", exported), sales_tax=level("sales_tax", C),
        armington_exponent=of("armington_exponent", imported),
        armington_import_share=of("armington_import_share", imported),
        armington_domestic_share=of("armington_domestic_share", imported),
        armington_scale=of("armington_scale", C),
        cet_exponent=of("cet_exponent", exported),
        cet_export_share=of("cet_export_share", exported),
        cet_domestic_share=of("cet_domestic_share", exported),
        cet_scale=of("cet_scale", C),
        finite_export_demand=finite, export_demand_elasticity={c: ed[c] for c in finite},
        activity_of=dict(acc.activity_of), make=list(acc.make), joint=joint,
        joint_makers=[a for a in sets.activities if a not in acc.commodity_of],
        joint_make=joint_make,
        make_share={(a, c): float(make_share[a_at[a], c_at[c]]) for a, c in joint_make},
        commodity_output=_by_label(t.pr("commodity_output"), C, s, joint),
    )


def _government(t: _Tables, sets: Sets, demand: str, shares_of, s: float) -> GovernmentData:
    C, inst = sets.commodities, sets.institutions
    xg = t.bm("government_consumption")
    goods = _where(C, xg != 0)
    return GovernmentData(
        demand=demand, revenue=float(t.bm("government_revenue")) / s,
        savings=float(t.bm("government_savings")) / s,
        saving_rate=float(t.pr("government_saving_rate")), goods=goods,
        consumption=_by_label(xg, C, s, goods),
        consumption_share=_by_label(t.pr("government_consumption_share"), C, 1.0, goods),
        absorption_share=float(t.pr("government_share_of_absorption")),
        direct_tax=_by_label(t.bm("direct_tax"), inst, s),
        direct_tax_rate=_by_label(t.pr("direct_tax_rate"), inst),
        transfers=_nonzero(inst, t.bm("government_transfers"), s),
        factor_income_share=shares_of(sets.government))


def _enterprises(t: _Tables, sets: Sets, shares_of_all, s: float) -> EnterpriseData:
    H, E = sets.households, sets.enterprises
    if not E:
        return EnterpriseData(income={}, savings={}, payout_rate={}, factor_income_share={})
    payout = t.pr("enterprise_payout_rate")
    return EnterpriseData(
        income=_by_label(t.bm("income")[len(H):], E, s),
        savings=_by_label(t.bm("enterprise_savings"), E, s),
        payout_rate={(h, e): float(payout[i, j]) for i, h in enumerate(H)
                     for j, e in enumerate(E) if payout[i, j] != 0},
        factor_income_share=shares_of_all(E))


def _households(cal: Calibration, t: _Tables, sets: Sets, shares_of_all,
                saving_base: str = "income") -> HouseholdData:
    s = cal.scale
    C, H = sets.commodities, sets.households
    xp, shares = t.bm("household_consumption"), t.pr("consumption_share")
    nonzero = list(zip(*np.nonzero(xp), strict=False))
    pairs = [(C[i], H[j]) for i, j in nonzero]
    consumption = {(C[i], H[j]): float(xp[i, j]) / s for i, j in nonzero}
    beta = _pairs(t.pr("marginal_budget_share"), pairs, C, H)
    gamma = {k: v / s for k, v in _pairs(t.pr("subsistence_consumption"), pairs, C, H).items()}
    consumed_by: dict[str, list[str]] = {h: [] for h in H}
    consumers_of: dict[str, list[str]] = {c: [] for c in C}
    for c, h in pairs:
        consumed_by[h].append(c)
        consumers_of[c].append(h)
    utility = {h: float(np.prod([(consumption[c, h] - gamma[c, h]) ** beta[c, h]
                                 for c in consumed_by[h]])) for h in H}
    income = t.bm("income")[:len(H)]
    saving_rate = _by_label(t.pr("household_saving_rate"), H)
    if saving_base == "disposable_income":     # S = s (YH - T^d)
        saving_rate = _by_label(t.bm("household_savings")
                                / (income - t.bm("direct_tax")[:len(H)]), H)
    return HouseholdData(
        income=_by_label(income, H, s),
        savings=_by_label(t.bm("household_savings"), H, s),
        saving_rate=saving_rate,
        consumption=consumption,
        budget_share={(C[i], H[j]): float(shares[i, j]) for i, j in nonzero},
        utility=utility,
        consumed_by=consumed_by,
        consumers_of=consumers_of,
        les=cal.options is not None and cal.options.household_demand == "les",
        marginal_budget_share=beta, subsistence=gamma,
        factor_income_share=shares_of_all(H), saving_base=saving_base)


def _investment(t: _Tables, sets: Sets, rule: str, by_destination: bool,
                s: float) -> InvestmentData:
    C = sets.commodities
    xv = t.bm("investment_demand")
    goods = _where(C, xv != 0)
    demand = _by_label(xv, C, s, goods)
    share = _by_label(t.pr("investment_share"), C, 1.0, goods)
    total = float(xv.sum()) / s
    extra = {}
    if by_destination:
        f0 = t.bm("factor_demand")
        f_at = {f: i for i, f in enumerate(sets.factors)}
        rental = {(f, a): float(f0[f_at[f], j]) / s for f in sets.capital
                  for j, a in enumerate(sets.activities) if f0[f_at[f], j] != 0}
        destinations = list(dict.fromkeys(a for _, a in rental))
        by_activity = {a: sum(v for (_, aa), v in rental.items() if aa == a)
                       for a in destinations}
        all_rentals = sum(by_activity.values())
        extra = dict(destinations=destinations, capital_rental=rental,
                     by_destination={a: total * by_activity[a] / all_rentals
                                     for a in destinations},
                     composite=total,
                     composite_scale=total / float(np.prod([demand[c] ** share[c]
                                                            for c in goods])))
    return InvestmentData(
        demand_rule=rule, goods=goods, demand=demand, value_share=share, total_savings=total,
        absorption_share=float(t.pr("investment_share_of_absorption")), **extra)


def _where(labels: list[str], mask: np.ndarray) -> list[str]:
    """The labels where ``mask`` holds."""
    return [a for a, m in zip(labels, mask.tolist(), strict=True) if m]


def _by_label(values: np.ndarray, labels: list[str], scale: float = 1.0,
              at: list[str] | None = None) -> dict[str, float]:
    """``values`` (in the order of ``labels``) divided by ``scale``, by label; only the labels
    ``at`` when given."""
    by_label = dict(zip(labels, (np.asarray(values, dtype=float) / scale).tolist(), strict=True))
    return by_label if at is None else {a: by_label[a] for a in at}


def _nonzero(labels, values: np.ndarray, scale: float) -> dict[str, float]:
    """The non-zero ``values`` divided by ``scale``, by label."""
    return {a: x / scale for a, x in zip(labels, values.tolist(), strict=True) if x != 0}


def _pairs(values: np.ndarray, pairs, rows: list[str], columns: list[str]) -> dict:
    """A table's ``values`` (``rows`` x ``columns``) at (row, column) label pairs."""
    r = {a: i for i, a in enumerate(rows)}
    c = {a: j for j, a in enumerate(columns)}
    return {(a, b): float(values[r[a], c[b]]) for a, b in pairs}
