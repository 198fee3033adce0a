"""Where entries start, found by decoding a little: from any byte offset.

This module owns the answers that need only a few KiB decoded: whether an
offset is the start of an entry that a decoder in sync there accepts
(:func:`is_entry_start`), the events from inside an entry, where the decoder
resynchronises at the next entry (:func:`resync_events`), and where the
entries still being written to a live file will start (:func:`live_end`).
:class:`~iolog.file.logfile.LogFile` reads through them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..core.decoder import Decoder, Event, Skipped, Truncated
from ..core.format import ENCODED_HEADER_SIZE, MAX_ENTRY_SIZE, Entry
from .walk import LOOKAHEAD_BYTES

__all__ = ["is_entry_start", "live_end", "resync_events"]

#: ``pread(length, offset)``: the bytes of the file there (fewer at its end).
Pread = Callable[[int, int], bytes]

_HDR = ENCODED_HEADER_SIZE
_READ_BYTES = 64 << 10
_TAIL_BLOCK_BYTES = 64 << 10
_PROBE_BYTES = 2 * (_HDR + MAX_ENTRY_SIZE) + _HDR


def is_entry_start(pread: Pread, offset: int) -> bool:
    """Does a decoder in sync at ``offset`` accept an entry there?"""
    if offset <= 0:
        return True
    data = pread(_PROBE_BYTES, offset)
    if not data:
        return True  # at or past the end: nothing to misread
    decoder = Decoder(offset=offset)
    events = decoder.feed(data)
    events += decoder.close() if len(data) < _PROBE_BYTES else decoder.flush()
    return bool(events) and isinstance(events[0], Entry) and events[0].offset == offset


def resync_events(pread: Pread, size: int, offset: int, end: int | None) -> Iterator[Event]:
    """The events from ``offset`` inside an entry: the decoder resyncs at the next one.

    The partial entry before it is not reported; events starting at or
    after ``end`` are not given.
    """
    decoder = Decoder(offset=offset, resync=True)
    read_at = offset
    first = True
    while True:
        chunk = pread(_READ_BYTES, read_at) if read_at < size else b""
        read_at += len(chunk)
        for event in decoder.feed(chunk) if chunk else decoder.close():
            if end is not None and (event.offset or 0) >= end:
                return
            if first and isinstance(event, Skipped) and event.offset == offset:
                first = False
                continue  # the tail of the entry we started inside
            first = False
            yield event
        if not chunk or (end is not None and decoder.offset >= end + LOOKAHEAD_BYTES):
            return


def live_end(pread: Pread, size: int) -> int:
    """Where new entries will start: ``size``, or the start of an unfinished last entry."""
    start = max(0, size - _TAIL_BLOCK_BYTES)
    decoder = Decoder(offset=start, resync=start > 0)
    events = decoder.feed(pread(size - start, start)) + decoder.close()
    for event in reversed(events):
        if isinstance(event, Truncated):
            return event.offset
        break
    return size
