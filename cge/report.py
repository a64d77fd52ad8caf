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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConfigError, Problem
from .flows import RESULTS, UNITS, sheets

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


# -- units and formats ---------------------------------------------------------------------
#: The unit of runs whose JSON names none.
DEFAULT_UNIT = "SAM units"
#: Headers wrap beyond this many characters when the values are narrower.
HEADER_WIDTH = 16
#: Shock parameters that hit a commodity's exports: absorption ratios answer the absorption
#: question only for runs with such a shock.
EXPORT_SHOCKS = ("export_demand", "world_export_price", "export_tax_rate")
#: Text columns are at most this many characters wide; longer text wraps.
TEXT_WIDTH = 45
#: Variables whose names start so are prices (indices, one in the benchmark) when the JSON
#: does not give a variable's kind.
PRICE_PREFIXES = ("price_", "cpi", "exchange_rate", "factor_price", "world_")


@dataclass(frozen=True)
class Kind:
    """A kind of number: its Excel number format and its unit (``{unit}``: the SAM's)."""

    number_format: str
    unit: str


#: Kinds of numbers in reports.
KINDS: dict[str, Kind] = {
    "value": Kind("#,##0.00", "{unit}"),
    "percent": Kind('#,##0.00"%"', "%"),
    "ratio": Kind("0.000", "ratio"),
    "share": Kind("0.0000", "share"),
    "index": Kind("0.0000", "index, benchmark = 1"),
    "number": Kind("#,##0.000", ""),
    "text": Kind("General", ""),
}


@dataclass(frozen=True)
class Column:
    """A column of the workbook's tables: header, kind of number, definition."""

    header: str
    kind: str
    definition: str


#: Every column of the workbook's tables (the ``notes`` sheet prints this table).
#: ``AR {c}`` stands for the absorption-ratio column of each commodity ``c``.
COLUMNS: dict[str, Column] = {
    "scenario": Column("scenario", "text", "the run: its scenario name (with the file stem "
                       "when two files hold the same scenario)"),
    "closure": Column("closure", "text", "labour, capital, savings-investment and external "
                      "closure of the run"),
    "status": Column("status", "text", "solver status of the counterfactual"),
    "real GDP %": Column("real GDP %", "percent", "percent change of real GDP: expenditure "
                         "side, C + G + I + X - M at base prices"),
    "household consumption %": Column("household consumption %", "percent", "percent change "
                                      "of real household consumption, all households, at "
                                      "base prices"),
    "EV": Column("EV", "value", "equivalent variation, all households: the change of income "
                 "at benchmark prices worth the counterfactual utility; positive is a gain"),
    "real wage %": Column("real wage %", "percent", "percent change of the wage over the "
                          "consumer price index (zero under a fixed real wage)"),
    "real exchange rate %": Column("real exchange rate %", "percent", "percent change of the "
                                   "exchange rate over the CPI; a rise is a real "
                                   "depreciation"),
    "trade balance change": Column("trade balance change", "value", "change of exports minus "
                                   "imports at world prices times the exchange rate"),
    "government saving change": Column("government saving change", "value", "change of "
                                       "government saving (the budget surplus)"),
    "unemployment rate %": Column("unemployment rate %", "percent", "unemployment created by "
                                  "the shock, percent of the labour force (0 under full "
                                  "employment)"),
    "employment %": Column("employment %", "percent", "percent change of labour employed in "
                           "all activities (0 under full employment)"),
    "AR {c}": Column("AR {c}", "ratio", "absorption ratio of commodity {c} (total: all "
                     "commodities): change of home sales of domestic output over minus the "
                     "change of exports; 1 is full absorption; defined only where exports "
                     "fall"),
    "commodity": Column("commodity", "text", "commodity account of the SAM (total: all "
                        "commodities)"),
    "absorption_ratio": Column("absorption ratio", "ratio", "change of home sales of domestic "
                               "output over minus the change of exports; 1 is full absorption, "
                               "below 0 home sales fall too; empty where exports do not fall"),
    "export_change": Column("export change", "value", "change of exports, base-price volume "
                            "(the denominator of the absorption ratio, with its sign)"),
    "imbalance_base": Column("imbalance index, base", "ratio", "net exports over domestic "
                             "output in the benchmark; positive for a net exporter"),
    "imbalance_counterfactual": Column("imbalance index, counterfactual", "ratio", "net "
                                       "exports over domestic output after the shock"),
    "structural_gap_base": Column("structural gap, base", "share", "share of domestic output "
                                  "minus share of domestic final demand, benchmark"),
    "structural_gap_counterfactual": Column("structural gap, counterfactual", "share",
                                            "share of domestic output minus share of "
                                            "domestic final demand, after the shock"),
    "variable": Column("variable", "text", "result variable (docs/scenarios.md, the JSON "
                       "result)"),
    "index": Column("index", "text", "account label(s) of the variable; _ for a scalar"),
    "unit": Column("unit", "text", "unit of base, counterfactual and change on this row: the "
                   "SAM's unit for quantities and values, an index (1 in the benchmark) for "
                   "prices"),
    "base": Column("base", "by row", "level in the benchmark (replicates the SAM)"),
    "counterfactual": Column("counterfactual", "by row", "level after the shock"),
    "change": Column("change", "by row", "counterfactual minus base"),
    "percent": Column("change %", "percent", "change over the absolute base level, percent"),
}


