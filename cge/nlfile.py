"""The problem file (AMPL's NL format) of a built model, written from its equations directly.

The persistent solver evaluates the equations and their Jacobian through PyNumero's ASL
interface, which reads an NL file. Pyomo's NL writer makes that file from any Pyomo
model through its general expression visitor, at some tens of microseconds per node:
most of a first counterfactual at 100 sectors, two seconds at 300. The equations of this
package are built from a handful of node kinds (sums, linear terms, products, divisions,
powers, negations, variables and numbers), so :func:`write_nl` writes them in one pass
each, in the same layout (see Gay, *Writing .nl Files*, 2005):

* each equation :math:`l = r` becomes ``body = rhs``: its linear terms (variables and
  number-times-variable terms of the top-level sums of both sides) go to the Jacobian
  (``J``) segment with their coefficients, every other term to the expression tree of
  the ``C`` segment, numbers to the right-hand side (``r``);
* variables that appear in an expression tree come first (ASL's ordering), then the
  others; equations with a tree come before the linear ones;
* fixed variables are written as their values; variables that no active equation
  reads are left out, as Pyomo leaves them out; pinned variables (equal bounds) stay
  variables, so a shock changes a bound, not the file;
* the objective is the constant zero.

A model with any other kind of node is written by Pyomo instead
(:func:`model_nlp`), so the two writers give the same problem: the same equations,
residuals and Jacobian (``tests/test_nlfile.py`` compares them).
"""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass

import numpy as np


class UnsupportedNode(Exception):
    """An expression node :func:`write_nl` does not write (Pyomo's writer then does)."""


@dataclass
class NLProblem:
    """An NL file's text with the variables and equations it holds, in its order."""

    text: str
    variables: list
    equations: list


def model_nlp(model):
    """PyNumero's NLP of ``model``'s active equations: written by :func:`write_nl`, or by
    Pyomo (``PyomoNLP``) when an equation has a node it does not write.

    Both answer ``get_pyomo_variables()`` and ``get_pyomo_constraints()`` in the NLP's
    order, besides PyNumero's evaluations.
    """
    from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP

    try:
        problem = write_nl(model)
    except UnsupportedNode:
        return PyomoNLP(model.pyomo)
    return _asl_nlp_class()(problem)


@functools.cache
def _asl_nlp_class():
    """The class of :func:`model_nlp`'s NLPs (made once: it imports PyNumero)."""
    from pyomo.contrib.pynumero.interfaces.ampl_nlp import AslNLP

    class ModelNLP(AslNLP):
        """ASL's NLP of an :class:`NLProblem`, answering for its Pyomo components."""

        def __init__(self, problem: NLProblem):
            handle, path = tempfile.mkstemp(suffix=".nl", prefix="cge_")
            try:
                with os.fdopen(handle, "w") as f:
                    f.write(problem.text)
                super().__init__(path)
            finally:
                os.unlink(path)
            self._variables, self._equations = problem.variables, problem.equations

        def get_pyomo_variables(self) -> list:
            return list(self._variables)

        def get_pyomo_constraints(self) -> list:
            return list(self._equations)

    return ModelNLP


