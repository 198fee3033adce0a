"""``python -m iolog``: the same as the ``iolog`` command."""

import sys

from .cli import main

sys.exit(main())
