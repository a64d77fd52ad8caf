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

from .._calibration_pandas import Options, ces_exponent
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
    """The blocks' data from the calibration tables, in model units (SAM units / scale)."""
    acc, bm, pr, s = cal.accounts, cal.benchmark, cal.parameters, cal.scale
    spec = get_specification(cal.spec)
    A, C, F, H, E = (list(acc.activities), list(acc.commodities), list(acc.factors),
                     list(acc.households), list(acc.enterprises))

    def scaled(series, labels=None):
        labels = series.index if labels is None else labels
        return {k: float(series[k]) / s for k in labels}

    def plain(series, labels=None):
        labels = series.index if labels is None else labels
        return {k: float(series[k]) for k in labels}

    sets = Sets(activities=A, commodities=C, factors=F, households=H, enterprises=E,
                institutions=H + E, government=acc.government, rest_of_world=acc.rest_of_world,
                labour=acc.labour, capital=list(acc.capital),
                produced=[c for c in C if bm["domestic_sales"][c] > 0],
                labour_types=list(acc.labour_types) or ([acc.labour] if acc.labour else []))
    fshare = pr["factor_income_share"]

    def shares_of(institution: str) -> dict[str, float]:
        return {f: float(fshare.at[institution, f]) for f in F}

    def shares_of_all(institutions: list[str]) -> dict[Pair, float]:
        return {(i, f): float(fshare.at[i, f]) for i in institutions for f in F}

    options = cal.options or Options()
    rate = options.benchmark_unemployment_rate if acc.labour else 0.0
    employed = scaled(bm["factor_endowment"])
    labour_types = set(acc.labour_types) | {acc.labour}
    unemployed = {f: employed[f] * rate / (1 - rate) if f in labour_types else 0.0 for f in F}
    markets = MarketData(factor_endowment={f: employed[f] + unemployed[f] for f in F},
                         unemployment=unemployed, unemployment_rate=rate,
                         cpi_weight=_price_index_weights(cal, spec.price_index, plain),
                         wage_indexation=options.wage_indexation,
                         wage_curve_elasticity=cal.elasticities.scalar("wage_curve"))
    row_to = {i: float(v) / s for i, v in bm["transfers_from_abroad"].items() if v != 0}
    rest_of_world = RestOfWorldData(
        foreign_savings=float(bm["foreign_savings"]) / s, transfers_to=row_to,
        transfers_from_government=float(bm["government_transfers_abroad"]) / s,
        factor_income_share=shares_of(acc.rest_of_world))
    return ModelData(sets=sets, markets=markets, production=_production(cal, sets),
                     trade=_trade(cal, sets), rest_of_world=rest_of_world,
                     government=_government(cal, sets, spec.government_demand, shares_of),
                     enterprises=_enterprises(cal, sets, shares_of_all),
                     households=_households(cal, sets, shares_of_all, spec.household_saving),
                     investment=_investment(cal, sets, spec.investment_demand,
                                            spec.investment_by_destination))


def _price_index_weights(cal: Calibration, index: str, plain) -> dict[str, float]:
    """Weights of the price index: household budget shares (a CPI), or shares of benchmark
    composite supply (dyncge's ``PRICE``)."""
    if index == "composite_supply":
        q0 = cal.benchmark["composite_supply"]
        return plain(q0 / q0.sum())
    return plain(cal.parameters["cpi_weight"])


