"""Helpers shared by the blocks: variables with units, and exogenous (pinned) variables.

Every shockable quantity (a tax rate, a world price, an endowment) is a Pyomo
``Var`` whose lower and upper bounds are *pinned* to its value rather than a
``Param`` or a fixed ``Var``: Pyomo drops fixed variables when it writes the
problem, so a pinned variable is what lets one built problem be re-solved under
new shocks, and what lets a closure swap which variables are exogenous without
touching any equation. IPOPT treats pinned variables as parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

import pyomo.environ as pyo
from pyomo.core.base.block import BlockData
from pyomo.core.base.component import Component
from pyomo.core.base.var import ScalarVar, VarData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.core.staleflag import StaleFlagManager

#: What a variable measures: real quantities and nominal values are in model units
#: (SAM units divided by the calibration scale), prices and rates are unit-free.
#: Homogeneity: prices and nominal values scale with the numeraire, the rest not.
UNIT_KINDS = ("quantity", "value", "price", "rate")
#: Kinds stored in model units (multiplied by the scale to report in SAM units).
SCALED_KINDS = ("quantity", "value")


def index_set(block: pyo.Block, keys: list):
    """The ordered Pyomo index set of ``keys``, one per model for equal keys.

    Pyomo copies a list index into a set of its own for each component, normalising
    and checking every key; the variables, equations and expressions indexed by the
    same accounts share one set instead, filled in one step when every key is a
    label or a tuple of labels of one length (what the blocks index by).
    """
    key = tuple(keys)
    cache = block.model()._index_sets
    s = cache.get(key)
    if s is None:
        s = cache[key] = _ordered_set(key)
    return s


def _ordered_set(keys: tuple):
    """A constructed insertion-ordered set of ``keys`` (see :func:`index_set`).

    Pyomo normalises a key by flattening nested tuples and unpacking 1-tuples: labels,
    or tuples of two labels or more of one length, are normal already and stored as they
    are.
    """
    kinds = set(map(type, keys))
    lengths = set(map(len, keys)) if kinds == {tuple} else set()
    dimen = (1 if kinds == {str} else
             lengths.pop() if len(lengths) == 1 and min(lengths) > 1
             and set(map(type, chain.from_iterable(keys))) == {str} else 0)
    if not dimen:   # anything else is normalised by Pyomo
        s = pyo.Set(initialize=list(keys), ordered=pyo.Set.InsertionOrder)
        s.construct()
        return s
    s = pyo.Set(ordered=pyo.Set.InsertionOrder, dimen=dimen)
    s.construct()
    s._values = dict.fromkeys(keys)   # what Set.update stores
    return s


def add_var(block: pyo.Block, name: str, index: Iterable | None, init: Any, doc: str,
            kind: str = "quantity", exogenous: bool = False) -> pyo.Var:
    """Add a variable (``index=None``: a scalar) initialised at its benchmark value.

    ``kind`` says how it converts to SAM units; ``exogenous=True`` pins it.
    """
    if index is None:
        v = pyo.Var(initialize=float(init), doc=doc)
        block.add_component(name, v)
        if exogenous:
            pin(v)
    else:
        keys = list(index)
        # every entry made from one template variable, its level then stored directly
        # (Pyomo's initialiser would call, convert and check once per entry)
        v = pyo.Var(index_set(block, keys), dense=True, doc=doc)
        block.add_component(name, v)
        levels = ([float(init[k]) for k in keys] if isinstance(init, Mapping)
                  else [float(init)] * len(keys))
        (pin_all if exogenous else set_levels)(list(v._data.values()), levels)
    model = block.model()
    model._unit_kind[v.local_name if block is model else f"{block.local_name}.{name}"] = kind
    return v


def set_levels(variables: Sequence, levels: Iterable[float]) -> None:
    """Set the levels of Pyomo variables to plain numbers, as ``set_value(x,
    skip_validation=True)`` does (bounds untouched), in one pass."""
    flag = _stale_flag(variables)
    for v, x in zip(variables, levels, strict=True):
        v._value = x
        v._stale = flag


def pin_all(variables: Sequence, levels: Iterable[float]) -> None:
    """:func:`pin` each variable at its level in ``levels`` (plain numbers), in one pass."""
    flag = _stale_flag(variables)
    for v, x in zip(variables, levels, strict=True):
        v._lb = v._ub = v._value = x
        v._stale = flag


def _stale_flag(variables: Sequence) -> int:
    """The flag ``set_value`` stores on the first of ``variables`` (Pyomo's flag of a
    variable given a value now)."""
    return StaleFlagManager.get_flag(variables[0]._stale if len(variables) else 0)


def pin(v: pyo.Var, value: float | None = None) -> None:
    """Make one variable exogenous at ``value`` (default: its current value)."""
    x = v.value if value is None else float(value)
    v.setlb(x)
    v.setub(x)
    v.set_value(x, skip_validation=True)


def free(v: pyo.Var) -> None:
    """Make one variable endogenous (no bounds)."""
    v.setlb(None)
    v.setub(None)


def is_pinned(v: pyo.Var) -> bool:
    """True when a variable is exogenous (fixed, or both bounds equal)."""
    return v.fixed or (v.lb is not None and v.ub is not None and v.lb == v.ub)


def add_param(block: pyo.Block, name: str, index: Iterable | None, init: Any,
              doc: str) -> pyo.Var:
    """An elasticity-dependent share, scale or exponent, held as a pinned variable.

    Like a shock, a new elasticity then changes numbers in a built problem (the pinned
    values) instead of its equations, so a persistent solver keeps its problem across
    elasticities (see :meth:`cge.model.build.CGEModel.set_elasticities`).
    """
    return add_var(block, name, index, init, doc, kind="rate", exogenous=True)


def add_constraint(block: pyo.Block, name: str, index: Iterable, rule: Callable,
                   doc: str) -> pyo.Constraint:
    """Add an indexed ``Constraint``: ``rule(block, *key)`` for each key of ``index``.

    The equations Pyomo's ``Constraint(index, rule=rule)`` makes, in the same order,
    stored without its per-component inspection of the rule and per-entry lookups.
    The rule reads the block through :func:`entries`.
    """
    keys = list(index)
    c = pyo.Constraint(index_set(block, keys), doc=doc)
    block.add_component(name, c)
    data, make, view = c._data, c._ComponentDataClass, entries(block)
    unpack = bool(keys) and keys[0].__class__ is tuple
    for key in keys:
        x = make(None, c)
        x._index = key
        x.set_value(rule(view, *key) if unpack else rule(view, key))
        data[key] = x
    return c


def entries(component):
    """What equations read: an indexed variable or expression as the dict of its entries by
    key, a block as a view whose indexed variables and expressions are such dicts; anything
    else as it is.

    A dict lookup costs a tenth of Pyomo's indexing (which checks and normalises the
    key), and a 300-sector model reads 40,000 entries while its equations are built.
    Every entry of such a component exists (variables are dense), so a key that is not
    an index raises ``KeyError`` either way.
    """
    if isinstance(component, BlockData):
        return _BlockEntries(component)
    if component.ctype in (pyo.Var, pyo.Expression) and component.is_indexed():
        return component._data
    return component


class _BlockEntries:
    """A block whose components are read through :func:`entries` (see there)."""

    def __init__(self, block):
        self._block = block

    def __getattr__(self, name: str):
        value = getattr(self._block, name)
        if isinstance(value, Component):
            value = entries(value)
        self.__dict__[name] = value
        return value


def add_expressions(block: pyo.Block, name: str, formulas: Mapping, doc: str):
    """Add an indexed ``Expression`` holding ``formulas`` (key -> formula), in their order.

    Each entry is stored as Pyomo's rule would store it, without the rule call, the
    index lookup and the check per entry (90,000 entries at 300 sectors).
    """
    # an index of its own: no other component is indexed by the keys of its formulas
    e = pyo.Expression(_ordered_set(tuple(formulas)), initialize={}, doc=doc)
    block.add_component(name, e)
    data, make = e._data, e._ComponentDataClass
    for key, formula in formulas.items():
        x = data[key] = make(formula, e)
        x._index = key
    return e


def formula_rows(expression, order: Mapping[Any, list]) -> dict[Any, list]:
    """The formulas of an ``Expression`` indexed by (row, column), by row, each row in the
    column order of ``order[row]``.

    One pass over the stored entries, without a lookup per entry (a row is reordered
    through a lookup only when its entries are stored in another order).
    """
    rows: dict[Any, list] = {r: [] for r in order}
    columns: dict[Any, list] = {r: [] for r in order}
    for (r, col), x in expression._data.items():
        rows[r].append(x._args_[0])
        columns[r].append(col)
    for r, wanted in order.items():
        if columns[r] != wanted:
            where = dict(zip(columns[r], rows[r], strict=True))
            rows[r] = [where[col] for col in wanted]
    return rows


#: Classes of the terms of a linear sum: monomials and variables.
_LINEAR_TERMS = {MonomialTermExpression, VarData, ScalarVar}


def linear_term(coef: float, var: Any) -> Any:
    """``coef * var`` for a number and a variable, the expression Pyomo's ``*`` makes
    (the variable itself at 1, zero at 0), without its operator dispatch."""
    if coef == 0 or coef == 1:
        return coef * var
    return MonomialTermExpression((coef, var))


def linear_terms(coefs: Iterable[float], variables: Iterable) -> list:
    """:func:`linear_term` of each coefficient and variable, made in one step."""
    coefs = list(coefs)
    if 0 in coefs or 1 in coefs:
        return [linear_term(c, v) for c, v in zip(coefs, variables, strict=True)]
    return list(map(MonomialTermExpression, zip(coefs, variables, strict=True)))


def linear_sum(terms: Iterable) -> Any:
    """``sum(terms)`` of variables and linear monomials (``coef * var``), made in one step.

    Python's ``sum`` adds term by term through Pyomo's operator dispatch; a dense
    input-output row at 300 sectors has 300 terms. For two terms or more of those kinds
    the result is the very expression ``sum`` makes (one ``LinearExpression`` with the
    terms in order); anything else is left to ``sum``.
    """
    terms = list(terms)
    if len(terms) < 2:
        return sum(terms)
    if set(map(type, terms)) <= _LINEAR_TERMS or all(
            t.__class__ is MonomialTermExpression or (
                t.is_potentially_variable() and not t.is_expression_type()) for t in terms):
        return LinearExpression(terms)
    return sum(terms)
