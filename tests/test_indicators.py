"""Indicators: real GDP, absorption ratios, imbalance, structural gap, labour market."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cge.indicators import indicator_frame, indicators, macro_indicators, sector_indicators
from cge.model.build import CGEModel
from cge.sam.io import read_sam

pytestmark = pytest.mark.solver

ROOT = Path(__file__).resolve().parents[1]
CHINA = ROOT / "sam_data" / "china_2018_3sector.csv"
#: GDP of the China SAM (README: NBS revised 2018 GDP, 100 million yuan).
CHINA_GDP = 919_281


@pytest.fixture(scope="module")
def china_runs():
    """Benchmark, a secondary export-demand fall under both closures, and the model."""
    sam = read_sam(CHINA)
    model = CGEModel(sam, "standard", None, {"armington": 2, "cet": 2, "export_demand": 4})
    base = model.solve(solver="persistent")
    shock = [{"parameter": "export_demand", "index": "C_SEC", "multiply": 0.8}]
    out = {"base": base, "model": model}
    for name, closure in (("long", {}), ("short", {"labour": "fixed_real_wage",
                                                   "capital": "sector_specific"})):
        model.reset()
        model.apply_closure(closure)
        model.apply_shocks(shock)
        out[name] = model.solve(solver="persistent")
    model.reset()
    model.apply_closure({})
    return out


def test_real_gdp_of_the_benchmark_is_the_sams_gdp(china_runs):
    m = macro_indicators(china_runs["base"], china_runs["base"])
    assert m.at["real_gdp", "base"] == pytest.approx(CHINA_GDP, rel=1e-6)
    assert m["change"].abs().max() < 1e-6


def test_no_shock_no_absorption_ratio(china_runs):
    s = sector_indicators(china_runs["base"], china_runs["base"])
    assert s["absorption_ratio"].isna().all()
    # SAM: secondary exports 158,239 and imports 126,726 over output 1,478,246
    assert s.at["C_SEC", "imbalance_base"] == pytest.approx((158239 - 126726) / 1478246,
                                                             abs=2e-4)


def test_absorption_ratio_is_home_sales_change_over_export_loss(china_runs):
    base, cf = china_runs["base"], china_runs["long"]
    s = sector_indicators(base, cf)
    d_e = cf.value("exports", "C_SEC") - base.value("exports", "C_SEC")
    d_d = cf.value("domestic_sales", "C_SEC") - base.value("domestic_sales", "C_SEC")
    assert d_e < 0
    assert s.at["C_SEC", "absorption_ratio"] == pytest.approx(d_d / -d_e)
    total = s.drop(index="total")
    assert s.at["total", "absorption_ratio"] == pytest.approx(
        total["domestic_sales_change"].sum() / -total["exports_change"].sum())


def test_structural_gaps_sum_to_zero(china_runs):
    s = sector_indicators(china_runs["base"], china_runs["short"]).drop(index="total")
    assert s["structural_gap_base"].sum() == pytest.approx(0, abs=1e-12)
    assert s["structural_gap_counterfactual"].sum() == pytest.approx(0, abs=1e-12)
    # secondary industry produces more than home final demand asks of it
    assert s.at["C_SEC", "structural_gap_base"] > 0


def test_employment_only_with_unemployment_closures(china_runs):
    long = indicators(china_runs["base"], china_runs["long"], china_runs["model"])
    short = indicators(china_runs["base"], china_runs["short"], china_runs["model"])
    assert "employment" not in long
    assert set(short["employment"]) == {"A_PRI", "A_SEC", "A_TER"}
    jobs = short["employment"]["A_SEC"]
    assert jobs["counterfactual"] < jobs["base"]
    assert short["unemployment"]["counterfactual"] > 0
    assert short["real_gdp"] < long["real_gdp"] < 0.5


def test_indicators_are_json_ready_and_tidy(china_runs):
    data = indicators(china_runs["base"], china_runs["short"], china_runs["model"])
    text = json.dumps(data, allow_nan=False)
    assert set(json.loads(text)["absorption_ratio"]) == {"C_PRI", "C_SEC", "C_TER", "total"}
    frame = indicator_frame(data)
    assert {"absorption_ratio", "structural_gap", "real_gdp"} <= set(frame["indicator"])
    row = frame[(frame.indicator == "absorption_ratio") & (frame["index"] == "total")]
    assert row["value"].iloc[0] == pytest.approx(data["absorption_ratio"]["total"])
