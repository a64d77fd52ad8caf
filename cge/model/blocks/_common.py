"""Helpers shared by the blocks: variables with units, and exogenous (pinned) variables.

Every shockable quantity (a tax rate, a world price, an endowment) is a Pyomo
``Var`` whose lower and upper bounds are *pinned* to its value rather than a
``Param`` or a fixed ``Var``: Pyomo drops fixed variables when it writes the
problem, so a pinned variable is what lets one built problem be re-solved under
new shocks, and what lets a closure swap which variables are exogenous without
touching any equation. IPOPT treats pinned variables as parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

#: What a variable measures: real quantities and nominal values are in model units
#: (SAM units divided by the calibration scale), prices and rates are unit-free.
#: Homogeneity: prices and nominal values scale with the numeraire, the rest not.
UNIT_KINDS = ("quantity", "value", "price", "rate")
#: Kinds stored in model units (multiplied by the scale to report in SAM units).
SCALED_KINDS = ("quantity", "value")


def add_var(block: pyo.Block, name: str, index: Iterable | None, init: Any, doc: str,
            kind: str = "quantity", exogenous: bool = False) -> pyo.Var:
    """Add a variable (``index=None``: a scalar) initialised at its benchmark value.

    ``kind`` says how it converts to SAM units; ``exogenous=True`` pins it.
    """
    if index is None:
        v = pyo.Var(initialize=float(init), doc=doc)
    else:
        index = list(index)
        # a rule or a constant, not a dict: Pyomo then copies one template variable per
        # index instead of looking each index up and validating it
        if isinstance(init, Mapping):
            values = {k: float(init[k]) for k in index}

            def rule(b, *key):
                return values[key if len(key) > 1 else key[0]]
        else:
            rule = float(init)
        v = pyo.Var(index, initialize=rule, doc=doc, dense=True)
    block.add_component(name, v)
    model = block.model()
    model._unit_kind[v.local_name if block is model else f"{block.local_name}.{name}"] = kind
    if exogenous:
        for data in v.values():
            pin(data)
    return v


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


def linear_term(coef: float, var: Any) -> Any:
    """``coef * var`` for a number and a variable, the expression Pyomo's ``*`` makes
    (the variable itself at 1, zero at 0), without its operator dispatch."""
    if coef == 0 or coef == 1:
        return coef * var
    return MonomialTermExpression((coef, var))


def linear_sum(terms: Iterable) -> Any:
    """``sum(terms)`` of variables and linear monomials (``coef * var``), made in one step.

    Python's ``sum`` adds term by term through Pyomo's operator dispatch; a dense
    input-output row at 300 sectors has 300 terms. For two terms or more of those kinds
    the result is the very expression ``sum`` makes (one ``LinearExpression`` with the
    terms in order); anything else is left to ``sum``.
    """
    terms = list(terms)
    if len(terms) < 2 or not all(t.__class__ is MonomialTermExpression or (
            t.is_potentially_variable() and not t.is_expression_type()) for t in terms):
        return sum(terms)
    return LinearExpression(terms)
