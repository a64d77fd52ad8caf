"""Reports: tidy tables, the workbook (also as LibreOffice reads it), figures, the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from cge.cli import main
from cge.errors import ConfigError
from cge.report import (
    BLOCKS,
    employment_change,
    load_runs,
    results_frame,
    summary_frame,
    write_figures,
    write_workbook,
)

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "sam_data" / "scenarios"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    for name in ("china_export_demand_20_long", "china_export_demand_20_short"):
        assert main(["run", str(SCENARIOS / f"{name}.yaml"), "--json",
                     str(out / f"{name}.json"), "--quiet"]) == 0
    return out


@pytest.mark.solver
def test_tidy_tables(run_folder):
    runs = load_runs([run_folder])
    tidy = results_frame(runs)
    assert set(tidy["scenario"]) == set(runs)
    row = tidy[(tidy.variable == "exports") & (tidy["index"] == "C_SEC")]
    assert (row["percent"] < 0).all()
    summary = summary_frame(runs)
    assert summary.loc["china_export_demand_20_short", "unemployment rate %"] > 0
    assert summary.loc["china_export_demand_20_long", "unemployment rate %"] == 0


@pytest.mark.solver
def test_workbook_sheets_and_native_charts(run_folder, tmp_path):
    path = write_workbook(load_runs([run_folder]), tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert {"summary", "indicators", "charts", *BLOCKS} <= set(wb.sheetnames)
    with zipfile.ZipFile(path) as z:
        assert sum(n.startswith("xl/charts/chart") for n in z.namelist()) == 3


@pytest.mark.solver
def test_figures_are_written(run_folder, tmp_path):
    paths = write_figures(load_runs([run_folder]), tmp_path)
    assert [p.name for p in paths] == ["absorption.png", "output_prices.png", "welfare.png"]
    assert all(p.stat().st_size > 5000 for p in paths)


@pytest.mark.solver
def test_absorption_figure_draws_the_fixed_price_bounds_it_is_given(run_folder):
    import matplotlib

    matplotlib.use("Agg")
    from cge.report import absorption_figure

    fig = absorption_figure(load_runs([run_folder]), {"C_SEC": -1.6, "total": -2.6, "X": 9})
    lines = {line.get_label(): line.get_ydata()[0] for line in fig.axes[0].get_lines()}
    assert lines["fixed-price bound (C_SEC)"] == -1.6
    assert lines["fixed-price bound (total)"] == -2.6
    assert "fixed-price bound (X)" not in lines  # no bars, no bound


def _fake_run(name: str, gdp: float) -> dict:
    return {"scenario": name, "status": "optimal", "closure": {},
            "results": {"cpi": {"_": {"base": 1.0, "counterfactual": 1.01}}},
            "indicators": {"real_gdp": gdp}}


def test_runs_of_the_same_scenario_from_two_files_are_both_kept(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "long.json").write_text(json.dumps(_fake_run("tariff", 1.0)))
    (tmp_path / "short.json").write_text(json.dumps(_fake_run("tariff", 2.0)))
    runs = load_runs([tmp_path, tmp_path / "long.json"])     # a file named twice counts once
    assert list(runs) == ["tariff (long)", "tariff (short)"]
    assert summary_frame(runs)["real GDP %"].tolist() == [1.0, 2.0]
    assert results_frame(runs)["index"].tolist() == ["_", "_"]
    assert summary_frame(runs)["employment %"].tolist() == [0.0, 0.0]   # full employment

    (tmp_path / "a" / "long.json").write_text(json.dumps(_fake_run("tariff", 3.0)))
    with pytest.raises(ConfigError, match="cannot be told apart"):
        load_runs([tmp_path, tmp_path / "a"])


def test_employment_change_sums_every_activity():
    jobs = {"A1": {"base": 30.0, "counterfactual": 27.0}, "A2": {"base": 70.0,
                                                                "counterfactual": 71.0}}
    assert employment_change({"employment": jobs}) == pytest.approx(-2.0)   # 98 / 100


def test_bad_results_are_user_errors(tmp_path, capsys):
    (tmp_path / "x.json").write_text(json.dumps({"a": 1}))
    with pytest.raises(ConfigError, match="unreadable"):
        load_runs([tmp_path])
    assert main(["report", str(tmp_path / "missing.json")]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.solver
def test_cli_report(run_folder, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["report", str(run_folder), "--xlsx", str(out), "--figures",
                 str(tmp_path / "fig")]) == 0
    assert out.exists() and (tmp_path / "fig" / "absorption.png").exists()
    assert "china_export_demand_20_short" in capsys.readouterr().out


@pytest.mark.solver
def test_cli_report_refuses_to_write_onto_a_result_file(run_folder, capsys):
    victim = run_folder / "china_export_demand_20_long.json"
    before = victim.read_bytes()
    assert main(["report", str(run_folder), "--xlsx", str(victim)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert victim.read_bytes() == before


@pytest.mark.libreoffice
@pytest.mark.solver
def test_libreoffice_opens_the_workbook(run_folder, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice not installed")
    path = write_workbook(load_runs([run_folder]), tmp_path / "report.xlsx")
    out = tmp_path / "converted"
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
    subprocess.run([soffice, profile, "--headless", "--convert-to", "ods", "--outdir",
                    str(out), str(path)], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(tmp_path)})
    ods = out / "report.ods"
    assert ods.exists()
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode("utf-8")
        objects = [n for n in z.namelist() if n.startswith("Object") and n.endswith(
            "content.xml")]
    for sheet in ("summary", "indicators", "charts", *BLOCKS):
        assert f'table:name="{sheet}"' in content
    assert len(objects) == 3   # the three charts survive as chart objects


@pytest.mark.libreoffice
def test_libreoffice_keeps_the_formats_headers_panes_filters_and_axis_titles(tmp_path):
    """The workbook as LibreOffice saves it back, read with openpyxl."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice not installed")
    runs = {"long": _rich_run("long", "full_employment"),
            "short": _rich_run("short", "fixed_real_wage")}
    path = write_workbook(runs, tmp_path / "report.xlsx", bounds={"C1": -1.6})
    out = tmp_path / "resaved"
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
    subprocess.run([soffice, profile, "--headless", "--convert-to", "xlsx", "--outdir",
                    str(out), str(path)], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(tmp_path)})
    wb = load_workbook(out / "report.xlsx")
    summary = wb["summary"]
    columns = {c.value: c.column for c in summary[1]}
    assert all(c.font.b for c in summary[1] if c.value)
    assert summary.auto_filter.ref      # (headless LibreOffice writes no view: no panes)
    assert summary.cell(2, columns["EV, billion euro"]).number_format == "#,##0.00"
    # a literal % sign ("%" or \%), not a percent format that would multiply by 100
    assert summary.cell(2, columns["real GDP %"]).number_format.endswith(('"%"', "\\%"))
    assert wb["production"].cell(2, 4).value == "billion euro, at base prices"
    charts = _chart_xml(out / "report.xlsx")
    assert len(charts) == 3
    for xml in charts:
        axes = [a for a in xml.iter() if a.tag.endswith(("}catAx", "}valAx"))]
        assert axes and all(a.find(f"{C}title") is not None for a in axes)


