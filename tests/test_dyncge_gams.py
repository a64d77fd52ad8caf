"""The dyncge specification against GAMS/CONOPT4 (GAMS model library dyncge, SEQ=410).

Reference: ``/work/shared/data/dyncge_gams_reference.csv`` (copied to
``tests/data/dyncge_gams_reference.csv``): composite consumption on the business-as-usual
path (CC0) and after abolishing every import tariff (CC1), and EV(t), for 31 periods,
plus the scalars of the same run (``tests/data/dyncge_README.md``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cge.dynamics import DynamicModel
from cge.sam.io import read_sam

pytestmark = pytest.mark.solver

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "dyncge_gams_reference.csv"
RTOL = 1e-6
DYNAMICS = {"periods": 31, "depreciation": 0.04, "interest_rate": 0.05,
            "labour_growth": 0.02, "investment_allocation_elasticity": 1}
TARIFF_ABOLITION = [{"parameter": "import_tariff_rate", "set": 0}]
#: Scalars of the GAMS run (GAMS names, see cge.model.config.DYNCGE_GAMS_NAMES).
SCALARS = {"EV_TTL": 5741.29362589443, "adj": 2.03221948546228, "a": 2.01967455881457,
           "iota": 2.0029550751034, "ssp": 0.447941465038796, "Td00": -67361.263,
           "Sp00": 241534.912, "III00": 235475.304}


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE)


@pytest.fixture(scope="module")
def engine() -> DynamicModel:
    return DynamicModel(read_sam(ROOT / "sam_data" / "dyncge.xlsx"), "dyncge", DYNAMICS,
                        elasticities={"armington": 2, "cet": 2})


@pytest.fixture(scope="module")
def run(engine):
    return engine.run(TARIFF_ABOLITION)


def _ours(engine, run) -> dict[str, float]:
    """Our values of the GAMS scalars."""
    m, bg = engine.model, engine.balanced_growth
    alpha = np.array(list(m.data.households.budget_share.values()))
    sam = bg.sam.matrix
    return {"EV_TTL": run.equivalent_variation(), "adj": bg.adjustment,
            "a": float(1.0 / np.prod(alpha ** alpha)),
            "iota": m.data.investment.composite_scale,
            "ssp": m.data.households.saving_rate["HOH"],
            "Td00": float(sam.loc["GOV", "HOH"]), "Sp00": float(sam.loc["INV", "HOH"]),
            "III00": float(sam.loc[["AGR", "LMN", "HMN", "SRV"], "INV"].sum())}


def _relative(ours, theirs) -> np.ndarray:
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    return np.abs(ours - theirs) / np.abs(theirs)


def test_composite_consumption_and_ev_of_every_period_replicate_gams(run, reference):
    cc0 = run.base.composite_consumption()["HOH"]
    cc1 = run.counterfactual.composite_consumption()["HOH"]
    ev = run.equivalent_variation_by_period()
    assert len(cc0) == len(reference) == 31
    assert _relative(cc0, reference["CC0_bau"]).max() < RTOL
    assert _relative(cc1, reference["CC1_tariff_abolition"]).max() < RTOL
    assert _relative(ev, reference["EV"]).max() < RTOL


def test_discounted_ev_and_calibrated_scalars_replicate_gams(engine, run):
    ours = _ours(engine, run)
    off = {k: float(_relative(ours[k], v)) for k, v in SCALARS.items()}
    assert max(off.values()) < RTOL, off


def test_business_as_usual_grows_at_exactly_the_labour_growth_rate(engine, run):
    levels = run.base.levels
    scaled = engine.scaled & (np.abs(levels[0]) > 0)
    growth = levels[1:, scaled] / levels[:-1, scaled]
    assert np.abs(growth - 1.02).max() < 1e-9
    unscaled = ~engine.scaled
    assert np.abs(levels[1:, unscaled] - levels[0, unscaled]).max() < 1e-9
    assert all(s.iterations == 0 for s in run.base.stats)   # the start is the solution


def test_checks_pass_in_every_period(run):
    checks = run.checks()
    assert set(checks) == {"replication", "homogeneity", "walras"}
    for name, per_period in checks.items():
        assert len(per_period) == 31
        assert all(c.passed for c in per_period), (name, max(c.deviation for c in per_period))


def test_a_wrong_depreciation_fails_the_replication(engine, reference):
    """The comparison can fail: capital that depreciates at 5 % instead of the 4 % the
    balanced-growth SAM was adjusted to leaves the balanced path and GAMS's numbers."""
    wrong = DynamicModel(read_sam(ROOT / "sam_data" / "dyncge.xlsx"), "dyncge", DYNAMICS,
                         elasticities={"armington": 2, "cet": 2})
    wrong.dynamics = dataclasses.replace(wrong.dynamics, depreciation=0.05)
    run = wrong.run(TARIFF_ABOLITION)
    cc1 = run.counterfactual.composite_consumption()["HOH"]
    assert _relative(cc1, reference["CC1_tariff_abolition"]).max() > 100 * RTOL
    replication = run.checks()["replication"]
    assert replication[0].passed and not replication[-1].passed
    assert "balanced-growth path" in replication[-1].detail


def test_the_numeraire_is_gams_price_index_of_composite_supply(engine, run):
    """GAMS fixes PRICE = sum_i pq_i Q00_i / sum_j Q00_j at one; so does dyncge's cpi."""
    q00 = engine.model.calibration.benchmark["composite_supply"]
    weights = q00 / q00.sum()
    pq = run.counterfactual.series("markets.price_composite")
    price = sum(weights[c] * pq[c] for c in pq)
    assert np.abs(price - 1.0).max() < 1e-12
    assert np.abs(pq["HMN"] - 1.0).max() > 1e-4          # prices did move
