"""Dynamic batches: per-period results in the store, resuming, old stores, bands over periods.

A toy path runner stands in for the recursive model: ``x_i(t) ** sigma = p_i * g ** t``
over four periods, so the stored paths can be recomputed here from the inputs.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
import yaml

from cge.batch import load_results, read_batch, run_batch
from cge.batch.report import batch_report
from cge.batch.store import PathLevels, ResultStore

HERE = Path(__file__).resolve().parent
RUNNER = "test_batch_paths:ToyPathRunner"
PERIODS = ("2018", "2019", "2020", "2021")
GROWTH = 1.05


class ToyPathRunner:
    """A path of four periods of ``x ** sigma = p * GROWTH ** t`` with the runner interface."""

    BENCHMARK = {"A": 1.0, "B": 4.0}

    def __init__(self, base_path, base):
        self.sigma0 = float((base.get("elasticities") or {}).get("sigma", 2.0))
        self.sigma, self.p = self.sigma0, dict(self.BENCHMARK)

    def to_benchmark(self):
        pass

    def apply(self, shocks, elasticities, closure):
        self.p = dict(self.BENCHMARK)
        for s in shocks:
            self.p[s["index"]] *= s["value"]
        self.sigma = self.sigma0
        for e in elasticities:
            self.sigma = e["value"]

    def solve(self):
        return True, "", len(PERIODS), 0.0

    def _path(self, p):
        t = np.arange(len(PERIODS))[:, None]
        return (np.array([p[k] for k in self.BENCHMARK]) * GROWTH ** t) ** (1 / self.sigma)

    def report(self):
        base, cf = self._path(self.BENCHMARK), self._path(self.p)
        variables = tuple(("output", k, float(b)) for k, b in zip(self.BENCHMARK, base[0],
                                                                   strict=True))
        welfare = (cf - base).sum(axis=1)
        by_period = [(period, [("real_gdp", "_", None, None, 100 * (c.sum() / b.sum() - 1)),
                               ("equivalent_variation", "_", None, None, float(w))])
                     for period, b, c, w in zip(PERIODS, base, cf, welfare, strict=True)]
        summary = {"equivalent_variation": float(welfare.sum())}
        return PathLevels(variables, PERIODS, base, cf), summary, by_period

    def base_value(self, parameter, index):
        return self.BENCHMARK[index]


GRID = {"grid": [{"parameter": "p", "index": "B", "multiply": [0.8, 0.9, 1.1]},
                 {"elasticity": "sigma", "value": [1.0, 2.0]}]}


def _batch(tmp_path: Path):
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(
        {"name": "toy_path", "elasticities": {"sigma": 2.0}}))
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump({"base": "base.yaml", **GRID}))
    return read_batch(path)


def test_paths_are_stored_per_period_and_a_rerun_skips_them(tmp_path):
    batch = _batch(tmp_path)
    summary = run_batch(batch, tmp_path / "store", workers=1, runner=RUNNER, progress=False)
    assert (summary.solved, summary.failed) == (6, 0)
    frames = load_results(tmp_path / "store")
    paths, scen = frames["paths"], frames["scenarios"]
    assert len(paths) == 6 * len(PERIODS) * 2
    assert list(dict.fromkeys(paths["period"])) == list(PERIODS)
    last = paths[(paths.idx == "B") & (paths.period == "2021")].set_index("scenario_id")
    expected = (4 * scen["shock:p[B]:multiply"] * GROWTH ** 3) ** (1 / scen["elasticity:sigma"])
    assert np.allclose(last["counterfactual"].sort_index(), expected.sort_index())
    by_period = frames["path_indicators"]
    assert set(by_period["period"]) == set(PERIODS)
    assert frames["indicators"]["equivalent_variation"].notna().all()
    again = run_batch(batch, tmp_path / "store", workers=1, runner=RUNNER, progress=False)
    assert (again.skipped, again.solved) == (6, 0)


def test_a_store_without_path_tables_still_opens(tmp_path):
    store = tmp_path / "old"
    store.mkdir()
    with sqlite3.connect(store / "batch.sqlite") as db:      # the schema before paths
        db.executescript("""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE scenarios (id TEXT PRIMARY KEY, name TEXT, position INTEGER,
                inputs TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, iterations INTEGER,
                seconds REAL, attempts INTEGER, worker TEXT, finished_at TEXT,
                base_digest TEXT);
            CREATE TABLE batches (base_digest TEXT PRIMARY KEY, batch TEXT, base TEXT);
            CREATE TABLE inputs (scenario_id TEXT, kind TEXT, name TEXT, idx TEXT, op TEXT,
                value REAL);
            CREATE TABLE variables (layout INTEGER, position INTEGER, variable TEXT,
                idx TEXT, base REAL);
            CREATE TABLE levels (scenario_id TEXT PRIMARY KEY, layout INTEGER,
                counterfactual BLOB);
            CREATE TABLE indicators (scenario_id TEXT, indicator TEXT, idx TEXT, base REAL,
                counterfactual REAL, value REAL);
            INSERT INTO scenarios VALUES ('s1', 'one', 0, '{}', 'solved', NULL, 3, 0.1, 1,
                'w', '2026-01-01', 'd');
        """)
    frames = load_results(store)               # read as it is, no path tables
    assert frames["paths"].empty and frames["path_indicators"].empty
    assert list(frames["scenarios"].index) == ["s1"]
    ResultStore(store).close()                 # opened for writing: the tables are added
    with sqlite3.connect(store / "batch.sqlite") as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert {"path_levels", "path_indicators"} <= tables


@pytest.mark.parametrize("workers", [2])
def test_batch_report_draws_bands_over_periods(tmp_path, workers):
    import pandas as pd

    run_batch(_batch(tmp_path), tmp_path / "store", workers=workers, runner=RUNNER,
              progress=False)
    written = {p.name for p in batch_report(tmp_path / "store", tmp_path / "report")}
    assert {"path_real_gdp.png", "path_equivalent_variation.png", "path_output.png"} <= written
    book = pd.read_excel(tmp_path / "report" / "batch_report.xlsx", sheet_name="paths")
    row = book[(book.variable == "output") & (book.idx == "A")]
    assert list(row["period"].astype(str)) == list(PERIODS)
    assert np.allclose(row["p50"], 0.0)                   # A is never shocked
    b = book[(book.variable == "output") & (book.idx == "B")]
    assert (b["p05"] < 0).all() and (b["p95"] > 0).all()  # shocks of either sign


# -- the real model -----------------------------------------------------------------------
def _china_batch(tmp_path: Path, batch: dict, years=(2018, 2019, 2020, 2021)):
    """A China path (four years) with a ramped export-demand fall, and a batch around it."""
    root = Path(__file__).resolve().parents[1] / "sam_data" / "scenarios"
    base = yaml.safe_load((root / "china_2035_export_fall.yaml").read_text())
    base["sam"] = str((root / base["sam"]).resolve())
    base["dynamics"]["years"] = list(years)
    base["dynamics"]["labour_growth"] = {2018: -0.005, 2020: -0.007}
    base["shocks"] = [{"parameter": "export_demand", "index": "C_SEC", "multiply": 0.8,
                       "ramp": [years[1], years[-1]]}]
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump({"base": "base.yaml", **batch}))
    return read_batch(path)


@pytest.mark.solver
def test_a_dynamic_base_runs_paths_with_the_timing_of_its_shocks(tmp_path):
    from cge.scenario import Scenario

    batch = _china_batch(tmp_path, {"grid": [
        {"parameter": "export_demand", "index": "C_SEC", "multiply": [0.6, 0.8]},
        {"parameter": "labour_growth", "add": [0.0, 0.01]}]})
    summary = run_batch(batch, tmp_path / "store", workers=1, progress=False)
    assert (summary.solved, summary.failed) == (4, 0)
    frames = load_results(tmp_path / "store")
    paths, scen = frames["paths"], frames["scenarios"]
    exports = paths[(paths.variable == "exports") & (paths.idx == "C_SEC")]
    first = exports[exports.period == "2018"]
    assert np.allclose(first["counterfactual"], first["base"])     # before the ramp
    last = exports[exports.period == "2021"].set_index("scenario_id")["change_pct"]
    deeper = scen["shock:export_demand[C_SEC]:multiply"] == 0.6
    assert last[deeper[deeper].index].max() < last[deeper[~deeper].index].min()
    # a faster-growing labour force: more labour employed in the last period, the
    # base path (business as usual) growing with it
    labour = set(Scenario.from_yaml(batch.base_path).build().data.sets.labour_types)
    jobs = paths[(paths.variable == "factor_demand") & (paths.period == "2021")
                 & paths.idx.str.split(",").str[0].isin(labour)]
    total = jobs.groupby("scenario_id")["base"].sum()
    faster = scen["shock:labour_growth:add"] == 0.01
    ratio = total[faster[faster].index].mean() / total[faster[~faster].index].mean()
    growth = Scenario.from_yaml(batch.base_path).dynamics.labour_growth_path
    assert ratio == pytest.approx(np.prod((1 + growth[:3] + 0.01) / (1 + growth[:3])),
                                  rel=1e-6)
    ev = frames["indicators"]["equivalent_variation"]
    assert (ev < 0).all()


@pytest.mark.solver
def test_an_unknown_path_parameter_stops_the_batch_before_it_runs(tmp_path):
    from cge.errors import ConfigError

    batch = _china_batch(tmp_path, {"grid": [{"parameter": "labour_growht", "add": [0.01]}]})
    with pytest.raises(ConfigError, match="labour_growht"):
        run_batch(batch, tmp_path / "store", workers=1, progress=False)


@pytest.mark.slow
@pytest.mark.solver
def test_a_dynamic_batch_on_dask_stores_what_the_local_run_stores(tmp_path):
    """The same paths, period by period, from a Dask worker and from a local process."""
    import pandas as pd
    from distributed import LocalCluster

    batch = _china_batch(tmp_path, {"grid": [
        {"parameter": "export_demand", "index": "C_SEC", "multiply": [0.6, 0.9]},
        {"parameter": "labour_growth", "add": [0.0, 0.01]}]}, years=(2018, 2019, 2020))
    local = run_batch(batch, tmp_path / "local", workers=1, progress=False)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, protocol="tcp",
                      host="127.0.0.1", dashboard_address=None) as cluster:
        remote = run_batch(batch, tmp_path / "dask", scheduler=cluster.scheduler_address,
                           progress=False)
    assert (local.solved, local.failed) == (remote.solved, remote.failed) == (4, 0)
    ours, theirs = load_results(tmp_path / "local"), load_results(tmp_path / "dask")
    assert set(ours["paths"]["period"]) == {"2018", "2019", "2020"}
    for table in ("paths", "path_indicators", "indicators"):
        a, b = ours[table], theirs[table]
        keys = [c for c in a.columns if a[c].dtype == object]
        a = a.sort_values(keys).reset_index(drop=True)
        b = b.sort_values(keys).reset_index(drop=True)
        assert len(a) > 0 and list(a.columns) == list(b.columns), table
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-7, atol=1e-9)


@pytest.mark.solver
def test_each_scenario_of_a_dynamic_batch_runs_under_its_own_closure(tmp_path):
    """A scenario without a closure after one with a closure: the base scenario's closure
    and its own business as usual, as when it runs alone."""
    entry = {"name": "plain", "shocks": [{"parameter": "export_demand", "index": "C_SEC",
                                          "multiply": 0.7}]}
    fixed = {**entry, "name": "fixed", "closure": {"external": "fixed_exchange_rate"}}
    years = (2018, 2019, 2020)
    for k in ("both", "alone"):
        (tmp_path / k).mkdir()
    both = _china_batch(tmp_path / "both", {"scenarios": [fixed, entry]}, years)
    alone = _china_batch(tmp_path / "alone", {"scenarios": [entry]}, years)
    for batch, store in ((both, "both"), (alone, "alone")):
        summary = run_batch(batch, tmp_path / store / "store", workers=1, progress=False)
        assert summary.failed == 0
    frames = {k: load_results(tmp_path / k / "store") for k in ("both", "alone")}
    paths = {k: f["paths"] for k, f in frames.items()}
    names = {k: f["scenarios"]["name"] for k, f in frames.items()}

    def rate(k, name, side):
        p = paths[k]
        p = p[(p.variable == "exchange_rate") & p.scenario_id.map(names[k]).eq(name)]
        return p.sort_values("period")[side].to_numpy()

    for side in ("base", "counterfactual"):
        assert np.allclose(rate("both", "plain", side), rate("alone", "plain", side),
                           rtol=1e-9, atol=0), side
    assert not np.allclose(rate("both", "fixed", "counterfactual"),
                           rate("both", "plain", "counterfactual"))
