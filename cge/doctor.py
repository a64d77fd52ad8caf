"""Checks of the installation: the solver stack (versions, PyNumero's ASL library, a tiny
solve), every module of the package, and the bundled examples."""

from __future__ import annotations

import importlib
import pkgutil
import platform
from dataclasses import dataclass, field
from pathlib import Path

ASL_FIX = (
    "build PyNumero's ASL interface: apt-get install -y libamplsolver-dev cmake g++ && "
    "python -m pyomo.contrib.pynumero.build -DBUILD_AMPLASL_IF_NEEDED=OFF "
    "-DASL_INCLUDE_DIR=/usr/include/ampl-netlib-solvers "
    "-DASL_LIBRARY=$(dpkg -L libamplsolver-dev | grep 'libamplsolver.so$') "
    "(or simply run `make setup`)"
)
REINSTALL_FIX = ("the installed package is incomplete: reinstall it from the source repository "
                 "(pip install . there, or pip install --force-reinstall a wheel built from it)")
#: Folders inside the package that hold data, not modules.
_DATA_FOLDERS = {"__pycache__", "sam_data"}


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


def check_modules(r: StackReport, package: str = "cge") -> StackReport:
    """Every module of ``package`` imports, and every folder of modules is a package.

    Modules are found with :func:`pkgutil.walk_packages`, so a subpackage added later is
    checked too; a module that cannot be imported (say, because its subpackage was left
    out of the install) is named with the error. A folder of modules without
    ``__init__.py`` is named as well: a wheel leaves such a folder out.
    """
    root = importlib.import_module(package)
    for folder in map(Path, root.__path__):
        for init_less in _folders_without_init(folder):
            where = ".".join((package, *init_less.relative_to(folder).parts))
            r.fail(f"package {where}", f"{init_less} has modules but no __init__.py",
                   f"add {init_less / '__init__.py'} (a wheel leaves the folder out)")
    names = [m.name for m in pkgutil.walk_packages(root.__path__, f"{package}.",
                                                   onerror=lambda name: None)
             if m.name.rsplit(".", 1)[-1] != "__main__"]   # __main__ runs the program
    failed = 0
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a missing module, or any error at import
            failed += 1
            r.fail(f"module {name}", f"cannot be imported: {type(exc).__name__}: {exc}",
                   REINSTALL_FIX)
    if not failed:
        r.add(f"{package} modules", f"{len(names)} imported")
    return r


def _folders_without_init(folder: Path) -> list[Path]:
    """Folders under ``folder`` with ``.py`` files but no ``__init__.py``."""
    return sorted(d for d in folder.rglob("*") if d.is_dir()
                  and not _DATA_FOLDERS.intersection(d.relative_to(folder).parts)
                  and any(d.glob("*.py")) and not (d / "__init__.py").exists())


def check_examples(r: StackReport) -> StackReport:
    """The bundled SAMs and scenario files are there (``cge examples`` copies them)."""
    from .examples import example_files, examples_folder

    folder = examples_folder()
    files = example_files(folder)
    scenarios = sum(1 for f in files if f.parts[0] == "scenarios" and f.suffix == ".yaml")
    sams = sum(1 for f in files if f.suffix == ".xlsx")
    if scenarios and sams:
        r.add("bundled examples", f"{sams} SAMs, {scenarios} scenario files in {folder}")
    else:
        r.fail("bundled examples", f"not found in {folder}", REINSTALL_FIX)
    return r
