"""Saving what a view of several logs merged by time shows: as ``iolog cat A B C`` prints it.

This module owns the export of a merged view
(:class:`~iolog_tui.model.mergedrows.MergedModel`). Each log's lines are
read back from its own file (:func:`~iolog_tui.model.search.iter_lines`,
each log's rows in its own order, which the merged order keeps) and
written in the merged order. Plain text, and text with timestamps, put each
line after its log's name, padded to the longest, and ``" | "``, as ``iolog
cat`` does (``web        | GET / 200``); JSON writes each line's docker
json-file record with ``"attrs":{"source":NAME}``, as ``iolog cat --format
json A B C`` does; an iolog export writes one iolog
file per log (``NAME`` added to the file's name: ``shown-web.log``), each
line re-encoded with its own times, so every log can be opened again.
"""

from __future__ import annotations

import os
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import BinaryIO

from iolog import LogFile

from .export import ExportFormat, encode_line
from .mergedrows import MergedModel
from .rows import MAX_ROW_BYTES, RowKind
from .search import RowLine, RowTest, iter_lines

__all__ = ["export_merged_rows", "log_file_name", "prefixes"]


def prefixes(names: list[str]) -> list[bytes]:
    """Each log's line prefix: its name padded to the longest, then ``" | "`` (``iolog cat``'s)."""
    width = max((len(name) for name in names), default=0)
    return [name.ljust(width).encode("utf-8", "surrogateescape") + b" | " for name in names]


def log_file_name(target: str | os.PathLike[str], name: str) -> str:
    """Where an iolog export writes one log's lines: ``NAME`` added to ``target``'s name."""
    stem, ext = os.path.splitext(os.fspath(target))
    safe = "".join(char if char.isalnum() or char in "-_." else "_" for char in name) or "log"
    return f"{stem}-{safe}{ext or '.log'}"


def export_merged_rows(
    model: MergedModel,
    end_row: int,
    shown: RowTest,
    target: str | os.PathLike[str],
    export_format: ExportFormat,
    *,
    only: array[int] | None = None,
    shown_rows: bytearray | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Write the merged rows below ``end_row`` that pass ``shown`` (or ``only`` these) to ``target``.

    Args:
        model: the merged model (a worker reads its arrays below ``end_row``).
        end_row: one past the last merged row to consider.
        shown: ``shown(kind, message)``: the row is on show (stream and filter).
        target: the file to write (an iolog export: one file per log beside it).
        export_format: how to write each line.
        only: write these merged rows, all of them (the selection, the marks).
        shown_rows: a flag per merged row: the rows shown (context lines shown).
        should_stop: polled now and then; true abandons the export (the
            partial files are removed).

    Returns:
        The number of lines written.

    Raises:
        OSError: reading a log or writing a file failed.
    """
    names = list(model.names)
    chosen = None if only is None else set(only)
    if only is not None:
        end_row = min(end_row, max(only, default=-1) + 1)
    end_row = min(end_row, len(model.row_logs))
    marks = prefixes(names)
    written: list[str] = []
    complete = False
    count = 0
    with ExitStack() as stack:
        logs = [stack.enter_context(LogFile(own.path, cache=False)) for own in model.logs]
        sinks: dict[int, BinaryIO] = {}

        def sink_of(log: int) -> BinaryIO:
            sink = sinks.get(log)
            if sink is None:
                path = os.fspath(target) if export_format is not ExportFormat.IOLOG else log_file_name(
                    target, names[log])
                sink = sinks[log] = sinks.get(-1) or stack.enter_context(open(path, "wb"))
                if export_format is not ExportFormat.IOLOG:
                    sinks[-1] = sink
                written.append(path)
            return sink

        if export_format is not ExportFormat.IOLOG:
            sink_of(0)
        try:
            lines = [_lines(model, log, end_row, should_stop) for log in range(len(model.logs))]
            kinds, row_logs = model.kinds, model.row_logs
            for row in range(end_row):
                if kinds[row] > RowKind.STDERR:
                    continue
                log = row_logs[row]
                item = next(lines[log], None)
                if item is None:  # the log changed under the view
                    continue
                line = item.line
                if chosen is not None:
                    keep = row in chosen
                elif shown_rows is not None:
                    keep = row < len(shown_rows) and bool(shown_rows[row])
                else:
                    keep = shown(int(line.stream), line.message[:MAX_ROW_BYTES])
                if not keep:
                    continue
                data = encode_line(line, export_format, logs[log], names[log])
                if export_format in _PREFIXED:
                    data = marks[log] + data
                sink_of(log).write(data)
                count += 1
                if not count % 4096 and should_stop():
                    break
            complete = not should_stop()
        finally:
            if not complete:
                for sink in set(sinks.values()):
                    sink.close()
                for path in written:
                    os.unlink(path)
    return count


_PREFIXED = (ExportFormat.TEXT, ExportFormat.TIMESTAMPS)


def _lines(model: MergedModel, log: int, end_row: int, should_stop: Callable[[], bool]) -> Iterator[RowLine]:
    """One log's lines among the merged rows below ``end_row``, in its order."""
    own = model.logs[log]
    local_end = bisect_left(model.merged_of[log], end_row)
    for item in iter_lines(own.path, own.offsets, own.kinds, 0, local_end, should_stop=should_stop):
        if not isinstance(item, int):
            yield item
