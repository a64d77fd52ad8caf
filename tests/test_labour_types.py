"""Several labour types: one closure per labour factor (``labour_by_factor``, with ``labour``
as the shorthand) and Harris-Todaro migration between rural and urban labour."""

from __future__ import annotations

import pytest
from conftest import two_labour_sam

from cge.diagnostics import run_checks
from cge.errors import ConfigError
from cge.model.build import CGEModel
from cge.model.closures import Closure

pytestmark = pytest.mark.solver

OPTIONS = {"benchmark_unemployment_rate": 0.05}
ELASTICITIES = {"export_demand": 4}
#: A fall in world demand for secondary exports: urban labour demand falls most.
SECONDARY_EXPORT_FALL = [{"parameter": "export_demand", "multiply": 0.9, "index": "C_SEC"}]
URBAN_WAGE_CURVE = {"labour_by_factor": {"LAB_RUR": "full_employment",
                                         "LAB_URB": "wage_curve"}}
URBAN_FIXED_WAGE = {"labour_by_factor": {"LAB_RUR": "full_employment",
                                         "LAB_URB": "fixed_real_wage"}}
MIGRATION = {"migration": "harris_todaro", "migration_rural": "LAB_RUR",
             "migration_urban": "LAB_URB"}


@pytest.fixture(scope="module")
def sam():
    return two_labour_sam()


@pytest.fixture(scope="module")
def model(sam):
    return CGEModel(sam, "standard", options=OPTIONS, elasticities=ELASTICITIES)


def _labour(sol, factor: str) -> dict[str, float]:
    """Labour force, unemployment, its rate and the real wage of one labour type."""
    force = float(sol.values["markets.factor_endowment"][factor])
    idle = float(sol.values["markets.unemployment"][factor])
    wage = float(sol.values["markets.factor_price"][factor]) / sol.value("markets.cpi")
    return {"force": force, "unemployed": idle, "rate": idle / force, "real_wage": wage}


def _export_fall(model, closure) -> tuple[dict, dict]:
    """The two labour types after the secondary export fall under ``closure``."""
    model.apply_closure(closure)
    model.reset()
    model.solve()
    model.apply_shocks(SECONDARY_EXPORT_FALL)
    cf = model.solve()
    model.reset()
    return _labour(cf, "LAB_RUR"), _labour(cf, "LAB_URB")


def test_the_split_sam_balances_and_both_labour_accounts_are_labour(sam, model):
    assert sam.is_balanced()
    assert model.data.sets.labour_types == ["LAB_URB", "LAB_RUR"]
    assert model.data.sets.labour == "LAB_URB"      # the first labour account is the main one
    # a second labour type is not capital (sector-specific capital must leave it alone)
    assert model.data.sets.capital == ["CAP"]
    assert model.accounts.capital == ("CAP",)


def test_every_labour_type_has_the_benchmark_unemployment_rate(model):
    unemployment = model.data.markets.unemployment
    for f in ("LAB_RUR", "LAB_URB"):
        assert unemployment[f] / model.data.markets.factor_endowment[f] == pytest.approx(0.05)
    assert unemployment["CAP"] == 0


@pytest.mark.parametrize("closure", [
    {"labour": "fixed_real_wage"},
    URBAN_WAGE_CURVE,
    URBAN_FIXED_WAGE,
    {"labour": "wage_curve", "labour_by_factor": {"LAB_RUR": "fixed_nominal_wage"}},
    {**URBAN_FIXED_WAGE, **MIGRATION},
    {**URBAN_WAGE_CURVE, **MIGRATION},
    {"savings_investment": "keynesian",
     "labour_by_factor": {"LAB_URB": "fixed_nominal_wage"}},
], ids=["shorthand", "urban_curve", "urban_fixed", "rural_nominal", "migration_fixed",
        "migration_curve", "keynesian"])
def test_each_closure_is_square_replicates_and_passes_every_check(model, closure):
    pyomo = model.pyomo
    model.apply_closure(closure)
    assert model.pyomo is pyomo                 # pins only: no rebuild
    counts = model.counts()
    assert counts["free_variables"] == counts["equations"]
    table = run_checks(model, solver="persistent")
    assert table["passed"].all(), table.to_string()
    assert model.solve().stats.iterations == 0


