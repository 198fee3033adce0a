"""Logical lines: which entries make one line, the one rule every reader uses.

A writer ends an entry at each newline and splits longer output into
4095-byte entries, so one line of a stream may span several entries, with
entries of the other stream in between. The rule, owned here and nowhere
else:

- an entry whose stream has no open line starts a line;
- an entry that does not end with ``\\n`` leaves its stream's line open, so
  the next entry of the same stream continues it;
- damage (a :class:`~iolog.core.decoder.Skipped` run or a
  :class:`~iolog.core.decoder.Truncated` tail) ends the open lines of both
  streams: bytes on either side of it are never one line.

:class:`LineState` is the rule itself (which entries start a line), entry by
entry or a whole batch at once (:meth:`LineState.starts_in_bulk`, the fast
path, tested equal to entry by entry). :class:`LineAssembler` builds
:class:`Line` objects from events on top of it, for every reader that needs a
line's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .. import _native
from .decoder import Event
from .dockerjson import json_record
from .format import Entry, Stream

__all__ = ["Line", "LineAssembler", "LineState", "ends_line"]

_NOT_NEWLINE = re.compile(b"[^\n]")
_ONE_STREAM_RUN = re.compile(b"\x00+|\x01+")
#: A payload's last byte -> 1 if it ends a line (``\n``), else 0.
_ENDS_LINE = bytes(10) + b"\x01" + bytes(245)
_STREAM_BYTES = (b"\x00", b"\x01")
_STREAMS = (Stream.STDOUT, Stream.STDERR)


def ends_line(payload: bytes) -> bool:
    """Whether an entry with this payload ends its line (its last byte is ``\\n``)."""
    return payload[-1:] == b"\n"


class LineState:
    """Which stream has an open line: decides whether an entry starts a line.

    Args:
        open_lines: for stdout and stderr, whether a line is open (its last
            entry did not end with a newline) where reading starts; both
            closed at the start of a log.
    """

    __slots__ = ("open",)

    def __init__(self, open_lines: tuple[bool, bool] = (False, False)) -> None:
        self.open = [open_lines[0], open_lines[1]]

    def entry(self, stream: int, payload: bytes) -> bool:
        """Account for an entry; return whether it starts a line."""
        opened = self.open
        starts = not opened[stream]
        opened[stream] = payload[-1:] != b"\n"
        return starts

    def damage(self) -> tuple[bool, bool]:
        """Account for damage: both streams' lines end. Returns which were open."""
        was = (self.open[0], self.open[1])
        self.open = [False, False]
        return was

    def event(self, event: Event) -> bool:
        """Account for any decoder event; return whether it is an entry starting a line."""
        if type(event) is Entry:
            return self.entry(event.stream, event.message)
        self.damage()
        return False

    def skip_in_bulk(self, streams: bytes, last_byte: Callable[[int], int]) -> None:
        """Account for consecutive entries at once without asking which start a line.

        The state after is the one :meth:`starts_in_bulk` leaves; only the
        last entry of each stream matters for it.

        Args:
            streams: one byte per entry, 0 for stdout and 1 for stderr.
            last_byte: entry number -> the last byte of its payload (not 10
                for an empty payload).
        """
        for stream in (0, 1):
            last = streams.rfind(_STREAM_BYTES[stream])
            if last >= 0:
                self.open[stream] = last_byte(last) != 10

    def starts_in_bulk(self, streams: bytes, last_bytes: bytes) -> bytes:
        """Account for consecutive entries at once; which of them start a line.

        Args:
            streams: one byte per entry, 0 for stdout and 1 for stderr.
            last_bytes: one byte per entry, the last byte of its payload (any
                byte but ``\\n`` for an empty payload).

        Returns:
            One byte per entry: 1 if it starts a line, else 0. Exactly what
            :meth:`entry` says, one entry at a time.
        """
        count = len(streams)
        if not count:
            return b""
        opened = self.open
        native = _native.speedups
        if native is not None:  # one C pass, whatever the runs
            starts_line, opened[0], opened[1] = native.line_starts(streams, last_bytes, opened[0], opened[1])
            return starts_line
        runs = streams.count(b"\x00\x01") + streams.count(b"\x01\x00") + 1
        if runs <= count - last_bytes.count(b"\n"):
            return self._starts_by_runs(streams, last_bytes)
        starts = bytearray(b"\x01") * count
        # The first entry of a stream whose line is open continues it; so does
        # the next entry of the same stream after one without a newline.
        for stream in (0, 1):
            if opened[stream]:
                first = streams.find(_STREAM_BYTES[stream])
                if first >= 0:
                    starts[first] = 0
        find = streams.find
        for match in _NOT_NEWLINE.finditer(last_bytes):
            number = match.start()
            follower = find(_STREAM_BYTES[streams[number]], number + 1)
            if follower >= 0:
                starts[follower] = 0
        for stream in (0, 1):
            last = streams.rfind(_STREAM_BYTES[stream])
            if last >= 0:
                opened[stream] = last_bytes[last] != 10
        return bytes(starts)

    def _starts_by_runs(self, streams: bytes, last_bytes: bytes) -> bytes:
        """:meth:`starts_in_bulk` a run of one stream at a time (in a run, an
        entry starts a line when the one before it ended one)."""
        opened = self.open
        pieces = []
        for run in _ONE_STREAM_RUN.finditer(streams):
            first, stop = run.span()
            stream = streams[first]
            pieces.append(b"\x00" if opened[stream] else b"\x01")
            pieces.append(last_bytes[first : stop - 1].translate(_ENDS_LINE))
            opened[stream] = last_bytes[stop - 1] != 10
        return b"".join(pieces)


