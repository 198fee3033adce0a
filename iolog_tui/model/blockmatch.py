"""Which rows of a range pass a test, decided from the file's batches: the search count's walk.

This module owns the fast path of :func:`iolog_tui.model.search.scan_rows`. It
reads the file once, from the range's first line row, with
:meth:`iolog.LogFile.batches` (the codec's walk: where entries chain cleanly,
a :class:`iolog.FastBatch` of raw bytes with no object per entry; elsewhere
the decoder's events), and decides which entries start a line with
:class:`iolog.LineState` (:meth:`~iolog.LineState.starts_in_bulk` for a
batch), so every line is the one :func:`iolog.read_lines` reads from its
row's offset. A line is tested on its message as the viewer draws it: at
most ``MAX_ROW_BYTES`` of it, its continuations looked for up to
``MAX_ROW_SPAN_BYTES`` past its first entry (as :meth:`LogModel.row
<iolog_tui.model.rows.LogModel.row>` reads a row alone).

What makes it fast. A line of one entry (it ends in a newline, the common
case) is tested straight from the batch's buffer, and, with a needle (bytes
every passing all-ASCII message holds), only when the needle, or a byte
beyond ASCII, is found in that entry: the needle is looked for across the
batch's raw bytes at once. Lines of several entries (a long line split at
4095 bytes, a partial write) are rare: their entries are found in bulk (the
entries that continue a line, and those that do not end in a newline) and
their parts joined, then tested if they may hold the needle. Entries that
start no row of the range (a line begun before it or outside the time
window) are passed over, and damage ends the lines it interrupts.
"""

from __future__ import annotations

import functools
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Generator
from itertools import compress

from iolog import Entry, Event, FastBatch, LineState, LogFile

from .rows import MAX_ROW_BYTES, MAX_ROW_SPAN_BYTES, RowKind

__all__ = ["passing_rows"]

_HDR = 16  # the encoded header's length: a payload starts this far into its entry
_NOT_NEWLINE = re.compile(b"[^\n]")
_IS_NEWLINE = bytes(1 if char == 10 else 0 for char in range(256))

_RowTest = Callable[[int, bytes], bool]


def passing_rows(
    path: str,
    offsets: array[int],
    kinds: array[int],
    start_row: int,
    end_row: int,
    test: _RowTest,
    needle: bytes | None = None,
    exact_case: bool = True,
) -> Generator[tuple[list[int], int], None, None]:
    """The line rows of ``[start_row, end_row)`` whose lines pass ``test``, as the file is read.

    Args:
        path: the log file.
        offsets: file offset of each model row.
        kinds: :class:`~iolog_tui.model.rows.RowKind` of each model row.
        start_row: the first row to decide.
        end_row: one past the last row to decide (at most ``len(offsets)``).
        test: ``test(kind, message)`` says whether a line row passes; with a
            ``needle`` it must fail every all-ASCII message without it.
        needle: bytes every passing all-ASCII message holds (lower case
            unless ``exact_case``); ``None`` tests every line.
        exact_case: the needle is to be found as it is, not in lowered bytes.

    Yields:
        After each read, ``(rows, done_row)``: the rows found passing since
        the last yield, increasing, and the row below which every row has
        been decided (it only grows; the last one is ``end_row``). The
        caller may stop at any time.

    Raises:
        OSError: the file cannot be read.
    """
    end_row = min(end_row, len(offsets))
    first = start_row
    while first < end_row and kinds[first] > RowKind.STDERR:
        first += 1
    if first >= end_row:
        yield [], end_row
        return
    walk = _Walk(offsets, kinds, first, end_row, test, needle, exact_case)
    start = offsets[first]
    with LogFile(path, cache=False) as log:
        for item in log.batches(start, trusted_first=start > 0):
            if isinstance(item, list):
                walk.events(item)
            else:
                walk.batch(item)
            yield walk.release()
            if walk.finished:
                return
    walk.end()
    yield walk.release()


