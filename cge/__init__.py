"""cge: computable general equilibrium and input-output models calibrated to SAMs.

The public facade. Heavy dependencies (Pyomo, cyipopt, openpyxl) load only when a
function that needs them is called.
"""

from __future__ import annotations

from .errors import CGEError, ConfigError, Problem, SAMError, SolveError
from .sam import ROLES, SAM

__version__ = "0.1.0"

__all__ = ["SAM", "ROLES", "Problem", "CGEError", "SAMError", "ConfigError", "SolveError",
           "__version__"]
