"""Indicators of a counterfactual: the numbers that answer the internal-circulation question.

Every indicator compares a benchmark :class:`~cge.results.Solution` with a
counterfactual one. Quantities are the model's volumes: SAM units valued at
benchmark prices (every price but the producers' export price is one in the
benchmark, so a volume is what the flow would cost at base prices). Output is
valued at the producers' base prices, :math:`X_c = D_c + p^e_{0c} E_c` with
:math:`p^e_{0c} = 1 - t^e_{0c}` (what producers keep of a unit of exports when
the SAM has an export tax).

Macro indicators (:func:`macro_indicators`)
    ``real_gdp``        GDP at base prices, expenditure side,
                        :math:`\\sum_c (\\sum_h X^p_{ch} + X^g_c + X^v_c + E_c - M_c)`
                        (percent change);
    ``real_household_consumption`` :math:`\\sum_c X^p_{ch}` by household and total;
    ``equivalent_variation``  Hicksian EV at base prices, by household and total
                        (:func:`cge.results.equivalent_variation`);
    ``real_wage``       :math:`p^f_L / CPI`;
    ``real_exchange_rate``  :math:`\\varepsilon / CPI` (world prices are the foreign
                        price level, one in the benchmark); a rise is a real depreciation;
    ``trade_balance``   :math:`\\varepsilon(\\sum_c p^{We}_c E_c - \\sum_c p^{Wm}_c M_c)`,
                        domestic currency;
    ``government_saving`` :math:`S^g`;
    ``employment``      labour employed by activity, and ``unemployment`` (closures with
                        a fixed real wage).

Sector indicators (:func:`sector_indicators`), by commodity :math:`c`:
    absorption ratio    :math:`AR_c = \\Delta D_c / (-\\Delta E_c)`, the share of the
                        fall in exports that domestic sales of domestic output take up
                        (1: home sales replace the lost exports, 0: output falls one for
                        one, negative: home sales fall too); defined only where exports
                        fall (NaN otherwise); the aggregate ``total`` is
                        :math:`\\sum_c \\Delta D_c / (-\\sum_c \\Delta E_c)`, defined
                        only where :math:`\\sum_c \\Delta E_c < 0`;
    imbalance index     :math:`(E_c - M_c) / X_c` with output :math:`X_c = D_c + p^e_{0c} E_c`;
    structural gap      :math:`X_c / \\sum_k X_k - FD_c / \\sum_k FD_k`, the sector's share of
                        output minus its share of domestic final demand
                        :math:`FD_c = \\sum_h X^p_{ch} + X^g_c + X^v_c`; positive where
                        the sector produces more than home final demand asks of it.

:func:`indicators` gathers both in the JSON layout of ``cge run``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .flows import INDICATOR_VOLUMES, RESULT_PATHS

log = logging.getLogger("cge")

#: Components of :meth:`IndicatorPlan.ev_decomposition`, in order (docs/indicators.md).
EV_COMPONENTS = ("terms_of_trade", "factor_employment", "technology", "allocative_efficiency",
                 "saving_investment", "government_consumption", "external_balance",
                 "substitution", "consumption_composition")
#: Relative tolerance of the adding-up check of the EV decomposition.
EV_ADDING_UP_TOL = 1e-6

#: Export falls smaller than this share of the commodity's base exports (of total base
#: exports for the aggregate) give no absorption ratio.
EXPORT_CHANGE_FLOOR = 1e-9


# -- building blocks ----------------------------------------------------------------------
def _by_commodity(sol, name: str, commodities: pd.Index) -> np.ndarray:
    """A commodity-indexed variable in the order of ``commodities``, zero where the SAM
    has no such flow (household consumption summed over households)."""
    try:
        s = sol.levels(name)
    except KeyError:
        return np.zeros(len(commodities))
    values = s.to_numpy(dtype=float)
    if s.index.nlevels == 2:  # household consumption (c, h)
        at = commodities.get_indexer(s.index.get_level_values(0))
        return np.bincount(at[at >= 0], weights=values[at >= 0], minlength=len(commodities))
    at = s.index.get_indexer(commodities)
    return np.where(at >= 0, values[at], 0.0)


def final_demand(v: Mapping[str, Any]):
    r"""Final demand by commodity of a table of volumes: :math:`\sum_h X^p_h + X^g + X^v`."""
    return v["household_consumption"] + v["government_consumption"] + v["investment_demand"]


def expenditure_gdp(v: Mapping[str, Any]):
    """Real GDP by commodity, expenditure side, of a table of base-price volumes:
    :math:`FD_c + E_c - M_c` (sum it for GDP)."""
    return v["final_demand"] + v["exports"] - v["imports"]


def volumes(sol, export_price: pd.Series | None = None) -> pd.DataFrame:
    """Base-price volumes by commodity: output, exports, imports, home sales, final demand.

    ``output`` is valued at the producers' base prices, :math:`X_c = D_c + p^e_c E_c`,
    with ``export_price`` :math:`p^e_c` (default: the solution's own producer export
    price, :math:`1 - t^e_c` in the benchmark).
    """
    commodities = pd.Index(sol.levels("composite_supply").index, name="commodity")
    t = {name: _by_commodity(sol, name, commodities) for name in INDICATOR_VOLUMES}
    if export_price is None:
        export_price = producer_export_price(sol)
    pe = export_price.reindex(commodities).to_numpy(dtype=float)
    t["output"] = t["domestic_sales"] + pe * t["exports"]
    t["final_demand"] = final_demand(t)
    return pd.DataFrame(t, index=commodities)


def producer_export_price(sol) -> pd.Series:
    """What producers receive per unit of exports, :math:`p^e_c` (:math:`1 - t^e_c` at base).

    One where the commodity is not exported (the flow is zero, so the price does not matter).
    """
    commodities = pd.Index(sol.levels("composite_supply").index, name="commodity")
    try:
        price = sol.levels("price_export")
    except KeyError:
        return pd.Series(1.0, index=commodities)
    return price.reindex(commodities, fill_value=1.0).astype(float)


def _labour_slack(closure, labour: str | None = None) -> bool:
    """Whether the closure lets the labour factor ``labour`` be unemployed (any labour
    closure but full employment: a fixed real or nominal wage, a wage curve)."""
    option = (closure.get("labour_by_factor") or {}).get(labour, closure.get("labour"))
    return (option or "full_employment") != "full_employment"


def _labour(sol, model) -> str | None:
    types = _labour_types(sol, model)
    return types[0] if types else None


def _slack_by_type(closure, labour_types) -> dict[str, bool]:
    """Each labour type with whether ``closure`` lets it be unemployed."""
    return {f: _labour_slack(closure, f) for f in labour_types}


def _labour_types(sol, model) -> list[str]:
    """Every labour factor, the main one first."""
    if model is not None:
        return list(model.data.sets.labour_types)
    from .sam.roles import is_labour

    return [str(f) for f in sol.levels("factor_price").index if is_labour(str(f))]


def _pct(b: float, c: float) -> float | None:
    return None if b == 0 else 100.0 * (c - b) / abs(b)


# -- sector indicators ------------------------------------------------------------------
#: Columns of :func:`sector_arrays` (and of :func:`sector_indicators`).
SECTOR_COLUMNS = ("exports_change", "domestic_sales_change", "output_change",
                  "absorption_ratio", "imbalance_base", "imbalance_counterfactual",
                  "structural_gap_base", "structural_gap_counterfactual")


def sector_arrays(base: Mapping[str, np.ndarray], cf: Mapping[str, np.ndarray],
                  export_price: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Sector indicators from per-commodity volume arrays (no pandas: fast enough for batches).

    Parameters
    ----------
    base, cf : mapping of str to ndarray
        Benchmark and counterfactual volumes by commodity (one entry per commodity, same
        order): ``exports`` :math:`E`, ``imports`` :math:`M`, ``domestic_sales``
        :math:`D` and ``final_demand`` :math:`FD = \\sum_h X^p_h + X^g + X^v`.
    export_price : ndarray, optional
        Producers' base price of exports :math:`p^e_{0c} = 1 - t^e_{0c}`, which values
        output :math:`X_c = D_c + p^e_{0c} E_c` in both solutions. Default one (no
        export tax).

    Returns
    -------
    dict of ndarray
        :data:`SECTOR_COLUMNS`, each with one entry per commodity and a last entry for
        the aggregate: the summed changes and
        :math:`AR = \\sum_c \\Delta D_c / (-\\sum_c \\Delta E_c)`; NaN for the
        imbalance and gap.
        ``absorption_ratio`` :math:`\\Delta D_c / (-\\Delta E_c)` is NaN unless exports
        fall by more than :data:`EXPORT_CHANGE_FLOOR` of base exports
        (:math:`\\Delta E_c < -\\text{floor}\\cdot E_{0c}`; for the aggregate
        :math:`\\sum_c \\Delta E_c < -\\text{floor}\\cdot\\sum_c E_{0c}`).
    """
    e0, e1 = (np.asarray(v["exports"], dtype=float) for v in (base, cf))
    pe = np.ones_like(e0) if export_price is None else np.asarray(export_price, dtype=float)
    d_exports = e1 - e0
    d_domestic = (np.asarray(cf["domestic_sales"], dtype=float)
                  - np.asarray(base["domestic_sales"], dtype=float))
    out = {"exports_change": d_exports, "domestic_sales_change": d_domestic,
           "output_change": d_domestic + pe * d_exports}
    with np.errstate(divide="ignore", invalid="ignore"):
        out["absorption_ratio"] = np.where(d_exports < -EXPORT_CHANGE_FLOOR * np.abs(e0),
                                           d_domestic / -d_exports, np.nan)
        for tag, v in (("base", base), ("counterfactual", cf)):
            exports, imports = (np.asarray(v[k], dtype=float) for k in ("exports", "imports"))
            output = np.asarray(v["domestic_sales"], dtype=float) + pe * exports
            final = np.asarray(v["final_demand"], dtype=float)
            out[f"imbalance_{tag}"] = np.where(output != 0, (exports - imports) / output, np.nan)
            out[f"structural_gap_{tag}"] = output / output.sum() - final / final.sum()
    total_de, total_dd = float(d_exports.sum()), float(d_domestic.sum())
    total = {"exports_change": total_de, "domestic_sales_change": total_dd,
             "output_change": float(out["output_change"].sum()),
             "absorption_ratio": (total_dd / -total_de
                                  if total_de < -EXPORT_CHANGE_FLOOR * float(np.abs(e0).sum())
                                  else np.nan)}
    return {k: np.append(out[k], total.get(k, np.nan)) for k in SECTOR_COLUMNS}


