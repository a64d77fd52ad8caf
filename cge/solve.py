"""Solving the square CGE system with IPOPT through cyipopt.

Two paths give the same answer:

* ``solver="cyipopt"``: Pyomo's ``SolverFactory('cyipopt')``, which writes the
  problem anew on every call;
* ``solver="persistent"``: one PyNumero ``PyomoNLP`` and ``cyipopt`` problem per
  model, kept between solves. Shocks move the bounds of pinned variables, so the
  problem is never rewritten (several times faster for repeated counterfactuals).

Before solving, the model must be square (free variables = active equations;
Walras' law already removed one equation). Afterwards the largest scaled
residual must be below the tolerance and IPOPT must report plain success:
"solved to acceptable level" is a failure.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

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
    "max_iter": 200,
    "print_level": 0,
    "sb": "yes",
}
#: Largest scaled residual accepted after a solve.
RESIDUAL_TOL = 1e-8
#: Floor of the benchmark magnitude used to scale a variable or an equation.
SCALE_FLOOR = 1e-3


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

    @property
    def ok(self) -> bool:
        return self.status == "optimal"


def square_check(model) -> tuple[int, int]:
    """Free variables and active equations; raise :class:`SolveError` if they differ."""
    c = model.counts()
    n_free, n_eq = c["free_variables"], c["equations"]
    if n_free != n_eq:
        raise SolveError(
            f"the model is not square: {n_free} free variables but {n_eq} active equations",
            [Problem("not_square", "closure",
                     f"{n_free - n_eq:+d} degrees of freedom under closure ({model.closure})",
                     "each closure choice must pin exactly one variable per balance; with a "
                     "fixed numeraire Walras' law already dropped the balance of payments")])
    return n_free, n_eq


def set_scaling(model) -> None:
    """Scale variables and equations by their benchmark magnitudes (IPOPT user-scaling).

    A variable with benchmark value :math:`x_0` gets :math:`1/\\max(|x_0|, 10^{-3})`;
    an equation :math:`l = r` gets :math:`1/\\max(|l_0|, |r_0|, 10^{-3})`. With the SAM
    already divided by a power of ten near its median cell, a tolerance means the
    same relative accuracy for every flow and at any SAM unit.
    """
    import pyomo.environ as pyo

    m = model.pyomo
    if hasattr(m, "scaling_factor"):
        return
    m.scaling_factor = pyo.Suffix(direction=pyo.Suffix.EXPORT)
    sf = m.scaling_factor
    for v in m.component_data_objects(pyo.Var):
        sf[v] = 1.0 / max(abs(v.value or 0.0), SCALE_FLOOR)
    for c in m.component_data_objects(pyo.Constraint, active=True):
        lhs, rhs = c.expr.args
        sf[c] = 1.0 / max(abs(pyo.value(lhs)), abs(pyo.value(rhs)), SCALE_FLOOR)


def walras_residual(model) -> float:
    """Scaled residual of the balance of payments, the equation Walras' law dropped."""
    import pyomo.environ as pyo

    c = model.pyomo.rest_of_world.balance_of_payments
    lhs, rhs = c.expr.args
    size = max(abs(pyo.value(lhs)), abs(pyo.value(rhs)), SCALE_FLOOR)
    return abs(pyo.value(lhs) - pyo.value(rhs)) / size


def solve_model(model, solver: str = "cyipopt", *, tol: float = 1e-10,
                max_iter: int = 200, options: dict | None = None,
                raise_on_failure: bool = True) -> SolveStats:
    """Solve ``model`` at its current shocks, from its current point.

    Parameters
    ----------
    solver : {"cyipopt", "persistent"}
        Pyomo's cyipopt interface, or the persistent PyNumero problem.
    tol : float
        IPOPT tolerance on the scaled problem.
    options : dict
        Extra IPOPT options.
    raise_on_failure : bool
        Raise :class:`SolveError` (naming the worst equations) on failure.
    """
    if solver not in ("cyipopt", "persistent"):
        raise SolveError(f"unknown solver {solver!r}; allowed: cyipopt, persistent")
    n_free, n_eq = square_check(model)
    set_scaling(model)
    opts = {**IPOPT_OPTIONS, "tol": tol, "constr_viol_tol": tol, "max_iter": max_iter,
            **(options or {})}
    start = time.perf_counter()
    if solver == "persistent":
        if model._persistent is None:
            model._persistent = PersistentProblem(model)
        status_code, message, iterations, residuals, names = model._persistent.solve(opts)
    else:
        status_code, message, iterations, residuals, names = _solve_factory(model, opts)
    seconds = time.perf_counter() - start
    order = np.argsort(-residuals)[:5] if residuals.size else []
    worst = [(names[i], float(residuals[i])) for i in order]
    max_res = float(residuals.max()) if residuals.size else 0.0
    walras = walras_residual(model)
    ok = status_code == 0 and max_res <= max(RESIDUAL_TOL, 100 * tol)
    stats = SolveStats("optimal" if ok else "failed", message, iterations, max_res, walras,
                       seconds, solver, n_free, n_eq, worst)
    log.info("%s solve: %s in %d iterations, max residual %.2e, Walras %.2e, %.3f s",
             solver, stats.status, iterations, max_res, walras, seconds)
    if not ok and raise_on_failure:
        raise SolveError(
            f"IPOPT did not solve the model: {message} after {iterations} iterations "
            f"(largest scaled residual {max_res:.3g})",
            [Problem("residual", name, f"scaled residual {r:.3g}: {_doc(model, name)}",
                     "") for name, r in worst])
    return stats


