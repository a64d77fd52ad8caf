"""Pyomo expressions compiled once and evaluated on the levels of their variables.

Pyomo's ``value(expr)`` walks the expression tree node by node, dispatching on each
node's type, which costs a few microseconds per term; the Walras check after every solve
evaluates the balance of payments, whose sums have a term per traded good and factor.
:class:`CompiledExpression` walks the tree once and keeps each sum as a list of its
terms, a monomial (a product of numbers and variables, such as :math:`pWe_c E_c`) being a
coefficient and the positions of its variables in the levels list. Evaluating it does
the same floating-point operations in the same order as Pyomo (products left to right,
sums from the first term), so the value is Pyomo's, at about a tenth of a microsecond per
term. Divisions, powers, negations and named expressions are kept as they are; other nodes
(e.g. ``exp``) are evaluated by Pyomo.
"""

from __future__ import annotations

from collections.abc import Callable

Evaluator = Callable[[list], float]
#: A term of a sum: (coefficient, variable positions, None) for a monomial, else
#: (None, None, evaluator).
Term = tuple


class CompiledExpression:
    """One Pyomo expression, compiled for evaluation on the levels of its variables.

    Parameters
    ----------
    expr : Pyomo numeric expression
        Its structure is read once; the levels are read at each call.
    """

    def __init__(self, expr):
        self.expr = expr
        #: the expression's variables, in the order of the levels list
        self.variables: list = []
        self._slots: dict[int, int] = {}
        self._evaluate = self._lower(expr)

    def levels(self) -> list[float]:
        """Current levels of the expression's variables (NaN where a variable has none)."""
        nan = float("nan")
        return [nan if v._value is None else v._value for v in self.variables]

    def __call__(self) -> float:
        """The value of the expression at the variables' current levels."""
        return float(self._evaluate(self.levels()))

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
            if left is None or right is None or (left[1] and right[0] != 1.0):
                return None   # a coefficient between variables: keep Pyomo's order
            return left[0] * right[0], left[1] + right[1]
        return None

    def _term(self, node) -> Term:
        monomial = self._monomial(node)
        return (*monomial, None) if monomial is not None else (None, None, self._lower(node))

    def _lower(self, node) -> Evaluator:
        from pyomo.core.expr import numeric_expr as ne

        if isinstance(node, ne.SumExpression):
            return _sum([self._term(arg) for arg in node.args])
        monomial = self._monomial(node)
        if monomial is not None:
            return _sum([(*monomial, None)], start=None)
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

    return lambda x: pyo.value(node)


def _sum(terms: list[Term], start: float | None = 0) -> Evaluator:
    """The sum of ``terms`` from ``start`` (``None``: the one term alone), in order."""

    def evaluate(x: list) -> float:
        total = start
        for coef, slots, other in terms:
            if other is None:
                value = coef   # 1.0 * x is x exactly: the products are Pyomo's
                for s in slots:
                    value *= x[s]
            else:
                value = other(x)
            total = value if total is None else total + value
        return total

    return evaluate
