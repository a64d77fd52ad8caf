"""Solving: both solver paths, repeated and reset solves, failures and the square check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
from variants import FUNCTIONAL_FORMS

from cge.errors import SolveError
from cge.model.blocks._common import free
from cge.model.build import CGEModel
from cge.sam.io import read_sam
from cge.sam.synthetic import synthetic_sam

pytestmark = pytest.mark.solver

ROOT = Path(__file__).resolve().parents[1]
TARIFF_CUT = [{"parameter": "import_tariff_rate", "multiply": 0.5}]
TERMS_OF_TRADE = [{"parameter": "world_export_price", "multiply": 1.1}]


@pytest.fixture(scope="module")
def stdcge():
    return read_sam(ROOT / "sam_data" / "stdcge.csv")


def _levels(model) -> np.ndarray:
    return model.variable_index.values()


def test_persistent_path_reused_across_shocks_agrees_with_a_fresh_factory_solve(stdcge):
    """The persistent problem keeps no state between shocks: every answer is the one
    Pyomo's SolverFactory gives on a fresh model."""
    persistent = CGEModel(stdcge, "stdcge")
    persistent.solve(solver="persistent")
    for shocks in (TARIFF_CUT, TERMS_OF_TRADE, TARIFF_CUT + TERMS_OF_TRADE):
        persistent.reset()
        persistent.apply_shocks(shocks)
        ours = persistent.solve(solver="persistent")
        fresh = CGEModel(stdcge, "stdcge")
        fresh.solve(solver="cyipopt")
        fresh.apply_shocks(shocks)
        theirs = fresh.solve(solver="cyipopt")
        for name in ("output", "imports", "exports", "price_composite", "exchange_rate",
                     "utility"):
            pd.testing.assert_series_equal(ours.table(name), theirs.table(name), rtol=1e-9)


def test_same_shock_twice_gives_the_same_answer(stdcge):
    model = CGEModel(stdcge, "stdcge")
    model.solve(solver="persistent")
    answers = []
    for _ in range(2):
        model.reset()
        model.apply_shocks(TARIFF_CUT)
        answers.append(model.solve(solver="persistent"))
    first, second = answers
    assert (first.stats.chord_steps, first.stats.iterations) == \
        (second.stats.chord_steps, second.stats.iterations)
    assert first.stats.chord_steps + first.stats.iterations > 0
    for path in first.values:
        pd.testing.assert_series_equal(first.values[path], second.values[path], rtol=1e-12)
    # solving again from the counterfactual itself needs no step
    assert model.solve(solver="persistent").stats.iterations == 0


@pytest.mark.parametrize("solver", ["cyipopt", "persistent"])
def test_reset_returns_to_the_benchmark_exactly(stdcge, solver):
    model = CGEModel(stdcge, "stdcge")
    index = model.variable_index
    levels, (lb, ub) = _levels(model), index.bounds()
    model.solve(solver=solver)
    model.apply_shocks(TARIFF_CUT + TERMS_OF_TRADE)
    model.solve(solver=solver)
    assert not np.array_equal(_levels(model), levels)
    model.reset()
    np.testing.assert_array_equal(_levels(model), levels)
    np.testing.assert_array_equal(index.bounds()[0], lb)
    np.testing.assert_array_equal(index.bounds()[1], ub)
    assert model.solve(solver=solver).stats.iterations == 0


def test_a_solution_keeps_its_levels_after_later_solves(stdcge):
    model = CGEModel(stdcge, "stdcge")
    base = model.solve(solver="persistent")
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    cf = model.solve(solver="persistent")
    assert base.value("utility", "HOH") == pytest.approx(25.5084900125158, rel=1e-9)
    assert cf.value("utility", "HOH") > base.value("utility", "HOH")
    assert set(base.values) == {path for path, _ in model.variables()}


