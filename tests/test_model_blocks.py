"""The model's internals: typed block data, the declared build order, the one table of
elasticity-dependent parameters, and only the parameters the functional forms use."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pytest

from cge.model.blocks import BUILD_STEPS, BuildOrderError, BuildStep, check_build_order
from cge.model.build import CGEModel, build_pyomo
from cge.model.data import ModelData, model_data
from cge.model.recalibration import ELASTICITY_PARAMETERS, table_loads
from cge.sam.io import read_sam
from cge.sam.synthetic import synthetic_sam

ROOT = Path(__file__).resolve().parents[1]
STDCGE = ROOT / "sam_data" / "stdcge.csv"
CHINA = ROOT / "sam_data" / "china_2018_3sector.xlsx"


@pytest.fixture(scope="module")
def stdcge():
    return CGEModel(read_sam(STDCGE), "stdcge")


# --------------------------------------------------------------------------- block data
def test_block_data_is_typed_frozen_and_named_for_its_economics(stdcge):
    data = stdcge.data
    assert isinstance(data, ModelData)
    trade, cal = data.trade, stdcge.calibration
    assert trade.imported == ["BRD", "MLK"]
    assert trade.import_tariff_rate == pytest.approx(
        cal["import_tariff_rate"][trade.imported].to_dict())
    assert set(data.production.employment) == {(f, a) for f in ("CAP", "LAB")
                                              for a in ("BRD", "MLK")}
    with pytest.raises(dataclasses.FrozenInstanceError):
        trade.imported = []
    # levels in model units: the SAM cell divided by the calibration scale
    assert data.households.income["HOH"] == pytest.approx(
        float(cal.benchmark["income"]["HOH"]) / cal.scale)


def test_variables_start_at_their_block_data(stdcge):
    data, m = stdcge.data, stdcge.pyomo
    for (c, h), x in data.households.consumption.items():
        assert stdcge.benchmark_levels["households.consumption"][
            stdcge.variable_index.layout.keys["households.consumption"].index((c, h))] == x
    assert m.government.revenue.value == pytest.approx(data.government.revenue)


# --------------------------------------------------------------------------- build order
def test_the_declared_build_order_holds():
    check_build_order(BUILD_STEPS)
    built = set()
    for step in BUILD_STEPS:
        assert set(step.reads) <= built, step.name
        built.add(step.block)


def test_a_step_before_a_block_it_reads_is_refused_with_the_step_named():
    steps = list(BUILD_STEPS)
    households = next(i for i, s in enumerate(steps) if s.name == "households")
    steps.insert(1, steps.pop(households))
    with pytest.raises(BuildOrderError, match="'households' reads .*government"):
        check_build_order(tuple(steps))


def _with_step(name: str, **change) -> tuple[BuildStep, ...]:
    return tuple(dataclasses.replace(s, **change) if s.name == name else s for s in BUILD_STEPS)


def test_a_block_reading_an_undeclared_block_fails_the_build():
    """Each step sees only the blocks it declares: an undeclared read is a build error."""
    import pyomo.environ as pyo

    from cge.model.blocks import build_blocks

    cal = CGEModel(read_sam(STDCGE), "stdcge").calibration
    steps = _with_step("households", reads=("markets", "enterprises", "rest_of_world"))
    with pytest.raises(BuildOrderError, match="'households' reads block 'government'"):
        build_blocks(pyo.ConcreteModel(), model_data(cal), steps)


def test_a_step_may_not_add_another_block():
    import pyomo.environ as pyo

    from cge.model.blocks import build_blocks

    def add_intruder(m, data):
        m.government = pyo.Block()

    steps = (BuildStep("intruder", "investment", (), add_intruder),)
    with pytest.raises(BuildOrderError, match="may add only 'investment'"):
        build_blocks(pyo.ConcreteModel(), None, steps)


def test_a_step_may_not_add_variables_to_a_block_it_reads():
    """Investment reads the government but adds nothing to it: the government's share of
    absorption belongs to the government's own steps."""
    import pyomo.environ as pyo

    from cge.model.blocks import build_blocks

    model, _ = build_pyomo(CGEModel(synthetic_sam(3, 2), "standard").calibration)
    assert model.government.share_of_absorption.local_name == "share_of_absorption"

    def add_government(m, data):
        m.government = pyo.Block()

    def add_investment(m, data):
        m.investment = pyo.Block()
        m.government.share_of_absorption = pyo.Var()

    steps = (BuildStep("government", "government", (), add_government),
             BuildStep("investment", "investment", ("government",), add_investment))
    with pytest.raises(BuildOrderError, match="'investment' adds components to government"):
        build_blocks(pyo.ConcreteModel(), None, steps)


