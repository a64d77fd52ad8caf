"""Model options beyond the default: closures (balanced, tax scaler, sector-specific capital
endowments), LES household demand, a CES top nest, non-diagonal make matrices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    with pytest.raises(ConfigError, match="endogenous under government: flexible_saving"):
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


# --------------------------------------------------------------------------- LES
LES = {"household_demand": "les"}


def _budget_shares(solution, h):
    pq = solution.table("price_composite")
    spend = {c: pq[c] * x for (c, hh), x in solution.table("household_consumption").items()
             if hh == h}
    total = sum(spend.values())
    return {c: v / total for c, v in spend.items()}


def test_les_replicates_the_sam_and_passes_every_check(sam):
    model = CGEModel(sam, "standard", elasticities={"income": {"C001": 0.5, "C002": 1.4},
                                                   "frisch": -1.5}, options=LES)
    assert model.has_component("households.subsistence")
    _assert_checks_pass(model)


def test_les_necessity_keeps_more_of_its_budget_share_after_its_price_rises(sam):
    """Cobb-Douglas budget shares never move; under LES a necessity is price-inelastic, so
    its budget share rises with its price."""
    change = {}
    for demand in ("cobb_douglas", "les"):
        model = CGEModel(sam, "standard", elasticities={"income": {"C001": 0.5}},
                         options={"household_demand": demand})
        base = model.solve()
        model.apply_shocks([{"parameter": "sales_tax_rate", "index": "C001", "add": 0.3}])
        cf = model.solve()
        assert cf.value("price_composite", "C001") > base.value("price_composite", "C001")
        change[demand] = (_budget_shares(cf, "HH1")["C001"]
                          - _budget_shares(base, "HH1")["C001"])
    assert change["cobb_douglas"] == pytest.approx(0.0, abs=1e-10)
    assert change["les"] > 1e-4


def test_les_income_elasticities_order_engel_responses(sam):
    """More income at fixed relative prices: the necessity's share falls, the luxury's rises."""
    model = CGEModel(sam, "standard", elasticities={"income": {"C001": 0.4, "C002": 1.6}},
                     options=LES)
    beta = model.calibration["marginal_budget_share"]["HH1"]
    share = model.calibration["consumption_share"]["HH1"]
    assert beta["C001"] < share["C001"] and beta["C002"] > share["C002"]
    assert beta.sum() == pytest.approx(1.0)


def test_les_equivalent_variation_is_the_expenditure_function_at_base_prices(sam):
    import numpy as np
    from scipy.optimize import minimize

    from cge.results import equivalent_variation

    model = CGEModel(sam, "standard", elasticities={"income": {"C001": 0.5}, "frisch": -3},
                     options=LES)
    base = model.solve()
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    cf = model.solve()
    ev = equivalent_variation(base, cf)
    cal = model.calibration
    gamma = cal["subsistence_consumption"]["HH1"]
    beta = cal["marginal_budget_share"]["HH1"]
    used = beta.index[beta > 0]
    g, b, p0 = (gamma[used].to_numpy(), beta[used].to_numpy(),
                base.table("price_composite")[used].to_numpy())
    u1 = cf.value("utility", "HH1")
    # cheapest basket at base prices reaching the new utility, by brute optimisation
    res = minimize(lambda x: p0 @ (g + np.exp(x)), np.log(cf.table("household_consumption")
                   .xs("HH1", level=1)[used].to_numpy() - g),
                   constraints=[{"type": "eq", "fun": lambda x: b @ x - np.log(u1)}],
                   method="SLSQP", options={"ftol": 1e-14, "maxiter": 500})
    spending0 = float(p0 @ base.table("household_consumption").xs("HH1", level=1)[used])
    assert ev["HH1"] == pytest.approx(res.fun - spending0, rel=1e-5, abs=1e-8)


def test_options_and_les_parameters_are_validated(sam):
    with pytest.raises(ConfigError, match="cobb_douglas, les"):
        CGEModel(sam, "standard", options={"household_demand": "aids"})
    with pytest.raises(ConfigError, match="allowed keys: household_demand"):
        CGEModel(sam, "standard", options={"demand": "les"})
    with pytest.raises(ConfigError, match="negative"):
        CGEModel(sam, "standard", elasticities={"frisch": 2}, options=LES)
    with pytest.raises(ConfigError, match="stdcge"):
        CGEModel(synthetic_sam(3, kind="stdcge"), "stdcge", options=LES)


# --------------------------------------------------------------------------- CES top nest
@pytest.mark.parametrize("top", [0.5, 1.0, {"A001": 1.5}], ids=["ces", "cobb_douglas", "one"])
def test_ces_top_nest_replicates_and_passes_every_check(sam, top):
    model = CGEModel(sam, "standard", elasticities={"top": top})
    assert model.has_component("production.top_technology")
    ces = list(model.pyomo.production.intermediate_bundle.keys())
    assert ces == (["A001"] if isinstance(top, dict) else list(model.accounts.activities))
    _assert_checks_pass(model)


def _bundle_ratio_and_relative_price(model, solution, a):
    pq = solution.table("price_composite")
    coef = model.calibration["bundle_coefficient"][a]
    pn = float((coef * pq.reindex(coef.index)).sum())
    ratio = solution.value("production.intermediate_bundle", a) / solution.value(
        "value_added", a)
    return ratio, pn / solution.value("production.price_value_added", a)


@pytest.mark.parametrize("sigma", [0.4, 1.0, 1.6])
def test_dearer_intermediates_lower_the_intermediate_to_value_added_ratio(sam, sigma):
    """N/Y = ((1-delta)/delta * p^y/p^n)^sigma: log-ratio falls by sigma times the log-rise
    of the relative intermediate price."""
    model = CGEModel(sam, "standard", elasticities={"top": sigma})
    base = model.solve()
    model.apply_shocks([{"parameter": "sales_tax_rate", "add": 0.25}])
    cf = model.solve()
    for a in model.accounts.activities:
        r0, p0 = _bundle_ratio_and_relative_price(model, base, a)
        r1, p1 = _bundle_ratio_and_relative_price(model, cf, a)
        assert p1 > p0                      # the shock made intermediates dearer
        assert r1 < r0
        assert np.log(r1 / r0) == pytest.approx(-sigma * np.log(p1 / p0), rel=1e-6)


def test_top_elasticity_is_validated_and_leontief_is_the_default(sam):
    assert not CGEModel(sam, "standard").has_component("production.intermediate_bundle")
    with pytest.raises(ConfigError, match="elasticities.top.A001"):
        CGEModel(sam, "standard", elasticities={"top": {"A001": -1}})
    with pytest.raises(ConfigError, match="top"):
        CGEModel(synthetic_sam(3, kind="stdcge"), "stdcge", elasticities={"top": 0.5})


# --------------------------------------------------------------------------- make matrix
def _non_diagonal_sam():
    """A001 also makes C002; A003 is split into A003 and a labour-intensive A004, both making
    C003; C004 is imported only (bought by HH1, paid for by foreign savings)."""
    import pandas as pd

    from cge.sam import SAM
    from cge.sam.balance import balance

    base = synthetic_sam(3, 7, households=2)
    roles = base.accounts["role"].to_dict()
    roles.update({"A004": "activity", "C004": "commodity"})
    labels = [*base.labels[:3], "A004", *base.labels[3:6], "C004", *base.labels[6:]]
    m = base.matrix.reindex(index=labels, columns=labels, fill_value=0.0)
    joint = 0.3 * m.at["A001", "C001"]
    m.at["A001", "C001"] -= joint
    m.at["A001", "C002"] += joint
    for axis in (0, 1):  # A004 takes half of A003, rows and columns
        half = m.loc["A003"] * 0.5 if axis == 0 else m["A003"] * 0.5
        if axis == 0:
            m.loc["A004"] += half
            m.loc["A003"] -= half
        else:
            m["A004"] += half
            m["A003"] -= half
    shift = 0.5 * m.at["CAP", "A004"]
    m.at["CAP", "A004"] -= shift
    m.at["LAB", "A004"] += shift
    imported = 0.05 * m.at["S_I", "HH1"]
    m.at["ROW", "C004"] = imported
    m.at["C004", "HH1"] = imported
    m.at["S_I", "HH1"] -= imported
    m.at["S_I", "ROW"] += imported
    sam = SAM.from_frame(pd.DataFrame(m), roles, name="non-diagonal")
    return balance(sam, method="cross_entropy").sam


@pytest.fixture(scope="module")
def non_diagonal():
    return _non_diagonal_sam()


def test_non_diagonal_make_matrix_and_pure_imports_are_calibrated(non_diagonal):
    model = CGEModel(non_diagonal, "standard")
    acc = model.accounts
    assert ("A001", "C002") in acc.make and ("A004", "C003") in acc.make
    m = model.pyomo
    assert set(m.trade.commodity_output.keys()) == {"C001", "C002", "C003"}
    assert set(m.trade.domestic_sales.keys()) == {"C001", "C002", "C003"}  # not C004
    assert "C004" in m.trade.imports
    _assert_checks_pass(model)


@pytest.mark.parametrize("closure", [{}, {"capital": "sector_specific"}], ids=["mobile",
                                                                               "specific"])
def test_activities_making_one_commodity_share_its_producer_price(non_diagonal, closure):
    model = CGEModel(non_diagonal, "standard", closure=closure)
    model.apply_shocks([{"parameter": "world_export_price", "multiply": 1.1},
                        {"parameter": "import_tariff_rate", "set": 0}])
    cf = model.solve()
    tauz = model.calibration["production_tax_rate"]
    make = model.calibration["make_share"]
    # revenue per unit of C003, tax included, is the same for both makers
    price = {a: (1 + tauz[a]) * cf.value("price_output", a) / make.at[a, "C003"]
             for a in ("A003", "A004")}
    assert price["A003"] == pytest.approx(price["A004"], rel=1e-8)
    assert cf.value("trade.price_commodity_output", "C003") == pytest.approx(price["A003"])
    assert cf.value("output", "A004") / cf.value("output", "A003") != pytest.approx(
        model.calibration["output"]["A004"] / model.calibration["output"]["A003"], rel=1e-4)
    # A001 earns the value of its joint products at their prices
    theta = make.loc["A001"]
    px = {c: cf.value("trade.price_commodity_output", c) for c in ("C001", "C002")}
    assert (1 + tauz["A001"]) * cf.value("price_output", "A001") == pytest.approx(
        sum(theta[c] * px[c] for c in px))


def test_a_tariff_on_a_good_imported_only_passes_fully_into_its_price(non_diagonal):
    model = CGEModel(non_diagonal, "standard")
    base = model.solve()
    model.apply_shocks([{"parameter": "import_tariff_rate", "index": "C004", "add": 0.2}])
    cf = model.solve()

    def markup(s):
        return s.value("price_composite", "C004") / s.value("price_import", "C004")

    tm0 = model.calibration["import_tariff_rate"]["C004"]
    assert markup(cf) / markup(base) == pytest.approx((1 + tm0 + 0.2) / (1 + tm0), rel=1e-8)
    assert cf.value("imports", "C004") < base.value("imports", "C004")


# --------------------------------------------------------------------------- random SAMs
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 8),
       demand=st.sampled_from(["cobb_douglas", "les"]),
       top=st.sampled_from([None, 0.3, 1.0, 2.0]),
       closure=st.sampled_from([{}, {"savings_investment": "balanced"},
                                {"government": "tax_scaler"}, {"capital": "sector_specific"},
                                {"savings_investment": "investment_driven"},
                                {"savings_investment": "keynesian",
                                 "labour": "fixed_nominal_wage"},
                                {"savings_investment": "keynesian", "labour": "fixed_real_wage",
                                 "capital": "excess_capacity"}]))
def test_checks_pass_on_random_sams_with_every_option(seed, n, demand, top, closure):
    elasticities = {"income": {"C001": 0.6}} if demand == "les" else {}
    if top is not None:
        elasticities["top"] = top
    _assert_checks_pass(CGEModel(synthetic_sam(n, seed, households=2), "standard",
                                 closure=closure, elasticities=elasticities,
                                 options={"household_demand": demand}))


@pytest.mark.parametrize("options", [None, {"household_demand": "les"}])
def test_elasticities_that_change_a_functional_form_are_refused(options):
    model = CGEModel(synthetic_sam(3, 2), "standard", options=options)
    with pytest.raises(ConfigError, match="Cobb-Douglas"):
        model.set_elasticities({"value_added": 0.5})
    with pytest.raises(ConfigError, match="top nest"):
        model.set_elasticities({"top": 0.5})


# --------------------------------------------------------------------------- the labour factor
def _renamed_labour(description: str):
    """The China SAM with its labour types merged into one factor ``L`` described
    ``description``."""
    from pathlib import Path

    from cge.sam.aggregate import aggregate
    from cge.sam.io import read_sam

    sam = aggregate(read_sam(Path(__file__).resolve().parents[1] / "sam_data"
                             / "china_2018_3sector.csv"), {"LAB_URB": "L", "LAB_RUR": "L"})
    matrix = sam.matrix
    accounts = sam.accounts.reset_index()
    accounts.loc[accounts["account"] == "L", "description"] = description
    return type(sam).from_frame(matrix, accounts, name="renamed")


def test_a_labour_factor_of_any_label_is_found_by_its_description():
    model = CGEModel(_renamed_labour("labour compensation"), "standard",
                     {"labour": "fixed_real_wage"})
    assert model.accounts.labour == "L"
    with pytest.raises(ConfigError) as info:
        CGEModel(_renamed_labour(""), "standard", {"labour": "fixed_real_wage"})
    problem = info.value.problems[0]
    assert problem.where == "closure.labour" and "(L, CAP)" in problem.message
    assert "write 'labour' in the description of the labour factor" in problem.fix