@pytest.mark.parametrize("solver", ["cyipopt", "persistent"])
def test_failure_names_equations_and_their_meaning(solver):
    model = CGEModel(synthetic_sam(3, 2), "standard")
    model.apply_shocks([{"parameter": "factor_endowment", "index": "LAB", "multiply": 1e-9}])
    with pytest.raises(SolveError) as err:
        model.solve(solver=solver, max_iter=3)
    text = str(err.value)
    assert "after 3 iterations" in text
    assert "scaled residual" in text
    assert "[" in text                     # an equation with its account label
    docs = {c.doc for c in model.pyomo.component_objects(pyo.Constraint) if c.doc}
    assert any(doc in text for doc in docs)  # and what it means
    stats = model.solve(solver=solver, max_iter=3, raise_on_failure=False).stats
    assert stats.status == "failed" and not stats.ok
    assert stats.worst and stats.worst[0][1] == stats.max_residual


@pytest.mark.parametrize("solver", ["cyipopt", "persistent"])
def test_a_solve_that_breaks_walras_law_is_not_optimal(stdcge, solver):
    """Government revenue that forgets the tariff: every equation solves, the balance of
    payments (dropped by Walras' law) does not, and the solve says so."""
    model = CGEModel(stdcge, "stdcge")
    gov = model.pyomo.government
    revenue, taxes = gov.revenue_definition.expr.args
    gov.revenue_definition.deactivate()
    gov.leaky_revenue = pyo.Constraint(
        expr=revenue == taxes - sum(model.pyomo.trade.import_tariff.values()))
    with pytest.raises(SolveError, match="Walras") as err:
        model.solve(solver=solver)
    assert "balance_of_payments" in str(err.value)
    stats = model.solve(solver=solver, raise_on_failure=False).stats
    assert stats.status == "failed" and stats.walras_residual > 1e-3


def test_options_of_one_solve_do_not_stick_to_the_next(stdcge):
    model = CGEModel(stdcge, "stdcge")
    model.solve(solver="persistent")
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    with pytest.raises(SolveError):   # IPOPT alone (the chord steps would solve it)
        model.solve(solver="persistent", max_iter=1, predictor=False)
    cf = model.solve(solver="persistent")      # would fail again if max_iter=1 stuck
    assert cf.value("exchange_rate") == pytest.approx(1.0628, abs=5e-5)  # tariff abolition


def test_closure_changes_between_persistent_solves(stdcge):
    """The persistent problem follows the closure there and back."""
    model = CGEModel(stdcge, "stdcge")
    model.apply_shocks(TARIFF_CUT)
    labour_numeraire = model.solve(solver="persistent")
    model.reset()
    model.apply_closure({"numeraire": "exchange_rate"})
    model.apply_shocks(TARIFF_CUT)
    cf = model.solve(solver="persistent")
    assert cf.value("exchange_rate") == 1.0
    fresh = CGEModel(stdcge, "stdcge", closure={"numeraire": "exchange_rate"})
    fresh.apply_shocks(TARIFF_CUT)
    pd.testing.assert_series_equal(cf.table("output"), fresh.solve().table("output"),
                                   rtol=1e-9)
    model.reset()
    model.apply_closure({"numeraire": "LAB"})
    model.apply_shocks(TARIFF_CUT)
    again = model.solve(solver="persistent")
    assert again.value("factor_price", "LAB") == 1.0
    pd.testing.assert_series_equal(again.table("price_composite"),
                                   labour_numeraire.table("price_composite"), rtol=1e-9)


@pytest.mark.parametrize("solver", ["cyipopt", "persistent"])
def test_a_model_that_is_not_square_is_refused_before_solving(stdcge, solver):
    model = CGEModel(stdcge, "stdcge")
    model.solve(solver=solver)
    n = model.counts()["equations"]
    free(model.pyomo.trade.import_tariff_rate["BRD"])
    with pytest.raises(SolveError, match=f"not square: {n + 1} free variables but {n} active"):
        model.solve(solver=solver)


