"""Saving what the viewer shows: plain text, text with timestamps, or a new iolog file.

This module owns the export formats and the writing, without knowing
anything of Textual. The rows are read back from the log with
:func:`~iolog_tui.search.iter_lines` (in a worker thread) and written as they
come, so any number of rows takes constant memory. Plain text is the lines'
payload bytes as written by the container (like ``iolog cat``); with
timestamps each line starts with its docker-style time (like ``iolog cat -t``);
an iolog file holds the lines' entries re-encoded with their own times and
streams, so ``iolog-tui`` can open it.
"""

from __future__ import annotations

import enum
import os
from array import array
from collections.abc import Callable

from iolog import Stream, encode_entry, format_docker_time

from .search import Line, RowTest, iter_lines

__all__ = ["ExportFormat", "export_rows"]


class ExportFormat(str, enum.Enum):
    """How exported rows are written."""

    TEXT = "text"
    TIMESTAMPS = "timestamps"
    IOLOG = "iolog"

    @property
    def label(self) -> str:
        """What the export prompt calls it."""
        return {"text": "plain text", "timestamps": "text with timestamps", "iolog": "iolog"}[
            self.value
        ]

    def next(self) -> ExportFormat:
        """The format after this one in the prompt's cycle."""
        members = list(ExportFormat)
        return members[(members.index(self) + 1) % len(members)]

    def rename(self, path: str) -> str:
        """``path`` with this format's usual extension (``.txt`` or ``.log``)."""
        stem, ext = os.path.splitext(path)
        if ext not in (".txt", ".log"):
            return path
        return stem + (".log" if self is ExportFormat.IOLOG else ".txt")


def encode_line(line: Line, export_format: ExportFormat) -> bytes:
    """The bytes one line is exported as."""
    if export_format is ExportFormat.IOLOG:
        return b"".join(
            encode_entry(entry.message, timestamp_ns=entry.timestamp_ns, stream=Stream(entry.stream))
            for entry in line.entries
        )
    message = line.message
    if not message.endswith(b"\n"):
        message += b"\n"
    if export_format is ExportFormat.TIMESTAMPS:
        return format_docker_time(line.timestamp_ns).encode() + b" " + message
    return message


def export_rows(
    log_path: str | os.PathLike[str],
    offsets: array[int],
    kinds: array[int],
    end_row: int,
    shown: RowTest,
    target: str | os.PathLike[str],
    export_format: ExportFormat,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the rows below ``end_row`` that pass ``shown`` to ``target``.

    Args:
        log_path: the log the rows are read from.
        offsets: the model's row offsets.
        kinds: the model's row kinds.
        end_row: one past the last row to consider.
        shown: ``shown(kind, message)``: the row is on show (stream and filter).
        target: the file to write; replaced if it exists.
        export_format: how to write each line.
        should_stop: polled between reads; true abandons the export (the
            partial file is removed).
        progress: called as ``progress(done_rows, end_row)`` now and then.

    Returns:
        The number of rows written.

    Raises:
        OSError: reading the log or writing the file failed.
    """
    written = 0
    complete = False
    with open(target, "wb") as sink:
        write = sink.write
        try:
            for item in iter_lines(log_path, offsets, kinds, 0, end_row, should_stop=should_stop):
                if isinstance(item, int):
                    if progress is not None:
                        progress(item, end_row)
                    continue
                if shown(item.kind, item.message):
                    write(encode_line(item, export_format))
                    written += 1
            complete = not should_stop()
        finally:
            if not complete:
                sink.close()
                os.unlink(target)
    return written
