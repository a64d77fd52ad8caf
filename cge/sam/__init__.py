"""The SAM layer: data object, reading and writing, validation, balancing, aggregation."""

from .core import SAM
from .roles import ROLES

__all__ = ["SAM", "ROLES"]
