"""The scan's messages: what the scan worker tells the log panes, and they the screen.

Each is a small dataclass with a one-line docstring. The scan worker runs in
a thread and never touches widgets or reactives: it posts these to the
:class:`~iolog_tui.panes.LogPanes`, which apply them on the UI thread; then
they go on up to the :class:`~iolog_tui.logscreen.LogScreen`, which hands
the new state down to the other widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from iolog import SourceStatus

from .model.rows import RowBatch

__all__ = ["IndexProgress", "RowsFound", "ScanFailed", "ScanFinished", "SourceChanged"]


@dataclass
class RowsFound(Message):
    """A scanner found new rows (and reports how far into the file it is)."""

    batch: RowBatch
    total_bytes: int


@dataclass
class ScanFinished(Message):
    """A scan reached the end of the file and is not following it."""

    generation: int


@dataclass
class IndexProgress(Message):
    """The time index is being built: ``done_bytes`` of ``total_bytes``."""

    generation: int
    done_bytes: int
    total_bytes: int

    def can_replace(self, message: Message) -> bool:
        """A newer progress report makes an older one pointless."""
        return isinstance(message, IndexProgress)


@dataclass
class SourceChanged(Message):
    """A followed source changed state (truncated, replaced, disconnected...)."""

    generation: int
    status: SourceStatus


@dataclass
class ScanFailed(Message):
    """Reading the log failed; ``reason`` is one line for the status bar."""

    generation: int
    reason: str
