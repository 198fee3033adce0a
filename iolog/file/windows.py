"""Time windows of a log file: exactly the linear filter, reading only what may match.

This module owns ``--since``/``--until``: every entry with ``since_ns <=
timestamp_ns < until_ns``, in file order, as one linear decode of the whole
file filtered by time would give, backward clock jumps included. A byte range
is left unread only when the complete checkpoint index proves it holds no
matching entry and no damage (see :mod:`iolog.file.index`); every other
range is decoded from its checkpoint with the time of the entry before it
(so the decoder decides exactly as the linear one does) and up to where the
next event starts, past the range's end if need be: a range's end is never
taken for the end of the file.

In bulk (:func:`window_batches`), a fast-walk batch whose timestamps all
fall inside the window passes as it is, one with none inside is dropped, and
only a batch astride an edge of the window is broken into entries. On an
ordered log that is two batches per query, whatever the window's size.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Protocol

from ..core.decoder import Event
from ..core.format import Entry
from .index import CheckpointIndex
from .walk import FastBatch

__all__ = ["IndexedLog", "window_batches", "window_events"]



class IndexedLog(Protocol):
    """What a window reads: a log with its checkpoint index (a :class:`~iolog.file.logfile.LogFile`)."""

    @property
    def size(self) -> int: ...

    def build_index(self) -> CheckpointIndex: ...

    def batches(
        self, offset: int = 0, end: int | None = None, *, previous_ts: int | None = None
    ) -> Generator[FastBatch | list[Event], None, int]: ...


_INT64_MIN = -(1 << 63)
_INT64_END = 1 << 63  # one past the largest int64


def window_batches(
    log: IndexedLog, *, since_ns: int | None = None, until_ns: int | None = None
) -> Iterator[FastBatch | list[Event]]:
    """The events of the window ``since_ns <= timestamp_ns < until_ns``, in bulk.

    Flattened (each batch ``k`` as ``batch.entry(k)`` for ``k <
    batch.accepted``), the items are exactly the entries of one linear
    decode of the file that fall in the window, in file order, with the
    ``Skipped``/``Truncated`` events of the ranges read (every damaged
    range is read).

    Args:
        log: an open log file.
        since_ns: lower bound (inclusive), or ``None``.
        until_ns: upper bound (exclusive), or ``None``.

    Yields:
        :class:`~iolog.file.walk.FastBatch` es wholly inside the window, and
        lists of events (entries inside the window and damage reports).

    Raises:
        OSError: reading failed.
    """
    low = _INT64_MIN if since_ns is None else since_ns
    high = _INT64_END if until_ns is None else until_ns
    index = log.build_index()
    upto = index.trusted_end(log.size)
    ranges: list[tuple[int, int | None]] = (
        list(index.candidate_ranges(since_ns, until_ns, upto)) if upto else []
    )
    ranges.append((upto, None))
    for start, end in ranges:
        for item in log.batches(start, end, previous_ts=index.previous_ts(start)):
            if isinstance(item, list):
                events = [
                    event
                    for event in item
                    if not isinstance(event, Entry) or low <= event.timestamp_ns < high
                ]
                if events:
                    yield events
                continue
            span = item.span_stats()
            if low <= span.min_ts and span.max_ts < high:
                yield item
            elif low <= span.max_ts and span.min_ts < high:
                inside: list[Event] = [
                    item.entry(k) for k, stamp in enumerate(item.timestamps()) if low <= stamp < high
                ]
                if inside:
                    yield inside


def window_events(
    log: IndexedLog, *, since_ns: int | None = None, until_ns: int | None = None
) -> Iterator[Event]:
    """:func:`window_batches`, one event at a time."""
    for item in window_batches(log, since_ns=since_ns, until_ns=until_ns):
        if isinstance(item, list):
            yield from item
        else:
            for number in range(item.accepted):
                yield item.entry(number)
