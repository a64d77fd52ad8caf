"""The registry of SAM flows and reported variables (cge/flows.py) and what derives from it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from cge.calibration import calibrate
from cge.flows import FLOWS, INDICATOR_VOLUMES, RESULT_PATHS, RESULTS, UNITS, gdp_sides, sheets
from cge.model.shocks import SHOCK_PARAMETERS
from cge.sam.io import read_sam

ROOT = Path(__file__).resolve().parents[1]
CHINA = ROOT / "sam_data" / "china_2018_3sector.xlsx"
STDCGE = ROOT / "sam_data" / "stdcge.csv"
EXPORT_SHOCK = [{"parameter": "export_demand", "index": "C_SEC", "multiply": 0.8}]


@pytest.fixture(scope="module")
def china():
    return read_sam(CHINA)


def test_every_registry_row_names_known_shocks_results_and_units():
    for flow in FLOWS:
        assert flow.shock is None or flow.shock in SHOCK_PARAMETERS, flow.name
        for name in (flow.volume, flow.price):
            assert name is None or name in RESULTS, (flow.name, name)
    assert all(r.unit in UNITS for r in RESULTS.values())
    assert all((r.path is None) != (r.derive is None) for r in RESULTS.values())
    assert set(INDICATOR_VOLUMES) == {"exports", "imports", "domestic_sales",
                                      "household_consumption", "government_consumption",
                                      "investment_demand"}
    # every reported variable is on exactly one report sheet
    assert sorted(n for names in sheets().values() for n in names) == sorted(RESULTS)


@pytest.mark.solver
@pytest.mark.parametrize("path,spec", [(STDCGE, "stdcge"), (CHINA, "standard")])
def test_every_result_path_is_a_model_variable(path, spec):
    from cge.model.build import CGEModel

    model = CGEModel(read_sam(path), spec)
    paths = {p for p, _ in model.variables()}
    # finite export demand is off by default: the one optional variable of these models
    missing = {n for n, p in RESULT_PATHS.items() if p not in paths}
    # dyncge's composite investment and its allocation exist in dyncge only
    dyncge_only = {"composite_investment", "investment_by_destination", "price_investment"}
    assert dyncge_only <= missing
    missing_here = missing - dyncge_only
    assert missing_here <= {"unemployment"} if spec == "stdcge" else missing_here == set()
    base = model.solve()
    assert set(base.names) >= set(RESULTS) - missing


def test_gdp_sides_of_the_china_sam_add_up_to_its_published_gdp(china):
    acc = calibrate(china, "standard").accounts
    g = gdp_sides(china.matrix, acc)
    # NBS revised 2018 GDP (sam_data/README.md), 100 million yuan
    assert g["income_side"] == pytest.approx(919_281, rel=1e-9)
    assert g["expenditure_side"] == pytest.approx(919_281, rel=1e-9)
    assert g["factor_income"] + g["net_indirect_taxes"] == pytest.approx(g["income_side"])


@pytest.mark.solver
def test_the_sam_a_counterfactual_implies_balances_account_by_account(china):
    """Adding-up: at an equilibrium every account of the implied SAM balances, so the
    registry values every flow of every account (a missing flow unbalances one)."""
    from cge.model.build import CGEModel
    from cge.results import solution_sam

    model = CGEModel(china, "standard", {"labour": "fixed_real_wage",
                                         "capital": "sector_specific"},
                     {"export_demand": 4})
    model.solve()
    model.apply_shocks([*EXPORT_SHOCK, {"parameter": "household_transfers", "multiply": 1.5}])
    model.solve()
    implied = solution_sam(model)
    gap = (implied.sum(axis=1) - implied.sum(axis=0)).abs()
    assert gap.max() < 1e-8 * implied.abs().to_numpy().max()
    assert not np.allclose(implied.to_numpy(), china.matrix.to_numpy())   # it moved


@pytest.mark.solver
def test_a_flow_the_registry_values_wrongly_fails_the_replication_check(monkeypatch, china):
    """The replication check reads the registry: a production tax booked at zero is
    found, at the production tax account's cells."""
    import cge.flows
    from cge.diagnostics import replication
    from cge.model.build import CGEModel

    model = CGEModel(china, "standard")
    assert replication(model).passed
    broken = tuple(dataclasses.replace(f, value=lambda v: (0.0 * v("production.production_tax"),
                                                           "payer"))
                   if f.name == "production_tax" else f for f in FLOWS)
    monkeypatch.setattr(cge.flows, "FLOWS", broken)
    check = replication(model)
    assert not check.passed
    assert "PTAX" in check.detail or "GOV" in check.detail


@pytest.mark.solver
def test_sector_specific_rents_are_reported_where_the_factor_price_cannot_move(china):
    """Under sector-specific capital the economy-wide price of capital is an unused index
    (one); each activity's rent is factor_rent, and secondary rent falls with its exports."""
    from cge.model.build import CGEModel

    model = CGEModel(china, "standard", {"labour": "fixed_real_wage",
                                         "capital": "sector_specific"},
                     {"export_demand": 4})
    base = model.solve()
    model.apply_shocks(EXPORT_SHOCK)
    cf = model.solve()
    assert cf.value("factor_price", "CAP") == pytest.approx(1.0)
    rent = cf.levels("factor_rent") / base.levels("factor_rent")
    assert rent[("CAP", "A_SEC")] < 0.99
    assert rent[("CAP", "A_SEC")] < rent[("CAP", "A_PRI")]
    assert rent[("LAB_URB", "A_SEC")] == pytest.approx(1.0)   # the wage is one everywhere


@pytest.mark.solver
def test_cge_run_json_has_every_reported_variable_with_its_unit(tmp_path):
    from cge.runs import run_scenario

    scenario = ROOT / "sam_data" / "scenarios" / "china_export_demand_20_short.yaml"
    data = run_scenario(scenario).to_json_dict()
    for name in ("factor_demand", "world_export_price", "factor_rent", "intermediate_input"):
        assert name in data["results"], name
    assert data["sam"] == {"name": "china_2018_3sector", "unit": "100 million yuan"}
    assert data["units"]["exports"] == "100 million yuan, at base prices"
    assert data["units"]["world_export_price"].startswith("index in foreign currency")
    json.dumps(data)   # JSON-ready
