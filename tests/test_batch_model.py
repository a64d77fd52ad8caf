"""Batches of the real model: the stdcge SAM solved a few hundred times, failures recorded."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml

from cge.batch import load_results, read_batch, run_batch
from cge.model.build import GAMS_NAMES

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "sam_data" / "scenarios"
TARIFF = SCENARIOS / "stdcge_tariff_abolition.yaml"
REFERENCE = ROOT / "tests" / "data" / "gams_stdcge_reference.json"

pytestmark = [pytest.mark.solver,
              pytest.mark.skipif(not TARIFF.exists(), reason="stdcge scenario not bundled")]


def _batch(tmp_path: Path, body: dict) -> Path:
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump({"base": str(TARIFF), **body}))
    return path


def _value(frames, scenario_id, variable, index):
    r = frames["results"]
    row = r[(r.scenario_id == scenario_id) & (r.variable == variable) & (r.idx == index)]
    return row.iloc[0]


def test_batch_reproduces_the_gams_tariff_abolition(tmp_path):
    """The base scenario in a batch stores what `cge run` reports, shocked neighbours or not."""
    reference = json.loads(REFERENCE.read_text())["experiments"]["tariff_abolition"]
    batch = read_batch(_batch(tmp_path, {"scenarios": [
        {"name": f"world import prices x {m}", "shocks": [
            {"parameter": "world_import_price", "multiply": m}]} for m in (1.2, 0.8, 1.0)]}))
    # the last is the base scenario; solved between the others, it must not inherit their
    # world prices (a multiply shock scales the current value)
    summary = run_batch(batch, tmp_path / "store", workers=1, progress=False)
    assert summary.solved == 3
    frames = load_results(tmp_path / "store")
    sid = batch.scenarios[-1]["id"]
    for gams in ("E", "M", "Z", "pq"):
        for index, level in reference["counterfactual"][gams].items():
            stored = _value(frames, sid, GAMS_NAMES[gams], index)
            assert stored.counterfactual == pytest.approx(level, rel=1e-6)
    published_ev = json.loads(REFERENCE.read_text())["published_check"]["published"]["EV"]
    ev = frames["indicators"].loc[sid, "equivalent_variation"]
    assert ev == pytest.approx(published_ev, rel=1e-6)


@pytest.mark.slow
def test_a_few_hundred_stdcge_scenarios_all_solve(tmp_path):
    axis = [0.6 + 0.25 * k for k in range(15)]  # an Armington elasticity of 1 is not CES
    batch = read_batch(_batch(tmp_path, {"grid": [{"elasticity": "armington", "value": axis},
                                                  {"elasticity": "cet", "value": axis}]}))
    assert len(batch) == 225
    summary = run_batch(batch, tmp_path / "store", workers=2, progress=False)
    assert (summary.solved, summary.failed) == (225, 0)
    with sqlite3.connect(tmp_path / "store" / "batch.sqlite") as db:
        assert db.execute("SELECT COUNT(DISTINCT id) FROM scenarios").fetchone()[0] == 225
        assert db.execute("SELECT COUNT(*) FROM levels").fetchone()[0] == 225
    frames = load_results(tmp_path / "store")
    per = frames["results"].groupby("scenario_id").size()
    assert len(per) == 225 and per.min() == per.max() > 10  # the same, full set of variables
    # more substitutable imports: abolishing the tariff raises imports more
    scen = frames["scenarios"]
    r = frames["results"]
    m = r[(r.variable == "imports") & (r.idx == "MLK")].set_index("scenario_id")["change_pct"]
    at_cet_2 = scen[scen["elasticity:cet"] == 2.0].sort_values("elasticity:armington")
    growth = m.reindex(at_cet_2.index).to_numpy()
    assert (growth[1:] > growth[:-1]).all()


def test_an_infeasible_scenario_is_recorded_failed_and_the_rest_solve(tmp_path):
    batch = read_batch(_batch(tmp_path, {"scenarios": [
        {"name": "ok 1", "shocks": [{"parameter": "factor_endowment", "index": "CAP",
                                     "multiply": 1.05}]},
        # a subsidy of 150 % of the import price: valid input, no equilibrium
        {"name": "subsidy", "shocks": [{"parameter": "import_tariff_rate", "index": "BRD",
                                          "set": -1.5}]},
        {"name": "ok 2", "shocks": [{"parameter": "factor_endowment", "index": "CAP",
                                     "multiply": 0.95}]}]}))
    summary = run_batch(batch, tmp_path / "store", workers=1, progress=False)
    assert (summary.solved, summary.failed) == (2, 1)
    scen = load_results(tmp_path / "store")["scenarios"].set_index("name")
    assert scen.loc["subsidy", "status"] == "failed"
    assert scen.loc["subsidy", "reason"]
    assert scen.loc["subsidy", "attempts"] == 2  # retried in steps before giving up


CHINA_BASE = SCENARIOS / "china_2018_export_sensitivity_base.yaml"


def _synthetic_base(tmp_path: Path) -> dict:
    """A standard-model base on a synthetic SAM with an export tax (ETAX)."""
    from cge.sam.io import write_sam
    from cge.sam.synthetic import synthetic_sam

    write_sam(synthetic_sam(3, seed=2), tmp_path / "synthetic.csv")
    return {"name": "synthetic", "sam": str(tmp_path / "synthetic.csv"), "model": "standard",
            "elasticities": {"armington": 2, "cet": 2},
            "shocks": [{"parameter": "world_export_price", "multiply": 0.95}]}


@pytest.mark.skipif(not CHINA_BASE.exists(), reason="China SAM scenario not bundled")
@pytest.mark.parametrize("source, closure, shocks", [
    ("china", None, [{"parameter": "world_import_price", "multiply": 1.05}]),
    ("china", {"labour": "fixed_real_wage"},
     [{"parameter": "world_import_price", "multiply": 1.05}]),
    # CES value added: the labour-demand elasticities follow the batch's elasticities
    ("china", {"labour": "fixed_real_wage", "capital": "sector_specific"},
     [{"parameter": "export_demand", "index": "C_SEC", "multiply": 0.9}]),
    # world demand for primary exports rises while the rest falls: mixed signs of dE
    ("china", None, [{"parameter": "export_demand", "index": "C_PRI", "multiply": 1.3}]),
    # an export tax: output is valued at producers' base prices D + pe0 E
    ("synthetic", None, [{"parameter": "export_tax_rate", "index": "C001", "set": 0.0}]),
], ids=["china", "china-fixed-real-wage", "china-specific-capital-ces", "china-exports-rise",
        "synthetic-export-tax"])
def test_batch_indicators_equal_those_of_cge_run(tmp_path, source, closure, shocks):
    """Every indicator a batch stores for a scenario is what `cge run` reports for it."""
    from cge.indicators import indicator_frame
    from cge.runs import run_scenario

    if source == "china":
        base = yaml.safe_load(CHINA_BASE.read_text())
        base["sam"] = str((CHINA_BASE.parent / base["sam"]).resolve())
        elasticities = {"armington": 1.5, "cet": 3.0, "export_demand": 4}
        if closure and closure.get("capital") == "sector_specific":
            # CES in the base too: a batch cannot switch Cobb-Douglas to CES in place
            base["elasticities"] = {**base.get("elasticities", {}), "value_added": 0.9}
            elasticities["value_added"] = 0.7
    else:
        base = _synthetic_base(tmp_path)
        elasticities = {"armington": 1.5, "cet": 3.0}
    if closure:
        base["closure"] = closure
    base_file = tmp_path / "base.yaml"
    base_file.write_text(yaml.safe_dump(base))
    # the batch's model is built at the base elasticities, then recalibrated in place
    batch_file = tmp_path / "batch.yaml"
    batch_file.write_text(yaml.safe_dump({"base": str(base_file), "scenarios": [
        {"name": "warm-up", "elasticities": [{"elasticity": "armington", "value": 3.0}]},
        {"name": "other elasticities", "elasticities": [
            {"elasticity": k, "value": v} for k, v in elasticities.items()],
         "shocks": shocks}]}))
    batch = read_batch(batch_file)
    summary = run_batch(batch, tmp_path / "store", workers=1, progress=False)
    assert summary.solved == 2
    stored = load_results(tmp_path / "store")["indicator_table"]
    sid = batch.scenarios[1]["id"]
    stored = stored[stored.scenario_id == sid].set_index(["indicator", "idx"])

    run_file = tmp_path / "run.yaml"
    run_file.write_text(yaml.safe_dump({**base, "elasticities": elasticities,
                                        "shocks": [*base["shocks"], *shocks]}))
    expected = indicator_frame(run_scenario(run_file, solver="persistent").indicators)
    expected = expected.rename(columns={"index": "idx"}).set_index(["indicator", "idx"])
    assert set(stored.index) == set(expected.index)
    if closure:
        assert "employment" in expected.index.get_level_values(0)
    export_change = expected.loc["export_change", "value"].drop("total").astype(float)
    if "rise" in str(shocks) or source == "synthetic":
        assert (export_change > 0).any()   # the case this parameter is here for
    for column in ("base", "counterfactual", "value"):
        got = stored.loc[expected.index, column].astype(float).to_numpy()
        want = expected[column].astype(float).to_numpy()
        assert got == pytest.approx(want, rel=1e-6, abs=1e-9, nan_ok=True), column


@pytest.mark.skipif(not CHINA_BASE.exists(), reason="China SAM scenario not bundled")
@pytest.mark.parametrize("elasticities", [
    {"armington": 0.7, "cet": 3.5, "export_demand": 2},
    {"armington": {"default": 1.5, "C_SEC": 3}, "cet": 0.6, "export_demand": 8,
     "value_added": 0.6, "top": 0.4},
])
def test_recalibrating_in_place_equals_the_calibration_tables(tmp_path, elasticities):
    """The batch's array recalibration pins what a model built at those elasticities holds."""
    from cge.scenario import Scenario

    base = yaml.safe_load(CHINA_BASE.read_text())
    base["sam"] = str((CHINA_BASE.parent / base["sam"]).resolve())
    start = {**base["elasticities"],
             **{k: 1.3 for k in ("value_added", "top") if k in elasticities}}

    def build(values):
        path = tmp_path / "scenario.yaml"
        path.write_text(yaml.safe_dump({**base, "elasticities": values}))
        return Scenario.from_yaml(path).build()

    moved, fresh = build(start), build(elasticities)
    moved.set_elasticities(elasticities)
    a, b = moved.variable_index, fresh.variable_index
    assert a.layout.paths == b.layout.paths
    assert a.values() == pytest.approx(b.values(), rel=1e-12, nan_ok=True)
    assert (a.pinned() == b.pinned()).all()
    # the benchmark a scenario's unshocked parameters return to follows the recalibration
    for path in a.layout.paths:
        assert moved.benchmark_levels[path] == pytest.approx(
            fresh.benchmark_levels[path], rel=1e-12, nan_ok=True), path
    with pytest.raises(ValueError, match="read-only"):
        moved.benchmark_levels["trade.armington_scale"][0] = 1.0
    assert moved.calibration.parameters["armington_scale"].to_numpy() == pytest.approx(
        fresh.calibration.parameters["armington_scale"].to_numpy(), rel=1e-12)


