"""What a log holds, as its checkpoint index counted it: a snapshot for readers.

This module owns :class:`LogSummary`, the public face of the index
(:mod:`iolog.file.index`): entries per stream, damage, the span of the
timestamps, and per region (a few KiB of the file) how many entries start
there and the bounds of their times. It is a copy, so it stays true to the
moment it was made while the file grows and the index is extended (a
timeline drawn in a worker thread reads it without a lock). Counting takes
no reading beyond the index's one pass over the file, and making one costs a
copy of the index's columns: its regions are listed when first asked for.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from .index import CheckpointIndex

__all__ = ["LogSummary", "Region", "summarize"]

_EMPTY_MIN = (1 << 63) - 1


class Region(NamedTuple):
    """One region of the index: the entries whose header starts in ``[start, end)``.

    Attributes:
        start: the region's first byte (an entry's offset, or 0).
        end: where the next region starts (the file's end for the last).
        entries: entries starting in the region.
        stderr_entries: of which on stderr.
        damaged: the region holds damage (a skipped run or a truncated tail).
        min_ts: the smallest timestamp among its entries; ``None`` when it has none.
        max_ts: the largest; ``None`` when it has none.
    """

    start: int
    end: int
    entries: int
    stderr_entries: int
    damaged: bool
    min_ts: int | None
    max_ts: int | None


@dataclass(frozen=True)
class LogSummary:
    """What a log holds, counted by its index (see :meth:`iolog.LogFile.summary`).

    With backward clock jumps ``time_span`` bounds every entry's time; it is
    not the first and the last entries' times.

    Attributes:
        entries: entries in the file, both streams.
        stderr_entries: of which on stderr.
        damage: damage events (skipped runs, a truncated tail).
        end_offset: the bytes the count covers (the file's size when made).
        time_span: ``(earliest_ns, latest_ns)``, or ``None`` without entries.
    """

    entries: int
    stderr_entries: int
    damage: int
    end_offset: int
    time_span: tuple[int, int] | None
    _columns: tuple[array[int], ...] = field(default=(), repr=False, compare=False)

    @property
    def stdout_entries(self) -> int:
        """Entries on stdout."""
        return self.entries - self.stderr_entries

    @cached_property
    def regions(self) -> tuple[Region, ...]:
        """The regions in file order, covering ``[0, end_offset)``."""
        if not self._columns:
            return ()
        offsets, numbers, errors, damages, lows, highs = self._columns
        count = min(len(column) for column in self._columns)
        regions = []
        for number in range(count):
            last = number + 1 == count
            end = self.end_offset if last else offsets[number + 1]
            entries = (self.entries if last else numbers[number + 1]) - numbers[number]
            stderr = (self.stderr_entries if last else errors[number + 1]) - errors[number]
            damaged = (self.damage if last else damages[number + 1]) > damages[number]
            low = lows[number]
            empty = low == _EMPTY_MIN
            regions.append(Region(
                offsets[number], end, entries, stderr, damaged,
                None if empty else low, None if empty else highs[number],
            ))
        return tuple(regions)


def summarize(index: CheckpointIndex) -> LogSummary:
    """A :class:`LogSummary` of a complete ``index``.

    The index's columns are copied (each copy is one step for another
    thread), so a summary made while a worker extends the index is never
    torn by it.
    """
    columns = (
        index.offsets[:], index.entry_numbers[:], index.stderr_numbers[:], index.damage_numbers[:],
        index.min_ts[:], index.max_ts[:],
    )
    return LogSummary(
        index.entry_count, index.stderr_count, index.damage_count, index.end_offset, index.time_span(),
        columns,
    )
