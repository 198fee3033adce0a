"""Searching and filtering rows: the matcher, the row scanner, filtered row views.

This module owns what "a row matches" means and how a range of rows is
scanned for matches, without knowing anything of Textual. A
:class:`Matcher` tests a row's message: its payloads joined, decoded as
UTF-8 (invalid bytes as ``\\xNN``), without the trailing newline; plain text
by default, or a regular expression, case-insensitive unless asked.

:func:`scan_rows` decodes the file from one model row's offset and hands
each logical line of a row range to a test, yielding the matching row
numbers in compact arrays; it runs in worker threads and reads only the
model's row arrays (offsets and kinds), so its row numbers are the model's.
:class:`FilteredRows` shows a subset of rows (a filter's result, an array of
row numbers) with the same interface as :class:`~iolog_tui.model.RowView`.
"""

from __future__ import annotations

import os
import re
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from iolog import Decoder, Entry, InvalidArgumentError, Stream

from .blockmatch import rows_passing
from .model import MAX_ROW_BYTES, LogModel, Row, RowKind, RowView

__all__ = [
    "FilteredRows",
    "Matcher",
    "RowTest",
    "Line",
    "ScanBatch",
    "StreamChoice",
    "iter_lines",
    "message_string",
    "scan_rows",
    "view_index",
]

_READ_BYTES = 1024 * 1024
#: Rows scanned between two progress reports.
_REPORT_ROWS = 50_000
#: Bytes of rows :func:`scan_rows` decides at a time (a few milliseconds of work).
_BLOCK_BYTES = 64 * 1024
#: Bytes read past a block for the continuations of its long lines.
_MARGIN_BYTES = 16 * 1024
#: The least a block's decoding reads at a time (a read of 0 bytes would end it).
_MIN_READ_BYTES = 4096
#: Shortest time between two batches that only report progress.
_REPORT_INTERVAL_S = 0.1

#: ``(kind, message) -> bool``: does the row count?
RowTest = Callable[[int, bytes], bool]


class StreamChoice:
    """Which streams a pane shows: ``BOTH``, ``STDOUT`` or ``STDERR`` (keys 3, 1, 2)."""

    BOTH: frozenset[int] = frozenset({int(Stream.STDOUT), int(Stream.STDERR)})
    STDOUT: frozenset[int] = frozenset({int(Stream.STDOUT)})
    STDERR: frozenset[int] = frozenset({int(Stream.STDERR)})


