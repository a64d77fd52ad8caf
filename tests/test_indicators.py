"""Indicators: real GDP, absorption ratios, imbalance, structural gap, labour market."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cge.indicators import (
    indicator_frame,
    indicators,
    macro_indicators,
    revenue_ratio_arrays,
    sector_arrays,
    sector_indicators,
)
from cge.results import Solution

ROOT = Path(__file__).resolve().parents[1]
CHINA = ROOT / "sam_data" / "china_2018_3sector.csv"
#: GDP of the China SAM (README: NBS revised 2018 GDP, 100 million yuan).
CHINA_GDP = 919_281


@pytest.fixture(scope="module")
def china_runs():
    """Benchmark, a secondary export-demand fall under both closures, and the model."""
    from cge.model.build import CGEModel
    from cge.sam.io import read_sam

    sam = read_sam(CHINA)
    model = CGEModel(sam, "standard", None, {"armington": 2, "cet": 2, "export_demand": 4})
    base = model.solve(solver="persistent")
    shock = [{"parameter": "export_demand", "index": "C_SEC", "multiply": 0.8}]
    out = {"base": base, "model": model}
    for name, closure in (("long", {}), ("short", {"labour": "fixed_real_wage",
                                                   "capital": "sector_specific"})):
        model.reset()
        model.apply_closure(closure)
        model.apply_shocks(shock)
        out[name] = model.solve(solver="persistent")
    model.reset()
    model.apply_closure({})
    return out


@pytest.mark.solver
def test_real_gdp_of_the_benchmark_is_the_sams_gdp(china_runs):
    m = macro_indicators(china_runs["base"], china_runs["base"])
    assert m.at["real_gdp", "base"] == pytest.approx(CHINA_GDP, rel=1e-6)
    assert m["change"].abs().max() < 1e-6


@pytest.mark.solver
def test_no_shock_no_absorption_ratio(china_runs):
    s = sector_indicators(china_runs["base"], china_runs["base"])
    assert s["absorption_ratio"].isna().all()
    # SAM: secondary exports 158,648 and imports 126,726 over output 1,457,359
    assert s.at["C_SEC", "imbalance_base"] == pytest.approx((158648 - 126726) / 1457359,
                                                             abs=2e-4)


@pytest.mark.solver
def test_structural_gaps_sum_to_zero(china_runs):
    s = sector_indicators(china_runs["base"], china_runs["short"]).drop(index="total")
    assert s["structural_gap_base"].sum() == pytest.approx(0, abs=1e-12)
    assert s["structural_gap_counterfactual"].sum() == pytest.approx(0, abs=1e-12)
    # secondary industry produces more than home final demand asks of it
    assert s.at["C_SEC", "structural_gap_base"] > 0


@pytest.mark.solver
def test_employment_only_with_unemployment_closures(china_runs):
    long = indicators(china_runs["base"], china_runs["long"], china_runs["model"])
    short = indicators(china_runs["base"], china_runs["short"], china_runs["model"])
    assert "employment" not in long
    assert set(short["employment"]) == {"A_PRI", "A_SEC", "A_TER"}
    jobs = short["employment"]["A_SEC"]
    assert jobs["counterfactual"] < jobs["base"]
    assert short["unemployment"]["counterfactual"] > 0
    assert short["real_gdp"] < long["real_gdp"] < 0.5


@pytest.mark.solver
def test_indicators_are_json_ready_and_tidy(china_runs):
    data = indicators(china_runs["base"], china_runs["short"], china_runs["model"])
    text = json.dumps(data, allow_nan=False)
    assert set(json.loads(text)["absorption_ratio"]) == {"C_PRI", "C_SEC", "C_TER", "total"}
    frame = indicator_frame(data)
    assert {"absorption_ratio", "structural_gap", "real_gdp"} <= set(frame["indicator"])
    row = frame[(frame.indicator == "absorption_ratio") & (frame["index"] == "total")]
    assert row["value"].iloc[0] == pytest.approx(data["absorption_ratio"]["total"])


# -- hand-computed toy economies (no solver) -----------------------------------------------
def _solution(exports, imports, domestic, final, export_price=(1.0, 1.0)):
    """A two-commodity solution (A, B) with the volumes the sector indicators read."""
    goods = pd.Index(["A", "B"])

    def series(x):
        return pd.Series(np.asarray(x, dtype=float), index=goods)

    consumption = pd.Series(np.asarray(final, dtype=float),
                            index=pd.MultiIndex.from_product([goods, ["HH"]]))
    values = {"trade.exports": series(exports), "trade.imports": series(imports),
              "trade.domestic_sales": series(domestic), "households.consumption": consumption,
              "government.consumption": series([0, 0]), "investment.demand": series([0, 0]),
              "trade.composite_supply": series(np.add(domestic, imports)),
              "trade.price_export": series(export_price)}
    return Solution(values, stats=None, closure={}, spec="standard")


def test_absorption_ratio_by_hand_only_where_exports_fall():
    # A: exports 100 -> 80, home sales 200 -> 215: 15 of the 20 lost are sold at home
    # B: exports 50 -> 60 (a rise: no absorption ratio), home sales 300 -> 290
    base = _solution([100, 50], [40, 70], [200, 300], [150, 250])
    cf = _solution([80, 60], [40, 70], [215, 290], [150, 250])
    s = sector_indicators(base, cf)
    assert s.at["A", "absorption_ratio"] == pytest.approx(0.75)
    assert math.isnan(s.at["B", "absorption_ratio"])
    assert s.at["B", "exports_change"] == pytest.approx(10)      # raw changes stay
    assert s.at["B", "domestic_sales_change"] == pytest.approx(-10)
    # aggregate: (15 - 10) / -(-20 + 10) = 0.5
    assert s.at["total", "absorption_ratio"] == pytest.approx(0.5)


def test_no_aggregate_ratio_when_total_exports_rise():
    base = _solution([100, 50], [40, 70], [200, 300], [150, 250])
    cf = _solution([95, 60], [40, 70], [204, 300], [150, 250])     # net exports +5
    s = sector_indicators(base, cf)
    assert s.at["A", "absorption_ratio"] == pytest.approx(0.8)
    assert math.isnan(s.at["total", "absorption_ratio"])


def test_export_floor_is_relative_to_each_commodity():
    # a tiny exporter beside a huge one: its fall of 1e-5 on base exports of 1 counts
    base = {"exports": np.array([1.0, 1e12]), "imports": np.zeros(2),
            "domestic_sales": np.array([10.0, 1e12]), "final_demand": np.array([10.0, 1e12])}
    cf = dict(base, exports=np.array([1.0 - 1e-5, 1e12]),
              domestic_sales=np.array([10.0 + 0.5e-5, 1e12]))
    out = sector_arrays(base, cf)
    assert out["absorption_ratio"][0] == pytest.approx(0.5)
    assert math.isnan(out["absorption_ratio"][1])           # B does not move
    # the aggregate's floor is relative to total base exports: 1e-5 of 1e12 is too little
    assert math.isnan(out["absorption_ratio"][2])


def test_output_valued_at_producer_prices_under_an_export_tax():
    # A pays a 20 % export tax: producers keep 0.8 of each unit exported
    base = _solution([100, 50], [40, 70], [200, 300], [150, 250], export_price=(0.8, 1.0))
    cf = _solution([80, 50], [40, 70], [215, 300], [150, 250], export_price=(0.8, 1.0))
    s = sector_indicators(base, cf)
    assert s.at["A", "output_change"] == pytest.approx(15 - 0.8 * 20)
    output_a, output_b = 200 + 0.8 * 100, 300 + 50
    assert s.at["A", "imbalance_base"] == pytest.approx((100 - 40) / output_a)
    assert s.at["A", "structural_gap_base"] == pytest.approx(
        output_a / (output_a + output_b) - 150 / 400)
    assert s.at["B", "structural_gap_base"] == pytest.approx(
        output_b / (output_a + output_b) - 250 / 400)


def test_absorption_ratio_by_revenue_by_hand():
    # A: exports 100 at 1 -> 90 at 0.9 (revenue 100 -> 81), home sales 200 -> 205 at 1 -> 1.02
    # B: exports rise (no ratio); CPI 1 -> 1.02 deflates every revenue
    base = {"exports": np.array([100.0, 50.0]), "domestic_sales": np.array([200.0, 300.0]),
            "price_export": np.ones(2), "price_domestic": np.ones(2), "cpi": 1.0}
    cf = {"exports": np.array([90.0, 55.0]), "domestic_sales": np.array([205.0, 300.0]),
          "price_export": np.array([0.9, 1.0]), "price_domestic": np.array([1.02, 1.0]),
          "cpi": 1.02}
    out = revenue_ratio_arrays(base, cf)
    home_a = 205 * 1.02 / 1.02 - 200
    lost_a = 100 - 81 / 1.02
    assert out[0] == pytest.approx(home_a / lost_a)
    assert math.isnan(out[1])
    lost_b = 50 - 55 / 1.02
    home_b = 300 / 1.02 - 300
    assert out[2] == pytest.approx((home_a + home_b) / (lost_a + lost_b))


def test_revenue_ratio_is_the_volume_ratio_when_prices_do_not_move():
    base = {"exports": np.array([100.0, 50.0]), "imports": np.zeros(2),
            "domestic_sales": np.array([200.0, 300.0]), "final_demand": np.ones(2),
            "price_export": np.ones(2), "price_domestic": np.ones(2), "cpi": 1.0}
    cf = dict(base, exports=np.array([80.0, 45.0]), domestic_sales=np.array([210.0, 301.0]))
    assert revenue_ratio_arrays(base, cf) == pytest.approx(
        sector_arrays(base, cf)["absorption_ratio"])


@pytest.mark.solver
def test_an_export_demand_fall_loses_more_revenue_than_volume(china_runs):
    """The demand-curve shift lowers the world price too: the revenue lost exceeds the
    volume lost, so the revenue ratio is nearer zero than the volume ratio."""
    data = indicators(china_runs["base"], china_runs["short"], china_runs["model"])
    by_volume = data["absorption_ratio"]["C_SEC"]
    by_revenue = data["absorption_ratio_by_revenue"]["C_SEC"]
    assert set(data["absorption_ratio_by_revenue"]) == set(data["absorption_ratio"])
    assert by_volume < 0 and by_volume < by_revenue < 0


# -- labour-demand elasticities -------------------------------------------------------------
def test_labour_demand_elasticity_by_hand():
    from cge.indicators import labour_demand_elasticity

    # Cobb-Douglas, fixed capital: 1 / (1 - s_L); CES: sigma / (1 - s_L)
    assert labour_demand_elasticity([0.5, 0.75], [1.0, 0.5]) == pytest.approx([2.0, 2.0])
    # constant output, Leontief top: sigma (1 - s_L); CES top adds sigma_top s_L (1 - s_Y)
    got = labour_demand_elasticity([0.5, 0.5], [1.0, 1.0], [0.4, 0.4], [0.0, 2.0],
                                   fixed_capital=False)
    assert got == pytest.approx([0.5, 0.5 + 2.0 * 0.5 * 0.6])


@pytest.mark.solver
def test_china_cobb_douglas_with_fixed_capital_implies_large_elasticities(china_runs):
    """The calibration's labour shares 0.92, 0.51, 0.58 give 12.8, 2.0 and 2.4."""
    from cge.indicators import labour_demand_elasticities

    got = labour_demand_elasticities(china_runs["model"], {"capital": "sector_specific"})
    assert got.round(1).to_dict() == {"A_PRI": 12.8, "A_SEC": 2.0, "A_TER": 2.4}
    data = indicators(china_runs["base"], china_runs["short"], china_runs["model"])
    assert data["labour_demand_elasticity"] == pytest.approx(got.to_dict())
    long = indicators(china_runs["base"], china_runs["long"], china_runs["model"])
    assert long["labour_demand_elasticity"]["A_SEC"] == pytest.approx(1 - 0.510636, rel=1e-5)