def test_labour_is_shorthand_for_every_labour_type(model):
    shorthand = _export_fall(model, {"labour": "fixed_real_wage"})
    explicit = _export_fall(model, {"labour": "full_employment", "labour_by_factor": {
        "LAB_RUR": "fixed_real_wage", "LAB_URB": "fixed_real_wage"}})
    for short, long in zip(shorthand, explicit, strict=True):
        for key in short:
            assert short[key] == pytest.approx(long[key], rel=1e-9), key


def test_an_export_fall_idles_urban_labour_and_lowers_the_rural_wage(model):
    rural, urban = _export_fall(model, URBAN_FIXED_WAGE)
    assert urban["real_wage"] == pytest.approx(1.0)
    assert urban["rate"] > 0.05 + 1e-4
    assert rural["rate"] == pytest.approx(0.05)
    assert rural["real_wage"] < 1 - 1e-4


def test_harris_todaro_moves_workers_to_the_country_and_damps_urban_unemployment(model):
    base = model.data.markets.factor_endowment
    rural, urban = _export_fall(model, {**URBAN_WAGE_CURVE, **MIGRATION})
    stay_rural, stay_urban = _export_fall(model, URBAN_WAGE_CURVE)
    assert rural["force"] + urban["force"] == pytest.approx(
        (base["LAB_RUR"] + base["LAB_URB"]) * model.scale, rel=1e-10)
    assert rural["force"] > base["LAB_RUR"] * model.scale * (1 + 1e-5)
    assert 0.05 < urban["rate"] < stay_urban["rate"]
    assert stay_rural["force"] == pytest.approx(base["LAB_RUR"] * model.scale)
    # the rural wage equals the expected urban wage, up to the benchmark wedge 1 / (1 - u0)
    assert rural["real_wage"] == pytest.approx(
        urban["real_wage"] * (1 - urban["rate"]) / (1 - 0.05), rel=1e-8)


def test_unknown_labour_factor_and_option_are_reported_at_once(model):
    with pytest.raises(ConfigError) as info:
        model.apply_closure({"labour_by_factor": {"LAB_URN": "fixed_real_wage",
                                                  "LAB_RUR": "fixed_wage"}})
    text = str(info.value)
    assert "did you mean 'fixed_real_wage'" in text
    with pytest.raises(ConfigError, match="did you mean 'LAB_URB'"):
        model.apply_closure({"labour_by_factor": {"LAB_URN": "fixed_real_wage"}})
    with pytest.raises(ConfigError, match="not a mapping"):
        Closure.from_user({"labour_by_factor": "wage_curve"})


def test_migration_refuses_a_rigid_rural_wage_and_one_labour_type(model, sam):
    with pytest.raises(ConfigError, match="full_employment"):
        model.apply_closure({"labour": "fixed_real_wage", **MIGRATION})
    with pytest.raises(ConfigError, match="the same"):
        model.apply_closure({**MIGRATION, "migration_urban": "LAB_RUR"})
    with pytest.raises(ConfigError, match="migration is none"):
        model.apply_closure({"migration_rural": "LAB_RUR"})
    from cge.sam.synthetic import synthetic_sam

    with pytest.raises(ConfigError, match="two labour types"):
        CGEModel(synthetic_sam(3, 1), "standard", closure={"migration": "harris_todaro"})


def test_unnamed_migrants_are_the_rural_labour_type_and_the_other(model):
    closure = Closure.from_user({"migration": "harris_todaro"})
    assert closure.migrants(model.data.sets) == ("LAB_RUR", "LAB_URB")

    class Sets:                          # WAGE has 'AG' in it: RUR comes first
        labour_types = ["WAGE_URB", "WAGE_RUR"]
    assert closure.migrants(Sets) == ("WAGE_RUR", "WAGE_URB")


