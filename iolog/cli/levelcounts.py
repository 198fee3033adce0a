"""Lines per level, for ``iolog stat``.

This module owns counting a log's logical lines by level (see
:mod:`iolog.core.levels`) as ``stat`` reads it: entries come as fast-walk
batches or decoder events, are gathered into whole lines by
:class:`~iolog.file.wholelines.WholeLines` (the one line rule), and each
line's level is detected once. The counts go into ``stat``'s report as
``level_fatal`` ... ``level_trace`` and ``level_none`` (lines with no level).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..core.decoder import Event
from ..core.levels import Level, count_levels
from ..core.merge import LineChunk
from ..file.walk import FastBatch
from ..file.wholelines import WholeLines

__all__ = ["LevelCounts"]

_ORDER = (Level.FATAL, Level.ERROR, Level.WARN, Level.INFO, Level.DEBUG, Level.TRACE)


class LevelCounts:
    """Running counts of lines per level over a log's events, in file order."""

    def __init__(self) -> None:
        self._lines = WholeLines()
        self._counts: dict[Level | None, int] = {}
        self._closed = False

    def _count(self, chunk: LineChunk | None) -> None:
        if chunk is None:
            return
        counts = self._counts
        texts = chunk.texts
        if chunk.rests:  # the rest of a line past the hold limit is no line of its own
            rests = set(chunk.rests)
            texts = [text for number, text in enumerate(texts) if number not in rests]
        for level, count in count_levels(texts).items():
            counts[level] = counts.get(level, 0) + count

    def add_batch(self, batch: FastBatch) -> None:
        """Count the lines a fast-walk batch completes."""
        self._count(self._lines.batch(batch))

    def add_events(self, events: Iterable[Event]) -> None:
        """Count the lines decoder events complete (damage ends lines)."""
        self._count(self._lines.events(events))

    def report(self) -> dict[str, int]:
        """``level_fatal`` ... ``level_trace``, ``level_none``: the input has ended."""
        if not self._closed:
            self._closed = True
            self._count(self._lines.close())
        report = {f"level_{level.name.lower()}": self._counts.get(level, 0) for level in _ORDER}
        report["level_none"] = self._counts.get(None, 0)
        return report
