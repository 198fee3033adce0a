"""Saving what the viewer shows: plain text, text with timestamps, a new iolog file, or docker JSON.

This module owns the export formats and the writing, without knowing
anything of Textual. The rows are read back from the log with
:func:`~iolog_tui.model.search.iter_lines` (:func:`iolog.read_lines`, in a worker
thread) and written as they come, so any number of rows takes constant
memory. Plain text is the lines'
payload bytes as written by the container (like ``iolog cat``); with
timestamps each line starts with its docker-style time (like ``iolog cat -t``);
an iolog file holds the lines' entries re-encoded with their own times and
streams, so ``iolog-tui`` can open it. In these formats a line that damage or
the end of the file ended without its newline gets one (in an iolog file, at
the end of its last entry), so that it does not run into the next line.
JSON is one docker json-file record per line, the bytes ``iolog cat --format
json`` prints for it (:meth:`iolog.Line.docker_json`): a record says itself
whether its line ended with a newline.
"""

from __future__ import annotations

import enum
import os
from array import array
from collections.abc import Callable

from iolog import Entry, Line, LogFile, format_docker_time

from .rows import MAX_ROW_BYTES
from .search import RowTest, iter_lines

__all__ = ["ExportFormat", "export_rows"]


class ExportFormat(str, enum.Enum):
    """How exported rows are written."""

    TEXT = "text"
    TIMESTAMPS = "timestamps"
    IOLOG = "iolog"
    JSON = "json"

    @property
    def label(self) -> str:
        """What the export prompt calls it."""
        labels = {"text": "plain text", "timestamps": "text with timestamps", "iolog": "iolog"}
        return labels.get(self.value, "docker JSON")

    def next(self) -> ExportFormat:
        """The format after this one in the prompt's cycle."""
        members = list(ExportFormat)
        return members[(members.index(self) + 1) % len(members)]

    def rename(self, path: str) -> str:
        """``path`` with this format's usual extension (``.txt``, ``.log`` or ``.json``)."""
        stem, ext = os.path.splitext(path)
        if ext not in (".txt", ".log", ".json"):
            return path
        return stem + {ExportFormat.IOLOG: ".log", ExportFormat.JSON: ".json"}.get(self, ".txt")


def encode_line(line: Line, export_format: ExportFormat, log: LogFile, source: str | None = None) -> bytes:
    """The bytes one line is exported as (``log``: the file it was read from).

    ``source``: the name of the line's log in a view of several logs, which a
    JSON record carries in its ``attrs`` (the other formats leave it out).
    """
    if export_format is ExportFormat.JSON:
        return line.docker_json(None if source is None else {"source": source})
    if export_format is ExportFormat.IOLOG:
        entries = [(entry.timestamp_ns, entry.message) for entry in line_entries(line, log)]
        if not line.complete:
            # Damage or the end of the file ended the line: end it with a
            # newline, as the text formats do, or it would run into the next.
            stamp, message = entries[-1]
            if len(message) < Entry.MAX_SIZE:
                entries[-1] = (stamp, message + b"\n")
            else:
                entries.append((stamp, b"\n"))
        return b"".join(Entry(stamp, line.stream, message).encode() for stamp, message in entries)
    message = line.message
    if not message.endswith(b"\n"):
        message += b"\n"
    if export_format is ExportFormat.TIMESTAMPS:
        return format_docker_time(line.timestamp_ns).encode() + b" " + message
    return message


def line_entries(line: Line, log: LogFile) -> list[Entry]:
    """The entries ``line`` is made of, each with its own time.

    A line of one entry is that entry. The entries of a longer one are those
    of its stream from its first entry up to its end: while a line is open,
    every entry of its stream continues it (the line rule), and no damage
    lies inside it (damage would have ended it).
    """
    if line.entries == 1:
        return [Entry(line.timestamp_ns, line.stream, line.message)]
    return [
        entry
        for entry in log.entries_from(line.offset, line.end_offset)
        if entry.stream == line.stream
    ]


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
    shown_rows: bytearray | None = None,
) -> int:
    """Write the rows below ``end_row`` that pass ``shown`` to ``target``.

    A row is tested as the viewer draws it (at most ``MAX_ROW_BYTES`` of its
    message), and written whole.

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
        shown_rows: when given, a flag per model row: the rows shown (kept
            rows and context lines), written instead of those passing ``shown``.

    Returns:
        The number of rows written.

    Raises:
        OSError: reading the log or writing the file failed.
    """
    written = 0
    complete = False
    with LogFile(log_path, cache=False) as log, open(target, "wb") as sink:
        write = sink.write
        try:
            for item in iter_lines(log_path, offsets, kinds, 0, end_row, should_stop=should_stop):
                if isinstance(item, int):
                    if progress is not None:
                        progress(item, end_row)
                    continue
                line = item.line
                if (
                    shown(int(line.stream), line.message[:MAX_ROW_BYTES])
                    if shown_rows is None
                    else item.row < len(shown_rows) and shown_rows[item.row]
                ):
                    write(encode_line(line, export_format, log))
                    written += 1
            complete = not should_stop()
        finally:
            if not complete:
                sink.close()
                os.unlink(target)
    return written
