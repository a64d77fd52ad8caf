"""The batch machinery (expansion, store, resume, worker death, Dask) on a toy runner.

The toy runner solves ``x_i ** sigma = p_i`` by Newton's method from wherever its
variables are, so warm starts, failures and homotopy retries behave as with a real model,
in microseconds. The real model is exercised in ``test_batch_model.py``.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from cge.batch import expand_batch, load_results, read_batch, run_batch
from cge.batch.worker import scale_shocks
from cge.errors import ConfigError

HERE = Path(__file__).resolve().parent
RUNNER = "test_batch_machinery:ToyRunner"


class ToyRunner:
    """A two-equation 'model' with the runner interface of :mod:`cge.batch.worker`."""

    BENCHMARK = {"A": 1.0, "B": 4.0}
    #: Newton diverges (by construction) when started further than this from the answer.
    REACH = 2.0

    def __init__(self, base_path, base):
        self.delay = float(base.get("delay", 0.0))
        self.crash_marker = base.get("crash_marker")
        self.sigma0 = float((base.get("elasticities") or {}).get("sigma", 2.0))
        self.sigma = self.sigma0
        self.p = dict(self.BENCHMARK)
        self.to_benchmark()

    def to_benchmark(self):
        self.x = {i: v ** (1 / self.sigma) for i, v in self.BENCHMARK.items()}

    def apply(self, shocks, elasticities, closure):
        self.p = dict(self.BENCHMARK)
        for s in shocks:
            if s["parameter"] == "crash" and self.crash_marker:
                if not os.path.exists(self.crash_marker):
                    Path(self.crash_marker).write_text("crashed once")
                    os._exit(1)  # the worker process dies without a word
                continue
            keys = [s["index"]] if s.get("index") else list(self.p)
            for k in keys:
                v = self.p[k]
                self.p[k] = {"set": s["value"], "multiply": v * s["value"],
                             "add": v + s["value"]}[s["op"]]
        self.sigma = self.sigma0
        for e in elasticities:
            self.sigma = e["value"]

    def solve(self):
        if self.delay:
            time.sleep(self.delay)
        iterations = 0
        for i, target in self.p.items():
            if target <= 0:
                return False, f"infeasible: p[{i}] = {target} is not positive", iterations, 0.0
            x = self.x[i]
            if abs(math.log(x ** self.sigma / target)) > self.REACH:
                return False, "Newton diverged (too far from the starting point)", iterations, 0.0
            while abs(x ** self.sigma - target) > 1e-12 * target:
                x -= (x ** self.sigma - target) / (self.sigma * x ** (self.sigma - 1))
                iterations += 1
            self.x[i] = x
        return True, "", iterations, 0.0

    def report(self):
        rows = [("x", i, self.BENCHMARK[i] ** (1 / self.sigma0), v) for i, v in self.x.items()]
        return rows, {"welfare": sum(self.x.values())}

    def base_value(self, parameter, index):
        return self.BENCHMARK[index]

    def state(self):
        return dict(self.x)

    def load_state(self, state):
        self.x = dict(state)


class UnbuildableRunner(ToyRunner):
    """A runner whose model does not build, as with a broken base scenario."""

    def __init__(self, base_path, base):
        raise ConfigError(f"{Path(base_path).name}: closure.labor: unknown closure key")


def _write(tmp_path: Path, batch: dict, base: dict | None = None) -> Path:
    base = base or {"name": "toy", "elasticities": {"sigma": 2.0},
                    "shocks": [{"parameter": "p", "index": "A", "multiply": 1.1}]}
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump({"base": "base.yaml", **batch}))
    return path


GRID = {"grid": [{"parameter": "p", "index": "B", "multiply": [0.8, 0.9, 1.0, 1.1, 1.2]},
                 {"elasticity": "sigma", "value": [0.5, 1.0, 2.0, 4.0]}]}


def _stored(store: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(store / "batch.sqlite") as db:
        return db.execute("SELECT id, status FROM scenarios").fetchall()


# -- batch files --------------------------------------------------------------------------
def test_grid_is_the_cartesian_product_with_stable_ids(tmp_path):
    path = _write(tmp_path, GRID)
    batch = read_batch(path)
    assert len(batch) == 5 * 4
    again = read_batch(path)
    assert [s["id"] for s in batch] == [s["id"] for s in again]
    assert len({s["id"] for s in batch}) == 20
    # every scenario keeps the base scenario's shock and adds its own
    first = batch.scenarios[0]
    assert first["shocks"][0] == {"parameter": "p", "index": "A", "op": "multiply", "value": 1.1}
    assert first["shocks"][1]["value"] == 0.8 and first["elasticities"][0]["value"] == 0.5


def test_a_grid_shock_replaces_the_base_shock_on_the_same_parameter(tmp_path):
    path = _write(tmp_path, {"grid": [{"parameter": "p", "index": "A", "multiply": [0.5, 2]}]})
    values = [[s["value"] for s in sc["shocks"]] for sc in read_batch(path)]
    assert values == [[0.5], [2.0]]


def test_ids_change_with_the_base_scenario(tmp_path):
    batch = read_batch(_write(tmp_path, GRID))
    other = read_batch(_write(tmp_path, GRID, base={"name": "toy", "shocks": []}))
    assert not {s["id"] for s in batch} & {s["id"] for s in other}


def test_monte_carlo_draws_are_reproducible_and_inside_their_distribution(tmp_path):
    mc = {"samples": 200, "seed": 7,
          "distributions": [{"elasticity": "sigma", "index": "A", "uniform": [0.5, 3.0]},
                            {"elasticity": "omega", "triangular": [1, 2, 5]},
                            {"elasticity": "eta", "normal": {"mean": 0.3, "sd": 0.5}}]}
    a, b = read_batch(_write(tmp_path, mc)), read_batch(_write(tmp_path, mc))
    assert [s["id"] for s in a] == [s["id"] for s in b]
    draws = {name: [e["value"] for s in a for e in s["elasticities"] if e["elasticity"] == name]
             for name in ("sigma", "omega", "eta")}
    assert all(0.5 <= v <= 3.0 for v in draws["sigma"])
    assert all(1 <= v <= 5 for v in draws["omega"])
    assert min(draws["eta"]) > 0  # elasticities are redrawn until positive
    other_seed = read_batch(_write(tmp_path, {**mc, "seed": 8}))
    assert {s["id"] for s in other_seed}.isdisjoint(s["id"] for s in a)


def test_scenarios_from_an_excel_sheet_one_per_row(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "scenarios"
    sheet.append(["name", "multiply p[B]", "elasticity sigma", "closure"])
    sheet.append(["low", 0.5, 1.5, None])
    sheet.append(["high", 1.5, None, "labour=fixed_real_wage; numeraire=cpi"])
    book.save(tmp_path / "rows.xlsx")
    batch = read_batch(_write(tmp_path, {"scenarios": "rows.xlsx"}))
    assert [s["name"] for s in batch] == ["low", "high"]
    low, high = batch.scenarios
    assert low["elasticities"] == [{"elasticity": "sigma", "index": None, "value": 1.5}]
    assert high["elasticities"] == []
    assert high["closure"] == {"labour": "fixed_real_wage", "numeraire": "cpi"}
    assert high["shocks"][-1] == {"parameter": "p", "index": "B", "op": "multiply", "value": 1.5}


def test_bad_entries_name_the_place_and_the_fix(tmp_path):
    with pytest.raises(ConfigError, match=r"grid\[0\].*exactly one of set, multiply, add"):
        read_batch(_write(tmp_path, {"grid": [{"parameter": "p", "times": [2]}]}))
    with pytest.raises(ConfigError, match=r"grid\[0\].*'parameter' or 'elasticity'"):
        read_batch(_write(tmp_path, {"grid": [{"param": "p", "set": [2]}]}))
    with pytest.raises(ConfigError, match="not positive"):
        read_batch(_write(tmp_path, {"grid": [{"elasticity": "sigma", "value": [0, 1]}]}))
    with pytest.raises(ConfigError, match="no 'base'"):
        expand_batch({"grid": []})


@pytest.mark.parametrize("batch, base, place", [
    ({"scenarios": [{"name": "s", "elasticities": {"sigma": {"B": "abc"}}}]}, None,
     "scenarios[0].elasticities.sigma.B: 'abc' is not a number"),
    ({"grid": [{"parameter": "p", "multiply": {"from": 0.5, "to": 1.5, "steps": "many"}}]},
     None, "grid[0].multiply.steps: 'many' is not a number"),
    ({"grid": [{"parameter": "p", "multiply": [1.1]}]}, "name: toy\nshocks: [{parameter: p",
     "base.yaml line 2, column 23"),
    ({"samples": 3, "seed": "x", "distributions": [{"elasticity": "sigma",
                                                    "uniform": [1, 2]}]}, None,
     "batch.yaml: seed: 'x' is not a non-negative whole number"),
])
def test_bad_values_exit_2_with_the_place_and_no_traceback(tmp_path, batch, base, place):
    path = _write(tmp_path, batch)
    if base is not None:
        (tmp_path / "base.yaml").write_text(base)
    done = subprocess.run([str(Path(sys.executable).parent / "cge"), "batch", str(path),
                           "--store", str(tmp_path / "store"), "--runner", RUNNER],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(
                              [str(HERE), os.environ.get("PYTHONPATH", "")])})
    assert done.returncode == 2
    assert place in done.stderr
    assert "Traceback" not in done.stderr


def test_elasticities_valid_for_the_calibration_are_valid_in_a_batch(tmp_path):
    """A Frisch parameter is negative and ``top: 0`` is Leontief: the batch takes both."""
    batch = read_batch(_write(tmp_path, {"grid": [{"elasticity": "frisch", "value": [-2, -1]},
                                                  {"elasticity": "top", "value": [0, 0.5]}]}))
    assert len(batch) == 4
    drawn = read_batch(_write(tmp_path, {"samples": 20, "seed": 3, "distributions": [
        {"elasticity": "frisch", "normal": {"mean": -2, "sd": 0.5}}]}))
    values = [s["elasticities"][0]["value"] for s in drawn]
    assert len(set(values)) == 20 and all(v < 0 for v in values)
    with pytest.raises(ConfigError, match="frisch = 2: a Frisch parameter"):
        read_batch(_write(tmp_path, {"grid": [{"elasticity": "frisch", "value": [2]}]}))


def test_a_batch_shock_goes_through_the_scenario_shock_parser(tmp_path):
    with pytest.raises(ConfigError) as info:
        read_batch(_write(tmp_path, {"scenarios": [{"shocks": [
            {"parameter": "p", "multipy": 2}, {"parameter": "p", "set": "x"}]}]}))
    text = str(info.value)
    assert "scenarios[0].shocks[0].multipy: unknown key (did you mean 'multiply'?" in text
    assert "scenarios[0].shocks[1].set: 'x' is not a finite number" in text


def test_homotopy_scales_each_kind_of_shock():
    shocks = [{"parameter": "a", "index": "X", "op": "multiply", "value": 0.0},
              {"parameter": "b", "index": None, "op": "add", "value": 4.0},
              {"parameter": "c", "index": "X", "op": "set", "value": 3.0}]
    half = scale_shocks(shocks, 0.5, lambda p, i: 1.0)
    assert [s["value"] for s in half] == [0.5, 2.0, 2.0]
    assert [s["value"] for s in scale_shocks(shocks, 1.0, lambda p, i: 1.0)] == [0, 4, 3]
    # a `set` over every index starts from each index's own benchmark value
    every = [{"parameter": "c", "index": None, "op": "set", "value": 0.0}]
    steps = scale_shocks(every, 0.25, lambda p, i: {"X": 0.1, "Y": 0.2})
    assert [s["index"] for s in steps] == ["X", "Y"]
    assert [s["value"] for s in steps] == pytest.approx([0.075, 0.15])


STDCGE_TARIFF = HERE.parent / "sam_data" / "scenarios" / "stdcge_tariff_abolition.yaml"


@pytest.mark.skipif(not STDCGE_TARIFF.exists(), reason="stdcge scenario not bundled")
def test_misspelt_names_stop_the_batch_before_anything_runs(tmp_path, capsys):
    from cge.cli import main

    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump({"base": str(STDCGE_TARIFF), "grid": [
        {"parameter": "import_tarif_rate", "multiply": [0.5, 1.0]},
        {"elasticity": "armingtn", "value": [1.5, 3.0]}]}))
    assert main(["batch", str(path), "--store", str(tmp_path / "store"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "batch.yaml: grid[0]" in err and "'import_tarif_rate'" in err
    assert "allowed: import_tariff_rate, export_tax_rate" in err   # the model's own names
    assert "batch.yaml: grid[1]" in err and "'armingtn'" in err
    assert "allowed: armington, cet" in err
    assert not (tmp_path / "store").exists()   # nothing ran


@pytest.mark.skipif(not STDCGE_TARIFF.exists(), reason="stdcge scenario not bundled")
def test_labels_values_and_closures_of_a_batch_are_checked_before_anything_runs(tmp_path,
                                                                               capsys):
    from cge.cli import main

    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump({"base": str(STDCGE_TARIFF), "grid": [
        {"parameter": "import_tariff_rate", "index": "BRX", "multiply": [0.5, 1.0]},
        {"elasticity": "armington", "index": "RICE", "value": [1.5, 3.0]},
        {"parameter": "factor_endowment", "index": "CAP", "multiply": [0, 1.1]},
        {"parameter": "exchange_rate", "multiply": [1.1]}]}))
    assert main(["batch", str(path), "--store", str(tmp_path / "store"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "grid[0] (import_tariff_rate).index: 'BRX'" in err and "did you mean 'BRD'?" in err
    assert "grid[1].index: 'RICE'" in err
    assert "grid[2].multiply: factor_endowment must stay positive" in err
    assert "grid[3] (exchange_rate): exchange_rate is endogenous under external" in err
    assert "Traceback" not in err
    assert not (tmp_path / "store").exists()   # nothing ran


# -- running ------------------------------------------------------------------------------
def test_batch_solves_everything_and_a_rerun_skips_it(tmp_path):
    batch = read_batch(_write(tmp_path, GRID))
    summary = run_batch(batch, tmp_path / "store", workers=2, runner=RUNNER, progress=False)
    assert summary.as_dict() | {"seconds": 0} == {"total": 20, "solved": 20, "failed": 0,
                                                  "skipped": 0, "seconds": 0, "failures": []}
    frames = load_results(tmp_path / "store")
    results = frames["results"]
    assert len(results) == 20 * 2
    # x_B ** sigma = 4 * multiplier, recomputed here from the stored inputs
    scen = frames["scenarios"]
    xb = results[results.idx == "B"].set_index("scenario_id")["counterfactual"]
    expected = (4 * scen["shock:p[B]:multiply"]) ** (1 / scen["elasticity:sigma"])
    assert (xb.sort_index() - expected.sort_index()).abs().max() < 1e-9
    assert frames["indicators"]["welfare"].notna().all()

    again = run_batch(batch, tmp_path / "store", workers=2, runner=RUNNER, progress=False)
    assert (again.total, again.skipped, again.solved, again.failed) == (20, 20, 0, 0)


def test_a_store_refuses_another_base_unless_appended(tmp_path, capsys):
    from cge.cli import main

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _write(tmp_path / "a", GRID)
    other = _write(tmp_path / "b", GRID, base={"name": "toy", "shocks": []})
    store = tmp_path / "store"
    run = ["--store", str(store), "--workers", "1", "--no-progress", "--runner", RUNNER]
    assert main(["batch", str(first), *run]) == 0
    assert main(["batch", str(other), *run]) == 2
    err = capsys.readouterr().err
    assert "holds the results of another batch" in err and "--append" in err
    assert len(_stored(store)) == 20   # nothing of the second batch was added

    assert main(["batch", str(other), *run, "--append"]) == 0
    assert len(_stored(store)) == 40
    a, b = read_batch(first), read_batch(other)
    only_a = load_results(store, base_digest=a.base_digest)
    assert set(only_a["scenarios"].index) == {s["id"] for s in a}
    assert set(only_a["results"]["scenario_id"]) == {s["id"] for s in a}
    assert set(load_results(store, b.base_digest)["indicator_table"]["scenario_id"]) \
        == {s["id"] for s in b}
    # the report is about one batch: a pooled one is refused, one base is fine
    assert main(["batch-report", str(store)]) == 2
    assert "--base-digest" in capsys.readouterr().err
    assert main(["batch-report", str(store), "--base-digest", a.base_digest]) == 0


def test_json_summary_never_overwrites_the_batch_file_without_force(tmp_path, capsys):
    from cge.cli import main

    path = _write(tmp_path, GRID)
    text = path.read_text()
    run = ["--store", str(tmp_path / "store"), "--workers", "1", "--no-progress",
           "--runner", RUNNER]
    assert main(["batch", str(path), *run, "--json", str(path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert path.read_text() == text and not (tmp_path / "store").exists()
    assert main(["batch", str(path), *run, "--json", str(tmp_path / "out" / "s.json")]) == 0
    assert json.loads((tmp_path / "out" / "s.json").read_text())["solved"] == 20


def test_an_infeasible_scenario_fails_alone_and_a_far_one_succeeds_in_steps(tmp_path):
    batch = read_batch(_write(tmp_path, {"grid": [
        {"parameter": "p", "index": "B", "multiply": [-1.0, 0.9, 1.1, 20.0]}]}))
    summary = run_batch(batch, tmp_path / "store", workers=1, runner=RUNNER, progress=False)
    assert (summary.solved, summary.failed) == (3, 1)
    scen = load_results(tmp_path / "store")["scenarios"].set_index("shock:p[B]:multiply")
    assert scen.loc[-1.0, "status"] == "failed"
    assert "not positive" in scen.loc[-1.0, "reason"]
    # x ** 2 = 80 is out of Newton's reach from the benchmark, but not in four steps
    assert scen.loc[20.0, "status"] == "solved" and scen.loc[20.0, "attempts"] == 2
    # a rerun retries the failed scenario only
    again = run_batch(batch, tmp_path / "store", workers=1, runner=RUNNER, progress=False)
    assert (again.skipped, again.solved, again.failed) == (3, 0, 1)


def test_the_command_prints_the_first_failures_with_their_reasons(tmp_path, capsys):
    from cge.cli import main

    path = _write(tmp_path, {"scenarios": [
        {"name": "negative", "shocks": [{"parameter": "p", "index": "B", "multiply": -1}]},
        {"name": "fine", "shocks": [{"parameter": "p", "index": "B", "multiply": 1.2}]}]})
    rc = main(["batch", str(path), "--store", str(tmp_path / "store"), "--workers", "1",
               "--no-progress", "--runner", RUNNER])
    out = capsys.readouterr().out
    assert rc == 1
    assert "1 solved, 1 failed" in out
    assert re.search(r"\n  negative: infeasible: p\[B\] = \S+ is not positive", out)
    assert "fine:" not in out


def test_a_worker_that_dies_has_its_scenarios_retried(tmp_path):
    base = {"name": "toy", "crash_marker": str(tmp_path / "crashed")}
    batch = read_batch(_write(tmp_path, {"scenarios": [
        {"name": f"s{i}", "shocks": [{"parameter": "p", "index": "A", "multiply": 1 + i / 100}]}
        for i in range(30)] + [{"name": "boom", "shocks": [{"parameter": "crash", "set": 1}]}]},
        base=base))
    summary = run_batch(batch, tmp_path / "store", workers=2, runner=RUNNER, chunk_size=4,
                        progress=False)
    assert (tmp_path / "crashed").exists()
    assert (summary.solved, summary.failed) == (31, 0)
    assert sorted(i for i, _ in _stored(tmp_path / "store")) == sorted(s["id"] for s in batch)


def test_a_model_that_does_not_build_stops_the_batch_with_its_cause(tmp_path):
    """No rounds of 'worker process died': exit 2 at once, naming the build error."""
    path = _write(tmp_path, GRID)
    done = subprocess.run([str(Path(sys.executable).parent / "cge"), "batch", str(path),
                           "--store", str(tmp_path / "store"), "--workers", "2",
                           "--chunk-size", "2", "--no-progress",
                           "--runner", "test_batch_machinery:UnbuildableRunner"],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(HERE)})
    assert done.returncode == 2, done.stderr
    assert "base.yaml: closure.labor: unknown closure key" in done.stderr
    assert "does not build" in done.stderr
    assert "Traceback" not in done.stderr and "died" not in done.stderr
    assert _stored(tmp_path / "store") == []   # nothing recorded as failed


def test_run_batch_raises_the_build_error_of_the_workers(tmp_path):
    from cge.batch.worker import WorkerStartError

    batch = read_batch(_write(tmp_path, GRID))
    with pytest.raises(WorkerStartError, match="closure.labor: unknown closure key"):
        run_batch(batch, tmp_path / "store", workers=1,
                  runner="test_batch_machinery:UnbuildableRunner", progress=False)


@pytest.mark.slow
def test_sigkill_mid_batch_then_rerun_stores_each_scenario_exactly_once(tmp_path):
    grid = {"grid": [{"parameter": "p", "index": "B", "multiply": [0.5 + i / 100 for i in range(40)]},
                     {"elasticity": "sigma", "value": [1.0, 2.0, 3.0]}]}
    path = _write(tmp_path, grid, base={"name": "toy", "delay": 0.01})
    store = tmp_path / "store"
    cmd = [str(Path(sys.executable).parent / "cge"), "batch", str(path), "--store", str(store),
           "--workers", "2", "--chunk-size", "4", "--no-progress", "--runner", RUNNER,
           "--json", str(tmp_path / "summary.json")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        try:
            if (store / "batch.sqlite").exists() and len(_stored(store)) >= 30:
                break
        except sqlite3.OperationalError:  # the file exists, its tables not yet
            pass
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    stored_before = len(_stored(store))
    assert 30 <= stored_before < 120, "kill the batch half way"
    subprocess.run(cmd, env=env, check=True, timeout=120)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["total"] == 120 and summary["skipped"] == stored_before
    assert summary["solved"] + summary["skipped"] == 120 and summary["failed"] == 0
    ids = [i for i, _ in _stored(store)]
    assert sorted(ids) == sorted(s["id"] for s in read_batch(path))


@pytest.mark.slow
def test_dask_cluster_finishes_a_batch_when_a_worker_is_killed(tmp_path, monkeypatch):
    from distributed import Client, LocalCluster

    # worker processes (and the one the nanny starts after the kill) import the toy runner
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))

    grid = {"grid": [{"parameter": "p", "index": "B", "multiply": [0.5 + i / 100 for i in range(30)]},
                     {"elasticity": "sigma", "value": [1.0, 2.0]}]}
    batch = read_batch(_write(tmp_path, grid, base={"name": "toy", "delay": 0.02}))
    store = tmp_path / "store"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp",
                      host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        pids = list(client.run(os.getpid).values())

        def stored_so_far() -> int:
            try:   # the store's file may exist before its table
                return len(_stored(store))
            except sqlite3.OperationalError:
                return 0

        def kill_one():
            while not (store / "batch.sqlite").exists() or stored_so_far() < 8:
                time.sleep(0.02)
            os.kill(pids[0], signal.SIGKILL)
            killed.set()

        killed = threading.Event()
        killer = threading.Thread(target=kill_one, daemon=True)
        killer.start()
        summary = run_batch(batch, store, scheduler=cluster.scheduler_address, runner=RUNNER,
                            chunk_size=4, progress=False)
        killer.join(timeout=5)
    assert not killer.is_alive() and killed.is_set()
    assert (summary.solved, summary.failed) == (60, 0)
    assert sorted(i for i, _ in _stored(store)) == sorted(s["id"] for s in batch)


@pytest.mark.slow
def test_cge_batch_command_runs_on_an_existing_dask_scheduler(tmp_path, monkeypatch):
    """The command line connects to a cluster it did not start (no default Dask client)."""
    from distributed import LocalCluster

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    path = _write(tmp_path, GRID)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, protocol="tcp",
                      host="127.0.0.1", dashboard_address=None) as cluster:
        done = subprocess.run(
            [sys.executable, "-m", "cge", "batch", str(path), "--store", str(tmp_path / "store"),
             "--scheduler", cluster.scheduler_address, "--no-progress", "--runner", RUNNER,
             "--json", str(tmp_path / "summary.json")],
            capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["total"] == len(read_batch(path)) == summary["solved"]


# -- report -------------------------------------------------------------------------------
def test_batch_report_writes_quantiles_plots_and_the_strongest_influence_first(tmp_path):
    import pandas as pd

    batch = read_batch(_write(tmp_path, GRID))
    run_batch(batch, tmp_path / "store", workers=1, runner=RUNNER, progress=False)
    out = subprocess.run([str(Path(sys.executable).parent / "cge"), "batch-report",
                          str(tmp_path / "store"), "--out", str(tmp_path / "report")],
                         env={**os.environ, "PYTHONPATH": str(HERE)}, capture_output=True,
                         text=True, check=True).stdout.split()
    names = sorted(Path(p).name for p in out)
    assert names == ["batch_report.xlsx", "sensitivity_welfare.png", "tornado_welfare.png"]
    assert all(Path(p).stat().st_size > 1000 for p in out)
    book = pd.read_excel(tmp_path / "report" / "batch_report.xlsx", sheet_name=None, index_col=0)
    assert {"summary", "indicators", "outputs", "tornado", "scenarios", "failed"} <= set(book)
    welfare = book["indicators"].loc["welfare"]
    frames = load_results(tmp_path / "store")
    assert welfare["p50"] == pytest.approx(frames["indicators"]["welfare"].median())
    assert welfare["p05"] <= welfare["p50"] <= welfare["p95"]
    # welfare = x_A + x_B with x ** sigma = p: sigma from 0.5 to 4 moves it far more than
    # p_B from 0.8 to 1.2 does
    tornado = book["tornado"].reset_index()
    assert tornado["input"].iloc[0] == "elasticity:sigma"
    assert abs(tornado["swing"].iloc[0]) > abs(tornado["swing"].iloc[1])
