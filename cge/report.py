"""Reports of ``cge run`` results: tidy tables, an Excel workbook with native charts, figures.

Everything here reads the JSON layout of ``cge run`` (:meth:`cge.runs.RunResult.to_json_dict`),
so a report can be made from files long after the runs::

    runs = load_runs(["out/"])                  # files or folders of *.json
    summary_frame(runs)                         # one row per scenario
    write_workbook(runs, "report.xlsx")         # summary, one sheet per block, charts
    write_figures(runs, "figures/")             # absorption, output and prices, welfare
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .errors import ConfigError, Problem
from .flows import sheets

log = logging.getLogger("cge")

#: Workbook sheets: block name -> result variables it holds (from :data:`cge.flows.RESULTS`).
BLOCKS: dict[str, tuple[str, ...]] = sheets()

#: Summary columns: label -> indicator key in the JSON ``indicators`` section.
SUMMARY_COLUMNS = {
    "real GDP %": "real_gdp",
    "household consumption %": "real_household_consumption",
    "EV": "equivalent_variation",
    "real wage %": "real_wage",
    "real exchange rate %": "real_exchange_rate",
}


# -- reading ------------------------------------------------------------------------------
def load_runs(paths: Iterable[str | Path]) -> dict[str, dict]:
    """``cge run`` JSON files (or folders of them) as ``{scenario: data}``, in order.

    A scenario name found in more than one file is keyed ``"name (file stem)"`` for each
    of them (a ConfigError when the stems do not tell them apart either), so no run
    silently replaces another.
    """
    paths = list(paths)
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(p.glob("*.json")))
        elif p.exists():
            files.append(p)
        else:
            raise ConfigError(f"results {p} not found", [Problem(
                "missing_file", str(p), "no such file or folder",
                "give cge run JSON files (--json) or a folder of them")])
    unique: dict[Path, Path] = {}
    for f in files:                          # each file once, in the order given
        unique.setdefault(f.resolve(), f)
    found: list[tuple[str, Path, dict]] = []
    problems = []
    for f in unique.values():
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            problems.append(Problem("bad_json", str(f), f"not readable JSON: {exc}",
                                    "give files written by cge run --json"))
            continue
        if not isinstance(data, dict) or "results" not in data or "scenario" not in data:
            problems.append(Problem("not_a_run", str(f), "not a cge run result (no 'results')",
                                    "give files written by cge run --json"))
            continue
        found.append((str(data["scenario"]), f, data))
    if problems:
        raise ConfigError("unreadable results", problems)
    runs = _keyed_by_scenario(found)
    if not runs:
        raise ConfigError("no results found", [Problem(
            "empty", ", ".join(map(str, paths)), "no JSON files",
            "write results with cge run SCENARIO.yaml --json OUT.json")])
    return runs


def _keyed_by_scenario(found: list[tuple[str, Path, dict]]) -> dict[str, dict]:
    """``{name: data}``; a name of several files becomes ``"name (stem)"`` for each."""
    files_of: dict[str, list[Path]] = {}
    for name, f, _ in found:
        files_of.setdefault(name, []).append(f)
    runs: dict[str, dict] = {}
    problems = []
    for name, f, data in found:
        key = name if len(files_of[name]) == 1 else f"{name} ({f.stem})"
        if key in runs:
            problems.append(Problem("duplicate_run", str(f), f"scenario {name!r} again, "
                                    f"from a file named like {key!r}",
                                    "give one of the files only, or rename it"))
            continue
        runs[key] = data
    if problems:
        raise ConfigError("results that cannot be told apart", problems)
    return runs


# -- tidy tables --------------------------------------------------------------------------
def results_frame(runs: Mapping[str, dict]) -> pd.DataFrame:
    """Every variable of every run: ``scenario``, ``variable``, ``index``, ``base``,
    ``counterfactual``, ``change``, ``percent``."""
    rows = [(name, var, k, e["base"], e["counterfactual"])
            for name, data in runs.items()
            for var, entries in data["results"].items()
            for k, e in entries.items()]
    out = pd.DataFrame(rows, columns=["scenario", "variable", "index", "base",
                                      "counterfactual"])
    out["change"] = out["counterfactual"] - out["base"]
    out["percent"] = (100 * out["change"] / out["base"].abs()).where(out["base"] != 0)
    return out


def summary_frame(runs: Mapping[str, dict]) -> pd.DataFrame:
    """One row per run: closure, the macro indicators, unemployment, employment and
    absorption ratios (columns ``AR <commodity>`` and ``AR total``)."""
    rows = {}
    for name, data in runs.items():
        ind = data.get("indicators") or {}
        cl = data.get("closure", {})
        row = {"closure": f"{cl.get('labour', '')}, {cl.get('capital', '')}, "
                          f"{cl.get('savings_investment', '')}, {cl.get('external', '')}",
               "status": data.get("status")}
        for label, key in SUMMARY_COLUMNS.items():
            row[label] = ind.get(key)
        if row["EV"] is None:   # results written without the indicators section
            row["EV"] = data.get("equivalent_variation")
        for key, label in (("trade_balance", "trade balance change"),
                           ("government_saving", "government saving change")):
            e = ind.get(key)
            row[label] = None if not e else e["counterfactual"] - e["base"]
        u = ind.get("unemployment_rate")
        row["unemployment rate %"] = u["counterfactual"] if u else 0.0
        row["employment %"] = employment_change(ind)
        for c, r in (ind.get("absorption_ratio") or {}).items():
            row[f"AR {c}"] = r
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "scenario"
    return out


def employment_change(indicators: Mapping) -> float:
    """Percent change of labour employed in all activities (0 under full employment)."""
    jobs = indicators.get("employment")
    if not jobs:
        return 0.0
    b = sum(x["base"] for x in jobs.values())
    c = sum(x["counterfactual"] for x in jobs.values())
    return 100.0 * (c - b) / b


def sector_frame(runs: Mapping[str, dict]) -> pd.DataFrame:
    """Sector indicators of every run: ``scenario``, ``commodity``, ``absorption_ratio``,
    ``imbalance_base``/``_counterfactual``, ``structural_gap_base``/``_counterfactual``."""
    rows = []
    for name, data in runs.items():
        ind = data.get("indicators") or {}
        imb, gap = ind.get("sectoral_imbalance", {}), ind.get("structural_gap", {})
        d_exports = ind.get("export_change", {})
        for c, ar in (ind.get("absorption_ratio") or {}).items():
            rows.append({"scenario": name, "commodity": c, "absorption_ratio": ar,
                         "export_change": d_exports.get(c),
                         "imbalance_base": imb.get(c, {}).get("base"),
                         "imbalance_counterfactual": imb.get(c, {}).get("counterfactual"),
                         "structural_gap_base": gap.get(c, {}).get("base"),
                         "structural_gap_counterfactual": gap.get(c, {}).get("counterfactual")})
    return pd.DataFrame(rows)


# -- workbook -----------------------------------------------------------------------------
def write_workbook(runs: Mapping[str, dict], path: str | Path) -> Path:
    """Write the report workbook: ``summary``, ``indicators``, one sheet per block, charts.

    Sheets ``production``, ``trade``, ``demand``, ``factors``, ``institutions`` hold the
    tidy rows of their variables (percent changes beside levels); ``charts`` holds native
    Excel bar charts of real GDP and EV by scenario and of absorption ratios by sector.
    """
    from openpyxl.utils import get_column_letter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    summary, sectors, tidy = summary_frame(runs), sector_frame(runs), results_frame(runs)
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        summary.to_excel(xl, sheet_name="summary")
        sectors.to_excel(xl, sheet_name="indicators", index=False)
        for block, names in BLOCKS.items():
            part = tidy[tidy["variable"].isin(names)]
            part.to_excel(xl, sheet_name=block, index=False)
        wb = xl.book
        for ws in wb.worksheets:
            ws.freeze_panes = "B2"
            for j in range(1, ws.max_column + 1):
                ws.column_dimensions[get_column_letter(j)].width = 14 if j > 1 else 34
        _charts(wb, summary, sectors)
    log.info("wrote %s", path)
    return path


def _charts(wb, summary: pd.DataFrame, sectors: pd.DataFrame) -> None:
    """Native bar charts on a ``charts`` sheet, drawing on the summary and a small table."""
    from openpyxl.chart import BarChart, Reference

    ws_sum = wb["summary"]
    n = len(summary)
    headers = [c.value for c in ws_sum[1]]
    ws = wb.create_sheet("charts")
    cats = Reference(ws_sum, min_col=1, min_row=2, max_row=n + 1)
    for label, anchor in (("real GDP %", "A1"), ("EV", "J1")):
        chart = BarChart()
        chart.type = "bar"
        chart.title = {"real GDP %": "Real GDP, % change", "EV": "Equivalent variation"}[label]
        col = headers.index(label) + 1
        chart.add_data(Reference(ws_sum, min_col=col, min_row=1, max_row=n + 1),
                       titles_from_data=True)
        chart.set_categories(cats)
        chart.height, chart.width = max(7.5, 0.5 * n), 16
        chart.legend = None
        ws.add_chart(chart, anchor)
    ar = sectors.pivot(index="scenario", columns="commodity", values="absorption_ratio")
    ar = ar.reindex(summary.index).dropna(how="all")
    start = max(20, int(0.5 * n * 2) + 4)
    ws.cell(start, 1, "scenario")
    for j, c in enumerate(ar.columns, start=2):
        ws.cell(start, j, f"AR {c}")
    for i, (name, row) in enumerate(ar.iterrows(), start=start + 1):
        ws.cell(i, 1, name)
        for j, v in enumerate(row, start=2):
            ws.cell(i, j, None if pd.isna(v) else float(v))
    chart = BarChart()
    chart.title = "Absorption ratio by sector (domestic sales change / -export change)"
    chart.add_data(Reference(ws, min_col=2, max_col=1 + len(ar.columns), min_row=start,
                             max_row=start + len(ar)), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(ar)))
    chart.height, chart.width = 9, 22
    ws.add_chart(chart, f"A{start + len(ar) + 2}")


# -- figures ------------------------------------------------------------------------------
def write_figures(runs: Mapping[str, dict], out_dir: str | Path,
                  bounds: Mapping[str, float] | None = None) -> list[Path]:
    """PNG figures: absorption by sector and closure, output and price changes, welfare.

    ``bounds``: fixed-price absorption bounds by commodity (and ``"total"``), drawn on the
    absorption figure (see :func:`absorption_figure`).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in (("absorption", lambda r: absorption_figure(r, bounds)),
                       ("output_prices", output_figure), ("welfare", welfare_figure)):
        fig = draw(runs)
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=120, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def _label(name: str, data: dict) -> str:
    cl = data.get("closure", {})
    run = "short run" if cl.get("labour") == "fixed_real_wage" else "long run"
    return f"{name}\n({run})"


