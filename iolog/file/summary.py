"""What a log holds, as its checkpoint index counted it: a snapshot for readers.

This module owns :class:`LogSummary`, the public face of the index
(:mod:`iolog.file.index`): entries per stream, damage, the span of the
timestamps, and per region (a few KiB of the file) how many entries start
there and the bounds of their times. It is a copy, so it stays true to the
moment it was made while the file grows and the index is extended (a
timeline drawn in a worker thread reads it without a lock). Counting takes
no reading beyond the index's one pass over the file.
"""

from __future__ import annotations

from dataclasses import dataclass
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
        regions: the regions in file order, covering ``[0, end_offset)``.
    """

    entries: int
    stderr_entries: int
    damage: int
    end_offset: int
    time_span: tuple[int, int] | None
    regions: tuple[Region, ...]

    @property
    def stdout_entries(self) -> int:
        """Entries on stdout."""
        return self.entries - self.stderr_entries


def summarize(index: CheckpointIndex) -> LogSummary:
    """A :class:`LogSummary` of a complete ``index``.

    The index's columns are copied first (each copy is one step for another
    thread), so a summary made while a worker extends the index is never
    torn by it.
    """
    entry_count, stderr_count, damage_count = index.entry_count, index.stderr_count, index.damage_count
    end_offset, time_span = index.end_offset, index.time_span()
    offsets, numbers, errors = index.offsets[:], index.entry_numbers[:], index.stderr_numbers[:]
    damages, lows, highs = index.damage_numbers[:], index.min_ts[:], index.max_ts[:]
    count = min(len(offsets), len(numbers), len(errors), len(damages), len(lows), len(highs))
    regions = []
    for number in range(count):
        last = number + 1 == count
        end = end_offset if last else offsets[number + 1]
        entries = (entry_count if last else numbers[number + 1]) - numbers[number]
        stderr = (stderr_count if last else errors[number + 1]) - errors[number]
        damaged = (damage_count if last else damages[number + 1]) > damages[number]
        low = lows[number]
        empty = low == _EMPTY_MIN
        regions.append(Region(
            offsets[number], end, entries, stderr, damaged,
            None if empty else low, None if empty else highs[number],
        ))
    return LogSummary(entry_count, stderr_count, damage_count, end_offset, time_span, tuple(regions))
