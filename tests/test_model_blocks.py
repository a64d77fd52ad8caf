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
