"""Subtotals: each shock's contribution to every result, adding up to the total change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cge.errors import ConfigError
from cge.indicators import indicators
from cge.results import compare
from cge.scenario import Scenario
from cge.subtotals import subtotals

PACKAGE = Path(__file__).resolve().parents[1] / "sam_data" / "scenarios" / "china_package.yaml"

pytestmark = [pytest.mark.solver,
              pytest.mark.skipif(not PACKAGE.exists(), reason="China scenarios not bundled")]


@pytest.fixture(scope="module")
def package():
    scenario = Scenario.from_yaml(PACKAGE)
    model = scenario.build()
    base = model.solve(solver="persistent")
    parts = subtotals(model, scenario.shocks, "persistent")
    cf = model.solve(solver="persistent")
    return scenario, base, cf, parts


def test_contributions_add_up_to_every_change(package):
    scenario, base, cf, parts = package
    assert parts.shocks == ["export_demand[C_SEC]", "household_transfers",
                            "household_saving_rate"]
    change = compare(base, cf)["change"]
    total = parts.variables.sum(axis=1)
    common = change.index.intersection(total.index)
    assert len(common) == len(total) > 50
    assert np.abs(total[common] - change[common]).max() < 1e-6 * np.abs(change).max()
    data = indicators(base, cf)
    assert parts.indicators.loc["equivalent_variation"].sum() == pytest.approx(
        data["equivalent_variation"], rel=1e-9)
    gdp = data["gdp"]
    assert parts.indicators.loc["real_gdp_change"].sum() == pytest.approx(
        gdp["counterfactual"] - gdp["base"], rel=1e-9)


def test_the_export_fall_costs_and_the_transfers_and_lower_saving_gain(package):
    parts = package[3].indicators.loc["equivalent_variation"]
    assert parts["export_demand[C_SEC]"] < 0
    assert parts["household_saving_rate"] > 0


def test_contributions_converge_with_the_steps(package):
    """The path's order effect shrinks with more steps: 2 and 8 steps agree to 1e-3."""
    scenario, *_, parts = package
    model = scenario.build()
    model.solve(solver="persistent")
    coarse = subtotals(model, scenario.shocks, "persistent", steps=2)
    scale = np.abs(parts.indicators.to_numpy()).max()
    assert np.abs(coarse.indicators.to_numpy() - parts.indicators.to_numpy()).max() \
        < 1e-3 * scale


def test_one_shock_takes_the_whole_change():
    scenario = Scenario.from_yaml(PACKAGE)
    model = scenario.build()
    base = model.solve(solver="persistent")
    parts = subtotals(model, scenario.shocks[:1], "persistent", steps=3)
    cf = model.solve(solver="persistent")
    ev = indicators(base, cf)["equivalent_variation"]
    assert parts.indicators.at["equivalent_variation", "export_demand[C_SEC]"] == \
        pytest.approx(ev, rel=1e-9)


def test_a_solved_shock_is_refused():
    model = Scenario.from_yaml(PACKAGE).build()
    with pytest.raises(ConfigError, match="solved for"):
        subtotals(model, [{"parameter": "export_volume", "index": "C_SEC", "multiply": 0.9}])
