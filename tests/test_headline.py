"""``cge headline``: finding the scenario library, and clear errors when it is not there."""

from __future__ import annotations

from pathlib import Path

import pytest

from cge.cli import main
from cge.headline import HEADLINE, LIBRARY, headline_files, library_files

ROOT = Path(__file__).resolve().parents[1]


def test_source_checkout_finds_the_library_by_default():
    assert LIBRARY == ROOT / "sam_data" / "scenarios"
    assert [p.stem for p in headline_files()] == list(HEADLINE)
    assert len(library_files()) > len(HEADLINE)


def test_missing_folder_is_named_and_exits_2(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["headline", "--scenarios", str(missing), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "--scenarios" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()       # nothing written before the check


def test_folder_without_the_headline_files_names_them(tmp_path, capsys):
    assert main(["headline", "--scenarios", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert all(f"{name}.yaml" in err for name in HEADLINE)
    assert main(["headline", "--library", "--scenarios", str(tmp_path),
                 "--out", str(tmp_path / "o")]) == 2
    assert "china_*.yaml" in capsys.readouterr().err


@pytest.mark.solver
def test_headline_runs_from_a_copied_library(tmp_path, capsys):
    folder = tmp_path / "library"
    folder.mkdir()
    for name in HEADLINE:
        text = (LIBRARY / f"{name}.yaml").read_text(encoding="utf-8")
        sam = (LIBRARY / "../china_2018_3sector.csv").resolve()
        lines = [f"sam: {sam}" if line.startswith("sam:") else line
                 for line in text.splitlines()]
        (folder / f"{name}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["headline", "--scenarios", str(folder), "--out", str(out)]) == 0
    assert {p.stem for p in (out / "runs").glob("*.json")} == set(HEADLINE)
    assert "absorption ratio C_SEC" in capsys.readouterr().out


def test_scenarios_differing_only_in_options_get_their_own_model(tmp_path, monkeypatch):
    """``run_scenarios`` reuses a model only for the same SAM, model, options and elasticities."""
    import cge.runs
    from cge.headline import run_scenarios

    used = {}
    monkeypatch.setattr(cge.runs, "run_scenario",
                        lambda scenario, solver, model: used.setdefault(scenario.name, model))
    sam = ROOT / "sam_data" / "china_2018_3sector.csv"
    paths = []
    for name, options in (("cd", "{}"), ("les", "{household_demand: les}"), ("cd2", "{}")):
        path = tmp_path / f"{name}.yaml"
        path.write_text(f"name: {name}\nsam: {sam}\noptions: {options}\n"
                        "shocks: [{parameter: household_transfers, multiply: 1.1}]\n")
        paths.append(path)
    run_scenarios(paths)
    assert used["les"].options.household_demand == "les"
    assert used["cd"].options.household_demand == "cobb_douglas"
    assert used["cd2"] is used["cd"]


def _relabelled_synthetic_sam():
    """A synthetic SAM whose first sector is called MANUF (activity) and GOODS (commodity):
    the make matrix, not the labels, says who produces what."""
    from cge.sam import SAM
    from cge.sam.synthetic import synthetic_sam

    sam = synthetic_sam(3, seed=4)
    names = {"A001": "MANUF", "C001": "GOODS"}
    matrix = sam.matrix.rename(index=names, columns=names)
    accounts = sam.accounts.rename(index=names).reset_index()
    return SAM.from_frame(matrix, accounts, name="synthetic", unit="million euro")


def test_experiment_reads_commodity_activity_and_unit_from_scenario_and_sam():
    from types import SimpleNamespace

    from cge.errors import ConfigError
    from cge.headline import experiment, main_producer
    from cge.scenario import Scenario

    sam = _relabelled_synthetic_sam()
    assert main_producer(sam, "GOODS") == "MANUF"
    scenario = Scenario.from_dict({"name": "s", "sam": sam, "description": "goods -20 %",
                                   "shocks": [{"parameter": "export_demand", "index": "GOODS",
                                               "multiply": 0.8}]})
    exp = experiment(SimpleNamespace(scenario=scenario), sam)
    assert (exp.commodity, exp.activity, exp.unit) == ("GOODS", "MANUF", "million euro")
    no_export = Scenario.from_dict({"name": "t", "sam": sam, "shocks": [
        {"parameter": "productivity", "index": "MANUF", "multiply": 1.05}]})
    with pytest.raises(ConfigError, match="no export shock") as err:
        experiment(SimpleNamespace(scenario=no_export), sam)
    assert "export_demand" in err.value.problems[0].fix


@pytest.mark.solver
def test_headline_table_on_another_sam_names_its_commodity_activity_and_unit():
    from cge.headline import headline_table
    from cge.runs import run_scenario
    from cge.scenario import Scenario

    sam = _relabelled_synthetic_sam()
    results = {}
    for name, labour, capital in (("goods_long", "full_employment", "mobile"),
                                  ("goods_short", "fixed_real_wage", "sector_specific")):
        scenario = Scenario.from_dict({
            "name": name, "sam": sam, "elasticities": {"export_demand": 4},
            "closure": {"labour": labour, "capital": capital},
            "shocks": [{"parameter": "export_demand", "index": "GOODS", "multiply": 0.8}]})
        results[name] = run_scenario(scenario)
    table = headline_table(results, sam, names=["goods_long", "goods_short"])
    assert list(table.columns) == ["long run", "short run"]
    assert {"exports GOODS, %", "output MANUF, %", "absorption ratio GOODS",
            "fixed-price bound GOODS", "EV, million euro"} <= set(table.index)
    assert not any("C_SEC" in r or "A_SEC" in r or "yuan" in r for r in table.index)
    assert (table.loc["exports GOODS, %"] < 0).all()
    assert table.attrs["rows"]["EV, million euro"][0] == "value"
