"""``iolog write`` and ``iolog record``: framing live output without losing any.

This module owns turning pipes into a log: copying a file descriptor into a
:class:`~iolog.io.LogWriter` (writing a partial line that sits idle as an
entry, so a prompt shows), running a command with separate stdout and stderr
pipes, and keeping every byte when the log cannot be written: the writers
hold what the sink refused, say so once, and at the end what is still held
goes to a rescue file whose name is printed.
"""

from __future__ import annotations

import argparse
import io
import os
import select
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from functools import partial
from typing import BinaryIO

from ..core.errors import describe_os_error
from ..core.format import Stream
from ..io import LogWriter
from .common import PROG, CliError, standard_stream, warn

__all__ = ["IDLE_FLUSH_S", "record_command", "write_command"]

#: A partial line idle this long is written as an entry by ``write``/``record``.
IDLE_FLUSH_S = 0.1


def _open_output(path: str | None, *, append: bool) -> BinaryIO:
    if path is None:
        return os.fdopen(os.dup(standard_stream("stdout").fileno()), "wb", buffering=0)
    try:
        return open(path, "ab" if append else "wb", buffering=0)  # noqa: SIM115
    except OSError as error:
        raise CliError(f"{path}: {describe_os_error(error)}") from None


def _pump(fd: int, writer: LogWriter, failures: list[str]) -> None:
    """Copy ``fd`` into ``writer`` until EOF; write idle partial lines as entries."""
    while True:
        if writer.pending:
            ready, _, _ = select.select([fd], [], [], IDLE_FLUSH_S)
            if not ready:
                _guarded(writer.flush, failures)
                continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            break
        _guarded(partial(writer.write, chunk), failures)
    _guarded(writer.flush, failures)


def _guarded(action: Callable[[], object], failures: list[str]) -> None:
    """Run a writer action; on a sink failure, report once and keep the bytes."""
    try:
        action()
    except OSError as error:
        message = error.strerror or str(error)
        if message not in failures:
            failures.append(message)
            warn(f"{PROG}: error: cannot write the log: {message}; keeping the output in memory")


def _rescue(writers: Sequence[LogWriter]) -> int:
    """Last try to write what the writers hold; else save it to a file. Returns 0 or 1."""
    for writer in writers:
        try:
            writer.flush()
        except OSError:
            pass
    kept = b"".join(writer.take_unwritten() for writer in writers)
    if not kept:
        return 0
    fd, path = tempfile.mkstemp(prefix="iolog-unsaved-", suffix=".iolog")
    with os.fdopen(fd, "wb") as rescue:
        rescue.write(kept)
    warn(f"{PROG}: error: the log could not be written; the {len(kept)} bytes kept are in {path}")
    return 1


def write_command(args: argparse.Namespace) -> int:
    """``iolog write``: frame stdin, appended to a file or written to stdout."""
    sink = _open_output(args.output, append=True)
    stream = Stream.STDERR if args.stream == "stderr" else Stream.STDOUT
    writer = LogWriter(sink, stream=stream)
    failures: list[str] = []
    try:
        _pump(standard_stream("stdin").fileno(), writer, failures)
        status = _rescue([writer]) if failures else 0
    finally:
        try:
            writer.close()
        except OSError:
            pass
        sink.close()
    return status


def record_command(args: argparse.Namespace) -> int:
    """``iolog record``: run a command and log both of its streams; its exit status."""
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise CliError("record needs a command: iolog record [-o FILE] -- CMD [ARGS...]", status=2)
    if args.serial and args.output:
        raise CliError("give either --serial or -o, not both", status=2)
    if args.serial:
        from ..sources.serial import open_serial_writer

        sink: BinaryIO | io.RawIOBase = open_serial_writer(args.serial, baud=args.baud)
    else:
        sink = _open_output(args.output, append=args.append)
    try:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        sink.close()
        raise CliError(f"cannot run {command[0]!r}: command not found", status=127) from None
    except PermissionError:
        sink.close()
        raise CliError(f"cannot run {command[0]!r}: permission denied", status=126) from None
    except OSError as error:
        sink.close()
        raise CliError(f"cannot run {command[0]!r}: {error.strerror or error}", status=126) from None
    assert child.stdout is not None and child.stderr is not None
    writers = [LogWriter(sink, stream=Stream.STDOUT), LogWriter(sink, stream=Stream.STDERR)]
    failures: list[str] = []
    threads = [
        threading.Thread(target=_pump, args=(pipe.fileno(), writer, failures), daemon=True)
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
    lost = _rescue(writers) if failures else 0
    for writer in writers:
        try:
            writer.close()
        except OSError:
            pass
    try:
        sink.close()
    except OSError:
        pass
    if status < 0:
        return 128 - status
    return status or lost
