"""The stdcge specification against GAMS/CONOPT (tests/data/gams_stdcge_reference.json).

Every level of every variable, at the base and after each experiment, within 1e-6
relative; plus the textbook's published tariff-abolition figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cge.model.build import CGEModel
from cge.model.config import GAMS_NAMES
from cge.results import equivalent_variation
from cge.sam.io import read_sam
from cge.solve import SCALE_FLOOR

pytestmark = pytest.mark.solver

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "gams_stdcge_reference.json"
RTOL = 1e-6

#: GAMS variable -> our result name or Pyomo path (the package's map, plus variables
#: that have no result name).
GAMS_TO_OURS = {
    **GAMS_NAMES, "py": "production.price_value_added", "Tz": "production.production_tax",
    "Tm": "trade.import_tariff",
}


def _ours(solution, model, var: str, index: str) -> float:
    """Our level of the GAMS variable ``var`` at the GAMS index ``index``."""
    if var == "X":  # intermediate flows are substituted out: X = ax * Z
        i, j = index.split(",")
        ax = model.calibration.parameters["io_coefficient"].at[i, j]
        return ax * solution.value("output", j)
    table = solution.table(GAMS_TO_OURS[var])
    if var in ("Xp",):
        return float(table[(index, "HOH")])
    if var in ("Sp", "Td", "UU"):
        return float(table["HOH"])
    if "," in index:
        return float(table[tuple(index.split(","))])
    return float(table[index])


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(REFERENCE.read_text())


@pytest.fixture(scope="module")
def model() -> CGEModel:
    return CGEModel(read_sam(ROOT / "sam_data" / "stdcge.csv"), "stdcge",
                    closure={"numeraire": "LAB"})


def test_tariff_abolition_matches_published_figures(model):
    model.reset()
    base = model.solve()
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    cf = model.solve()
    assert base.value("utility", "HOH") == pytest.approx(25.5084900125158, rel=1e-9)
    assert cf.value("utility", "HOH") == pytest.approx(26.0926343812887, rel=1e-8)
    assert equivalent_variation(base, cf)["HOH"] == pytest.approx(1.14499989706615, rel=1e-7)

    def pct(name, index):
        return 100 * (cf.value(name, index) / base.value(name, index) - 1)

    published = {("exports", "BRD"): 17.93, ("exports", "MLK"): 12.46,
                 ("imports", "BRD"): -1.08, ("imports", "MLK"): 18.85,
                 ("output", "BRD"): 2.17, ("output", "MLK"): -1.38, ("exchange_rate", "_"): 6.28}
    for (name, index), value in published.items():
        assert pct(name, index) == pytest.approx(value, abs=0.005), (name, index)


@pytest.mark.parametrize("solver", ["cyipopt", "persistent"])
def test_every_level_of_every_experiment_matches_gams(reference, model, solver):
    worst = 0.0
    for name, exp in reference["experiments"].items():
        model.reset()
        base = model.solve(solver=solver)
        model.apply_shocks(exp["shocks"])
        cf = model.solve(solver=solver)
        for which, solution in (("base", base), ("counterfactual", cf)):
            for var, levels in exp[which].items():
                if var == "EV":
                    continue
                for index, gams in levels.items():
                    ours = _ours(solution, model, var, index)
                    # a zero level (tariff revenue after abolition) is compared on the
                    # scaling floor: IPOPT's tolerance puts it within about 1e-11 of zero
                    rel = abs(ours - gams) / max(abs(gams), SCALE_FLOOR)
                    worst = max(worst, rel)
                    assert rel <= RTOL, f"{name} {which} {var}[{index}]: {ours} vs GAMS {gams}"
        ev_gams = exp["counterfactual"].get("EV", {}).get("_")
        if ev_gams is not None:
            ev = equivalent_variation(base, cf)["HOH"]
            assert ev == pytest.approx(ev_gams, rel=RTOL, abs=1e-9), name
    assert worst < RTOL


def test_calibrated_parameters_match_gams(reference, model):
    cal = model.calibration
    expected = reference["calibration"]
    assert cal["production_tax_rate"].to_dict() == pytest.approx(expected["tauz"], rel=1e-12)
    assert cal["import_tariff_rate"].to_dict() == pytest.approx(expected["taum"], rel=1e-12)
    for gams, ours in (("gamma", "armington_scale"), ("deltam", "armington_import_share"),
                       ("theta", "cet_scale"), ("xie", "cet_export_share"),
                       ("b", "value_added_scale")):
        if gams in expected:
            assert cal[ours].to_dict() == pytest.approx(expected[gams], rel=1e-12), gams
