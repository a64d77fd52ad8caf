"""The standard specification: structure, closures, shocks, solver paths, elasticities."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from cge.errors import ConfigError, SolveError
from cge.model.build import CGEModel
from cge.model.closures import Closure
from cge.sam import SAM
from cge.sam.synthetic import synthetic_sam

pytestmark = pytest.mark.solver

CHINA_BUNDLED = Path(__file__).resolve().parents[1] / "sam_data" / "china_2018_3sector.xlsx"


def china_sam() -> SAM:
    """The China SAM bundled in sam_data (part of the repository: missing is a failure)."""
    from cge.sam.io import read_sam

    return read_sam(CHINA_BUNDLED)


@pytest.fixture(scope="module")
def china():
    return china_sam()


def test_zero_cells_build_no_variables():
    sam = synthetic_sam(10, 1)
    model = CGEModel(sam, "standard")
    cal = model.calibration
    no_imports = set(cal["imports"][cal["imports"] == 0].index)
    no_exports = set(cal["exports"][cal["exports"] == 0].index)
    assert no_imports and no_exports
    m = model.pyomo
    assert set(m.trade.imports.keys()) == set(cal["imports"].index) - no_imports
    assert set(m.trade.exports.keys()) == set(cal["exports"].index) - no_exports
    assert set(m.trade.import_demand.keys()).isdisjoint(no_imports)
    assert set(m.trade.export_supply.keys()).isdisjoint(no_exports)


def test_equations_carry_their_economic_meaning(china):
    import pyomo.environ as pyo

    model = CGEModel(china, "standard")
    for c in model.pyomo.component_objects(pyo.Constraint, descend_into=True):
        assert c.doc and len(c.doc) > 20, c.name
    for _, v in model.variables():
        assert v.doc, v.name


def test_model_is_square_and_counts_are_reported(china):
    model = CGEModel(china, "standard")
    c = model.counts()
    assert c["free_variables"] == c["equations"] > 0
    base = model.solve()
    assert base.stats.free_variables == c["free_variables"]
    assert base.stats.iterations <= 2


def test_unknown_closure_options_list_the_allowed_values():
    with pytest.raises(ConfigError, match="savings_driven, investment_driven, balanced, "
                       "keynesian"):
        Closure(savings_investment="johansen")
    with pytest.raises(ConfigError, match="allowed keys"):
        Closure.from_user({"labor": "full_employment"})
    with pytest.raises(ConfigError, match="numeraire"):
        CGEModel(synthetic_sam(3), "standard", closure={"numeraire": "GOLD"})


def test_stdcge_refuses_closures_it_cannot_express():
    sam = synthetic_sam(3, kind="stdcge")
    with pytest.raises(ConfigError, match="savings_driven"):
        CGEModel(sam, "stdcge", closure={"savings_investment": "investment_driven"})


CLOSURES = [dict(zip(("savings_investment", "external", "government", "labour", "capital",
                      "numeraire"), combo, strict=False))
            for combo in itertools.product(
                ("savings_driven", "investment_driven", "balanced"),
                ("flexible_exchange_rate", "fixed_exchange_rate"),
                ("flexible_saving", "tax_scaler"), ("full_employment", "fixed_real_wage"),
                ("mobile", "sector_specific"), ("cpi", "LAB_URB"))]


@pytest.mark.slow
@pytest.mark.parametrize("closure", CLOSURES[::5], ids=lambda c: "-".join(c.values()))
def test_every_closure_replicates_and_solves_a_shock(china, closure):
    from cge.diagnostics import gdp_identity, homogeneity

    model = CGEModel(china, "standard", closure=closure)
    assert model.solve(solver="persistent").stats.iterations <= 2
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0},
                        {"parameter": "world_export_price", "index": "C_SEC", "multiply": 1.1}])
    model.solve(solver="persistent")
    assert homogeneity(model, solver="persistent")
    assert gdp_identity(model)


def test_closure_decides_what_moves(china):
    fixed = CGEModel(china, "standard", closure={"external": "fixed_exchange_rate"})
    fixed.solve()
    fixed.apply_shocks([{"parameter": "world_export_price", "multiply": 1.1}])
    cf = fixed.solve()
    assert cf.value("exchange_rate") == pytest.approx(1.0)
    assert cf.value("foreign_savings") != pytest.approx(fixed.calibration.benchmark[
        "foreign_savings"])
    unemployed = CGEModel(china, "standard", closure={"labour": "fixed_real_wage"})
    unemployed.solve()
    unemployed.apply_shocks([{"parameter": "productivity", "multiply": 0.95}])
    cf = unemployed.solve()
    assert cf.table("unemployment")["LAB_URB"] > 0
    assert cf.value("factor_price", "LAB_URB") / cf.value("cpi") == pytest.approx(1.0)


@pytest.mark.parametrize("spec, path", [("standard", "china_2018_3sector.xlsx"),
                                         ("stdcge", "stdcge.csv")])
def test_a_tax_the_sam_has_no_account_for_raises_revenue(spec, path):
    from cge.diagnostics import gdp_identity, walras
    from cge.sam.io import read_sam

    sam = read_sam(Path(__file__).resolve().parents[1] / "sam_data" / path)
    assert not sam.accounts_of("sales_tax")
    model = CGEModel(sam, spec)
    base = model.solve()
    model.apply_shocks([{"parameter": "sales_tax_rate", "set": 0.1}])
    cf = model.solve(enforce_walras=False)       # Walras' law is the check's to judge
    collected = float(cf.values["trade.sales_tax"].sum())
    assert collected > 0
    revenue = cf.value("government_revenue")
    assert revenue > base.value("government_revenue")
    assert walras(model) and gdp_identity(model)


def test_shocking_an_endogenous_variable_is_an_error(china):
    model = CGEModel(china, "standard")  # flexible exchange rate
    with pytest.raises(ConfigError, match="endogenous under external: flexible_exchange_rate"):
        model.apply_shocks([{"parameter": "exchange_rate", "set": 1.1}])
    with pytest.raises(ConfigError, match="allowed: C_PRI, C_SEC, C_TER"):
        model.apply_shocks([{"parameter": "import_tariff_rate", "index": "C_XXX", "set": 0}])
    with pytest.raises(ConfigError, match="allowed: import_tariff_rate"):
        model.apply_shocks([{"parameter": "tarif", "set": 0}])


def test_both_solver_paths_agree_and_reset_restores_the_benchmark():
    sam = synthetic_sam(10, 4, households=2)
    results = {}
    for solver in ("cyipopt", "persistent"):
        model = CGEModel(sam, "standard")
        base = model.solve(solver=solver)
        model.apply_shocks([{"parameter": "import_tariff_rate", "multiply": 0.5},
                            {"parameter": "factor_endowment", "index": "CAP", "multiply": 1.05}])
        results[solver] = model.solve(solver=solver)
        model.reset()
        again = model.solve(solver=solver)
        assert again.stats.iterations == 0
        pd.testing.assert_series_equal(again.table("output"), base.table("output"), rtol=1e-9)
    a, b = results["cyipopt"].table("output"), results["persistent"].table("output")
    pd.testing.assert_series_equal(a, b, rtol=1e-8)


def test_set_elasticities_recalibrates_without_rebuild(china):
    model = CGEModel(china, "standard")
    pyomo_model = model.pyomo
    model.solve(solver="persistent")
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    low = model.solve(solver="persistent").table("imports")
    model.reset()
    model.set_elasticities({"armington": 4.0})
    assert model.pyomo is pyomo_model
    assert model.solve(solver="persistent").stats.iterations <= 2  # still replicates
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    high = model.solve(solver="persistent").table("imports")
    base = model.calibration["imports"]
    taxed = model.calibration["import_tariff_rate"] > 0   # where the shock bites directly
    taxed = taxed[taxed].index
    assert ((high - base)[taxed] > (low - base)[taxed]).all()


def test_finite_export_demand_lowers_the_export_response(china):
    shocks = [{"parameter": "import_tariff_rate", "set": 0}]
    out, world_price = {}, None
    for label, el in (("small", {}), ("finite", {"export_demand": 2.0})):
        model = CGEModel(china, "standard", elasticities=el)
        model.solve()
        model.apply_shocks(shocks)
        cf = model.solve()
        out[label] = cf.table("exports")
        world_price = cf.table("trade.world_export_price")
    base = model.calibration["exports"]
    # exporters must cut their world price to sell more: the export boom is smaller
    assert (world_price < 1).all()
    assert (out["finite"] - base).sum() < (out["small"] - base).sum()


def test_failure_names_the_worst_equations():
    model = CGEModel(synthetic_sam(3, 2), "standard")
    model.apply_shocks([{"parameter": "factor_endowment", "index": "LAB", "multiply": 1e-9}])
    with pytest.raises(SolveError) as err:
        model.solve(max_iter=3)
    assert "scaled residual" in str(err.value)
    assert "[" in str(err.value)  # an equation named with its account label


def test_a_calibration_of_another_spec_or_with_elasticities_is_refused():
    from cge.calibration import calibrate

    sam = synthetic_sam(3, kind="stdcge")
    cal = calibrate(sam, "stdcge")
    with pytest.raises(ConfigError, match="calibrated for the stdcge model, not standard"):
        CGEModel(sam, "standard", calibration=cal)
    with pytest.raises(ConfigError, match="elasticities given together with a calibration"):
        CGEModel(sam, "stdcge", calibration=cal, elasticities={"armington": 3})
    with pytest.raises(ConfigError, match="options given together"):
        CGEModel(sam, "stdcge", calibration=cal, options={"household_demand": "les"})
    assert CGEModel(sam, "stdcge", calibration=cal).calibration is cal


def test_a_new_closure_pins_at_the_benchmark_not_the_last_counterfactual(china):
    model = CGEModel(china, "standard")   # flexible exchange rate
    model.solve()
    model.apply_shocks([{"parameter": "world_export_price", "multiply": 1.1}])
    moved = model.solve().value("exchange_rate")
    assert moved != pytest.approx(1.0)
    model.apply_closure({"external": "fixed_exchange_rate"})
    assert model.pyomo.markets.exchange_rate.lb == 1.0
    assert model.solve().value("exchange_rate") == pytest.approx(1.0)
