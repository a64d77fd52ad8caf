"""The SAM layer: data object, reading and writing, validation, balancing, aggregation."""

from .core import SAM
from .io import check_sam, read_sam, write_sam
from .roles import ROLES
from .validation import CheckReport

__all__ = ["SAM", "ROLES", "read_sam", "write_sam", "check_sam", "CheckReport"]
