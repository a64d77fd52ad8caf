"""``cge run``: the JSON contract and the printed summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cge.cli import main

ROOT = Path(__file__).resolve().parents[1]
TARIFF = ROOT / "sam_data" / "scenarios" / "stdcge_tariff_abolition.yaml"


@pytest.mark.solver
@pytest.mark.parametrize("solver", ["cyipopt", "persistent"])
def test_json_follows_the_contract(tmp_path, capsys, solver):
    out = tmp_path / "out.json"
    assert main(["run", str(TARIFF), "--json", str(out), "--solver", solver]) == 0
    data = json.loads(out.read_text())
    assert data["scenario"] == "stdcge_tariff_abolition"
    assert data["status"] == "optimal"
    assert data["checks"]["replication"]["passed"]
    assert data["checks"]["replication"]["deviation"] < 1e-12
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
    # one household (stdcge): consumption by good alone, as GAMS's Xp(i); no other aliases
    assert set(r["household_consumption"]) == {"BRD", "MLK"}
    assert set(r["factor_price"]) == {"CAP", "LAB"}
    assert set(r["household_income"]) == {"_"}
    assert r["exchange_rate"]["_"]["counterfactual"] == pytest.approx(1.0628, abs=5e-5)
    assert data["equivalent_variation"] == pytest.approx(1.14499989706615, rel=1e-7)
    assert data["indicators"]["equivalent_variation"] == data["equivalent_variation"]
    assert (data["indicators"]["equivalent_variation_by_household"]
            == data["equivalent_variation_by_household"])
    printed = capsys.readouterr().out
    assert "closure: savings_investment=savings_driven" in printed
    assert "replicates the SAM to" in printed
    assert "equivalent variation" in printed


def test_bad_scenario_exits_2_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsam: nowhere.csv\nmodel: stdcge\n")
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not found" in err and "Traceback" not in err


@pytest.mark.parametrize("target", ["scenario", "sam"])
def test_json_never_overwrites_an_input_file(tmp_path, capsys, target):
    sam = tmp_path / "stdcge.csv"
    sam.write_text((ROOT / "sam_data" / "stdcge.csv").read_text())
    (tmp_path / "stdcge.accounts.csv").write_text(
        (ROOT / "sam_data" / "stdcge.accounts.csv").read_text())
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: s\nsam: stdcge.csv\nmodel: stdcge\n"
                        "shocks: [{parameter: import_tariff_rate, set: 0}]\n")
    victim = scenario if target == "scenario" else sam
    before = victim.read_bytes()
    assert main(["run", str(scenario), "--json", str(victim)]) == 2
    err = capsys.readouterr().err
    assert "refusing to overwrite the input file" in err and "--force" in err
    assert victim.read_bytes() == before


@pytest.mark.solver
def test_cli_called_in_process_leaves_the_garbage_collector_alone():
    """Only the `cge` program freezes its imports for the collector; a caller of main() keeps its own."""
    import gc

    before = gc.get_freeze_count()
    assert main(["run", str(TARIFF), "--quiet"]) == 0
    assert gc.get_freeze_count() == before


_PROBE = """
import gc, sys
sys.path.insert(0, {folder!r})
import cge.cli as cli
cli.STANDALONE = {standalone}
cli.load_imports(["probe_collector"])
import probe_collector
print(probe_collector.ENABLED_DURING_IMPORT, gc.isenabled(), gc.get_freeze_count() > 0)
"""


@pytest.mark.parametrize("standalone, expected", [
    (True, "False True True"),     # the cge program: paused while loading, then frozen, back on
    (False, "True True False"),    # a caller of main(): its collector is left alone
])
def test_a_command_loads_its_imports_with_the_collector_paused(tmp_path, standalone, expected):
    (tmp_path / "probe_collector.py").write_text(
        "import gc\nENABLED_DURING_IMPORT = gc.isenabled()\n", encoding="utf-8")
    code = _PROBE.format(folder=str(tmp_path), standalone=standalone)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == expected.split()


def test_run_declares_its_heavy_imports():
    from cge.cli import build_parser

    args = build_parser().parse_args(["run", "s.yaml"])
    assert "cge.model.build" in args.imports and "cge.solve" in args.imports


@pytest.mark.solver
def test_run_stops_when_the_benchmark_does_not_replicate(monkeypatch, capsys):
    """A model broken on purpose (household budget shares swapped): exit 2, the cell named."""
    from breakage import budget_shares_swapped

    from cge.scenario import Scenario

    build = Scenario.build

    def broken_build(self):
        model = build(self)
        budget_shares_swapped(model, "HOH", "BRD", "MLK")
        return model

    monkeypatch.setattr(Scenario, "build", broken_build)
    assert main(["run", str(TARIFF), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert "the benchmark does not replicate the SAM" in captured.err
    assert "SAM row BRD, column HOH" in captured.err and "Traceback" not in captured.err
    assert "optimal" not in captured.out


@pytest.mark.solver
def test_summary_shows_rents_by_activity_under_sector_specific_capital(capsys):
    """The economy-wide price of sector-specific capital is a pinned index (1 -> 1); the
    summary shows each activity's rent instead, and secondary rent falls."""
    scenario = ROOT / "sam_data" / "scenarios" / "china_export_demand_20_short.yaml"
    assert main(["run", str(scenario)]) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    rent = next(parts for parts in lines if parts[:1] == ["factor_rent"])
    assert rent[1] == "LAB_RUR,A_PRI"
    sec = next(parts for parts in lines if parts[:1] == ["CAP,A_SEC"])
    assert float(sec[-1]) < -1.0          # percent change of the secondary rent
    assert not any(parts[:1] == ["factor_price"] for parts in lines)


@pytest.mark.solver
def test_subtotals_in_the_json_add_up(tmp_path, capsys):
    """stdcge's tariff abolition of both goods: one contribution per shock, adding up."""
    scenario = tmp_path / "two.yaml"
    import yaml

    raw = yaml.safe_load(TARIFF.read_text())
    raw["sam"] = str((TARIFF.parent / raw["sam"]).resolve())
    raw["shocks"] = [{"parameter": "import_tariff_rate", "index": "BRD", "set": 0},
                     {"parameter": "import_tariff_rate", "index": "MLK", "set": 0}]
    scenario.write_text(yaml.safe_dump(raw))
    out = tmp_path / "out.json"
    assert main(["run", str(scenario), "--subtotals", "4", "--json", str(out)]) == 0
    assert "subtotals (4 steps)" in capsys.readouterr().out
    data = json.loads(out.read_text())
    parts = data["subtotals"]
    assert parts["shocks"] == ["import_tariff_rate[BRD]", "import_tariff_rate[MLK]"]
    assert sum(parts["indicators"]["equivalent_variation"].values()) == pytest.approx(
        data["equivalent_variation"], rel=1e-9)
    for index, by_shock in parts["results"]["imports"].items():
        level = data["results"]["imports"][index]
        assert sum(by_shock.values()) == pytest.approx(
            level["counterfactual"] - level["base"], rel=1e-8)
