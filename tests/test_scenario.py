"""Scenario files: validation with clear errors, and runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from cge.errors import ConfigError
from cge.runs import run_scenario
from cge.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "sam_data" / "scenarios"


def write(tmp_path, text: str) -> Path:
    (tmp_path / "stdcge.csv").write_text((ROOT / "sam_data" / "stdcge.csv").read_text())
    (tmp_path / "stdcge.accounts.csv").write_text(
        (ROOT / "sam_data" / "stdcge.accounts.csv").read_text())
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return p


def test_bundled_scenarios_load():
    for path in SCENARIOS.glob("stdcge_*.yaml"):
        s = Scenario.from_yaml(path)
        assert s.model == "stdcge" and s.shocks


def test_unknown_keys_parameters_and_operations_are_listed(tmp_path):
    p = write(tmp_path, "name: x\nsam: stdcge.csv\nmodel: stdcge\nshock: []\n")
    with pytest.raises(ConfigError, match="allowed keys: name, description, sam"):
        Scenario.from_yaml(p)
    p = write(tmp_path, "name: x\nsam: stdcge.csv\nmodel: stdcge\n"
                        "shocks: [{parameter: tarif, set: 0}]\n")
    with pytest.raises(ConfigError, match="allowed: import_tariff_rate"):
        Scenario.from_yaml(p)
    p = write(tmp_path, "name: x\nsam: stdcge.csv\nmodel: stdcge\n"
                        "shocks: [{parameter: import_tariff_rate, set: 0, add: 1}]\n")
    with pytest.raises(ConfigError, match="exactly one of set, multiply, add"):
        Scenario.from_yaml(p)
    p = write(tmp_path, "name: x\nsam: nothere.csv\nmodel: stdcge\n")
    with pytest.raises(ConfigError, match="not found"):
        Scenario.from_yaml(p)
    p = write(tmp_path, "name: x\nsam: stdcge.csv\nmodel: gtap\n")
    with pytest.raises(ConfigError, match="allowed: stdcge, standard"):
        Scenario.from_yaml(p)
    p = write(tmp_path, "name: x\nsam: stdcge.csv\nmodel: stdcge\nclosure: {external: floating}\n")
    with pytest.raises(ConfigError, match="flexible_exchange_rate, fixed_exchange_rate"):
        Scenario.from_yaml(p).build()


def test_every_setting_problem_at_once_naming_the_file(tmp_path):
    p = write(tmp_path, "name: x\nsam: stdcge.csv\nmodel: stdcge\n"
                        "closure: {external: floating, labor: fixed}\n"
                        "elasticities: {armingtn: 2}\n"
                        "shocks: [{parameter: import_tarif, set: 0},"
                        " {parameter: import_tariff_rate, multiply: 2, add: 1}]\n")
    with pytest.raises(ConfigError) as info:
        Scenario.from_yaml(p)
    places = [problem.where for problem in info.value.problems]
    assert all(place.startswith(str(p)) for place in places), places
    text = str(info.value)
    for expected in ("closure.labor", "elasticities.armingtn", "shocks[0].parameter",
                     "shocks[1]", "exactly one of set, multiply, add"):
        assert expected in text, expected
    assert str(p) in info.value.args[0]


def test_a_wrong_shock_label_is_found_before_any_solve(tmp_path, monkeypatch):
    from cge.model.build import CGEModel

    def no_solve(*args, **kwargs):
        raise AssertionError("solved before the scenario was checked")

    monkeypatch.setattr(CGEModel, "solve", no_solve)
    p = write(tmp_path, "name: x\nsam: stdcge.csv\nmodel: stdcge\n"
                        "shocks: [{parameter: import_tariff_rate, index: RICE, set: 0},"
                        " {parameter: factor_endowment, index: LAND, multiply: 2}]\n")
    scenario = Scenario.from_yaml(p)
    with pytest.raises(ConfigError) as info:
        run_scenario(scenario)
    text = str(info.value)
    assert "allowed: BRD, MLK" in text and "LAND" in text and str(p) in text
    good = write(tmp_path, "name: y\nsam: stdcge.csv\nmodel: stdcge\n")
    model = Scenario.from_yaml(good).build()
    with pytest.raises(ConfigError, match="RICE"):
        run_scenario(scenario, model=model)


@pytest.mark.solver
def test_run_reuses_a_built_model_and_resets_it():
    first = run_scenario(SCENARIOS / "stdcge_tariff_abolition.yaml", solver="persistent")
    model = Scenario.from_yaml(SCENARIOS / "stdcge_production_tax_cut.yaml").build()
    run_scenario(SCENARIOS / "stdcge_production_tax_cut.yaml", model=model)  # moves the model
    again = run_scenario(SCENARIOS / "stdcge_tariff_abolition.yaml", model=model)
    assert again.counterfactual.value("utility", "HOH") == pytest.approx(
        first.counterfactual.value("utility", "HOH"), rel=1e-10)
    assert first.equivalent_variation["HOH"] == pytest.approx(1.14499989706615, rel=1e-7)


@pytest.mark.solver
def test_scenario_file_chooses_les_household_demand(tmp_path):
    """With LES and a high income elasticity for services, a transfer tilts spending to them."""
    def tertiary_growth(extra: str) -> float:
        path = tmp_path / "transfers.yaml"
        path.write_text(
            f"name: transfers\nsam: {ROOT / 'sam_data' / 'china_2018_3sector.xlsx'}\n"
            f"model: standard\n{extra}"
            "shocks:\n- {parameter: household_transfers, multiply: 1.5}\n")
        scenario = Scenario.from_yaml(path)
        result = run_scenario(scenario)
        cons = result.compare().loc["household_consumption"]
        tertiary = cons[cons.index.str.startswith("C_TER")]["counterfactual"].sum()
        total = cons["counterfactual"].sum()
        return tertiary / total, scenario

    cobb_douglas, _ = tertiary_growth("")
    les, scenario = tertiary_growth(
        "options: {household_demand: les}\n"
        "elasticities: {frisch: -2, income: {C_PRI: 0.5, C_SEC: 0.9, C_TER: 1.2}}\n")
    assert scenario.options == {"household_demand": "les"}
    assert les > cobb_douglas


def test_unknown_model_option_lists_the_allowed_ones(tmp_path):
    from cge.errors import ConfigError
    from cge.scenario import Scenario

    path = tmp_path / "bad.yaml"
    path.write_text(f"name: bad\nsam: {ROOT / 'sam_data' / 'stdcge.xlsx'}\n"
                    "options: {household_demand: translog}\n")
    with pytest.raises(ConfigError, match="cobb_douglas, les|les"):
        Scenario.from_yaml(path).build()


def test_scenarios_import_nothing_above_their_layer():
    # layer 5 (architecture.md): results, indicators and runs sit above it
    import ast

    import cge.scenario

    tree = ast.parse(Path(cge.scenario.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & {"results", "indicators", "runs", "report", "headline"}


@pytest.mark.solver
def test_run_refuses_a_benchmark_that_does_not_replicate_the_sam():
    """Household demand broken on purpose (budget shares of two goods swapped): every
    budget adds up and the benchmark solves, but it is not the SAM, and the run stops."""
    from breakage import budget_shares_swapped

    from cge.errors import SolveError

    scenario = Scenario.from_yaml(SCENARIOS / "stdcge_tariff_abolition.yaml")
    model = scenario.build()
    budget_shares_swapped(model, "HOH", "BRD", "MLK")
    with pytest.raises(SolveError, match="the benchmark does not replicate the SAM") as err:
        run_scenario(scenario, solver="persistent", model=model)
    text = str(err.value)
    assert "SAM row BRD, column HOH" in text and "households.broken_demand[" in text


@pytest.mark.solver
def test_run_records_the_replication_of_the_benchmark():
    from cge.diagnostics import CHECK_TOL

    result = run_scenario(SCENARIOS / "stdcge_tariff_abolition.yaml", solver="persistent")
    check = result.to_json_dict()["checks"]["replication"]
    assert check["passed"] and 0 <= check["deviation"] <= CHECK_TOL
    assert check["where"].startswith("SAM row ")


def test_every_problem_of_a_scenario_file_in_one_report(tmp_path):
    """An unknown key does not hide an unknown option; labels, the closure and shocks come
    with them."""
    p = tmp_path / "s.yaml"
    p.write_text(f"name: x\nsam: {ROOT / 'sam_data' / 'china_2018_3sector.csv'}\n"
                 "closure: {labour: fixed_real_wag, labor: x, numeraire: LABB}\n"
                 "options: {household_demnd: les}\n"
                 "elasticities: {armington: {C_SEX: 2}}\n"
                 "shocks:\n- {parameter: productivity, index: A_SEX, multiply: 1.1}\n"
                 "- {parameter: tarif, set: 0}\n")
    with pytest.raises(ConfigError) as info:
        Scenario.from_yaml(p)
    text = str(info.value)
    for expected in ("closure.labor: unknown closure key",
                     "closure.labour: unknown option 'fixed_real_wag' (did you mean "
                     "'fixed_real_wage'?",
                     "closure.numeraire: unknown numeraire 'LABB' (did you mean 'LAB_URB'?",
                     "options.household_demnd: unknown option key (did you mean "
                     "'household_demand'?",
                     "elasticities.armington: labels ['C_SEX']",
                     "shocks[0] (productivity).index: 'A_SEX' is not an index of productivity "
                     "(did you mean 'A_SEC'?",
                     "shocks[1].parameter: unknown parameter 'tarif'"):
        assert expected in text, expected


def test_a_shock_the_closure_ignores_is_reported_with_the_other_mistakes(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(f"name: x\nsam: {ROOT / 'sam_data' / 'china_2018_3sector.csv'}\n"
                 "closure: {savings_investment: savings_driven}\n"
                 "elasticities: {cet: {C_SEX: 2}}\n"
                 "shocks:\n- {parameter: investment, index: C_SEC, multiply: 1.1}\n")
    scenario = Scenario.from_yaml(p)
    with pytest.raises(ConfigError) as info:
        scenario.build()
    text = str(info.value)
    assert "elasticities.cet: labels ['C_SEX']" in text
    assert ("investment is endogenous under savings_investment: savings_driven" in text
            and "use investment_driven" in text)


def test_a_yaml_syntax_error_names_the_file_line_and_column(tmp_path):
    p = write(tmp_path, "name: x\nsam: stdcge.csv\nshocks:\n"
                        "  - {parameter: import_tariff_rate, set: 0\n")
    with pytest.raises(ConfigError) as info:
        Scenario.from_yaml(p)
    text = str(info.value)
    assert f"{p} line 5, column 1" in text
    assert "<unicode string>" not in text


def test_a_model_of_another_scenario_is_refused(tmp_path):
    china = Scenario.from_yaml(SCENARIOS / "china_export_demand_20_long.yaml")
    stdcge = Scenario.from_yaml(SCENARIOS / "stdcge_tariff_abolition.yaml").build()
    with pytest.raises(ConfigError) as info:
        run_scenario(china, model=stdcge)
    text = str(info.value)
    assert "not this scenario's model" in text
    assert "model: the model given is 'stdcge'" in text and "sam: the model given" in text
    les = Scenario.from_dict({**_raw(china), "options": {"household_demand": "les"}},
                             where="les.yaml")
    with pytest.raises(ConfigError, match="les.yaml: options: the model given has"):
        run_scenario(les, model=china.build())


def _raw(scenario: Scenario) -> dict:
    return {"name": scenario.name, "sam": str(scenario.sam), "model": scenario.model,
            "elasticities": dict(scenario.elasticities), "closure": scenario.closure,
            "shocks": [s.to_dict() for s in scenario.shocks]}


@pytest.mark.solver
def test_a_reused_model_runs_under_the_scenario_closure():
    long_run = Scenario.from_yaml(SCENARIOS / "china_export_demand_20_long.yaml")
    short_run = Scenario.from_yaml(SCENARIOS / "china_export_demand_20_short.yaml")
    alone = run_scenario(short_run, solver="persistent")
    reused = run_scenario(short_run, solver="persistent", model=long_run.build())
    assert reused.closure == alone.closure and reused.closure["labour"] == "fixed_real_wage"
    assert reused.counterfactual.value("output", "A_SEC") == pytest.approx(
        alone.counterfactual.value("output", "A_SEC"), rel=1e-8)
