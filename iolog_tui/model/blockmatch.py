"""Which rows of a range pass a test, decided from the file read once: the search count's walk.

This module owns the fast path of :func:`iolog_tui.model.search.scan_rows`.
It reads the file once, from the range's first line row, with
:meth:`iolog.LogFile.find_lines` (the codec's bulk step: the lines that may hold a
needle, found by the one line rule, in C with the speed-up), and tests each
line it is given that is a row of the range, so every line is the one
:func:`iolog.read_lines` reads from its row's offset. A line is tested on
its message as the viewer draws it: at most ``MAX_ROW_BYTES`` of it, its
continuations looked for up to ``MAX_ROW_SPAN_BYTES`` past its first entry
(as :meth:`LogModel.row <iolog_tui.model.rows.LogModel.row>` reads a row
alone). With a needle (bytes every passing ASCII message without ESC holds), only
the lines that hold it, a byte beyond ASCII or an ESC, are tested; lines that
start no row of the range (a line begun before it or outside the time
window) are passed over. The rows of several logs merged by time are
walked log by log, each in its own file
(:func:`~iolog_tui.model.mergedrows.merged_passing_rows`).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Generator

from iolog import LogFile

from .mergedrows import RowPlaces, merged_passing_rows
from .rows import MAX_ROW_BYTES, MAX_ROW_SPAN_BYTES, RowKind

__all__ = ["passing_rows"]

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
            ``needle`` it must fail every ASCII message without ESC without it.
        needle: bytes every passing ASCII message without ESC holds (lower case
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
    if isinstance(offsets, RowPlaces):  # several logs merged: each walked in its own file
        yield from merged_passing_rows(
            offsets.model, start_row, end_row,
            lambda log, first, end: passing_rows(log.path, log.offsets, log.kinds, first, end, test, needle,
                                                 exact_case),
        )
        return
    end_row = min(end_row, len(offsets))
    first = start_row
    while first < end_row and kinds[first] > RowKind.STDERR:
        first += 1
    if first >= end_row:
        yield [], end_row
        return
    start = offsets[first]
    next_row = first  # every row below it starts before what has been read
    passed: list[int] = []
    with LogFile(path, cache=False) as log:
        found = log.find_lines(start, needle, exact_case=exact_case, max_bytes=MAX_ROW_BYTES,
                               span_bytes=MAX_ROW_SPAN_BYTES, trusted_first=start > 0)
        for hits in found:
            for offset, stream, message in zip(hits.offsets, hits.streams, hits.messages, strict=True):
                row = _row_at(offsets, kinds, offset, stream, first, end_row)
                if row >= 0 and test(stream, message):
                    passed.append(row)
            next_row = bisect_left(offsets, hits.reached, next_row, end_row)
            done_row = next_row
            for offset, stream in hits.pending:
                row = _row_at(offsets, kinds, offset, stream, first, end_row)
                if row >= 0:
                    done_row = min(done_row, row)  # not decided until its line ends
            passed.sort()
            cut = bisect_left(passed, done_row)
            yield passed[:cut], done_row
            del passed[:cut]
            if done_row >= end_row:
                found.close()
                return
    passed.sort()
    yield passed, end_row


def _row_at(offsets: array[int], kinds: array[int], offset: int, stream: int, low: int, high: int) -> int:
    """The row in ``[low, high)`` at ``offset`` if it is a line of ``stream``, else -1."""
    row = bisect_left(offsets, offset, low, high)
    if row < high and offsets[row] == offset and kinds[row] == stream:
        return row
    return -1
