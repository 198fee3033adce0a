"""Searching and filtering rows: the matcher, the row scanner, filtered row views.

This module owns what "a row matches" means and how a range of rows is
scanned for matches, without knowing anything of Textual. A
:class:`Matcher` tests a row's message: its payloads joined, decoded as
UTF-8 (invalid bytes as ``\\xNN``), without the trailing newline; plain text
by default, or a regular expression, case-insensitive unless asked.

:func:`scan_rows` reads the file once from one model row's offset and hands
each logical line of a row range to a test, yielding the matching row
numbers in compact arrays (the walk is :mod:`iolog_tui.model.blockmatch`);
:func:`iter_lines` reads a range of rows' lines back (for export) with
:func:`iolog.read_lines`. Both run in worker threads and read only the
model's row arrays (offsets and kinds), so their row numbers are the model's;
neither assembles lines by a rule of its own. :class:`FilteredRows` shows a
subset of rows (a filter's result, an array of row numbers) with the same
interface as :class:`~iolog_tui.model.rows.RowView`.
"""

from __future__ import annotations

import os
import re
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from iolog import InvalidArgumentError, Line, Stream, read_lines, terminal_runs

from .blockmatch import passing_rows
from .context import ContextRows
from .logrows import LogRows
from .rows import LogModel, Row, RowKind, RowView

__all__ = [
    "FilteredRows",
    "Matcher",
    "RowLine",
    "RowTest",
    "ScanBatch",
    "StreamChoice",
    "iter_lines",
    "message_string",
    "scan_rows",
    "shown_as_is",
    "shown_string",
    "view_index",
]

#: Rows :func:`iter_lines` reads back in one pass of :func:`iolog.read_lines`.
_PASS_ROWS = 8192
#: Rows scanned between two progress reports.
_REPORT_ROWS = 50_000
#: :func:`scan_rows` calls ``between_blocks`` once per this many bytes decided.
_PAUSE_BYTES = 64 * 1024
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
    """A row's message as searched: the text the row shows, without the trailing newline.

    That is the text of :func:`iolog.terminal_runs` with colours: colour sequences are no text (``foo
    \\x1b[1mbar`` reads ``foo bar``), every other control, escape sequence
    and byte that is not UTF-8 is its visible escape (``\\xNN``, ``␛``...).
    """
    if message.endswith(b"\n"):
        message = message[:-2] if message.endswith(b"\r\n") else message[:-1]
    return shown_string(message)


def shown_string(message: bytes) -> str:
    """:func:`message_string` of a message whose trailing newline is already gone."""
    runs = terminal_runs(message.decode("utf-8", "surrogateescape"), colours=True)
    return "".join([text for text, _escaped, sgr in runs if sgr is None])


