"""Lines that may hold a needle, in bulk: the fast walk's batches searched as lines.

This module owns the bulk step of a search over a log (the viewer's search
count and filter): from an offset, every logical line (by the one line rule,
:class:`~iolog.core.lines.LineState`; damage ends the open lines) whose
message may hold a needle, with its message. A line of one entry (one that
ends in a newline, the common case) is found straight in the read buffer:
the needle is looked for in the batch's bytes at once, lowered once when
case does not matter, and only the entries that hold it (or a byte beyond
ASCII, or an ESC) are given: text beyond ASCII is matched as text, never
ruled out by bytes, and a line is matched as it is shown, where a colour
sequence is no text and may join the text around it (``foo \\x1b[1mbar``
shows ``foo bar``). The rare lines of several entries (a long line split at 4095
bytes, a partial write) are joined, at most ``max_bytes`` of them, their
continuations looked for up to ``span_bytes`` past their first entry, as
:func:`iolog.read_lines` reads a line back; then kept when the joined
message may hold the needle.

The step over a batch has a C twin (``line_hits`` in :mod:`iolog._speedups`,
which releases the GIL while it searches); :func:`line_hits_python` is the
reference (``tests/test_native.py``).
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Generator, Sequence
from typing import NamedTuple

from .. import _native
from ..core.decoder import Event
from ..core.format import ENCODED_HEADER_SIZE, Entry
from ..core.lines import LineState
from .walk import FastBatch
from .walkbatch import offsets_array

__all__ = ["LineHits", "find_lines", "line_hits_python"]

_HDR = ENCODED_HEADER_SIZE
_STDERR_BYTE = bytes(1 if value & 8 else 0 for value in range(256))
_SINGLE = re.compile(b"\x01")  # in the flags of entries that are a line alone
_NOT_SINGLE = re.compile(b"\x00")
#: Bytes that make an entry a hit whatever the needle: beyond ASCII, or ESC (a colour sequence).
_HIGH = re.compile(b"[\x1b\x80-\xff]")
_ESC = b"\x1b"
_NEWLINE_FLAG = bytes(1 if value == 10 else 0 for value in range(256))


class LineHits(NamedTuple):
    """What :meth:`iolog.LogFile.find_lines` found in one read.

    Attributes:
        offsets: the file offset of each line's first entry.
        streams: each line's stream, 0 (stdout) or 1 (stderr).
        messages: each line's message (its payloads joined, at most ``max_bytes``).
        reached: every line that begins before this offset has been given,
            but those in ``pending``.
        pending: ``(offset, stream)`` of the lines still being joined.
    """

    offsets: list[int]
    streams: list[int]
    messages: list[bytes]
    reached: int
    pending: tuple[tuple[int, int], ...]


def find_lines(
    batches: Generator[FastBatch | list[Event], None, int],
    offset: int,
    needle: bytes | None,
    *,
    exact_case: bool,
    max_bytes: int,
    span_bytes: int,
) -> Generator[LineHits, None, None]:
    """The lines of the fast walk's ``batches`` (from ``offset``) that may hold ``needle``.

    What :meth:`iolog.LogFile.find_lines` gives; its arguments are described there.
    Besides the lines that may hold the needle, every line with a byte beyond
    ASCII or an ESC is given (the caller tests each line on its visible text).
    """
    joiner = _Joiner(needle, exact_case, max_bytes, span_bytes)
    reached = offset
    while True:
        try:
            item = next(batches)
        except StopIteration as stop:
            reached = max(reached, stop.value)
            break
        if isinstance(item, list):
            if item:
                joiner.events(item)
                last = item[-1]
                reached = max(reached, (last.end_offset or 0) if isinstance(last, Entry) else last.end_offset)
        else:
            joiner.batch(item)
            reached = item.base + item.starts[item.accepted]
        yield joiner.release(reached)
    joiner.finish(0)
    joiner.finish(1)
    yield joiner.release(reached)


class _Joiner:
    """The lines of one pass: the line rule, the lines being joined, the lines found."""

    def __init__(self, needle: bytes | None, exact_case: bool, max_bytes: int, span_bytes: int) -> None:
        self.needle = needle
        # Lowering changes nothing for a needle without letters.
        self.exact_case = exact_case or needle is None or needle.upper() == needle
        self.max_bytes = max_bytes
        self.span_bytes = span_bytes
        self.state = LineState()
        # Per stream, the line being joined: its first offset (-1: none), parts, bytes kept, span end.
        self.first = [-1, -1]
        self.parts: tuple[list[bytes], list[bytes]] = ([], [])
        self.kept = [0, 0]
        self.span_end = [0, 0]
        # Whether the line may hold the needle so far; its last ``reach`` bytes (folded).
        self.hit = [0, 0]
        self.reach = 0 if needle is None else max(0, len(needle) - 1)
        self.tail = [b"", b""]
        self.offsets: list[int] = []
        self.streams: list[int] = []
        self.messages: list[bytes] = []

    def may_hold(self, message: bytes) -> bool:
        needle = self.needle
        if needle is None or not message.isascii() or _ESC in message:
            return True
        return needle in (message if self.exact_case else message.lower())

    def batch(self, batch: FastBatch) -> None:
        count = batch.accepted
        buf = batch.buf
        starts = batch.starts
        base = batch.base
        opened = self.state.open
        native = _native.speedups
        if native is None:
            found = line_hits_python(buf, starts, batch.raw, count, opened[0], opened[1], self.needle,
                                     self.exact_case)
        else:
            starts = offsets_array(starts)
            found = native.line_hits(buf, starts, batch.raw, count, opened[0], opened[1], self.needle,
                                     self.exact_case)
        streams, line_starts, lasts, hits_bytes, rare_bytes, rare_hits, opened[0], opened[1] = found
        hits = array("q")
        hits.frombytes(hits_bytes)
        rare = array("q")
        rare.frombytes(rare_bytes)
        max_bytes = self.max_bytes
        add_offset = self.offsets.append
        add_stream = self.streams.append
        add_message = self.messages.append
        first = self.first
        # Rare entries and lines alone are independent but for order within a
        # stream, which only the rare ones change: those first, then the rest.
        for number, hit in zip(rare, rare_hits, strict=True):
            stream = streams[number]
            start = starts[number]
            if line_starts[number]:
                self._begin(stream, base + start, buf[start + _HDR : starts[number + 1]], hit)
            elif first[stream] >= 0:
                self._continue(stream, base + start, buf[start + _HDR : starts[number + 1]],
                               lasts[number] == 10, hit)
        for number in hits:
            start = starts[number]
            add_offset(base + start)
            add_stream(streams[number])
            add_message(buf[start + _HDR : starts[number + 1]][:max_bytes])

    def events(self, events: list[Event]) -> None:
        state = self.state
        for event in events:
            if type(event) is not Entry:
                state.damage()
                self.finish(0)
                self.finish(1)
                continue
            stream = int(event.stream)
            message = event.message
            offset = event.offset or 0
            if not state.entry(stream, message):
                if self.first[stream] >= 0:
                    self._continue(stream, offset, message, not state.open[stream], self.may_hold(message))
            elif state.open[stream]:
                self._begin(stream, offset, message, self.may_hold(message))
            elif self.may_hold(message):
                self.offsets.append(offset)
                self.streams.append(stream)
                self.messages.append(message[: self.max_bytes])

    def _begin(self, stream: int, offset: int, payload: bytes, hit: int) -> None:
        part = payload[: self.max_bytes]
        self.first[stream] = offset
        self.parts[stream][:] = [part]
        self.kept[stream] = len(part)
        self.span_end[stream] = offset + self.span_bytes
        self.hit[stream] = hit
        if self.reach:
            self.tail[stream] = self._folded(part[-self.reach :])

    def _continue(self, stream: int, offset: int, payload: bytes, ends: bool, hit: int) -> None:
        if offset >= self.span_end[stream]:
            self.finish(stream)  # looked for no further than this
            return
        kept = self.kept[stream]
        if kept < self.max_bytes:
            part = payload[: self.max_bytes - kept]
            self.parts[stream].append(part)
            self.kept[stream] = kept + len(part)
            reach = self.reach
            if reach and not self.hit[stream]:
                # The needle may lie across this part and those before it.
                tail = self.tail[stream] + self._folded(part[:reach])
                hit = hit or self.needle in tail  # type: ignore[operator]
                self.tail[stream] = (self.tail[stream] + self._folded(part[-reach:]))[-reach:]
            self.hit[stream] = self.hit[stream] or hit
        if ends:
            self.finish(stream)

    def _folded(self, data: bytes) -> bytes:
        return data if self.exact_case else data.lower()

    def finish(self, stream: int) -> None:
        """The line being joined on ``stream`` ended (its newline, damage, its span, the end)."""
        first = self.first[stream]
        if first < 0:
            return
        self.first[stream] = -1
        parts = self.parts[stream]
        if self.hit[stream]:
            self.offsets.append(first)
            self.streams.append(stream)
            self.messages.append(b"".join(parts))
        parts.clear()

    def release(self, reached: int) -> LineHits:
        """The lines found so far, with everything before ``reached`` read."""
        for stream in (0, 1):
            if self.first[stream] >= 0 and self.span_end[stream] <= reached:
                self.finish(stream)
        pending = tuple((self.first[stream], stream) for stream in (0, 1) if self.first[stream] >= 0)
        hits = LineHits(self.offsets, self.streams, self.messages, reached, pending)
        self.offsets = []
        self.streams = []
        self.messages = []
        return hits


def line_hits_python(
    buf: bytes,
    starts: Sequence[int],
    raw: bytes,
    count: int,
    open_stdout: bool,
    open_stderr: bool,
    needle: bytes | None,
    exact_case: bool,
) -> tuple[bytes, bytes, bytes, bytes, bytes, bytes, bool, bool]:
    """Entries ``[0, count)`` of a batch as lines: the reference for the C ``line_hits``.

    An entry holds a hit when its payload holds a byte beyond ASCII, an
    ESC, or ``needle`` (in ASCII-lowered bytes unless ``exact_case``; ``None`` or
    empty: always).

    Returns:
        ``(streams, line_starts, last_bytes, hits, rare, rare_hits,
        open_stdout, open_stderr)``: per entry its stream, 1 if it starts a
        line, its last byte; the entries that are a line alone (start a line,
        end in a newline) and hold a hit, and all the other entries, as int64
        bytes, with one byte for each of those, 1 if it holds a hit; which
        streams are open after.
    """
    if count <= 0:
        return b"", b"", b"", b"", b"", b"", open_stdout, open_stderr
    state = LineState((open_stdout, open_stderr))
    streams = raw[8 : 12 * count : 12].translate(_STDERR_BYTE)
    lasts = bytes([buf[end - 1] for end in starts[1 : count + 1]])
    line_starts = state.starts_in_bulk(streams, lasts)
    # 1 for an entry that is a line alone: starts one, ends in a newline.
    single = bytes(map(int.__and__, line_starts, lasts.translate(_NEWLINE_FLAG)))
    rare = [match.start() for match in _NOT_SINGLE.finditer(single)]
    holding: Sequence[int] = range(count)
    if needle:
        holding = _holding(buf, starts, count, needle, exact_case)
    flags = bytearray(count)
    for number in holding:
        flags[number] = 1
    hits = [match.start() for match in _SINGLE.finditer(bytes(map(int.__and__, single, flags)))]
    rare_hits = bytes([flags[number] for number in rare])
    return (streams, line_starts, lasts, array("q", hits).tobytes(), array("q", rare).tobytes(), rare_hits,
            state.open[0], state.open[1])


def _holding(buf: bytes, starts: Sequence[int], count: int, needle: bytes, exact_case: bool) -> list[int]:
    """The entries that hold ``needle``, a byte beyond ASCII or an ESC in their payloads, increasing."""
    region, region_end = starts[0], starts[count]
    haystack = bytes(buf[region:region_end])
    if not exact_case:
        haystack = haystack.lower()
    holding = set()
    # The needle, wherever it lies wholly within a payload.
    at = haystack.find(needle)
    while at >= 0:
        number = bisect_right(starts, region + at, 0, count) - 1
        payload_end = starts[number + 1] - region
        if at >= starts[number] + _HDR - region and at + len(needle) <= payload_end:
            holding.add(number)
            at = haystack.find(needle, payload_end)
        else:
            at = haystack.find(needle, at + 1)
    if not haystack.isascii() or _ESC in haystack:
        for match in _HIGH.finditer(haystack):
            at = region + match.start()
            number = bisect_right(starts, at, 0, count) - 1
            if at >= starts[number] + _HDR:  # in a payload
                holding.add(number)
    return sorted(holding)