def revenue_ratio_arrays(base: Mapping[str, Any], cf: Mapping[str, Any]) -> np.ndarray:
    """Absorption ratio by revenue, by commodity and (last entry) in total.

    .. math:: AR^{rev}_c = \\frac{\\Delta (p^d_c D_c / CPI)}{-\\Delta (p^e_c E_c / CPI)}

    Producers' revenue from home sales over the loss of their export revenue, both at
    current prices deflated by the consumer price index (base-year consumption units).

    Parameters
    ----------
    base, cf : mapping
        ``domestic_sales`` :math:`D`, ``exports`` :math:`E`, ``price_domestic``
        :math:`p^d` and ``price_export`` :math:`p^e` (arrays by commodity) and ``cpi``.

    Returns
    -------
    ndarray
        One ratio per commodity and the aggregate
        :math:`\\sum_c \\Delta R^D_c / (-\\sum_c \\Delta R^E_c)`; NaN unless export
        revenue falls by more than :data:`EXPORT_CHANGE_FLOOR` of its base value.
    """
    def revenue(v, quantity, price):
        return (np.asarray(v[price], dtype=float) * np.asarray(v[quantity], dtype=float)
                / float(v["cpi"]))

    home = revenue(cf, "domestic_sales", "price_domestic") - revenue(
        base, "domestic_sales", "price_domestic")
    e0 = revenue(base, "exports", "price_export")
    lost = e0 - revenue(cf, "exports", "price_export")
    with np.errstate(divide="ignore", invalid="ignore"):
        by_commodity = np.where(lost > EXPORT_CHANGE_FLOOR * np.abs(e0), home / lost, np.nan)
    total = (float(home.sum()) / float(lost.sum())
             if lost.sum() > EXPORT_CHANGE_FLOOR * float(np.abs(e0).sum()) else np.nan)
    return np.append(by_commodity, total)