def message_string(message: bytes) -> str:
    """A row's message as searched: UTF-8 (bad bytes as ``\\xNN``), no trailing newline."""
    if message.endswith(b"\n"):
        message = message[:-2] if message.endswith(b"\r\n") else message[:-1]
    return message.decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Matcher:
    """A search or filter pattern.

    Attributes:
        pattern: what the user typed.
        regex: treat ``pattern`` as a Python regular expression.
        case_sensitive: match case exactly (otherwise case is ignored).

    Raises:
        InvalidArgumentError: the pattern is empty or not a valid expression.
    """

    pattern: str
    regex: bool = False
    case_sensitive: bool = False

    def __post_init__(self) -> None:
        if not self.pattern:
            raise InvalidArgumentError("type something to look for")
        try:
            compiled = re.compile(
                self.pattern if self.regex else re.escape(self.pattern),
                0 if self.case_sensitive else re.IGNORECASE,
            )
        except re.error as exc:
            raise InvalidArgumentError(f"not a valid regular expression: {exc}") from None
        object.__setattr__(self, "_compiled", compiled)

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled expression."""
        return self._compiled  # type: ignore[attr-defined,no-any-return]

    def matches(self, message: bytes) -> bool:
        """Whether a row's message (raw payload bytes) matches."""
        return self.compiled.search(message_string(message)) is not None

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of each non-empty match in ``text``."""
        for match in self.compiled.finditer(text):
            if match.end() > match.start():
                yield match.start(), match.end()

    @property
    def needle(self) -> bytes | None:
        """Bytes every matching ASCII row holds, to rule out raw file bytes before decoding.

        ``None`` for a regular expression or a pattern that is not ASCII (under
        case folding some non-ASCII letters match ASCII ones). Without exact
        case the needle is lower case, to be looked for in lowered bytes.
        Only text that is all ASCII may be ruled out this way: elsewhere
        invalid bytes are searched as ``\\xNN``.
        """
        if self.regex or not self.pattern.isascii():
            return None
        needle = self.pattern.encode("ascii")
        return needle if self.case_sensitive else needle.lower()

    def describe(self) -> str:
        """A short form for the status bar: ``"text"`` or ``/regex/``, with ``Aa`` if exact case."""
        shown = self.pattern if len(self.pattern) <= 24 else self.pattern[:23] + "…"
        text = f"/{shown}/" if self.regex else f'"{shown}"'
        return text + (" Aa" if self.case_sensitive else "")


@dataclass(slots=True)
class ScanBatch:
    """Matches found by :func:`scan_rows` since its last batch.

    Attributes:
        rows: matching row numbers, increasing (and above every earlier batch's).
        done_row: every row below this number has been decided.
    """

    rows: array[int]
    done_row: int


@dataclass(slots=True)
class Line:
    """One logical line read back by :func:`iter_lines`.

    Attributes:
        row: its model row number.
        kind: its stream (a :class:`~iolog_tui.model.RowKind` below ``SKIPPED``).
        entries: the entries it is made of, in file order.
    """

    row: int
    kind: int
    entries: list[Entry]

    @property
    def message(self) -> bytes:
        """The joined payloads."""
        return b"".join(entry.message for entry in self.entries)

    @property
    def timestamp_ns(self) -> int:
        """The first entry's time."""
        return self.entries[0].timestamp_ns


def iter_lines(
    path: str | os.PathLike[str],
    offsets: array[int],
    kinds: array[int],
    start_row: int,
    end_row: int,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    read_bytes: int = _READ_BYTES,
) -> Iterator[Line | int]:
    """Read the line rows ``[start_row, end_row)`` back from the file, in row order.

    The rows are the model's (``offsets`` and ``kinds`` are its arrays): an
    entry at a row's offset starts that row; later entries of the same stream
    continue it until one ends in a newline; entries that start no row in the
    range (outside the time window, or continuing a line begun before
    ``start_row``) are passed over, and so are garbage rows. A line the file
    ends without a newline is given as it is.

    Args:
        path: the log file.
        offsets: file offset of each row's first entry.
        kinds: :class:`~iolog_tui.model.RowKind` of each row.
        start_row: the first row.
        end_row: one past the last row (at most ``len(offsets)``).
        should_stop: polled between reads; true ends the reading early.
        read_bytes: bytes read (and decoded) at a time.

    Yields:
        Each :class:`Line`, and after each read an ``int``: every row below
        it has been given (progress; the last one is ``end_row``).

    Raises:
        OSError: the file cannot be read.
    """
    end_row = min(end_row, len(offsets))
    if start_row >= end_row:
        yield end_row
        return
    position = offsets[start_row]
    decoder = Decoder(offset=position)
    next_row = start_row
    next_offset = position
    open_lines: list[Line | None] = [None, None]
    ready: list[Line] = []  # complete lines held back behind an open one
    fd = os.open(os.fspath(path), os.O_RDONLY)
    pread = os.pread
    try:
        while True:
            if should_stop():
                return
            chunk = pread(fd, read_bytes, position)
            position += len(chunk)
            events = decoder.feed(chunk) if chunk else decoder.flush()
            for event in events:
                if type(event) is not Entry:
                    continue
                offset = event.offset or 0
                while next_offset < offset and next_row < end_row:
                    next_row += 1
                    next_offset = offsets[next_row] if next_row < end_row else -1
                stream = int(event.stream)
                if next_offset == offset and kinds[next_row] == stream:
                    line = Line(next_row, stream, [event])
                    next_row += 1
                    next_offset = offsets[next_row] if next_row < end_row else -1
                    if not event.message.endswith(b"\n"):
                        open_lines[stream] = line
                        continue
                else:
                    pending = open_lines[stream]
                    if pending is None:
                        continue
                    pending.entries.append(event)
                    if not event.message.endswith(b"\n"):
                        continue
                    open_lines[stream] = None
                    line = pending
                other = open_lines[1 - stream]
                if other is None and not ready:
                    yield line
                else:
                    ready.append(line)
                    if other is None or other.row > line.row:
                        ready.sort(key=_row_of)
                        limit = other.row if other is not None else end_row
                        while ready and ready[0].row < limit:
                            yield ready.pop(0)
            finished = next_row >= end_row and open_lines == [None, None]
            if not chunk or finished:
                ready.extend(line for line in open_lines if line is not None)
                ready.sort(key=_row_of)
                yield from ready
                yield end_row
                return
            waiting = [line.row for line in open_lines if line is not None]
            yield min([next_row, *waiting])
    finally:
        os.close(fd)


def _row_of(line: Line) -> int:
    return line.row


def scan_rows(
    path: str | os.PathLike[str],
    offsets: array[int],
    kinds: array[int],
    start_row: int,
    end_row: int,
    test: RowTest,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    stop_after: int | None = None,
    needle: bytes | None = None,
    exact_case: bool = True,
    between_blocks: Callable[[], None] | None = None,
) -> Iterator[ScanBatch]:
    """Yield the line rows of ``[start_row, end_row)`` that pass ``test``.

    Rows are read back as by :func:`iter_lines`, a block of about
    ``_BLOCK_BYTES`` at a time; a line is tested on at most
    ``MAX_ROW_BYTES`` of its message, as much as is drawn. A block that is
    a clean run of line entries is decided from its raw bytes (see
    :func:`~iolog_tui.blockmatch.rows_passing`); with a ``needle`` (see
    :attr:`Matcher.needle`) only the lines that hold it, hold bytes beyond
    ASCII, or are made of several entries (whose parts the needle may
    straddle) are tested. Other blocks are decoded.

    Args:
        path: the log file.
        offsets: file offset of each row's first entry.
        kinds: :class:`~iolog_tui.model.RowKind` of each row.
        start_row: the first row to test.
        end_row: one past the last row to test.
        test: ``test(kind, message)`` says whether a line row passes; with a
            ``needle`` it must fail every all-ASCII message without the needle.
        should_stop: polled between blocks; true ends the scan early.
        stop_after: end the scan once this many rows have passed.
        needle: bytes that every passing row's message holds (lower case
            unless ``exact_case``).
        exact_case: the needle is to be found as it is, not in lowered bytes.
        between_blocks: called after each block (a worker sleeps there to
            let other threads run).

    Yields:
        :class:`ScanBatch` es in row order, one whenever rows have passed and
        at least one per ``_REPORT_ROWS`` rows decided or ``_REPORT_INTERVAL_S``;
        the last one has ``done_row == end_row`` unless the scan stopped early.

    Raises:
        OSError: the file cannot be read.
    """
    end_row = min(end_row, len(offsets))
    if start_row >= end_row:
        yield ScanBatch(array("I"), end_row)
        return
    passed = array("I")
    reported = start_row
    reported_at = time.monotonic()
    row = start_row
    fd = os.open(os.fspath(path), os.O_RDONLY)
    try:
        while row < end_row:
            if should_stop():
                return
            first = offsets[row]
            stop = max(row + 1, bisect_left(offsets, first + _BLOCK_BYTES, row + 1, end_row))
            found = None
            if stop < len(offsets):
                # Straight from the raw bytes; the decoder only where the
                # block is not a clean run of line entries.
                raw = os.pread(fd, offsets[stop] - first + _MARGIN_BYTES, first)
                found = rows_passing(raw, first, offsets, kinds, row, stop, test, needle, exact_case)
            if found is None:
                found = _decode_block(path, offsets, kinds, row, stop, test, should_stop)
            if stop_after is not None and len(passed) + len(found) >= stop_after:
                del found[stop_after - len(passed):]
                passed.extend(found)
                yield ScanBatch(passed, passed[-1] + 1)
                return
            passed.extend(found)
            row = stop
            now = time.monotonic()
            if (
                row >= end_row
                or (passed and now - reported_at >= _REPORT_INTERVAL_S)
                or row - reported >= _REPORT_ROWS
            ):
                yield ScanBatch(passed, row)
                passed = array("I")
                reported = row
                reported_at = now
            if between_blocks is not None:
                between_blocks()
    finally:
        os.close(fd)


def _decode_block(
    path: str | os.PathLike[str],
    offsets: array[int],
    kinds: array[int],
    start_row: int,
    end_row: int,
    test: RowTest,
    should_stop: Callable[[], bool],
) -> array[int]:
    """The rows of ``[start_row, end_row)`` passing ``test``, read through the decoder."""
    span = (offsets[end_row] if end_row < len(offsets) else offsets[end_row - 1]) - offsets[start_row]
    passed = array("I")
    for item in iter_lines(path, offsets, kinds, start_row, end_row, should_stop=should_stop,
                           read_bytes=max(span + _MARGIN_BYTES, _MIN_READ_BYTES)):
        if type(item) is int:
            continue
        line: Line = item  # type: ignore[assignment]
        entries = line.entries
        message = entries[0].message if len(entries) == 1 else _clipped(entries)
        if test(line.kind, message):
            passed.append(line.row)
    return passed


def _clipped(entries: list[Entry]) -> bytes:
    joined = b"".join(entry.message for entry in entries)
    return joined[:MAX_ROW_BYTES]


class FilteredRows(RowView):
    """The rows of a pane under a filter: a compact array of model row numbers.

    The array grows as the filter scan proceeds (and, when following, as new
    rows arrive and pass).

    Args:
        model: the model the rows live in.
        rows: the passing row numbers, increasing.
        stream: the stream this pane shows, ``None`` for both.
    """

    def __init__(self, model: LogModel, rows: array[int], stream: Stream | None = None) -> None:
        super().__init__(model, stream)
        self.passing = rows

    def __len__(self) -> int:
        return len(self.passing)

    def merged_index(self, index: int) -> int:
        """The model row number of this view's row ``index``."""
        return self.passing[index]

    def offset(self, index: int) -> int:
        """File offset of this view's row ``index``."""
        return self.model.offsets[self.passing[index]]

    def row(self, index: int) -> Row:
        """This view's row ``index``, read from the file (cached)."""
        return self.model.row(self.passing[index])

    def index_at_offset(self, offset: int) -> int:
        """The first row of this view at or after file ``offset`` (may be ``len``)."""
        return bisect_left(self.passing, offset, key=self.model.offsets.__getitem__)


def view_index(rows: RowView, model_row: int) -> int:
    """The first row of ``rows`` at or after model row ``model_row`` (may be ``len``)."""
    if isinstance(rows, FilteredRows):
        return bisect_left(rows.passing, model_row)
    if rows.stream is None:
        return min(model_row, len(rows))
    return bisect_left(rows.model.stream_rows[int(rows.stream)], model_row)


def is_line(kind: int) -> bool:
    """Whether a row kind is a line of a stream (not garbage)."""
    return kind <= RowKind.STDERR
