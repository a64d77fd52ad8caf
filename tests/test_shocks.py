"""Shocks: the one parser and validator, its rules per parameter (SHOCK_PARAMETERS), no solve."""

from __future__ import annotations

from pathlib import Path

import pytest

from cge.errors import ConfigError
from cge.model.build import CGEModel
from cge.model.shocks import SHOCK_PARAMETERS, Shock, check_shocks
from cge.sam.io import read_sam

CHINA = Path(__file__).resolve().parents[1] / "sam_data" / "china_2018_3sector.csv"


@pytest.fixture(scope="module")
def china():
    return read_sam(CHINA)


def _problems(model, *shocks) -> str:
    return "\n".join(str(p) for p in check_shocks(model, list(shocks)))


def test_a_parameter_that_must_stay_positive_refuses_zero_or_negative_values(china):
    model = CGEModel(china, "standard")
    text = _problems(model,
                     {"parameter": "factor_endowment", "index": "LAB", "multiply": 0},
                     {"parameter": "productivity", "multiply": -1},
                     {"parameter": "world_import_price", "set": 0},
                     {"parameter": "factor_endowment", "index": "CAP", "add": -1e12})
    assert "shocks[0].multiply: factor_endowment must stay positive" in text
    assert "shocks[1].multiply: productivity must stay positive" in text
    assert "shocks[2].set: world_import_price must stay positive" in text
    assert "shocks[3] (factor_endowment).add: factor_endowment must stay positive" in text
    # rates may be zero, and a zero rate is the usual abolition
    assert _problems(model, {"parameter": "import_tariff_rate", "multiply": 0},
                     {"parameter": "household_saving_rate", "set": 0}) == ""
    with pytest.raises(ConfigError, match="must stay positive"):
        model.apply_shocks([{"parameter": "productivity", "multiply": 0}])


@pytest.mark.parametrize("parameter, closure, message, fix", [
    ("investment", {}, "investment is endogenous under savings_investment: savings_driven",
     "use investment_driven or keynesian"),
    ("nominal_wage", {}, "nominal_wage is endogenous under labour: full_employment",
     "use fixed_nominal_wage"),
    ("real_wage", {}, "real_wage is endogenous under labour: full_employment",
     "use fixed_real_wage"),
    ("exchange_rate", {}, "exchange_rate is endogenous under external: flexible_exchange_rate",
     "use external: fixed_exchange_rate or numeraire: exchange_rate"),
    ("government_consumption", {"savings_investment": "balanced"},
     "government_consumption is endogenous under savings_investment: balanced",
     "use savings_driven or investment_driven or keynesian"),
    ("government_savings", {}, "government_savings is endogenous under government: "
     "flexible_saving", "use tax_scaler"),
])
def test_a_shock_the_closure_ignores_names_the_closure_that_uses_it(china, parameter, closure,
                                                                    message, fix):
    model = CGEModel(china, "standard", closure)
    problems = check_shocks(model, [{"parameter": parameter, "multiply": 1.1}])
    assert [p.kind for p in problems] == ["closure"]
    assert message in problems[0].message and problems[0].fix == fix
    wanted = {k: v for k, v in (SHOCK_PARAMETERS[parameter].closure[0],)}
    model.apply_closure({**closure, **wanted})
    assert check_shocks(model, [{"parameter": parameter, "multiply": 1.1}]) == []


def test_export_demand_without_its_elasticity_says_to_set_it(china):
    model = CGEModel(china, "standard")
    problems = check_shocks(model, [{"parameter": "export_demand", "index": "C_SEC",
                                     "multiply": 0.8}])
    assert [p.kind for p in problems] == ["not_in_model"]
    assert "set elasticities.export_demand (e.g. 4" in problems[0].fix


def test_a_world_export_price_on_a_finite_demand_curve_points_to_export_demand(china):
    model = CGEModel(china, "standard", elasticities={"export_demand": 4})
    problems = check_shocks(model, [{"parameter": "world_export_price", "index": "C_SEC",
                                     "multiply": 0.8}])
    assert [p.kind for p in problems] == ["endogenous"]
    assert "moves along the export demand curve" in problems[0].message
    assert "shock export_demand (a shift of the demand curve)" in problems[0].fix
    assert "closure" not in problems[0].fix