@pytest.mark.solver
@pytest.mark.parametrize("elasticities", [{}, {"value_added": 0.6, "top": 0.5}],
                         ids=["cobb-douglas", "ces"])
def test_labour_demand_elasticity_equals_a_finite_difference_of_the_model(elasticities):
    """A small rise of the fixed real wage of every labour type under sector-specific
    capital: labour demand moves with the product wage w / p^y as the formula says
    (central difference)."""
    from cge.indicators import labour_demand_elasticities
    from cge.model.build import CGEModel
    from cge.sam.io import read_sam

    model = CGEModel(read_sam(CHINA), "standard", None,
                     {"armington": 2, "cet": 2, **elasticities})
    closure = {"labour": "fixed_real_wage", "capital": "sector_specific"}
    points = {}
    for step in (1.0005, 0.9995):
        model.reset()
        model.apply_closure(closure)
        model.apply_shocks([{"parameter": "real_wage", "multiply": step},
                            {"parameter": "labour_real_wage", "index": "LAB_RUR",
                             "multiply": step}])
        model.solve(solver="persistent")
        wage = model.component("markets.factor_price")["LAB_RUR"].value
        demand = model.component("production.factor_demand")
        points[step] = {a: (sum(demand[f, a].value for f in ("LAB_URB", "LAB_RUR")
                                if (f, a) in demand),
                            wage / model.component("production.price_value_added")[a].value)
                        for a in model.accounts.activities}
    model.reset()
    expected = labour_demand_elasticities(model, closure)
    for a, value in expected.items():
        (l1, w1), (l0, w0) = points[1.0005][a], points[0.9995][a]
        assert -math.log(l1 / l0) / math.log(w1 / w0) == pytest.approx(value, rel=1e-4), a