@pytest.mark.skipif(not CHINA_BASE.exists(), reason="China SAM scenario not bundled")
def test_homotopy_steps_of_a_two_index_parameter_reach_the_model():
    import yaml

    from cge.batch.worker import ModelRunner, scale_shocks

    runner = ModelRunner(CHINA_BASE, yaml.safe_load(CHINA_BASE.read_text()))
    bench = runner.base_value("enterprise_payout_rate", None)
    assert bench and all("," in label for label in bench)   # labels like "HH,ENT"
    steps = scale_shocks([{"parameter": "enterprise_payout_rate", "index": None, "op": "set",
                           "value": 0.0}], 0.5, runner.base_value)
    runner.apply(steps, [], None)      # raised "not an index" before
    payout = runner.model.component("enterprises.payout_rate")
    for label, b in bench.items():
        assert payout[tuple(label.split(","))].value == pytest.approx(b / 2)
    ok, reason, *_ = runner.solve()
    assert ok, reason


def test_solve_stats_records_the_last_solve_without_raising():
    """The batch's fast solve: statistics kept on the model, failures reported, not raised."""
    from cge.scenario import Scenario

    model = Scenario.from_yaml(TARIFF).build()
    assert model.options.household_demand == "cobb_douglas"
    stats = model.solve_stats()
    assert stats.ok and stats.solver == "persistent" and model.last_stats is stats
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    failed = model.solve_stats(max_iter=1, predictor=False)   # IPOPT alone, one iteration
    assert not failed.ok and model.last_stats is failed
    assert model.solve_stats().ok


def test_an_elasticity_grid_reuses_the_indicator_plan_and_the_pending_calibration():
    """Scenarios of an Armington grid: the shocks are applied and the indicators reported
    without recomputing the calibration tables (they wait until read), with one indicator
    plan (that a new value-added elasticity makes another is in
    test_batch_indicators_equal_those_of_cge_run)."""
    from cge.batch.worker import ModelRunner

    runner = ModelRunner(TARIFF, yaml.safe_load(TARIFF.read_text()))
    tariff = [{"parameter": "import_tariff_rate", "op": "multiply", "value": 0.5}]
    for value in (1.5, 2.5, 3.5):
        runner.apply(tariff, [{"elasticity": "armington", "value": value}], None)
        assert runner.model._pending_elasticities is not None   # tables not recomputed
        ok, reason, *_ = runner.solve()
        assert ok, reason
        planned = bool(runner._plans)
        levels, indicators = runner.report()
        assert len(indicators)
        if planned:   # the first report makes the plan, which reads the tables
            assert runner.model._pending_elasticities is not None
    assert len(runner._plans) == 1