# --------------------------------------------------------------------------- elasticities
@pytest.fixture(scope="module")
def ces_model():
    """Every elasticity-dependent parameter of the fast path present: CES value added,
    a CES and a Cobb-Douglas top nest, finite export demand."""
    sam = synthetic_sam(4, 5, households=2)
    return CGEModel(sam, "standard", elasticities={
        "value_added": {"A001": 1.0, "default": 0.7}, "top": {"A001": 0.5, "A002": 1.0},
        "export_demand": 3.0})


def test_every_elasticity_parameter_of_the_model_is_in_the_one_table(ces_model):
    """The pinned parameters a new elasticity moves are exactly the table's paths."""
    paths = {p.path for p in ELASTICITY_PARAMETERS}
    before = {p: np.array(v) for p, v in ces_model.benchmark_levels.items()}
    ces_model.set_elasticities({"armington": 3.0, "cet": 3.0, "value_added": {
        "A001": 1.0, "default": 0.4}, "top": {"A001": 0.8, "A002": 1.0}, "export_demand": 5.0})
    moved = {p for p, v in ces_model.benchmark_levels.items()
             if v.shape != before[p].shape or not np.allclose(v, before[p])}
    ces_model.set_elasticities({"value_added": {"A001": 1.0, "default": 0.7},
                                "top": {"A001": 0.5, "A002": 1.0}, "export_demand": 3.0})
    assert moved and moved <= paths
    missing = {p for p in paths - moved if ces_model.variable_index.layout.keys.get(p)
               and not p.startswith("households.")}
    assert not missing, missing


def test_fast_recalibration_and_the_tables_agree_on_every_parameter(ces_model):
    new = {"armington": 1.5, "cet": 4.0, "value_added": {"A001": 1.0, "default": 1.3},
           "top": {"A001": 0.6, "A002": 1.0}, "export_demand": 2.0}
    ces_model.set_elasticities(new)
    try:
        layout = ces_model.variable_index.layout
        tables = table_loads(model_data(ces_model.calibration.with_elasticities(new)), layout)
        assert len(tables) >= 15
        for path, values in tables.items():
            np.testing.assert_allclose(ces_model.benchmark_levels[path], values, rtol=1e-10,
                                       err_msg=path)
    finally:
        ces_model.set_elasticities({"value_added": {"A001": 1.0, "default": 0.7},
                                    "top": {"A001": 0.5, "A002": 1.0}, "export_demand": 3.0})


def test_les_recalibration_through_the_tables_equals_a_fresh_build():
    """Under LES demand every table parameter, the household ones included, is recalibrated."""
    sam = synthetic_sam(3, 4, households=2)
    options = {"household_demand": "les"}
    new = {"income": {"C001": 0.6, "default": 1.2}, "frisch": -2.5, "armington": 3.0,
           "value_added": 0.8}
    moved = CGEModel(sam, "standard", options=options, elasticities={"value_added": 0.5})
    fresh = CGEModel(sam, "standard", options=options, elasticities=new)
    moved.set_elasticities(new)
    for p in ELASTICITY_PARAMETERS:
        if fresh.variable_index.layout.keys.get(p.path):
            np.testing.assert_allclose(moved.benchmark_levels[p.path],
                                       fresh.benchmark_levels[p.path], rtol=1e-12,
                                       err_msg=p.path)
    assert moved.data.households.subsistence == pytest.approx(fresh.data.households.subsistence)