def _rich_run(name: str, labour: str, unit: str | None = "billion euro") -> dict:
    """A run's JSON with a quantity, a price, indicators and EV by household."""
    run = {"scenario": name, "status": "optimal",
           "closure": {"labour": labour, "capital": "mobile",
                       "savings_investment": "savings_driven",
                       "external": "flexible_exchange_rate"},
           "results": {"output": {"A1": {"base": 1234.5, "counterfactual": 1200.25},
                                  "A2": {"base": 800.0, "counterfactual": 810.0}},
                       "price_output": {"A1": {"base": 1.0, "counterfactual": 0.98},
                                        "A2": {"base": 1.0, "counterfactual": 1.01}},
                       "exports": {"C1": {"base": 100.0, "counterfactual": 90.0}}},
           "equivalent_variation": -2421.19213309,
           "equivalent_variation_by_household": {"HH": -2421.19213309},
           "indicators": {"real_gdp": -0.0612, "real_household_consumption": -0.68,
                          "equivalent_variation": -2421.19213309, "real_wage": -0.75,
                          "real_exchange_rate": 3.57,
                          "absorption_ratio": {"C1": -0.085, "total": 0.163},
                          "export_change": {"C1": -10.0, "total": -9.0},
                          "sectoral_imbalance": {"C1": {"base": 0.02, "counterfactual": 0.01}},
                          "structural_gap": {"C1": {"base": 0.088, "counterfactual": 0.089}}}}
    if unit:
        run["sam"] = {"name": "toy", "unit": unit}
    return run


