"""Reports of dynamic runs: per-period tables, a workbook with periods as columns, time paths.

A dynamic ``cge run`` JSON (a scenario with ``dynamics:``) has ``periods`` (one label per
period), ``results[variable][index] = {"base": [...], "counterfactual": [...]}`` (one value
per period; the base is business as usual), ``equivalent_variation_by_period`` and
``equivalent_variation`` (discounted at the interest rate); optionally
``indicators_by_period`` (one ``indicators`` section per period, :func:`cge.indicators.indicators`)
and ``path_indicators`` (``{indicator: {index: {"base": [...], "counterfactual": [...]}}}``,
levels of each path such as output shares). :mod:`cge.report` hands such runs here::

    runs = load_runs(["out/"])
    write_path_workbook(runs, "paths.xlsx")     # summary, welfare, indicators, one sheet per block
    write_path_figures(runs, "figures/")        # GDP, welfare and output paths
    band_figure(periods, draws, ...)            # Monte Carlo bands of a batch (cge batch-report)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ConfigError, Problem
from .report import (
    BLOCKS,
    KINDS,
    variable_kind,
    variable_unit,
    write_table,
)

log = logging.getLogger("cge")

#: The rows of a variable on a block sheet: label -> (what, kind of number or None for the
#: variable's own kind).
SERIES = {"base": ("the business-as-usual path", None),
          "counterfactual": ("the path with the scenario's shocks", None),
          "% deviation": ("counterfactual over base, percent change", "percent")}

#: The default Monte Carlo band: percentiles drawn around the median.
BAND = (5.0, 95.0)

#: Indicator rows written to the ``indicators`` sheet from ``indicators_by_period``.
PATH_INDICATORS = ("gdp", "real_gdp", "real_household_consumption", "equivalent_variation",
                   "real_wage", "real_exchange_rate", "absorption_ratio",
                   "sectoral_imbalance", "structural_gap", "trade_balance",
                   "government_saving", "unemployment_rate")


def is_path_run(data: Mapping) -> bool:
    """Whether a run JSON is of a dynamic scenario (it has ``periods``)."""
    return "periods" in data


def check_path_runs(runs: Mapping[str, dict]) -> bool:
    """True when every run is dynamic, False when none is; a ConfigError for a mix."""
    dynamic = [n for n, d in runs.items() if is_path_run(d)]
    if not dynamic:
        return False
    if len(dynamic) < len(runs):
        static = [n for n in runs if n not in dynamic]
        raise ConfigError("static and dynamic results in one report", [Problem(
            "mixed_runs", ", ".join(static), "static runs given with dynamic runs "
            f"({', '.join(dynamic)})", "report static and dynamic runs separately")])
    return True


def periods_of(runs: Mapping[str, dict]) -> list[str]:
    """The period labels of the runs (the union, in order of first appearance)."""
    return list(dict.fromkeys(str(p) for d in runs.values() for p in d["periods"]))


# -- tidy tables --------------------------------------------------------------------------
def path_frame(runs: Mapping[str, dict]) -> pd.DataFrame:
    """Every variable of every period of every run, long: ``scenario``, ``variable``,
    ``index``, ``period``, ``base``, ``counterfactual``, ``change``, ``percent``."""
    frames = []
    for name, data in runs.items():
        periods = [str(p) for p in data["periods"]]
        for var, entries in data["results"].items():
            for k, e in entries.items():
                frames.append(pd.DataFrame({
                    "scenario": name, "variable": var, "index": k, "period": periods,
                    "base": np.asarray(e["base"], dtype=float),
                    "counterfactual": np.asarray(e["counterfactual"], dtype=float)}))
    columns = ["scenario", "variable", "index", "period", "base", "counterfactual"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    out["change"] = out["counterfactual"] - out["base"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["percent"] = (100 * out["change"] / out["base"].abs()).where(out["base"] != 0)
    return out


def path_summary(runs: Mapping[str, dict]) -> pd.DataFrame:
    """One row per run: status, first and last period, the discounted EV, the undiscounted
    sum of EV(t), and the interest rate that discounts it."""
    rows = {}
    for name, data in runs.items():
        ev = [float(x) for x in data.get("equivalent_variation_by_period") or ()]
        dyn = data.get("dynamics") or {}
        rows[name] = {"status": data.get("status"),
                      "first period": str(data["periods"][0]),
                      "last period": str(data["periods"][-1]),
                      "EV discounted": data.get("equivalent_variation"),
                      "EV sum": sum(ev) if ev else None,
                      "interest rate": dyn.get("interest_rate")}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "scenario"
    return out


def welfare_table(runs: Mapping[str, dict]) -> pd.DataFrame:
    """EV(t) by run (rows) and period (columns), SAM units."""
    periods = periods_of(runs)
    rows = {}
    for name, data in runs.items():
        ev = [float(x) for x in data.get("equivalent_variation_by_period") or ()]
        rows[name] = pd.Series(ev, index=[str(p) for p in data["periods"]][:len(ev)],
                               dtype=float)
    table = pd.DataFrame(rows).T
    table = table.reindex(columns=periods)
    table.index.name = "scenario"
    return table


def indicator_paths(runs: Mapping[str, dict]) -> pd.DataFrame:
    """Indicators by period, long: ``scenario``, ``indicator``, ``index``, ``series``
    (``base``, ``counterfactual`` or ``value``), ``period``, ``number``.

    From ``indicators_by_period`` (each period's ``indicators`` section, the rows of
    :data:`PATH_INDICATORS`) and ``path_indicators`` (levels of each path).
    """
    from .indicators import indicator_frame

    rows = []
    for name, data in runs.items():
        periods = [str(p) for p in data["periods"]]
        for period, section in zip(periods, data.get("indicators_by_period") or (),
                                   strict=False):
            t = indicator_frame(section or {})
            t = t[t["indicator"].isin(PATH_INDICATORS)]
            for ind, idx, b, c, v in t.itertuples(index=False):
                for series, x in (("base", b), ("counterfactual", c), ("value", v)):
                    if x is not None and not pd.isna(x):
                        rows.append((name, ind, idx, series, period, float(x)))
        for ind, entries in (data.get("path_indicators") or {}).items():
            for idx, e in entries.items():
                for series in ("base", "counterfactual"):
                    rows += [(name, ind, idx, series, p, float(x)) for p, x in
                             zip(periods, e.get(series) or (), strict=False) if x is not None]
    return pd.DataFrame(rows, columns=["scenario", "indicator", "index", "series", "period",
                                       "number"])


# -- workbook -----------------------------------------------------------------------------
def block_table(tidy: pd.DataFrame, names: Sequence[str], periods: Sequence[str],
                unit: str) -> tuple[pd.DataFrame, dict]:
    """A block's sheet: rows ``scenario, variable, index, unit, series`` (base,
    counterfactual, % deviation: :data:`SERIES`), one column per period, and the kind of
    number of each cell (per row)."""
    part = tidy[tidy["variable"].isin(names)]
    ids = ["scenario", "variable", "index"]
    if part.empty:
        return pd.DataFrame(columns=[*ids, "unit", "series", *periods]), {}
    order = {n: i for i, n in enumerate(names)}
    frames = []
    for series, column in (("base", "base"), ("counterfactual", "counterfactual"),
                           ("% deviation", "percent")):
        wide = part.pivot_table(index=ids, columns="period", values=column, aggfunc="first",
                                dropna=False, sort=False).reindex(columns=list(periods))
        wide.insert(0, "series", series)
        frames.append(wide.reset_index())
    out = pd.concat(frames, ignore_index=True)
    scenarios = {n: i for i, n in enumerate(dict.fromkeys(part["scenario"]))}
    out["_order"] = list(zip(out["scenario"].map(scenarios), out["variable"].map(order),
                             out["index"], out["series"].map(list(SERIES).index), strict=True))
    out = out.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
    out.columns.name = None
    out.insert(3, "unit", [("%" if s == "% deviation" else variable_unit(v, unit))
                           for v, s in zip(out["variable"], out["series"], strict=True)])
    kinds_by_row = np.array([SERIES[s][1] or variable_kind(v) for v, s in
                             zip(out["variable"], out["series"], strict=True)], dtype=object)
    kinds = {c: "text" for c in (*ids, "unit", "series")}
    kinds.update({p: kinds_by_row for p in periods})
    return out, kinds


def write_path_workbook(runs: Mapping[str, dict], path: str | Path, *,
                        unit: str | None = None) -> Path:
    """Write the workbook of dynamic runs: ``summary``, ``welfare`` (EV by period),
    ``indicators`` (by period), one sheet per block of variables (:data:`cge.report.BLOCKS`)
    with the periods as columns, ``dynamics`` (the results of the path alone, such as the
    capital stock of each period) and ``notes``.

    Every sheet has bold headers, number formats by kind (values in the SAM's unit with
    thousands separators, prices as indices, percent deviations), the identifying columns
    and the header row frozen, and an autofilter.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .report import run_unit

    check_path_runs(runs)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    unit = run_unit(runs, unit)
    periods = periods_of(runs)
    sheets: list[tuple[str, pd.DataFrame, dict, list[str], str]] = []
    summary = path_summary(runs).reset_index()
    kinds = {"scenario": "text", "status": "text", "first period": "text",
             "last period": "text", "EV discounted": "value", "EV sum": "value",
             "interest rate": "number"}
    sheets.append(("summary", summary, kinds,
                   [f"{c}, {unit}" if kinds[c] == "value" else c for c in summary.columns],
                   "B2"))
    welfare = welfare_table(runs).reset_index()
    sheets.append(("welfare", welfare, {"scenario": "text", **dict.fromkeys(periods, "value")},
                   ["scenario", *periods], "B2"))
    ind = indicator_paths(runs)
    if not ind.empty:
        wide = (ind.pivot_table(index=["scenario", "indicator", "index", "series"],
                                columns="period", values="number", aggfunc="first",
                                sort=False)
                .reindex(columns=periods).reset_index())
        wide.columns.name = None
        by_row = np.array([_indicator_kind(i, s) for i, s in
                           zip(wide["indicator"], wide["series"], strict=True)], dtype=object)
        wide.insert(4, "unit", [KINDS[k].unit.format(unit=unit) for k in by_row])
        kinds = {**dict.fromkeys(("scenario", "indicator", "index", "series", "unit"), "text"),
                 **dict.fromkeys(periods, by_row)}
        sheets.append(("indicators", wide, kinds, list(wide.columns), "F2"))
    tidy = path_frame(runs)
    known = {n for names in BLOCKS.values() for n in names}
    others = tuple(dict.fromkeys(v for v in tidy["variable"] if v not in known))
    for block, names in {**BLOCKS, "dynamics": others}.items():
        table, kinds = block_table(tidy, names, periods, unit)
        if not table.empty:
            sheets.append((block, table, kinds, list(table.columns), "F2"))
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame, kinds, headers, freeze in sheets:
        write_table(wb.create_sheet(name), frame, kinds, headers, freeze=freeze)
    ws = wb.create_sheet("notes")
    ws.cell(1, 1, "Notes").font = Font(name="Calibri", bold=True, size=13)
    notes = [
        f"Values and quantities are in {unit} (volumes at base prices); prices are indices "
        "(1 in the benchmark).",
        "Columns are periods. On the block sheets each variable has three rows: base (the "
        "business-as-usual path), counterfactual (the path with the scenario's shocks) and "
        "% deviation (counterfactual over base, percent).",
        "welfare: the equivalent variation of each period, EV(t), at the period's base "
        "prices; the summary's EV discounted is the sum over t of EV(t)/(1 + r)^t.",
        "indicators: each period's indicators of the counterfactual against the base of "
        "the same period (docs/indicators.md); value rows are percent changes or ratios.",
    ]
    for i, line in enumerate(notes, start=2):
        ws.cell(i, 1, line)
    wb.save(path)
    log.info("wrote %s", path)
    return path