def sector_indicators(base, cf) -> pd.DataFrame:
    """Absorption ratio, imbalance index and structural gap by commodity.

    Returns a table indexed by commodity and a ``total`` row (the summed changes and the
    aggregate absorption ratio) with the columns of :data:`SECTOR_COLUMNS`, from
    :func:`sector_arrays`. Output is valued at the base solution's producer prices,
    :math:`X_c = D_c + p^e_{0c} E_c`.
    """
    pe = producer_export_price(base)
    return _sector_table(volumes(base, pe), volumes(cf, pe), pe)


def _sector_table(v0: pd.DataFrame, v1: pd.DataFrame, pe: pd.Series) -> pd.DataFrame:
    columns = sector_arrays(v0, v1, pe.to_numpy())
    return pd.DataFrame(columns, index=pd.Index([*v0.index, "total"], name="commodity"))


# -- labour-demand elasticities of the calibration ------------------------------------------
def labour_demand_elasticity(labour_share, value_added_elasticity, value_added_cost_share=1.0,
                             top_elasticity=0.0, fixed_capital: bool = True):
    """Own-wage elasticity of labour demand at the benchmark, in absolute value.

    With the other factors fixed (sector-specific capital), at given output and
    intermediate prices (so at a given price of value added :math:`p^y`):

    .. math:: \\epsilon_{LL} = \\frac{\\sigma^{va}}{1 - s_L}

    (Cobb-Douglas: :math:`1/(1-s_L)`); the top nest does not enter, since the top
    nest's zero profit fixes :math:`p^y` given output and input prices. With the other
    factors variable (mobile capital, excess capacity) constant returns leave the demand
    at given prices undetermined, and the elasticity is the one at constant output
    (Hamermesh's constant-output elasticity of the nested CES):

    .. math:: \\epsilon_{LL} = \\sigma^{va}(1 - s_L) + \\sigma^{top} s_L (1 - s_Y)

    Parameters
    ----------
    labour_share : array_like
        :math:`s_L`, labour's share of value added at the benchmark.
    value_added_elasticity : array_like
        :math:`\\sigma^{va}` (1: Cobb-Douglas).
    value_added_cost_share : array_like
        :math:`s_Y`, value added's share of output (:math:`a^y`).
    top_elasticity : array_like
        :math:`\\sigma^{top}` between value added and intermediates (0: Leontief).
    fixed_capital : bool
        Whether the closure fixes the other factors by activity.
    """
    s_l = np.asarray(labour_share, dtype=float)
    sigma = np.asarray(value_added_elasticity, dtype=float)
    if fixed_capital:
        with np.errstate(divide="ignore"):
            return np.where(s_l < 1, sigma / (1 - s_l), np.inf)
    top = np.nan_to_num(np.asarray(top_elasticity, dtype=float))
    return sigma * (1 - s_l) + top * s_l * (1 - np.asarray(value_added_cost_share, dtype=float))


def labour_demand_elasticities(model, closure: Mapping[str, str] | None = None) -> pd.Series:
    """:func:`labour_demand_elasticity` of every activity that employs labour in ``model``.

    With several labour types the share is that of all of them (their wages moving
    together). ``closure`` (default the model's) decides the capital treatment: fixed under
    ``capital: sector_specific``, variable otherwise. Empty without a labour account.
    """
    labour = model.accounts.labour
    if labour is None:
        return pd.Series(dtype=float, name="labour_demand_elasticity")
    closure = model.closure.to_dict() if closure is None else closure
    from .io_analysis import labour_shares

    p = model.calibration.parameters
    share = labour_shares(model.calibration.sam, model.accounts.labour_types or [labour])
    employing = [a for a in model.accounts.activities if a in share.index]
    share = share[employing]
    top = p["top_elasticity"].reindex(employing)
    value = labour_demand_elasticity(
        share.to_numpy(), p["value_added_elasticity"].reindex(employing).to_numpy(),
        p["value_added_coefficient"].reindex(employing).to_numpy(), top.to_numpy(),
        closure.get("capital") == "sector_specific")
    return pd.Series(value, index=pd.Index(employing, name="activity"),
                     name="labour_demand_elasticity")


def model_facts(model, closure: Mapping[str, str] | None = None) -> dict[str, dict]:
    """The indicators of a model and closure that no solution changes (see
    :class:`IndicatorPlan`), by indicator and index."""
    closure = model.closure.to_dict() if closure is None else dict(closure)
    facts = {"labour_demand_elasticity": labour_demand_elasticities(model, closure).to_dict(),
             "multiplier_absorption_ratio": {
                 f"{c},{name}": r for c, row in
                 multiplier_absorption_ratios(model.sam, model.spec, closure).iterrows()
                 for name, r in row.items()}}
    return {k: v for k, v in facts.items() if v}


#: Specifications whose government spends its revenue (net of saving and transfers) in
#: fixed budget shares; the others hold real government consumption.
GOVERNMENT_SPENDS_REVENUE = {"stdcge": True, "standard": False}