class _Walk:
    """The state of one pass: the line rule, the lines being joined, the rows passed."""

    def __init__(
        self,
        offsets: array[int],
        kinds: array[int],
        start_row: int,
        end_row: int,
        test: _RowTest,
        needle: bytes | None,
        exact_case: bool,
    ) -> None:
        self.offsets = offsets
        self.kinds = kinds
        self.end_row = end_row
        self.next_row = start_row  # every row below it starts before what has been read
        self.test = test
        self.needle = needle
        # Lowering text changes nothing for a needle without letters.
        self.exact_case = exact_case or needle is None or needle.upper() == needle
        self.reach = 0 if needle is None else len(needle) - 1
        self.state = LineState()
        # Per stream, the line being joined: its row (-1: none, or a line that
        # is no row), its parts, whether it may hold the needle, the last
        # ``reach`` bytes joined (for a needle across two parts).
        self.joining = [-1, -1]
        self.parts: tuple[list[bytes], list[bytes]] = ([], [])
        self.kept = [0, 0]
        self.span_end = [0, 0]
        self.may_hold = [False, False]
        self.tail = [b"", b""]
        self.hits: _Hits | None = None  # for the read buffer the last batch came from
        self.passed: list[int] = []  # rows passed, not yet released
        self.done_row = start_row
        self.finished = False

    # -- what a read brings ------------------------------------------------------

    def batch(self, batch: FastBatch) -> None:
        """Decide the rows whose lines a fast-walk batch holds (or begins)."""
        count = batch.accepted
        buf = batch.buf
        starts = batch.starts
        base = batch.base
        streams = batch.streams()
        lasts = batch.last_bytes()
        line_starts = self.state.starts_in_bulk(streams, lasts)
        low = self.next_row
        high = bisect_left(self.offsets, base + starts[count], low, self.end_row)
        hits = self.hits
        if self.needle is not None:
            if hits is None or hits.buf is not buf:
                hits = self.hits = _Hits(self.needle, buf, self.exact_case)
            hits.batch(starts[0], starts[count])
        # Rare entries, in order: those that continue a line, and lines begun
        # without their newline.
        rare = [match.start() for match in _NOT_NEWLINE.finditer(lasts)]
        number = line_starts.find(0)
        if number >= 0:
            while number >= 0:
                rare.append(number)
                number = line_starts.find(0, number + 1)
            rare = sorted(set(rare))
        joining = self.joining
        may_hold = self.may_hold
        for number in rare:
            stream = streams[number]
            start = starts[number] + _HDR
            end = starts[number + 1]
            if line_starts[number]:
                row = self._row_at(base + starts[number], stream, low, high)
                hit = row >= 0 and hits is not None and hits.within(start, end)
                self._begin(stream, row, base + starts[number], buf[start:end], hit)
            elif joining[stream] >= 0:  # else it continues a line that is no row of the range
                hit = hits is not None and not may_hold[stream] and hits.within(start, end)
                self._continue(stream, base + starts[number], buf[start:end], lasts[number] == 10, hit)
        # Lines of one entry: straight from the buffer.
        if low < high:
            if hits is None:
                self._test_every_line(batch, streams, lasts, line_starts, low, high)
            else:
                self._test_lines_hit(batch, hits, streams, lasts, line_starts, low, high)
        self._reached(base + starts[count])

    def events(self, events: list[Event]) -> None:
        """Decide the rows of the decoder's events (where the walk could not go in bulk)."""
        if not events:
            return
        state = self.state
        needle = self.needle
        for event in events:
            if type(event) is not Entry:
                state.damage()
                self._finish(0)
                self._finish(1)
                continue
            stream = int(event.stream)
            message = event.message
            offset = event.offset or 0
            hit = needle is not None and (
                not message.isascii() or needle in (message if self.exact_case else message.lower())
            )
            if not state.entry(stream, message):
                self._continue(stream, offset, message, not state.open[stream], hit)
                continue
            row = self._row_at(offset, stream, self.next_row, self.end_row)
            if state.open[stream]:
                self._begin(stream, row, offset, message, hit)
            elif row >= 0 and (needle is None or hit) and self.test(stream, message[:MAX_ROW_BYTES]):
                self.passed.append(row)
        last = events[-1]
        self._reached(last.end_offset or 0)

    def end(self) -> None:
        """The file ended: the lines still open end too."""
        self._finish(0)
        self._finish(1)
        self.next_row = self.end_row
        self.done_row = self.end_row
        self.finished = True

    def release(self) -> tuple[list[int], int]:
        """The rows passed below the row decided so far, and that row."""
        done = self.done_row
        passed = self.passed
        if not passed:
            return [], done
        passed.sort()
        cut = bisect_left(passed, done)
        self.passed = passed[cut:]
        return passed[:cut], done

    # -- lines -------------------------------------------------------------------------

    def _row_at(self, offset: int, stream: int, low: int, high: int) -> int:
        """The row of the range at ``offset`` if it is a line of ``stream``, else -1."""
        offsets = self.offsets
        row = bisect_left(offsets, offset, low, high)
        if row < high and offsets[row] == offset and self.kinds[row] == stream:
            return row
        return -1

    def _begin(self, stream: int, row: int, offset: int, payload: bytes, hit: bool) -> None:
        """A line of several entries begins: join it if it is a row."""
        self.joining[stream] = row
        if row < 0:
            return
        part = payload[:MAX_ROW_BYTES]
        self.parts[stream][:] = [part]
        self.kept[stream] = len(part)
        self.span_end[stream] = offset + MAX_ROW_SPAN_BYTES
        self.may_hold[stream] = hit
        if self.reach:
            self.tail[stream] = self._folded(part[-self.reach :])

    def _continue(self, stream: int, offset: int, payload: bytes, ends: bool, hit: bool) -> None:
        """An entry continues its stream's line (``ends``: and ends it)."""
        if self.joining[stream] < 0:
            return
        if offset >= self.span_end[stream]:
            self._finish(stream)  # looked for no further than this when drawn
            return
        kept = self.kept[stream]
        if kept < MAX_ROW_BYTES:
            part = payload[: MAX_ROW_BYTES - kept]
            self.parts[stream].append(part)
            self.kept[stream] = kept + len(part)
            reach = self.reach
            if reach and not self.may_hold[stream]:
                # The needle may lie across the two parts.
                tail = self.tail[stream] + self._folded(part[:reach])
                hit = hit or self.needle in tail  # type: ignore[operator]
                self.tail[stream] = (self.tail[stream] + self._folded(part[-reach:]))[-reach:]
            self.may_hold[stream] = self.may_hold[stream] or hit
        if ends:
            self._finish(stream)

    def _folded(self, data: bytes) -> bytes:
        return data if self.exact_case else data.lower()

    def _finish(self, stream: int) -> None:
        """The line being joined ended (its newline, damage, the end): test it."""
        row = self.joining[stream]
        if row < 0:
            return
        self.joining[stream] = -1
        parts = self.parts[stream]
        if self.needle is None or self.may_hold[stream]:
            if self.test(stream, b"".join(parts)):
                self.passed.append(row)
        parts.clear()

    def _reached(self, position: int) -> None:
        """Everything before ``position`` has been read: rows below it are decided,
        but for lines still being joined."""
        self.next_row = bisect_left(self.offsets, position, self.next_row, self.end_row)
        joining = self.joining
        for stream in (0, 1):
            if joining[stream] >= 0 and self.span_end[stream] <= position:
                self._finish(stream)
        waiting = [row for row in joining if row >= 0]
        self.done_row = min(self.next_row, *waiting) if waiting else self.next_row
        self.finished = self.next_row >= self.end_row and not waiting

    # -- lines of one entry, in bulk ---------------------------------------------------

    def _test_every_line(
        self, batch: FastBatch, streams: bytes, lasts: bytes, line_starts: bytes, low: int, high: int
    ) -> None:
        """Test every row in ``[low, high)`` whose line is one entry of the batch."""
        buf = batch.buf
        starts = batch.starts
        base = batch.base
        test = self.test
        append = self.passed.append
        entries = list(compress(range(batch.accepted), line_starts))  # those that begin a line
        if high - low == len(entries) and self.offsets[low:high] == array(
            "q", map(base.__add__, [starts[number] for number in entries])
        ) and self.kinds[low:high].tobytes() == bytes(compress(streams, line_starts)):
            # Every line begun here is a row, in order (no time window, no row left out).
            single = bytes(compress(lasts, line_starts)).translate(_IS_NEWLINE)
            for row, number in compress(zip(range(low, high), entries, strict=True), single):
                start = starts[number]
                if test(streams[number], buf[start + _HDR : starts[number + 1]]):
                    append(row)
            return
        offsets = self.offsets
        count = batch.accepted
        number = 0
        for row in range(low, high):
            start = offsets[row] - base
            number = bisect_left(starts, start, number, count)
            if number >= count or starts[number] != start:
                continue  # no entry there: not a row of this file as it is now
            kind = self.kinds[row]
            if line_starts[number] and lasts[number] == 10 and streams[number] == kind:
                if test(kind, buf[start + _HDR : starts[number + 1]]):
                    append(row)

    def _test_lines_hit(
        self,
        batch: FastBatch,
        hits: _Hits,
        streams: bytes,
        lasts: bytes,
        line_starts: bytes,
        low: int,
        high: int,
    ) -> None:
        """Test the rows in ``[low, high)`` whose line is one entry of the batch holding a hit."""
        buf = batch.buf
        starts = batch.starts
        count = batch.accepted
        base = batch.base
        test = self.test
        append = self.passed.append
        find = hits.find
        position = starts[0]
        end = starts[count]
        while True:
            hit = find(position, end)
            if hit < 0:
                return
            number = bisect_right(starts, hit, 0, count) - 1
            if line_starts[number] and lasts[number] == 10:
                stream = streams[number]
                start = starts[number]
                row = self._row_at(base + start, stream, low, high)
                if row >= 0 and test(stream, buf[start + _HDR : starts[number + 1]]):
                    append(row)
            position = starts[number + 1]  # the next hit in a later entry