def write_nl(model) -> NLProblem:
    """The NL file of ``model``'s active equations, with a zero objective.

    Raises :class:`UnsupportedNode` for an equation with a node of another kind.
    """
    import pyomo.environ as pyo

    equations = list(model.pyomo.component_data_objects(pyo.Constraint, active=True))
    walker = _Walker()
    rows = [walker.equation(c) for c in equations]
    index = model.variable_index
    position = {id(v): k for k, v in enumerate(index.data)}
    # the variables read by the equations: those in a tree first, each group in the
    # model's order (ASL numbers nonlinear variables first)
    nonlinear = sorted(walker.nonlinear, key=position.__getitem__)
    linear = sorted(set(walker.linear) - set(walker.nonlinear), key=position.__getitem__)
    order = nonlinear + linear
    column = {key: k for k, key in enumerate(order)}
    read = {**walker.linear, **walker.nonlinear}
    variables = [read[key] for key in order]
    tree_rows = [k for k, row in enumerate(rows) if row.tokens]
    flat_rows = [k for k, row in enumerate(rows) if not row.tokens]
    row_order = tree_rows + flat_rows
    n_vars, n_eq = len(order), len(equations)

    values = index.values()
    lb, ub = index.bounds()
    at = np.array([position[key] for key in order], dtype=int)
    values, lb, ub = values[at], lb[at], ub[at]

    out = ["g3 1 1 0\t# problem",   # (no name: a SAM name may hold any character)
           f" {n_vars} {n_eq} 1 0 {n_eq} \t# vars, constraints, objectives, ranges, eqns",
           f" {len(tree_rows)} 0 0 0 0 0\t# nonlinear constrs, objs; ccons: lin, nonlin, nd, nzlb",
           " 0 0\t# network constraints: nonlinear, linear",
           f" {len(nonlinear)} 0 0 \t# nonlinear vars in constraints, objectives, both",
           " 0 0 0 1\t# linear network variables; functions; arith, flags",
           " 0 0 0 0 0 \t# discrete variables: binary, integer, nonlinear (b,c,o)"]
    jacobian = []
    counts = np.zeros(n_vars, dtype=int)
    for i, k in enumerate(row_order):
        row = rows[k]
        # a term whose coefficients cancel, or were zero, is no Jacobian entry (as in
        # Pyomo's writer) unless the variable is in the tree
        entries = {column[key]: coef for key, coef in row.linear.items() if coef != 0.0}
        for key in row.tree_vars:
            entries.setdefault(column[key], 0.0)
        cols = sorted(entries)
        counts[cols] += 1
        jacobian.append((i, cols, entries))
    out.append(f" {int(counts.sum())} 0 \t# nonzeros in Jacobian, obj. gradient")
    out.append(" 0 0\t# max name lengths: constraints, variables")
    out.append(" 0 0 0 0 0\t# common exprs: b,c,o,c1,o1")
    for i, k in enumerate(row_order):
        out.append(f"C{i}")
        tokens = rows[k].tokens
        if tokens:
            out.extend(t if t.__class__ is str else f"v{column[id(t)]}" for t in tokens)
        else:
            out.append("n0")
    out.extend(("O0 0", "n0"))
    given = np.flatnonzero(~np.isnan(values))
    out.append(f"x{given.size}")
    out.extend(f"{j} {v!r}" for j, v in zip(given.tolist(), values[given].tolist(), strict=True))
    out.append("r")
    out.extend(f"4 {rows[k].rhs!r}" for k in row_order)
    out.append("b")
    out.extend(_bound_line(lo, up) for lo, up in zip(lb.tolist(), ub.tolist(), strict=True))
    out.append(f"k{n_vars - 1}")
    out.extend(str(c) for c in np.cumsum(counts)[:-1].tolist())
    for i, cols, entries in jacobian:
        out.append(f"J{i} {len(cols)}")
        out.extend(map("{} {!r}".format, cols, map(entries.__getitem__, cols)))
    return NLProblem("\n".join(out) + "\n", variables, [equations[k] for k in row_order])


def _number(x) -> str:
    """A number of an expression tree (``repr``: the shortest text that reads back exactly)."""
    return f"n{float(x)!r}"


def _sum_operator(n: int) -> tuple[str, ...]:
    """The operator of a sum of ``n`` terms: none for one, ``o0`` (plus) for two, else
    ``o54`` (sumlist) and the count (ASL reads a sumlist of three terms or more)."""
    return () if n == 1 else ("o0",) if n == 2 else ("o54", str(n))


def _bound_line(lo: float, up: float) -> str:
    """A variable's line of the ``b`` segment (NaN: no bound)."""
    if lo == up:
        return f"4 {lo!r}"
    if lo != lo or lo == -np.inf:
        return "3" if up != up or up == np.inf else f"1 {up!r}"
    if up != up or up == np.inf:
        return f"2 {lo!r}"
    return f"0 {lo!r} {up!r}"


@dataclass
class _Row:
    """One equation split for the file: linear coefficients by variable id, the tree's
    tokens (strings, and the variables themselves), its variables' ids, the right side."""

    linear: dict
    tokens: list
    tree_vars: set
    rhs: float


