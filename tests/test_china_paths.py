"""China 2018-2035: the baseline calibrated to a GDP path, the internal-circulation paths."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from cge.errors import ConfigError
from cge.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "sam_data" / "scenarios"
PATHS = sorted(SCENARIOS.glob("china_2035_*.yaml"))
BASELINE = SCENARIOS / "china_2035_baseline.yaml"


@pytest.fixture(scope="module")
def runs():
    """Every china_2035 path, on one engine (one calibration, one business as usual)."""
    from cge.dynamics import DynamicModel
    from cge.runs import run_dynamic_scenario

    first = Scenario.from_yaml(BASELINE)
    engine = DynamicModel(first.load_sam(), first.model, first.dynamics, first.closure,
                          first.elasticities, first.options)
    return {p.stem: run_dynamic_scenario(Scenario.from_yaml(p), engine).to_json_dict()
            for p in PATHS}


def test_the_paths_share_the_baseline_and_differ_in_their_shocks_only():
    raw = {p.stem: yaml.safe_load(p.read_text()) for p in PATHS}
    assert len(raw) == 5
    base = raw["china_2035_baseline"]
    assert base["shocks"] == []
    for name, r in raw.items():
        for key in ("sam", "model", "elasticities"):
            assert r[key] == base[key], (name, key)
        # business as usual: the same closure and dynamics in every file
        own = dict(r["dynamics"])
        assert {**r["closure"], **own.pop("base_closure", {})} == base["closure"], name
        assert own == base["dynamics"], name
        if name != "china_2035_baseline":
            assert r["shocks"]


@pytest.mark.solver
def test_the_baseline_grows_at_the_target_rate(runs):
    data = runs["china_2035_baseline"]
    target = Scenario.from_yaml(BASELINE).dynamics.gdp_growth_path
    growth = data["path_indicators"]["gdp_growth"]["_"]["base"]
    assert np.allclose(np.array(growth[1:]) / 100, target[1:], rtol=0, atol=1e-7)
    calibration = data["baseline_calibration"]
    assert calibration["productivity"][0] == 1.0
    assert len(calibration["productivity_growth"]) == len(data["periods"])
    # business as usual is the scenario without shocks: no deviation, no welfare change
    assert data["equivalent_variation"] == pytest.approx(0.0, abs=1e-6)
    assert all(c["passed"] for c in data["checks"].values())


@pytest.mark.solver
def test_each_path_moves_what_its_mechanism_says(runs):
    def last(data, name, idx, side="counterfactual"):
        return data["path_indicators"][name][idx][side][-1]

    fall = runs["china_2035_export_fall"]
    exports = fall["results"]["exports"]["C_SEC"]
    assert exports["counterfactual"][-1] < exports["base"][-1]
    assert exports["counterfactual"][0] == pytest.approx(exports["base"][0])
    rebalancing = runs["china_2035_rebalancing"]
    assert last(rebalancing, "consumption_share_of_gdp", "_") > last(
        rebalancing, "consumption_share_of_gdp", "_", "base")
    assert last(rebalancing, "investment_share_of_gdp", "_") < last(
        rebalancing, "investment_share_of_gdp", "_", "base")
    slowdown = runs["china_2035_investment_slowdown"]
    assert last(slowdown, "investment_share_of_gdp", "_") < last(
        slowdown, "investment_share_of_gdp", "_", "base")
    upgrading = runs["china_2035_upgrading"]
    assert last(upgrading, "gdp", "_") > last(upgrading, "gdp", "_", "base")
    for data in runs.values():
        assert data["status"] == "optimal"
        assert all(c["passed"] for c in data["checks"].values())


@pytest.mark.solver
def test_indicators_by_period_and_structure_are_in_the_json(runs):
    data = json.loads(json.dumps(runs["china_2035_export_fall"]))    # JSON-ready
    n = len(data["periods"])
    assert len(data["indicators_by_period"]) == n
    assert len(data["equivalent_variation_by_period"]) == n
    ar = data["indicators_by_period"][-1]["absorption_ratio"]
    assert ar["C_SEC"] is not None               # secondary exports fall in 2035
    for name in ("output_share", "employment_share"):
        shares = data["path_indicators"][name]
        for side in ("base", "counterfactual"):
            total = np.sum([shares[g][side] for g in shares], axis=0)
            assert np.allclose(total, 1.0)
    r = data["dynamics"]["interest_rate"]
    ev = np.array(data["equivalent_variation_by_period"])
    assert data["equivalent_variation"] == pytest.approx(
        float(np.sum(ev / (1 + r) ** np.arange(n))))


def test_a_bad_gdp_growth_target_is_named_with_the_fix(tmp_path):
    raw = yaml.safe_load(BASELINE.read_text())
    raw["sam"] = str((SCENARIOS / raw["sam"]).resolve())
    raw["dynamics"]["gdp_growth"] = {"first": "fast", "end": 0.04}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as err:
        Scenario.from_yaml(path)
    where = [p.where for p in err.value.problems]
    assert any(w.endswith("gdp_growth.first") for w in where)
    assert any(w.endswith("gdp_growth.last") for w in where)
    assert any(w.endswith("gdp_growth.end") for w in where)


@pytest.mark.solver
def test_the_investment_slowdown_holds_investment_below_business_as_usual(runs):
    from cge.runs import run_dynamic_scenario

    path = SCENARIOS / "china_2035_investment_slowdown.yaml"
    scenario = Scenario.from_yaml(path)
    assert scenario.closure["savings_investment"] == "investment_driven"
    # on its own engine: business as usual under dynamics.base_closure
    data = run_dynamic_scenario(scenario).to_json_dict()
    baseline = runs["china_2035_baseline"]
    for name in ("gdp", "consumption_share_of_gdp", "investment_share_of_gdp"):
        assert np.allclose(data["path_indicators"][name]["_"]["base"],
                           baseline["path_indicators"][name]["_"]["base"], rtol=1e-6,
                           atol=0), name
    for name in ("investment_demand", "household_consumption"):
        for key, series in data["results"][name].items():
            assert np.allclose(series["base"], baseline["results"][name][key]["base"],
                               rtol=1e-6, atol=0), (name, key)
    # real investment: business as usual of the same period times the ramp 1 -> 0.85
    years = list(scenario.dynamics.labels)
    ramp = np.interp(years, [2020, 2030], [1.0, 0.85])
    for key, series in data["results"]["investment_demand"].items():
        ratio = np.array(series["counterfactual"]) / np.array(series["base"])
        assert np.allclose(ratio, ramp, rtol=0, atol=1e-8), key
    shares = data["path_indicators"]
    gdp = np.array(shares["gdp"]["_"]["counterfactual"]) / np.array(shares["gdp"]["_"]["base"])
    invest = shares["investment_share_of_gdp"]["_"]
    # the share falls by the ramp, corrected for the lower GDP
    assert np.allclose(np.array(invest["counterfactual"]) / np.array(invest["base"]),
                       ramp / gdp, rtol=1e-6)
    assert invest["counterfactual"][-1] < 0.9 * invest["base"][-1]
    consume = shares["consumption_share_of_gdp"]["_"]
    assert all(c > b for c, b in zip(consume["counterfactual"][3:], consume["base"][3:],
                                     strict=True))
    # the saving rates adjust: the counterfactual runs investment-driven
    assert data["closure"]["savings_investment"] == "investment_driven"
    assert data["dynamics"]["base_closure"] == {"savings_investment": "savings_driven"}
