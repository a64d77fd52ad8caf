"""cge: computable general equilibrium and input-output models calibrated to SAMs.

The public facade::

    import cge
    sam = cge.read_sam("sam_data/stdcge.xlsx")
    model = cge.CGEModel(sam, spec="stdcge")
    base = model.solve()
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    cf = model.solve()
    cge.compare(base, cf)

Heavy dependencies (Pyomo, cyipopt, openpyxl, matplotlib) load only when a name
that needs them is first used, so ``import cge`` stays light.
"""

from __future__ import annotations

from ._lazy import lazy_attributes
from .errors import CGEError, ConfigError, Problem, SAMError, SolveError
from .sam.roles import ROLES

__version__ = "0.1.0"

#: Public names that live in heavier modules: name -> module (imported on first use).
_LAZY: dict[str, str] = {
    "SAM": "cge.sam.core",
    "read_sam": "cge.sam.io",
    "write_sam": "cge.sam.io",
    "check_sam": "cge.sam.io",
    "balance": "cge.sam.balance",
    "aggregate": "cge.sam.aggregate",
    "read_mapping": "cge.sam.aggregate",
    "synthetic_sam": "cge.sam.synthetic",
    "analyse": "cge.io_analysis",
    "calibrate": "cge.calibration",
    "CGEModel": "cge.model.build",
    "build_model": "cge.model.build",
    "Closure": "cge.model.closures",
    "Scenario": "cge.scenario",
    "run_scenario": "cge.runs",
    "compare": "cge.results",
    "equivalent_variation": "cge.results",
    "run_checks": "cge.diagnostics",
    "DynamicModel": "cge.dynamics.engine",
    "Dynamics": "cge.dynamics.spec",
}

__all__ = ["ROLES", "Problem", "CGEError", "SAMError", "ConfigError", "SolveError",
           "__version__", *_LAZY]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())
