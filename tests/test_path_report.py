"""Reports of dynamic runs: per-period tables, the workbook with periods as columns, time paths."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from cge.cli import main
from cge.errors import ConfigError
from cge.path_report import (
    band_figure,
    band_quantiles,
    indicator_paths,
    path_frame,
    path_summary,
    welfare_table,
    write_path_figures,
)
from cge.report import BLOCKS, load_runs, write_figures, write_workbook

YEARS = [2018, 2019, 2020, 2021]
RATE = 0.05


def dynamic_run(name: str, fall: float) -> dict:
    """A run JSON of the dynamic contract: output grows 5 % a year on the base path and
    the counterfactual loses ``fall`` of secondary output more each period."""
    growth = 1.05 ** np.arange(len(YEARS))
    loss = 1 - fall * np.arange(len(YEARS))
    base = {"A_PRI": 10 * growth, "A_SEC": 40 * growth}
    ev = list(-fall * 100 * np.arange(len(YEARS)))
    return {
        "scenario": name, "model": "standard", "status": "optimal",
        "periods": [str(y) for y in YEARS],
        "dynamics": {"interest_rate": RATE},
        "sam": {"unit": "100 million yuan"},
        "results": {
            "output": {a: {"base": list(b), "counterfactual": list(b * (loss if a == "A_SEC"
                                                                         else 1))}
                       for a, b in base.items()},
            "price_domestic": {"C_SEC": {"base": [1.0] * 4, "counterfactual": list(loss)}},
            "household_income": {"_": {"base": list(30 * growth),
                                       "counterfactual": list(30 * growth * loss)}},
            "capital_stock": {"CAP": {"base": list(100 * growth),
                                      "counterfactual": list(100 * growth * loss)}},
        },
        "equivalent_variation_by_period": ev,
        "equivalent_variation": sum(e / (1 + RATE) ** t for t, e in enumerate(ev)),
        "indicators_by_period": [
            {"gdp": {"base": float(50 * g), "counterfactual": float(50 * g * x)},
             "real_gdp": float(100 * (x - 1)),
             "absorption_ratio": {"C_SEC": 0.5, "total": None}}
            for g, x in zip(growth, loss, strict=True)],
        "path_indicators": {"output_share": {
            "secondary": {"base": [0.8] * 4, "counterfactual": [0.8, 0.79, 0.78, 0.77]}}},
    }


@pytest.fixture
def run_files(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    for name, fall in (("slow_export_fall", 0.01), ("fast_export_fall", 0.03)):
        (folder / f"{name}.json").write_text(json.dumps(dynamic_run(name, fall)))
    return folder


def test_path_frame_has_every_period_and_percent_deviation(run_files):
    runs = load_runs([run_files])
    tidy = path_frame(runs)
    sec = tidy[(tidy.scenario == "fast_export_fall") & (tidy["index"] == "A_SEC")]
    assert list(sec["period"]) == [str(y) for y in YEARS]
    assert sec["percent"].to_numpy() == pytest.approx([0, -3, -6, -9])


def test_summary_discounts_ev_and_welfare_by_period(run_files):
    runs = load_runs([run_files])
    summary = path_summary(runs)
    ev = runs["fast_export_fall"]["equivalent_variation_by_period"]
    assert summary.loc["fast_export_fall", "EV sum"] == pytest.approx(sum(ev))
    assert summary.loc["fast_export_fall", "EV discounted"] > sum(ev)   # losses discounted
    assert list(welfare_table(runs).columns) == [str(y) for y in YEARS]


def test_indicator_paths_read_each_period_and_path_levels(run_files):
    ind = indicator_paths(load_runs([run_files]))
    gdp = ind[(ind.indicator == "real_gdp") & (ind.scenario == "slow_export_fall")]
    assert gdp["number"].to_numpy() == pytest.approx([0, -1, -2, -3])
    shares = ind[ind.indicator == "output_share"]
    assert set(shares["series"]) == {"base", "counterfactual"}


def test_workbook_has_periods_as_columns_with_formats(run_files, tmp_path):
    path = write_workbook(load_runs([run_files]), tmp_path / "paths.xlsx")
    wb = load_workbook(path)
    assert {"summary", "welfare", "indicators", "production", "notes"} <= set(wb.sheetnames)
    assert set(wb.sheetnames) - {"summary", "welfare", "indicators", "notes",
                                 "dynamics"} <= set(BLOCKS)
    capital = list(wb["dynamics"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in capital] == ["capital_stock"] * 6   # of paths only, two runs
    ws = wb["production"]
    headers = [c.value for c in ws[1]]
    assert headers == ["scenario", "variable", "index", "unit", "series",
                       *[str(y) for y in YEARS]]
    assert ws.freeze_panes == "F2"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[4] for r in rows[:3]] == ["base", "counterfactual", "% deviation"]
    assert "100 million yuan" in rows[0][3]
    assert ws.cell(2, 6).number_format == "#,##0.00"
    assert ws.cell(4, 9).number_format.endswith('"%"')
    assert ws.cell(4, 9).value == pytest.approx(0)            # A_PRI does not move
    trade = wb["trade"]
    assert trade.cell(2, 6).number_format == "0.0000"         # prices are indices
    ind = wb["indicators"]
    assert [c.value for c in ind[1]][:5] == ["scenario", "indicator", "index", "series", "unit"]
    shares = [r for r in ind.iter_rows(min_row=2) if r[1].value == "output_share"]
    assert shares and shares[0][4].value == "share"
    assert shares[0][5].number_format == "0.0000"
    ev = [r for r in wb["welfare"].iter_rows(min_row=2, values_only=True)]
    assert len(ev) == 2 and len(ev[0]) == 1 + len(YEARS)


def test_static_and_dynamic_runs_are_not_mixed(run_files, tmp_path):
    static = {"scenario": "static", "results": {}, "status": "optimal"}
    (run_files / "static.json").write_text(json.dumps(static))
    with pytest.raises(ConfigError, match="static and dynamic"):
        write_workbook(load_runs([run_files]), tmp_path / "x.xlsx")


def test_figures_and_bands(run_files, tmp_path):
    runs = load_runs([run_files])
    rng = np.random.default_rng(0)
    draws = pd.DataFrame(rng.normal(-3, 1, (50, 4)), columns=[str(y) for y in YEARS])
    written = write_path_figures(runs, tmp_path / "fig",
                                 bands={("output", "A_SEC"): draws})
    assert {p.name for p in written} == {"gdp_path.png", "welfare_path.png",
                                          "output_path.png"}
    assert all(p.stat().st_size > 0 for p in written)
    assert [p.name for p in write_figures(runs, tmp_path / "fig2")] == [
        p.name for p in written]
    q = band_quantiles(draws)
    assert (q.loc["low"] < q.loc["median"]).all() and (q.loc["median"] < q.loc["high"]).all()
    fig = band_figure(draws, title="output", ylabel="% deviation from the base path")
    assert fig.axes[0].get_ylabel() == "% deviation from the base path"


def test_cli_report_of_dynamic_runs(run_files, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["report", str(run_files), "--xlsx", str(out), "--figures",
                 str(tmp_path / "f")]) == 0
    printed = capsys.readouterr().out
    assert "EV discounted" in printed and "fast_export_fall" in printed
    assert out.exists() and (tmp_path / "f" / "output_path.png").exists()