def _doc(model, name: str) -> str:
    """The economic meaning of an equation, from its ``doc``."""
    import pyomo.environ as pyo

    comp = model.pyomo.find_component(name)
    if comp is None:
        return ""
    parent = comp.parent_component() if hasattr(comp, "parent_component") else comp
    return parent.doc or "" if isinstance(parent, pyo.Constraint) else ""


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


@contextmanager
def _evaluation_errors():
    """Turn a failed function evaluation (e.g. a negative base of a power) into a signal
    IPOPT handles by cutting the step, as Pyomo's own cyipopt interface does."""
    import cyipopt
    from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

    try:
        yield
    except PyNumeroEvaluationError as exc:
        raise cyipopt.CyIpoptEvaluationError(str(exc)) from None


class PersistentProblem:
    """One PyNumero NLP kept across solves of a model, driven by ``cyipopt`` directly.

    Shocks and closures only move the bounds of pinned variables; each solve reads
    them (and the starting point) from the Pyomo variables and hands them to a new
    ``cyipopt.Problem`` over the same compiled NLP, so the model is never written
    again. Changing elasticities (mutable parameters) invalidates it.
    """

    def __init__(self, model):
        from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP

        self.model = model
        self.nlp = PyomoNLP(model.pyomo)
        self.variables = self.nlp.get_pyomo_variables()
        self.names = [c.getname(fully_qualified=True) for c in self.nlp.get_pyomo_constraints()]
        jac = self.nlp.evaluate_jacobian()
        self._jac_structure = (jac.row, jac.col)
        hess = self.nlp.evaluate_hessian_lag()
        self._lower = hess.row >= hess.col
        self._hess_structure = (hess.row[self._lower], hess.col[self._lower])
        self._x_scaling = self.nlp.get_primals_scaling()
        self._g_scaling = self.nlp.get_constraints_scaling()
        self._valid = True
        self.iterations = 0

    def invalidate(self) -> None:
        self._valid = False

    # -- the callbacks cyipopt calls ------------------------------------------------
    def objective(self, x):
        return 0.0

    def gradient(self, x):
        return np.zeros_like(x)

    def constraints(self, x):
        self.nlp.set_primals(x)
        with _evaluation_errors():
            return self.nlp.evaluate_constraints()

    def jacobianstructure(self):
        return self._jac_structure

    def jacobian(self, x):
        self.nlp.set_primals(x)
        with _evaluation_errors():
            return self.nlp.evaluate_jacobian().data

    def hessianstructure(self):
        return self._hess_structure

    def hessian(self, x, lagrange, obj_factor):
        self.nlp.set_primals(x)
        self.nlp.set_duals(lagrange)
        self.nlp.set_obj_factor(obj_factor)
        with _evaluation_errors():
            return self.nlp.evaluate_hessian_lag().data[self._lower]

    def intermediate(self, alg_mod, iter_count, *args):
        self.iterations = iter_count
        return True

    # -- solving --------------------------------------------------------------------
    def solve(self, opts: dict):
        import cyipopt

        if not self._valid:
            self.__init__(self.model)
        variables = self.variables
        lb = np.array([-np.inf if v.lb is None else v.lb for v in variables], dtype=float)
        ub = np.array([np.inf if v.ub is None else v.ub for v in variables], dtype=float)
        x0 = np.array([v.value for v in variables], dtype=float)
        g_bounds = self.nlp.constraints_lb()
        problem = cyipopt.Problem(n=len(x0), m=len(g_bounds), problem_obj=self, lb=lb, ub=ub,
                                  cl=g_bounds, cu=self.nlp.constraints_ub())
        if self._x_scaling is not None or self._g_scaling is not None:
            problem.set_problem_scaling(
                1.0, np.ones(len(x0)) if self._x_scaling is None else self._x_scaling,
                np.ones(len(g_bounds)) if self._g_scaling is None else self._g_scaling)
        for k, v in opts.items():
            problem.add_option(k, v)
        self.iterations = 0
        x, info = problem.solve(x0)
        for v, val in zip(variables, x.tolist(), strict=False):
            v.set_value(val, skip_validation=True)
        self.nlp.set_primals(x)
        residuals = _scaled_residuals(self.nlp)
        return int(info["status"]), _message(info["status_msg"]), self.iterations, residuals, \
            self.names