# -- fixed-price multiplier ratios ----------------------------------------------------------
@pytest.mark.parametrize("spec, closure, extra", [
    ("standard", {"savings_investment": "savings_driven"}, {"savings_investment"}),
    ("standard", {"savings_investment": "investment_driven"}, set()),
    ("standard", {"savings_investment": "balanced"}, set()),
    ("stdcge", {"savings_investment": "savings_driven"},
     {"government", "savings_investment", "production_tax", "import_tariff", "import_tax",
      "export_tax", "sales_tax", "direct_tax"}),
])
def test_the_matching_multiplier_set_follows_the_closure(spec, closure, extra):
    from cge.indicators import matching_multiplier_set
    from cge.io_analysis import ENDOGENOUS_ROLES

    got = matching_multiplier_set(spec, closure)
    assert set(got) == set(ENDOGENOUS_ROLES) | extra


@pytest.mark.solver
def test_multiplier_absorption_ratio_in_the_json(china_runs):
    data = indicators(china_runs["base"], china_runs["long"], china_runs["model"])
    ratios = data["multiplier_absorption_ratio"]
    assert set(ratios) == {"C_PRI", "C_SEC", "C_TER"}
    sec = ratios["C_SEC"]
    assert set(sec) == {"production", "households", "government", "saving_investment",
                        "matching"}
    assert sec["matching"] == sec["saving_investment"]      # savings-driven investment
    frame = indicator_frame(data)
    row = frame[(frame.indicator == "multiplier_absorption_ratio")
                & (frame["index"] == "C_SEC,matching")]
    assert row["value"].iloc[0] == pytest.approx(sec["matching"])