class _Hits:
    """Where a read buffer's bytes hold the needle, or a byte beyond ASCII.

    A message with bytes beyond ASCII is searched as text (invalid bytes as
    ``\\xNN``, some letters folding to ASCII ones), so it may match without
    holding the needle: such bytes count as hits too. Positions are the
    buffer's; the buffer is lowered and checked for bytes beyond ASCII once,
    for every batch the walk finds in it.
    """

    def __init__(self, needle: bytes, buf: bytes, exact_case: bool) -> None:
        self.buf = buf
        self.needle = needle
        self.haystack = buf if exact_case else buf.lower()
        self.ascii = buf.isascii()
        self.pattern: re.Pattern[bytes] | None = None

    def batch(self, start: int, end: int) -> None:
        """Look for hits in ``[start, end)`` of the buffer next (a batch's bytes)."""
        self.pattern = None
        if not self.ascii and not self.buf[start:end].isascii():
            self.pattern = _needle_or_non_ascii(self.needle)

    def find(self, start: int, end: int) -> int:
        """Where the first hit within ``[start, end)`` starts, -1 if none."""
        if self.pattern is None:
            return self.haystack.find(self.needle, start, end)
        match = self.pattern.search(self.haystack, start, end)
        return -1 if match is None else match.start()

    def within(self, start: int, end: int) -> bool:
        """Whether a hit lies wholly within ``[start, end)``."""
        if self.pattern is None:
            return self.haystack.find(self.needle, start, end) >= 0
        return self.pattern.search(self.haystack, start, end) is not None


@functools.lru_cache(maxsize=16)
def _needle_or_non_ascii(needle: bytes) -> re.Pattern[bytes]:
    """The needle or any byte beyond ASCII (text beyond ASCII is searched as text, never ruled out)."""
    return re.compile(re.escape(needle) + rb"|[\x80-\xff]")
