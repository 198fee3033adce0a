"""Where lines begin, in bulk: the fast walk's batches as arrays of line starts.

This module owns the bulk step of a pass that wants every logical line's
place and nothing else (the viewer's row scan): for each batch of the fast
walk (:func:`iolog.file.walk.walk`), which entries begin a line by the one
line rule (:class:`~iolog.core.lines.LineState`), which of those lines
begin in a time window (their first entry's time), and their file offsets
and streams as compact arrays, with no object per entry or line. Where the
walk hands over the decoder's events (damage, the end of the file), they
are passed on as they are, and the caller accounts for them with the same
:class:`~iolog.core.lines.LineState`.

The step over a batch has a C twin (``line_rows`` and ``number_streams`` in
:mod:`iolog._speedups`, which release the GIL while they loop); the Python
originals here are the reference (``tests/test_native.py``).
"""

from __future__ import annotations

import itertools
import operator
import struct
from array import array
from bisect import bisect_left
from collections.abc import Generator, Sequence
from typing import NamedTuple

from .. import _native
from ..core.decoder import Event
from ..core.lines import LineState
from .walk import FastBatch
from .walkbatch import offsets_array, timestamps_struct

__all__ = ["LineRun", "line_rows_python", "line_runs", "number_streams_python"]

_STDERR_BYTE = bytes(1 if value & 8 else 0 for value in range(256))
_INVERT_FLAG = bytes([1]) + bytes(255)  # stderr flags (0/1) to stdout flags
_STREAM_BYTES = (b"\x00", b"\x01")
_UINT32_END = 1 << 32
_TIMESTAMP = struct.Struct("<q")  # a header record's time


class LineRun(NamedTuple):
    """The lines that a run of cleanly chained entries begins (:meth:`iolog.LogFile.line_runs`).

    Attributes:
        offsets: the file offset of each kept line's first entry, increasing.
        streams: one byte per kept line, 0 for stdout and 1 for stderr.
        begun: how many lines the run begins, kept or not (outside the window).
        end: the file offset where the run ends (every byte before it is decided).
        last_kept: per stream, the index in ``offsets`` of the last line of
            that stream the run begins; -1 if that line is outside the window,
            -2 if the run begins none.
        first_ns: the time of the first kept line's first entry (0 if none).
        last_ns: the time of the last kept line's first entry (0 if none).
        line_ns: the time of each kept line's first entry when those times
            go back somewhere in the run; empty when they never do (then
            ``first_ns`` and ``last_ns`` tell all: a clock step can only
            come before the run's first line).
        times: the time of each kept line's first entry, when
            :func:`line_runs` was asked for them (``line_times``), else empty.
    """

    offsets: array[int]
    streams: bytes
    begun: int
    end: int
    last_kept: tuple[int, int]
    first_ns: int = 0
    last_ns: int = 0
    line_ns: tuple[int, ...] = ()
    times: tuple[int, ...] = ()

    def numbered(self, first: int) -> tuple[array[int], array[int]]:
        """Number the kept lines ``first``, ``first + 1``, ...: per stream, the numbers of its lines.

        Returns:
            Two ``array('I')``: the numbers of the stdout lines, of the stderr lines.

        Raises:
            OverflowError: a number would not fit 32 bits.
        """
        native = _native.speedups
        stdout = array("I")
        stderr = array("I")
        if native is not None:
            out_bytes, err_bytes = native.number_streams(self.streams, first)
        else:
            out_bytes, err_bytes = number_streams_python(self.streams, first)
        stdout.frombytes(out_bytes)
        stderr.frombytes(err_bytes)
        return stdout, stderr


def line_runs(
    batches: Generator[FastBatch | list[Event], None, int],
    state: LineState,
    since_ns: int | None = None,
    until_ns: int | None = None,
    line_times: bool = False,
) -> Generator[LineRun | list[Event], None, int]:
    """The fast walk's ``batches`` as the lines they begin: :meth:`iolog.LogFile.line_runs`.

    ``line_times``: give every kept line's time (:attr:`LineRun.times`; the
    merge of several logs orders lines by them).

    Yields:
        A :class:`LineRun` per batch (``state`` updated for it); each event
        list as it is.

    Returns:
        Where decoding stopped (the walk's own answer).
    """
    while True:
        try:
            item = next(batches)
        except StopIteration as stop:
            end: int = stop.value
            return end
        if isinstance(item, list):
            yield item
        else:
            yield _run_of(item, state, since_ns, until_ns, line_times)