# -- the EV decomposition ---------------------------------------------------------------------
@pytest.mark.solver
def test_ev_decomposition_of_the_china_export_fall(china_runs):
    """Adds up to the EV; a worse terms of trade is the main loss; the curvature terms are
    small and never positive."""
    from cge.indicators import EV_COMPONENTS

    for run in ("long", "short"):
        data = indicators(china_runs["base"], china_runs[run], china_runs["model"])
        parts = data["equivalent_variation_decomposition"]
        assert list(parts) == list(EV_COMPONENTS)
        assert sum(parts.values()) == pytest.approx(data["equivalent_variation"], rel=1e-9)
        assert parts["terms_of_trade"] < 0
        # no productivity shock, government consumption fixed in volume: zero up to rounding
        scale = abs(data["equivalent_variation"])
        assert parts["technology"] == pytest.approx(0, abs=1e-9 * scale)
        assert parts["government_consumption"] == pytest.approx(0, abs=1e-9 * scale)
        assert parts["substitution"] <= 0 and parts["consumption_composition"] <= 0
        first_order = sum(abs(v) for k, v in parts.items()
                          if k not in ("substitution", "consumption_composition"))
        assert abs(parts["substitution"]) + abs(parts["consumption_composition"]) \
            < 0.02 * first_order
    short = indicators(china_runs["base"], china_runs["short"], china_runs["model"])
    assert short["equivalent_variation_decomposition"]["factor_employment"] < 0  # jobs lost


_EV_SHOCKS = {
    "world_export_price": {"parameter": "world_export_price", "multiply": 0.95},
    "import_tariff_rate": {"parameter": "import_tariff_rate", "add": 0.05},
    "productivity": {"parameter": "productivity", "multiply": 1.05},
}


