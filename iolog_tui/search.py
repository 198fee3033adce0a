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
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from iolog import Decoder, Entry, InvalidArgumentError, Stream

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
            chunk = pread(fd, _READ_BYTES, position)
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
) -> Iterator[ScanBatch]:
    """Yield the line rows of ``[start_row, end_row)`` that pass ``test``.

    Rows are read back as by :func:`iter_lines`; a line is tested on at most
    ``MAX_ROW_BYTES`` of its message, as much as is drawn.

    Args:
        path: the log file.
        offsets: file offset of each row's first entry.
        kinds: :class:`~iolog_tui.model.RowKind` of each row.
        start_row: the first row to test.
        end_row: one past the last row to test.
        test: ``test(kind, message)`` says whether a line row passes.
        should_stop: polled between reads; true ends the scan early.
        stop_after: end the scan once this many rows have passed.

    Yields:
        :class:`ScanBatch` es in row order, at least one per ``_REPORT_ROWS``
        rows decided; the last one has ``done_row == end_row`` unless the scan
        stopped early.

    Raises:
        OSError: the file cannot be read.
    """
    passed = array("I")
    found = 0
    reported = start_row
    for item in iter_lines(path, offsets, kinds, start_row, end_row, should_stop=should_stop):
        if type(item) is int:
            if item - reported >= _REPORT_ROWS or item >= end_row or passed:
                reported = item
                yield ScanBatch(passed, item)
                passed = array("I")
            continue
        line: Line = item  # type: ignore[assignment]
        entries = line.entries
        message = entries[0].message if len(entries) == 1 else _clipped(entries)
        if test(line.kind, message):
            passed.append(line.row)
            found += 1
            if stop_after is not None and found >= stop_after:
                yield ScanBatch(passed, line.row + 1)
                return


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