def _indicator_kind(indicator: str, series: str) -> str:
    if series != "value":
        if "share" in indicator:
            return "share"
        return "percent" if indicator.endswith("_growth") else "value"
    if indicator in ("absorption_ratio",):
        return "ratio"
    return "value" if indicator == "equivalent_variation" else "percent"


# -- figures ------------------------------------------------------------------------------
def write_path_figures(runs: Mapping[str, dict], out_dir: str | Path, *,
                       unit: str | None = None, bands: Mapping | None = None) -> list[Path]:
    """PNG time paths of dynamic runs: real GDP (levels and % deviation), EV by period, and
    output by activity (% deviation from the base path).

    ``bands``: ``{(variable, index): DataFrame}`` of Monte Carlo draws (one row per draw,
    one column per period, percent deviation), drawn as :data:`BAND` bands (the batch
    report gives them).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .report import run_unit

    check_path_runs(runs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    unit = run_unit(runs, unit)
    written = []
    for name, fig in (("gdp_path", gdp_path_figure(runs, unit)),
                      ("welfare_path", welfare_path_figure(runs, unit)),
                      ("output_path", variable_path_figure(runs, "output", bands=bands))):
        if fig is None:
            continue
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=120, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def period_axis(ax) -> None:
    """The x axis of a time path: labelled "period", whole periods (years) as ticks."""
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel("period")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _positions(periods: Sequence[str]) -> np.ndarray | list[str]:
    """Numeric x positions when the periods are years or numbers, else the labels."""
    try:
        return np.array([float(p) for p in periods])
    except ValueError:
        return list(periods)


def gdp_path_figure(runs: Mapping[str, dict], unit: str):
    """Real GDP along each path: levels of the base and counterfactual (left, SAM units at
    base prices) and the percent deviation (right). None without ``gdp`` in
    ``indicators_by_period``."""
    import matplotlib.pyplot as plt

    ind = indicator_paths(runs)
    gdp = ind[ind["indicator"] == "gdp"]
    if gdp.empty:
        return None
    fig, (ax, dev) = plt.subplots(1, 2, figsize=(11, 4))
    for k, (name, part) in enumerate(gdp.groupby("scenario", sort=False)):
        wide = part.pivot_table(index="period", columns="series", values="number",
                                sort=False)
        x = _positions(list(wide.index))
        if k == 0:
            ax.plot(x, wide["base"], color="k", lw=1.5, label="base (business as usual)")
        ax.plot(x, wide["counterfactual"], lw=1.5, ls="--", label=name)
        dev.plot(x, 100 * (wide["counterfactual"] / wide["base"] - 1), lw=1.5, label=name)
    from matplotlib.ticker import StrMethodFormatter

    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_title("Real GDP")
    period_axis(ax)
    ax.set_ylabel(f"real GDP ({unit}, at base prices)")
    ax.legend(fontsize=8)
    dev.axhline(0, color="k", lw=0.5)
    dev.set_title("Real GDP, deviation from the base path")
    period_axis(dev)
    dev.set_ylabel("% deviation from the base path")
    dev.legend(fontsize=8)
    fig.tight_layout()
    return fig


def welfare_path_figure(runs: Mapping[str, dict], unit: str):
    """EV(t) by period, one line per run, with the discounted total in the legend."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import StrMethodFormatter

    table = welfare_table(runs)
    fig, ax = plt.subplots(figsize=(7, 4))
    x = _positions(list(table.columns))
    for name, row in table.iterrows():
        total = runs[name].get("equivalent_variation")
        label = name if total is None else f"{name} (discounted total {total:,.1f})"
        ax.plot(x, row.to_numpy(dtype=float), marker="o", ms=3, label=label)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_title("Welfare: equivalent variation by period")
    period_axis(ax)
    ax.set_ylabel(f"equivalent variation ({unit})")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.legend(fontsize=8)
    return fig


