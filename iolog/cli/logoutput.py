"""The log that ``iolog write`` and ``iolog record`` write: opening it, and its fate.

This module owns the output side of both commands: opening the log (a file,
appended to unless ``--truncate`` says to replace it, or standard output),
warning once when a log being appended to ends in a torn entry or garbage,
making the one :class:`~iolog.sinkwriter.SinkWriter` that both streams share
(with a :class:`~iolog.diversion.Diversion`: a rescue file, bounded memory,
retries every second, each change said at once on stderr), and, at the end,
the summary line and exit status when not every byte reached the log.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..core.decoder import Decoder, Skipped, Truncated
from ..core.errors import describe_os_error
from ..core.format import ENCODED_HEADER_SIZE, MAX_ENTRY_SIZE
from ..diversion import DeliveryReport, Diversion
from ..framefile import RawSink
from ..sinkwriter import SinkWriter
from .common import PROG, CliError, standard_stream, warn

__all__ = [
    "INCOMPLETE_STATUS",
    "TAIL_CHECK_BYTES",
    "LogOutput",
    "damaged_tail",
    "incomplete_summary",
    "open_log_output",
]

#: Exit status of ``write`` and ``record`` when output went to a rescue file or
#: was lost (``EX_IOERR`` of sysexits.h).
INCOMPLETE_STATUS = 74
#: How much of a log's end is decoded to find a torn last entry before appending.
TAIL_CHECK_BYTES = 16 * (ENCODED_HEADER_SIZE + MAX_ENTRY_SIZE)


@dataclass
class LogOutput:
    """An open log for ``write``/``record`` and the sink writer of its two streams."""

    sink: RawSink
    name: str
    sink_writer: SinkWriter

    def finish(self) -> DeliveryReport:
        """Close the sink writer (a last attempt at what it holds) and the sink.

        Returns:
            Where every byte went.
        """
        self.sink_writer.close()
        try:
            self.sink.close()
        except OSError:
            pass  # the report already says what did not reach it
        return self.sink_writer.report()


def open_log_output(
    path: str | None,
    *,
    truncate: bool,
    rescue_dir: str | None,
    serial: RawSink | None = None,
    serial_name: str = "",
) -> LogOutput:
    """Open the log to write (a file, standard output, or an open serial writer).

    A file is appended to unless ``truncate``; if it ends in a torn entry or
    garbage, one warning says so (the new entries start after it, whole).

    Args:
        path: the log file, or ``None`` for standard output.
        truncate: replace the file instead of appending to it.
        rescue_dir: where a rescue file goes (``None``: the temporary directory).
        serial: an open serial writer to use instead of ``path``.
        serial_name: its device or URL, for messages.

    Returns:
        The open :class:`LogOutput`.

    Raises:
        CliError: the file cannot be opened, or ``rescue_dir`` is not a directory.
    """
    if rescue_dir is not None and not os.path.isdir(rescue_dir):
        raise CliError(f"--rescue-dir {rescue_dir}: no such directory", status=2)
    if serial is not None:
        sink, name = serial, serial_name
    elif path is None:
        fd = os.dup(standard_stream("stdout").fileno())
        sink, name = os.fdopen(fd, "wb", buffering=0), "standard output"
    else:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (os.O_TRUNC if truncate else 0)
        try:
            sink, name = os.fdopen(os.open(path, flags, 0o666), "ab", buffering=0), path
        except OSError as error:
            raise CliError(f"{path}: {describe_os_error(error)}") from None
        if not truncate:
            _warn_about_tail(path)
    diversion = Diversion(rescue_dir=rescue_dir, notify=lambda text: warn(f"{PROG}: warning: {text}"))
    return LogOutput(sink, name, SinkWriter(sink, diversion=diversion, name=name))


def damaged_tail(path: str, *, check_bytes: int = TAIL_CHECK_BYTES) -> Skipped | Truncated | None:
    """The torn entry or garbage a log file ends in, if any.

    Only the last ``check_bytes`` are decoded (from the first entry found in
    them), so the check costs the same for any size of log.

    Args:
        path: the log file.
        check_bytes: how much of its end to decode.

    Returns:
        The final ``Truncated`` or ``Skipped`` event, or ``None`` when the file
        ends with a whole entry (or is empty or unreadable).
    """
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            start = max(0, size - check_bytes)
            handle.seek(start)
            tail = handle.read(check_bytes)
    except OSError:
        return None
    if not tail:
        return None
    decoder = Decoder(offset=start, resync=start > 0)
    events = decoder.feed(tail) + decoder.close()
    last = events[-1] if events else None
    if isinstance(last, (Skipped, Truncated)) and last.end_offset == start + len(tail):
        return last
    return None


def _warn_about_tail(path: str) -> None:
    damage = damaged_tail(path)
    if damage is None:
        return
    what = "an incomplete entry" if isinstance(damage, Truncated) else "bytes that are not entries"
    warn(
        f"{PROG}: warning: {path} ends in {what} ({damage.length} bytes at offset "
        f"{damage.offset}); the new entries start after it"
    )


def incomplete_summary(report: DeliveryReport, name: str, command_status: int | None = None) -> str:
    """The one line that says what did not reach the log, and where it is.

    Args:
        report: the sink writer's final report.
        name: the log's name.
        command_status: the recorded command's exit status, if any.

    Returns:
        ``iolog: error: ...`` (without a newline).
    """
    parts = []
    if report.rescued_bytes:
        parts.append(f"{report.rescued_bytes} bytes are in {report.rescue_path}")
    parts.append(f"{report.lost_bytes} bytes were lost")
    why = f" ({'; '.join(report.errors)})" if report.errors else ""
    ran = f"; the command exited with status {command_status}" if command_status is not None else ""
    return f"{PROG}: error: not all output reached {name}{why}: {', '.join(parts)}{ran}"
