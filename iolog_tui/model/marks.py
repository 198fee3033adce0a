"""Marks: the rows an operator set aside (``m``), kept by the byte offset of their line.

This module owns the marks of one viewing of a log, without knowing
anything of Textual. A mark is the file offset of a row's first entry (a
logical line, or a run of skipped bytes) with that row's time: offsets do
not change when a filter, a stream choice or a time window changes which
rows are shown, so the marks outlast all of them and are shown again with
their rows. The times let the timeline place the marks without reading
the file.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator

__all__ = ["Marks"]


class Marks:
    """The marked rows of one log, by file offset, in file order."""

    def __init__(self) -> None:
        self._offsets: list[int] = []
        self._times: dict[int, int | None] = {}

    def __len__(self) -> int:
        return len(self._offsets)

    def __contains__(self, offset: object) -> bool:
        return offset in self._times

    def __iter__(self) -> Iterator[int]:
        return iter(self._offsets)

    def toggle(self, rows: Iterable[tuple[int, int | None]]) -> bool:
        """Mark ``rows`` (``(offset, timestamp_ns)``), or unmark them if every one is marked.

        Returns:
            True when the rows are marked now, False when they were unmarked.
        """
        rows = list(dict(rows).items())  # each offset once
        if rows and all(offset in self._times for offset, _stamp in rows):
            for offset, _stamp in rows:
                self._remove(offset)
            return False
        for offset, stamp in rows:
            if offset not in self._times:
                insort(self._offsets, offset)
                self._times[offset] = stamp
        return True

    def _remove(self, offset: int) -> None:
        del self._times[offset]
        del self._offsets[bisect_left(self._offsets, offset)]

    def after(self, offset: int) -> Iterator[int]:
        """The marked offsets after ``offset``, nearest first."""
        start = bisect_right(self._offsets, offset)
        return iter(self._offsets[start:])

    def before(self, offset: int) -> Iterator[int]:
        """The marked offsets before ``offset``, nearest first."""
        end = bisect_left(self._offsets, offset)
        return reversed(self._offsets[:end])

    def times(self) -> list[int]:
        """The times of the marked rows that have one (lines; skipped bytes have none)."""
        return [stamp for stamp in self._times.values() if stamp is not None]

    def clear(self) -> None:
        """Forget every mark (the file was replaced or truncated: its offsets mean other rows)."""
        self._offsets.clear()
        self._times.clear()