@pytest.mark.solver
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 5),
       kind=st.sampled_from(["standard", "stdcge"]), shock=st.sampled_from(sorted(_EV_SHOCKS)),
       closure=st.sampled_from([None, {"labour": "fixed_real_wage",
                                       "capital": "sector_specific"}]))
def test_ev_decomposition_adds_up_on_random_sams(seed, n, kind, shock, closure):
    """On random SAMs the components add up to the EV to 1e-6; the two curvature terms are
    never positive and second order: halving the shock quarters them."""
    from cge.indicators import IndicatorPlan
    from cge.model.build import CGEModel
    from cge.sam.synthetic import synthetic_sam

    closure = closure if kind == "standard" else None
    model = CGEModel(synthetic_sam(n, seed, kind=kind), kind, closure=closure)
    base = model.solve(solver="persistent")
    curvature = []
    for size in (1.0, 0.5):
        raw = dict(_EV_SHOCKS[shock])
        op = "add" if "add" in raw else "multiply"
        raw[op] = raw[op] * size if op == "add" else 1 + (raw[op] - 1) * size
        model.reset()
        model.apply_closure(closure or {})
        model.apply_shocks([raw])
        cf = model.solve(solver="persistent")
        plan = IndicatorPlan.for_solutions(base, cf, model)
        parts = plan.ev_decomposition(cf.values.vector)
        ev = plan.macro(cf.values.vector)["equivalent_variation"][1]
        gdp = plan.macro(cf.values.vector)["real_gdp"][0]
        assert sum(parts.values()) == pytest.approx(ev, rel=1e-6, abs=1e-9 * gdp)
        for name in ("substitution", "consumption_composition"):
            assert parts[name] <= 1e-8 * gdp, name
        curvature.append(parts["substitution"] + parts["consumption_composition"])
    if abs(curvature[0]) > 1e-6 * gdp:
        assert 0.15 < curvature[1] / curvature[0] < 0.4


@pytest.mark.solver
def test_unemployment_is_reported_under_every_labour_closure_with_slack():
    """A wage curve or a fixed nominal wage lets labour be unemployed as a fixed real wage
    does: the indicators report employment by activity and unemployment, even where the
    run leaves it unchanged."""
    from cge.model.build import CGEModel
    from cge.sam.io import read_sam

    sam = read_sam(CHINA)
    model = CGEModel(sam, "standard", {"labour": "wage_curve"}, {"export_demand": 4},
                     options={"benchmark_unemployment_rate": 0.049})
    base = model.solve(solver="persistent")
    model.apply_shocks([{"parameter": "export_demand", "index": "C_SEC", "multiply": 0.8}])
    cf = model.solve(solver="persistent")
    out = indicators(base, cf, model)
    assert out["unemployment_rate"]["base"] == pytest.approx(4.9)
    assert out["unemployment_rate"]["counterfactual"] > 4.9
    assert set(out["employment"]) == {"A_PRI", "A_SEC", "A_TER"}
    nominal = CGEModel(sam, "standard", {"labour": "fixed_nominal_wage"})
    base = nominal.solve(solver="persistent")
    out = indicators(base, base, nominal)                 # no unemployment either side
    assert out["unemployment"] == {"base": 0.0, "counterfactual": 0.0}
    assert set(out["employment"]) == {"A_PRI", "A_SEC", "A_TER"}


@pytest.mark.solver
def test_a_rebased_plan_is_the_plan_made_at_the_new_base(china_runs):
    """Indicators by period compare a path with the base of its own period: the plan
    rebased on a solved point gives what a plan made there gives, not the benchmark's."""
    from cge.indicators import IndicatorPlan

    model = china_runs["model"]
    bench, long, short = (china_runs[k].values.vector for k in ("base", "long", "short"))
    plan = IndicatorPlan.for_model(model, bench)
    fresh, rebased = IndicatorPlan.for_model(model, long), plan.rebased(long)
    got = rebased.rows(short, decomposition=False)
    want = fresh.rows(short, decomposition=False)
    assert [r[:2] for r in got] == [r[:2] for r in want]

    def numbers(rows):
        return np.array([np.nan if x is None else x for r in rows for x in r[2:]], float)

    assert np.allclose(numbers(got), numbers(want), rtol=1e-12, atol=1e-12, equal_nan=True)
    assert not np.allclose(numbers(plan.rows(short, decomposition=False)), numbers(got),
                           equal_nan=True)          # the base matters
    assert plan.base is bench and rebased.base is not bench
