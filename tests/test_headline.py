"""``cge headline``: finding the scenario library, and clear errors when it is not there."""

from __future__ import annotations

from pathlib import Path

import numpy as np
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
    from openpyxl import load_workbook

    from cge.headline import GRID, POLICIES

    folder = tmp_path / "library"
    folder.mkdir()
    for name in {*HEADLINE, *GRID.values(), *POLICIES}:
        text = (LIBRARY / f"{name}.yaml").read_text(encoding="utf-8")
        sam = (LIBRARY / "../china_2018_3sector.csv").resolve()
        lines = [f"sam: {sam}" if line.startswith("sam:") else line
                 for line in text.splitlines()]
        (folder / f"{name}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["headline", "--scenarios", str(folder), "--out", str(out)]) == 0
    assert {p.stem for p in (out / "runs").glob("*.json")} == {*HEADLINE, *GRID.values()}
    printed = capsys.readouterr().out
    assert "absorption ratio C_SEC, volume" in printed and "Keynesian" in printed
    assert "(5-95 %)" in printed and "employment per yuan" in printed
    book = load_workbook(out / "report.xlsx")
    assert {"headline", "grid", "policies"} <= set(book.sheetnames)
    grid = book["grid"]
    assert grid["A2"].value.startswith("The absorption ratio of C_SEC")   # the reading
    assert book["policies"].max_row > len(POLICIES)


def test_headline_needs_the_grid_files(tmp_path, capsys):
    folder = tmp_path / "library"
    folder.mkdir()
    for name in HEADLINE:
        (folder / f"{name}.yaml").write_text((LIBRARY / f"{name}.yaml").read_text())
    assert main(["headline", "--scenarios", str(folder), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "china_export_demand_20_keynesian.yaml" in err and "Traceback" not in err


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


# -- the grid, its reading, the policy table and the band ------------------------------------
def _run_json(ratio=-2.0, revenue=-1.5, matching=-1.6, jobs=-1.0, gdp=-0.5, ev=-100.0,
              parts=None, older=False):
    """A cge run JSON with the numbers the grid reads (``older``: without the new keys)."""
    parts = parts if parts is not None else {"terms_of_trade": ev * 0.7,
                                             "factor_employment": ev * 0.3}
    ind = {"absorption_ratio": {"C_SEC": ratio, "total": ratio},
           "real_gdp": gdp, "equivalent_variation": ev,
           "employment": {"A_SEC": {"base": 100.0, "counterfactual": 100.0 + jobs}},
           "gdp": {"base": 1000.0, "counterfactual": 1000.0 * (1 + gdp / 100)},
           "government_saving": {"base": 50.0, "counterfactual": 40.0}}
    if not older:
        ind.update({"absorption_ratio_by_revenue": {"C_SEC": revenue},
                    "multiplier_absorption_ratio": {"C_SEC": {"matching": matching}},
                    "equivalent_variation_decomposition": parts})
    res = {"exports": {"C_SEC": {"base": 10.0, "counterfactual": 9.0}},
           "domestic_sales": {"C_SEC": {"base": 20.0, "counterfactual": 19.5}},
           "output": {"A_SEC": {"base": 30.0, "counterfactual": 28.5}}}
    return {"indicators": ind, "results": res}


def _experiment():
    from cge.headline import Experiment

    return Experiment("C_SEC", "A_SEC", "100 million yuan", "exports -20 %", "china")


def _grid(**changes):
    from cge.headline import GRID, grid_table

    ratios = {"long run": -0.1, "short run": -2.4, "wage curve": -0.6, "Keynesian": -2.3}
    ratios.update(changes)
    runs = {GRID[k]: _run_json(ratio=v, jobs=0.0 if k == "long run" else -1.0)
            for k, v in ratios.items()}
    return grid_table(runs, _experiment())


def test_grid_reads_every_row_and_shows_n_a_for_an_older_json():
    from cge.headline import GRID, grid_table

    table = _grid()
    assert list(table.columns) == list(GRID)
    assert table.loc["absorption ratio C_SEC, volume", "short run"] == -2.4
    assert table.loc["exports C_SEC, %", "Keynesian"] == pytest.approx(-10.0)
    assert table.loc["output A_SEC, %", "long run"] == pytest.approx(-5.0)
    assert table.loc["employment, %", "short run"] == pytest.approx(-1.0)
    assert table.loc["EV: terms of trade, 100 million yuan", "long run"] == pytest.approx(-70)
    old = grid_table({GRID["long run"]: _run_json(older=True)}, _experiment())
    assert old.loc["absorption ratio C_SEC, revenue", "long run"] != \
        old.loc["absorption ratio C_SEC, revenue", "long run"]          # NaN: n/a
    assert old.loc["absorption ratio C_SEC, volume", "long run"] == -2.0


def test_reading_follows_the_numbers():
    from cge.headline import reading

    exp = _experiment()
    band = {"family": "short run", "low": -3.0, "high": -2.0,
            "elasticities": ["armington", "cet"]}
    text = " ".join(reading(_grid(), exp, band))
    assert "from -2.40 (short run) to -0.10 (long run)" in text
    assert "a spread of 2.30" in text and "The closure drives the answer" in text
    assert "Outside the band (long run, wage curve, Keynesian)" not in text   # -2.3 inside
    assert "Outside the band (long run, wage curve)" in text
    moved = " ".join(reading(_grid(**{"long run": -2.2}), exp, band))
    assert moved != text and "from -2.40 (short run) to -0.60 (wage curve)" in moved
    wide = dict(band, low=-9.0, high=1.0)
    assert "The elasticities drive the answer" in " ".join(reading(_grid(), exp, wide))
    near = dict(band, low=-4.0, high=-1.0)      # spread 3.0 against 2.3
    assert "matter about equally" in " ".join(reading(_grid(), exp, near))
    assert "not measured" in " ".join(reading(_grid(), exp))


def test_reading_places_each_closure_against_its_matching_multiplier():
    from cge.headline import reading

    text = " ".join(reading(_grid(), _experiment()))
    # the fake matching ratio is -1.6: only long run and wage curve lie above it
    assert "long run -0.10 against -1.60; wage curve -0.60 against -1.60" in text
    assert "short run -2.40 against -1.60; Keynesian -2.30 against -1.60" in text
    assert "Employment falls most under the short run closure (-1.00 %)" in text


def test_policy_table_per_yuan_is_the_ratio_of_the_runs_numbers():
    from cge.headline import policy_table

    runs = {"a": _run_json(jobs=2.0, gdp=0.5), "b": _run_json(jobs=-1.0, gdp=-0.2)}
    table = policy_table(runs, {"a": 20.0, "b": 0.0},
                         {"a": ("transfers", "Keynesian"), "b": ("saving", "short run")})
    a, b = table.iloc[0], table.iloc[1]
    assert a["employment change"] == pytest.approx(2.0)           # base 100, +2 %
    assert a["employment per yuan"] == pytest.approx(2.0 / 20.0)
    assert a["GDP per yuan"] == pytest.approx(1000.0 * 0.005 / 20.0)
    assert a["government saving change"] == pytest.approx(-10.0)
    assert a["raises employment"] == "yes" and b["raises employment"] == "no"
    assert b["employment per yuan"] != b["employment per yuan"]    # no outlay: n/a
    assert table.attrs["reading"] == [
        "Keynesian: 1 of 1 policies raise employment (transfers +2.00 %); most per yuan: "
        "transfers, +0.100 of employment (base wage bill) and +0.250 of real GDP per yuan "
        "spent.", "short run: none of the 1 policies raises employment."]


def test_stroud_points_give_mean_and_variance_of_a_uniform_exactly():
    from cge.headline import band_from_values, stroud_points

    for n in (3, 4):
        p = stroud_points(n)
        assert p.shape == (2 * n, n)
        assert abs(p.mean(axis=0)).max() < 1e-12
        assert p.T @ p / (2 * n) == pytest.approx(np.eye(n) / 3)      # var 1/3, independent
        assert abs((p ** 3).mean(axis=0)).max() < 1e-12
    f = 1.0 + 2.0 * stroud_points(4)[:, 0] + stroud_points(4)[:, 1]   # var 4/3 + 1/3
    mean, sd, low, high = band_from_values(f)
    assert mean == pytest.approx(1.0) and sd ** 2 == pytest.approx(5 / 3)
    assert high - mean == pytest.approx(mean - low)


@pytest.mark.solver
def test_grid_and_policies_on_the_china_sam():
    from cge.headline import (
        GRID,
        GRID_ROWS,
        experiment,
        grid_files,
        grid_table,
        policy_table,
        run_policies,
        run_scenarios,
    )

    results = run_scenarios(grid_files())
    runs = {n: r.to_json_dict() for n, r in results.items()}
    exp = experiment(results[GRID["short run"]])
    grid = grid_table(runs, exp)
    assert list(grid.columns) == list(GRID)
    main_rows = [r.label.format(c="C_SEC", a="A_SEC", unit=exp.unit) for r in GRID_ROWS.values()]
    assert not grid.loc[main_rows].isna().any().any()
    parts = grid.loc[[r for r in grid.index if r.startswith("EV: ")]].sum()
    assert parts.to_numpy() == pytest.approx(grid.loc[main_rows[-1]].to_numpy(), rel=1e-6)
    assert grid.loc["employment, %", "long run"] == pytest.approx(0, abs=1e-6)
    assert (grid.loc["employment, %", ["short run", "wage curve", "Keynesian"]] < 0).all()

    policy_runs, outlays, families = run_policies()
    table = policy_table({n: r.to_json_dict() for n, r in policy_runs.items()}, outlays, families)
    assert len(table) == 15
    gdp = 919281.0
    deficit = table[table["policy"] == "china_transfers_1pct_deficit"].set_index("closure")
    assert deficit["fiscal cost"].to_numpy() == pytest.approx(0.01 * gdp, rel=1e-4)
    assert (deficit["employment per yuan"] == deficit["employment change"]
            / deficit["fiscal cost"]).all()
    for name, (policy, family) in families.items():
        row = table[(table["policy"] == policy) & (table["closure"] == family)].iloc[0]
        jobs = policy_runs[name].indicators["employment"]
        change = sum(x["counterfactual"] - x["base"] for x in jobs.values())
        assert row["employment change"] == pytest.approx(change, rel=1e-9, abs=1e-9)
    investment = table[table["policy"] == "china_debt_financed_investment_1pct"]
    by = investment.set_index("closure")["employment, %"]
    assert by["Keynesian"] > 0 > by["short run"]
    assert deficit.loc["Keynesian", "employment, %"] > deficit.loc["short run",
                                                                   "employment, %"] > 0


def test_policy_scenarios_take_the_closure_of_each_family():
    from cge.headline import POLICIES, POLICY_FAMILIES, policy_scenarios

    found = {(p, f): s for p, f, s in policy_scenarios()}
    assert set(found) == {(p, f) for p in POLICIES for f in POLICY_FAMILIES}
    investment = "china_debt_financed_investment_1pct"
    assert found[investment, "short run"].closure["labour"] == "fixed_real_wage"
    curve = found[investment, "wage curve"]
    assert curve.closure["labour"] == "wage_curve"
    assert curve.closure["savings_investment"] == "investment_driven"     # the policy's own
    assert curve.options["benchmark_unemployment_rate"] == 0.049
    assert curve.elasticities["armington"] == found[investment, "short run"].elasticities[
        "armington"]
    keynes = found["china_transfers_1pct_deficit", "Keynesian"]
    assert (keynes.closure["savings_investment"], keynes.closure["capital"],
            keynes.closure["external"]) == ("keynesian", "excess_capacity",
                                            "fixed_exchange_rate")
    assert keynes.shocks == found["china_transfers_1pct_deficit", "short run"].shocks
    assert len({s.name for s in found.values()}) == len(found)