def test_bounds_read_as_arrays_are_those_pyomo_reports(stdcge):
    """The flat bounds (read from the stored values) agree with Pyomo's ``lb``/``ub``, also
    for a bound set by hand as an expression, an infinite bound and a bounded domain."""
    from cge.model.variables import VariableIndex

    model = CGEModel(stdcge, "stdcge")
    index = model.variable_index
    model.pyomo.floor = pyo.Param(mutable=True, initialize=0.25)
    exports = model.component("trade.exports")
    first, second = list(exports.values())[:2]
    first.setlb(model.pyomo.floor)
    second.setub(float("inf"))
    lb, ub = index.bounds()
    expected = (np.array([v.lb for v in index.data], dtype=float),
                np.array([v.ub for v in index.data], dtype=float))
    np.testing.assert_array_equal(lb, expected[0])
    np.testing.assert_array_equal(ub, expected[1])
    assert lb[index.positions([first])[0]] == 0.25

    class OneVariable:
        scale = 1.0

        def __init__(self):
            self.m = pyo.ConcreteModel()
            self.m.x = pyo.Var(within=pyo.NonNegativeReals, bounds=(None, 2.0))

        def variables(self):
            return [("x", self.m.x)]

        def unit_kind(self, path):
            return "rate"

    lb, ub = VariableIndex(OneVariable()).bounds()
    assert (lb[0], ub[0]) == (0.0, 2.0)


def test_a_point_that_already_solves_the_system_is_returned_without_ipopt(stdcge):
    """The benchmark and a repeated solve stop at iteration 0, as IPOPT would, without
    setting IPOPT up; a free variable with a bound still goes to IPOPT."""
    model = CGEModel(stdcge, "stdcge")
    start = _levels(model)
    stats = model.solve_stats("persistent")
    assert stats.ok and stats.iterations == 0 and stats.max_residual <= 1e-10
    assert model._persistent is None   # judged on the equations' sides: no NLP made
    np.testing.assert_array_equal(_levels(model), start)
    factory = CGEModel(stdcge, "stdcge")
    assert factory.solve(solver="cyipopt").stats.iterations == 0
    np.testing.assert_allclose(_levels(factory), start, rtol=1e-15)
    model.apply_shocks(TARIFF_CUT)
    moved = model.solve_stats("persistent")
    assert moved.chord_steps + moved.iterations > 0
    again = model.solve_stats("persistent")
    assert again.chord_steps == again.iterations == 0
    bounded = CGEModel(stdcge, "stdcge")
    bounded.component("trade.imports")["BRD"].setlb(0.0)
    assert bounded.solve_stats("persistent").ok
    assert bounded._persistent._problem is not None


def test_the_first_solve_judges_its_start_as_the_nlp_would(stdcge):
    """Without an NLP, the first solve's test of its starting point has the NLP's residuals
    (same equations, same order, same scaled values), and a start off by more than the
    tolerance goes on to the chord steps and IPOPT."""
    from cge.solve import IPOPT_OPTIONS, PersistentProblem, _solved_at_start, equation_sides

    model = CGEModel(stdcge, "stdcge")
    model.apply_shocks(TARIFF_CUT)
    sides = equation_sides(model)
    assert _solved_at_start(model, sides, IPOPT_OPTIONS) is None
    loose = dict(IPOPT_OPTIONS, tol=1e3, constr_viol_tol=1e3)
    n_free, n_eq, scaled, names = _solved_at_start(model, sides, loose)
    from cge.solve import set_scaling

    set_scaling(model, sides)
    problem = PersistentProblem(model)
    g = problem._start_residuals()
    assert (n_free, n_eq) == (n_eq, g.size)
    nlp = dict(zip(problem.names, np.abs(g) * problem._g_scaling, strict=True))
    assert sorted(names) == sorted(nlp)
    np.testing.assert_allclose(scaled, [nlp[name] for name in names], rtol=1e-12, atol=1e-15)
    assert scaled.max() > 1e-6   # the tariff cut moved some equation
    stats = model.solve_stats("persistent")
    assert stats.ok and stats.chord_steps + stats.iterations > 0
    assert model._persistent is not None