def matching_multiplier_set(spec: str, closure: Mapping[str, str]) -> tuple[str, ...]:
    """The endogenous accounts (roles) of the SAM-multiplier model that matches a closure.

    Accounts whose spending follows their income in the CGE model are endogenous:
    producers, factors, households and enterprises always
    (:data:`cge.io_analysis.ENDOGENOUS_ROLES`); the government and the taxes it collects
    where its spending follows its revenue (:data:`GOVERNMENT_SPENDS_REVENUE`);
    savings-investment under ``savings_driven`` investment (investment spends what is
    saved). Investment fixed in real terms (``investment_driven``) or held as a share of
    absorption (``balanced``) leaves it exogenous.
    """
    from .io_analysis import ENDOGENOUS_ROLES
    from .sam.roles import TAX_ROLES

    roles = [*ENDOGENOUS_ROLES]
    if GOVERNMENT_SPENDS_REVENUE.get(spec, False):
        roles += ["government", *TAX_ROLES]
    if closure.get("savings_investment", "savings_driven") == "savings_driven":
        roles.append("savings_investment")
    return tuple(roles)


def multiplier_absorption_ratios(sam, spec: str, closure: Mapping[str, str]) -> pd.DataFrame:
    """Fixed-price absorption ratios by commodity for each set of
    :data:`cge.io_analysis.MULTIPLIER_SETS` and ``matching``
    (:func:`matching_multiplier_set` of the closure)."""
    from .io_analysis import MULTIPLIER_SETS
    from .io_analysis import multiplier_absorption_ratios as ratios

    return ratios(sam, {**MULTIPLIER_SETS, "matching": matching_multiplier_set(spec, closure)})