def shown_as_is(message: bytes) -> bool:
    """Whether an ASCII literal is in a message's shown text exactly when it is in its bytes.

    True for a message in ASCII without ESC: there the row shows every byte
    as it is but controls, each as one visible escape beyond ASCII, so a
    needle (printable ASCII, see :attr:`Matcher.needle`) lies in the one
    where it lies in the other. A colour sequence, left out of the shown
    text, may join text around it (or hold the needle itself: ``31m``);
    any byte beyond ASCII may be escaped as ASCII text (``\\xff``).
    """
    return message.isascii() and b"\x1b" not in message


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
        object.__setattr__(self, "_literal", self.needle)

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled expression."""
        return self._compiled  # type: ignore[attr-defined,no-any-return]

    def matches(self, message: bytes) -> bool:
        """Whether a row's message (raw payload bytes) matches: the text the row shows.

        A plain ASCII pattern (the search count's common case) is looked for
        in the bytes of a message in ASCII without ESC (:func:`shown_as_is`),
        without decoding: there, case is ASCII case, and the expression is
        the pattern as it is. Any other message is searched as it is shown
        (:func:`message_string`).
        """
        literal: bytes | None = self._literal  # type: ignore[attr-defined]
        if literal is not None and message.isascii() and b"\x1b" not in message:
            if message.endswith(b"\n"):
                message = message[:-2] if message.endswith(b"\r\n") else message[:-1]
            return literal in (message if self.case_sensitive else message.lower())
        return self.compiled.search(message_string(message)) is not None

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of each non-empty match in ``text``."""
        for match in self.compiled.finditer(text):
            if match.end() > match.start():
                yield match.start(), match.end()

    @property
    def needle(self) -> bytes | None:
        """Bytes every matching ASCII row holds, to rule out raw file bytes before decoding.

        ``None`` for a regular expression, a pattern that is not ASCII (under
        case folding some non-ASCII letters match ASCII ones) or one with a
        control character (the shown text has none but TAB). Without exact
        case the needle is lower case, to be looked for in lowered bytes.
        Only text that is all ASCII without ESC may be ruled out this way
        (see :func:`shown_as_is`): elsewhere invalid bytes are searched as
        ``\\xNN``, and colour sequences are no text.
        """
        if self.regex or not self.pattern.isascii() or not self.pattern.replace("\t", "").isprintable():
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


class RowLine(NamedTuple):
    """A model row's logical line, read back by :func:`iter_lines`."""

    row: int
    line: Line


def iter_lines(
    path: str | os.PathLike[str],
    offsets: array[int],
    kinds: array[int],
    start_row: int,
    end_row: int,
    *,
    max_bytes: int | None = None,
    span_bytes: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[RowLine | int]:
    """Read the line rows ``[start_row, end_row)`` back from the file, in row order.

    The rows are the model's (``offsets`` and ``kinds`` are its arrays); each
    line row's line is what :func:`iolog.read_lines` reads from its offset
    (a few thousand rows per pass). Garbage rows are passed over.

    Args:
        path: the log file.
        offsets: file offset of each row's first entry.
        kinds: :class:`~iolog_tui.model.rows.RowKind` of each row.
        start_row: the first row.
        end_row: one past the last row (at most ``len(offsets)``).
        max_bytes: keep at most this much of each message (``Line.size``
            still counts every byte).
        span_bytes: how far past the last row of a pass its lines are
            followed (default: :func:`iolog.read_lines` 's).
        should_stop: polled between reads; true ends the reading early.

    Yields:
        Each :class:`RowLine`, and after each pass an ``int``: every row
        below it has been given (progress; the last one is ``end_row``).

    Raises:
        OSError: the file cannot be read.
    """
    end_row = min(end_row, len(offsets))
    spans = {} if span_bytes is None else {"span_bytes": span_bytes}
    fd = os.open(os.fspath(path), os.O_RDONLY)
    try:
        row = start_row
        while row < end_row:
            if should_stop():
                return
            pass_end = min(end_row, row + _PASS_ROWS)
            numbers = [number for number in range(row, pass_end) if kinds[number] <= RowKind.STDERR]
            at = 0
            for line in read_lines(fd, [offsets[number] for number in numbers], max_bytes=max_bytes,
                                   should_stop=should_stop, **spans):
                while offsets[numbers[at]] < line.offset:
                    at += 1
                yield RowLine(numbers[at], line)
                at += 1
            if should_stop():
                return
            row = pass_end
            yield row
        if start_row >= end_row:
            yield end_row
    finally:
        os.close(fd)


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

    One pass over the file from the first row decides every row (see
    :func:`~iolog_tui.model.blockmatch.passing_rows`): each row's line is the one
    :func:`iolog.read_lines` reads from its offset, tested on the message
    the viewer draws (at most ``MAX_ROW_BYTES``). With a ``needle`` (see
    :attr:`Matcher.needle`) only the lines that may hold it are tested.

    Args:
        path: the log file.
        offsets: file offset of each row's first entry.
        kinds: :class:`~iolog_tui.model.rows.RowKind` of each row.
        start_row: the first row to test.
        end_row: one past the last row to test.
        test: ``test(kind, message)`` says whether a line row passes; with a
            ``needle`` it must fail every ASCII message without ESC without the needle.
        should_stop: polled between reads; true ends the scan early.
        stop_after: end the scan once this many rows have passed.
        needle: bytes that every passing row's message holds (lower case
            unless ``exact_case``).
        exact_case: the needle is to be found as it is, not in lowered bytes.
        between_blocks: called after each read, once per ``_PAUSE_BYTES``
            decided (a worker sleeps there to let other threads run).

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
    found = 0
    reported = start_row
    reported_at = time.monotonic()
    paused_at = offsets[start_row]
    walk = passing_rows(os.fspath(path), offsets, kinds, start_row, end_row, test, needle, exact_case)
    try:
        for rows, done_row in walk:
            if stop_after is not None and found + len(rows) >= stop_after:
                passed.extend(rows[: stop_after - found])
                yield ScanBatch(passed, passed[-1] + 1)
                return
            passed.extend(rows)
            found += len(rows)
            now = time.monotonic()
            if (
                done_row >= end_row
                or (passed and now - reported_at >= _REPORT_INTERVAL_S)
                or done_row - reported >= _REPORT_ROWS
            ):
                yield ScanBatch(passed, done_row)
                passed = array("I")
                reported = done_row
                reported_at = now
            if done_row >= end_row or should_stop():
                return
            if between_blocks is not None:
                # Once per block of bytes decided, however the reads fall.
                position = offsets[done_row]
                for _ in range(max(1, (position - paused_at) // _PAUSE_BYTES)):
                    between_blocks()
                paused_at = max(paused_at, position)
    finally:
        walk.close()


class FilteredRows(RowView):
    """The rows of a pane under a filter: a compact array of model row numbers.

    The array grows as the filter scan proceeds (and, when following, as new
    rows arrive and pass). It numbers the rows of the model's generation when
    it was made: once the model starts over, the view is empty (until the
    filter, run again, gives a new one).

    Args:
        model: the model the rows live in.
        rows: the passing row numbers, increasing.
        stream: the stream this pane shows, ``None`` for both.
    """

    def __init__(self, model: LogModel, rows: array[int], stream: Stream | None = None) -> None:
        super().__init__(model, stream)
        self.passing = rows
        self.generation = model.generation

    def __len__(self) -> int:
        return len(self.passing) if self.model.generation == self.generation else 0

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
        if not len(self):
            return 0
        return bisect_left(self.passing, offset, key=self.model.offsets.__getitem__)


def view_index(rows: RowView, model_row: int) -> int:
    """The first row of ``rows`` at or after model row ``model_row`` (may be ``len``)."""
    if isinstance(rows, (ContextRows, LogRows)):
        return rows.index_of(model_row)
    if isinstance(rows, FilteredRows):
        return bisect_left(rows.passing, model_row) if len(rows) else 0
    if rows.stream is None:
        return min(model_row, len(rows))
    return bisect_left(rows.model.stream_rows[int(rows.stream)], model_row)


def is_line(kind: int) -> bool:
    """Whether a row kind is a line of a stream (not garbage)."""
    return kind <= RowKind.STDERR
