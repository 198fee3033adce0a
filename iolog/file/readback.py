"""Reading logical lines back from a log file by offset.

This module owns the one way to get a line's text once its first entry's
offset is known (a viewer's row, a search hit, an export): decode from that
entry, as the linear decoder accepted it, and let
:class:`~iolog.core.lines.LineAssembler` say where the line ends (its
newline, damage, or the end of the file). :func:`read_lines` reads the lines
that start at a set of offsets, in order, in one pass.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator

from ..core.decoder import Event
from ..core.format import Entry
from ..core.lines import Line, LineAssembler
from .walk import FastBatch, walk

__all__ = ["read_line", "read_lines"]

#: How far past a line's first entry its continuation is looked for, at most.
MAX_SPAN_BYTES = 64 << 20


def read_line(
    fd: int, offset: int, *, max_bytes: int | None = None, span_bytes: int = MAX_SPAN_BYTES
) -> Line | None:
    """The logical line whose first entry is at ``offset`` in the file open as ``fd``.

    Args:
        fd: the log, open for reading.
        offset: the offset of an entry that starts a line (a row, a hit).
        max_bytes: keep at most this much of the message (``Line.size``
            still counts every byte).
        span_bytes: give up looking for the rest of the line this far on
            (the line is then given as it is, incomplete).

    Returns:
        The line (``complete`` false when damage, the end of the file or
        ``span_bytes`` ended it first), or ``None`` when no entry starts there.

    Raises:
        OSError: reading failed.
    """
    for line in read_lines(fd, [offset], max_bytes=max_bytes, span_bytes=span_bytes):
        return line
    return None


def read_lines(
    fd: int,
    offsets: Collection[int],
    *,
    max_bytes: int | None = None,
    span_bytes: int = MAX_SPAN_BYTES,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[Line]:
    """The lines that start at ``offsets`` (entries that start lines), in file order.

    One pass decodes from the first of them; entries that continue lines
    begun elsewhere are passed over. A line still open when the reading
    stops is given incomplete.

    Args:
        fd: the log, open for reading.
        offsets: first-entry offsets of the wanted lines.
        max_bytes: keep at most this much of each message.
        span_bytes: read at most this far past the last wanted offset.
        should_stop: polled between reads; true ends the reading early.

    Yields:
        The lines, ordered by their first entry's offset.

    Raises:
        OSError: reading failed.
    """
    wanted = set(offsets)
    if not wanted:
        return
    first, last = min(wanted), max(wanted)
    size = os.fstat(fd).st_size
    assembler = LineAssembler(max_bytes=max_bytes)
    pending: dict[int, Line] = {}  # ended lines waiting for earlier ones still open
    open_starts: set[int] = set()
    next_out = sorted(wanted)
    position = 0
    for item in walk(fd, first, size, stop=min(size, last + span_bytes), trusted_first=True):
        if should_stop():
            return
        events = item if isinstance(item, list) else [item.entry(k) for k in range(item.accepted)]
        for line in assembler.feed(events):
            if line.offset in wanted:
                pending[line.offset] = line
        open_starts = {line.offset for line in assembler.open_lines()}
        # Give the lines in order, as soon as every earlier wanted line is known.
        while position < len(next_out):
            offset = next_out[position]
            if offset in pending:
                yield pending.pop(offset)
                position += 1
            elif offset in open_starts or not _passed(item, offset):
                break
            else:
                position += 1  # no line starts there
        if position == len(next_out):
            return
    for line in assembler.close():
        if line.offset in wanted:
            pending[line.offset] = line
    for offset in next_out[position:]:
        if offset in pending:
            yield pending.pop(offset)


def _passed(item: FastBatch | list[Event], offset: int) -> bool:
    """Has the decoding gone past ``offset`` with this item?"""
    if isinstance(item, FastBatch):
        return item.base + item.starts[item.accepted] > offset
    return bool(item) and _end(item[-1]) > offset


def _end(event: Event) -> int:
    if isinstance(event, Entry):
        return event.end_offset or 0
    return event.end_offset
