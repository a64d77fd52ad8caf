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

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

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


def volumes(sol, export_price: pd.Series | None = None) -> pd.DataFrame:
    """Base-price volumes by commodity: output, exports, imports, home sales, final demand.

    ``output`` is valued at the producers' base prices, :math:`X_c = D_c + p^e_c E_c`,
    with ``export_price`` :math:`p^e_c` (default: the solution's own producer export
    price, :math:`1 - t^e_c` in the benchmark).
    """
    commodities = pd.Index(sol.levels("composite_supply").index, name="commodity")
    t = {name: _by_commodity(sol, name, commodities) for name in (
        "exports", "imports", "domestic_sales", "household_consumption",
        "government_consumption", "investment_demand")}
    if export_price is None:
        export_price = producer_export_price(sol)
    pe = export_price.reindex(commodities).to_numpy(dtype=float)
    t["output"] = t["domestic_sales"] + pe * t["exports"]
    t["final_demand"] = (t["household_consumption"] + t["government_consumption"]
                         + t["investment_demand"])
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


def real_gdp(sol) -> float:
    """GDP at base prices (expenditure side): final demand plus exports minus imports."""
    return _gdp(volumes(sol))


def _trade_balance(sol) -> float:
    eps = sol.value("exchange_rate")
    pwe = sol.levels("trade.world_export_price")
    pwm = sol.levels("trade.world_import_price")
    exports = (pwe * sol.levels("exports").reindex(pwe.index)).sum()
    imports = (pwm * sol.levels("imports").reindex(pwm.index)).sum()
    return float(eps * (exports - imports))


def _labour(sol, model) -> str | None:
    if model is not None:
        return model.accounts.labour
    from .sam.roles import is_labour

    factors = sol.levels("factor_price").index
    return next((str(f) for f in factors if is_labour(str(f))), None)


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


def _gdp(v: pd.DataFrame) -> float:
    return float((v["final_demand"] + v["exports"] - v["imports"]).sum())


