"""The flat variable order: pinning in bulk, as one variable at a time does it."""

from __future__ import annotations

import numpy as np
import pytest

from cge.model.blocks._common import pin
from cge.model.build import CGEModel
from cge.model.recalibration import ELASTICITY_PARAMETERS
from cge.sam.synthetic import synthetic_sam

TARIFF_CUT = [{"parameter": "import_tariff_rate", "multiply": 0.5}]
ELASTICITIES = {"armington": 2.0, "cet": 2.0}
NEW = {"armington": 3.5, "cet": 1.2}


def model(elasticities=ELASTICITIES) -> CGEModel:
    return CGEModel(synthetic_sam(4, 0, kind="stdcge"), "stdcge", elasticities=elasticities)


def state(index) -> tuple:
    """Levels, bounds and pinned flags as Pyomo reports them."""
    return ([v.value for v in index.data], [v.lb for v in index.data],
            [v.ub for v in index.data], index.pinned().tolist())


def test_bulk_pin_equals_pinning_one_variable_at_a_time():
    one, bulk = model(), model()
    a, b = one.variable_index, bulk.variable_index
    pinned = a.pinned()
    at = np.concatenate([np.flatnonzero(pinned)[:3], np.flatnonzero(~pinned)[:3]])
    values = np.array([0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
    for i, x in zip(at, values, strict=True):
        pin(a.data[i], x)
    b.pin(at, values)
    assert state(a) == state(b)
    assert b.pinned()[at].all()                       # free ones are pinned now
    assert [b.data[i].value for i in at] == values.tolist()
    assert [b.data[i].lb for i in at] == [b.data[i].ub for i in at] == values.tolist()


def test_pinned_at_reads_what_pinned_reads():
    m = model()
    index = m.variable_index
    at = np.arange(0, len(index), 7)
    np.testing.assert_array_equal(index.pinned_at(at), index.pinned()[at])
    index.pin(at[:2], [1.0, 2.0])
    np.testing.assert_array_equal(index.pinned_at(at), index.pinned()[at])


def test_restore_repins_moved_parameters_and_frees_nothing():
    m = model()
    index = m.variable_index
    before = state(index)
    m.apply_shocks(TARIFF_CUT)
    assert state(index) != before
    m.reset()
    assert state(index) == before


@pytest.mark.solver
def test_new_elasticities_pin_the_benchmark_that_reset_restores():
    moved, fresh = model(), model(NEW)
    moved.solve(solver="persistent")
    moved.set_elasticities(NEW)
    a, b = moved.variable_index, fresh.variable_index
    recalibrated = [p.path for p in ELASTICITY_PARAMETERS if p.path in a.layout.slices]
    assert {"trade.armington_scale", "trade.cet_export_share"} <= set(recalibrated)
    for path in recalibrated:
        sl = a.layout.slices[path]
        levels = a.values()[sl]
        lb, ub = (x[sl] for x in a.bounds())
        assert levels == pytest.approx(b.values()[sl], rel=1e-12), path
        np.testing.assert_array_equal(lb, levels)
        np.testing.assert_array_equal(ub, levels)
        np.testing.assert_array_equal(moved.benchmark_levels[path], levels)
    moved.apply_shocks(TARIFF_CUT)
    moved.solve(solver="persistent")
    moved.reset()
    assert a.values() == pytest.approx(b.values(), rel=1e-12)
    np.testing.assert_array_equal(a.pinned(), b.pinned())


@pytest.mark.solver
def test_the_persistent_problem_solves_with_the_new_pins():
    moved, fresh = model(), model(NEW)
    moved.apply_shocks(TARIFF_CUT)
    moved.solve(solver="persistent")   # a counterfactual makes the persistent problem
    problem = moved._persistent
    assert problem is not None
    moved.reset()
    moved.set_elasticities(NEW)
    moved.apply_shocks(TARIFF_CUT)
    fresh.apply_shocks(TARIFF_CUT)
    a = moved.solve(solver="persistent").table("imports")
    b = fresh.solve(solver="cyipopt").table("imports")
    assert moved._persistent is problem
    assert a.to_numpy() == pytest.approx(b.to_numpy(), rel=1e-8)
    # and differs from the solution at the old elasticities
    old = model()
    old.apply_shocks(TARIFF_CUT)
    assert not np.allclose(old.solve().table("imports").to_numpy(), a.to_numpy(), rtol=1e-4)


def test_a_later_shock_of_the_same_parameter_wins():
    m = model()
    var = m.component("trade.import_tariff_rate")
    key = next(k for k in var if var[k].value)
    label = ",".join(key) if isinstance(key, tuple) else key
    m.apply_shocks([{"parameter": "import_tariff_rate", "multiply": 0.5},
                    {"parameter": "import_tariff_rate", "index": label, "set": 0}])
    assert var[key].value == var[key].lb == var[key].ub == 0
    others = [k for k in var if k != key and m.benchmark_levels["trade.import_tariff_rate"][
        m.variable_index.layout.keys["trade.import_tariff_rate"].index(k)]]
    for k in others:
        bench = m.benchmark_levels["trade.import_tariff_rate"][
            m.variable_index.layout.keys["trade.import_tariff_rate"].index(k)]
        assert var[k].value == pytest.approx(0.5 * bench)