class _Walker:
    """Splits equations into linear terms, an expression tree and a constant."""

    def __init__(self):
        from pyomo.common.numeric_types import native_numeric_types
        from pyomo.core.expr import numeric_expr as ne

        self.numbers = native_numeric_types
        self.ne = ne
        #: id -> variable of every variable with a linear term / in a tree
        self.linear: dict = {}
        self.nonlinear: dict = {}
        self.sums = (ne.SumExpression, ne.LinearExpression)
        self._write = _prefix_writer()

    def equation(self, c) -> _Row:
        lhs, rhs = c.expr.args
        linear: dict = {}
        trees: list = []
        constant = self._split(lhs, 1.0, linear, trees) + self._split(rhs, -1.0, linear, trees)
        tokens: list = []
        tree_vars: set = set()
        if trees:
            tokens.extend(_sum_operator(len(trees)))
            for sign, node in trees:
                tokens.extend(self._sign_token(sign))
                self._write(node, tokens)
            for t in tokens:
                if t.__class__ is not str:   # a variable
                    tree_vars.add(id(t))
                    self.nonlinear[id(t)] = t
        for key, var in linear.items():
            self.linear[key] = var[0]
        return _Row({key: float(coef) for key, (_, coef) in linear.items()}, tokens, tree_vars,
                    -float(constant))

    @staticmethod
    def _sign_token(sign: float) -> tuple[str, ...]:
        """The operator before a term of the tree: a negation for a term subtracted."""
        return ("o16",) if sign < 0 else ()

    def _split(self, node, sign: float, linear: dict, trees: list) -> float:
        """Add ``sign * node``'s linear terms to ``linear`` (id -> [var, coef]) and its
        other terms to ``trees``; return its constant."""
        cls = node.__class__
        if cls in self.numbers:
            return sign * node
        if cls in self.sums:   # the terms of an input-output row read in place
            constant, numbers, monomial = 0.0, self.numbers, self.ne.MonomialTermExpression
            add = self._add
            for a in node.args:
                if a.__class__ is monomial:
                    coef, var = a._args_
                    if coef.__class__ in numbers and not var.fixed:
                        add(linear, var, sign * coef)
                        continue
                constant += self._split(a, sign, linear, trees)
            return constant
        if cls is self.ne.NegationExpression:
            return self._split(node.args[0], -sign, linear, trees)
        if cls is self.ne.MonomialTermExpression:
            coef, var = node._args_
            if coef.__class__ in self.numbers:
                if var.fixed:
                    return sign * coef * var.value
                self._add(linear, var, sign * coef)
                return 0.0
        elif not node.is_expression_type():
            if node.is_variable_type():
                if node.fixed:
                    return sign * node.value
                self._add(linear, node, sign)
                return 0.0
            if node.is_named_expression_type():
                return self._split(node.expr, sign, linear, trees)
            return sign * node.value   # a parameter
        elif node.is_named_expression_type():
            return self._split(node.expr, sign, linear, trees)
        trees.append((sign, node))
        return 0.0

    @staticmethod
    def _add(linear: dict, var, coef: float) -> None:
        entry = linear.get(id(var))
        if entry is None:
            linear[id(var)] = [var, coef]
        else:
            entry[1] += coef


def _prefix_writer():
    """``write(node, tokens)``: ``node`` in prefix notation onto ``tokens``, each variable
    as itself (numbered once the columns are known); one call per node, dispatching on
    the node's class."""
    from pyomo.common.numeric_types import native_numeric_types as numbers
    from pyomo.core.expr import numeric_expr as ne

    binary = {ne.ProductExpression: "o2", ne.MonomialTermExpression: "o2",
              ne.DivisionExpression: "o3", ne.PowExpression: "o5"}
    sums = (ne.SumExpression, ne.LinearExpression)
    negation = ne.NegationExpression

    def write(node, tokens: list) -> None:
        cls = node.__class__
        if cls in numbers:
            tokens.append(_number(node))
            return
        op = binary.get(cls)
        if op is not None:
            a, b = node._args_
            if op == "o2" and ((a.__class__ in numbers and a == 0)
                               or (b.__class__ in numbers and b == 0)):
                tokens.append("n0")   # zero times anything: no term (as Pyomo writes it)
                return
            tokens.append(op)
            write(a, tokens)
            write(b, tokens)
            return
        if cls in sums:
            args = node.args
            tokens.extend(_sum_operator(len(args)))
            for a in args:
                write(a, tokens)
            return
        if cls is negation:
            tokens.append("o16")
            write(node._args_[0], tokens)
            return
        if node.is_variable_type():
            if node.fixed:
                tokens.append(_number(node.value))
            else:
                tokens.append(node)
            return
        if node.is_named_expression_type():
            write(node.expr, tokens)
            return
        if not node.is_expression_type() and (node.is_parameter_type() or node.is_constant()):
            tokens.append(_number(node.value))
            return
        raise UnsupportedNode(type(node).__name__)

    return write
