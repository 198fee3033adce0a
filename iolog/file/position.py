"""Where an offset stands in a log: the entries before it and the lines open there.

This module owns what a reader starting in the middle of a log must know to
read it as one linear decode of the whole file would: how many entries come
before an offset (the index counts whole regions; only the rest of the
offset's region is read), and, for stdout and stderr, whether a line begun
before the offset is still open there (so the first entry read is known to
start a line or to continue one). Both read only a few regions, found
through the checkpoint index (:mod:`iolog.file.index`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from typing import Protocol

from ..core.format import Entry
from ..core.lines import LineState
from .index import CheckpointIndex
from .windows import IndexedLog

__all__ = ["entries_before", "lines_open_at"]


class PositionedLog(IndexedLog, Protocol):
    """What is read here: a log with its index that also decodes from an entry's offset."""

    def entries_from(self, offset: int, end: int | None = None) -> Iterator[Entry]: ...


def entries_before(log: PositionedLog, index: CheckpointIndex, offset: int) -> int:
    """How many entries the file holds before ``offset``, by ``index`` (complete) and one region read."""
    region = max(0, bisect_right(index.offsets, offset) - 1)
    start = index.offsets[region] if len(index.offsets) else 0
    count = index.entry_numbers[region] if len(index.entry_numbers) else 0
    for _entry in log.entries_from(start, offset):
        count += 1
    return count


def lines_open_at(log: IndexedLog, index: CheckpointIndex, offset: int) -> tuple[bool, bool]:
    """For stdout and stderr, whether a line begun before ``offset`` is still open there.

    A line of a stream is open when the last entry of that stream before
    ``offset`` (an entry's offset) did not end in a newline and no damage came
    after it. The index regions before ``offset`` are decoded backwards, each
    from its checkpoint (so exactly as the linear decoder does), until both
    streams are settled; a region the index shows to hold no entry of an
    unsettled stream and no damage is not read.
    """
    if offset <= 0:
        return False, False
    settled: list[bool | None] = [None, None]
    for start, end, counts in _regions_before(index, offset):
        if counts is not None and not any(
            settled[stream] is None and counts[stream] for stream in (0, 1)
        ):
            continue  # no entry of an unsettled stream, no damage: nothing to learn
        closed, opened = LineState((False, False)), LineState((True, True))
        for item in log.batches(start, end, previous_ts=index.previous_ts(start)):
            if isinstance(item, list):
                for event in item:
                    closed.event(event)
                    opened.event(event)
            else:
                streams, lasts = item.streams(), item.last_bytes()
                closed.starts_in_bulk(streams, lasts)
                opened.starts_in_bulk(streams, lasts)
        for stream in (0, 1):
            # What came before the region no longer matters: settled.
            if settled[stream] is None and closed.open[stream] == opened.open[stream]:
                settled[stream] = closed.open[stream]
        if None not in settled:
            break
    return bool(settled[0]), bool(settled[1])


def _regions_before(
    index: CheckpointIndex, offset: int
) -> Iterator[tuple[int, int, tuple[int, int] | None]]:
    """The index's regions before ``offset``, last first: ``(start, end, counts)``.

    The first one ends at ``offset``. ``counts`` are the region's stdout and
    stderr entries, each made at least 1 when the region holds damage;
    ``None`` where the index does not say (the first and the last regions).
    """
    starts = index.offsets
    number = len(starts)
    open_start = index.region(number - 1)[1] if number else 0
    if offset > open_start:
        yield open_start, offset, None
        end = open_start
        number -= 1
    else:
        number = bisect_right(starts, offset) - 1
        end = offset
    last_closed = len(starts) - 1
    while number >= 0:
        start = starts[number]
        counts = None
        if end != offset and number < last_closed:
            entries = index.entry_numbers[number + 1] - index.entry_numbers[number]
            errors = index.stderr_numbers[number + 1] - index.stderr_numbers[number]
            damaged = int(index.damaged(number))
            counts = (entries - errors + damaged, errors + damaged)
        if start < end:
            yield start, end, counts
        end = start
        number -= 1
