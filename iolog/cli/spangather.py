"""Merged lines given as spans, written out as text in one gather: the twin of C ``gather_lines``.

This module owns the bytes ``iolog cat A B C`` writes for a run of merged
lines (:class:`~iolog.core.mergespans.MergedSpans`): each line led by its
source's prefix (``NAME | ``, possibly coloured, or nothing) and, with
``-t``, docker's timestamp and a space, then the line's bytes, ended with a
newline if damage or the end of the input cut it short: the text
:class:`~iolog.cli.lineprinter.LinePrinter` writes for the same lines one
by one. With the speed-up the C ``gather_lines`` writes it;
:func:`gather_lines_python` is its twin and the reference.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from .printer import _second_bytes

__all__ = ["Lane", "gather_lines_python"]

#: One source's spans as the gather takes them:
#: ``(data, skip, bounds, firsts, stops, stamps, streams, prefix)``
#: (see :class:`~iolog.core.mergespans.LineSpans`; ``prefix`` leads each line).
Lane = tuple[bytes, int, "array[int]", bytes, bytes, bytes, bytes, bytes]


def gather_lines_python(lanes: Sequence[Lane], runs: bytes, which: int, stamped: bool) -> bytes:
    """The lines of ``runs``, as text: the twin of C ``gather_lines``.

    Args:
        lanes: the sources' spans and prefixes.
        runs: int64 triples ``(lane, first, stop)`` (native order, as bytes).
        which: the lines of stdout (0), stderr (1) or both (2).
        stamped: lead each line (after its prefix) with its docker timestamp and a space.

    Returns:
        The lines joined.
    """
    triples = memoryview(runs).cast("q").tolist()
    parts: list[bytes] = []
    append = parts.append
    for number in range(0, len(triples), 3):
        data, skip, bounds, firsts_bytes, stops_bytes, stamps_bytes, streams, prefix = lanes[triples[number]]
        firsts = memoryview(firsts_bytes).cast("q")
        stops = memoryview(stops_bytes).cast("q")
        stamps = memoryview(stamps_bytes).cast("q")
        for line in range(triples[number + 1], triples[number + 2]):
            if which != 2 and streams[line] != which:
                continue
            append(prefix)
            if stamped:
                seconds, nanos = divmod(stamps[line], 1_000_000_000)
                append(b"%s.%09dZ " % (_second_bytes(seconds), nanos))
            segments = range(firsts[line], stops[line])
            text = b"".join([data[bounds[s] + skip : bounds[s + 1]] for s in segments])
            append(text if text[-1:] == b"\n" else text + b"\n")
    return b"".join(parts)