def test_the_closure_of_one_labour_type_prints_as_before():
    assert set(Closure().to_dict()) == {"savings_investment", "external", "government",
                                        "labour", "capital", "numeraire"}
    again = Closure.from_user(Closure(labour_by_factor={"LAB_URB": "wage_curve"}).to_dict())
    assert again.labour_of("LAB_URB") == "wage_curve"
    assert again.labour_of("LAB_RUR") == "full_employment"


def test_the_wage_of_each_labour_type_and_the_migrating_pool_can_be_shocked(sam):
    model = CGEModel(sam, "standard", options=OPTIONS, elasticities=ELASTICITIES,
                     closure={"labour": "fixed_real_wage",
                              "labour_by_factor": {"LAB_URB": "full_employment"}})
    with pytest.raises(ConfigError, match="fixed_real_wage"):
        model.apply_shocks([{"parameter": "real_wage", "multiply": 0.99}])
    model.apply_shocks([{"parameter": "labour_real_wage", "index": "LAB_RUR",
                         "multiply": 0.98}])
    rural = _labour(model.solve(), "LAB_RUR")
    assert rural["real_wage"] == pytest.approx(0.98)
    assert rural["rate"] < 0.05 - 1e-4

    model.apply_closure({**URBAN_FIXED_WAGE, **MIGRATION})
    model.reset()
    with pytest.raises(ConfigError, match="endogenous"):
        model.apply_shocks([{"parameter": "factor_endowment", "index": "LAB_URB",
                             "multiply": 1.01}])
    model.apply_shocks([{"parameter": "migration_labour_pool", "index": "LAB_RUR,LAB_URB",
                         "multiply": 1.01}])
    sol = model.solve()
    pool = sum(_labour(sol, f)["force"] for f in ("LAB_RUR", "LAB_URB"))
    base = model.data.markets.factor_endowment
    assert pool == pytest.approx(1.01 * (base["LAB_RUR"] + base["LAB_URB"]) * model.scale)


def test_indicators_report_each_labour_type(model):
    from cge.indicators import indicators

    model.apply_closure({**URBAN_WAGE_CURVE, **MIGRATION})
    model.reset()
    base = model.solve()
    model.apply_shocks(SECONDARY_EXPORT_FALL)
    cf = model.solve()
    model.reset()
    out = indicators(base, cf, model)
    rural, urban = _labour(cf, "LAB_RUR"), _labour(cf, "LAB_URB")
    assert set(out["real_wage_by_labour_type"]) == {"LAB_RUR", "LAB_URB"}
    assert out["real_wage_by_labour_type"]["LAB_URB"] == pytest.approx(
        100 * (urban["real_wage"] - 1))
    assert out["labour_force_by_labour_type"]["LAB_RUR"]["counterfactual"] == pytest.approx(
        rural["force"])
    assert out["unemployment_rate_by_labour_type"]["LAB_URB"]["counterfactual"] == \
        pytest.approx(100 * urban["rate"])
    jobs = out["employment_by_labour_type"]["LAB_URB"]
    assert jobs["counterfactual"] == pytest.approx(urban["force"] - urban["unemployed"])
    # the main labour type keeps today's keys
    assert out["real_wage"] == pytest.approx(out["real_wage_by_labour_type"]["LAB_URB"])


def test_cge_run_prints_each_labour_type_and_refuses_an_unknown_one(sam, tmp_path, capsys):
    from cge.cli import main
    from cge.sam.io import write_sam

    write_sam(sam, tmp_path / "two.csv")
    scenario = tmp_path / "ht.yaml"
    text = ("name: ht\nsam: two.csv\nmodel: standard\nelasticities: {export_demand: 4}\n"
            "options: {benchmark_unemployment_rate: 0.05}\nclosure:\n"
            "  labour_by_factor: {%s: wage_curve}\n  migration: harris_todaro\n"
            "shocks:\n  - {parameter: export_demand, index: C_SEC, multiply: 0.9}\n")
    scenario.write_text(text % "LAB_URB")
    assert main(["run", str(scenario)]) == 0
    out = capsys.readouterr().out
    assert "LAB_URB: real wage -0.286%" in out
    assert "unemployment rate 5.000% -> 5.145%" in out
    scenario.write_text(text % "LAB_URN")
    assert main(["run", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'LAB_URB'" in err and "Traceback" not in err