def test_a_first_counterfactual_that_cannot_be_evaluated_fails_and_the_process_goes_on():
    """A model's first solve with a shock that leaves no equilibrium (a subsidy of 150 % of the
    import price: a CES base turns negative) makes its problem at that start: the solve
    fails with a report, and the process lives on (ASL would end it on an error in the
    first Jacobian it evaluates)."""
    import subprocess
    import sys

    code = ("from cge.model.build import CGEModel; from cge.sam.io import read_sam; "
            "m = CGEModel(read_sam('sam_data/stdcge.csv'), 'stdcge'); "
            "m.apply_shocks([{'parameter': 'import_tariff_rate', 'index': 'BRD', 'set': -1.5}]); "
            "print(m.solve_stats('persistent').status)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert (out.returncode, out.stdout.split()[-1:]) == (0, ["failed"]), out.stderr[-2000:]


def test_the_worst_residuals_are_those_of_a_full_stable_sort():
    """The linear-time selection names the same equations, in the same order, as sorting
    every residual would, ties (zeros of a solved system, infinities) included."""
    from cge.solve import _largest

    rng = np.random.default_rng(0)
    for _ in range(300):
        values = rng.integers(0, 4, rng.integers(990, 1030)).astype(float)
        if values.size and rng.random() < 0.3:
            values[rng.integers(0, values.size)] = np.inf
        np.testing.assert_array_equal(_largest(values, 5),
                                      np.argsort(-values, kind="stable")[:5])


SCALING_MODELS = FUNCTIONAL_FORMS


@pytest.mark.parametrize("make", SCALING_MODELS.values(), ids=SCALING_MODELS.keys())
def test_scaling_factors_are_the_benchmark_magnitudes(make):
    """Every scaling factor is the plain definition, 1/max(|x0|, floor) for a variable and
    1/max(|lhs0|, |rhs0|, floor) for an equation, with the sides evaluated by Pyomo; and the
    fast evaluator of the sides gives Pyomo's numbers away from the benchmark too."""
    from cge.solve import SCALE_FLOOR, set_scaling, side_level

    model = make()
    set_scaling(model)
    sf = model.pyomo.scaling_factor
    variables = list(model.pyomo.component_data_objects(pyo.Var))
    equations = list(model.pyomo.component_data_objects(pyo.Constraint, active=True))
    assert len(sf) == len(variables) + len(equations)
    for v in variables:
        assert sf[v] == 1.0 / max(abs(v.value or 0.0), SCALE_FLOOR)
    for c in equations:
        lhs, rhs = c.expr.args
        assert sf[c] == 1.0 / max(abs(pyo.value(lhs)), abs(pyo.value(rhs)), SCALE_FLOOR), c.name
    # what IPOPT gets on the cyipopt path
    from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP

    nlp = PyomoNLP(model.pyomo)
    np.testing.assert_array_equal(nlp.get_constraints_scaling(),
                                  [sf[c] for c in nlp.get_pyomo_constraints()])
    np.testing.assert_array_equal(nlp.get_primals_scaling(),
                                  [sf[v] for v in nlp.get_pyomo_variables()])
    rng = np.random.default_rng(0)
    for v in variables:
        v.set_value(v.value * rng.uniform(0.5, 1.5), skip_validation=True)
    for c in equations:
        for side in c.expr.args:
            assert side_level(side) == pyo.value(side), c.name


def test_a_solve_does_not_load_scipy_subpackages_it_does_not_use():
    """Solving in a fresh process leaves scipy.stats unloaded (Pyomo would import it,
    with integrate and spatial, as soon as PyNumero loads scipy.sparse)."""
    import subprocess
    import sys

    code = ("import sys; from cge.model.build import CGEModel; "
            "from cge.sam.synthetic import synthetic_sam; "
            "m = CGEModel(synthetic_sam(3, 0, kind='stdcge'), 'stdcge'); "
            "m.solve(solver='persistent'); "   # the benchmark: no NLP, no scipy yet
            "print('scipy.sparse' in sys.modules); "
            "m.apply_shocks([{'parameter': 'import_tariff_rate', 'multiply': 0.5}]); "
            "m.solve(solver='persistent'); "
            "print('scipy.sparse' in sys.modules, 'scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "True", "False"]
