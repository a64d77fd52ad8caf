"""The SAM layer: data object, reading and writing, validation, balancing, aggregation.

Names load on first use (PEP 562), so ``import cge`` and the light commands
(``cge --help``, ``cge doctor``) do not pay for pandas.
"""

from __future__ import annotations

from .._lazy import lazy_attributes
from .roles import ROLES

#: Public names of the SAM layer: name -> module (imported on first use).
_LAZY: dict[str, str] = {
    "SAM": "cge.sam.core",
    "read_sam": "cge.sam.io",
    "write_sam": "cge.sam.io",
    "check_sam": "cge.sam.io",
    "CheckReport": "cge.sam.validation",
}

__all__ = ["SAM", "ROLES", "read_sam", "write_sam", "check_sam", "CheckReport"]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())
