"""``python -m iolog_tui``: the same as the ``iolog-tui`` command."""

from __future__ import annotations

from .app import main

raise SystemExit(main())
