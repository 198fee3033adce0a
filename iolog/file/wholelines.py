"""Whole logical lines of one log, in the order they begin, a batch at a time.

This module owns turning one source's entries (fast-walk batches and decoder
events) into whole lines for the printers that cannot print a line in parts:
the merge of several logs (each line prefixed with its source's name) and
docker's JSON records. Which entry starts a line is decided by the one line
rule, :class:`~iolog.core.lines.LineState`, and nothing else; this module
only gathers the entries of each line and gives the lines in the order their
first entries come in the log.

A line is given once it is complete: its last entry ends in ``\\n``, or
damage ended it (its text then lacks the ``\\n``). A line that began earlier
and is still open holds back the lines that began after it (of either
stream), so the order stays that of the log. What is held is bounded: past
``hold_limit_bytes``, the open lines are given as they are (without a
``\\n``) and what follows of them comes as lines of their own, as docker's
json-file driver splits a long line into partial records. At the end of the
input (:meth:`WholeLines.close`) the open lines are given as they are.

The common case goes in bulk: a batch in which each line's entries are
consecutive (one entry per line, or a long line's 4095-byte entries in a
row) is cut into lines with a few slices and a ``LineState.starts_in_bulk``
call; only a batch where one stream's line is split around the other
stream's entries goes entry by entry. Both give the same lines, which are
those of :class:`~iolog.core.lines.LineAssembler` in the order they begin.
:meth:`WholeLines.batch_spans` gives them as spans of the batch's buffer
(:class:`~iolog.core.mergespans.LineSpans`), for the merge of whole files.
"""

from __future__ import annotations

import functools
import itertools
import re
import struct
from array import array
from collections.abc import Iterable

from .. import _native
from ..core.decoder import Event
from ..core.format import ENCODED_HEADER_SIZE, Entry
from ..core.lines import LineState, ends_line
from ..core.merge import LineChunk
from ..core.mergespans import LineSpans
from .walk import FastBatch
from .walkbatch import offsets_array

__all__ = ["HOLD_LIMIT_BYTES", "WholeLines", "line_spans_python"]

#: Bytes of one source held back behind (and in) a line still open, before
#: the open line is given in parts.
HOLD_LIMIT_BYTES = 8 << 20
_HDR = ENCODED_HEADER_SIZE
_NOT = bytes([1, 0]) + bytes(254)  # 0/1 flags inverted
_RUN_OF_STARTS = re.compile(b"\x01+")
_CONTINUES = bytes([255]) + bytes(255)  # line-start flags -> 0xFF where an entry continues a line
_STAMP = struct.Struct("<q")
_STAMP_BLOCK = 1024  # batch sizes rounded up to this: few struct formats, all cached


@functools.lru_cache(maxsize=16)
def _stamps_struct(count: int) -> struct.Struct:
    """Unpacks the times of ``count`` 12-byte decoded headers (:attr:`FastBatch.raw`)."""
    return struct.Struct("<" + "q4x" * count)


