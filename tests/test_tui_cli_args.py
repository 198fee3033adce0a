"""``iolog-tui``'s arguments: help for each, help that keeps words whole, ``--version``."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import iolog
from iolog_tui.cli import build_parser


def _run(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iolog_tui", *args], capture_output=True, text=True, timeout=60,
        env={**os.environ, "COLUMNS": str(columns)},
    )


def test_every_argument_has_help() -> None:
    for action in build_parser()._actions:
        assert action.help, f"iolog-tui {action.option_strings or action.dest} has no help"


@pytest.mark.parametrize("columns", [40, 61, 70, 80, 100, 120])
def test_help_never_cuts_a_word_or_the_program_name(columns: int) -> None:
    shown = _run("--help", columns=columns)
    assert shown.returncode == 0 and shown.stdout.startswith("usage: iolog-tui ")
    for line in shown.stdout.splitlines():
        assert not line.rstrip().endswith("-") or line.strip().startswith("-"), line
        assert not line.lstrip().startswith("tui"), line
    assert "iolog-tui --demo" in shown.stdout


def test_version() -> None:
    shown = _run("--version")
    assert shown.returncode == 0 and shown.stdout == f"iolog-tui {iolog.__version__}\n"
