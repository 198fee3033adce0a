"""iolog-tui: a terminal viewer for VMware VIC container-VM logs (iolog).

Opens a log file, stdin or a serial device and shows its stdout and stderr
lines in colour, merged or split, from any point in time, following new
entries as they are written. Built on Textual and on :mod:`iolog`'s public
API only. Run ``iolog-tui --demo`` to see it work.
"""

from __future__ import annotations

__all__ = ["IologApp", "main"]


def __getattr__(name: str) -> object:
    # Importing the app pulls in Textual; keep ``import iolog_tui`` light.
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(name)