# --------------------------------------------------------------------------- only what is used
def test_a_cobb_douglas_model_has_no_ces_exponent_or_elasticity(stdcge):
    for path in ("production.va_rho", "production.va_sigma", "production.top_rho",
                 "production.top_sigma"):
        assert not stdcge.has_component(path), path


def test_ces_exponents_exist_only_for_ces_nests(ces_model):
    ces = [a for a in ces_model.accounts.activities if a != "A001"]
    assert list(ces_model.component("production.va_rho")) == ces
    assert list(ces_model.component("production.va_sigma")) == ces
    assert list(ces_model.component("production.top_rho")) == ["A001"]
    assert list(ces_model.component("production.top_sigma")) == ["A001"]


def test_every_variable_is_used_by_an_equation(ces_model):
    """No variable only a discarded functional form reads (they carried scaling factors
    that the problem writer warned about)."""
    import pyomo.environ as pyo
    from pyomo.core.expr.visitor import identify_variables

    used = {id(v) for c in ces_model.pyomo.component_data_objects(pyo.Constraint, active=True)
            for v in identify_variables(c.body)}
    unused = [v.name for v in ces_model.pyomo.component_data_objects(pyo.Var)
              if id(v) not in used]
    assert not unused


@pytest.mark.solver
@pytest.mark.parametrize("path, spec", [(STDCGE, "stdcge"), (CHINA, "standard")],
                         ids=["stdcge", "china"])
@pytest.mark.parametrize("solver", ["cyipopt", "persistent"])
def test_no_warning_is_logged_building_and_solving(path, spec, solver, caplog):
    sam = read_sam(path)
    with caplog.at_level(logging.WARNING):
        model = CGEModel(sam, spec)
        model.solve(solver=solver)
        model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
        model.solve(solver=solver)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not warnings, [r.getMessage() for r in warnings]
    # and no filter on the problem writer's log hides what it would say
    assert not logging.getLogger("pyomo.repn.plugins.nl_writer").filters


def test_the_documented_build_order_is_the_one_built():
    """docs/model.md shows BUILD_STEPS: step, block and reads, in build order."""
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    table = text.split("## Blocks and build order", 1)[1].split("\n\n")[2]
    rows = [[cell.strip() for cell in line.strip("|").split("|")]
            for line in table.splitlines()[2:]]
    documented = [(step.strip("`"), block.strip("`"),
                   tuple(r.strip("` ") for r in reads.split(",") if r.strip() != "—"))
                  for step, block, reads, _ in rows]
    assert documented == [(s.name, s.block, s.reads) for s in BUILD_STEPS]


# --------------------------------------------------------------------------- problem size
def test_goods_markets_hold_intermediate_inputs_as_linear_terms(stdcge):
    """Each goods market reads the formula a_ca Z_a of its intermediate inputs, not the named
    expressions: the problem writer then handles N^2 linear terms, not N^2 subexpressions
    (a fifth of the peak memory of a 300-sector model)."""
    from pyomo.core.base.expression import ExpressionData
    from pyomo.core.expr.visitor import identify_components

    markets = stdcge.pyomo.markets.goods_market
    assert len(markets) == 2
    for market in markets.values():
        assert not list(identify_components(market.body, {ExpressionData}))
        assert "production.output" in str(market.body)


# --------------------------------------------------------------------------- building in bulk
def _block():
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m._unit_kind, m._index_sets = {}, {}
    m.b = pyo.Block()
    return m, m.b