def run_unit(runs: Mapping[str, dict], unit: str | None = None) -> str:
    """The unit of the runs' values: ``unit`` if given, else the SAM unit their JSON names
    (``sam.unit``; several joined by ``" / "``), else :data:`DEFAULT_UNIT`."""
    if unit:
        return unit
    named = list(dict.fromkeys(str(u) for u in (
        (d.get("sam") or {}).get("unit") for d in runs.values()) if u))
    return " / ".join(named) or DEFAULT_UNIT


#: Units of the result registry (:data:`cge.flows.UNITS`) shown as indices.
INDEX_UNITS = ("price", "foreign_price", "utility")


def variable_kind(name: str) -> str:
    """``"index"`` for prices, ``"value"`` for quantities and values (in the SAM's unit).

    A reported variable's unit in the result registry (:data:`cge.flows.RESULTS`) decides;
    a name the registry does not know is a price when it starts with one of
    :data:`PRICE_PREFIXES`.
    """
    if name in RESULTS:
        return "index" if RESULTS[name].unit in INDEX_UNITS else "value"
    return "index" if name.startswith(PRICE_PREFIXES) else "value"


def variable_unit(name: str, unit: str) -> str:
    """The unit of a reported variable: its registry unit (:data:`cge.flows.UNITS`, e.g.
    "100 million yuan, at base prices"), or that of its kind for a name the registry does
    not know."""
    if name in RESULTS:
        return UNITS[RESULTS[name].unit].format(sam_unit=unit)
    return KINDS[variable_kind(name)].unit.format(unit=unit)


def column(name: str) -> Column:
    """The :data:`COLUMNS` entry of a column name (``AR C_SEC`` reads ``AR {c}``)."""
    if name in COLUMNS:
        return COLUMNS[name]
    if name.startswith("AR "):
        c = name[3:]
        entry = COLUMNS["AR {c}"]
        return Column(entry.header.format(c=c), entry.kind, entry.definition.format(c=c))
    return Column(name, "text", "")


def header(name: str, unit: str) -> str:
    """The header of a column with its unit: ``EV, 100 million yuan``, ``structural gap,
    base (share)``; percent and ratio headers say their unit already."""
    col = column(name)
    if col.kind == "value":
        return f"{col.header}, {unit}"
    if col.kind in ("share", "index"):
        return f"{col.header} ({KINDS[col.kind].unit})"
    return col.header