def test_an_endowment_of_sector_specific_capital_is_checked_as_the_model_applies_it(china):
    model = CGEModel(china, "standard", {"capital": "sector_specific"})
    assert check_shocks(model, [{"parameter": "factor_endowment", "index": "CAP",
                                 "multiply": 1.1}]) == []
    problems = check_shocks(model, [{"parameter": "factor_endowment", "index": "CAP,A_SEX",
                                     "multiply": 1.1}])
    assert "did you mean 'CAP,A_SEC'?" in problems[0].fix


def test_misspelt_names_and_labels_get_the_nearest_one(china):
    model = CGEModel(china, "standard")
    text = _problems(model, {"parameter": "import_tarif_rate", "set": 0},
                     {"parameter": "productivity", "index": "a_sec", "multiply": 1.1},
                     {"parameter": "productivity", "multipy": 1.1})
    assert "did you mean 'import_tariff_rate'? allowed: import_tariff_rate" in text
    assert "did you mean 'A_SEC'? allowed: A_PRI, A_SEC, A_TER" in text
    assert "shocks[2].multipy: unknown key (did you mean 'multiply'?" in text


def test_the_parser_without_a_parameter_table_accepts_any_name_but_not_a_bad_value():
    assert Shock.from_mapping({"parameter": "p", "index": " B ", "add": 1},
                              parameters=None) == Shock("p", "add", 1.0, "B")
    with pytest.raises(ConfigError, match="is not a finite number"):
        Shock.from_mapping({"parameter": "p", "set": "nan"}, parameters=None)


def test_export_volume_is_solved_for_not_set(china):
    """Applied as a plain value it would set an export tax rate: refused, naming the way."""
    model = CGEModel(china, "standard")
    assert not check_shocks(model, [{"parameter": "export_volume", "index": "C_SEC",
                                     "multiply": 0.9}])
    with pytest.raises(ConfigError, match="apply_scenario_shocks"):
        model.apply_shocks([{"parameter": "export_volume", "index": "C_SEC", "multiply": 0.9}])


@pytest.mark.solver
@pytest.mark.parametrize("elasticities", [{"export_demand": 4}, {}],
                         ids=["demand-curve", "small-open-economy"])
def test_export_volume_moves_exports_at_an_unchanged_world_price(china, elasticities):
    """The volume form: exports of C_SEC 10 % lower, the world price where it was; the
    demand-curve form (export_demand) lowers the world price too."""
    from cge.runs import apply_scenario_shocks

    model = CGEModel(china, "standard", None, {"armington": 2, "cet": 2, **elasticities})
    base = model.solve(solver="persistent")
    rates = apply_scenario_shocks(model, [{"parameter": "export_volume", "index": "C_SEC",
                                           "multiply": 0.9}], "persistent")
    cf = model.solve(solver="persistent")
    e0, e1 = (s.levels("exports")["C_SEC"] for s in (base, cf))
    assert e1 / e0 == pytest.approx(0.9, rel=1e-8)
    assert cf.levels("world_export_price")["C_SEC"] == pytest.approx(1.0, abs=1e-8)
    assert rates["C_SEC"] > 0          # the tax equivalent of a volume restraint
    if elasticities:
        model.reset()
        model.apply_shocks([{"parameter": "export_demand", "index": "C_SEC", "multiply": 0.9}])
        curve = model.solve(solver="persistent")
        assert curve.levels("world_export_price")["C_SEC"] < 1 - 1e-3


def test_a_batch_refuses_export_volume(tmp_path):
    import yaml

    from cge.batch import read_batch
    from cge.batch.spec import check_model_names

    scenarios = Path(__file__).resolve().parents[1] / "sam_data" / "scenarios"
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump({
        "base": str(scenarios / "china_2018_export_sensitivity_base.yaml"),
        "scenarios": [{"name": "volume", "shocks": [
            {"parameter": "export_volume", "index": "C_SEC", "multiply": 0.9}]}]}))
    with pytest.raises(ConfigError, match="solved for by cge run"):
        check_model_names(read_batch(path))
