"""The ``iolog-tui`` command's entry point, and the application's public name.

:func:`main` runs :func:`iolog_tui.cli.run`; :class:`IologApp` is defined in
:mod:`iolog_tui.viewer` (so that the command line, which builds the app, and
this entry point, which runs the command line, import each other in one
direction only).
"""

from __future__ import annotations

from .viewer import IologApp

__all__ = ["IologApp", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run ``iolog-tui`` (see ``iolog-tui --help``); returns the exit status."""
    from .cli import run

    return run(argv)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
