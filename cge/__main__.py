"""``python -m cge``: the same as the ``cge`` command."""

import sys

from .cli import main

sys.exit(main())
