"""Printing entries as ``iolog cat`` does: docker's output, in bulk.

This module owns the printer behind ``iolog cat``: each stream's payloads to
its own output (stdout to stdout, stderr to stderr), optionally led by
docker's timestamp at the start of each logical line (as
:class:`~iolog.core.lines.LineState` says where lines start), a whole
fast-walk batch at a time where it can, and the order of the two streams kept
wherever they reach the same place. Damage ends a line: a line left open by
it is ended with a newline, so the text after the damage never joins it.
What goes to a terminal passes through
:class:`~iolog.cli.termsafe.TerminalSanitizer` on its way out (unless raw).
"""

from __future__ import annotations

import enum
import functools
import io
import itertools
import os
import sys
from typing import BinaryIO

from ..core.format import Entry, Stream, format_docker_time
from ..core.lines import LineState
from ..file.walk import FastBatch
from .termsafe import TerminalSanitizer

__all__ = ["Printer"]

_OUTPUT_BATCH = 4096
_INVERT_FLAG = bytes([1]) + bytes(255)  # stderr flags (0/1) to stdout flags
_STAMPED_ENTRY = b"%s.%09dZ %s"


class Printer:
    """Writes entries to stdout/stderr, docker-style, optionally stamped.

    Where stdout and stderr reach the same file, pipe or terminal (``2>&1``,
    a terminal), their relative order must be kept. When both are the very
    same file, everything goes through one ordered buffer written to stdout
    (the bytes land in the same place, in big writes); when they only look
    alike (two terminals) each change of stream flushes.

    Output to a terminal is sanitised (see :mod:`iolog.cli.termsafe`)
    unless ``raw``; to a pipe or a file it is written unchanged. Call
    :meth:`close` at the end, to write what a sanitiser still holds.
    """

    def __init__(self, *, timestamps: bool, streams: frozenset[Stream], raw: bool = False) -> None:
        self._timestamps = timestamps
        self._selected = (Stream.STDOUT in streams, Stream.STDERR in streams)
        self._lines = LineState()
        self._outs: tuple[BinaryIO, BinaryIO] = (sys.stdout.buffer, sys.stderr.buffer)
        self._count = 0
        self._last_stream = -1
        self._second_texts = _SecondTexts()
        target = _target(self._outs[0], self._outs[1])
        self._flush_on_switch = target is _Target.ALIKE
        stdout_pending: list[bytes] = []
        self._pending: tuple[list[bytes], list[bytes]] = (
            (stdout_pending, stdout_pending) if target is _Target.SAME else (stdout_pending, [])
        )
        self._sanitizers = (
            None if raw else _sanitizer_for(self._outs[0]),
            None if raw else _sanitizer_for(self._outs[1]),
        )

    def batch(self, batch: FastBatch) -> None:
        """Print a batch of entries from the fast walk."""
        flags = batch.streams()
        if self._timestamps:
            starts_line = self._lines.starts_in_bulk(flags, batch.last_bytes())
        else:
            buf, starts = batch.buf, batch.starts
            self._lines.skip_in_bulk(
                flags, lambda k: buf[starts[k + 1] - 1] if starts[k + 1] > starts[k] + 16 else -1
            )
            starts_line = b""
        if self._flush_on_switch:
            self._batch_by_runs(batch, flags, starts_line)
        elif self._timestamps:
            self._stamped(batch, flags, batch.timestamps(), starts_line, 0, batch.accepted)
        else:
            buf = batch.buf
            starts = batch.starts
            payloads = [buf[starts[k] + 16 : starts[k + 1]] for k in range(batch.accepted)]
            stderr_flags = flags
            pending = self._pending
            if self._selected == (True, True) and pending[0] is pending[1]:
                pending[0].append(b"".join(payloads))
            else:
                if self._selected[0]:
                    stdout_flags = stderr_flags.translate(_INVERT_FLAG)
                    pending[0].append(b"".join(itertools.compress(payloads, stdout_flags)))
                if self._selected[1]:
                    pending[1].append(b"".join(itertools.compress(payloads, stderr_flags)))
            self._count += batch.accepted
        if self._count >= _OUTPUT_BATCH:
            self.flush()

    def _batch_by_runs(self, batch: FastBatch, flags: bytes, starts_line: bytes) -> None:
        """Print a batch run by run of one stream, flushing at each change."""
        buf = batch.buf
        starts = batch.starts
        count = batch.accepted
        stamps = batch.timestamps() if self._timestamps else ()
        first = 0
        while first < count:
            stream = flags[first]
            last = flags.find(b"\x00" if stream else b"\x01", first, count)
            if last < 0:
                last = count
            if self._selected[stream]:
                if stream != self._last_stream:
                    self.flush()
                    self._last_stream = stream
                if self._timestamps:
                    self._stamped(batch, flags, stamps, starts_line, first, last)
                else:
                    self._pending[stream].append(
                        b"".join([buf[starts[k] + 16 : starts[k + 1]] for k in range(first, last)])
                    )
                    self._count += last - first
            first = last

    def _stamped(
        self,
        batch: FastBatch,
        flags: bytes,
        stamps: tuple[int, ...],
        starts_line: bytes,
        first: int,
        last: int,
    ) -> None:
        """Entries ``[first, last)`` of a batch, each line led by its time.

        ``flags``, ``stamps`` and ``starts_line`` are the batch's streams,
        timestamps and line starts, worked out once per batch by the caller.
        """
        buf = batch.buf
        starts = batch.starts
        selected = self._selected
        second_texts = self._second_texts
        appends = (self._pending[0].append, self._pending[1].append)
        for k in range(first, last):
            stream = flags[k]
            if not selected[stream]:
                continue
            end = starts[k + 1]
            if starts_line[k]:
                seconds, nanos = divmod(stamps[k], 1_000_000_000)
                appends[stream](_STAMPED_ENTRY % (second_texts[seconds], nanos, buf[starts[k] + 16 : end]))
            else:
                appends[stream](buf[starts[k] + 16 : end])
        self._count += last - first

    def entry(self, entry: Entry) -> None:
        """Print one entry."""
        stream = entry.stream
        message = entry.message
        starts_line = self._lines.entry(stream, message)
        if not self._selected[stream]:
            return
        if stream != self._last_stream:
            if self._flush_on_switch:
                self.flush()
            self._last_stream = stream
        pending = self._pending[stream]
        if self._timestamps and starts_line:
            pending.append(format_docker_time(entry.timestamp_ns).encode("ascii") + b" ")
        pending.append(message)
        self._count += 1
        if self._count >= _OUTPUT_BATCH:
            self.flush()

    def damage(self) -> None:
        """Damage was met: end the lines it left open (a newline), as the line rule says."""
        for stream, was_open in enumerate(self._lines.damage()):
            if was_open and self._selected[stream]:
                self._pending[stream].append(b"\n")

    def flush(self) -> None:
        """Write what is pending (a sanitiser may hold back an incomplete end)."""
        self._count = 0
        for stream in (0, 1):
            pending = self._pending[stream]
            if pending:
                out = self._outs[stream]
                data = b"".join(pending)
                sanitizer = self._sanitizers[stream]
                out.write(data if sanitizer is None else sanitizer.feed(data))
                pending.clear()
                out.flush()

    def close(self) -> None:
        """Write everything, including what a sanitiser held back (the output ends)."""
        self.flush()
        for stream in (0, 1):
            sanitizer = self._sanitizers[stream]
            if sanitizer is not None:
                rest = sanitizer.close()
                if rest:
                    self._outs[stream].write(rest)
                    self._outs[stream].flush()