C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


def _chart_xml(path: Path) -> list:
    from xml.etree import ElementTree

    with zipfile.ZipFile(path) as z:
        return [ElementTree.fromstring(z.read(n)) for n in sorted(z.namelist())
                if n.startswith("xl/charts/chart")]


def test_workbook_is_formatted_for_people(tmp_path):
    runs = {"long": _rich_run("long", "full_employment"),
            "short": _rich_run("short", "fixed_real_wage")}
    path = write_workbook(runs, tmp_path / "r.xlsx", bounds={"C1": -1.6, "total": -2.6})
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "summary" and wb.sheetnames[-1] == "notes"
    for ws in wb.worksheets:
        if ws.title == "charts":
            continue
        top = 4 if ws.title == "notes" else 1
        headers = [c for c in ws[top] if c.value is not None]
        assert headers and all(c.font.b for c in headers), ws.title          # bold headers
        assert ws.freeze_panes, ws.title                                      # frozen panes
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{top}:"), ws.title
        for c in headers:                    # each header fits its column (or wraps whole)
            width = ws.column_dimensions[c.column_letter].width
            assert width >= min(len(str(c.value)), 16), (ws.title, c.value, width)

    summary = wb["summary"]
    columns = {c.value: c.column for c in summary[1]}
    assert "EV, billion euro" in columns and "trade balance change, billion euro" in columns
    ev = summary.cell(2, columns["EV, billion euro"])
    assert ev.value == pytest.approx(-2421.19213309) and ev.number_format == "#,##0.00"
    gdp = summary.cell(2, columns["real GDP %"])
    assert gdp.number_format.endswith('"%"')                  # shown as -0.06%
    assert summary.cell(2, columns["AR C1"]).number_format == "0.000"
    assert summary.column_dimensions[get_column_letter(columns["scenario"])].width >= 5

    production = wb["production"]
    header = [c.value for c in production[1]]
    assert header[:4] == ["scenario", "variable", "index", "unit"]
    rows = {(r[1].value, r[2].value): r for r in production.iter_rows(min_row=2)
            if r[0].value == "long"}
    quantity, price = rows[("output", "A1")], rows[("price_output", "A1")]
    assert quantity[3].value == "billion euro, at base prices"
    assert quantity[4].number_format == "#,##0.00"
    assert price[3].value == "index, benchmark = 1" and price[4].number_format == "0.0000"
    assert quantity[7].number_format.endswith('"%"')

    notes = wb["notes"]
    assert "billion euro" in notes["A2"].value
    defined = {r[0].value: r[2].value for r in notes.iter_rows(min_row=5)}
    for title in ("summary", "indicators", "production"):
        for cell in wb[title][1]:
            assert defined.get(cell.value), (title, cell.value)        # every column defined

    charts = _chart_xml(path)
    assert len(charts) == 3
    for xml in charts:
        axes = [a for a in xml.iter() if a.tag.endswith(("}catAx", "}valAx"))]
        assert axes and all(a.find(f"{C}title") is not None for a in axes)     # axis titles
        assert all(a.find(f"{C}delete").get("val") == "0" for a in axes)        # axes shown
        cat = next(a for a in axes if a.tag.endswith("}catAx"))
        assert cat.find(f"{C}tickLblPos").get("val") == "low"    # labels clear of the bars
    assert charts[-1].find(f".//{C}lineChart") is not None       # the reference lines
    ws = wb["charts"]
    labels = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"fixed-price bound (C1)", "fixed-price bound (total)", "full absorption"} <= labels