def _production(cal: Calibration, sets: Sets) -> ProductionData:
    bm, pr, s = cal.benchmark, cal.parameters, cal.scale
    A, C, F = sets.activities, sets.commodities, sets.factors
    f0 = bm["factor_demand"].to_numpy()
    employment = [(F[i], A[j]) for j, i in zip(*np.nonzero(f0.T), strict=False)]
    factors_of: dict[str, list] = {a: [] for a in A}
    employers_of: dict[str, list] = {f: [] for f in F}
    for f, a in employment:
        factors_of[a].append(f)
        employers_of[f].append(a)
    io = pr["io_coefficient"].to_numpy()
    inputs_of: dict[str, list] = {a: [] for a in A}
    users_of: dict[str, list] = {c: [] for c in C}
    rows, cols = np.nonzero(io)
    for i, j, coef in zip(rows.tolist(), cols.tolist(), io[rows, cols].tolist(), strict=True):
        inputs_of[A[j]].append((C[i], coef))
        users_of[C[i]].append((A[j], coef))
    sigma_va = pr["value_added_elasticity"]
    ces = [a for a in A if sigma_va[a] != 1.0]
    top_sigma = pr["top_elasticity"]
    top = list(top_sigma.index)
    top_ces = [a for a in top if top_sigma[a] != 1.0]
    bundle = pr["bundle_coefficient"]

    def exponents(sigma, labels):
        return dict(zip(labels, ces_exponent(sigma.reindex(labels).to_numpy()).tolist(),
                        strict=True))

    return ProductionData(
        employment=employment,
        factors_of=factors_of, employers_of=employers_of,
        inputs_of=inputs_of, users_of=users_of,
        output=_by_label(bm["output"], A, s),
        value_added=_by_label(bm["value_added"], A, s),
        factor_demand={(F[i], A[j]): float(f0[i, j]) / s
                       for i, j in zip(*np.nonzero(f0), strict=False)},
        value_added_coefficient=_by_label(pr["value_added_coefficient"], A),
        production_tax_rate=_by_label(pr["production_tax_rate"], A),
        production_tax=_by_label(bm["production_tax"], A, s),
        cobb_douglas={a for a in A if sigma_va[a] == 1.0},
        value_added_share=_pairs(pr["value_added_share"], employment),
        value_added_scale=_by_label(pr["value_added_scale"], A),
        value_added_elasticity=_by_label(sigma_va, ces),
        value_added_exponent=exponents(sigma_va, ces),
        top_nest=top, top_cobb_douglas={a for a in top if top_sigma[a] == 1.0},
        bundle_of={a: [(c, float(bundle.at[c, a])) for c, _ in inputs_of[a]] for a in top},
        intermediate_bundle={a: float(v) / s for a, v in pr["intermediate_bundle"].items()},
        top_elasticity={a: float(top_sigma[a]) for a in top_ces},
        top_exponent=exponents(top_sigma, top_ces),
        top_value_added_share={a: float(v) for a, v in pr["top_value_added_share"].items()},
        top_scale={a: float(v) for a, v in pr["top_scale"].items()},
    )


def _trade(cal: Calibration, sets: Sets) -> TradeData:
    acc, bm, pr, s = cal.accounts, cal.benchmark, cal.parameters, cal.scale
    C = sets.commodities
    m0, e0 = bm["imports"], bm["exports"]
    imported = [c for c in C if m0[c] > 0]
    exported = [c for c in C if e0[c] > 0]
    simple = acc.activity_of
    joint = [c for c in sets.produced if c not in simple]
    joint_make = [(a, c) for a, c in acc.make if c not in simple]
    ed = pr["export_demand_elasticity"]
    finite = [c for c in exported if np.isfinite(ed.get(c, np.nan))]

    of = _by_label

    return TradeData(
        imported=imported, exported=exported,
        composite_supply=of(bm["composite_supply"], C, s),
        domestic_sales=of(bm["domestic_sales"], sets.produced, s),
        imports=of(m0, imported, s), exports=of(e0, exported, s),
        import_tariff_rate=of(pr["import_tariff_rate"], imported),
        import_tax_rate=of(pr["import_tax_rate"], imported),
        export_tax_rate=of(pr["export_tax_rate"], exported),
        sales_tax_rate=of(pr["sales_tax_rate"], C),
        import_tariff=of(bm["import_tariff"], imported, s),
        import_tax=of(bm["import_tax"], imported, s),
        export_tax=of(bm["export_tax"], exported, s), sales_tax=of(bm["sales_tax"], C, s),
        armington_exponent=of(pr["armington_exponent"], imported),
        armington_import_share=of(pr["armington_import_share"], imported),
        armington_domestic_share=of(pr["armington_domestic_share"], imported),
        armington_scale=of(pr["armington_scale"], C),
        cet_exponent=of(pr["cet_exponent"], exported),
        cet_export_share=of(pr["cet_export_share"], exported),
        cet_domestic_share=of(pr["cet_domestic_share"], exported),
        cet_scale=of(pr["cet_scale"], C),
        finite_export_demand=finite, export_demand_elasticity=of(ed, finite),
        activity_of=dict(acc.activity_of), make=list(acc.make), joint=joint,
        joint_makers=[a for a in sets.activities if a not in acc.commodity_of],
        joint_make=joint_make,
        make_share={(a, c): float(pr["make_share"].at[a, c]) for a, c in joint_make},
        commodity_output=of(pr["commodity_output"], joint, s),
    )


