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
import os
import sys
from typing import TYPE_CHECKING, BinaryIO

from .. import _native
from ..core.format import Entry, Stream, format_docker_time
from ..core.lines import LineState
from ..file.walk import FastBatch
from ..file.walkbatch import offsets_array
from .output import write_pending

if TYPE_CHECKING:
    from .termsafe import TerminalSanitizer

__all__ = ["Printer", "gather_python"]

_OUTPUT_BATCH = 4096
_STAMPED_ENTRY = b"%s.%09dZ %s"
#: ``which`` for both streams' entries (0 is stdout's, 1 stderr's).
_BOTH = 2


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
            starts_line: bytes | None = self._lines.starts_in_bulk(flags, batch.last_bytes())
        else:
            buf, starts = batch.buf, batch.starts
            self._lines.skip_in_bulk(
                flags, lambda k: buf[starts[k + 1] - 1] if starts[k + 1] > starts[k] + 16 else -1
            )
            starts_line = None
        count = batch.accepted
        if self._flush_on_switch:
            self._batch_by_runs(batch, flags, starts_line)
        else:
            pending = self._pending
            if self._selected == (True, True) and pending[0] is pending[1]:
                pending[0].append(self._gather(batch, 0, count, _BOTH, starts_line))
            else:
                for stream in (0, 1):
                    if self._selected[stream]:
                        pending[stream].append(self._gather(batch, 0, count, stream, starts_line))
        self._count += count
        if self._count >= _OUTPUT_BATCH:
            self.flush()

    def _batch_by_runs(self, batch: FastBatch, flags: bytes, starts_line: bytes | None) -> None:
        """Print a batch run by run of one stream, flushing at each change."""
        count = batch.accepted
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
                self._pending[stream].append(self._gather(batch, first, last, stream, starts_line))
            first = last

    def _gather(
        self, batch: FastBatch, first: int, last: int, which: int, starts_line: bytes | None
    ) -> bytes:
        """The payloads of entries ``[first, last)`` of stream ``which`` (or both), joined.

        With ``starts_line`` (one byte per entry of the batch), each entry
        that starts a line is led by its docker timestamp and a space. In C
        when the speed-up is there (``gather``), else :func:`gather_python`.
        """
        native = _native.speedups
        if native is not None:
            return native.gather(batch.buf, offsets_array(batch.starts), batch.raw, first, last, which,
                                 starts_line)
        return gather_python(batch, first, last, which, starts_line, self._second_texts)

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
                sanitizer = self._sanitizers[stream]
                write_pending(self._outs[stream], pending, None if sanitizer is None else sanitizer.feed)

    def close(self) -> None:
        """Write everything, including what a sanitiser held back (the output ends)."""
        self.flush()
        for stream in (0, 1):
            sanitizer = self._sanitizers[stream]
            if sanitizer is not None:
                rest = sanitizer.close()
                if rest:
                    write_pending(self._outs[stream], [rest])


def gather_python(
    batch: FastBatch,
    first: int,
    last: int,
    which: int,
    starts_line: bytes | None,
    second_texts: dict[int, bytes] | None = None,
) -> bytes:
    """The payloads of entries ``[first, last)`` of a batch, joined: the reference for C ``gather``.

    Args:
        batch: the batch.
        first: the first entry.
        last: one past the last entry.
        which: 0 for stdout's entries, 1 for stderr's, 2 for both.
        starts_line: ``None``, or one byte per entry of the batch, 1 where an
            entry starts a line: such an entry is led by its docker timestamp
            (``YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ``) and a space.
        second_texts: a cache of second texts (see :class:`_SecondTexts`).
    """
    buf = batch.buf
    starts = batch.starts
    flags = batch.streams()
    if starts_line is None:
        if which == _BOTH:
            return b"".join([buf[starts[k] + 16 : starts[k + 1]] for k in range(first, last)])
        return b"".join(
            [buf[starts[k] + 16 : starts[k + 1]] for k in range(first, last) if flags[k] == which]
        )
    texts = _SecondTexts() if second_texts is None else second_texts
    stamps = batch.timestamps()
    parts: list[bytes] = []
    append = parts.append
    for k in range(first, last):
        if which != _BOTH and flags[k] != which:
            continue
        if starts_line[k]:
            seconds, nanos = divmod(stamps[k], 1_000_000_000)
            append(_STAMPED_ENTRY % (texts[seconds], nanos, buf[starts[k] + 16 : starts[k + 1]]))
        else:
            append(buf[starts[k] + 16 : starts[k + 1]])
    return b"".join(parts)


def _sanitizer_for(out: BinaryIO) -> TerminalSanitizer | None:
    """A sanitiser for ``out`` if it is a terminal; ``None`` for a pipe or a file."""
    try:
        if not out.isatty():
            return None
    except (OSError, ValueError):
        return None
    from .termsafe import TerminalSanitizer  # loaded for a terminal only

    return TerminalSanitizer()


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
