"""Replication, homogeneity, Walras and GDP checks: they pass on every bundled SAM and random
SAMs, and each fails, naming the place, on a model broken on purpose (tests/breakage.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from breakage import (
    budget_shares_swapped,
    factor_income_lost,
    investment_left_out_of_market,
    market_dropped,
    money_illusion,
    negative_endowment,
    tariff_revenue_lost,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cge.diagnostics import (
    CHECK_TOL,
    gdp_accounts,
    gdp_identity,
    homogeneity,
    replication,
    run_checks,
    walras,
    worst_residuals,
)
from cge.errors import SolveError
from cge.model.build import CGEModel
from cge.sam.io import read_sam
from cge.sam.synthetic import synthetic_sam
from cge.solve import IPOPT_OPTIONS, acceptance_threshold

pytestmark = pytest.mark.solver

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = [p for p in (ROOT / "sam_data" / "stdcge.csv",
                       ROOT / "sam_data" / "china_2018_3sector.xlsx") if p.exists()]


@pytest.fixture(scope="module")
def sams():
    return {"stdcge": read_sam(ROOT / "sam_data" / "stdcge.xlsx"),
            "china": read_sam(ROOT / "sam_data" / "china_2018_3sector.xlsx")}


def broken(sams, sam, spec, breaker, *args):
    """A model of ``sams[sam]`` broken by ``breaker`` before any solve."""
    model = CGEModel(sams[sam], spec)
    breaker(model, *args)
    return model


def _assert_all_pass(model):
    table = run_checks(model, solver="persistent")
    assert table["passed"].all(), table.to_string()


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
@pytest.mark.parametrize("spec", ["stdcge", "standard"])
def test_checks_pass_on_bundled_sams(path, spec):
    sam = read_sam(path)
    # stdcge's numeraire is the wage, LAB; the China SAM's main labour type is LAB_URB
    closure = {"numeraire": "LAB_URB"} if spec == "stdcge" and "LAB_URB" in sam.labels else None
    _assert_all_pass(CGEModel(sam, spec, closure))


def test_checks_hold_after_a_shock_and_restore_the_model():
    model = CGEModel(read_sam(ROOT / "sam_data" / "stdcge.csv"), "stdcge")
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    cf = model.solve(enforce_walras=False)         # Walras' law is the check's to judge
    table = run_checks(model)
    assert table.loc[["walras", "gdp_identity", "homogeneity"], "passed"].all()
    # the checks leave the shocked model where it was
    assert model.pyomo.trade.import_tariff_rate["BRD"].value == 0
    assert model.pyomo.production.output["BRD"].value == pytest.approx(
        cf.value("output", "BRD") / model.scale)


def test_gdp_accounts_match_the_sam():
    model = CGEModel(read_sam(ROOT / "sam_data" / "stdcge.csv"), "stdcge")
    g = gdp_accounts(model)
    assert g["income_side"] == pytest.approx(90 + 9 + 3)       # factors + IDT + TRF
    assert g["expenditure_side"] == pytest.approx(50 + 33 + 31 + 12 - 24)


def test_worst_residuals_name_equations_and_accounts():
    model = CGEModel(synthetic_sam(3), "standard")
    model.pyomo.production.output["A002"].set_value(2 * model.pyomo.production.output[
        "A002"].value)
    table = worst_residuals(model, 3)
    assert "A002" in table.loc[0, "equation"]
    assert table.loc[0, "meaning"]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 12), households=st.integers(1, 3))
def test_checks_pass_on_random_standard_sams(seed, n, households):
    _assert_all_pass(CGEModel(synthetic_sam(n, seed, households=households), "standard"))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 12))
def test_checks_pass_on_random_stdcge_sams(seed, n):
    _assert_all_pass(CGEModel(synthetic_sam(n, seed, kind="stdcge"), "stdcge"))


@pytest.mark.parametrize("check", ["walras", "gdp_identity"])
def test_a_check_on_an_unsolved_model_leaves_it_unsolved(check):
    import numpy as np

    from cge import diagnostics

    model = CGEModel(synthetic_sam(3, 1), "standard")
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    before = model.variable_index.values()
    assert getattr(diagnostics, check)(model)
    assert model.last_stats is None
    np.testing.assert_array_equal(model.variable_index.values(), before)


def test_no_check_is_looser_than_the_solve():
    assert CHECK_TOL <= acceptance_threshold(IPOPT_OPTIONS)


@pytest.mark.parametrize("sam, spec, breaker, args, accounts", [
    ("stdcge", "stdcge", tariff_revenue_lost, (), ["GOV (government)", "EXT (rest_of_world)"]),
    ("china", "standard", factor_income_lost, ("HH_URB", "CAP"),
     ["HH_URB (household)", "ROW (rest_of_world)"]),
], ids=["tariff_revenue_lost", "capital_income_lost"])
def test_walras_fails_when_a_flow_leaks(sams, sam, spec, breaker, args, accounts):
    """Tax revenue that reaches no government, capital income that reaches no household:
    the square system solves, the balance of payments (dropped by Walras' law) does not hold."""
    model = broken(sams, sam, spec, breaker, *args)
    check = walras(model, solver="persistent")
    assert not check and check.deviation > 1e-3
    assert "rest_of_world.balance_of_payments" in check.detail
    assert check.where.startswith("rest_of_world.balance_of_payments")
    for account in accounts:
        assert account in check.detail
    # the same leak after a solve that did not enforce Walras' law
    model.solve(solver="persistent", enforce_walras=False)
    assert walras(model).deviation == pytest.approx(check.deviation, rel=1e-6)


def test_replication_fails_when_demand_does_not_match_the_sam(sams):
    """Budget shares of two goods swapped: budgets add up (Walras' law holds), but the
    benchmark leaves the SAM; the check names the cell and the equation."""
    model = broken(sams, "stdcge", "stdcge", budget_shares_swapped, "HOH", "BRD", "MLK")
    check = replication(model, solver="persistent")
    assert not check and check.deviation > 0.1
    assert check.where == "SAM row BRD, column HOH"
    assert "implied 30.1" in check.detail and "SAM 20" in check.detail
    assert "households.broken_demand[" in check.detail
    assert walras(model, solver="persistent")


@pytest.mark.parametrize("sam, spec", [("stdcge", "stdcge"), ("china", "standard")])
def test_homogeneity_fails_with_money_illusion(sams, sam, spec):
    """Households spend budget shares on quantities: right at the benchmark (replication
    passes), wrong once the numeraire doubles; the check names the variable and equation."""
    model = broken(sams, sam, spec, money_illusion)
    check = homogeneity(model, solver="persistent")
    assert not check and check.deviation > 0.1
    assert check.where and "[" in check.where and check.where in check.detail
    assert "at the scaled solution the equation households.broken_demand[" in check.detail
    assert replication(model, solver="persistent")


@pytest.mark.parametrize("sam, spec, commodity, other", [
    ("stdcge", "stdcge", "MLK", "EXT"), ("china", "standard", "C_SEC", "ROW")])
def test_gdp_identity_fails_when_a_market_forgets_a_buyer(sams, sam, spec, commodity, other):
    """Investment demand left out of one goods market: expenditure counts it, supply does
    not; the check names the commodity account."""
    model = broken(sams, sam, spec, investment_left_out_of_market, commodity)
    check = gdp_identity(model, solver="persistent")
    assert not check and check.deviation > 0.1
    assert commodity in check.where and other in check.where
    assert f"{commodity} (" in check.detail and "expenditure side" in check.detail


def test_a_model_that_cannot_solve_fails_every_check_naming_the_equation(sams):
    model = broken(sams, "stdcge", "stdcge", negative_endowment, "LAB")
    for check in (replication, homogeneity, walras, gdp_identity):
        with pytest.raises(SolveError, match=r"markets\.broken_factor_market\[LAB\]"):
            check(model, solver="persistent")


def test_a_dropped_market_is_not_square(sams):
    model = broken(sams, "stdcge", "stdcge", market_dropped, "BRD")
    with pytest.raises(SolveError, match="not square") as err:
        run_checks(model, solver="persistent")
    assert "closure" in str(err.value)
