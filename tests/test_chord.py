"""The chord predictor of the persistent solver: the same answers as IPOPT alone, its
factorization made once and reused, and IPOPT taking over whenever it does not converge."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cge import chord
from cge.model.build import CGEModel
from cge.sam.io import read_sam
from cge.sam.synthetic import synthetic_sam

pytestmark = pytest.mark.solver

ROOT = Path(__file__).resolve().parents[1]
SHOCKS = {
    "tariff_cut": [{"parameter": "import_tariff_rate", "multiply": 0.5}],
    "tariff_abolition": [{"parameter": "import_tariff_rate", "set": 0}],
    "terms_of_trade": [{"parameter": "world_export_price", "multiply": 1.1}],
}


@pytest.fixture(scope="module")
def stdcge():
    return read_sam(ROOT / "sam_data" / "stdcge.csv")


def _solve(model, shocks, **options):
    model.reset()
    model.apply_shocks(shocks)
    solution = model.solve(solver="persistent", **options)
    return solution, model.variable_index.values().copy()


def _close(model, a: np.ndarray, b: np.ndarray, rtol: float = 1e-9) -> bool:
    """Equal to ``rtol`` relative to each variable's magnitude: its level or its benchmark
    level, at least 1e-3 (IPOPT's scaling; a tariff revenue abolished is 0 or 1e-12)."""
    bench = np.concatenate([model.benchmark_levels[p] for p in model.variable_index.layout.paths])
    size = np.maximum.reduce([np.abs(a), np.abs(b), np.abs(bench), np.full(a.shape, 1e-3)])
    return bool(np.all(np.abs(a - b) <= rtol * size))


@pytest.mark.parametrize("spec, sam", [("stdcge", "stdcge"), ("standard", "synthetic")])
@pytest.mark.parametrize("shock", sorted(SHOCKS))
def test_chord_gives_ipopts_answer(stdcge, spec, sam, shock):
    """Chord steps from the benchmark reach IPOPT's answer (to 1e-9) with no IPOPT iteration."""
    data = stdcge if sam == "stdcge" else synthetic_sam(6, 2)
    model = CGEModel(data, spec)
    model.solve(solver="persistent")
    ours, with_chord = _solve(model, SHOCKS[shock])
    assert ours.stats.ok and ours.stats.iterations == 0 and ours.stats.chord_steps > 0
    assert ours.stats.max_residual <= 1e-10
    theirs, ipopt_alone = _solve(model, SHOCKS[shock], predictor=False)
    assert theirs.stats.ok and theirs.stats.iterations > 0 and theirs.stats.chord_steps == 0
    assert _close(model, with_chord, ipopt_alone)


def test_the_factorization_is_made_once_per_closure_and_reused(stdcge):
    model = CGEModel(stdcge, "stdcge")
    model.solve(solver="persistent")
    for shock in SHOCKS.values():
        assert _solve(model, shock)[0].stats.chord_steps > 0
    factors = model._persistent.chord._factors
    assert len(factors) == 1
    model.apply_closure({"external": "fixed_exchange_rate"})
    cf, _ = _solve(model, SHOCKS["tariff_cut"])
    assert cf.stats.ok and cf.stats.chord_steps > 0
    assert len(factors) == 2   # another set of free variables: its own factorization


def test_a_wrong_factorization_hands_over_to_ipopt(stdcge, monkeypatch):
    """Break the predictor on purpose (its Jacobian off by a factor of 20): it must not
    claim convergence, and IPOPT still finds the answer from its best point."""
    model = CGEModel(stdcge, "stdcge")
    model.solve(solver="persistent")
    _, reference = _solve(model, SHOCKS["tariff_abolition"], predictor=False)
    original = chord.ChordPredictor.factor

    class Wrong:
        def __init__(self, lu):
            self.lu = lu

        def solve(self, b):
            return 20.0 * self.lu.solve(b)

    monkeypatch.setattr(chord.ChordPredictor, "factor",
                        lambda self, b, f: Wrong(original(self, b, f)))
    broken, levels = _solve(model, SHOCKS["tariff_abolition"])
    assert broken.stats.ok and broken.stats.iterations > 0
    assert 0 < broken.stats.chord_steps < chord.MAX_STEPS
    assert _close(model, levels, reference)


def test_a_shock_too_large_for_the_chord_goes_to_ipopt_and_fails_as_before():
    """A collapse of the labour endowment: the chord gives up, IPOPT reports the failure
    naming equations, exactly as without the predictor."""
    model = CGEModel(synthetic_sam(3, 2), "standard")
    model.apply_shocks([{"parameter": "factor_endowment", "index": "LAB", "multiply": 1e-9}])
    stats = model.solve(solver="persistent", max_iter=3, raise_on_failure=False).stats
    assert not stats.ok and stats.iterations == 3
    assert stats.chord_steps < chord.MAX_STEPS
    assert stats.worst and stats.worst[0][1] == stats.max_residual


def test_a_bounded_free_variable_skips_the_predictor(stdcge):
    model = CGEModel(stdcge, "stdcge")
    model.component("trade.imports")["BRD"].setlb(0.0)
    model.apply_shocks(SHOCKS["tariff_cut"])
    stats = model.solve(solver="persistent").stats
    assert stats.ok and stats.chord_steps == 0 and stats.iterations > 0


def test_a_dynamic_path_takes_its_chord_jacobian_at_business_as_usual(monkeypatch):
    """With business as usual at hand, every counterfactual period of dyncge's tariff
    abolition is solved by chord steps (its Jacobian at business as usual of the same
    period); the levels are IPOPT's to 1e-9 in every period."""
    from cge.dynamics import DynamicModel

    engine = DynamicModel(read_sam(ROOT / "sam_data" / "dyncge.csv"), "dyncge",
                          {"periods": 31, "depreciation": 0.04, "interest_rate": 0.05,
                           "labour_growth": 0.02, "investment_allocation_elasticity": 1})
    shocks = SHOCKS["tariff_abolition"]
    engine.base_path()
    path = engine.run_path(shocks)
    assert sum(path.iterations()) == 0
    assert all(0 < s.chord_steps <= 12 for s in path.stats)
    assert engine.model.chord_reference is None          # only while a period solves
    monkeypatch.setattr(chord, "MAX_STEPS", 0)           # no chord step: IPOPT alone
    alone = engine.run_path(shocks)
    assert all(s.chord_steps == 0 and s.iterations > 0 for s in alone.stats)
    for t in range(31):
        assert _close(engine.model, path.levels[t], alone.levels[t])


def test_new_elasticities_reuse_the_column_order_of_the_first_factorization():
    """The fill-reducing order is found once per set of free variables: a Jacobian at new
    elasticities is factorized in that order, solves the same system, and the chord steps
    reach IPOPT's answer."""
    from scipy.sparse import identity
    from scipy.sparse import random as sparse_random
    from scipy.sparse.linalg import spsolve

    model = CGEModel(synthetic_sam(20, 1, kind="stdcge"), "stdcge")   # above DENSE_UP_TO
    model.solve(solver="persistent")
    _solve(model, SHOCKS["tariff_cut"])
    model.set_elasticities({"armington": 3.0, "cet": 1.5})
    ours, levels = _solve(model, SHOCKS["tariff_cut"])
    kinds = [type(f).__name__ for f in model._persistent.chord._factors.values()]
    assert kinds == ["SuperLU", "OrderedLU"]
    assert ours.stats.ok and ours.stats.iterations == 0 and ours.stats.chord_steps > 0
    _, alone = _solve(model, SHOCKS["tariff_cut"], predictor=False)
    assert _close(model, levels, alone)
    # the solve undoes the column order: a random system, a random order
    rng = np.random.default_rng(0)
    matrix = (sparse_random(50, 50, density=0.1, random_state=0) + 5 * identity(50)).tocsc()
    b = rng.normal(size=50)
    lu = chord.OrderedLU(matrix, rng.permutation(50))
    np.testing.assert_allclose(lu.solve(b), spsolve(matrix, b), rtol=1e-10, atol=1e-12)


def test_a_known_set_of_free_variables_assembles_the_same_jacobian():
    """New elasticities factorize a Jacobian assembled straight from the solver's entries:
    the very matrix (pattern and numbers) of selecting, scaling and reordering its columns
    with sparse products, evaluated at the new reference point."""
    from scipy.sparse import diags

    model = CGEModel(synthetic_sam(12, 0, kind="stdcge"), "stdcge")
    model.apply_shocks(SHOCKS["tariff_cut"])
    assert model.solve(solver="persistent").stats.chord_steps > 0   # the first factorization
    predictor = model._persistent.chord
    assert len(predictor._columns) == 1
    key, columns = next(iter(predictor._columns.items()))
    assert columns is not None
    free = np.frombuffer(key, dtype=bool)
    assert free.sum() > chord.DENSE_UP_TO
    for elasticities in ({"armington": 3.0, "cet": 1.5}, {"armington": 0.8, "cet": 4.0}):
        model.set_elasticities(elasticities)
        model.reset()
        model.apply_shocks(SHOCKS["tariff_cut"])
        assert model.solve(solver="persistent").stats.chord_steps > 0
        reference = model._persistent._reference()
        lu = predictor.factor(reference, free)            # the one this solve made
        assert isinstance(lu, chord.OrderedLU) and lu.order is columns.order
        predictor.nlp.set_primals(reference)
        jac = predictor.nlp.evaluate_jacobian()
        by_products = (diags(predictor.g_scaling) @ jac.tocsc()[:, free]
                       @ diags(1.0 / predictor.x_scaling[free])).tocsc()[:, columns.order]
        assembled = columns.matrix(jac)
        assert (assembled != by_products).nnz == 0 and assembled.nnz == by_products.nnz
        b = np.linspace(-1.0, 1.0, free.sum())
        np.testing.assert_array_equal(lu.solve(b), chord.OrderedLU(
            by_products.tocsc(), columns.order, ordered=True).solve(b))