def _run_of(
    batch: FastBatch, state: LineState, since_ns: int | None, until_ns: int | None, line_times: bool = False
) -> LineRun:
    opened = state.open
    native = _native.speedups
    step = line_rows_python if native is None else native.line_rows
    starts = batch.starts if native is None else offsets_array(batch.starts)
    offsets_bytes, streams, begun, opened[0], opened[1], last_out, last_err = step(
        batch.buf, starts, batch.raw, batch.accepted, batch.base, opened[0], opened[1], since_ns, until_ns
    )
    offsets = array("q")
    offsets.frombytes(offsets_bytes)
    end = batch.base + batch.starts[batch.accepted]
    if not offsets:
        return LineRun(offsets, streams, begun, end, (last_out, last_err))
    base, starts, count, raw = batch.base, batch.starts, batch.accepted, batch.raw

    def entry_of(offset: int) -> int:
        return bisect_left(starts, offset - base, 0, count)

    line_ns: tuple[int, ...] = ()
    times: tuple[int, ...] = ()
    stamps: tuple[int, ...] | None = None
    if line_times:
        stamps = batch.timestamps()
        if len(offsets) == count:  # every entry begins a kept line: the lines' times are the entries'
            times = tuple(stamps[:count])
        else:  # each line's first entry's time, looked up by its offset (in bulk, no call per line)
            at = dict(zip(map(base.__add__, starts[:count]), stamps, strict=True))
            times = tuple(map(at.__getitem__, offsets))
    if batch.span_stats().backward_steps:  # times go back among the entries: look at the lines
        if not times:
            stamps = batch.timestamps() if stamps is None else stamps
            times = tuple([stamps[entry_of(offset)] for offset in offsets])
        if any(map(operator.gt, times, times[1:])):
            line_ns = times
    first_ns = _TIMESTAMP.unpack_from(raw, 12 * entry_of(offsets[0]))[0]
    last_ns = _TIMESTAMP.unpack_from(raw, 12 * entry_of(offsets[-1]))[0]
    return LineRun(offsets, streams, begun, end, (last_out, last_err), first_ns, last_ns, line_ns,
                   times if line_times else ())


def line_rows_python(
    buf: bytes,
    starts: Sequence[int],
    raw: bytes,
    count: int,
    base: int,
    open_stdout: bool,
    open_stderr: bool,
    since_ns: int | None,
    until_ns: int | None,
) -> tuple[bytes, bytes, int, bool, bool, int, int]:
    """The lines that entries ``[0, count)`` of a batch begin: the reference for the C ``line_rows``.

    Returns:
        ``(offsets, streams, begun, open_stdout, open_stderr, last_stdout,
        last_stderr)``: the kept lines' file offsets (int64 bytes) and
        streams, how many lines begin, which streams are open after, and per
        stream the index of its last line begun (-1 not kept, -2 none).
    """
    if not count:
        return b"", b"", 0, open_stdout, open_stderr, -2, -2
    if count < 0 or len(raw) < 12 * count:
        raise ValueError("line_rows: fewer header records than entries")
    state = LineState((open_stdout, open_stderr))
    streams = raw[8 : 12 * count : 12].translate(_STDERR_BYTE)
    ends = starts[1 : count + 1]
    line_starts = state.starts_in_bulk(streams, bytes([buf[end - 1] for end in ends]))
    all_starts = [base + start for start in starts[:count]]
    offsets = list(itertools.compress(all_starts, line_starts))
    begun_streams = bytes(itertools.compress(streams, line_starts)) if len(offsets) < count else streams
    stamps: tuple[int, ...] | None = None
    kept: bytes | None = None
    if offsets and (since_ns is not None or until_ns is not None):
        stamps = timestamps_struct(count).unpack_from(raw)
        if len(offsets) < count:
            stamps = tuple(itertools.compress(stamps, line_starts))
        low = -(1 << 63) if since_ns is None else since_ns
        high = 1 << 63 if until_ns is None else until_ns
        kept = bytes([low <= stamp < high for stamp in stamps])
        if kept.count(1) == len(kept):
            kept = None
    last_kept = [-2, -2]
    for stream in (0, 1):
        last_line = begun_streams.rfind(_STREAM_BYTES[stream])
        if last_line < 0:
            continue
        if kept is None:
            last_kept[stream] = last_line
        elif kept[last_line]:
            last_kept[stream] = kept.count(1, 0, last_line)
        else:
            last_kept[stream] = -1
    if kept is not None:
        offsets = list(itertools.compress(offsets, kept))
        begun_streams_kept = bytes(itertools.compress(begun_streams, kept))
    else:
        begun_streams_kept = begun_streams
    begun = len(begun_streams)
    return (array("q", offsets).tobytes(), begun_streams_kept, begun, state.open[0], state.open[1],
            last_kept[0], last_kept[1])


def number_streams_python(streams: bytes, first: int) -> tuple[bytes, bytes]:
    """Per stream, its items' numbers from ``first``: the reference for the C ``number_streams``.

    Raises:
        OverflowError: a number would not fit 32 bits.
        ValueError: a stream byte is not 0 or 1.
    """
    if streams and (first < 0 or first + len(streams) > _UINT32_END):
        raise OverflowError("number_streams: numbers beyond uint32")
    if streams.translate(None, b"\x00\x01"):
        raise ValueError("number_streams: a stream is 0 or 1")
    numbers = range(first, first + len(streams))
    stdout = array("I", itertools.compress(numbers, streams.translate(_INVERT_FLAG)))
    stderr = array("I", itertools.compress(numbers, streams))
    return stdout.tobytes(), stderr.tobytes()
