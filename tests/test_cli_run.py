"""``cge run``: the JSON contract and the printed summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cge.cli import main

pytestmark = pytest.mark.solver

ROOT = Path(__file__).resolve().parents[1]
TARIFF = ROOT / "sam_data" / "scenarios" / "stdcge_tariff_abolition.yaml"


@pytest.mark.parametrize("solver", ["cyipopt", "persistent"])
def test_json_follows_the_contract(tmp_path, capsys, solver):
    out = tmp_path / "out.json"
    assert main(["run", str(TARIFF), "--json", str(out), "--solver", solver]) == 0
    data = json.loads(out.read_text())
    assert data["scenario"] == "stdcge_tariff_abolition"
    assert data["status"] == "optimal"
    assert data["closure"]["numeraire"] == "LAB"
    r = data["results"]
    for name in ("output", "exports", "imports", "domestic_sales", "composite_supply",
                 "household_consumption", "government_consumption", "investment_demand",
                 "price_output", "price_composite", "price_export", "price_import",
                 "price_domestic", "factor_price", "exchange_rate", "household_savings",
                 "government_savings", "direct_tax", "utility"):
        assert name in r, name
    assert r["utility"]["_"]["base"] == pytest.approx(25.5084900125158, rel=1e-9)
    assert r["utility"]["_"]["counterfactual"] == pytest.approx(26.0926343812887, rel=1e-8)
    assert r["exports"]["BRD"]["counterfactual"] / r["exports"]["BRD"]["base"] == \
        pytest.approx(1.1793, abs=5e-5)
    assert r["household_consumption"]["BRD"] == r["household_consumption"]["BRD,HOH"]
    assert r["exchange_rate"]["_"]["counterfactual"] == pytest.approx(1.0628, abs=5e-5)
    assert data["equivalent_variation"] == pytest.approx(1.14499989706615, rel=1e-7)
    printed = capsys.readouterr().out
    assert "closure: savings_investment=savings_driven" in printed
    assert "equivalent variation" in printed


def test_bad_scenario_exits_2_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsam: nowhere.csv\nmodel: stdcge\n")
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not found" in err and "Traceback" not in err
