"""Pyomo expressions evaluated on arrays: sums of products become one numpy product each.

Pyomo's ``value(expr)`` walks the expression tree node by node in Python, which costs a
few microseconds per term; the Walras check after every solve evaluates the balance of
payments, whose sums have a term per traded good and factor. :class:`ArrayExpression`
walks the tree once and keeps each sum of monomials (products of constants and
variables, such as :math:`\\sum_c pWe_c E_c`) as a coefficient vector and a matrix of
variable positions, evaluated as :math:`\\sum_k a_k \\prod_j x_{s_{kj}}` on the levels of
the expression's variables. Divisions, powers and other nodes are kept as they are;
nodes it does not know are evaluated by Pyomo. The value is that of ``value(expr)`` up to
the order of the floating-point additions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Evaluator = Callable[[np.ndarray], float]


class ArrayExpression:
    """One Pyomo expression, compiled for evaluation on the levels of its variables.

    Parameters
    ----------
    expr : Pyomo numeric expression
        Its structure is read once; the levels are read at each call.
    """

    def __init__(self, expr):
        self.expr = expr
        #: the expression's variables, in the order of the levels vector
        self.variables: list = []
        self._slots: dict[int, int] = {}
        self._evaluate = self._lower(expr)

    def levels(self) -> np.ndarray:
        """Current levels of the expression's variables (NaN where a variable has none)."""
        return np.array([v._value for v in self.variables], dtype=float)

    def __call__(self) -> float:
        """The value of the expression at the variables' current levels."""
        return self._evaluate(self.levels())

    # -- compiling --------------------------------------------------------------------
    def _slot(self, var) -> int:
        slot = self._slots.get(id(var))
        if slot is None:
            slot = self._slots[id(var)] = len(self.variables)
            self.variables.append(var)
        return slot

    def _monomial(self, node) -> tuple[float, tuple[int, ...]] | None:
        """``(coefficient, variable slots)`` when ``node`` is a product of numbers and
        variables, else None."""
        from pyomo.common.numeric_types import native_numeric_types
        from pyomo.core.expr import numeric_expr as ne

        if node.__class__ in native_numeric_types:
            return float(node), ()
        if node.is_variable_type():
            return 1.0, (self._slot(node),)
        if type(node) in (ne.ProductExpression, ne.MonomialTermExpression):
            left, right = (self._monomial(arg) for arg in node.args)
            if left is None or right is None:
                return None
            return left[0] * right[0], left[1] + right[1]
        if type(node) is ne.NegationExpression:
            inner = self._monomial(node.args[0])
            return None if inner is None else (-inner[0], inner[1])
        return None

    def _lower(self, node) -> Evaluator:
        from pyomo.core.expr import numeric_expr as ne

        monomial = self._monomial(node)
        if monomial is not None:
            return _sum_of_monomials([monomial], [])
        if isinstance(node, ne.SumExpression):
            monomials, others = [], []
            for arg in node.args:
                m = self._monomial(arg)
                if m is None:
                    others.append(self._lower(arg))
                else:
                    monomials.append(m)
            return _sum_of_monomials(monomials, others)
        kind = type(node)
        if kind in (ne.ProductExpression, ne.DivisionExpression, ne.PowExpression):
            a, b = (self._lower(arg) for arg in node.args)
            if kind is ne.ProductExpression:
                return lambda x: a(x) * b(x)
            if kind is ne.DivisionExpression:
                return lambda x: a(x) / b(x)
            return lambda x: a(x) ** b(x)
        if kind is ne.NegationExpression:
            a = self._lower(node.args[0])
            return lambda x: -a(x)
        if node.is_named_expression_type():
            return self._lower(node.expr)
        return _pyomo_value(node)


def _pyomo_value(node) -> Evaluator:
    """A node this module does not compile: Pyomo evaluates it (it reads the same levels)."""
    import pyomo.environ as pyo

    return lambda x: float(pyo.value(node))


def _sum_of_monomials(monomials: list[tuple[float, tuple[int, ...]]],
                      others: list[Evaluator]) -> Evaluator:
    """:math:`\\sum_k a_k \\prod_j x_{s_{kj}}` plus the other terms, one numpy product per
    degree."""
    by_degree: dict[int, list] = {}
    for coef, slots in monomials:
        by_degree.setdefault(len(slots), []).append((coef, slots))
    constant = sum(coef for coef, _ in by_degree.pop(0, []))
    groups = [(np.array([c for c, _ in terms]), np.array([s for _, s in terms], dtype=np.intp))
              for _, terms in sorted(by_degree.items())]

    def evaluate(x: np.ndarray) -> float:
        total = constant
        for coef, slots in groups:
            total += float(coef @ x[slots].prod(axis=1))
        for other in others:
            total += other(x)
        return float(total)

    return evaluate
