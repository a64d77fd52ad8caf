"""The chord predictor of a re-solve: Newton steps with the benchmark Jacobian, factorized once.

A counterfactual starts near the benchmark, where the model's Jacobian is known. The
chord (simplified Newton) iteration keeps that one Jacobian :math:`J_0` for every step:

.. math::

    x_{k+1} = x_k - J_0^{-1} g(x_k)

in IPOPT's scaling (equations and variables divided by their benchmark magnitudes).
It converges linearly, at the rate of :math:`\\lVert I - J_0^{-1} J(x^*) \\rVert`,
which for the policy shocks users run is a few per cent per step. A step costs one
evaluation of the equations and two triangular solves, where IPOPT's Newton step
factorizes the Jacobian anew: with a dense input-output table the factors hold a dense
front of about twice the number of sectors, some 0.1-0.2 s at 300 sectors, paid three
or four times per solve. :class:`ChordPredictor` factorizes :math:`J_0` once per set of
free variables (a closure) and benchmark, and every later solve of the model reuses it.
A dynamic path factorizes elsewhere (:attr:`cge.model.build.CGEModel.chord_reference`):
a counterfactual period at business as usual of that period, once for all its
counterfactuals; business as usual itself at the solution of the period before.

The predictor stops when its point passes IPOPT's own convergence test (the scaled
residual within ``tol``, the unscaled within ``constr_viol_tol``): that point is the
answer, as IPOPT's zero-iteration answer would be. It gives up when the residual stops
contracting (two steps in a row not halving it), grows far beyond its best, cannot be
evaluated, or after :data:`MAX_STEPS`; IPOPT then starts from the best point it found. Every result
is still judged by the same acceptance test, residual ranking and Walras check in
:func:`cge.solve.solve_model`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger("cge")

#: Most chord steps before IPOPT takes over (the steps seen run from 6 to 20).
MAX_STEPS = 40
#: A step that does not halve the largest scaled residual does not contract; after two such
#: steps in a row the predictor gives up. (The first step may overshoot: from a start
#: extrapolated along a dynamic path it often grows the residual, and the next ones
#: contract at a few per cent a step.)
CONTRACTION = 0.5
#: The predictor gives up at once when the residual grows this far beyond its best.
DIVERGENCE = 1e3
#: Entries of the factorizations kept (L and U together, about 12 bytes each): one per
#: closure and reference point, the least recently used dropped first. A dynamic path keeps
#: one per period (its business as usual); one 300-sector model takes about 0.6 million.
FACTOR_BUDGET = 4_000_000
#: At most this many factorizations are kept, however small.
MAX_FACTORS = 128
#: Up to this many free variables the Jacobian is inverted densely: a step is then one
#: matrix-vector product, cheaper than the sparse solver's call below about 200.
DENSE_UP_TO = 200


def converged(g: np.ndarray, scaled: np.ndarray, tol: float, constr_viol_tol: float) -> bool:
    """IPOPT's convergence test of a square system (the multipliers are zero): the scaled
    residuals ``scaled`` within ``tol``, the unscaled ``g`` within ``constr_viol_tol``."""
    return bool(np.abs(scaled).max(initial=0.0) <= tol
                and np.abs(g).max(initial=0.0) <= constr_viol_tol)


class DenseInverse:
    """The inverse of a small Jacobian, with the interface of SuperLU the chord uses."""

    def __init__(self, matrix):
        self.inverse = np.linalg.inv(matrix.toarray())
        if not np.isfinite(self.inverse).all():
            raise ValueError("singular Jacobian")
        self.nnz = self.inverse.size

    def solve(self, b: np.ndarray) -> np.ndarray:
        return self.inverse @ b


class OrderedLU:
    """SuperLU of a Jacobian whose columns were put in an order found before (a fill-reducing
    order depends on the sparsity pattern alone, so one order serves every Jacobian of the
    same free variables: new elasticities, another period, another reference point).

    ``order[k]`` is the column of the Jacobian in position ``k``; SuperLU factorizes the
    reordered matrix in its natural order (``ordered``: ``matrix`` is already reordered).
    Finding the order is most of a first factorization: at 300 sectors 0.12 s of 0.17 s
    (minimum degree on J + J^T), at 100 sectors 14 ms of 19 ms.
    """

    def __init__(self, matrix, order: np.ndarray, ordered: bool = False):
        from scipy.sparse.linalg import splu

        self.order = order
        self.lu = splu(matrix if ordered else matrix[:, order].tocsc(), permc_spec="NATURAL")
        self.nnz = self.lu.nnz

    def solve(self, b: np.ndarray) -> np.ndarray:
        x = np.empty_like(b)
        x[self.order] = self.lu.solve(b)
        return x


class ScaledColumns:
    """How the entries of the Jacobian (COO, one fixed sparsity pattern) make the scaled
    Jacobian over one set of free variables, its columns in a found order, as the CSC
    matrix :class:`OrderedLU` factorizes: the same numbers as selecting, scaling and
    reordering the columns with sparse products, without them (they took a third of a
    factorization at 100 sectors, which an elasticity batch pays every scenario).

    Raises ``ValueError`` when the pattern lists an entry twice (then the sparse
    products, which add them, are used).
    """

    def __init__(self, jac, free: np.ndarray, order: np.ndarray, g_scaling: np.ndarray,
                 x_scaling: np.ndarray):
        self.order = order
        self.row, self.col = jac.row.copy(), jac.col.copy()
        columns = np.flatnonzero(free)[order]
        position = np.full(jac.shape[1], -1, dtype=np.int64)
        position[columns] = np.arange(columns.size)
        new_col = position[self.col]
        kept = np.flatnonzero(new_col >= 0)
        self.at = kept[np.lexsort((self.row[kept], new_col[kept]))]
        rows, cols = self.row[self.at], new_col[self.at]
        if np.any((np.diff(rows) == 0) & (np.diff(cols) == 0)):
            raise ValueError("the Jacobian's pattern lists an entry twice")
        self.indices = rows.astype(np.int32)
        self.indptr = np.concatenate(([0], np.cumsum(np.bincount(cols, minlength=columns.size))
                                      )).astype(np.int32)
        self.shape = (jac.shape[0], columns.size)
        # the factors in the order the sparse products apply them (the same roundings)
        self.row_factor = g_scaling[rows]
        self.column_factor = (1.0 / x_scaling[columns])[cols]

    def fits(self, jac) -> bool:
        """The Jacobian has the pattern this assembly was made for."""
        return (jac.row.size == self.row.size and np.array_equal(jac.row, self.row)
                and np.array_equal(jac.col, self.col))

    def matrix(self, jac):
        """The scaled, reordered Jacobian (CSC) of ``jac``'s values."""
        from scipy.sparse import csc_matrix

        data = jac.data[self.at] * self.row_factor * self.column_factor
        matrix = csc_matrix((data, self.indices.copy(), self.indptr.copy()), shape=self.shape)
        matrix.eliminate_zeros()   # as the sparse products do
        return matrix


