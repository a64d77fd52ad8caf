"""Closures that let demand and the labour market move output: saving-rate adjustment over
households and enterprises, keynesian, wage_curve, fixed_nominal_wage, excess_capacity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cge.cli import main
from cge.diagnostics import run_checks
from cge.errors import ConfigError
from cge.indicators import real_gdp
from cge.model.build import CGEModel
from cge.sam.io import read_sam
from cge.sam.synthetic import synthetic_sam

pytestmark = pytest.mark.solver

ROOT = Path(__file__).resolve().parents[1]
CHINA = ROOT / "sam_data" / "china_2018_3sector.csv"
#: The elasticities of the China policy scenarios.
CHINA_ELASTICITIES = {"armington": 2, "cet": 2, "export_demand": 4}
#: Deficit-financed transfers to households, and real investment, of 1 % of GDP each (the
#: sizes of sam_data/scenarios/china_transfers_1pct_deficit and
#: china_debt_financed_investment_1pct).
TRANSFERS_1PCT = [{"parameter": "household_transfers", "multiply": 1.157142}]
INVESTMENT_1PCT = [{"parameter": "investment", "multiply": 1.022574}]
EXPORT_FALL = [{"parameter": "export_demand", "multiply": 0.9}]


def _assert_checks_pass(model):
    table = run_checks(model, solver="persistent")
    assert table["passed"].all(), table.to_string()


def _employment(sol) -> float:
    demand = sol.values["production.factor_demand"]
    return float(demand[[k for k in demand.index if k[0].startswith("LAB")]].sum())


def _capital_use(sol) -> float:
    demand = sol.values["production.factor_demand"]
    return float(demand[[k for k in demand.index if k[0] == "CAP"]].sum())


def _response(model, closure, shocks) -> dict[str, float]:
    """Percent changes of employment and real GDP after ``shocks`` under ``closure``."""
    model.apply_closure(closure)
    model.reset()
    base = model.solve()
    model.apply_shocks(shocks)
    cf = model.solve()
    return {"employment": 100 * (_employment(cf) / _employment(base) - 1),
            "real_gdp": 100 * (real_gdp(cf) / real_gdp(base) - 1)}


@pytest.fixture(scope="module")
def sam():
    return synthetic_sam(4, 7, households=2)


@pytest.fixture(scope="module")
def china():
    return CGEModel(read_sam(CHINA), "standard", elasticities=CHINA_ELASTICITIES)


# ------------------------------------------------------------- saving-rate adjustment
def _saving_rates(sol, model):
    hh = sol.values["households.savings"] / sol.values["households.income"]
    ent = sol.values["enterprises.savings"] / sol.values["enterprises.income"]
    return hh, ent


@pytest.mark.parametrize("adjustment", ["scaler", "points"])
def test_investment_driven_moves_household_and_enterprise_saving_rates(sam, adjustment):
    model = CGEModel(sam, "standard", closure={"savings_investment": "investment_driven"},
                     options={"saving_adjustment": adjustment})
    _assert_checks_pass(model)
    base = model.solve()
    model.apply_shocks([{"parameter": "investment", "multiply": 1.1}])
    cf = model.solve()
    (hh0, ent0), (hh1, ent1) = _saving_rates(base, model), _saving_rates(cf, model)
    assert (ent1 > ent0 * 1.01).all() and (hh1 > hh0 * 1.01).all()
    if adjustment == "scaler":   # every rate times the same scaler
        ratio = float(hh1.iloc[0] / hh0.iloc[0])
        assert (hh1 / hh0).to_numpy() == pytest.approx(ratio, rel=1e-8)
        assert (ent1 / ent0).to_numpy() == pytest.approx(ratio, rel=1e-8)
        assert cf.value("households.saving_rate_scaler") == pytest.approx(ratio, rel=1e-8)
    else:                        # every rate plus the same points
        points = float(hh1.iloc[0] - hh0.iloc[0])
        assert (hh1 - hh0).to_numpy() == pytest.approx(points, rel=1e-8)
        assert (ent1 - ent0).to_numpy() == pytest.approx(points, rel=1e-8)
        assert cf.value("households.saving_rate_change") == pytest.approx(points, rel=1e-8)
    # enterprises retain out of their payouts to households
    assert (cf.values["enterprises.payout_adjustment"] < 1).all()


def test_the_implied_sam_balances_when_enterprises_retain_out_of_payouts(sam):
    """The payouts the implied SAM books are those the model pays (theta included)."""
    from cge.results import solution_sam

    model = CGEModel(sam, "standard", closure={"savings_investment": "investment_driven"})
    model.apply_shocks([{"parameter": "investment", "multiply": 1.2}])
    model.solve()
    implied = solution_sam(model)
    gap = (implied.sum(axis=1) - implied.sum(axis=0)).abs()
    assert gap.max() < 1e-8 * implied.abs().to_numpy().max()


def test_savings_driven_leaves_enterprise_saving_the_residual_of_payouts(sam):
    """A payout-rate shock still lowers retained earnings one for one (theta stays one)."""
    model = CGEModel(sam, "standard")
    model.apply_shocks([{"parameter": "enterprise_payout_rate", "multiply": 1.1}])
    cf = model.solve()
    assert cf.values["enterprises.payout_adjustment"].to_numpy() == pytest.approx(1.0)
    assert cf.value("households.saving_rate_scaler") == 1.0


# --------------------------------------------------------------------------- keynesian
@pytest.mark.parametrize("closure", [
    {"labour": "fixed_nominal_wage", "capital": "sector_specific"},
    {"labour": "fixed_real_wage", "capital": "excess_capacity"},
    {"labour": "fixed_nominal_wage", "capital": "mobile"},
])
def test_keynesian_closures_are_square_replicate_and_pass_every_check(sam, closure):
    model = CGEModel(sam, "standard", closure={"savings_investment": "keynesian", **closure})
    counts = model.counts()
    assert counts["free_variables"] == counts["equations"]
    _assert_checks_pass(model)


@pytest.mark.parametrize("closure, why", [
    ({}, "output is fixed by the factor supplies"),
    ({"labour": "fixed_real_wage"}, "the price level is indeterminate"),
    ({"labour": "wage_curve"}, "the price level is indeterminate"),
])
def test_keynesian_without_slack_or_nominal_anchor_is_refused(sam, closure, why):
    with pytest.raises(ConfigError) as err:
        CGEModel(sam, "standard", closure={"savings_investment": "keynesian", **closure},
                 options={"benchmark_unemployment_rate": 0.05})
    text = str(err.value)
    assert "closure.savings_investment" in text and "keynesian" in text and why in text
    assert "excess_capacity" in text and "fixed_nominal_wage" in text   # what would work


def test_cge_run_refuses_keynesian_full_employment_with_exit_2(tmp_path, capsys):
    scenario = tmp_path / "k.yaml"
    scenario.write_text(f"name: k\nsam: {CHINA}\nmodel: standard\n"
                        "closure: {savings_investment: keynesian}\n")
    assert main(["run", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "keynesian" in err and "excess_capacity" in err and "Traceback" not in err


@pytest.mark.parametrize("shocks, neoclassical", [
    (TRANSFERS_1PCT, "savings_driven"), (INVESTMENT_1PCT, "investment_driven")])
@pytest.mark.parametrize("factors", [
    {"labour": "fixed_nominal_wage", "capital": "sector_specific"},
    {"labour": "fixed_real_wage", "capital": "excess_capacity"}])
def test_demand_of_one_percent_of_gdp_raises_employment_and_gdp_more_under_keynesian(
        china, shocks, neoclassical, factors):
    keynes = _response(china, {"savings_investment": "keynesian", **factors}, shocks)
    neo = _response(china, {"savings_investment": neoclassical, **factors}, shocks)
    assert keynes["employment"] > 0.5 and keynes["real_gdp"] > 0.5
    assert keynes["employment"] > neo["employment"] + 0.5
    assert keynes["real_gdp"] > neo["real_gdp"] + 0.5


# -------------------------------------------------------------------------- wage curve
def test_benchmark_unemployment_enlarges_the_labour_force_and_still_replicates(sam):
    rate = 0.049
    plain = CGEModel(sam, "standard")
    model = CGEModel(sam, "standard", closure={"labour": "wage_curve"},
                     options={"benchmark_unemployment_rate": rate})
    employed = plain.data.markets.factor_endowment["LAB"]
    force = model.data.markets.factor_endowment["LAB"]
    assert force == pytest.approx(employed / (1 - rate), rel=1e-12)
    assert model.data.markets.unemployment["LAB"] == pytest.approx(rate * force, rel=1e-12)
    assert model.solve().stats.iterations == 0
    _assert_checks_pass(model)


def test_wage_curve_needs_a_benchmark_unemployment_rate_and_a_negative_elasticity(sam):
    with pytest.raises(ConfigError, match="benchmark_unemployment_rate"):
        CGEModel(sam, "standard", closure={"labour": "wage_curve"})
    with pytest.raises(ConfigError, match="wage_curve"):
        CGEModel(sam, "standard", elasticities={"wage_curve": 0.1})


def _export_fall(sam, closure, epsilon=-0.1):
    model = CGEModel(sam, "standard", closure=closure,
                     elasticities={"export_demand": 4, "wage_curve": epsilon},
                     options={"benchmark_unemployment_rate": 0.05})
    base = model.solve()
    model.apply_shocks(EXPORT_FALL)
    cf = model.solve()
    return {"employment": _employment(cf) / _employment(base),
            "real_wage": cf.value("markets.real_wage"),
            "real_gdp": real_gdp(cf) / real_gdp(base)}


def test_wage_curve_lies_between_fixed_real_wage_and_full_employment(sam):
    curve = _export_fall(sam, {"labour": "wage_curve"})
    fixed = _export_fall(sam, {"labour": "fixed_real_wage"})
    full = _export_fall(sam, {"labour": "full_employment"})
    assert fixed["employment"] < curve["employment"] < full["employment"]
    assert full["real_wage"] < curve["real_wage"] < fixed["real_wage"]


def test_wage_curve_limits_are_the_fixed_real_wage_and_full_employment(sam):
    near_zero = _export_fall(sam, {"labour": "wage_curve"}, epsilon=-1e-5)
    fixed = _export_fall(sam, {"labour": "fixed_real_wage"})
    steep = _export_fall(sam, {"labour": "wage_curve"}, epsilon=-1e4)
    full = _export_fall(sam, {"labour": "full_employment"})
    for key in near_zero:
        assert near_zero[key] == pytest.approx(fixed[key], rel=1e-5), key
        assert steep[key] == pytest.approx(full[key], rel=1e-5), key


# ----------------------------------------------------------------- fixed nominal wage
def test_fully_indexed_nominal_wage_is_the_fixed_real_wage(sam):
    closure = {"labour": "fixed_nominal_wage", "numeraire": "exchange_rate"}
    indexed = CGEModel(sam, "standard", closure=closure, options={"wage_indexation": 1})
    real = CGEModel(sam, "standard", closure={**closure, "labour": "fixed_real_wage"})
    for model in (indexed, real):
        model.apply_shocks([{"parameter": "world_import_price", "multiply": 1.2}])
    a, b = indexed.solve(), real.solve()
    assert a.value("markets.cpi") != pytest.approx(1.0, abs=1e-3)   # prices did move
    for path in ("production.factor_demand", "markets.factor_price", "households.utility"):
        assert a.values[path].to_numpy() == pytest.approx(b.values[path].to_numpy(), rel=1e-8)


@pytest.mark.parametrize("indexation", [0.0, 0.5])
def test_fixed_nominal_wage_passes_every_check_and_moves_with_its_indexation(sam, indexation):
    closure = {"labour": "fixed_nominal_wage", "numeraire": "exchange_rate"}
    model = CGEModel(sam, "standard", closure=closure,
                     options={"wage_indexation": indexation})
    _assert_checks_pass(model)
    model.apply_shocks([{"parameter": "world_import_price", "multiply": 1.2}])
    cf = model.solve()
    wage, cpi = cf.value("markets.factor_price", "LAB"), cf.value("markets.cpi")
    assert wage == pytest.approx(cpi ** indexation, rel=1e-8)
    assert cf.value("markets.unemployment", "LAB") != pytest.approx(0.0, abs=1e-6)


def test_fixed_nominal_wage_is_refused_when_the_wage_is_the_numeraire(sam):
    with pytest.raises(ConfigError, match="already fixes the nominal wage"):
        CGEModel(sam, "standard", closure={"labour": "fixed_nominal_wage", "numeraire": "LAB"})


# -------------------------------------------------------------------- excess capacity
def test_excess_capacity_holds_the_rental_rate_and_capital_use_follows_demand(sam):
    model = CGEModel(sam, "standard", closure={"capital": "excess_capacity",
                                               "labour": "fixed_real_wage"})
    _assert_checks_pass(model)
    base = model.solve()
    model.apply_shocks([{"parameter": "government_consumption", "multiply": 1.2}])
    up = model.solve()
    assert up.value("markets.factor_price", "CAP") == pytest.approx(1.0, abs=1e-12)
    assert _capital_use(up) > _capital_use(base) * 1.005
    model.reset()
    model.apply_shocks([{"parameter": "government_consumption", "multiply": 0.8}])
    assert _capital_use(model.solve()) < _capital_use(base) * 0.995
    # capital in use is an outcome now, not a shock
    with pytest.raises(ConfigError, match="factor_endowment"):
        model.apply_shocks([{"parameter": "factor_endowment", "index": "CAP", "multiply": 1.1}])


def test_a_new_wage_curve_elasticity_needs_no_rebuild(sam):
    options = {"benchmark_unemployment_rate": 0.05}
    moved = CGEModel(sam, "standard", closure={"labour": "wage_curve"}, options=options,
                     elasticities={"export_demand": 4})
    fresh = CGEModel(sam, "standard", closure={"labour": "wage_curve"}, options=options,
                     elasticities={"export_demand": 4, "wage_curve": -0.5})
    moved.set_elasticities({"export_demand": 4, "wage_curve": -0.5})
    assert moved.benchmark_levels["markets.wage_curve_elasticity"] == pytest.approx([-0.5])
    for model in (moved, fresh):
        model.apply_shocks(EXPORT_FALL)
    a, b = moved.solve(), fresh.solve()
    assert a.value("markets.unemployment", "LAB") == pytest.approx(
        b.value("markets.unemployment", "LAB"), rel=1e-8)


# ------------------------------------------------------------------ the fixed-price limit
#: The closure under which every price is fixed and output follows demand: the nominal
#: wage (no indexation), the rental rate and the exchange rate are pinned, labour and
#: capital in use adjust, real investment, government consumption and transfers and all
#: saving rates are held (government and foreign saving are the residuals).
FIXED_PRICE_CLOSURE = {"savings_investment": "keynesian", "labour": "fixed_nominal_wage",
                       "capital": "excess_capacity", "external": "fixed_exchange_rate",
                       "government": "flexible_saving"}


def _fixed_price_gap(sam, psi: float):
    """CGE change of domestic sales after a 1 % fall of export demand for C_SEC, minus the
    SAM-multiplier change (cge io) for the same export change, at CET elasticity ``psi``."""
    from cge.io_analysis import absorption_bound

    model = CGEModel(sam, "standard", closure=FIXED_PRICE_CLOSURE,
                     elasticities={"cet": psi, "export_demand": 4})
    base = model.solve()
    model.apply_shocks([{"parameter": "export_demand", "index": "C_SEC", "multiply": 0.99}])
    cf = model.solve()
    exports = cf.values["trade.exports"] - base.values["trade.exports"]
    sales = cf.values["trade.domestic_sales"] - base.values["trade.domestic_sales"]
    bound = absorption_bound(sam, exports.to_dict())["domestic_sales_change"]
    return (sales - bound.reindex(sales.index)).to_numpy(), sales.to_numpy()


def test_a_small_export_shock_at_fixed_prices_reproduces_the_sam_multipliers():
    """The fixed-price limit of the CGE model is the SAM-multiplier model of ``cge io``.

    Conditions: Leontief intermediates (no ``top`` elasticity), Cobb-Douglas households,
    every price fixed (FIXED_PRICE_CLOSURE: then Cobb-Douglas or CES value added and the
    Armington nest have fixed coefficients too), exports exogenous (a shift of a finite
    export demand curve with perfect transformation, CET elasticity to infinity), and the
    multiplier's default endogenous accounts (production, factors, households,
    enterprises), exogenous government, saving-investment and rest of the world. The gap
    is of order 1/psi (the CET); extrapolated to psi = infinity it is below 1e-6 of the
    change.
    """
    sam = read_sam(CHINA)
    (gap1, sales), (gap2, _) = _fixed_price_gap(sam, 1e4), _fixed_price_gap(sam, 4e4)
    scale = np.abs(sales).max()
    assert np.abs(gap1).max() / scale < 1e-3           # close already, and of order 1/psi:
    assert gap2 == pytest.approx(gap1 / 4, rel=1e-2, abs=1e-9 * scale)
    limit = (4 * gap2 - gap1) / 3                       # Richardson: psi -> infinity
    assert np.abs(limit).max() / scale < 1e-6


def test_numeric_options_are_checked_with_their_range_all_at_once():
    from cge.calibration import Options

    assert Options(wage_indexation=1).wage_indexation == 1.0
    with pytest.raises(ConfigError) as err:
        Options.from_user({"wage_indexation": 2, "benchmark_unemployment_rate": "high",
                           "saving_adjustment": "pts"})
    text = str(err.value)
    assert "options.wage_indexation: 2.0 is not a number from 0 to 1" in text
    assert "options.benchmark_unemployment_rate: 'high' is not a number from 0 to 0.5" in text
    assert "did you mean 'points'" in text