def test_units_come_from_the_runs_or_the_caller():
    from cge.report import DEFAULT_UNIT, run_unit, variable_kind

    assert run_unit({"a": _rich_run("a", "x")}) == "billion euro"
    assert run_unit({"a": _rich_run("a", "x", unit=None)}) == DEFAULT_UNIT
    assert run_unit({"a": _rich_run("a", "x")}, "yuan") == "yuan"
    assert variable_kind("price_output") == variable_kind("cpi") == "index"
    assert variable_kind("output") == "value"
    assert variable_kind("utility") == "index"            # the registry's unit decides
    assert variable_kind("world_export_price") == "index"
    assert variable_kind("household_income") == "value"
    assert variable_kind("price_of_something_new") == "index"   # unknown: by its name


def test_headline_sheet_comes_first_with_its_title_and_row_formats(tmp_path):
    import pandas as pd

    table = pd.DataFrame({"long run": [-3.07, -0.085, -2421.19],
                          "short run": [-3.89, -2.448, -5521.89]},
                         index=["exports C1, %", "absorption ratio C1", "EV, billion euro"])
    table.attrs["title"] = "world demand for C1 20 % lower"
    table.attrs["rows"] = {"exports C1, %": ("percent", "exports of C1"),
                           "absorption ratio C1": ("ratio", "home sales change / -exports"),
                           "EV, billion euro": ("value", "equivalent variation")}
    runs = {"long": _rich_run("long", "full_employment")}
    wb = load_workbook(write_workbook(runs, tmp_path / "r.xlsx", headline=table))
    ws = wb.worksheets[0]
    assert ws.title == "headline" and ws["A1"].value == "world demand for C1 20 % lower"
    assert [c.value for c in ws[3]] == ["indicator", "long run", "short run"]
    assert ws["B4"].number_format.endswith('"%"') and ws["B5"].number_format == "0.000"
    assert ws["B6"].number_format == "#,##0.00" and ws.freeze_panes == "B4"
    notes = {r[0].value: r[2].value for r in wb["notes"].iter_rows(min_row=5)}
    assert notes["exports C1, % (row)"] == "exports of C1"


def test_every_figure_axis_has_a_title_and_welfare_names_the_unit():
    import matplotlib

    matplotlib.use("Agg")
    from cge.report import absorption_figure, output_figure, welfare_figure

    runs = {"long": _rich_run("long", "full_employment"),
            "short": _rich_run("short", "fixed_real_wage")}
    for fig in (absorption_figure(runs), output_figure(runs), welfare_figure(runs)):
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel(), fig
    assert "billion euro" in welfare_figure(runs).axes[0].get_ylabel()
    assert "SAM units" in welfare_figure({"a": _rich_run("a", "x", unit=None)}).axes[0].get_ylabel()


def test_absorption_charts_show_only_runs_with_an_export_shock(tmp_path):
    from cge.report import _absorption_table

    export = _rich_run("export", "full_employment")
    export["shocks"] = [{"parameter": "export_demand", "index": "C1", "multiply": 0.8}]
    transfers = _rich_run("transfers", "full_employment")
    transfers["shocks"] = [{"parameter": "household_transfers", "index": "HH", "add": 1.0}]
    runs = {"export": export, "transfers": transfers}
    assert list(_absorption_table(runs).index) == ["export"]
    wb = load_workbook(write_workbook(runs, tmp_path / "r.xlsx"))
    names = {c.value for row in wb["charts"].iter_rows() for c in row}
    assert "export" in names and "transfers" not in names