# -- workbook -----------------------------------------------------------------------------
def write_workbook(runs: Mapping[str, dict], path: str | Path, *, unit: str | None = None,
                   headline: pd.DataFrame | None = None,
                   bounds: Mapping[str, float] | None = None,
                   tables: Mapping[str, pd.DataFrame] | None = None) -> Path:
    """Write the report workbook: ``summary``, ``indicators``, one sheet per block,
    ``charts`` and ``notes``.

    Parameters
    ----------
    runs : mapping
        ``{name: cge run JSON}`` (:func:`load_runs`).
    path : str or Path
    unit : str, optional
        The unit of the values (default: :func:`run_unit`).
    headline : DataFrame, optional
        A table (:func:`cge.headline.headline_table`) written first, on sheet ``headline``.
    bounds : mapping, optional
        Fixed-price absorption bounds by commodity and ``"total"``, drawn as reference lines
        on the absorption chart.
    tables : mapping, optional
        More titled tables, ``{sheet: DataFrame}``, written after ``headline``: a table
        with ``attrs["rows"]`` (:func:`cge.headline.grid_table`) as the headline table is,
        one with ``attrs["columns"]`` (``{column: (kind, definition)}``,
        :func:`cge.headline.policy_table`) column by column; ``attrs["reading"]`` (lines
        of text) is written under the title.

    Every table has bold headers that name the unit, number formats by kind (thousands
    separators, ``%``), column widths from the content, frozen headers and an autofilter;
    the ``notes`` sheet defines every column (:data:`COLUMNS`).

    Dynamic runs (JSON with ``periods``) get the workbook of
    :func:`cge.path_report.write_path_workbook` (periods as columns).
    """
    from .path_report import check_path_runs, write_path_workbook

    if check_path_runs(runs):
        return write_path_workbook(runs, path, unit=unit)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    unit = run_unit(runs, unit)
    summary = summary_frame(runs).reset_index()
    sectors, tidy = sector_frame(runs), results_frame(runs)
    titled = {"headline": headline, **(tables or {})}
    titled = {name: t for name, t in titled.items() if t is not None and not t.empty}
    tables: list[tuple[str, pd.DataFrame, dict[str, Any]]] = []
    for name, table in titled.items():
        tables.append((name, *_titled_sheet(table)))
    tables.append(("summary", summary, {c: column(c).kind for c in summary.columns}))
    tables.append(("indicators", sectors, {c: column(c).kind for c in sectors.columns}))
    for block, names in BLOCKS.items():
        part = tidy[tidy["variable"].isin(names)].reset_index(drop=True)
        kinds = part["variable"].map(variable_kind)
        part.insert(3, "unit", part["variable"].map(lambda v: variable_unit(v, unit)))
        per_row = {c: kinds.to_numpy() for c in ("base", "counterfactual", "change")}
        tables.append((block, part, {c: per_row.get(c, column(c).kind) for c in part.columns}))
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame, kinds in tables:
        ws = wb.create_sheet(name)
        if name in titled:
            attrs = titled[name].attrs
            title = ws.cell(1, 1, attrs.get("title", ""))
            title.font = Font(name="Calibri", bold=True, size=13)
            lines = list(attrs.get("reading", ()))
            for i, line in enumerate(lines):
                ws.cell(2 + i, 1, line)
            row = 3 + len(lines)
            keep = 2 if "columns" in attrs else 1      # the policy and its closure
            write_table(ws, frame, kinds, list(frame.columns), row=row,
                        freeze=f"{'ABC'[keep]}{row + 1}")
        else:
            write_table(ws, frame, kinds, [header(c, unit) for c in frame.columns],
                        freeze=_freeze(frame))
    _charts(wb, summary.set_index("scenario"), _absorption_table(runs), unit, bounds)
    _notes(wb, [(n, f) for n, f, _ in tables], unit, titled)
    wb.save(path)
    log.info("wrote %s", path)
    return path


def _freeze(frame: pd.DataFrame) -> str:
    """Freeze the header row and the columns that name a row (scenario, variable, index)."""
    from openpyxl.utils import get_column_letter

    ids = [c for c in frame.columns if column(c).kind == "text" and c != "closure"
           and c != "status"]
    keep = len(ids) if list(frame.columns[:len(ids)]) == ids else 1
    return f"{get_column_letter(keep + 1)}2"


