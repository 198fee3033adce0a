"""What ``iolog cat`` reads of a log file for its flags, one place for every printer.

This module owns choosing the reading for ``--since``, ``--until``,
``--tail`` and ``-f`` (the whole file in bulk, a time window, the last lines,
the last lines of a window) and cutting it where following takes over. Every
reading decision (entries, lines, windows, tail) is the library's; the items
are handed, unchanged, to whichever printer prints them: the docker-style
printer of one log, the JSON records, or the merge of several logs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator

from ..core.decoder import Event
from ..core.events import may_be_torn
from ..core.format import Entry, Stream
from ..core.lines import LineState
from ..file.logfile import LogFile
from ..file.walk import FastBatch
from ..file.windows import window_batches

__all__ = ["EntryFilter", "file_items", "last_lines", "stop_at", "window_filter"]

#: Whether an entry is inside the requested time window.
EntryFilter = Callable[[Entry], bool]


def window_filter(since_ns: int | None, until_ns: int | None) -> EntryFilter:
    """The linear filter ``since_ns <= timestamp_ns < until_ns`` (either bound may be absent)."""

    def in_window(entry: Entry) -> bool:
        return (since_ns is None or entry.timestamp_ns >= since_ns) and (
            until_ns is None or entry.timestamp_ns < until_ns
        )

    return in_window


def file_items(
    log: LogFile,
    *,
    since_ns: int | None,
    until_ns: int | None,
    tail: int | None,
    streams: frozenset[Stream],
    end: int | None,
    transient: bool = False,
    buffers: Callable[[int], bytearray] | None = None,
) -> Iterator[FastBatch | list[Event]]:
    """What ``cat`` prints of an open log file, in bulk where it can.

    Args:
        log: the open log.
        since_ns: ``--since``, or ``None``.
        until_ns: ``--until``, or ``None``.
        tail: ``--tail`` (lines of ``streams``), or ``None`` for all.
        streams: the streams printed (``--tail`` counts their lines only).
        end: only the events that start before this offset (following
            takes over there), or ``None`` for all.
        transient: the caller is done with each batch when it asks for the
            next item (see :func:`~iolog.file.walk.walk`): the whole file is
            then read into one reused buffer.
        buffers: a pool of read buffers, for batches kept after the next
            item (see :func:`~iolog.file.walk.walk`).

    Yields:
        Fast-walk batches and lists of events, in file order: the entries in
        the window (the last ``tail`` lines of it) and the damage met.

    Raises:
        OSError: reading failed.
    """
    windowed = since_ns is not None or until_ns is not None
    if tail is not None and windowed:
        in_window = window_filter(since_ns, until_ns)
        events = stop_at(log.events(since_ns=since_ns, until_ns=until_ns), end)
        yield list(last_lines(events, tail, in_window, streams))
        return
    wanted = frozenset(int(stream) for stream in streams)
    items: Iterable[FastBatch | list[Event]] = (
        log.tail_batches(tail, wanted) if tail is not None
        else window_batches(log, since_ns=since_ns, until_ns=until_ns) if windowed
        else log.batches(transient=transient and end is None, buffers=buffers)
    )
    for item in items:
        if isinstance(item, list):
            yield list(stop_at(item, end))
        elif end is None or item.base + item.starts[item.accepted] <= end:
            yield item
        else:
            yield list(stop_at([item.entry(k) for k in range(item.accepted)], end))
            return


def stop_at(events: Iterable[Event], end: int | None) -> Iterator[Event]:
    """Pass the events that start before ``end`` (follow takes over from there)."""
    for event in events:
        if end is not None and (event.offset if event.offset is not None else 0) >= end:
            return
        yield event


def last_lines(
    events: Iterable[Event], count: int, in_window: EntryFilter, streams: frozenset[Stream]
) -> Iterator[Event]:
    """The entries of the last ``count`` logical lines of ``streams`` among ``events``.

    For a source read once in order (a pipe, a time window). Lines are those
    of :class:`~iolog.core.lines.LineState` over the entries in the window,
    counted where they begin; each is given whole, followed by the damage
    that ended it, if any, or that came right after its last entry (which
    may be torn: :func:`~iolog.core.events.may_be_torn`). Memory holds the
    last ``count`` lines.
    """
    state = LineState()
    lines: deque[tuple[list[Entry], list[Event]]] = deque(maxlen=count or None)
    open_lines: list[tuple[list[Entry], list[Event]] | None] = [None, None]
    last: tuple[list[Entry], list[Event]] | None = None  # the line of the last entry, if given
    for event in events:
        if not isinstance(event, Entry):
            state.damage()
            enders = [line for line in open_lines if line is not None]
            if (last is not None and all(line is not last for line in enders)
                    and may_be_torn(last[0][-1].end_offset, event)):
                enders.append(last)
            for ended in enders:
                ended[1].append(event)  # the damage that ended it, or came right after it
            open_lines = [None, None]
            last = None
            continue
        last = None
        if not in_window(event) or event.stream not in streams:
            continue
        stream = int(event.stream)
        if state.entry(stream, event.message):
            begun: tuple[list[Entry], list[Event]] = ([], [])
            open_lines[stream] = begun
            if count:
                lines.append(begun)
        line = open_lines[stream]
        if line is not None:
            line[0].append(event)
            last = line
            if not state.open[stream]:
                open_lines[stream] = None
    # A damage event that ended two lines comes once, after the later one.
    given: list[Event] = [event for entries, ender in lines for event in (*entries, *ender)]
    seen: set[int] = set()
    kept: list[Event] = []
    for event in reversed(given):
        if type(event) is not Entry:
            if id(event) in seen:
                continue
            seen.add(id(event))
        kept.append(event)
    yield from reversed(kept)
