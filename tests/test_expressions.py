"""Compiled Pyomo expressions: the same value as Pyomo's, at the current levels."""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo
import pytest

from cge.model.build import CGEModel
from cge.model.expressions import CompiledExpression
from cge.sam.synthetic import synthetic_sam
from cge.solve import SCALE_FLOOR, walras_residual

TARIFF_CUT = [{"parameter": "import_tariff_rate", "multiply": 0.5}]


def _walras_by_pyomo(model) -> float:
    """The Walras residual by its definition, evaluated by Pyomo's expression walker."""
    lhs, rhs = model.pyomo.rest_of_world.balance_of_payments.expr.args
    left, right = pyo.value(lhs), pyo.value(rhs)
    return abs(left - right) / max(abs(left), abs(right), SCALE_FLOOR)


@pytest.mark.solver
@pytest.mark.parametrize(("spec", "kind"), [("stdcge", "stdcge"), ("standard", "standard")])
def test_walras_residual_is_the_balance_of_payments_evaluated_by_pyomo(spec, kind):
    """Off the solution (one IPOPT iteration after a shock, no chord steps) the balance of payments does
    not hold: the compiled residual is Pyomo's, and it follows the levels."""
    model = CGEModel(synthetic_sam(4, 1, kind=kind), spec)
    model.solve(solver="persistent")
    model.apply_shocks(TARIFF_CUT)
    model.solve(solver="persistent", max_iter=1, raise_on_failure=False, predictor=False)
    off = walras_residual(model)
    assert off > 1e-6
    assert off == _walras_by_pyomo(model)   # the same operations in the same order
    solved = model.solve(solver="persistent")
    assert solved.stats.walras_residual == _walras_by_pyomo(model)
    assert solved.stats.walras_residual < 1e-8


@pytest.mark.solver
def test_a_new_balance_of_payments_equation_is_compiled_again():
    """Replacing the equation (a transfer abroad added to the payments) changes the residual
    to that of the new equation, not the one compiled before."""
    model = CGEModel(synthetic_sam(3, 0, kind="stdcge"), "stdcge")
    model.solve(solver="persistent")
    assert walras_residual(model) < 1e-8
    bop = model.pyomo.rest_of_world.balance_of_payments
    lhs, rhs = bop.expr.args
    bop.set_value(lhs == rhs + 0.1 * pyo.value(rhs))
    assert walras_residual(model) == pytest.approx(_walras_by_pyomo(model), rel=1e-12)
    assert walras_residual(model) > 0.05


def test_every_kind_of_node_gives_pyomos_value():
    m = pyo.ConcreteModel()
    m.I = pyo.Set(initialize=range(4))
    m.x = pyo.Var(m.I, initialize={i: 1.5 + i for i in range(4)})
    m.y = pyo.Var(initialize=0.7)
    m.p = pyo.Param(initialize=3.0, mutable=True)
    m.e = pyo.Expression(expr=2 * m.y * m.x[1])
    expr = (sum(m.x[i] * m.x[(i + 1) % 4] for i in m.I) + 2.5 * m.y - m.x[0] * m.y * m.x[2]
            + 4.0 + sum(m.x[i] for i in m.I) / m.y - m.x[3] ** 2 + m.p * m.x[1]
            + pyo.exp(m.y) + m.e - (-m.x[2]))
    compiled = CompiledExpression(expr)
    assert compiled() == pyo.value(expr)
    m.x[2].set_value(-0.3)   # the levels are read at each call
    m.p = 5.0                # and what Pyomo evaluates, too
    assert compiled() == pyo.value(expr)
    for coefficient_inside in (m.x[1] * (0.3 * m.x[2]), (m.x[1] * 0.3) * m.x[2],
                               (0.1 * m.x[0]) * (0.7 * m.x[3])):
        assert CompiledExpression(coefficient_inside)() == pyo.value(coefficient_inside)


def test_a_variable_without_a_level_gives_nan_and_a_zero_divisor_raises():
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.y = pyo.Var(initialize=0.0)
    assert math.isnan(CompiledExpression(2 * m.x + 1)())
    with pytest.raises(ZeroDivisionError):
        CompiledExpression(1 / m.y)()


@pytest.mark.solver
def test_assign_writes_the_levels_pyomo_reports_and_nothing_else():
    model = CGEModel(synthetic_sam(3, 0, kind="stdcge"), "stdcge")
    index = model.variable_index
    before = index.values()
    at = np.array([0, 5, len(index) - 1])
    index.assign(at, [1.25, -2.0, 7.5])
    after = index.values()
    assert [index.data[i].value for i in at] == [1.25, -2.0, 7.5]
    rest = np.setdiff1d(np.arange(len(index)), at)
    np.testing.assert_array_equal(after[rest], before[rest])
