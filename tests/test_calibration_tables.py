"""Calibration tables computed on arrays: shares that sum to one, zero cells that give zero
shares, hand-computed values, a model that replicates the SAM, tables made once."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from test_model_features import _non_diagonal_sam

from cge.calibration import calibrate
from cge.diagnostics import replication
from cge.model.build import CGEModel
from cge.model.data import model_data
from cge.sam.io import read_sam
from cge.sam.synthetic import synthetic_sam

ROOT = Path(__file__).resolve().parents[1]

CASES = {
    "stdcge": lambda: (read_sam(ROOT / "sam_data" / "stdcge.csv"), "stdcge", {}),
    "china_les": lambda: (read_sam(ROOT / "sam_data" / "china_2018_3sector.csv"), "standard",
                          {"options": {"household_demand": "les"}}),
    "ces_nests": lambda: (synthetic_sam(5, 3, households=2), "standard",
                          {"elasticities": {"value_added": {"A001": 0.5, "default": 1.4},
                                            "top": {"A001": 0.4, "A002": 1}}}),
    "structural_zeros": lambda: (synthetic_sam(10, 1), "standard", {}),
    "make_matrix": lambda: (_non_diagonal_sam(), "standard", {}),
    "stdcge30": lambda: (synthetic_sam(30, 0, kind="stdcge"), "stdcge", {}),
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    sam, spec, kw = CASES[request.param]()
    return sam, spec, kw, calibrate(sam, spec, **kw)


def _ones(x):
    return np.testing.assert_allclose(np.asarray(x, dtype=float), 1.0, rtol=1e-12)


def test_shares_sum_to_one(case):
    _, _, _, cal = case
    for name in ("consumption_share", "value_added_share", "factor_income_share",
                 "marginal_budget_share"):
        _ones(cal[name].sum(axis=0))
    for name in ("government_consumption_share", "investment_share", "cpi_weight"):
        _ones([cal[name].sum()])
    imported, exported = cal["imports"] > 0, cal["exports"] > 0
    _ones((cal["armington_import_share"] + cal["armington_domestic_share"])[imported])
    _ones((cal["cet_export_share"] + cal["cet_domestic_share"])[exported])
    # the make matrix over output: output value (tax included) over output, 1 + tau^z
    _ones(cal["make_share"].sum(axis=1) / (1 + cal["production_tax_rate"]))


def test_the_model_replicates_the_sam(case):
    sam, spec, kw, cal = case
    assert replication(CGEModel(sam, spec, calibration=cal)).passed


def test_zero_cells_give_zero_shares():
    sam = synthetic_sam(10, 1)
    cal = calibrate(sam, "standard", options={"household_demand": "les"})
    m = sam.matrix
    no_imports = [c for c in cal.accounts.commodities if m.at["ROW", c] == 0]
    no_exports = [c for c in cal.accounts.commodities if m.at[c, "ROW"] == 0]
    assert no_imports and no_exports
    assert (cal["armington_import_share"][no_imports] == 0).all()
    assert (cal["import_tariff_rate"][no_imports] == 0).all()
    assert (cal["cet_export_share"][no_exports] == 0).all()
    assert (cal["export_tax_rate"][no_exports] == 0).all()
    data = model_data(cal)
    assert not set(no_imports) & set(data.trade.imported)
    assert not set(no_exports) & set(data.trade.exported)
    # a household that buys nothing of a commodity: no share, no subsistence, no demand
    c, h = "C001", "HH"
    other = m.copy()
    cut = other.at[c, h]
    c2 = other.loc[list(cal.accounts.commodities), "GOV"].idxmax()
    assert other.at[c2, "GOV"] > cut
    other.at[c, h], other.at[c2, h] = 0.0, other.at[c2, h] + cut   # the household's column
    other.at[c, "GOV"] += cut                                       # and the government's
    other.at[c2, "GOV"] -= cut
    cal = calibrate(sam.with_matrix(other), "standard", options={"household_demand": "les"})
    assert cal["consumption_share"].at[c, h] == 0
    assert cal["marginal_budget_share"].at[c, h] == 0
    assert cal["subsistence_consumption"].at[c, h] == 0
    assert (c, h) not in model_data(cal).households.consumption
    assert c not in model_data(cal).households.consumed_by[h]


def test_hand_computed_values():
    sam = _non_diagonal_sam()
    m = sam.matrix
    cal = calibrate(sam, "standard", elasticities={"top": {"A002": 0.5}},
                    options={"household_demand": "les"})
    c = "C001"
    imports, tariff = m.at["ROW", c], m.at["TAR", c]
    made = m.loc[list(cal.accounts.activities), c].sum()
    exports, export_tax = m.at[c, "ROW"], m.at["ETAX", c]
    domestic = made - exports + export_tax    # output at producer prices less exports (FOB)
    assert cal["import_tariff_rate"][c] == pytest.approx(tariff / imports, rel=1e-12)
    assert cal["domestic_sales"][c] == pytest.approx(domestic, rel=1e-12)
    assert cal["sales_tax_rate"][c] == pytest.approx(
        m.at["STAX", c] / (domestic + imports + tariff), rel=1e-12)
    # A001 makes C001 and C002: output shares of the make matrix
    z = m.loc[list(cal.accounts.commodities) + list(cal.accounts.factors), "A001"].sum()
    assert cal["make_share"].at["A001", "C002"] == pytest.approx(m.at["A001", "C002"] / z,
                                                                 rel=1e-12)
    # CES top nest, sigma = 0.5 (rho = -1): delta^y = Y^2 / (Y^2 + N^2)
    y = m.loc[list(cal.accounts.factors), "A002"].sum()
    n = m.loc[list(cal.accounts.commodities), "A002"].sum()
    assert cal["top_value_added_share"]["A002"] == pytest.approx(y**2 / (y**2 + n**2),
                                                                 rel=1e-12)
    assert cal["bundle_coefficient"].at["C003", "A002"] == pytest.approx(
        m.at["C003", "A002"] / n, rel=1e-12)
    # LES with income elasticities one: beta = budget share, gamma = C + beta EH / frisch
    h = "HH1"
    spend = m.loc[list(cal.accounts.commodities), h]
    share = spend[c] / spend.sum()
    assert cal["marginal_budget_share"].at[c, h] == pytest.approx(share, rel=1e-12)
    assert cal["subsistence_consumption"].at[c, h] == pytest.approx(
        spend[c] + share * spend.sum() / -2.0, rel=1e-12)


def test_tables_are_made_once_and_kept_by_new_elasticities():
    cal = calibrate(synthetic_sam(4, 0), "standard")
    output, io = cal["output"], cal["io_coefficient"]
    assert cal["output"] is output and cal.benchmark["output"] is output
    assert output.index.name == "payer" and list(output.index) == list(cal.accounts.activities)
    other = cal.with_elasticities({"armington": 4})
    assert other["output"] is output and other["io_coefficient"] is io
    assert (other["armington_elasticity"] == 4).all()
    assert not np.allclose(other["armington_import_share"], cal["armington_import_share"])
    assert other.cells.equals(cal.cells)


def test_a_calibration_pickles_with_its_tables():
    cal = calibrate(synthetic_sam(4, 0), "standard")
    cal["io_coefficient"]
    back = pickle.loads(pickle.dumps(cal))
    assert list(back.tables) == list(cal.tables)
    for name, table in cal.tables.items():
        if hasattr(table, "equals"):
            assert table.equals(back[name]), name
        else:
            assert table == back[name], name
    assert back.cells.equals(cal.cells)
