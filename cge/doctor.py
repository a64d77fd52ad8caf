"""Checks of the solver stack: versions, PyNumero's ASL library, a tiny solve."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field

ASL_FIX = (
    "build PyNumero's ASL interface: apt-get install -y libamplsolver-dev cmake g++ && "
    "python -m pyomo.contrib.pynumero.build -DBUILD_AMPLASL_IF_NEEDED=OFF "
    "-DASL_INCLUDE_DIR=/usr/include/ampl-netlib-solvers "
    "-DASL_LIBRARY=$(dpkg -L libamplsolver-dev | grep 'libamplsolver.so$') "
    "(or simply run `make setup`)"
)


@dataclass
class StackReport:
    items: list[tuple[str, str]] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    ok: bool = True

    def add(self, key: str, value: str) -> None:
        self.items.append((key, value))

    def fail(self, key: str, value: str, fix: str) -> None:
        self.add(key, value)
        self.fixes.append(fix)
        self.ok = False


def check_stack(solve: bool = True) -> StackReport:
    """Versions of Python, Pyomo and Ipopt, the linear solver, and the ASL library."""
    r = StackReport()
    r.add("python", platform.python_version())
    try:
        import pyomo.version
        r.add("pyomo", pyomo.version.version)
    except ImportError:
        r.fail("pyomo", "not installed", "pip install -e . (or `make setup`)")
        return r
    try:
        import cyipopt
        r.add("cyipopt", getattr(cyipopt, "__version__", "?"))
        r.add("ipopt", ".".join(map(str, cyipopt.IPOPT_VERSION)))
    except ImportError:
        r.fail("cyipopt", "not installed", "pip install cyipopt-wheels (or `make setup`)")
        return r
    try:
        from pyomo.contrib.pynumero.asl import AmplInterface
        available = AmplInterface.available()
    except Exception as exc:  # missing `packaging`, broken build, ...
        available = False
        r.add("pynumero import", f"failed: {exc}")
    if available:
        r.add("pynumero ASL library", "available")
    else:
        r.fail("pynumero ASL library", "NOT available", ASL_FIX)
        return r
    if solve:
        _tiny_solve(r)
    return r


def _tiny_solve(r: StackReport) -> None:
    """Solve x**2 = 2 with cyipopt through Pyomo and report the linear solver."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=1.0, bounds=(0, None))
    m.eq = pyo.Constraint(expr=m.x**2 == 2.0)
    m.obj = pyo.Objective(expr=0.0)
    solver = pyo.SolverFactory("cyipopt")
    solver.config.options["print_level"] = 0
    solver.config.options["linear_solver"] = "mumps"
    try:
        res = solver.solve(m, tee=False)
        status = str(res.solver.termination_condition)
        ok = abs(pyo.value(m.x) - 2**0.5) < 1e-8
    except Exception as exc:
        r.fail("test solve", f"failed: {exc}", ASL_FIX)
        return
    r.add("linear solver", "mumps")
    if ok:
        r.add("test solve", f"{status} (x = {pyo.value(m.x):.12f})")
    else:
        r.fail("test solve", f"{status}, x = {pyo.value(m.x)}", "reinstall with `make setup`")