@dataclass(frozen=True, slots=True)
class Line:
    """One logical line of one stream.

    Attributes:
        stream: its stream.
        offset: file offset of its first entry.
        timestamp_ns: its first entry's time.
        message: the joined payloads (at most the assembler's ``max_bytes``).
        size: payload bytes in all its entries (more than ``len(message)``
            when the message was clipped).
        entries: how many entries it spans.
        end_offset: offset just past its last entry.
        complete: it ends with a newline (else damage or the end of the
            input ended it, or it is still open).
    """

    stream: Stream
    offset: int
    timestamp_ns: int
    message: bytes
    size: int
    entries: int
    end_offset: int
    complete: bool

    @property
    def clipped(self) -> bool:
        """Whether ``message`` holds less than the whole line."""
        return len(self.message) < self.size

    def docker_json(self, attrs: Mapping[str, str] | None = None) -> bytes:
        """This line as one docker json-file record, the bytes ``iolog cat --format json`` prints.

        The record (with its ending newline) holds ``message`` as it is (a
        line that damage or the end of the input ended has no newline, and
        its record says so), the stream and the line's time; escaping is
        :mod:`iolog.core.dockerjson`'s.

        Args:
            attrs: the record's ``attrs`` (``{"source": "web"}``, as ``iolog
                cat`` writes for several logs), or none.
        """
        return json_record(self.message, int(self.stream), self.timestamp_ns, attrs)


class _OpenLine:
    __slots__ = ("end_offset", "entries", "kept", "offset", "parts", "size", "stream", "timestamp_ns")

    def __init__(self, entry: Entry) -> None:
        self.stream = entry.stream
        self.offset = entry.offset if entry.offset is not None else 0
        self.timestamp_ns = entry.timestamp_ns
        self.parts: list[bytes] = []
        self.kept = 0
        self.size = 0
        self.entries = 0
        self.end_offset = self.offset

    def add(self, entry: Entry, max_bytes: int | None) -> None:
        message = entry.message
        if max_bytes is None:
            self.parts.append(message)
        elif self.kept < max_bytes:
            part = message[: max_bytes - self.kept]
            self.parts.append(part)
            self.kept += len(part)
        self.size += len(message)
        self.entries += 1
        self.end_offset = entry.end_offset or self.end_offset

    def line(self, complete: bool) -> Line:
        return Line(self.stream, self.offset, self.timestamp_ns, b"".join(self.parts), self.size,
                    self.entries, self.end_offset, complete)


class LineAssembler:
    """Decoder events in, logical lines out (the rule of :class:`LineState`).

    Args:
        max_bytes: keep at most this many bytes of each line's message
            (``None``: all of it); ``Line.size`` still counts every byte.
        open_lines: for each stream, whether a line is open where the events
            start; entries that continue such a line are not part of any
            line given here (they belong to a line that began earlier).
    """

    def __init__(
        self, *, max_bytes: int | None = None, open_lines: tuple[bool, bool] = (False, False)
    ) -> None:
        self._max_bytes = max_bytes
        self._state = LineState(open_lines)
        self._lines: list[_OpenLine | None] = [None, None]

    def feed(self, events: Iterable[Event]) -> list[Line]:
        """Add events; return the lines they end, in the order they end."""
        done: list[Line] = []
        state = self._state
        lines = self._lines
        for event in events:
            if type(event) is Entry:
                stream = int(event.stream)
                line = lines[stream]
                if state.entry(stream, event.message):
                    line = lines[stream] = _OpenLine(event)
                if line is None:
                    continue  # continues a line that began before these events
                line.add(event, self._max_bytes)
                if not state.open[stream]:
                    done.append(line.line(True))
                    lines[stream] = None
            else:
                state.damage()
                done.extend(self._end_open())
        return done

    def close(self) -> list[Line]:
        """The input ended: the lines still open, incomplete, in the order they began."""
        return self._end_open()

    def open_lines(self) -> list[Line]:
        """The lines still open, as they are so far, in the order they began (kept open)."""
        pending = [line for line in self._lines if line is not None]
        pending.sort(key=lambda line: line.offset)
        return [line.line(False) for line in pending]

    def _end_open(self) -> list[Line]:
        ended = self.open_lines()
        self._lines[0] = self._lines[1] = None
        return ended
