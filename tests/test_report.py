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