def absorption_figure(runs: Mapping[str, dict], bounds: Mapping[str, float] | None = None):
    """Grouped bars of the absorption ratio by sector whose exports fall, and in total,
    one group per run, with the line of full absorption (AR = 1) and, when given, the
    fixed-price (demand-driven) bounds by commodity and ``"total"`` as dotted lines in the
    colour of their bars."""
    import matplotlib.pyplot as plt

    sectors = sector_frame(runs)
    # only where exports fall: a ratio over an export rise answers another question
    losing = (sectors["commodity"] == "total") | (sectors["export_change"] < 0)
    ar = sectors[losing].pivot(index="scenario", columns="commodity", values="absorption_ratio")
    ar = ar.reindex([n for n in runs if n in ar.index]).dropna(how="all")
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(ar)), 4))
    ar.index = [_label(n, runs[n]) for n in ar.index]
    ar.plot.bar(ax=ax, rot=0)
    colours = {c: bars.patches[0].get_facecolor()
               for c, bars in zip(ar.columns, ax.containers, strict=True)}
    for key, value in (bounds or {}).items():
        if key in colours:
            ax.axhline(value, color=colours[key], lw=1.2, ls=":",
                       label=f"fixed-price bound ({key})")
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label="full absorption")
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_ylabel("domestic sales change / -export change")
    ax.set_title("Absorption of the export change by the home market")
    ax.legend(fontsize=8)
    return fig