def _titled_sheet(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A titled table as a sheet: by column when it defines its columns (``attrs["columns"]``),
    else by row (:func:`_headline_sheet`)."""
    columns = table.attrs.get("columns")
    if columns is None:
        return _headline_sheet(table)
    frame = table.reset_index(drop=True)
    return frame, {c: columns.get(c, ("ratio", ""))[0] for c in frame.columns}


def _headline_sheet(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The headline table as rows of a sheet, each row's kind from its label."""
    rows = table.attrs.get("rows", {})
    frame = table.rename_axis("indicator").reset_index()
    kinds = frame["indicator"].map(lambda r: rows[r][0] if r in rows else _kind_of_label(r))
    return frame, {c: "text" if c == "indicator" else kinds.to_numpy() for c in frame.columns}


def _kind_of_label(label: str) -> str:
    return "percent" if label.rstrip().endswith("%") else "ratio"


def write_table(ws, frame: pd.DataFrame, kinds: Mapping[str, Any], headers: list[str], *,
                freeze: str | None = "B2", row: int = 1, text_width: int = TEXT_WIDTH,
                print_titles: bool = True) -> None:
    """Write ``frame`` on ``ws`` from ``row``: bold wrapped headers, number formats by kind
    (:data:`KINDS`; a kind per column or an array of one per row), widths from the content
    (text wraps beyond ``text_width`` characters), frozen panes and an autofilter over the
    table; printed landscape, one page wide (the header on every page: ``print_titles``)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(name="Calibri", size=11, bold=True)
    for j, (name, text) in enumerate(zip(frame.columns, headers, strict=True), start=1):
        cell = ws.cell(row, j, text)
        cell.font = bold
        numbers = not isinstance(kinds.get(name, "text"), str) or kinds.get(name) != "text"
        cell.alignment = Alignment(wrap_text=True, vertical="top",
                                   horizontal="right" if numbers else "left")
    lines, tall = 1, {}
    for j, name in enumerate(frame.columns, start=1):
        kind = kinds.get(name, "text")
        values = frame[name].to_numpy()
        width = min(max(len(str(headers[j - 1])), 6), HEADER_WIDTH)
        for i, v in enumerate(values, start=row + 1):
            k = kind if isinstance(kind, str) else kind[i - row - 1]
            cell = ws.cell(i, j, _cell_value(v))
            if cell.value is None:
                continue
            if k != "text" and isinstance(cell.value, float):
                cell.number_format = KINDS[k].number_format
                width = max(width, len(_shown(cell.value, k)))
            elif len(str(cell.value)) > text_width:     # long text wraps in its cell
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                width = text_width
                tall[i] = max(tall.get(i, 1), _lines(str(cell.value), int(1.1 * text_width)))
            else:
                width = max(width, len(str(cell.value)))
        ws.column_dimensions[get_column_letter(j)].width = 1.1 * width + 2
        lines = max(lines, _lines(str(headers[j - 1]), width))
    ws.row_dimensions[row].height = 15 * lines    # wrapped headers show whole
    for i, n in tall.items():
        ws.row_dimensions[i].height = 15 * n
        for cell in ws[i]:
            if not cell.alignment.wrap_text:
                cell.alignment = Alignment(vertical="top")
    last = f"{get_column_letter(len(headers))}{row + len(frame)}"
    ws.auto_filter.ref = f"A{row}:{last}"
    if freeze:
        ws.freeze_panes = freeze
    _print_setup(ws, row if print_titles else None)


def _print_setup(ws, header_row: int | None) -> None:
    """Print (and PDF) landscape, one page wide, ``header_row`` repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"


def _lines(text: str, width: int) -> int:
    """Lines ``text`` takes when wrapped at word boundaries in ``width`` characters."""
    import textwrap

    return max(1, len(textwrap.wrap(text, max(width, 1))))


def _cell_value(v):
    """A value openpyxl writes: missing values (None, NaN, NaT, NA) as blank cells."""
    if v is None or (not isinstance(v, str) and bool(pd.isna(v))):
        return None
    if hasattr(v, "item"):       # numpy scalars
        v = v.item()
    return v


def _shown(value: float, kind: str) -> str:
    """About what Excel shows for ``value`` in the number format of ``kind``."""
    decimals = KINDS[kind].number_format.split(".")[-1].count("0")
    text = f"{value:,.{decimals}f}"
    return text + "%" if kind == "percent" else text


#: Colours of chart series (bars and, for the bounds, the dashed line of the same commodity).
PALETTE = ("4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47", "264478", "9E480E")


def _charts(wb, summary: pd.DataFrame, ratios: pd.DataFrame, unit: str,
            bounds: Mapping[str, float] | None) -> None:
    """Native charts on a ``charts`` sheet: real GDP and EV by run (horizontal bars) and the
    absorption ratio by sector with the line of full absorption and the fixed-price bounds
    in the colour of their bars, drawing on the summary sheet and a table on the charts
    sheet. Category labels sit low, clear of bars below zero; every axis has a title."""
    from openpyxl.chart import BarChart, LineChart, Reference

    ws_sum = wb["summary"]
    n = len(summary)
    headers = ["scenario", *summary.columns]
    ws = wb.create_sheet("charts")
    cats = Reference(ws_sum, min_col=1, min_row=2, max_row=n + 1)
    height = max(7.5, 0.6 * n + 3)            # centimetres
    rows_per_chart = int(height * 2) + 2      # a default row is about half a centimetre
    for k, (label, title, axis, number_format) in enumerate((
            ("real GDP %", "Real GDP, % change from the benchmark",
             "real GDP, % change", '0.00"%"'),
            ("EV", f"Equivalent variation, all households ({unit})",
             f"equivalent variation, {unit}", "#,##0"))):
        chart = BarChart()
        chart.type = "bar"
        chart.title = title
        col = headers.index(label) + 1
        chart.add_data(Reference(ws_sum, min_col=col, min_row=1, max_row=n + 1),
                       titles_from_data=True)
        chart.set_categories(cats)
        chart.series[0].graphicalProperties.solidFill = PALETTE[0]
        _axes(chart, "run", axis, number_format)
        chart.height, chart.width = height, 18
        chart.legend = None
        ws.add_chart(chart, f"A{1 + k * rows_per_chart}")
    if ratios.empty:
        return
    start = 2 * rows_per_chart + 2
    table = ratios.copy()
    table.columns = [f"AR {c}" for c in table.columns]
    colours = dict(zip(ratios.columns, _cycle(PALETTE, len(ratios.columns)), strict=True))
    line_colours = []
    for c in ratios.columns:
        if bounds and c in bounds:
            table[f"fixed-price bound ({c})"] = float(bounds[c])
            line_colours.append(colours[c])
    table["full absorption"] = 1.0
    line_colours.append("000000")
    frame = table.rename_axis("scenario").reset_index()
    kinds = {c: "text" if c == "scenario" else "ratio" for c in frame.columns}
    write_table(ws, frame, kinds, list(frame.columns), freeze=None, row=start,
                print_titles=False)        # a table among charts: no header on every page
    ws.auto_filter.ref = None
    m = len(frame)
    bars = BarChart()
    bars.title = "Absorption ratio by sector: home sales change / -export change"
    bars.add_data(Reference(ws, min_col=2, max_col=1 + len(ratios.columns), min_row=start,
                            max_row=start + m), titles_from_data=True)
    categories = Reference(ws, min_col=1, min_row=start + 1, max_row=start + m)
    bars.set_categories(categories)
    for series, c in zip(bars.series, ratios.columns, strict=True):
        series.graphicalProperties.solidFill = colours[c]
    _axes(bars, "run", "absorption ratio (1 = full absorption)", "0.0")
    lines = LineChart()
    lines.add_data(Reference(ws, min_col=2 + len(ratios.columns), max_col=len(frame.columns),
                             min_row=start, max_row=start + m), titles_from_data=True)
    lines.set_categories(categories)
    for series, colour in zip(lines.series, line_colours, strict=True):
        series.smooth = False
        series.marker.symbol = "none"
        series.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.dashStyle = "dash"
        series.graphicalProperties.line.width = 19050           # 1.5 pt
    bars += lines
    bars.legend.position = "b"
    bars.height, bars.width = max(10.0, 0.8 * m + 6), max(18.0, 3.0 * m + 6)
    ws.add_chart(bars, f"A{start + m + 2}")


def _cycle(colours: tuple[str, ...], n: int) -> list[str]:
    return [colours[i % len(colours)] for i in range(n)]


def _axes(chart, categories: str, values: str, number_format: str) -> None:
    """Axis titles, category labels kept low (clear of bars below zero), both axes shown."""
    chart.x_axis.title = categories
    chart.y_axis.title = values
    chart.x_axis.tickLblPos = "low"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.number_format = number_format
    chart.y_axis.majorGridlines = None


def _notes(wb, tables: list[tuple[str, pd.DataFrame]], unit: str,
           titled: Mapping[str, pd.DataFrame]) -> None:
    """The ``notes`` sheet: the unit, then every column of the tables (and every row of the
    headline table and the grid), defined once with the sheets that have it."""
    from openpyxl.styles import Font

    ws = wb.create_sheet("notes")
    ws.cell(1, 1, "Notes").font = Font(name="Calibri", bold=True, size=13)
    ws.cell(2, 1, f"Values and quantities are in {unit} (the SAM's unit), volumes at base "
                  "prices; prices are indices (1 in the benchmark); % are percent changes "
                  "from the benchmark. Indicators are defined in docs/indicators.md.")
    rows: dict[tuple[str, str, str], list[str]] = {}
    for sheet, frame in tables:
        attrs = titled[sheet].attrs if sheet in titled else {}
        if "columns" in attrs:
            for name in frame.columns:
                kind, text = attrs["columns"].get(name, ("ratio", ""))
                shown = KINDS[kind].unit.format(unit=unit) if kind in KINDS else ""
                rows.setdefault((f"{name} ({sheet})", shown, text), []).append(sheet)
            continue
        if sheet in titled:
            for label in frame["indicator"]:
                kind, text = attrs.get("rows", {}).get(label, (_kind_of_label(label), ""))
                rows.setdefault((f"{label} (row)", KINDS[kind].unit.format(unit=unit), text),
                                []).append(sheet)
            continue
        for name in frame.columns:
            col = column(name)
            shown = KINDS[col.kind].unit.format(unit=unit) if col.kind in KINDS else "see unit"
            rows.setdefault((header(name, unit), shown, col.definition), []).append(sheet)
    frame = pd.DataFrame([(name, u, text, ", ".join(sheets))
                          for (name, u, text), sheets in rows.items()],
                         columns=["column", "unit", "definition", "sheets"])
    write_table(ws, frame, {c: "text" for c in frame.columns}, list(frame.columns),
                freeze="A5", row=4, text_width=90)


# -- figures ------------------------------------------------------------------------------
def write_figures(runs: Mapping[str, dict], out_dir: str | Path,
                  bounds: Mapping[str, float] | None = None, *,
                  unit: str | None = None) -> list[Path]:
    """PNG figures: absorption by sector and closure, output and price changes, welfare.

    ``bounds``: fixed-price absorption bounds by commodity (and ``"total"``), drawn on the
    absorption figure (see :func:`absorption_figure`); ``unit``: the unit of values
    (default: :func:`run_unit`). Dynamic runs get the time paths of
    :func:`cge.path_report.write_path_figures`.
    """
    from .path_report import check_path_runs, write_path_figures

    if check_path_runs(runs):
        return write_path_figures(runs, out_dir, unit=unit)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    unit = run_unit(runs, unit)
    written = []
    for name, draw in (("absorption", lambda r: absorption_figure(r, bounds)),
                       ("output_prices", output_figure),
                       ("welfare", lambda r: welfare_figure(r, unit))):
        fig = draw(runs)
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=120, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def _label(name: str, data: dict) -> str:
    cl = data.get("closure", {})
    slack = (cl.get("labour", "full_employment") != "full_employment"
             or cl.get("capital") == "excess_capacity")
    run = "short run" if slack else "long run"
    return f"{name}\n({run})"


def _absorption_table(runs: Mapping[str, dict]) -> pd.DataFrame:
    """Absorption ratios, one row per run with an export shock (:data:`EXPORT_SHOCKS`; all
    runs when none names its shocks), in order, and one column per commodity whose exports
    fall in some run, and ``total``: a ratio over an export rise, or over exports that move
    only as a response to prices, answers another question."""
    shocked = {n: d for n, d in runs.items() if _export_shocked(d)}
    sectors = sector_frame(shocked)
    if sectors.empty:
        return pd.DataFrame()
    losing = (sectors["commodity"] == "total") | (sectors["export_change"] < 0)
    ar = sectors[losing].pivot(index="scenario", columns="commodity", values="absorption_ratio")
    ar = ar.reindex([n for n in shocked if n in ar.index]).dropna(how="all")
    return ar[[c for c in ar.columns if c != "total"] + [c for c in ar.columns if c == "total"]]


def _export_shocked(data: Mapping) -> bool:
    shocks = data.get("shocks")
    return shocks is None or any(s.get("parameter") in EXPORT_SHOCKS for s in shocks)


def absorption_figure(runs: Mapping[str, dict], bounds: Mapping[str, float] | None = None):
    """Grouped bars of the absorption ratio by sector whose exports fall, and in total,
    one group per run, with the line of full absorption (AR = 1) and, when given, the
    fixed-price (demand-driven) bounds by commodity and ``"total"`` as dotted lines in the
    colour of their bars."""
    import matplotlib.pyplot as plt

    ar = _absorption_table(runs)
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(ar)), 4))
    ar.index = [_label(n, runs[n]) for n in ar.index]
    ar.columns = [f"AR {c}" for c in ar.columns]
    ar.plot.bar(ax=ax, rot=0)
    colours = {c.removeprefix("AR "): bars.patches[0].get_facecolor()
               for c, bars in zip(ar.columns, ax.containers, strict=True)}
    for key, value in (bounds or {}).items():
        if key in colours:
            ax.axhline(value, color=colours[key], lw=1.2, ls=":",
                       label=f"fixed-price bound ({key})")
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label="full absorption")
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_xlabel("run (closure)")
    ax.set_ylabel("absorption ratio: home sales change / -export change\n(ratio of base-price "
                  "volumes)")
    ax.set_title("Absorption of the export change by the home market")
    ax.legend(fontsize=8)
    return fig