def _government(cal: Calibration, sets: Sets, demand: str, shares_of) -> GovernmentData:
    bm, pr, s = cal.benchmark, cal.parameters, cal.scale
    xg = bm["government_consumption"]
    goods = [c for c in sets.commodities if xg[c] != 0]
    return GovernmentData(
        demand=demand, revenue=float(bm["government_revenue"]) / s,
        savings=float(bm["government_savings"]) / s,
        saving_rate=float(pr["government_saving_rate"]), goods=goods,
        consumption=_by_label(xg, goods, s),
        consumption_share=_by_label(pr["government_consumption_share"], goods),
        absorption_share=float(pr["government_share_of_absorption"]),
        direct_tax={i: float(bm["direct_tax"][i]) / s for i in sets.institutions},
        direct_tax_rate={i: float(pr["direct_tax_rate"][i]) for i in sets.institutions},
        transfers={i: float(v) / s for i, v in bm["government_transfers"].items() if v != 0},
        factor_income_share=shares_of(sets.government))


def _enterprises(cal: Calibration, sets: Sets, shares_of_all) -> EnterpriseData:
    bm, pr, s = cal.benchmark, cal.parameters, cal.scale
    payout = pr["enterprise_payout_rate"]
    E = sets.enterprises
    return EnterpriseData(
        income={e: float(bm["income"][e]) / s for e in E},
        savings={e: float(bm["enterprise_savings"][e]) / s for e in E},
        payout_rate={(h, e): float(payout.at[h, e]) for h in sets.households for e in E
                     if payout.at[h, e] != 0},
        factor_income_share=shares_of_all(E))


def _households(cal: Calibration, sets: Sets, shares_of_all,
                saving_base: str = "income") -> HouseholdData:
    bm, pr, s = cal.benchmark, cal.parameters, cal.scale
    C, H = sets.commodities, sets.households
    xp, shares = bm["household_consumption"].to_numpy(), pr["consumption_share"].to_numpy()
    nonzero = list(zip(*np.nonzero(xp), strict=False))
    pairs = [(C[i], H[j]) for i, j in nonzero]
    consumption = {(C[i], H[j]): float(xp[i, j]) / s for i, j in nonzero}
    beta = _pairs(pr["marginal_budget_share"], pairs)
    gamma = {k: v / s for k, v in _pairs(pr["subsistence_consumption"], pairs).items()}
    utility = {h: float(np.prod([(consumption[c, h] - gamma[c, h]) ** beta[c, h]
                                 for c, hh in pairs if hh == h])) for h in H}
    saving_rate = {h: float(pr["household_saving_rate"][h]) for h in H}
    if saving_base == "disposable_income":     # S = s (YH - T^d)
        saving_rate = {h: float(bm["household_savings"][h])
                       / float(bm["income"][h] - bm["direct_tax"][h]) for h in H}
    return HouseholdData(
        income={h: float(bm["income"][h]) / s for h in H},
        savings={h: float(bm["household_savings"][h]) / s for h in H},
        saving_rate=saving_rate,
        consumption=consumption,
        budget_share={(C[i], H[j]): float(shares[i, j]) for i, j in nonzero},
        utility=utility,
        consumed_by={h: [c for c, hh in pairs if hh == h] for h in H},
        consumers_of={c: [h for cc, h in pairs if cc == c] for c in C},
        les=cal.options is not None and cal.options.household_demand == "les",
        marginal_budget_share=beta, subsistence=gamma,
        factor_income_share=shares_of_all(H), saving_base=saving_base)


def _investment(cal: Calibration, sets: Sets, rule: str,
                by_destination: bool = False) -> InvestmentData:
    bm, pr, s = cal.benchmark, cal.parameters, cal.scale
    xv = bm["investment_demand"]
    goods = [c for c in sets.commodities if xv[c] != 0]
    demand = _by_label(xv, goods, s)
    share = _by_label(pr["investment_share"], goods)
    total = float(xv.sum()) / s
    extra = {}
    if by_destination:
        f0 = bm["factor_demand"]
        rental = {(f, a): float(f0.at[f, a]) / s for f in sets.capital
                  for a in sets.activities if f0.at[f, a] != 0}
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
        absorption_share=float(pr["investment_share_of_absorption"]), **extra)


def _by_label(table, labels, scale: float = 1.0) -> dict[str, float]:
    """Values of a labelled series at ``labels`` divided by ``scale``, without per-label
    pandas lookups."""
    values = dict(zip(table.index.tolist(), (table.to_numpy(dtype=float) / scale).tolist(),
                      strict=True))
    return {label: values[label] for label in labels}


def _pairs(table, pairs) -> dict:
    """Values of a labelled table at (row, column) pairs, without per-cell pandas lookups."""
    rows = {r: i for i, r in enumerate(table.index)}
    cols = {c: j for j, c in enumerate(table.columns)}
    values = table.to_numpy()
    return {(r, c): float(values[rows[r], cols[c]]) for r, c in pairs}
