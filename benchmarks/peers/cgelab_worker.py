"""cgelab's side of the peer benchmark: a long-lived process run by ``peer_bench.py``.

Runs under the scratch environment that holds cgelab (not ``cge``'s). Reads one JSON
command per line on stdin and answers one JSON line on stdout:

* ``{"cmd": "load", "sam": path, "repeats": k}``: read a SAM in the stdcge layout
  (``cge``'s CSV: matrix plus ``<stem>.accounts.csv`` with roles), split every good into
  an activity and a commodity with a diagonal make matrix (cgelab's layout for Hosoe's
  stdcge), and time calibration plus the benchmark solve (median of ``k``);
* ``{"cmd": "resolve"}``: one counterfactual from the benchmark point, import tariffs
  halved, timed in this process;
* ``{"cmd": "quit"}``.

The model is cgelab's own reading of Hosoe's stdcge (its ``examples.hosoe`` spec and
closure): Cobb-Douglas value added, Leontief intermediates, Armington and CET at 2.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _long_form(path: Path) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The SAM as cgelab's long form, goods split into ``a_``/``c_``; account lists by role."""
    matrix = pd.read_csv(path, index_col=0)
    matrix.index = matrix.index.astype(str)
    roles = pd.read_csv(path.with_suffix(".accounts.csv")).set_index("account")["role"]
    goods = [a for a in matrix.index if roles[a] == "good"]
    by_role = {r: [a for a in matrix.index if roles[a] == r] for r in set(roles)}
    # goods and factor rows are paid by the activity, taxes and imports by the commodity
    activity_rows = set(goods) | set(by_role["factor"])

    def receiver(a):
        return f"c_{a}" if a in goods else a

    entries = []
    for payer in matrix.columns:
        for rec, value in matrix[payer].items():
            if value == 0:
                continue
            if payer in goods:
                side = "a_" if rec in activity_rows else "c_"
                entries.append((receiver(rec), side + payer, float(value)))
            else:
                entries.append((receiver(rec), payer, float(value)))
    for g in goods:
        out = float(matrix.loc[list(activity_rows), g].sum())
        entries.append((f"a_{g}", f"c_{g}", out))
    return pd.DataFrame(entries, columns=["row", "col", "value"]), by_role


def _economy(path: Path):
    import cgelab
    from cgelab.examples import hosoe

    frame, by_role = _long_form(path)
    goods = by_role["good"]
    sam = cgelab.SAM.from_long(frame, name=path.stem)
    spec = hosoe.spec(
        activities=[f"a_{g}" for g in goods], commodities=[f"c_{g}" for g in goods],
        households=by_role["household"], factors=tuple(by_role["factor"]),
        numeraire_factor="LAB", government=by_role["government"][0],
        investment=by_role["savings_investment"][0],
        rest_of_world=by_role["rest_of_world"][0],
        tariff_account=by_role["import_tariff"][0],
        indirect_tax_account=by_role["production_tax"][0])
    return cgelab.calibrate(sam, spec), hosoe.CLOSURE


def main() -> int:
    import cgelab

    state: dict = {}
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            break
        if cmd["cmd"] == "load":
            path, times = Path(cmd["sam"]), []
            for _ in range(cmd.get("repeats", 3)):
                start = time.perf_counter()
                econ, closure = _economy(path)
                base = cgelab.solve_period(econ, closure)
                times.append(time.perf_counter() - start)
            scenario = cgelab.Scenario(name="tariff", tariff=np.asarray(econ.tm0) * 0.5)
            state = {"econ": econ, "closure": closure, "base": base, "scenario": scenario}
            answer = {"build": statistics.median(times), "version": cgelab.__version__,
                      "unknowns": int(np.size(base.z))}
        elif cmd["cmd"] == "resolve":
            start = time.perf_counter()
            res = cgelab.solve_period(state["econ"], state["closure"], state["scenario"],
                                      warm_start=state["base"])
            answer = {"resolve": time.perf_counter() - start, "converged": bool(res.converged),
                      "pq": [float(x) for x in res.pq]}
        else:
            answer = {"error": f"unknown command {cmd['cmd']!r}"}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
