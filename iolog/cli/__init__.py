"""The ``iolog`` command line (``iolog cat | stat | write | record``)."""

from __future__ import annotations

from .main import main

__all__ = ["main"]
