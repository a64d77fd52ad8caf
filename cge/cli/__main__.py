"""``python -m cge.cli``: the same as the ``cge`` command."""

import sys

from . import console

sys.exit(console())