def test_add_var_stores_what_pyomo_initialisers_would():
    import pyomo.environ as pyo

    from cge.model.blocks._common import add_var, is_pinned, pin

    m, b = _block()
    keys = [("LAB", "A2"), ("CAP", "A1"), ("LAB", "A1")]
    init = {k: 1.0 + i for i, k in enumerate(keys)}
    v = add_var(b, "x", keys, init, "doc x", exogenous=True)
    m.ref = pyo.Var(keys, initialize=init, dense=True)
    for data in m.ref.values():
        pin(data)
    assert list(v.keys()) == keys and m._unit_kind == {"b.x": "quantity"}
    for k in keys:
        got, want = v[k], m.ref[k]
        assert (got.value, got.lb, got.ub, got.stale, got.domain, got.fixed) == (
            want.value, want.lb, want.ub, want.stale, want.domain, want.fixed)
        assert is_pinned(got) and type(got.value) is float
    assert ("LAB", "A1") in v.index_set() and ("LAB", "A3") not in v.index_set()
    with pytest.raises(KeyError):
        v["LAB", "A3"]
    free = add_var(b, "y", ["C1", "C2"], 2, "doc y", kind="price")
    assert [d.value for d in free.values()] == [2.0, 2.0] and free["C1"].lb is None
    assert not is_pinned(free["C2"]) and m._unit_kind["b.y"] == "price"


def test_pin_all_pins_each_variable_at_its_level():
    import pyomo.environ as pyo

    from cge.model.blocks._common import is_pinned, pin_all, set_levels

    m = pyo.ConcreteModel()
    m.x = pyo.Var(["a", "b", "c"])
    pin_all(list(m.x.values()), [0.5, -1.0, 3.0])
    assert [(d.value, d.lb, d.ub) for d in m.x.values()] == [
        (0.5, 0.5, 0.5), (-1.0, -1.0, -1.0), (3.0, 3.0, 3.0)]
    assert all(is_pinned(d) and not d.stale for d in m.x.values())
    set_levels(list(m.x.values()), [1.0, 2.0, 4.0])   # levels move, bounds stay
    assert [(d.value, d.lb) for d in m.x.values()] == [(1.0, 0.5), (2.0, -1.0), (4.0, 3.0)]
    with pytest.raises(ValueError):
        pin_all(list(m.x.values()), [1.0])


def test_components_with_the_same_keys_share_one_index_set():
    from cge.model.blocks._common import add_constraint, add_var, index_set

    m, b = _block()
    x = add_var(b, "x", ["C2", "C1"], 1.0, "x")
    y = add_var(b, "y", ["C2", "C1"], 1.0, "y")
    z = add_var(b, "z", ["C1", "C2"], 1.0, "z")
    c = add_constraint(b, "c", ["C2", "C1"], lambda b, k: b.x[k] == b.y[k], "c")
    assert x.index_set() is y.index_set() is c.index_set() is not z.index_set()
    assert list(x.index_set()) == ["C2", "C1"] and x.index_set().dimen == 1
    # keys that are not labels or flat tuples of labels are normalised by Pyomo
    assert list(index_set(b, [("A", ("B", "C")), ("D", ("E", "F"))])) == [
        ("A", "B", "C"), ("D", "E", "F")]
    assert list(index_set(b, [3, 1, 2])) == [3, 1, 2]
    assert list(index_set(b, [("A",), ("B",)])) == ["A", "B"]
    assert index_set(b, [("A", "B"), ("C", "D")]).dimen == 2