# -- one implementation over variable vectors: cge run, reports and batches --------------
class IndicatorPlan:
    """Where the variables the indicators read sit in a model's flat variable vector.

    Made once per model (and closure); the indicators of a counterfactual are then a
    few numpy sums and products of its vector, fast enough for batches.
    :func:`indicators` (``cge run``) and the batch worker both use it, so they cannot
    drift apart.

    Parameters
    ----------
    layout : VariableLayout
        Where each variable sits (:attr:`cge.model.build.VariableIndex.layout`).
    base : ndarray
        The benchmark levels of every variable, in SAM units.
    budget_shares : DataFrame
        Marginal budget shares (commodity x household) that value the EV.
    labour : str or None
        The labour account.
    labour_slack : bool
        Whether the closure lets labour be unemployed.
    labour_types : mapping, optional
        Every labour type (several in SAMs with e.g. rural and urban labour), each with
        whether the closure lets it be unemployed; with two or more, the rows
        ``*_by_labour_type``.
    model_facts : mapping, optional
        Indicators of the model and closure alone, not of a solution, as
        ``{indicator: {index: value}}``: ``labour_demand_elasticity``
        (:func:`labour_demand_elasticities`), ``multiplier_absorption_ratio``
        (:func:`multiplier_absorption_ratios`). :meth:`for_model` fills them.
    """

    def __init__(self, layout, base: np.ndarray, budget_shares: pd.DataFrame,
                 labour: str | None, labour_slack: bool,
                 model_facts: Mapping[str, Mapping[str, float]] | None = None,
                 labour_types: Mapping[str, bool] | None = None):
        from scipy import sparse

        n = sum(s.stop - s.start for s in layout.slices.values())
        self._layout = layout

        def at(path, key="_"):
            keys = layout.keys[path]
            return layout.slices[path].start + keys.index(None if key == "_" else key)

        prices = RESULT_PATHS["price_composite"]
        self.commodities = [str(c) for c in layout.keys[prices]]
        row_of = {c: i for i, c in enumerate(layout.keys[prices])}
        rows, cols = [], []
        for k, path in enumerate(INDICATOR_VOLUMES.values()):
            if path not in layout.slices:
                continue
            start = layout.slices[path].start
            for j, key in enumerate(layout.keys[path]):
                rows.append(k * len(row_of) + row_of[key[0] if isinstance(key, tuple) else key])
                cols.append(start + j)
        #: (volume, commodity) x variables: volumes = (V @ x).reshape(volumes, commodities)
        self._volumes = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                          shape=(len(INDICATOR_VOLUMES) * len(row_of), n))
        utility, consumption_path = RESULT_PATHS["utility"], \
            RESULT_PATHS["household_consumption"]
        self.households = [str(h) for h in layout.keys[utility]]
        consumption = layout.keys[consumption_path]
        start = layout.slices[consumption_path].start
        self._consumption = sparse.csr_matrix(
            (np.ones(len(consumption)),
             ([self.households.index(str(h)) for _, h in consumption],
              [start + j for j in range(len(consumption))])),
            shape=(len(self.households), n))
        # households in label order, as a groupby over the household level gives them
        self._by_household = np.argsort(np.array(self.households, dtype=object), kind="stable")
        self._utility = np.array([at(utility, h) for h in layout.keys[utility]])
        self._price_at = np.array([at(prices, c) for c in layout.keys[prices]], dtype=int)
        self._budget_shares = budget_shares
        self._eps = at(RESULT_PATHS["exchange_rate"])
        self._cpi = at(RESULT_PATHS["cpi"])
        self._gov_saving = at(RESULT_PATHS["government_savings"])
        self._trade = []   # (sign, world price positions, volume positions)
        for sign, price_name, volume_name in ((1.0, "world_export_price", "exports"),
                                              (-1.0, "world_import_price", "imports")):
            price_path, volume_path = RESULT_PATHS[price_name], RESULT_PATHS[volume_name]
            volume_keys = set(layout.keys[volume_path])
            keys = [k for k in layout.keys[price_path] if k in volume_keys]
            self._trade.append((sign, np.array([at(price_path, k) for k in keys], dtype=int),
                                np.array([at(volume_path, k) for k in keys], dtype=int)))
        self.labour = labour
        self._labour_slack_closure = labour_slack
        self.model_facts = {k: dict(v) for k, v in (model_facts or {}).items()}
        #: the rows of the model facts, the same for every counterfactual (made once)
        self._fact_rows = [(name, key, None, None, _num(v))
                           for name, entries in self.model_facts.items()
                           for key, v in entries.items()]
        if labour is not None:
            self._wage = at(RESULT_PATHS["factor_price"], labour)
            self._unemployed = at(RESULT_PATHS["unemployment"], labour)
            self._force = at("markets.factor_endowment", labour)
            # employment by activity counts every labour type (base wages are one, so
            # wage bills in base prices add up); unemployment is the main type's
            demand_path = RESULT_PATHS["factor_demand"]
            workers = set(labour_types or ()) | {labour}
            jobs = [(str(a), at(demand_path, (f, a))) for f, a in layout.keys[demand_path]
                    if f in workers]
            self.employers = list(dict.fromkeys(a for a, _ in jobs))
            self._employment = sparse.csr_matrix(
                (np.ones(len(jobs)), ([self.employers.index(a) for a, _ in jobs],
                                      [k for _, k in jobs])), shape=(len(self.employers), n))
        #: labour type -> (slack closure, wage, unemployed, force, employment positions)
        self._labour_types = {} if len(labour_types or ()) < 2 else {
            f: (slack, at(RESULT_PATHS["factor_price"], f), at(RESULT_PATHS["unemployment"], f),
                at("markets.factor_endowment", f), np.array(
                    [at(RESULT_PATHS["factor_demand"], k) for k in
                     layout.keys[RESULT_PATHS["factor_demand"]] if k[0] == f], dtype=int))
            for f, slack in labour_types.items()}
        export_price = RESULT_PATHS["price_export"]
        self._export_price_at = np.full(len(self.commodities), -1, dtype=int)
        if export_price in layout.slices:
            for key in layout.keys[export_price]:
                self._export_price_at[row_of[key]] = at(export_price, key)
        self._welfare_positions(layout, at)
        self._set_base(base)
        #: positions of p^d_c and p^e_c by commodity (-1: no such flow, price one)
        self._prices = {}
        for name in ("price_domestic", "price_export"):
            path = RESULT_PATHS[name]
            keys = set(layout.keys[path]) if path in layout.slices else set()
            self._prices[name] = np.array([at(path, c) if c in keys else -1
                                           for c in layout.keys[prices]], dtype=int)

    def _welfare_positions(self, layout, at) -> None:
        """Positions of what :meth:`ev_decomposition` reads: outputs, value added,
        productivity, factor use and the base tax rates."""
        def where(path, keys):
            have = set(layout.keys[path]) if path in layout.slices else set()
            return np.array([at(path, k) if k in have else -1 for k in keys], dtype=int)

        activities = layout.keys["production.output"]
        self._output = where("production.output", activities)
        self._value_added = where("production.value_added", activities)
        self._productivity = where("production.productivity", activities)
        self._production_tax_at = where("production.production_tax_rate", activities)
        demand = layout.keys["production.factor_demand"]
        self._factor_use = where("production.factor_demand", demand)
        self._factor_price_at = where(RESULT_PATHS["factor_price"], [f for f, _ in demand])
        self._distortion_at = where("production.factor_price_distortion", demand)
        commodities = layout.keys[RESULT_PATHS["price_composite"]]
        self._tax_at = {name: where(f"trade.{name}", commodities)
                        for name in ("import_tariff_rate", "import_tax_rate", "export_tax_rate",
                                   "sales_tax_rate")}

    def _set_base(self, base: np.ndarray) -> None:
        """Everything the plan reads of the base point: its levels and volumes, the EV's
        unit cost at its prices, its export prices and the base factor prices and tax
        rates of the EV decomposition."""
        from .results import ev_unit_cost

        self.base = np.asarray(base, dtype=float)

        def base_of(positions, missing=0.0):
            return np.where(positions >= 0, self.base[np.maximum(positions, 0)], missing)

        self._base_volumes = self._volume_table(self.base)
        price = dict(zip(self._layout.keys[RESULT_PATHS["price_composite"]],
                         self.base[self._price_at], strict=True))
        #: EV per unit of utility, by household (:func:`cge.results.ev_unit_cost`)
        self._unit_cost = np.array([ev_unit_cost(price, self._budget_shares[h])
                                    for h in self._layout.keys[RESULT_PATHS["utility"]]])
        #: producers' base price of exports p^e_0c (one where a commodity is not exported)
        self._export_price = base_of(self._export_price_at, 1.0)
        self._production_tax0 = base_of(self._production_tax_at)
        self._factor_price0 = base_of(self._factor_price_at, 1.0) * base_of(
            self._distortion_at, 1.0)
        self._tax0 = {name: base_of(at) for name, at in self._tax_at.items()}

    def rebased(self, base: np.ndarray) -> IndicatorPlan:
        """The same plan against another base point (e.g. a period of the business-as-usual
        path): indicators of a counterfactual against the base of its own period."""
        import copy

        plan = copy.copy(self)
        plan._set_base(base)
        return plan

    @classmethod
    def for_model(cls, model, base: np.ndarray, facts: bool = True) -> IndicatorPlan:
        """The plan of a model at its current closure and calibration (``facts=False``:
        without the indicators of the model alone, :func:`model_facts`)."""
        return cls(model.variable_index.layout, base,
                   model.calibration.parameters["marginal_budget_share"],
                   model.accounts.labour,
                   _labour_slack(model.closure.to_dict(), model.accounts.labour),
                   model_facts(model) if facts else None,
                   _slack_by_type(model.closure.to_dict(), model.data.sets.labour_types))

    @classmethod
    def for_solutions(cls, base, cf, model=None) -> IndicatorPlan:
        """The plan of a benchmark :class:`~cge.model.solution.Solution` (and the closure
        of its counterfactual)."""
        closure = cf.closure or base.closure or {}
        types = _labour_types(base, model)
        labour = types[0] if types else None
        return cls(base.values.layout, base.values.vector, base.consumption_shares,
                   labour, _labour_slack(closure, labour),
                   None if model is None else model_facts(model, closure),
                   _slack_by_type(closure, types))

    # -- pieces ------------------------------------------------------------------------
    def volume_table(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Volumes at benchmark prices by commodity of a vector ``x`` (SAM units):
        ``{volume: array over commodities}`` for the volumes of
        :data:`cge.flows.INDICATOR_VOLUMES` and ``final_demand``."""
        return self._volume_table(np.asarray(x, dtype=float))

    def gdp_weights(self) -> np.ndarray:
        r"""Weights :math:`w` with :math:`w \cdot x` real GDP of a vector ``x`` (SAM units):
        real GDP at benchmark prices is linear in the variables."""
        m = len(self.commodities)
        rows = self._volumes.toarray().reshape(len(INDICATOR_VOLUMES), m, -1)
        table = dict(zip(INDICATOR_VOLUMES, rows, strict=True))
        table["final_demand"] = final_demand(table)
        return expenditure_gdp(table).sum(axis=0)

    def _volume_table(self, x: np.ndarray) -> dict[str, np.ndarray]:
        v = (self._volumes @ x).reshape(len(INDICATOR_VOLUMES), -1)
        t = dict(zip(INDICATOR_VOLUMES, v, strict=True))
        t["final_demand"] = final_demand(t)
        return t

    def _revenue_table(self, x: np.ndarray, volumes: Mapping[str, np.ndarray]) -> dict:
        """What :func:`revenue_ratio_arrays` reads of a solution vector."""
        out: dict[str, Any] = {"domestic_sales": volumes["domestic_sales"],
                               "exports": volumes["exports"], "cpi": float(x[self._cpi])}
        for name, at in self._prices.items():
            out[name] = np.where(at >= 0, x[np.maximum(at, 0)], 1.0)
        return out

    def _trade_balance(self, x: np.ndarray, foreign: bool = False) -> float:
        """Exports less imports at world prices, in domestic (or ``foreign``) currency."""
        balance = sum(sign * float(np.dot(x[p], x[q])) for sign, p, q in self._trade)
        return float(balance if foreign else x[self._eps] * balance)

    def macro(self, cf: np.ndarray) -> dict[str, tuple[float, float]]:
        """Economy-wide indicators as (base, counterfactual) levels; see
        :func:`macro_indicators`."""
        x0, x1 = self.base, np.asarray(cf, dtype=float)
        v0, v1 = self._base_volumes, self._volume_table(x1)
        out: dict[str, tuple[float, float]] = {}
        out["real_gdp"] = tuple(float(expenditure_gdp(v).sum())
                                for v in (v0, v1))
        c0, c1 = (self._consumption @ x for x in (x0, x1))
        out["real_household_consumption"] = (float(c0.sum()), float(c1.sum()))
        for i in self._by_household:
            out[f"real_household_consumption[{self.households[i]}]"] = (float(c0[i]),
                                                                         float(c1[i]))
        ev = (x1[self._utility] - x0[self._utility]) * self._unit_cost
        out["equivalent_variation"] = (0.0, float(ev.sum()))
        for h, e in zip(self.households, ev.tolist(), strict=True):
            out[f"equivalent_variation[{h}]"] = (0.0, e)
        if self.labour is not None:
            out["real_wage"] = tuple(float(x[self._wage] / x[self._cpi]) for x in (x0, x1))
        out["real_exchange_rate"] = tuple(float(x[self._eps] / x[self._cpi]) for x in (x0, x1))
        out["trade_balance"] = (self._trade_balance(x0), self._trade_balance(x1))
        out["government_saving"] = (float(x0[self._gov_saving]), float(x1[self._gov_saving]))
        if self.has_unemployment(x1):
            u = (float(x0[self._unemployed]), float(x1[self._unemployed]))
            out["unemployment"] = u
            out["unemployment_rate"] = (100 * u[0] / float(x0[self._force]),
                                        100 * u[1] / float(x1[self._force]))
        return out

    def ev_decomposition(self, cf: np.ndarray) -> dict[str, float]:
        """The equivalent variation split into :data:`EV_COMPONENTS` (SAM units).

        An exact identity at base prices (docs/indicators.md): the components add up to
        :math:`\\sum_h EV_h`; ``substitution`` and ``consumption_composition`` are the
        curvature of the CES/CET nests and of utility, second order and never positive.
        """
        x0, x1 = self.base, np.asarray(cf, dtype=float)
        v0, v1 = self._base_volumes, self._volume_table(x1)
        d = {k: v1[k] - v0[k] for k in v0}
        ev = float(((x1[self._utility] - x0[self._utility]) * self._unit_cost).sum())
        gdp = float(expenditure_gdp(d).sum())
        out = {
            "terms_of_trade": sum(sign * float(np.dot(x1[p] - x0[p], x1[q]))
                                  for sign, p, q in self._trade),
            "external_balance": -(self._trade_balance(x1, foreign=True)
                                  - self._trade_balance(x0, foreign=True)),
            "government_consumption": -float(d["government_consumption"].sum()),
            "saving_investment": -float(d["investment_demand"].sum()),
        }

        def level(x, positions, missing=0.0):
            return np.where(positions >= 0, x[np.maximum(positions, 0)], missing)

        out["factor_employment"] = float(np.dot(self._factor_price0,
                                                level(x1, self._factor_use)
                                                - level(x0, self._factor_use)))
        y1 = level(x1, self._value_added)
        a0, a1 = (level(x, self._productivity, 1.0) for x in (x0, x1))
        out["technology"] = float(np.dot(1 - a0 / a1, y1))
        t = self._tax0
        # base price of imports to users: CIF, duty, import VAT on the duty-inclusive value
        import_cost = (1 + t["import_tariff_rate"]) * (1 + t["import_tax_rate"])
        out["allocative_efficiency"] = float(
            np.dot(self._production_tax0, level(x1, self._output) - level(x0, self._output))
            + np.dot(t["export_tax_rate"], d["exports"])
            + np.dot(t["sales_tax_rate"], d["domestic_sales"] + import_cost * d["imports"])
            + np.dot(import_cost - 1, d["imports"]))
        out["substitution"] = gdp - (out["factor_employment"] + out["technology"]
                                     + out["allocative_efficiency"])
        out["consumption_composition"] = ev - float(d["household_consumption"].sum())
        total = sum(out.values())
        if abs(total - ev) > EV_ADDING_UP_TOL * max(abs(ev), 1e-9 * abs(gdp), 1e-12):
            log.warning("the EV decomposition adds up to %.9g, not to the EV %.9g", total, ev)
        return {k: out[k] for k in EV_COMPONENTS}

    def linear_changes(self, change: np.ndarray) -> dict[str, float]:
        """The indicators linear in the variables, for a change of the variable vector:
        ``equivalent_variation`` and ``real_gdp_change`` (GDP at base prices, SAM units).
        Contributions to a change (:mod:`cge.subtotals`) add up as the changes do."""
        dx = np.asarray(change, dtype=float)
        v = self._volume_table(dx)
        return {"equivalent_variation": float((dx[self._utility] * self._unit_cost).sum()),
                "real_gdp_change": float(expenditure_gdp(v).sum())}

    def has_unemployment(self, cf: np.ndarray) -> bool:
        """Labour can be unemployed: a fixed real wage, or unemployment in either solution."""
        if self.labour is None:
            return False
        return self._labour_slack_closure or bool(self.base[self._unemployed] != 0
                                             or cf[self._unemployed] != 0)

    def by_labour_type(self, cf: np.ndarray) -> list[tuple]:
        """Rows of each labour type where a SAM has several: ``real_wage_by_labour_type``
        (percent change), ``employment_by_labour_type`` and ``labour_force_by_labour_type``
        (base, counterfactual), and ``unemployment_by_labour_type`` and
        ``unemployment_rate_by_labour_type`` (percent) for the types that can be
        unemployed."""
        x0, x1, out = self.base, np.asarray(cf, dtype=float), []
        for f, (slack, wage, idle, force, jobs) in self._labour_types.items():
            out.append(("real_wage_by_labour_type", f, None, None, _pct(
                *(float(x[wage] / x[self._cpi]) for x in (x0, x1)))))
            out.append(("employment_by_labour_type", f, _num(x0[jobs].sum()),
                        _num(x1[jobs].sum()), None))
            out.append(("labour_force_by_labour_type", f, _num(x0[force]), _num(x1[force]),
                        None))
            if slack or x0[idle] != 0 or x1[idle] != 0:
                out.append(("unemployment_by_labour_type", f, _num(x0[idle]), _num(x1[idle]),
                            None))
                out.append(("unemployment_rate_by_labour_type", f,
                            _num(100 * x0[idle] / x0[force]), _num(100 * x1[idle] / x1[force]),
                            None))
        return out

    def employment(self, cf: np.ndarray) -> dict[str, tuple[float, float]]:
        """Labour of every type employed by activity, (base, counterfactual)."""
        if self.labour is None:
            return {}
        return {a: (float(b), float(c)) for a, b, c in zip(
            self.employers, self._employment @ self.base,
            self._employment @ np.asarray(cf, dtype=float), strict=True)}

    # -- the rows ----------------------------------------------------------------------
    def rows(self, cf: np.ndarray, *, decomposition: bool = True) -> list[tuple]:
        """``(indicator, index, base, counterfactual, value)`` of a counterfactual vector:
        the long form of :func:`indicators` (:func:`indicator_frame`).

        ``decomposition=False`` leaves out the EV decomposition, an identity only against
        the benchmark (whose prices are one), not against a later period of a path.
        """
        x1 = np.asarray(cf, dtype=float)
        C = self.commodities
        out: list[tuple] = []
        v1 = self._volume_table(x1)
        s = sector_arrays(self._base_volumes, v1, self._export_price)
        s["absorption_ratio_by_revenue"] = revenue_ratio_arrays(
            self._revenue_table(self.base, self._base_volumes), self._revenue_table(x1, v1))
        for name, column in (("absorption_ratio", "absorption_ratio"),
                             ("absorption_ratio_by_revenue", "absorption_ratio_by_revenue"),
                             ("export_change", "exports_change")):
            out += [(name, c, None, None, r)
                    for c, r in zip([*C, "total"], _nums(s[column]), strict=True)]
        for name in ("imbalance", "structural_gap"):
            out += [("sectoral_imbalance" if name == "imbalance" else name, c, b, x, None)
                    for c, b, x in zip(C, _nums(s[f"{name}_base"][:-1]),
                                       _nums(s[f"{name}_counterfactual"][:-1]), strict=True)]
        macro = self.macro(x1)
        gdp = macro["real_gdp"]
        out.append(("real_gdp", "_", None, None, _pct(*gdp)))
        out.append(("gdp", "_", _num(gdp[0]), _num(gdp[1]), None))
        out.append(("real_household_consumption", "_", None, None,
                    _pct(*macro["real_household_consumption"])))
        out += [("real_household_consumption_by_household", _inner(k), None, None, _pct(*v))
                for k, v in macro.items() if k.startswith("real_household_consumption[")]
        out.append(("equivalent_variation", "_", None, None,
                    _num(macro["equivalent_variation"][1])))
        out += [("equivalent_variation_by_household", _inner(k), None, None, _num(v[1]))
                for k, v in macro.items() if k.startswith("equivalent_variation[")]
        if decomposition:
            out += [("equivalent_variation_decomposition", k, None, None, _num(v))
                    for k, v in self.ev_decomposition(x1).items()]
        out.append(("real_exchange_rate", "_", None, None, _pct(*macro["real_exchange_rate"])))
        for name in ("trade_balance", "government_saving"):
            out.append((name, "_", _num(macro[name][0]), _num(macro[name][1]), None))
        out += self._fact_rows
        if self.labour is None:
            return out
        out += self.by_labour_type(x1)
        out.append(("real_wage", "_", None, None, _pct(*macro["real_wage"])))
        if "unemployment" in macro:
            out += [("employment", a, _num(b), _num(c), None)
                    for a, (b, c) in self.employment(x1).items()]
            for name in ("unemployment", "unemployment_rate"):
                out.append((name, "_", _num(macro[name][0]), _num(macro[name][1]), None))
        return out


def macro_indicators(base, cf, model=None) -> pd.DataFrame:
    """Economy-wide indicators: ``base``, ``counterfactual``, ``change`` and ``percent``.

    Rows: ``real_gdp`` (GDP at base prices), ``real_household_consumption`` (total and
    ``[h]`` by household), ``equivalent_variation`` (total and by household; base 0),
    ``real_wage``, ``real_exchange_rate``, ``trade_balance``, ``government_saving``,
    ``unemployment`` and ``unemployment_rate`` (percent of the labour force) where labour
    can be unemployed (:meth:`IndicatorPlan.macro`).
    """
    plan = IndicatorPlan.for_solutions(base, cf, model)
    out = pd.DataFrame(plan.macro(cf.values.vector), index=["base", "counterfactual"]).T
    out.index.name = "indicator"
    out["change"] = out["counterfactual"] - out["base"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["percent"] = (100 * out["change"] / out["base"].abs()).where(out["base"] != 0)
    return out


def real_gdp(sol) -> float:
    """GDP at base prices (expenditure side): final demand plus exports minus imports."""
    v = volumes(sol)
    return float(expenditure_gdp(v).sum())


def employment(base, cf, model=None) -> pd.DataFrame:
    """Labour employed by activity: ``base``, ``counterfactual``, ``percent``."""
    plan = IndicatorPlan.for_solutions(base, cf, model)
    out = pd.DataFrame(plan.employment(cf.values.vector), index=["base", "counterfactual"]).T
    if out.empty:
        return pd.DataFrame(columns=["base", "counterfactual", "percent"])
    out.index.name = "activity"
    out["percent"] = 100 * (out["counterfactual"] - out["base"]) / out["base"]
    return out


# -- the JSON section ---------------------------------------------------------------------
def indicators(base, cf, model=None) -> dict[str, Any]:
    """All indicators of one run, JSON-ready and labelled by the SAM's accounts.

    Parameters
    ----------
    base, cf : Solution
        Benchmark and counterfactual.
    model : CGEModel, optional
        Names the labour account (otherwise the first factor whose label
        :func:`cge.sam.roles.is_labour` reads as labour).

    Returns
    -------
    dict
        ``absorption_ratio`` ``{commodity: r, ..., "total": r}`` (``None`` where exports
        do not fall) and ``export_change`` (the denominators' sign and size, base-price
        volumes); ``sectoral_imbalance`` and ``structural_gap``
        ``{commodity: {"base": x, "counterfactual": y}}``; ``employment``
        ``{activity: {"base": x, "counterfactual": y}}`` and ``unemployment`` (closures
        with a fixed real wage only); ``real_gdp``, ``real_household_consumption``,
        ``real_wage``, ``real_exchange_rate`` (percent changes); ``equivalent_variation``
        (total, SAM units) and ``equivalent_variation_by_household``; ``trade_balance``
        and ``government_saving`` ``{"base": x, "counterfactual": y}``; ``gdp`` (levels).
        The same numbers as the batch store's (:meth:`IndicatorPlan.rows`).
    """
    rows = IndicatorPlan.for_solutions(base, cf, model).rows(cf.values.vector)
    return indicator_dict(rows)


def indicator_dict(rows) -> dict[str, Any]:
    """Indicator rows ``(indicator, index, base, counterfactual, value)`` as the JSON
    section (the inverse of :func:`indicator_frame`)."""
    out: dict[str, Any] = {}
    for name, key, b, c, value in rows:
        entry = value if (b is None and c is None) else {"base": b, "counterfactual": c}
        if key == "_":
            out[name] = entry
        elif name in NESTED_INDICATORS:
            outer, inner = key.rsplit(",", 1)
            out.setdefault(name, {}).setdefault(outer, {})[inner] = entry
        else:
            out.setdefault(name, {})[key] = entry
    return out


#: Indicators with two index levels (``{commodity: {set: value}}`` in the JSON, index
#: ``"commodity,set"`` in the long form).
NESTED_INDICATORS = ("multiplier_absorption_ratio",)

def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _nums(values) -> list[float | None]:
    """:func:`_num` of every entry of an array."""
    return [x if math.isfinite(x) else None for x in np.asarray(values, dtype=float).tolist()]


def _inner(key: str) -> str:
    return key[key.index("[") + 1:-1]


def indicator_frame(data: dict[str, Any]) -> pd.DataFrame:
    """The ``indicators`` section of a ``cge run`` JSON as a long table.

    Columns ``indicator``, ``index`` (account label or ``_``), ``base``,
    ``counterfactual``, ``value`` (the scalar of percent-change and ratio indicators).
    """
    rows = []
    for name, entry in data.items():
        if isinstance(entry, dict):
            if set(entry) == {"base", "counterfactual"}:
                rows.append((name, "_", entry["base"], entry["counterfactual"], None))
                continue
            for key, x in entry.items():
                if isinstance(x, dict) and set(x) == {"base", "counterfactual"}:
                    rows.append((name, key, x.get("base"), x.get("counterfactual"), None))
                elif isinstance(x, dict):
                    rows += [(name, f"{key},{inner}", None, None, v) for inner, v in x.items()]
                else:
                    rows.append((name, key, None, None, x))
        else:
            rows.append((name, "_", None, None, entry))
    return pd.DataFrame(rows, columns=["indicator", "index", "base", "counterfactual",
                                       "value"])
