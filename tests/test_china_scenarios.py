"""The China scenario library: every file solves, and the signs theory gives hold."""

from __future__ import annotations

import pytest

from cge.headline import HEADLINE, headline_table, library_files, run_scenarios
from cge.scenario import Scenario

pytestmark = [pytest.mark.solver, pytest.mark.slow]


@pytest.fixture(scope="module")
def library():
    """Every runnable scenario of the library (one model per elasticity set)."""
    return run_scenarios(library_files())


def pct(run, variable, index):
    return float(run.compare().loc[(variable, index), "percent"])


def test_library_covers_the_question():
    names = {p.stem for p in library_files()}
    for size in (10, 20, 30):
        for closure in ("long", "short"):
            assert f"china_export_demand_{size}_{closure}" in names
            assert f"china_world_price_{size}_{closure}" in names
    for financing in ("deficit", "enterprise_tax", "gov_consumption"):
        assert {f"china_transfers_1pct_{financing}", f"china_transfers_2pct_{financing}"} <= names
    assert {"china_package", "china_wage_floor", "china_debt_financed_investment_1pct",
            "china_appreciation_10_long", "china_tariff_secondary",
            "china_export_tax_secondary", "china_productivity_secondary",
            "china_productivity_tertiary"} <= names


def test_every_scenario_is_documented():
    for path in library_files():
        text = path.read_text(encoding="utf-8")
        assert "# Mechanism:" in text and "# Closure:" in text, path.name
        assert Scenario.from_yaml(path).description, path.name


def test_every_scenario_solves_and_moves_the_economy(library):
    """Every file runs (a failed solve or a benchmark that does not replicate raises), and
    its shocks move some result: a shock that reaches no equation is a broken scenario."""
    assert len(library) >= 30
    for name, run in library.items():
        assert run.compare()["percent"].abs().max() > 1e-6, name


@pytest.mark.parametrize("size", [10, 20, 30])
def test_export_demand_fall_long_run(library, size):
    run = library[f"china_export_demand_{size}_long"]
    ind = run.indicators
    assert pct(run, "exports", "C_SEC") < 0
    assert "employment" not in ind            # full employment: nobody loses a job
    assert run.counterfactual.value("unemployment", "LAB_URB") == 0
    # resources leave the export market: home sales of all sectors together rise
    assert 0 < ind["absorption_ratio"]["total"] < 1


def test_fixed_investment_lets_home_sales_absorb_the_export_loss(library):
    """With real investment held, home sales of secondary goods rise: they take up the export
    loss and, with the real depreciation, replace imports too (a ratio above one)."""
    run = library["china_export_demand_20_long_investment_driven"]
    assert pct(run, "exports", "C_SEC") < 0
    assert pct(run, "domestic_sales", "C_SEC") > 0
    assert pct(run, "imports", "C_SEC") < 0
    assert run.indicators["absorption_ratio"]["C_SEC"] > library[
        "china_export_demand_20_long"].indicators["absorption_ratio"]["C_SEC"] > 0


@pytest.mark.parametrize("size", [10, 20, 30])
def test_export_demand_fall_short_run_costs_jobs(library, size):
    short, long = (library[f"china_export_demand_{size}_{c}"] for c in ("short", "long"))
    jobs = short.indicators["employment"]
    assert sum(j["counterfactual"] for j in jobs.values()) < sum(
        j["base"] for j in jobs.values())
    assert short.indicators["real_gdp"] < long.indicators["real_gdp"] < 0


def test_larger_shocks_hurt_more(library):
    ev = [library[f"china_world_price_{s}_short"].indicators["equivalent_variation"]
          for s in (10, 20, 30)]
    assert ev[0] > ev[1] > ev[2]


def test_trade_policy_signs(library):
    free = library["china_tariff_abolition"].compare().loc["imports"]
    assert free.loc["C_SEC", "percent"] > 0          # the tariff-bearing imports
    assert free["change"].sum() > 0                  # and imports as a whole
    assert pct(library["china_tariff_secondary"], "imports", "C_SEC") < 0
    tax = library["china_export_tax_secondary"]
    assert pct(tax, "exports", "C_SEC") < 0 and pct(tax, "domestic_sales", "C_SEC") > 0


def test_transfers_raise_household_consumption(library):
    for financing in ("deficit", "enterprise_tax", "gov_consumption"):
        one, two = (library[f"china_transfers_{k}pct_{financing}"].indicators
                    for k in (1, 2))
        assert 0 < one["real_household_consumption"] < two["real_household_consumption"]
    deficit = library["china_transfers_1pct_deficit"].indicators["government_saving"]
    assert deficit["counterfactual"] < deficit["base"]


def test_other_mechanisms(library):
    assert library["china_wage_floor"].indicators["unemployment"]["counterfactual"] > 0
    assert library["china_saving_rate_minus_2pts"].indicators[
        "real_household_consumption"] > 0
    appreciation = library["china_appreciation_10_long"].indicators
    assert appreciation["trade_balance"]["counterfactual"] < appreciation["trade_balance"][
        "base"]
    for sector in ("secondary", "tertiary"):
        assert library[f"china_productivity_{sector}"].indicators["real_gdp"] > 0


def test_headline_table_has_both_closures_and_the_bound(library):
    table = headline_table({n: library[n] for n in HEADLINE})
    assert list(table.columns) == ["long run", "short run"]
    assert table.at["employment, %", "short run"] < 0 == table.at["employment, %", "long run"]
    # at fixed prices the export loss drags home sales down with the incomes it costs
    assert table.at["fixed-price bound C_SEC", "long run"] < 0
    # with flexible prices and full employment, home buyers take up part of the loss: the
    # long-run ratios lie between the demand-driven bound and full absorption
    for ratio_row, bound_row in (("absorption ratio C_SEC", "fixed-price bound C_SEC"),
                                 ("absorption ratio, all sectors",
                                  "fixed-price bound, all sectors")):
        ratio = table.at[ratio_row, "long run"]
        assert table.at[bound_row, "long run"] < ratio < 1
        # unemployment in the short run takes absorption down
        assert table.at[ratio_row, "short run"] < ratio


def test_rural_and_urban_households_respond_differently_to_the_export_shock(library):
    """Their incomes come from different labour, capital and transfers, and they spend and save
    differently: the export loss costs urban households more (a proportional split of one
    household would give both the same percentage changes)."""
    for name in ("china_export_demand_20_short", "china_export_demand_20_long"):
        run = library[name]
        cons = run.indicators["real_household_consumption_by_household"]
        assert cons["HH_URB"] < cons["HH_RUR"] - 0.2, name
        income = {h: pct(run, "household_income", h) for h in ("HH_RUR", "HH_URB")}
        assert abs(income["HH_URB"] - income["HH_RUR"]) > 0.1, name


def test_les_households_with_chinese_income_elasticities_differ_from_cobb_douglas(library):
    """Income elasticities below one for food and above one for services: the home market
    for services falls more, and the secondary absorption ratio moves."""
    cd, les = library["china_export_demand_20_short"], library["china_export_demand_20_short_les"]
    ratio = {k: r.indicators["absorption_ratio"]["C_SEC"] for k, r in (("cd", cd), ("les", les))}
    assert abs(ratio["les"] - ratio["cd"]) > 0.1
    assert pct(les, "household_consumption", "C_TER,HH_URB") < pct(
        les, "household_consumption", "C_PRI,HH_URB")
