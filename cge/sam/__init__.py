"""The SAM layer: data object, reading and writing, validation, balancing, aggregation.

Names load on first use (PEP 562), so ``import cge`` and the light commands
(``cge --help``, ``cge doctor``) do not pay for pandas.
"""

from __future__ import annotations

import importlib
from typing import Any

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cge.sam' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
