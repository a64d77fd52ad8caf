"""``python -m cge``: the same as the ``cge`` command."""

import sys

from .cli import console

sys.exit(console())
