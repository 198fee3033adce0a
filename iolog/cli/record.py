"""``iolog write`` and ``iolog record``: framing live output without losing any.

This module owns turning pipes into a log: copying a file descriptor into a
:class:`~iolog.io.LogWriter` (writing a partial line that sits idle as an
entry, so a prompt shows) and running a command with separate stdout and
stderr pipes whose writers share one sink writer, so the log's order is its
time order. What happens when the log cannot be written (a rescue file,
memory, retries, the summary and exit status) is in
:mod:`iolog.cli.logoutput`; the command is never stopped for it.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import subprocess
import threading

from ..core.format import Stream
from ..io import LogWriter
from .common import CliError, standard_stream, warn
from .logoutput import INCOMPLETE_STATUS, LogOutput, incomplete_summary, open_log_output

__all__ = ["IDLE_FLUSH_S", "record_command", "write_command"]

#: A partial line idle this long is written as an entry by ``write``/``record``.
IDLE_FLUSH_S = 0.1


def _pump(fd: int, writer: LogWriter) -> None:
    """Copy ``fd`` into ``writer`` until EOF; write idle partial lines as entries."""
    while True:
        if writer.partial_bytes:
            ready, _, _ = select.select([fd], [], [], IDLE_FLUSH_S)
            if not ready:
                writer.flush()
                continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            break
        writer.write(chunk)
    writer.flush()


def _finish(output: LogOutput, writers: list[LogWriter], command_status: int | None) -> int:
    """Close the writers and the log; the summary line and status if output went astray."""
    for writer in writers:
        writer.close()
    report = output.finish()
    if report.complete:
        return 0
    warn(incomplete_summary(report, output.name, command_status))
    return INCOMPLETE_STATUS


def write_command(args: argparse.Namespace) -> int:
    """``iolog write``: frame stdin, appended to a file or written to stdout."""
    if args.truncate and args.output is None:
        raise CliError("--truncate needs -o FILE", status=2)
    stdin = standard_stream("stdin").fileno()
    output = open_log_output(args.output, truncate=args.truncate, rescue_dir=args.rescue_dir)
    stream = Stream.STDERR if args.stream == "stderr" else Stream.STDOUT
    writer = LogWriter(output.sink_writer, stream=stream)
    _pump(stdin, writer)
    return _finish(output, [writer], None)


def record_command(args: argparse.Namespace) -> int:
    """``iolog record``: run a command and log both of its streams.

    Returns:
        The command's status (128+N for a signal N) when every byte reached
        the log, else ``INCOMPLETE_STATUS`` after a summary line.
    """
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise CliError("record needs a command: iolog record [-o FILE] -- CMD [ARGS...]", status=2)
    if args.serial and args.output:
        raise CliError("give either --serial or -o, not both", status=2)
    if args.truncate and args.output is None:
        raise CliError("--truncate needs -o FILE", status=2)
    serial = None
    if args.serial:
        from ..sources.serialport import open_serial_writer

        serial = open_serial_writer(args.serial, baud=args.baud)
    output = open_log_output(
        args.output,
        truncate=args.truncate,
        rescue_dir=args.rescue_dir,
        serial=serial,
        serial_name=args.serial or "",
    )
    try:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as error:
        output.finish()
        if isinstance(error, FileNotFoundError):
            raise CliError(f"cannot run {command[0]!r}: command not found", status=127) from None
        reason = "permission denied" if isinstance(error, PermissionError) else error.strerror or error
        raise CliError(f"cannot run {command[0]!r}: {reason}", status=126) from None
    assert child.stdout is not None and child.stderr is not None
    writers = [LogWriter(output.sink_writer, stream=stream) for stream in (Stream.STDOUT, Stream.STDERR)]
    threads = [
        threading.Thread(target=_pump, args=(pipe.fileno(), writer), daemon=True)
        for pipe, writer in zip((child.stdout, child.stderr), writers, strict=True)
    ]
    for thread in threads:
        thread.start()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the child decides
    try:
        status = child.wait()
        for thread in threads:
            thread.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    child.stdout.close()
    child.stderr.close()
    command_status = 128 - status if status < 0 else status
    return _finish(output, writers, command_status) or command_status
