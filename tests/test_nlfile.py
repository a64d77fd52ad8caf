"""The problem file written from the model's equations is Pyomo's problem: the same variables,
equations, bounds, residuals and Jacobian (structure and values), on every model variant."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP
from variants import FUNCTIONAL_FORMS

from cge import nlfile
from cge.model.build import CGEModel
from cge.sam.io import read_sam

ROOT = Path(__file__).resolve().parents[1]

MODELS = {
    "stdcge": lambda: CGEModel(read_sam(ROOT / "sam_data" / "stdcge.csv"), "stdcge"),
    "standard_china": lambda: CGEModel(read_sam(ROOT / "sam_data" / "china_2018_3sector.xlsx"),
                                       "standard"),
    **{f"synthetic_{name}": make for name, make in FUNCTIONAL_FORMS.items()},
}


def assert_same_problem(ours, pyomos) -> None:
    """``ours`` and ``pyomos`` hold the same problem, up to the order of its rows and columns."""
    column = {id(v): j for j, v in enumerate(pyomos.get_pyomo_variables())}
    row = {id(c): i for i, c in enumerate(pyomos.get_pyomo_constraints())}
    cols = np.array([column[id(v)] for v in ours.get_pyomo_variables()])
    rows = np.array([row[id(c)] for c in ours.get_pyomo_constraints()])
    assert sorted(cols) == list(range(pyomos.n_primals()))
    assert sorted(rows) == list(range(pyomos.n_constraints()))
    np.testing.assert_array_equal(ours.primals_lb(), pyomos.primals_lb()[cols])
    np.testing.assert_array_equal(ours.primals_ub(), pyomos.primals_ub()[cols])
    np.testing.assert_array_equal(ours.get_primals(), pyomos.get_primals()[cols])
    rng = np.random.default_rng(0)
    x0 = pyomos.get_primals()
    for step in (0.0, 0.02, 0.1):   # the benchmark and two points away from it
        x = x0 * (1 + step * rng.standard_normal(x0.size))
        pyomos.set_primals(x)
        ours.set_primals(x[cols])
        theirs = pyomos.evaluate_constraints() - pyomos.constraints_lb()
        mine = ours.evaluate_constraints() - ours.constraints_lb()
        size = np.maximum(np.abs(theirs[rows]), 1.0)
        np.testing.assert_allclose(mine / size, theirs[rows] / size, rtol=0, atol=1e-13)
        jac = pyomos.evaluate_jacobian().tocsr()[rows][:, cols].tocoo()
        mine_jac = ours.evaluate_jacobian().tocoo()
        assert sorted(zip(jac.row, jac.col, strict=True)) == \
            sorted(zip(mine_jac.row, mine_jac.col, strict=True))
        np.testing.assert_array_equal(mine_jac.toarray(), jac.toarray())


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_the_written_problem_is_pyomos(make):
    model = make()
    model.apply_shocks([{"parameter": "import_tariff_rate", "multiply": 0.5}])
    ours = nlfile.model_nlp(model)
    assert type(ours).__name__ == "ModelNLP"
    assert_same_problem(ours, PyomoNLP(model.pyomo))


def test_a_wrong_sign_is_found(monkeypatch):
    """The comparison can fail: a writer that drops the sign of a negated term is caught."""
    model = MODELS["stdcge"]()
    theirs = PyomoNLP(model.pyomo)
    monkeypatch.setattr(nlfile._Walker, "_sign_token", staticmethod(lambda sign: ()))
    with pytest.raises(AssertionError):
        assert_same_problem(nlfile.model_nlp(model), theirs)


def test_fixed_variables_are_numbers_and_unread_ones_left_out():
    """A fixed variable is written as its value (no column), as Pyomo writes it."""
    model = MODELS["stdcge"]()
    rate = model.component("trade.import_tariff_rate")
    key = next(iter(rate))
    rate[key].fix()   # at its pinned value
    ours = nlfile.model_nlp(model)
    assert all(v is not rate[key] for v in ours.get_pyomo_variables())
    assert_same_problem(ours, PyomoNLP(model.pyomo))


def test_other_nodes_are_written_by_pyomo():
    """An equation with a node the writer does not know (here ``exp``) is written by Pyomo."""
    model = MODELS["stdcge"]()
    price = model.component("markets.exchange_rate")
    model.pyomo.extra = pyo.Constraint(expr=pyo.exp(price) == pyo.exp(price.value))
    with pytest.raises(nlfile.UnsupportedNode):
        nlfile.write_nl(model)
    assert isinstance(nlfile.model_nlp(model), PyomoNLP)