def _stamps(batch: FastBatch) -> tuple[int, ...]:
    """``batch.timestamps()``, through a struct format cached for any batch size."""
    count = batch.accepted
    rounded = -(-count // _STAMP_BLOCK) * _STAMP_BLOCK
    stamps: tuple[int, ...] = _stamps_struct(rounded).unpack(batch.raw + bytes(12 * (rounded - count)))
    return stamps[:count] if rounded != count else stamps


def line_spans_python(
    raw: bytes, starts_line: bytes, first: int, stop: int, which: int
) -> tuple[bytes, bytes, bytes, bytes]:
    """A batch's lines as columns: the twin of C ``line_spans``.

    Args:
        raw: the batch's 12-byte header records.
        starts_line: one byte per entry, not 0 where an entry begins a line.
        first: the first entry (it must begin a line).
        stop: one past the last entry.
        which: keep the lines of stdout (0), stderr (1) or both (2).

    Returns:
        ``(firsts, stops, stamps, streams)`` of the kept lines (each line
        runs from an entry that begins one to the next such entry, or
        ``stop``): int64s as bytes, and one stream byte per line.

    Raises:
        ValueError: the entries are outside the batch, or ``first`` does not begin a line.
    """
    if not 0 <= first <= stop <= len(starts_line) or which not in (0, 1, 2) or len(raw) < 12 * stop:
        raise ValueError("line_spans: entries outside the batch, or which not 0, 1 or 2")
    if first < stop and not starts_line[first]:
        raise ValueError("line_spans: the first entry does not begin a line")
    begins = [k for k in range(first, stop) if starts_line[k]]
    ends = [*begins[1:], stop]
    streams = [raw[12 * k + 8] >> 3 & 1 for k in begins]
    kept = [n for n, stream in enumerate(streams) if which in (2, stream)]
    return (
        array("q", [begins[n] for n in kept]).tobytes(),
        array("q", [ends[n] for n in kept]).tobytes(),
        array("q", [_STAMP.unpack_from(raw, 12 * begins[n])[0] for n in kept]).tobytes(),
        bytes(streams[n] for n in kept),
    )


def _add_chunk(out: list[LineSpans], chunk: LineChunk | None) -> None:
    if chunk is not None:
        out.append(LineSpans.of_chunk(chunk))


class _Line:
    """A line begun and not given yet."""

    __slots__ = ("done", "parts", "rest", "stamp", "stream")

    def __init__(self, stream: int, stamp: int, rest: bool = False) -> None:
        self.stream = stream
        self.stamp = stamp
        self.parts: list[bytes] = []
        self.done = False
        self.rest = rest  # the rest of a line given in parts


class _Given:
    """Lines given by one call, gathered in order."""

    __slots__ = ("complete", "rests", "stamps", "streams", "texts")

    def __init__(self) -> None:
        self.stamps: list[int] = []
        self.streams = bytearray()
        self.texts: list[bytes] = []
        self.complete = True
        self.rests: list[int] = []  # positions in texts (rare: lines past the hold limit)

    def chunk(self, keep: tuple[bool, bool]) -> LineChunk | None:
        if not self.texts:
            return None
        streams = bytes(self.streams)
        stamps, texts = self.stamps, self.texts
        rests = tuple(self.rests)
        if not keep[0] or not keep[1]:
            wanted = streams if keep[1] else streams.translate(_NOT)
            if rests:
                kept = list(itertools.accumulate(wanted))  # how many are kept up to each
                rests = tuple(kept[rest] - 1 for rest in rests if wanted[rest])
            stamps = list(itertools.compress(stamps, wanted))
            texts = list(itertools.compress(texts, wanted))
            streams = bytes(itertools.compress(streams, wanted))
            if not texts:
                return None
        complete = self.complete or all(text[-1:] == b"\n" for text in texts)
        return LineChunk(stamps, streams, texts, complete, rests)


class WholeLines:
    """One source's entries in, its whole logical lines out (see the module docstring).

    Args:
        streams: which streams' lines to give (0 stdout, 1 stderr); the
            other stream's entries still count for the line rule.
        hold_limit_bytes: most bytes held back behind and in open lines.
    """

    def __init__(
        self, streams: frozenset[int] = frozenset({0, 1}), *, hold_limit_bytes: int = HOLD_LIMIT_BYTES
    ) -> None:
        self._state = LineState()
        self._keep = (0 in streams, 1 in streams)
        self._pending: list[_Line] = []  # begun and not given, in the order they began
        self._open: list[_Line | None] = [None, None]
        self._held_bytes = 0
        self._limit = hold_limit_bytes

    @property
    def holding(self) -> bool:
        """Whether lines are held back (an open line, or lines waiting behind one)."""
        return bool(self._pending)

    def batch(self, batch: FastBatch) -> LineChunk | None:
        """Add a fast-walk batch (continuing what came before); the lines it completes."""
        given = _Given()
        count = batch.accepted
        first = 0
        if self._pending or self._state.open[0] or self._state.open[1]:
            first = self._batch_entries(batch, 0, count, None, given, until_settled=True)
        if first < count:
            self._bulk(batch if first == 0 else batch.part(first, count), given)
        return given.chunk(self._keep)

    def batch_spans(self, batch: FastBatch) -> list[LineSpans]:
        """Add a fast-walk batch, as :meth:`batch` does; the lines it completes, as spans.

        The same lines as :meth:`batch` gives, in the same order. Where each
        line's entries are consecutive (the common case) they are spans of
        the batch's buffer, found in C with the speed-up (``line_spans``) and
        no bytes copied; the others are made one by one, as :meth:`batch`
        makes them.
        """
        out: list[LineSpans] = []
        count = batch.accepted
        first = 0
        if self._pending or self._state.open[0] or self._state.open[1]:
            given = _Given()
            first = self._batch_entries(batch, 0, count, None, given, until_settled=True)
            _add_chunk(out, given.chunk(self._keep))
        if first < count:
            part = batch if first == 0 else batch.part(first, count)
            flags = part.streams()
            starts_line = self._state.starts_in_bulk(flags, part.last_bytes())
            cut, consecutive = self._plan(flags, starts_line)
            given = _Given()
            if not consecutive:
                self._batch_entries(part, 0, part.accepted, starts_line, given)
            else:
                which = 2 if self._keep == (True, True) else 1 if self._keep[1] else 0  # as _Given.chunk
                if cut:
                    native = _native.speedups
                    columns = (line_spans_python if native is None else native.line_spans)(
                        part.raw, starts_line, 0, cut, which)
                    if columns[3]:
                        out.append(LineSpans(part.buf, _HDR, offsets_array(part.starts), *columns))
                if cut < part.accepted:
                    self._batch_entries(part, cut, part.accepted, starts_line, given)
            _add_chunk(out, given.chunk(self._keep))
        return out

    def events(self, events: Iterable[Event]) -> LineChunk | None:
        """Add decoder events (entries and damage); the lines they complete."""
        given = _Given()
        state = self._state
        for event in events:
            if type(event) is Entry:
                message = event.message
                self._add(event.stream, event.timestamp_ns, message, state.entry(event.stream, message))
            else:
                self._damage()
            self._give(given)
        return given.chunk(self._keep)

    def damage(self) -> LineChunk | None:
        """Damage was met: it ends every open line; the lines that gives."""
        given = _Given()
        self._damage()
        self._give(given)
        return given.chunk(self._keep)

    def close(self) -> LineChunk | None:
        """The input ended: every line still open is given as it is."""
        given = _Given()
        self._end_open()
        self._give(given)
        return given.chunk(self._keep)

    # -- entry by entry ----------------------------------------------------------------

    def _add(self, stream: int, stamp: int, payload: bytes, starts: bool) -> None:
        """One entry, which the line rule says starts a line or not."""
        line = self._open[stream]
        if starts or line is None:
            # A line that starts, or the rest of one given in parts.
            line = _Line(stream, stamp, rest=not starts)
            self._pending.append(line)
        line.parts.append(payload)
        self._held_bytes += len(payload)
        if ends_line(payload):
            line.done = True
            self._open[stream] = None
        else:
            self._open[stream] = line
        if self._held_bytes > self._limit and (self._open[0] or self._open[1]):
            self._end_open()  # an open line holds back too much: give it (and what waits) in parts

    def _damage(self) -> None:
        self._state.damage()
        self._end_open()

    def _end_open(self) -> None:
        """Give the open lines as they are; what follows of them is new lines."""
        for line in self._pending:
            line.done = True
        self._open = [None, None]

    def _give(self, given: _Given) -> None:
        """Give the lines at the head of the pending ones that are done."""
        pending = self._pending
        taken = 0
        for line in pending:
            if not line.done:
                break
            text = line.parts[0] if len(line.parts) == 1 else b"".join(line.parts)
            given.stamps.append(line.stamp)
            given.streams.append(line.stream)
            if line.rest:
                given.rests.append(len(given.texts))
            given.texts.append(text)
            if text[-1:] != b"\n":
                given.complete = False
            self._held_bytes -= len(text)
            taken += 1
        if taken:
            del pending[:taken]
        if not pending:
            self._held_bytes = 0

    def _batch_entries(
        self,
        batch: FastBatch,
        first: int,
        stop: int,
        starts_line: bytes | None,
        given: _Given,
        *,
        until_settled: bool = False,
    ) -> int:
        """Entries ``[first, stop)`` of a batch one by one; where that stopped.

        Args:
            starts_line: which entries start a line, when the line rule was
                already applied to them (in bulk); else it is applied here.
            until_settled: stop after the first entry that leaves nothing
                held and no line open (the rest can go in bulk).
        """
        flags = batch.streams()
        stamps = _stamps(batch)
        payload = batch.payload
        state = self._state
        for number in range(first, stop):
            stream = flags[number]
            message = payload(number)
            starts = state.entry(stream, message) if starts_line is None else starts_line[number] == 1
            self._add(stream, stamps[number], message, starts)
            self._give(given)
            if until_settled and not self._pending and not (state.open[0] or state.open[1]):
                return number + 1
        return stop

    # -- in bulk -------------------------------------------------------------------------

    def _plan(self, flags: bytes, starts_line: bytes) -> tuple[int, bool]:
        """After the line rule ran over a batch in bulk: where the lines still
        open at its end begin (``cut``), and whether each line's entries are
        consecutive (the stream changes only where a line starts)."""
        count = len(flags)
        cut = count
        for stream in (0, 1):
            if self._state.open[stream]:
                mine = flags if stream else flags.translate(_NOT)
                begins = int.from_bytes(mine, "big") & int.from_bytes(starts_line, "big")
                cut = min(cut, begins.to_bytes(count, "big").rfind(b"\x01"))
        if starts_line.count(1) == count:
            return cut, True
        switches = int.from_bytes(flags[1:], "big") ^ int.from_bytes(flags[:-1], "big")
        return cut, not switches & ~int.from_bytes(starts_line[1:], "big")

    def _bulk(self, batch: FastBatch, given: _Given) -> None:
        """A batch that starts with no line open and nothing held."""
        count = batch.accepted
        flags = batch.streams()
        buf = batch.buf
        offsets = batch.starts
        payloads = [buf[offsets[k] + _HDR : offsets[k + 1]] for k in range(count)]
        try:
            last_bytes = bytes([payload[-1] for payload in payloads])
        except IndexError:  # an empty payload (its "last byte" is the header's "=")
            last_bytes = batch.last_bytes()
        starts_line = self._state.starts_in_bulk(flags, last_bytes)
        cut, consecutive = self._plan(flags, starts_line)
        if not consecutive:
            self._batch_entries(batch, 0, count, starts_line, given)
            return
        one_per_line = starts_line.count(1) == count
        stamps = _stamps(batch)
        if one_per_line:
            given.texts += payloads if cut == count else payloads[:cut]
            given.stamps += stamps[:cut]
            given.streams += flags[:cut]
        else:
            # Runs of entries that each start a line, and after each run the
            # entries that continue its last line (the few long lines).
            texts = given.texts
            runs = [run.span() for run in _RUN_OF_STARTS.finditer(starts_line, 0, cut)]
            for number, (first, stop) in enumerate(runs):
                texts += payloads[first:stop]
                given.stamps += stamps[first:stop]
                rest = runs[number + 1][0] if number + 1 < len(runs) else cut
                if rest > stop:
                    texts[-1] = b"".join(payloads[stop - 1 : rest])
            # The streams of the entries that start a line: the others marked and dropped.
            continuing = starts_line[:cut].translate(_CONTINUES)
            marked = int.from_bytes(flags[:cut], "big") | int.from_bytes(continuing, "big")
            given.streams += marked.to_bytes(cut, "big").replace(b"\xff", b"")
        if cut < count:
            self._batch_entries(batch, cut, count, starts_line, given)
