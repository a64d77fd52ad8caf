"""Indicators of a counterfactual: the numbers that answer the internal-circulation question.

Every indicator compares a benchmark :class:`~cge.results.Solution` with a
counterfactual one. Quantities are the model's volumes: SAM units valued at
benchmark prices (every price is one in the benchmark, so a volume is what the
flow would cost at base prices).

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
                        change in exports that domestic sales of domestic output take up
                        (1: output unchanged, 0: output falls one for one, negative:
                        home sales fall too); the aggregate ``total`` is
                        :math:`\\sum_c \\Delta D_c / (-\\sum_c \\Delta E_c)`;
    imbalance index     :math:`(E_c - M_c) / X_c` with output :math:`X_c = D_c + E_c`;
    structural gap      :math:`X_c / \\sum_k X_k - FD_c / \\sum_k FD_k`, the sector's share of
                        output minus its share of domestic final demand
                        :math:`FD_c = \\sum_h X^p_{ch} + X^g_c + X^v_c`; positive where
                        the sector produces more than home final demand asks of it.

:func:`indicators` gathers both in the JSON layout of ``cge run``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

#: Export changes smaller than this share of base exports give no absorption ratio.
EXPORT_CHANGE_FLOOR = 1e-9


# -- building blocks ----------------------------------------------------------------------
def _by_commodity(sol, name: str, commodities: pd.Index) -> pd.Series:
    """A commodity-indexed variable, zero where the SAM has no such flow."""
    try:
        s = sol.table(name)
    except KeyError:
        return pd.Series(0.0, index=commodities)
    if s.index.nlevels == 2:  # household consumption (c, h)
        s = s.groupby(level=0).sum()
    return s.reindex(commodities, fill_value=0.0).astype(float)


def volumes(sol) -> pd.DataFrame:
    """Base-price volumes by commodity: output, exports, imports, home sales, final demand."""
    commodities = pd.Index(sol.table("composite_supply").index, name="commodity")
    t = pd.DataFrame({name: _by_commodity(sol, name, commodities) for name in (
        "exports", "imports", "domestic_sales", "household_consumption",
        "government_consumption", "investment_demand")})
    t["output"] = t["domestic_sales"] + t["exports"]
    t["final_demand"] = t[["household_consumption", "government_consumption",
                           "investment_demand"]].sum(axis=1)
    return t


def real_gdp(sol) -> float:
    """GDP at base prices (expenditure side): final demand plus exports minus imports."""
    v = volumes(sol)
    return float((v["final_demand"] + v["exports"] - v["imports"]).sum())


def _trade_balance(sol) -> float:
    eps = sol.value("exchange_rate")
    pwe = sol.table("trade.world_export_price")
    pwm = sol.table("trade.world_import_price")
    exports = (pwe * sol.table("exports").reindex(pwe.index)).sum()
    imports = (pwm * sol.table("imports").reindex(pwm.index)).sum()
    return float(eps * (exports - imports))


def _labour(sol, model) -> str | None:
    if model is not None:
        return model.accounts.labour
    from .sam.roles import is_labour

    factors = sol.table("factor_price").index
    return next((str(f) for f in factors if is_labour(str(f))), None)


def _pct(b: float, c: float) -> float | None:
    return None if b == 0 else 100.0 * (c - b) / abs(b)


# -- tidy views ---------------------------------------------------------------------------
def sector_indicators(base, cf) -> pd.DataFrame:
    """Absorption ratio, imbalance index and structural gap by commodity.

    Returns a table indexed by commodity (and a ``total`` row for the changes and the
    aggregate absorption ratio) with columns ``exports_change``,
    ``domestic_sales_change``, ``output_change``, ``absorption_ratio``,
    ``imbalance_base``, ``imbalance_counterfactual``, ``structural_gap_base``,
    ``structural_gap_counterfactual``.
    """
    v0, v1 = volumes(base), volumes(cf)
    out = pd.DataFrame(index=v0.index)
    out["exports_change"] = v1["exports"] - v0["exports"]
    out["domestic_sales_change"] = v1["domestic_sales"] - v0["domestic_sales"]
    out["output_change"] = v1["output"] - v0["output"]
    floor = EXPORT_CHANGE_FLOOR * max(1.0, float(v0["exports"].sum()))
    moved = out["exports_change"].abs() > floor
    out["absorption_ratio"] = (out["domestic_sales_change"]
                               / -out["exports_change"]).where(moved)
    for tag, v in (("base", v0), ("counterfactual", v1)):
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"imbalance_{tag}"] = ((v["exports"] - v["imports"]) / v["output"]).where(
                v["output"] != 0)
        out[f"structural_gap_{tag}"] = (v["output"] / v["output"].sum()
                                        - v["final_demand"] / v["final_demand"].sum())
    total = out[["exports_change", "domestic_sales_change", "output_change"]].sum()
    d_exports = total["exports_change"]
    total["absorption_ratio"] = (total["domestic_sales_change"] / -d_exports
                                 if abs(d_exports) > floor else np.nan)
    out.loc["total"] = total
    return out


def macro_indicators(base, cf, model=None) -> pd.DataFrame:
    """Economy-wide indicators: ``base``, ``counterfactual``, ``change`` and ``percent``.

    Rows: ``real_gdp``, ``real_household_consumption`` (total and ``[h]`` by household),
    ``equivalent_variation`` (total and by household; base 0), ``real_wage``,
    ``real_exchange_rate``, ``trade_balance``, ``government_saving``, ``unemployment``
    and ``unemployment_rate`` (percent of the labour force) where labour can be unemployed.
    """
    from .results import equivalent_variation

    rows: dict[str, tuple[float, float]] = {}
    rows["real_gdp"] = (real_gdp(base), real_gdp(cf))
    c0 = base.table("household_consumption").groupby(level=1).sum()
    c1 = cf.table("household_consumption").groupby(level=1).sum()
    rows["real_household_consumption"] = (float(c0.sum()), float(c1.sum()))
    for h in c0.index:
        rows[f"real_household_consumption[{h}]"] = (float(c0[h]), float(c1[h]))
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
    f0, f1 = base.table("factor_demand"), cf.table("factor_demand")
    if labour is None:
        return pd.DataFrame(columns=["base", "counterfactual", "percent"])
    b, c = f0.xs(labour, level=0), f1.xs(labour, level=0)
    out = pd.DataFrame({"base": b, "counterfactual": c})
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
        do not move) and ``export_change`` (the denominators' sign and size, base-price
        volumes); ``sectoral_imbalance`` and ``structural_gap``
        ``{commodity: {"base": x, "counterfactual": y}}``; ``employment``
        ``{activity: {"base": x, "counterfactual": y}}`` and ``unemployment`` (closures
        with a fixed real wage only); ``real_gdp``, ``real_household_consumption``,
        ``real_wage``, ``real_exchange_rate`` (percent changes); ``equivalent_variation``
        (total, SAM units) and ``equivalent_variation_by_household``; ``trade_balance``
        and ``government_saving`` ``{"base": x, "counterfactual": y}``; ``gdp`` (levels).
    """
    sectors = sector_indicators(base, cf)
    macro = macro_indicators(base, cf, model)
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
