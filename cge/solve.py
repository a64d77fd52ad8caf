"""Solving the square CGE system with IPOPT through cyipopt.

Two paths give the same answer:

* ``solver="cyipopt"``: Pyomo's ``SolverFactory('cyipopt')``, which writes the
  problem anew on every call;
* ``solver="persistent"``: one PyNumero NLP (:mod:`cge.nlfile`) and ``cyipopt`` problem per
  model, kept between solves. Shocks move the bounds of pinned variables, so the
  problem is never rewritten (several times faster for repeated counterfactuals).

Before solving, the model must be square (free variables = active equations;
Walras' law already removed one equation). Afterwards IPOPT must report plain
success ("solved to acceptable level" is a failure), and both the largest scaled
residual and the residual of the dropped balance of payments (Walras' law: it
holds when every other market clears and the accounts are consistent) must be
below the acceptance threshold (the same threshold bounds the built-in checks of
:mod:`cge.diagnostics`). A solve may leave Walras' law unenforced
(``enforce_walras=False``): the Walras check then has something to find.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .chord import ChordPredictor, converged
from .errors import Problem, SolveError

log = logging.getLogger("cge")

#: IPOPT options used unless overridden.
IPOPT_OPTIONS = {
    "tol": 1e-10,
    "constr_viol_tol": 1e-10,
    "acceptable_iter": 0,
    "linear_solver": "mumps",
    "nlp_scaling_method": "user-scaling",
    # the problem is already scaled by benchmark magnitudes: MUMPS's own scaling only
    # costs time (about a third of a re-solve at 300 sectors)
    "mumps_scaling": 0,
    "mumps_permuting_scaling": 0,
    # approximate minimum fill (AMF) instead of MUMPS's automatic choice: a quarter less
    # time per re-solve at 300 sectors (stdcge), no worse at 3 to 100
    "mumps_pivot_order": 2,
    "max_iter": 200,
    "print_level": 0,
    "sb": "yes",
}
#: Largest scaled residual accepted after a solve (at least; see ``TOL_TO_RESIDUAL``), and
#: the tolerance of the built-in checks (``cge.diagnostics.CHECK_TOL``), which is no looser.
RESIDUAL_TOL = 1e-8
#: The accepted residual as a multiple of IPOPT's ``tol``: IPOPT measures its tolerance on
#: the scaled, unconstrained-variable optimality error, the residual of each equation may
#: end a little above it.
TOL_TO_RESIDUAL = 100
#: Floor of the benchmark magnitude used to scale a variable or an equation.
SCALE_FLOOR = 1e-3
#: Equations named by a solve's statistics (and its error): the largest residuals.
WORST_SHOWN = 5
#: Residual vectors up to this length are ranked by a full sort.
SORTED_WHOLE = 1000


@dataclass
class SolveStats:
    """What the solver did: status, iterations, residuals, timing."""

    status: str
    message: str
    iterations: int
    max_residual: float
    walras_residual: float
    seconds: float
    solver: str
    free_variables: int
    equations: int
    worst: list[tuple[str, float]] = field(default_factory=list)
    #: chord steps with the benchmark Jacobian before IPOPT (persistent solver; :mod:`cge.chord`)
    chord_steps: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "optimal"


def square_check(model) -> tuple[int, int]:
    """Free variables and active equations; raise :class:`SolveError` if they differ."""
    c = model.counts()
    return _require_square(model, c["free_variables"], c["equations"])


def _require_square(model, n_free: int, n_eq: int) -> tuple[int, int]:
    if n_free != n_eq:
        raise SolveError(
            f"the model is not square: {n_free} free variables but {n_eq} active equations",
            [Problem("not_square", "closure",
                     f"{n_free - n_eq:+d} degrees of freedom under closure ({model.closure})",
                     "each closure choice must pin exactly one variable per balance; with a "
                     "fixed numeraire Walras' law already dropped the balance of payments")])
    return n_free, n_eq


def set_scaling(model, sides: tuple[list, np.ndarray] | None = None) -> None:
    """Scale variables and equations by their benchmark magnitudes (IPOPT user-scaling).

    A variable with benchmark value :math:`x_0` gets :math:`1/\\max(|x_0|, 10^{-3})`;
    an equation :math:`l = r` gets :math:`1/\\max(|l_0|, |r_0|, 10^{-3})`. With the SAM
    already divided by a power of ten near its median cell, a tolerance means the
    same relative accuracy for every flow and at any SAM unit. Both sides are evaluated
    by :func:`side_level`, which gives what ``pyo.value`` gives, faster; ``sides``, from
    :func:`equation_sides` at the current point, saves evaluating them again.
    """
    import pyomo.environ as pyo

    m = model.pyomo
    if hasattr(m, "scaling_factor"):
        return
    equations, levels = sides if sides is not None else equation_sides(model)
    # both solve paths read the factors through PyNumero from the model, not from the
    # problem file: a local suffix keeps 2 x 13,000 lines out of that file at 300 sectors
    m.scaling_factor = sf = pyo.Suffix(direction=pyo.Suffix.LOCAL)
    index = model.variable_index
    values = np.nan_to_num(index.values(), nan=0.0)   # no value: scaled as zero
    sf.update(zip(index.data, (1.0 / np.maximum(np.abs(values), SCALE_FLOOR)).tolist(),
                  strict=True))
    sf.update(zip(equations, _equation_factors(levels).tolist(), strict=True))


def equation_sides(model) -> tuple[list, np.ndarray]:
    """The active equations :math:`l = r` and the levels of their sides at the current point
    (rows :math:`(l, r)`, evaluated by :func:`side_level`)."""
    import pyomo.environ as pyo

    level = _level_function()
    equations = list(model.pyomo.component_data_objects(pyo.Constraint, active=True))
    levels = np.array([[level(side) for side in c.expr.args] for c in equations],
                      dtype=float).reshape(len(equations), 2)
    return equations, levels


def _equation_factors(levels: np.ndarray) -> np.ndarray:
    """The scaling factor of each equation from the levels of its two sides."""
    return 1.0 / np.maximum(np.abs(levels).max(axis=1, initial=0.0), SCALE_FLOOR)


def side_level(expr) -> float:
    """The value of a Pyomo expression at the variables' current levels.

    The same number as ``pyo.value(expr)`` (the same operations in the same order),
    several times faster on long linear sums such as the input-output rows of the goods
    markets: those terms are multiplied out directly instead of through Pyomo's
    general expression walker.
    """
    return _level_function()(expr)


@functools.cache
def _level_function():
    """The evaluator behind :func:`side_level` (made once: it imports Pyomo)."""
    import operator

    from pyomo.common.numeric_types import native_numeric_types
    from pyomo.core.expr import numeric_expr as ne
    from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

    def level(e):
        cls = e.__class__
        if cls in native_numeric_types:
            return e
        if cls is LinearExpression:   # the stored terms and levels read directly
            terms = []
            append = terms.append
            for a in e.args:
                if a.__class__ is MonomialTermExpression:
                    coef, var = a._args_
                    append((coef if coef.__class__ in native_numeric_types
                            else level(coef)) * var._value)
                else:
                    append(level(a))
            return sum(terms)
        operation = binary.get(cls)
        if operation is not None:   # Pyomo's own operation on the two levels
            a, b = e._args_
            return operation(level(a), level(b))
        if not e.is_expression_type():   # a variable or a parameter
            return e.value
        return e._apply_operation([level(a) for a in e.args])

    binary = {ne.ProductExpression: operator.mul, ne.MonomialTermExpression: operator.mul,
              ne.DivisionExpression: operator.truediv, ne.PowExpression: operator.pow}
    return level


def walras_residual(model) -> float:
    """Scaled residual of the balance of payments, the equation Walras' law dropped.

    :math:`|l - r| / \\max(|l|, |r|, 10^{-3})` at the current levels, for the equation
    :math:`l = r`. Both sides are compiled once per model
    (:class:`~cge.model.expressions.CompiledExpression`): the same value as Pyomo's
    ``value``, without its walk over the expression tree at every solve.
    """
    c = model.pyomo.rest_of_world.balance_of_payments
    lhs, rhs = _balance_sides(model, c.expr)
    left, right = lhs(), rhs()
    size = max(abs(left), abs(right), SCALE_FLOOR)
    return abs(left - right) / size


def _balance_sides(model, expr):
    """The two sides of the balance of payments, compiled (kept while the equation is the
    same object)."""
    from .model.expressions import CompiledExpression

    sides = getattr(model, "_balance_of_payments", None)
    if sides is None or sides[0] is not expr:
        lhs, rhs = expr.args
        sides = model._balance_of_payments = (expr, CompiledExpression(lhs),
                                              CompiledExpression(rhs))
    return sides[1:]


def acceptance_threshold(opts: dict) -> float:
    """The largest scaled residual (equations and Walras) accepted under IPOPT ``opts``."""
    return max(RESIDUAL_TOL, TOL_TO_RESIDUAL * float(opts["tol"]))


def solve_model(model, solver: str = "cyipopt", *, tol: float | None = None,
                max_iter: int | None = None, options: dict | None = None,
                raise_on_failure: bool = True, enforce_walras: bool = True,
                predictor: bool = True) -> SolveStats:
    """Solve ``model`` at its current shocks, from its current point.

    Parameters
    ----------
    solver : {"cyipopt", "persistent"}
        Pyomo's cyipopt interface, or the persistent PyNumero problem.
    tol : float, optional
        IPOPT tolerance (``tol`` and ``constr_viol_tol``) on the scaled problem; default
        that of :data:`IPOPT_OPTIONS`. The accepted residual follows it.
    max_iter : int, optional
        Iteration limit; default that of :data:`IPOPT_OPTIONS`.
    options : dict
        Extra IPOPT options (a ``tol`` there moves the acceptance threshold too).
    raise_on_failure : bool
        Raise :class:`SolveError` (naming the worst equations, or the balance of
        payments when Walras' law fails) on failure.
    enforce_walras : bool
        Count a balance of payments off by more than the threshold as a failure. With
        ``False`` only the solved equations decide; the residual is still measured
        (``walras_residual``) and :func:`cge.diagnostics.walras` judges it.
    predictor : bool
        With the persistent solver, take chord steps with the benchmark Jacobian's
        factorization first (:mod:`cge.chord`); IPOPT continues from their best point
        unless they already pass its convergence test. ``False``: IPOPT alone.
    """
    if solver not in ("cyipopt", "persistent"):
        raise SolveError(f"unknown solver {solver!r}; allowed: cyipopt, persistent")
    # the first persistent solve of a model evaluates every equation once, for its scaling
    # and for the test of its starting point (a benchmark stops there: no NLP is made)
    first = solver == "persistent" and model._persistent is None and \
        not hasattr(model.pyomo, "scaling_factor")
    sides = equation_sides(model) if first else None
    set_scaling(model, sides)
    _skip_windows_runtime_lookup()
    _skip_scipy_extras()
    opts = dict(IPOPT_OPTIONS)
    if tol is not None:
        opts.update(tol=tol, constr_viol_tol=tol)
    if max_iter is not None:
        opts["max_iter"] = max_iter
    opts.update(options or {})
    start = time.perf_counter()
    at_start = _solved_at_start(model, sides, opts) if first else None
    if at_start is not None:
        n_free, n_eq, residuals, names = at_start
        status_code, message, iterations, chord_steps = 0, SOLVED_AT_START, 0, 0
    elif solver == "persistent":
        if model._persistent is None:
            model._persistent = PersistentProblem(model)
        problem = model._persistent
        n_free, n_eq = _require_square(model, *problem.dimensions())
        status_code, message, iterations, residuals, names = problem.solve(opts, predictor)
        chord_steps = problem.chord_steps
    else:
        n_free, n_eq = square_check(model)
        chord_steps = 0
        status_code, message, iterations, residuals, names = _solve_factory(model, opts)
    seconds = time.perf_counter() - start
    # NaN or infinite residuals (an equation that cannot be evaluated) rank as the worst
    ranked = np.where(np.isfinite(residuals), residuals, np.inf)
    worst = [(names[i], float(residuals[i])) for i in _largest(ranked, WORST_SHOWN)]
    max_res = float(ranked.max()) if residuals.size else 0.0
    walras = walras_residual(model)
    threshold = acceptance_threshold(opts)
    converged = status_code == 0 and max_res <= threshold
    balanced = bool(walras <= threshold) or not enforce_walras   # NaN fails
    ok = converged and balanced
    stats = SolveStats("optimal" if ok else "failed", message, iterations, max_res, walras,
                       seconds, solver, n_free, n_eq, worst, chord_steps)
    log.info("%s solve: %s in %d chord steps and %d IPOPT iterations, max residual %.2e, "
             "Walras %.2e, %.3f s", solver, stats.status, chord_steps, iterations, max_res,
             walras, seconds)
    if not ok and raise_on_failure:
        if not converged:
            raise SolveError(
                f"IPOPT did not solve the model: {message} after {iterations} iterations "
                f"(largest scaled residual {max_res:.3g})",
                [Problem("residual", name, f"scaled residual {r:.3g}: {_doc(model, name)}",
                         "") for name, r in worst])
        raise SolveError(
            f"Walras' law fails: the balance of payments (the equation dropped for it) is off "
            f"by a scaled {walras:.3g} although every other equation holds",
            [Problem("walras", "rest_of_world.balance_of_payments",
                     f"scaled residual {walras:.3g} (accepted: {threshold:.1g})",
                     "some flow is paid by one account and received by none (or the other "
                     "way round): check that every tax, transfer and factor payment reaches "
                     "an institution; diagnostics.worst_residuals names the equations")])
    return stats


def _solved_at_start(model, sides: tuple[list, np.ndarray], opts: dict):
    """Whether the current point already passes IPOPT's convergence test, judged on the
    levels of the equations' sides (:func:`equation_sides`), without an NLP.

    Returns ``(free variables, equations, scaled residuals, equation names)`` when it does
    (IPOPT would stop at iteration 0 at this point, as :meth:`PersistentProblem.solve`
    finds at a later start), else ``None``: a free variable with a bound, which IPOPT
    pushes inside its bounds, or a residual off by more than the tolerances.
    """
    equations, levels = sides
    index = model.variable_index
    lb, ub = index.bounds()
    pinned = index.pinned((lb, ub))
    n_free, n_eq = _require_square(model, len(index) - int(pinned.sum()), len(equations))
    free = ~pinned
    if not _unbounded(lb[free], ub[free]):
        return None
    g = levels[:, 0] - levels[:, 1]
    scaled = np.abs(g) * _equation_factors(levels)
    if not converged(g, scaled, float(opts["tol"]), float(opts["constr_viol_tol"])):
        return None
    return n_free, n_eq, scaled, _EquationNames(equations)


def _unbounded(lb: np.ndarray, ub: np.ndarray) -> bool:
    """No bound at all among these (NaN: none, as :meth:`VariableIndex.bounds` reads it):
    IPOPT then takes a point as it is, with no push into the bounds."""
    return bool(np.isnan(lb).all() and np.isnan(ub).all())


def _largest(values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest ``values``, largest first, ties in order of position.

    The order of a full stable sort in linear time: only the entries at least as large
    as the ``k``-th largest are sorted (a short array is sorted whole, which is quicker).
    """
    if values.size <= SORTED_WHOLE:
        return np.argsort(-values, kind="stable")[:k]
    kth = np.partition(values, values.size - k)[values.size - k]
    candidates = np.flatnonzero(values >= kth)
    return candidates[np.argsort(-values[candidates], kind="stable")[:k]]


def _doc(model, name: str) -> str:
    """The economic meaning of an equation, from its ``doc``."""
    import pyomo.environ as pyo

    comp = model.pyomo.find_component(name)
    if comp is None:
        return ""
    parent = comp.parent_component() if hasattr(comp, "parent_component") else comp
    return parent.doc or "" if isinstance(parent, pyo.Constraint) else ""


def _skip_windows_runtime_lookup() -> None:
    """Tell Pyomo there are no Windows C runtimes to pass environment variables to.

    PyomoNLP sets ``AMPLFUNC`` through ``CtypesEnviron``, which looks for eleven
    Windows runtime DLLs with ``ctypes.util.find_library``; off Windows every
    lookup runs ``gcc``, ``ldconfig`` and ``ld`` in subprocesses, about 0.15 s at
    the first solve of every process, to find nothing. ``os.environ`` itself is
    still set, which is all the ASL library reads on POSIX.
    """
    import os

    if os.name == "nt":
        return
    from pyomo.common.env import CtypesEnviron

    for dll in CtypesEnviron.DLLs:
        if getattr(dll, "_loaded", False) is None:   # not looked up yet
            dll._loaded = False


def _skip_scipy_extras() -> None:
    """Let scipy load without the subpackages Pyomo adds to it.

    Pyomo registers a hook that, whenever scipy is first imported (PyNumero needs
    ``scipy.sparse``), also imports ``scipy.stats``, ``integrate`` and ``spatial``:
    about 25 MiB and a few tenths of a second in every process, for nothing a solve
    uses. Without the hook scipy still loads any subpackage on first use.
    """
    import sys

    if "scipy" in sys.modules:
        return
    from pyomo.common.dependencies import DeferredImportCallbackFinder

    for indicator in DeferredImportCallbackFinder._callbacks.get("scipy", ()):
        indicator._callback = None


def _message(msg) -> str:
    return msg.decode() if isinstance(msg, bytes) else str(msg)


def _solve_factory(model, opts: dict):
    """Solve with ``SolverFactory('cyipopt')``; return status, residuals and their names."""
    import pyomo.environ as pyo

    counter = {"iter": 0}

    def callback(nlp, alg_mod, iter_count, *args):
        counter["iter"] = iter_count
        return True

    solver = pyo.SolverFactory("cyipopt")
    results, nlp = solver.solve(model.pyomo, options=opts, intermediate_callback=callback,
                                return_nlp=True)
    residuals = _scaled_residuals(nlp)
    names = [c.getname(fully_qualified=True) for c in nlp.get_pyomo_constraints()]
    return (int(results.solver.return_code), _message(results.solver.message),
            counter["iter"], residuals, names)


def _scaled_residuals(nlp) -> np.ndarray:
    g = nlp.evaluate_constraints()
    r = np.abs(g - nlp.constraints_lb())
    scaling = nlp.get_constraints_scaling()
    return r * scaling if scaling is not None else r


def _evaluation_error(exc) -> Exception:
    """A failed function evaluation (e.g. a negative base of a power) as the signal IPOPT
    handles by cutting the step, as Pyomo's own cyipopt interface does."""
    import cyipopt

    return cyipopt.CyIpoptEvaluationError(str(exc))


#: IPOPT's message for success, also given when the starting point already solves the system.
SOLVED_AT_START = ("Algorithm terminated successfully at a locally optimal point, satisfying "
                   "the convergence tolerances (can be specified by options).")
#: The message of a solve the chord predictor finished (:mod:`cge.chord`): IPOPT's test passed.
SOLVED_BY_CHORD = ("Solved by chord steps with the benchmark Jacobian: the point satisfies "
                   "IPOPT's convergence tolerances, so IPOPT took no iteration.")
#: The Hessian of the Lagrangian IPOPT gets from the persistent problem: none (see below).
_EMPTY_STRUCTURE = (np.zeros(0, dtype=int), np.zeros(0, dtype=int))
_EMPTY_VALUES = np.zeros(0)


class _EquationNames(Sequence):
    """The names of the NLP's equations, each made when first read (only the worst
    residuals of a solve are named)."""

    def __init__(self, equations: list):
        self._equations = equations

    def __len__(self) -> int:
        return len(self._equations)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [c.getname(fully_qualified=True) for c in self._equations[i]]
        return self._equations[i].getname(fully_qualified=True)


class PersistentProblem:
    """One PyNumero NLP kept across solves of a model, driven by ``cyipopt`` directly.

    IPOPT sees only the free variables: pinned ones (shocked parameters, the closure's
    exogenous variables) are held in the NLP's primal vector, so a shock changes a
    number in that vector and nothing else. The ``cyipopt.Problem`` is made once and
    reused while the set of free variables, their bounds and the options stay the
    same; the Pyomo model is never written again, not even for a new closure (which
    only moves bounds). Values and bounds are read through
    the model's :class:`~cge.model.variables.VariableIndex` as arrays. Elasticity-dependent
    shares and scales are pinned variables too, so new elasticities keep the NLP.

    The Hessian of the Lagrangian :math:`\\sigma \\nabla^2 f + \\sum_i \\lambda_i
    \\nabla^2 g_i` is exactly zero here: the objective is zero, and the system is
    square with a nonsingular Jacobian :math:`J`, so dual feasibility :math:`J^T
    \\lambda = 0` keeps every multiplier at zero from IPOPT's start
    :math:`\\lambda = 0` (the Newton step is :math:`\\Delta x = -J^{-1} g` whatever
    the Hessian). IPOPT therefore gets an empty Hessian: the same iterates, no
    Hessian evaluations, and a KKT matrix without the Hessian's structural
    nonzeros, whose fill-in was about 40% of a re-solve at 300 sectors. (In IPOPT's
    restoration phase this makes the step Gauss-Newton.)
    """

    def __init__(self, model):
        import pyomo.environ as pyo

        from .nlfile import model_nlp

        self.model = model
        self.nlp = nlp = model_nlp(model)
        self.index = model.variable_index
        variables, equations = nlp.get_pyomo_variables(), nlp.get_pyomo_constraints()
        #: position in the model's variable order of each NLP primal
        self.where = self.index.positions(variables)
        self.names = _EquationNames(equations)
        self._equations = [id(c) for c in model.pyomo.component_data_objects(
            pyo.Constraint, active=True)]
        self._cl, self._cu = nlp.constraints_lb(), nlp.constraints_ub()
        # the Jacobian's structure, taken at the chord reference (the benchmark, or a solved
        # point): the first Jacobian an ASL problem evaluates must be evaluable, since an
        # error there ends the process instead of raising (the first counterfactual of a
        # model makes the problem at its shocked start, where it may not be)
        start = nlp.get_primals().copy()
        nlp.set_primals(self._reference())
        self._jac = nlp.evaluate_jacobian()
        nlp.set_primals(start)
        # the factors set_scaling put on the model, read directly (what PyomoNLP's
        # get_primals_scaling and get_constraints_scaling give, without a suffix search
        # per variable; 1 where there is none)
        factors = getattr(model.pyomo, "scaling_factor", {})
        self._x_scaling = np.array([factors.get(v, 1.0) for v in variables], dtype=float)
        self._g_scaling = np.array([factors.get(c, 1.0) for c in equations], dtype=float)
        self._x = nlp.get_primals().copy()      # every primal, pinned ones included
        self.chord = ChordPredictor(nlp, self._x_scaling, self._g_scaling)
        #: chord steps of the last solve (see :mod:`cge.chord`)
        self.chord_steps = 0
        self._problem = None
        self._key = None
        self._state = None
        self._valid = True
        self.iterations = 0

    def invalidate(self) -> None:
        """Rebuild the NLP before the next solve (parameters or equations changed)."""
        self._valid = False

    def check_equations(self) -> None:
        """Invalidate unless the active equations are still those of the NLP."""
        import pyomo.environ as pyo

        active = self.model.pyomo.component_data_objects(pyo.Constraint, active=True)
        if [id(c) for c in active] != self._equations:
            self.invalidate()

    def dimensions(self) -> tuple[int, int]:
        """Free variables of the model and equations of the NLP.

        Reads the levels and bounds of the model for the next :meth:`solve`.
        """
        if not self._valid:
            self.__init__(self.model)
        index = self.index
        lb, ub = index.bounds()
        pinned = index.pinned((lb, ub))
        self._state = (index.values(), lb, ub, pinned)
        return len(index) - int(pinned.sum()), self.nlp.n_constraints()

    # -- the callbacks cyipopt calls ------------------------------------------------
    def _set_free(self, x) -> None:
        self._x[self._free] = x
        self.nlp.set_primals(self._x)

    def objective(self, x):
        return 0.0

    def gradient(self, x):
        return self._zero_gradient   # cyipopt copies it

    def constraints(self, x):
        self._set_free(x)
        try:
            return self.nlp.evaluate_constraints()
        except self._evaluation_errors as exc:
            raise _evaluation_error(exc) from None

    def jacobianstructure(self):
        return self._jac_structure

    def jacobian(self, x):
        self._set_free(x)
        try:
            return self.nlp.evaluate_jacobian(out=self._jac).data[self._jac_keep]
        except self._evaluation_errors as exc:
            raise _evaluation_error(exc) from None

    def hessianstructure(self):
        return _EMPTY_STRUCTURE

    def hessian(self, x, lagrange, obj_factor):
        return _EMPTY_VALUES

    def intermediate(self, alg_mod, iter_count, *args):
        self.iterations = iter_count
        return True

    # -- solving --------------------------------------------------------------------
    def _write_back(self, free_at: np.ndarray, x_free: np.ndarray) -> None:
        """The free variables' levels into the Pyomo model."""
        self.index.assign(self.where[free_at], x_free)

    def _prepare(self, free: np.ndarray, lb: np.ndarray, ub: np.ndarray, opts: dict):
        """The ``cyipopt.Problem`` over the free variables (reused when nothing changed)."""
        import cyipopt
        from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

        #: what the callbacks turn into a step cut (:func:`_evaluation_error`)
        self._evaluation_errors = PyNumeroEvaluationError
        key = (free.tobytes(), lb.tobytes(), ub.tobytes(), tuple(sorted(opts.items())))
        if key == self._key:
            return self._problem
        free_at = np.flatnonzero(free)
        column = np.full(free.size, -1)
        column[free_at] = np.arange(free_at.size)
        jac = self._jac
        jac_keep = free[jac.col]
        self._jac_structure = (jac.row[jac_keep], column[jac.col[jac_keep]])
        problem = cyipopt.Problem(n=free_at.size, m=self._cl.size, problem_obj=self,
                                  lb=lb, ub=ub, cl=self._cl, cu=self._cu)
        problem.set_problem_scaling(1.0, self._x_scaling[free_at], self._g_scaling)
        for k, v in opts.items():
            problem.add_option(k, v)
        if self._problem is not None:
            self._problem.close()
        self._problem, self._key = problem, key
        self._free, self._jac_keep = free_at, jac_keep
        self._zero_gradient = np.zeros(free_at.size)
        return problem

    def _start_residuals(self) -> np.ndarray | None:
        """``g(x) - cl`` at the starting point, or ``None`` where it cannot be evaluated.

        When they pass IPOPT's convergence test (:func:`cge.chord.converged`), IPOPT would
        stop there at iteration 0 with this point (a benchmark, a repeated solve): the
        multipliers are zero, and no free variable has a bound to push the point away
        from. Asking IPOPT costs a symbolic analysis and a factorization.
        """
        from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

        self.nlp.set_primals(self._x)
        try:
            return self.nlp.evaluate_constraints() - self._cl
        except PyNumeroEvaluationError:   # not evaluable here: IPOPT decides
            return None

    def _reference(self) -> np.ndarray:
        """Every NLP primal at the model's chord reference: ``model.chord_reference``, or
        else the benchmark (recalibrations included)."""
        reference = getattr(self.model, "chord_reference", None)
        if reference is None:
            snapshot = self.model._benchmark
            reference = np.concatenate([snapshot[p] for p in self.index.layout.paths])
        return reference[self.where]

    def _predict(self, free: np.ndarray, opts: dict, g: np.ndarray):
        """Chord steps from the current point, where the residuals are ``g`` (see
        :mod:`cge.chord`); the result, or ``None`` when the predictor cannot be used (its
        factorization is singular)."""
        lu = self.chord.factor(self._reference(), free)
        if lu is None:
            return None
        return self.chord.run(lu, self._x, free, float(opts["tol"]),
                              float(opts["constr_viol_tol"]), g)

    def solve(self, opts: dict, predictor: bool = True):
        """Solve from the model's current levels and pins (read by :meth:`dimensions`).

        With ``predictor`` (no bound on a free variable, ``max_iter`` above 0), chord steps
        with the Jacobian at the model's chord reference come first; IPOPT takes over from
        their best point unless they already pass its convergence test.
        """
        if self._state is None:
            self.dimensions()
        where = self.where
        values, lb, ub, pinned = (a[where] for a in self._state)
        self._state = None
        free = ~pinned
        x = self._x
        x[:] = values
        x[pinned] = lb[pinned]
        self.chord_steps = 0
        g = self._start_residuals() if _unbounded(lb[free], ub[free]) else None
        if g is not None:
            scaled = np.abs(g) * self._g_scaling
            if converged(g, scaled, float(opts["tol"]), float(opts["constr_viol_tol"])):
                self.iterations = 0
                return 0, SOLVED_AT_START, 0, scaled, self.names
        # max_iter 0 asks for the residuals at this point: no step of any kind
        if predictor and int(opts["max_iter"]) > 0 and g is not None:
            chord = self._predict(free, opts, g)
            if chord is not None:
                self.chord_steps = chord.steps
                if chord.converged:
                    self.iterations = 0
                    self._write_back(np.flatnonzero(free), chord.x)
                    return 0, SOLVED_BY_CHORD, 0, chord.residuals, self.names
        f_lb = np.where(np.isnan(lb[free]), -np.inf, lb[free])
        f_ub = np.where(np.isnan(ub[free]), np.inf, ub[free])
        problem = self._prepare(free, f_lb, f_ub, opts)
        self.iterations = 0
        x_free, info = problem.solve(x[self._free])
        x[self._free] = x_free
        self._write_back(self._free, x_free)
        residuals = np.abs(info["g"] - self._cl) * self._g_scaling
        return int(info["status"]), _message(info["status_msg"]), self.iterations, residuals, \
            self.names
