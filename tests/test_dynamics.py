"""Recursive dynamics: the dynamics block, time paths, time-path shocks, the period loop,
and ``cge run`` on a scenario with dynamics (the JSON contract)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cge.cli import main
from cge.dynamics import DynamicModel, Dynamics, TimePath
from cge.errors import ConfigError
from cge.model.shocks import Shock, shocks_at
from cge.sam.io import read_sam
from cge.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "sam_data" / "scenarios" / "dyncge_tariff_abolition.yaml"
DYNCGE = ROOT / "sam_data" / "dyncge.csv"
CHINA = ROOT / "sam_data" / "china_2018_3sector.csv"


# -- the dynamics block and its paths ---------------------------------------------------
def test_paths_are_scalars_lists_or_period_mappings():
    labels = (2018, 2019, 2020, 2021)
    assert TimePath(0.02).values(labels).tolist() == [0.02] * 4
    assert TimePath([0.01, 0.02]).values(labels).tolist() == [0.01, 0.02, 0.02, 0.02]
    assert TimePath({2019: 0.03, 2021: 0.01}).values(labels, 0.02).tolist() == \
        [0.02, 0.03, 0.03, 0.01]
    with pytest.raises(ConfigError, match="no period 2030"):
        TimePath({2030: 0.01}).values(labels)


def test_the_dynamics_block_is_validated_whole():
    with pytest.raises(ConfigError) as err:
        Dynamics.from_mapping({"periods": 0, "deprecation": 0.04, "interest_rate": -1,
                               "investment_allocation": "profit",
                               "labour_growth": "fast", "exogenous": {"tariffs": 0.1}})
    where = {p.where for p in err.value.problems}
    assert {"dynamics.periods", "dynamics.deprecation", "dynamics.interest_rate",
            "dynamics.investment_allocation", "dynamics.labour_growth",
            "dynamics.exogenous.tariffs"} <= where
    text = str(err.value)
    assert "did you mean 'depreciation'" in text and "did you mean 'profitability'" in text
    with pytest.raises(ConfigError, match="exactly one of periods and years"):
        Dynamics.from_mapping({"periods": 3, "years": [1, 2, 3]})


def test_years_label_the_periods_and_proportional_allocation_has_no_elasticity():
    d = Dynamics.from_mapping({"years": [2018, 2019, 2020], "investment_allocation":
                               "proportional", "investment_allocation_elasticity": 3})
    assert d.labels == (2018, 2019, 2020) and d.periods == 3
    assert d.allocation_elasticity == 0.0
    assert d.balanced
    assert not Dynamics.from_mapping({"periods": 3, "labour_growth": [0.02, 0.01]}).balanced


# -- shocks with time paths ---------------------------------------------------------------
def _value(shock, t, labels=(0, 1, 2, 3, 4)):
    now = shock.at_period(t, labels)
    return None if now is None else (now.value, now.fraction)


def test_shocks_hold_from_a_period_ramp_or_follow_a_mapping():
    static = Shock.from_mapping({"parameter": "import_tariff_rate", "set": 0})
    assert not static.timed and all(_value(static, t) == (0.0, 1.0) for t in range(5))
    late = Shock.from_mapping({"parameter": "import_tariff_rate", "set": 0, "from": 2})
    assert [_value(late, t) for t in range(5)] == [None, None, (0.0, 1.0), (0.0, 1.0),
                                                     (0.0, 1.0)]
    ramp = Shock.from_mapping({"parameter": "productivity", "multiply": 1.1, "ramp": [1, 3]})
    assert [_value(ramp, t) for t in range(5)] == [None, (1.1, 0.0), (1.1, 0.5), (1.1, 1.0),
                                                     (1.1, 1.0)]
    path = Shock.from_mapping({"parameter": "household_saving_rate",
                               "set": {1: 0.3, 3: 0.25}})
    assert [_value(path, t) for t in range(5)] == [None, (0.3, 1.0), (0.3, 1.0), (0.25, 1.0),
                                                     (0.25, 1.0)]
    assert path.to_dict()["set"] == {1: 0.3, 3: 0.25}
    assert len(shocks_at([static, late, ramp, path], 0, (0, 1, 2, 3, 4))) == 1


def test_bad_time_paths_are_named():
    _, problems = Shock.parse({"parameter": "productivity", "multiply": 1.1, "from": 1,
                               "ramp": [1, 2]}, "shocks[0]")
    assert problems and "one of from, ramp" in problems[0].fix
    _, problems = Shock.parse({"parameter": "productivity", "multiply": {1: "x"}}, "shocks[0]")
    assert problems and problems[0].where == "shocks[0].multiply"


def test_a_time_path_without_dynamics_or_with_an_unknown_period_is_refused(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("name: x\nsam: dyncge.csv\nmodel: dyncge\n"
                 "shocks: [{parameter: import_tariff_rate, set: 0, from: 3}]\n")
    with pytest.raises(ConfigError, match="needs a dynamics block"):
        Scenario.from_yaml(p)
    p.write_text("name: x\nsam: dyncge.csv\nmodel: dyncge\ndynamics: {periods: 3}\n"
                 "shocks: [{parameter: import_tariff_rate, set: 0, from: 7}]\n")
    with pytest.raises(ConfigError) as err:
        Scenario.from_yaml(p)
    assert any(pr.where.endswith("shocks[0]") and "no period 7" in pr.message
               for pr in err.value.problems)


def test_a_bundled_sam_name_resolves_from_any_folder(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(EXAMPLE.read_text())
    s = Scenario.from_yaml(p)
    assert Path(s.sam) == ROOT / "sam_data" / "dyncge.xlsx"
    assert s.dynamics.periods == 31 and s.dynamics.interest_rate == 0.05


# -- the period loop ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def engine() -> DynamicModel:
    return DynamicModel(read_sam(DYNCGE), "dyncge", {"periods": 6})


@pytest.mark.solver
def test_the_hook_sees_every_period_before_its_solve(engine):
    seen = []

    def hook(state):
        seen.append((state.period, state.label, state.counterfactual, state.capital.sum()))

    path = engine.run_path([{"parameter": "import_tariff_rate", "set": 0, "from": 2}], hook)
    assert [s[0] for s in seen] == list(range(6)) and all(s[2] for s in seen)
    capital = [s[3] for s in seen]
    assert capital == pytest.approx(path.capital.sum(axis=1).tolist())
    base = engine.base_path()
    # the shock starts in period 2: periods 0 and 1 are business as usual
    assert np.allclose(path.levels[:2], base.levels[:2], rtol=1e-9, atol=1e-12)
    assert not np.allclose(path.levels[2], base.levels[2], rtol=1e-6)
    assert max(path.iterations()) <= 3


@pytest.mark.solver
def test_capital_accumulates_investment_by_destination(engine):
    path = engine.run_path([{"parameter": "import_tariff_rate", "set": 0}])
    invest = path.series("investment.by_destination", sam_units=False)
    keys = engine.capital_keys
    for i, (_, activity) in enumerate(keys):
        expected = 0.96 * path.capital[:-1, i] + invest[activity][:-1]
        assert path.capital[1:, i] == pytest.approx(expected, rel=1e-12)


@pytest.mark.solver
def test_proportional_allocation_differs_from_profitability():
    sam = read_sam(DYNCGE)
    shocks = [{"parameter": "import_tariff_rate", "set": 0}]
    runs = {rule: DynamicModel(sam, "dyncge", {"periods": 4, "investment_allocation": rule})
            .run_path(shocks) for rule in ("profitability", "proportional")}
    a, b = (runs[r].series("investment.by_destination")["HMN"] for r in runs)
    assert a[0] != pytest.approx(b[0], rel=1e-6)


@pytest.mark.solver
def test_the_standard_model_runs_a_solved_baseline_with_mobile_capital():
    engine = DynamicModel(read_sam(CHINA), "standard",
                          {"years": [2018, 2019, 2020], "labour_growth": -0.003,
                           "productivity": {"all": 0.04}})
    assert not engine.balanced
    run = engine.run([{"parameter": "import_tariff_rate", "set": 0, "from": 2019}])
    assert run.equivalent_variation_by_period()[0] == pytest.approx(0.0, abs=1e-6)
    prod = run.base.series("production.productivity", sam_units=False)
    assert prod["A_SEC"].tolist() == pytest.approx([1.0, 1.04, 1.04 ** 2])
    assert all(c.passed for c in run.checks()["homogeneity"])
    assert "replication" not in run.checks()


def test_a_base_closure_is_validated_with_the_block():
    with pytest.raises(ConfigError) as err:
        Dynamics.from_mapping({"periods": 3, "base_closure": {"savings_investmnt": "x"}})
    assert any(p.where.startswith("dynamics.base_closure") for p in err.value.problems)
    with pytest.raises(ConfigError, match="savings_driven"):
        Dynamics.from_mapping({"periods": 3,
                               "base_closure": {"savings_investment": "savings_drive"}})


@pytest.mark.solver
def test_an_investment_shock_is_relative_to_business_as_usual_of_its_period():
    """Business as usual savings-driven (dynamics.base_closure), the counterfactual
    investment-driven: real investment is business as usual's of each period times the
    shock, whatever the path of the composition; with no shock the paths coincide."""
    years = [2018, 2019, 2020, 2021]
    dynamics = {"years": years, "labour_growth": -0.003, "productivity": {"all": 0.04},
                "base_closure": {"savings_investment": "savings_driven"}}
    closure = {"savings_investment": "investment_driven"}
    engine = DynamicModel(read_sam(CHINA), "standard", dynamics, closure)
    plain = DynamicModel(read_sam(CHINA), "standard", {**dynamics, "base_closure": {}})
    base, reference = engine.base_path(), plain.base_path()
    assert np.allclose(base.levels, reference.levels, rtol=1e-9, atol=1e-12)
    assert engine.model.closure.savings_investment == "investment_driven"
    same = engine.run_path([])
    assert np.allclose(same.levels, base.levels, rtol=1e-7, atol=1e-9)
    cf = engine.run_path([{"parameter": "investment", "multiply": 0.9, "ramp": [2019, 2021]}])
    ramp = np.array([1.0, 1.0, 0.95, 0.9])
    for key, series in cf.series("investment.demand").items():
        assert np.allclose(series / base.series("investment.demand")[key], ramp,
                           rtol=0, atol=1e-9), key
    scaler = cf.series("households.saving_rate_scaler")["_"]
    assert scaler[0] == pytest.approx(1.0) and scaler[-1] < 1.0


# -- cge run: the contract --------------------------------------------------------------------
@pytest.mark.solver
def test_cge_run_writes_the_dynamic_json_contract(tmp_path, capsys):
    out = tmp_path / "out.json"
    assert main(["run", str(EXAMPLE), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["scenario"] == "dyncge_tariff_abolition" and data["status"] == "optimal"
    assert data["periods"] == list(range(31))
    for name in ("output", "household_consumption", "imports", "price_composite", "utility"):
        for entry in data["results"][name].values():
            assert set(entry) == {"base", "counterfactual"}
            assert len(entry["base"]) == len(entry["counterfactual"]) == 31
    stock = data["results"]["capital_stock"]["CAP,SRV"]
    assert stock["base"][1] / stock["base"][0] == pytest.approx(1.02, rel=1e-12)
    assert data["results"]["investment_by_destination"]["SRV"]["counterfactual"][0] > 0
    ev = data["equivalent_variation_by_period"]
    assert len(ev) == 31
    assert data["equivalent_variation"] == pytest.approx(
        sum(v / 1.05 ** t for t, v in enumerate(ev)), rel=1e-12)
    assert data["equivalent_variation"] == pytest.approx(5741.29362589443, rel=1e-6)
    for key in ("closure", "shocks", "solver", "sam", "units", "checks",
                "equivalent_variation_by_household"):
        assert key in data
    assert all(c["passed"] for c in data["checks"].values())
    printed = capsys.readouterr().out
    assert "31 periods" in printed and "discounted at 0.05" in printed


@pytest.mark.solver
def test_cge_run_names_every_problem_of_a_dynamic_scenario(tmp_path, capsys):
    p = tmp_path / "s.yaml"
    p.write_text("name: x\nsam: dyncge.xlsx\nmodel: dyncge\n"
                 "dynamics: {periods: 3, productivity: {XYZ: 0.01}}\n"
                 "shocks: [{parameter: import_tariff_rate, index: FOO, set: 0}]\n")
    assert main(["run", str(p)]) == 2
    err = capsys.readouterr().err
    assert "dynamics.productivity.XYZ: no activity 'XYZ'" in err
    assert "'FOO' is not an index" in err and "Traceback" not in err


@pytest.mark.solver
def test_a_static_dyncge_run_solves_on_the_sam_as_given(tmp_path):
    from cge.runs import run_scenario

    p = tmp_path / "s.yaml"
    p.write_text("name: x\nsam: dyncge.xlsx\nmodel: dyncge\n"
                 "shocks: [{parameter: import_tariff_rate, set: 0}]\n")
    result = run_scenario(Scenario.from_yaml(p), solver="persistent")
    assert result.status == "optimal"
    assert result.checks["replication"].passed


@pytest.mark.solver
def test_labour_and_exogenous_quantities_follow_their_paths():
    engine = DynamicModel(read_sam(CHINA), "standard",
                          {"periods": 3, "labour_growth": [0.01, -0.01],
                           "exogenous": {"government_consumption": 0.05}})
    path = engine.run_path()
    endowment = path.series("markets.factor_endowment")
    labour_types = [f for f in endowment if f.startswith("LAB")]
    assert labour_types
    for f in labour_types:                 # every labour type grows at the path's rate
        assert endowment[f] / endowment[f][0] == pytest.approx([1.0, 1.01, 1.01 * 0.99],
                                                              rel=1e-12)
    gov = path.series("government.composition")
    for series in gov.values():
        assert series / series[0] == pytest.approx([1.0, 1.05, 1.05 ** 2], rel=1e-12)
    fsav = path.series("rest_of_world.foreign_savings")["_"]
    assert fsav / fsav[0] == pytest.approx([1.0, 1.01, 1.01 * 0.99], rel=1e-12)


# -- shocks are checked on the model the engine solves ---------------------------------------
def _dyncge_scenario(tmp_path, **changes):
    """The dyncge example, 3 periods, with government consumption of AGR raised: AGR has
    no government consumption in the SAM, only in its balanced-growth adjustment."""
    import yaml

    raw = yaml.safe_load(EXAMPLE.read_text())
    raw["sam"] = str(DYNCGE)
    raw["dynamics"]["periods"] = 3
    raw["shocks"] = [{"parameter": "government_consumption", "index": "AGR",
                      "multiply": 1.1}]
    raw.update(changes)
    path = tmp_path / "agr.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_a_shock_to_a_flow_only_the_balanced_growth_sam_has_is_accepted(tmp_path):
    from cge.batch import read_batch
    from cge.batch.spec import check_model_names

    scenario = Scenario.from_yaml(_dyncge_scenario(tmp_path))
    model = scenario.build()                  # the model the engine solves: AGR is there
    assert "AGR" in list(model.component("government.composition").keys())
    engine = DynamicModel(scenario.load_sam(), scenario.model, scenario.dynamics,
                          scenario.closure, scenario.elasticities)
    scenario.check(engine.model)
    # a batch around it is checked on the same model
    (tmp_path / "batch.yaml").write_text(
        "base: agr.yaml\ngrid:\n- {parameter: government_consumption, index: AGR, "
        "multiply: [1.1, 1.2]}\n")
    check_model_names(read_batch(tmp_path / "batch.yaml"))
    # with another problem in the file, only that one is reported
    with pytest.raises(ConfigError) as err:
        Scenario.from_yaml(_dyncge_scenario(tmp_path, elasticities={"armington": 2,
                                                                    "cett": 2}))
    assert [p.where.rsplit(": ", 1)[-1] for p in err.value.problems] == ["elasticities.cett"]