@dataclass
class ChordResult:
    """Where the chord iteration ended.

    ``x``: the free variables at the best point (lowest scaled residual);
    ``residuals``: the scaled residuals there; ``steps``: chord steps taken;
    ``converged``: the point passes IPOPT's convergence test.
    """

    x: np.ndarray
    residuals: np.ndarray
    steps: int
    converged: bool


class ChordPredictor:
    """Factorizations of the benchmark Jacobian, one per set of free variables and benchmark,
    and the chord iteration that reuses them (see the module docstring).

    Parameters
    ----------
    nlp : PyNumero NLP (:func:`cge.nlfile.model_nlp`)
        The model's NLP (equations ``g(x) = cl`` over every primal, pinned ones included).
    x_scaling, g_scaling : ndarray
        IPOPT's user scaling of every primal and of every equation.
    """

    def __init__(self, nlp, x_scaling: np.ndarray, g_scaling: np.ndarray):
        self.nlp = nlp
        self.x_scaling = x_scaling
        self.g_scaling = g_scaling
        self.cl = nlp.constraints_lb()
        self._factors: dict[bytes, object] = {}
        #: the fill-reducing column order of each set of free variables
        self._orders: dict[bytes, np.ndarray] = {}
        #: the assembly of the scaled, ordered Jacobian of each set of free variables
        self._columns: dict[bytes, ScaledColumns | None] = {}
        #: the Jacobian's entries, written over at each factorization (a new matrix each
        #: time would copy its pattern too: two thirds of the evaluation at 100 sectors)
        self._jac = None

    def factor(self, reference: np.ndarray, free: np.ndarray):
        """The sparse LU of the scaled Jacobian over ``free`` at ``reference`` (every primal),
        made once per (free set, reference point); ``None`` when it is singular or cannot
        be evaluated there."""
        key = free.tobytes() + reference.tobytes()
        if key in self._factors:
            lu = self._factors.pop(key)    # most recently used last
            self._factors[key] = lu
            return lu
        from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError
        from scipy.sparse import diags
        from scipy.sparse.linalg import splu

        lu = None
        self.nlp.set_primals(reference)
        try:
            if self._jac is None:
                coo = self._jac = self.nlp.evaluate_jacobian()
            else:
                coo = self.nlp.evaluate_jacobian(out=self._jac)
            columns = self._columns.get(free.tobytes())
            if columns is not None and columns.fits(coo):
                lu = OrderedLU(columns.matrix(coo), columns.order, ordered=True)
                return self._keep(key, lu)
            jac = coo.tocsc()[:, free]
            scaled = (diags(self.g_scaling) @ jac @ diags(1.0 / self.x_scaling[free])).tocsc()
            order = self._orders.get(free.tobytes())
            if scaled.shape[1] <= DENSE_UP_TO:
                lu = DenseInverse(scaled)
            elif order is not None:
                lu = OrderedLU(scaled, order)
            else:
                # minimum degree on the pattern of J + J^T: a third of COLAMD's time to
                # find at 300 sectors (stdcge: 0.12 against 0.36 s), and factors with
                # 12-32% fewer entries at 153 and 300 sectors (stdcge and standard), so
                # quicker solves; its order is kept for every later Jacobian over the
                # same free variables
                lu = splu(scaled, permc_spec="MMD_AT_PLUS_A")
                order = np.empty_like(lu.perm_c)
                order[lu.perm_c] = np.arange(lu.perm_c.size)
                self._orders[free.tobytes()] = order
                self._columns[free.tobytes()] = self._scaled_columns(coo, free, order)
        except (PyNumeroEvaluationError, RuntimeError, ValueError,
                np.linalg.LinAlgError) as exc:
            log.debug("chord predictor off for this closure: %s", exc)
        return self._keep(key, lu)

    def _keep(self, key: bytes, lu):
        """Keep the factorization ``lu`` under ``key`` within the budget; returns it."""
        self._factors[key] = lu
        while len(self._factors) > MAX_FACTORS or len(self._factors) > 1 and sum(
                f.nnz for f in self._factors.values() if f is not None) > FACTOR_BUDGET:
            self._factors.pop(next(iter(self._factors)))
        return lu

    def _scaled_columns(self, jac, free: np.ndarray, order: np.ndarray):
        """The :class:`ScaledColumns` of ``free`` (``None`` when the pattern does not allow
        one: the sparse products are then used every time)."""
        try:
            return ScaledColumns(jac, free, order, self.g_scaling, self.x_scaling)
        except ValueError as exc:
            log.debug("Jacobian assembled by sparse products: %s", exc)
            return None

    def run(self, lu, x: np.ndarray, free: np.ndarray, tol: float, constr_viol_tol: float,
            g: np.ndarray | None = None) -> ChordResult:
        """Chord steps from ``x`` (every primal; its free entries are updated in place to the
        best point) until IPOPT's convergence test passes or the iteration stops contracting.

        ``g``: the residuals ``g(x) - cl`` at ``x`` when already evaluated there.
        """
        from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

        nlp, cl, gs, xs = self.nlp, self.cl, self.g_scaling, self.x_scaling[free]
        best_x, best, best_res = x[free].copy(), np.inf, None
        previous, stalled = np.inf, 0
        for step in range(MAX_STEPS + 1):
            if g is None:
                nlp.set_primals(x)
                try:
                    g = nlp.evaluate_constraints() - cl
                except PyNumeroEvaluationError:
                    break
            scaled = g * gs
            size = np.abs(scaled).max(initial=0.0)
            if not np.isfinite(size):
                break
            if size < best:
                best_x, best, best_res = x[free].copy(), size, np.abs(scaled)
            if converged(g, scaled, tol, constr_viol_tol):
                return ChordResult(best_x, best_res, step, True)
            stalled = stalled + 1 if size > CONTRACTION * previous else 0
            if stalled == 2 or size > DIVERGENCE * best or step == MAX_STEPS:
                break
            previous = size
            x[free] -= lu.solve(scaled) / xs
            g = None
        x[free] = best_x
        return ChordResult(best_x, best_res, step, False)