def test_add_constraint_makes_the_equations_pyomo_makes():
    import pyomo.environ as pyo

    from cge.model.blocks._common import add_constraint, add_var

    m, b = _block()
    pairs = [("C2", "A1"), ("C1", "A2"), ("C1", "A1")]
    add_var(b, "x", pairs, 1.0, "x")
    add_var(b, "p", ["C1", "C2"], 1.0, "p")

    def rule(b, c, a):
        return b.x[c, a] * b.p[c] == 2 * b.x[c, a]

    con = add_constraint(b, "balance", pairs, rule=rule, doc="a balance")
    b.ref = pyo.Constraint(pairs, rule=rule)
    assert list(con.keys()) == pairs and con.doc == "a balance"
    assert [str(c.expr) for c in con.values()] == [str(c.expr) for c in b.ref.values()]
    assert all(c.active and c.index() == k and c.parent_component() is con
               for k, c in con.items())
    one = add_constraint(b, "prices", ["C2", "C1"], lambda b, c: b.p[c] == 1, "prices")
    assert [str(c.expr) for c in one.values()] == ["b.p[C2]  ==  1", "b.p[C1]  ==  1"]


def test_expressions_are_read_back_by_row_in_the_requested_order():
    from cge.model.blocks._common import add_expressions, add_var, formula_rows

    m, b = _block()
    cells = [("C1", "A1"), ("C2", "A1"), ("C1", "A2"), ("C2", "A2")]
    add_var(b, "z", ["A1", "A2"], 1.0, "z")
    uses = {(c, a): (0.1 + i) * b.z[a] for i, (c, a) in enumerate(cells)}
    e = add_expressions(b, "use", uses, "use of c by a")
    assert list(e.keys()) == cells and e.doc == "use of c by a"
    assert all(e[k].expr is f and e[k].index() == k for k, f in uses.items())
    rows = formula_rows(e, {"C1": ["A1", "A2"], "C2": ["A2", "A1"]})
    assert rows == {"C1": [uses["C1", "A1"], uses["C1", "A2"]],
                    "C2": [uses["C2", "A2"], uses["C2", "A1"]]}


def test_linear_terms_and_sums_are_the_expressions_operators_make():
    import pyomo.environ as pyo

    from cge.model.blocks._common import linear_sum, linear_terms

    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(4))
    xs = list(m.x.values())
    for coefs in ([0.5, 2.0, 3.0, 4.0], [0.5, 1, 0, 4.0]):
        terms = linear_terms(coefs, xs)
        assert [str(t) for t in terms] == [str(c * x) for c, x in zip(coefs, xs, strict=True)]
        assert str(linear_sum(terms)) == str(sum(c * x for c, x in zip(coefs, xs, strict=True)))
    mixed = [xs[0], m.x[1] * m.x[2]]
    assert str(linear_sum(mixed)) == str(xs[0] + m.x[1] * m.x[2])


@pytest.mark.parametrize("enabled, frozen", [(True, False), (True, True), (False, False)])
def test_building_leaves_the_garbage_collector_as_it_found_it(enabled, frozen):
    import gc

    sam = synthetic_sam(3, kind="stdcge")
    kept = [[]]   # an object the collector tracks
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        if frozen:
            gc.freeze()
        CGEModel(sam, "stdcge")
        assert gc.isenabled() is enabled
        # a program's frozen objects stay frozen (out of every generation)
        assert any(o is kept for o in gc.get_objects()) is not frozen
    finally:
        gc.unfreeze()
        if was:
            gc.enable()


def test_equations_read_indexed_entries_through_dicts():
    import pyomo.environ as pyo

    from cge.model.blocks._common import add_constraint, add_var, entries

    m, b = _block()
    x = add_var(b, "x", [("C1", "A1"), ("C2", "A1")], 1.0, "x")
    s = add_var(b, "s", None, 1.0, "a scalar")
    b.k = pyo.Param(["C1"], initialize={"C1": 2.0})
    view = entries(b)
    assert view.x is x._data and view.x["C2", "A1"] is x["C2", "A1"]
    assert view.s is s and view.k is b.k and view.model() is m
    with pytest.raises(KeyError):
        view.x["C3", "A1"]
    seen = []
    add_constraint(b, "c", ["C1"], lambda v, c: seen.append(v) or v.x[c, "A1"] == v.s, "c")
    assert seen and seen[0].x is x._data
    assert str(b.c["C1"].expr) == str(x["C1", "A1"] == s)