def macro_indicators(base, cf, model=None, ev: pd.Series | None = None,
                     gdp: tuple[float, float] | None = None) -> pd.DataFrame:
    """Economy-wide indicators: ``base``, ``counterfactual``, ``change`` and ``percent``.

    Rows: ``real_gdp``, ``real_household_consumption`` (total and ``[h]`` by household),
    ``equivalent_variation`` (total and by household; base 0), ``real_wage``,
    ``real_exchange_rate``, ``trade_balance``, ``government_saving``, ``unemployment``
    and ``unemployment_rate`` (percent of the labour force) where labour can be unemployed.
    ``ev`` is the equivalent variation by household and ``gdp`` the base and
    counterfactual real GDP (:func:`real_gdp`), when already computed
    (:func:`cge.results.equivalent_variation`).
    """
    from .results import equivalent_variation

    rows: dict[str, tuple[float, float]] = {}
    rows["real_gdp"] = gdp if gdp is not None else (real_gdp(base), real_gdp(cf))
    c0 = base.levels("household_consumption").groupby(level=1).sum()
    c1 = cf.levels("household_consumption").groupby(level=1).sum()
    rows["real_household_consumption"] = (float(c0.sum()), float(c1.sum()))
    for h in c0.index:
        rows[f"real_household_consumption[{h}]"] = (float(c0[h]), float(c1[h]))
    if ev is None:
        ev = equivalent_variation(base, cf)
    rows["equivalent_variation"] = (0.0, float(ev.sum()))
    for h, x in ev.items():
        rows[f"equivalent_variation[{h}]"] = (0.0, float(x))
    labour = _labour(base, model)
    if labour is not None:
        rows["real_wage"] = tuple(s.value("factor_price", labour) / s.value("cpi")
                                  for s in (base, cf))
    rows["real_exchange_rate"] = tuple(s.value("exchange_rate") / s.value("cpi")
                                       for s in (base, cf))
    rows["trade_balance"] = (_trade_balance(base), _trade_balance(cf))
    rows["government_saving"] = (base.value("government_savings"),
                                 cf.value("government_savings"))
    if labour is not None and _has_unemployment(base, cf, labour):
        u = tuple(s.value("unemployment", labour) for s in (base, cf))
        force = tuple(s.value("markets.factor_endowment", labour) for s in (base, cf))
        rows["unemployment"] = u
        rows["unemployment_rate"] = (100 * u[0] / force[0], 100 * u[1] / force[1])
    out = pd.DataFrame(rows, index=["base", "counterfactual"]).T
    out.index.name = "indicator"
    out["change"] = out["counterfactual"] - out["base"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["percent"] = (100 * out["change"] / out["base"].abs()).where(out["base"] != 0)
    return out


def _has_unemployment(base, cf, labour: str) -> bool:
    closure = cf.closure or base.closure or {}
    if closure.get("labour") == "fixed_real_wage":
        return True
    return any(s.value("unemployment", labour) != 0 for s in (base, cf))


def employment(base, cf, model=None) -> pd.DataFrame:
    """Labour employed by activity: ``base``, ``counterfactual``, ``percent``."""
    labour = _labour(base, model)
    f0, f1 = base.levels("factor_demand"), cf.levels("factor_demand")
    if labour is None:
        return pd.DataFrame(columns=["base", "counterfactual", "percent"])
    b, c = f0.xs(labour, level=0), f1.xs(labour, level=0)
    out = pd.DataFrame({"base": b, "counterfactual": c})
    out.index.name = "activity"
    out["percent"] = 100 * (out["counterfactual"] - out["base"]) / out["base"]
    return out


# -- the JSON section ---------------------------------------------------------------------
def indicators(base, cf, model=None, ev: pd.Series | None = None) -> dict[str, Any]:
    """All indicators of one run, JSON-ready and labelled by the SAM's accounts.

    Parameters
    ----------
    base, cf : Solution
        Benchmark and counterfactual.
    model : CGEModel, optional
        Names the labour account (otherwise the first factor whose label
        :func:`cge.sam.roles.is_labour` reads as labour).
    ev : Series, optional
        Equivalent variation by household, when the caller has it (computed otherwise).

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
    """
    pe = producer_export_price(base)
    v0, v1 = volumes(base, pe), volumes(cf, pe)   # real GDP does not depend on pe
    sectors = _sector_table(v0, v1, pe)
    macro = macro_indicators(base, cf, model, ev, gdp=(_gdp(v0), _gdp(v1)))
    out: dict[str, Any] = {
        "absorption_ratio": {str(c): _num(r) for c, r in sectors["absorption_ratio"].items()},
        "export_change": {str(c): _num(x) for c, x in sectors["exports_change"].items()},
        "sectoral_imbalance": _pairs(sectors.drop(index="total"), "imbalance"),
        "structural_gap": _pairs(sectors.drop(index="total"), "structural_gap"),
        "real_gdp": _num(macro.at["real_gdp", "percent"]),
        "gdp": _levels(macro, "real_gdp"),
        "real_household_consumption": _num(macro.at["real_household_consumption", "percent"]),
        "real_household_consumption_by_household": {
            _inner(k): _num(macro.at[k, "percent"]) for k in macro.index
            if k.startswith("real_household_consumption[")},
        "equivalent_variation": _num(macro.at["equivalent_variation", "counterfactual"]),
        "equivalent_variation_by_household": {
            _inner(k): _num(macro.at[k, "counterfactual"]) for k in macro.index
            if k.startswith("equivalent_variation[")},
        "real_exchange_rate": _num(macro.at["real_exchange_rate", "percent"]),
        "trade_balance": _levels(macro, "trade_balance"),
        "government_saving": _levels(macro, "government_saving"),
    }
    if "real_wage" in macro.index:
        out["real_wage"] = _num(macro.at["real_wage", "percent"])
    if "unemployment" in macro.index:
        jobs = employment(base, cf, model)
        out["employment"] = {str(a): {"base": _num(r["base"]),
                                      "counterfactual": _num(r["counterfactual"])}
                             for a, r in jobs.iterrows()}
        out["unemployment"] = _levels(macro, "unemployment")
        out["unemployment_rate"] = _levels(macro, "unemployment_rate")
    return out


def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _levels(table: pd.DataFrame, row: str) -> dict[str, float | None]:
    return {"base": _num(table.at[row, "base"]),
            "counterfactual": _num(table.at[row, "counterfactual"])}


def _pairs(table: pd.DataFrame, stem: str) -> dict[str, dict[str, float | None]]:
    return {str(c): {"base": _num(r[f"{stem}_base"]),
                     "counterfactual": _num(r[f"{stem}_counterfactual"])}
            for c, r in table.iterrows()}


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
                if isinstance(x, dict):
                    rows.append((name, key, x.get("base"), x.get("counterfactual"), None))
                else:
                    rows.append((name, key, None, None, x))
        else:
            rows.append((name, "_", None, None, entry))
    return pd.DataFrame(rows, columns=["indicator", "index", "base", "counterfactual",
                                       "value"])