def _sanitizer_for(out: BinaryIO) -> TerminalSanitizer | None:
    """A sanitiser for ``out`` if it is a terminal; ``None`` for a pipe or a file."""
    try:
        return TerminalSanitizer() if out.isatty() else None
    except (OSError, ValueError):
        return None


class _SecondTexts(dict[int, bytes]):
    """``YYYY-MM-DDTHH:MM:SS`` of unix seconds, made when first asked for."""

    def __missing__(self, seconds: int) -> bytes:
        if len(self) >= 4096:
            self.clear()
        text = self[seconds] = _second_bytes(seconds)
        return text


@functools.lru_cache(maxsize=4096)
def _second_bytes(seconds: int) -> bytes:
    """``YYYY-MM-DDTHH:MM:SS`` of a unix second, as :func:`format_docker_time` writes it."""
    return format_docker_time(seconds * 1_000_000_000)[:-11].encode("ascii")


class _Target(enum.Enum):
    """Where stdout and stderr lead, as far as the order of their lines goes."""

    APART = "apart"  # two different places: order between them does not matter
    SAME = "same"  # the very same file, pipe or terminal
    ALIKE = "alike"  # two terminals (or unknown): keep the order by flushing


def _target(first: BinaryIO, second: BinaryIO) -> _Target:
    """Do two output files reach the same file, pipe or terminal?"""
    try:
        one, two = os.fstat(first.fileno()), os.fstat(second.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return _Target.ALIKE
    if (one.st_dev, one.st_ino) == (two.st_dev, two.st_ino):
        return _Target.SAME
    if os.isatty(first.fileno()) and os.isatty(second.fileno()):
        return _Target.ALIKE
    return _Target.APART
