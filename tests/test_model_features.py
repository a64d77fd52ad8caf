"""Model options beyond the default: closures (balanced, tax scaler, sector-specific capital
endowments), LES household demand, a CES top nest, non-diagonal make matrices."""

from __future__ import annotations

import pytest

from cge.diagnostics import run_checks
from cge.errors import ConfigError
from cge.model.build import CGEModel
from cge.sam.synthetic import synthetic_sam

pytestmark = pytest.mark.solver


def _assert_checks_pass(model):
    table = run_checks(model, solver="persistent")
    assert table["passed"].all(), table.to_string()


def _absorption_shares(solution):
    pq = solution.table("price_composite")
    spend = {
        "household": sum(pq[c] * x for (c, _h), x in solution.table(
            "household_consumption").items()),
        "government": sum(pq[c] * x for c, x in solution.table("government_consumption").items()),
        "investment": sum(pq[c] * x for c, x in solution.table("investment_demand").items()),
    }
    total = sum(spend.values())
    return {k: v / total for k, v in spend.items()}


# --------------------------------------------------------------------------- closures
@pytest.fixture(scope="module")
def sam():
    return synthetic_sam(4, 7, households=2)


def test_balanced_closure_holds_investment_and_government_shares_of_absorption(sam):
    model = CGEModel(sam, "standard", closure={"savings_investment": "balanced"})
    base = model.solve()
    model.apply_shocks([{"parameter": "foreign_savings", "multiply": 1.5},
                        {"parameter": "import_tariff_rate", "set": 0}])
    cf = model.solve()
    before, after = _absorption_shares(base), _absorption_shares(cf)
    assert after["investment"] == pytest.approx(before["investment"], rel=1e-8)
    assert after["government"] == pytest.approx(before["government"], rel=1e-8)
    # both real aggregates moved, through their scalers
    assert cf.value("government.scaler") != pytest.approx(1.0, abs=1e-4)
    assert cf.value("investment.scaler") != pytest.approx(1.0, abs=1e-4)
    _assert_checks_pass(model)


def test_tax_scaler_holds_real_government_saving_and_raises_taxes_after_a_tariff_cut(sam):
    model = CGEModel(sam, "standard", closure={"government": "tax_scaler"})
    base = model.solve()
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    cf = model.solve()
    real = [s.value("government_savings") / s.value("cpi") for s in (base, cf)]
    assert real[1] == pytest.approx(real[0], rel=1e-8)
    assert cf.value("government.tax_scaler") > 1.0   # lost tariff revenue made up by direct tax
    assert cf.value("government.saving_rate") != pytest.approx(base.value(
        "government.saving_rate"), rel=1e-6)        # no longer a share of revenue
    _assert_checks_pass(model)


def test_government_saving_is_a_shock_under_the_tax_scaler_only(sam):
    model = CGEModel(sam, "standard", closure={"government": "tax_scaler"})
    base = model.solve()
    model.apply_shocks([{"parameter": "government_savings", "add": 1.0}])
    cf = model.solve()
    assert cf.value("government_savings") / cf.value("cpi") == pytest.approx(
        base.value("government_savings") + 1.0, rel=1e-8)
    assert cf.value("government.tax_scaler") > 1.0
    with pytest.raises(ConfigError, match="endogenous under the closure"):
        CGEModel(sam, "standard").apply_shocks([{"parameter": "government_savings", "add": 1}])


@pytest.fixture(scope="module")
def specific(sam):
    return CGEModel(sam, "standard", closure={"capital": "sector_specific"})


def _capital(solution, activity=None):
    table = solution.table("factor_demand").xs("CAP", level=0)
    return table if activity is None else float(table[activity])


def test_capital_endowment_shock_moves_every_sector_specific_stock(specific):
    specific.reset()
    base = specific.solve()
    specific.apply_shocks([{"parameter": "factor_endowment", "index": "CAP", "multiply": 1.1}])
    cf = specific.solve()
    ratio = _capital(cf) / _capital(base)
    assert ratio.to_numpy() == pytest.approx(1.1, rel=1e-10)
    assert cf.value("markets.factor_endowment", "CAP") == pytest.approx(
        1.1 * base.value("markets.factor_endowment", "CAP"), rel=1e-10)
    specific.reset()
    specific.apply_shocks([{"parameter": "factor_endowment", "index": "CAP",
                            "set": 2 * base.value("markets.factor_endowment", "CAP")}])
    assert (_capital(specific.solve()) / _capital(base)).to_numpy() == pytest.approx(2.0)


def test_capital_shock_of_one_activity_lowers_its_rental_relative_to_the_others(specific):
    specific.reset()
    base = specific.solve()
    specific.apply_shocks([{"parameter": "factor_endowment", "index": "CAP,A002",
                            "multiply": 1.2}])
    cf = specific.solve()
    moved = _capital(cf) / _capital(base)
    assert moved["A002"] == pytest.approx(1.2)
    assert moved.drop("A002").to_numpy() == pytest.approx(1.0)
    rental = cf.table("production.factor_price_distortion").xs("CAP", level=0)
    assert rental["A002"] < rental.drop("A002").min()  # diminishing returns to capital
    _assert_checks_pass(specific)


def test_activity_endowment_needs_sector_specific_capital(sam):
    with pytest.raises(ConfigError, match="sector-specific"):
        CGEModel(sam, "standard").apply_shocks([{"parameter": "factor_endowment",
                                                 "index": "CAP,A002", "multiply": 1.2}])
