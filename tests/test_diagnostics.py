"""Replication, homogeneity, Walras and GDP checks on every bundled SAM and random SAMs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cge.diagnostics import gdp_accounts, run_checks, worst_residuals
from cge.model.build import CGEModel
from cge.sam.io import read_sam
from cge.sam.synthetic import synthetic_sam

pytestmark = pytest.mark.solver

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = [p for p in (ROOT / "sam_data" / "stdcge.csv",
                       ROOT / "sam_data" / "china_2018_3sector.xlsx") if p.exists()]


def _assert_all_pass(model):
    table = run_checks(model, solver="persistent")
    assert table["passed"].all(), table.to_string()


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
@pytest.mark.parametrize("spec", ["stdcge", "standard"])
def test_checks_pass_on_bundled_sams(path, spec):
    _assert_all_pass(CGEModel(read_sam(path), spec))


def test_checks_hold_after_a_shock_and_restore_the_model():
    model = CGEModel(read_sam(ROOT / "sam_data" / "stdcge.csv"), "stdcge")
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    cf = model.solve()
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
