"""Taxes where they fall on trade: import VAT and consumption tax on imports (role
``import_tax``), export VAT rebates (negative export tax cells) and production taxes,
in both specifications."""

from __future__ import annotations

import pytest
from breakage import import_tax_revenue_lost

from cge.diagnostics import gdp_accounts, run_checks, walras
from cge.model.build import CGEModel
from cge.sam.synthetic import synthetic_sam, with_trade_taxes

pytestmark = pytest.mark.solver

SPECS = ["standard", "stdcge"]


def _sam(spec: str):
    """A small SAM with production taxes, import VAT and export VAT rebates."""
    return with_trade_taxes(synthetic_sam(4, 3, kind=spec))


@pytest.fixture(scope="module", params=SPECS)
def model(request):
    return CGEModel(_sam(request.param), request.param)


def test_the_sam_has_all_three_taxes_and_a_negative_export_tax():
    sam = _sam("standard")
    m = sam.matrix
    assert (m.loc["ITAX"] > 0).any() and (m.loc["PTAX"] > 0).any()
    assert (m.loc["ETAX"] < 0).any()
    assert sam.is_balanced()


def test_rates_are_on_the_customs_base_and_a_rebate_is_a_negative_rate(model):
    cal, sam = model.calibration, model.sam.matrix
    row = model.accounts.rest_of_world
    tariff = model.accounts.taxes["import_tariff"]
    c = cal["import_tax_rate"].idxmax()
    duty = sam.loc[list(tariff), c].sum()
    assert cal["import_tax_rate"][c] == pytest.approx(
        sam.at["ITAX", c] / (sam.at[row, c] + duty))
    assert cal["import_tax_rate"][c] == pytest.approx(0.13)
    assert (cal["export_tax_rate"] < 0).any()
    assert "import_tax_rate" in cal.tax_rates


def test_replication_in_zero_iterations_and_every_check_passes(model):
    assert model.solve(solver="persistent").stats.iterations == 0
    c = model.counts()
    assert c["free_variables"] == c["equations"] > 0
    table = run_checks(model, solver="persistent")
    assert table["passed"].all(), table.to_string()


def test_gdp_counts_import_tax_and_rebates_as_net_indirect_taxes(model):
    sam = model.sam.matrix
    g = gdp_accounts(model)
    taxes = [a for role in ("production_tax", "import_tariff", "import_tax", "export_tax",
                            "sales_tax") for a in model.accounts.taxes[role]]
    assert g["net_indirect_taxes"] == pytest.approx(sam.loc[taxes].to_numpy().sum())
    assert g["income_side"] == pytest.approx(g["expenditure_side"])


@pytest.mark.parametrize("spec", SPECS)
def test_a_higher_import_tax_lowers_imports_and_raises_its_revenue(spec):
    model = CGEModel(_sam(spec), spec)
    base = model.solve(solver="persistent")
    model.apply_shocks([{"parameter": "import_tax_rate", "add": 0.05}])
    cf = model.solve(solver="persistent", enforce_walras=False)
    assert walras(model)
    imports0, imports1 = (s.values["trade.imports"] for s in (base, cf))
    assert (imports1 < imports0).all()
    revenue0, revenue1 = (s.values["trade.import_tax"].sum() for s in (base, cf))
    assert revenue1 > revenue0
    table = run_checks(model, solver="persistent")
    assert table.loc[["walras", "gdp_identity", "homogeneity"], "passed"].all(), \
        table.to_string()


@pytest.mark.parametrize("spec", SPECS)
def test_a_deeper_export_rebate_raises_exports(spec):
    model = CGEModel(_sam(spec), spec)
    base = model.solve(solver="persistent")
    model.apply_shocks([{"parameter": "export_tax_rate", "add": -0.05}])
    cf = model.solve(solver="persistent", enforce_walras=False)
    assert walras(model)
    assert (cf.values["trade.exports"] > base.values["trade.exports"]).all()
    assert cf.values["trade.export_tax"].sum() < base.values["trade.export_tax"].sum()


@pytest.mark.parametrize("spec", SPECS)
def test_walras_fails_when_import_tax_revenue_leaks(spec):
    model = CGEModel(_sam(spec), spec)
    import_tax_revenue_lost(model)
    check = walras(model, solver="persistent")
    assert not check and check.deviation > 1e-3
    assert "rest_of_world.balance_of_payments" in check.detail


def test_an_import_tax_without_imports_is_refused():
    from cge.errors import ConfigError

    sam = _sam("standard")
    m = sam.matrix.copy()
    c = m.columns[(m.loc["ROW"] == 0) & (m.index.isin(sam.accounts_of("commodity")))][0]
    m.at["ITAX", c] = 1.0
    m.at["ITAX", "C001"] -= 1.0
    m.at[c, "HH"] += 1.0          # the tax moves with what households buy
    m.at["C001", "HH"] -= 1.0
    with pytest.raises(ConfigError, match="import tax of 1 on a zero flow"):
        CGEModel(sam.with_matrix(m), "standard")


@pytest.mark.parametrize("spec", SPECS)
def test_ev_allocative_efficiency_counts_the_import_tax_wedge(spec):
    """With the import tax wedge in allocative efficiency, what is left of the EV
    (substitution, consumption composition) is second order: never positive, and a
    halved shock quarters it."""
    from cge.indicators import IndicatorPlan

    model = CGEModel(_sam(spec), spec)
    base = model.solve(solver="persistent")
    curvature = []
    for add in (0.1, 0.05):
        model.reset()
        model.apply_shocks([{"parameter": "import_tax_rate", "add": add}])
        cf = model.solve(solver="persistent")
        plan = IndicatorPlan.for_solutions(base, cf, model)
        parts = plan.ev_decomposition(cf.values.vector)
        curvature.append(parts["substitution"] + parts["consumption_composition"])
    assert curvature[0] < 0
    assert 0.15 < curvature[1] / curvature[0] < 0.4


@pytest.mark.parametrize("spec", SPECS)
def test_export_volume_is_solved_for_from_a_rebate(spec):
    """Exports raised 10 % at unchanged world prices: the export tax equivalent deepens
    the benchmark rebate (more negative)."""
    from cge.runs import apply_scenario_shocks

    model = CGEModel(_sam(spec), spec)
    base = model.solve(solver="persistent")
    apply_scenario_shocks(model, [{"parameter": "export_volume", "multiply": 1.1}],
                          "persistent")
    cf = model.solve(solver="persistent")
    ratio = cf.values["trade.exports"] / base.values["trade.exports"]
    assert ratio.to_numpy() == pytest.approx(1.1)
    rate0, rate1 = (s.values["trade.export_tax_rate"] for s in (base, cf))
    assert (rate0 < 0).all() and (rate1 < rate0).all()
