"""Indicators along a path: by period against the base of the period, and path structure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cge.indicators import indicators
from cge.path_indicators import THREE_SECTOR_GROUPS, PathPlan, path_indicators, table_at

ROOT = Path(__file__).resolve().parents[1]
CHINA = ROOT / "sam_data" / "china_2018_3sector.csv"


@pytest.fixture(scope="module")
def solved():
    """The benchmark and two counterfactuals of the China SAM, and the model."""
    from cge.model.build import CGEModel
    from cge.sam.io import read_sam

    model = CGEModel(read_sam(CHINA), "standard", None,
                     {"armington": 2, "cet": 2, "export_demand": 4})
    out = {"base": model.solve(solver="persistent"), "model": model}
    for name, mult in (("fall", 0.8), ("deep_fall", 0.6)):
        model.reset()
        model.apply_shocks([{"parameter": "export_demand", "index": "C_SEC",
                             "multiply": mult}])
        out[name] = model.solve(solver="persistent")
    model.reset()
    return out


@pytest.mark.solver
def test_structure_shares_add_up_and_read_the_sam(solved):
    model, base = solved["model"], solved["base"]
    plan = PathPlan(model, base.values.vector)
    s = plan.structure(base.values.vector)
    assert set(s["output_share"]) == set(THREE_SECTOR_GROUPS.values())
    assert sum(s["output_share"].values()) == pytest.approx(1.0)
    assert sum(s["employment_share"].values()) == pytest.approx(1.0)
    output = base.levels("output")
    assert s["output_share"]["secondary"] == pytest.approx(output["A_SEC"] / output.sum())
    consumption = base.levels("household_consumption").sum()
    assert s["consumption_share_of_gdp"] == pytest.approx(consumption / s["gdp"])
    assert 0 < s["consumption_share_of_gdp"] < 1


@pytest.mark.solver
def test_by_period_compares_each_period_with_its_own_base(solved):
    model = solved["model"]
    b, f, d = (solved[k].values.vector for k in ("base", "fall", "deep_fall"))
    plan = PathPlan(model, b)
    base_path, cf_path = np.array([b, f]), np.array([f, d])
    out = path_indicators(plan, base_path, cf_path)
    first, second = out["indicators_by_period"]
    static = indicators(solved["base"], solved["fall"], model)
    assert first["real_gdp"] == pytest.approx(static["real_gdp"])
    assert first["absorption_ratio"] == pytest.approx(static["absorption_ratio"], nan_ok=True)
    assert "equivalent_variation_decomposition" not in first
    # period 2: the deep fall against the fall, not against the benchmark
    gdp = [plan.structure(x)["gdp"] for x in (f, d)]
    assert second["real_gdp"] == pytest.approx(100 * (gdp[1] / gdp[0] - 1))
    growth = out["path_indicators"]["gdp_growth"]["_"]
    assert growth["base"][0] is None
    assert growth["counterfactual"][1] == pytest.approx(second["real_gdp"])
    table = table_at(out, ["0", "1"], ["1"])
    assert table["output_share[secondary]"]["1"] == pytest.approx(
        plan.structure(d)["output_share"]["secondary"])


@pytest.mark.solver
def test_an_activity_outside_the_group_table_is_its_own_group(solved):
    model, b = solved["model"], solved["base"].values.vector
    plan = PathPlan(model, b, groups={"A_PRI": "goods", "A_SEC": "goods"})
    shares = plan.structure(b)["output_share"]
    assert set(shares) == {"goods", "A_TER"}