def output_figure(runs: Mapping[str, dict]):
    """Percent changes of output (by activity) and domestic prices (by commodity)."""
    import matplotlib.pyplot as plt

    tidy = results_frame(runs)
    tidy = tidy.astype({"percent": float})
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, var, title, xlabel in zip(
            axes, ("output", "price_domestic"),
            ("Output, % change", "Price of home sales, % change"),
            ("activity", "commodity"), strict=True):
        t = tidy[tidy["variable"] == var].pivot(index="index", columns="scenario",
                                                values="percent")
        t = t[[n for n in runs if n in t.columns]]
        t.columns = [_label(n, runs[n]) for n in t.columns]
        if t.empty:                       # a model without the variable
            ax.text(0.5, 0.5, f"no {var} in the results", ha="center", transform=ax.transAxes)
        else:
            t.plot.bar(ax=ax, rot=0, legend=ax is axes[0])
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("% change from the benchmark")
    if axes[0].get_legend():
        axes[0].legend(fontsize=7)
    return fig


def welfare_figure(runs: Mapping[str, dict], unit: str | None = None):
    """Equivalent variation by household and run, in ``unit`` (default :func:`run_unit`)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import StrMethodFormatter

    unit = run_unit(runs, unit)
    ev = pd.DataFrame({_label(n, d): d.get("equivalent_variation_by_household", {})
                       for n, d in runs.items()}).T
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(ev) + 3), 4))
    ev.plot.bar(ax=ax, rot=90 if len(ev) > 4 else 0)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("run (closure)")
    ax.set_ylabel(f"equivalent variation ({unit})")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.legend(title="household", fontsize=8)
    ax.set_title("Welfare: equivalent variation by household")
    return fig