def variable_path_figure(runs: Mapping[str, dict], variable: str, *,
                         bands: Mapping | None = None):
    """Percent deviation of ``variable`` from the base path, one panel per index, one
    line per run, with Monte Carlo bands where ``bands`` has draws for the index."""
    tidy = path_frame(runs)
    part = tidy[tidy["variable"] == variable]
    if part.empty:
        return None

    def draw(ax, key):
        for name, rows in part[part["index"] == key].groupby("scenario", sort=False):
            ax.plot(_positions(list(rows["period"])), rows["percent"].to_numpy(dtype=float),
                    lw=1.5, label=name)
        draws = (bands or {}).get((variable, key))
        if draws is not None:
            draw_band(ax, draws)

    return deviation_panels(variable, list(dict.fromkeys(part["index"])), draw)


def deviation_panels(variable: str, keys: list, draw):
    """A figure of one panel per index ``key`` of ``variable``, each drawn by
    ``draw(ax, key)``, with the zero line, the periods on the x axis and the y axis in %
    deviation from the base path."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.8), squeeze=False,
                             sharey=True)
    for ax, key in zip(axes[0], keys, strict=True):
        draw(ax, key)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(f"{variable} [{key}]")
        period_axis(ax)
    axes[0][0].set_ylabel("% deviation from the base path")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def band_quantiles(draws: pd.DataFrame, band: tuple[float, float] = BAND) -> pd.DataFrame:
    """Rows ``low``, ``median``, ``high`` of draws (rows) by period (columns)."""
    q = draws.quantile([band[0] / 100, 0.5, band[1] / 100])
    q.index = ["low", "median", "high"]
    return q


def draw_band(ax, draws: pd.DataFrame, band: tuple[float, float] = BAND, *,
              colour: str = "C0", label: str = "draws") -> None:
    """The median of the draws and the band between two percentiles, over periods."""
    q = band_quantiles(draws, band)
    x = _positions([str(c) for c in draws.columns])
    ax.fill_between(x, q.loc["low"].to_numpy(dtype=float), q.loc["high"].to_numpy(dtype=float),
                    color=colour, alpha=0.25,
                    label=f"{label}: {band[0]:g}-{band[1]:g} % band ({len(draws)} draws)")
    ax.plot(x, q.loc["median"].to_numpy(dtype=float), color=colour, lw=1.2, ls=":",
            label=f"{label}: median")


def band_figure(draws: pd.DataFrame, *, title: str, ylabel: str,
                band: tuple[float, float] = BAND, central: pd.Series | None = None):
    """A figure of one quantity's draws over periods: the band, the median and, if given,
    a central path (e.g. the run at the central elasticities)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    draw_band(ax, draws, band)
    if central is not None:
        ax.plot(_positions([str(c) for c in central.index]), central.to_numpy(dtype=float),
                color="k", lw=1.5, label="central")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_title(title)
    period_axis(ax)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return fig


__all__ = ["BAND", "band_figure", "band_quantiles", "block_table", "check_path_runs",
           "draw_band", "indicator_paths", "is_path_run", "path_frame", "path_summary",
           "periods_of", "welfare_table", "write_path_figures", "write_path_workbook"]