def output_figure(runs: Mapping[str, dict]):
    """Percent changes of output (by activity) and domestic prices (by commodity)."""
    import matplotlib.pyplot as plt

    tidy = results_frame(runs)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, var, title in zip(axes, ("output", "price_domestic"),
                              ("Output, % change", "Price of home sales, % change"),
                              strict=True):
        t = tidy[tidy["variable"] == var].pivot(index="index", columns="scenario",
                                                values="percent")
        t = t[[n for n in runs if n in t.columns]]
        t.columns = [_label(n, runs[n]) for n in t.columns]
        t.plot.bar(ax=ax, rot=0, legend=ax is axes[0])
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(title)
        ax.set_xlabel("")
    if axes[0].get_legend():
        axes[0].legend(fontsize=7)
    return fig


def welfare_figure(runs: Mapping[str, dict]):
    """Equivalent variation by household and run."""
    import matplotlib.pyplot as plt

    ev = pd.DataFrame({_label(n, d): d.get("equivalent_variation_by_household", {})
                       for n, d in runs.items()}).T
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(ev) + 3), 4))
    ev.plot.bar(ax=ax, rot=90 if len(ev) > 4 else 0)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_ylabel("equivalent variation (SAM units)")
    ax.set_title("Welfare: equivalent variation by household")
    return fig
