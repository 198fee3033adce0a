"""Merging several logs' lines by time without a Python object per line: lines as spans.

This module owns the bulk form of :mod:`iolog.core.merge`'s rule, for
``iolog cat A B C`` on whole files: the same greedy merge by each line's
*running maximum* time within its source (its key), ties to the source
given first, what may be printed bounded the same way
(:meth:`SpanMerger.take`, :meth:`SpanMerger.wanted`). It differs in form
only: a source's lines come as :class:`LineSpans`, columns over one buffer
(a fast-walk batch's, whose lines are runs of its entries, or joined texts),
and the merge gives :class:`MergedSpans`, runs of consecutive lines of one
source, which a printer writes in one gather. ``tests/test_mergespans.py``
holds it equal to the greedy merge of :mod:`iolog.core.merge`.

The loops run in C with the speed-up (``running_max``, ``merge_runs``);
:func:`running_max_python` and :func:`merge_runs_python` are their twins.
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections import deque
from collections.abc import Sequence
from typing import NamedTuple

from .. import _native
from .merge import LineChunk, MergedLines

__all__ = ["LineSpans", "MergedSpans", "SpanMerger", "merge_runs_python", "running_max_python"]

_NO_KEY = -(1 << 63) - 1


def _int64s(data: bytes) -> memoryview:
    """An int64 column (native byte order, as bytes) as a sequence of ints."""
    return memoryview(data).cast("q")


def _column(values: Sequence[int]) -> bytes:
    return array("q", values).tobytes()


class LineSpans(NamedTuple):
    """Whole lines of one source, in its order, as spans of one buffer.

    Line ``i`` is the segments ``firsts[i]`` to ``stops[i] - 1`` joined,
    segment ``s`` being ``data[bounds[s] + skip : bounds[s + 1]]``: for a
    fast-walk batch, ``data`` is its buffer, the segments its entries and
    ``skip`` a header; for lines made one by one, ``data`` is their texts
    joined and ``skip`` is 0.

    Attributes:
        data: the bytes the segments lie in.
        skip: bytes at the start of each segment that are not the line's.
        bounds: segment offsets, an ``array('q')``.
        firsts: each line's first segment (int64s, native order, as bytes).
        stops: one past each line's last segment (the same form).
        stamps: each line's time, its first entry's, unix ns (the same form).
        streams: one byte per line, 0 for stdout and 1 for stderr.
    """

    data: bytes
    skip: int
    bounds: array[int]
    firsts: bytes
    stops: bytes
    stamps: bytes
    streams: bytes

    @property
    def line_count(self) -> int:
        """How many lines."""
        return len(self.streams)

    @classmethod
    def of_chunk(cls, chunk: LineChunk) -> LineSpans:
        """The lines of a :class:`~iolog.core.merge.LineChunk` (texts made one by one)."""
        lengths = [len(text) for text in chunk.texts]
        bounds = array("q", itertools.accumulate(lengths, initial=0))
        count = len(lengths)
        return cls(b"".join(chunk.texts), 0, bounds, _column(range(count)), _column(range(1, count + 1)),
                   _column(chunk.stamps), bytes(chunk.streams))

    def texts(self, first: int, stop: int) -> list[bytes]:
        """The bytes of lines ``first`` to ``stop - 1``."""
        data, skip, bounds = self.data, self.skip, self.bounds
        firsts, stops = _int64s(self.firsts), _int64s(self.stops)
        texts = []
        for line in range(first, stop):
            parts = [data[bounds[s] + skip : bounds[s + 1]] for s in range(firsts[line], stops[line])]
            texts.append(parts[0] if len(parts) == 1 else b"".join(parts))
        return texts


class MergedSpans:
    """Lines of several sources in the merged order, as runs of each source's spans.

    Attributes:
        lanes: ``(source, spans)``: the sources' spans that the runs take from.
        runs: int64 triples (native order, as bytes) ``(lane, first, stop)``:
            lines ``first`` to ``stop - 1`` of ``lanes[lane]``, in order.
    """

    __slots__ = ("_count", "lanes", "runs")

    def __init__(self, lanes: list[tuple[int, LineSpans]], runs: bytes, count: int) -> None:
        self.lanes = lanes
        self.runs = runs
        self._count = count  # lines in the runs

    def __len__(self) -> int:
        return self._count

    def triples(self) -> list[tuple[int, int, int]]:
        """The runs as ``(lane, first, stop)`` tuples."""
        runs = _int64s(self.runs).tolist()
        return list(zip(runs[0::3], runs[1::3], runs[2::3], strict=True))

    def lines(self) -> MergedLines:
        """The same lines as :class:`~iolog.core.merge.MergedLines` (a Python object per line)."""
        stamps: list[int] = []
        streams = bytearray()
        texts: list[bytes] = []
        runs: list[tuple[int, int]] = []
        for lane, first, stop in self.triples():
            source, spans = self.lanes[lane]
            stamps += _int64s(spans.stamps)[first:stop].tolist()
            streams += spans.streams[first:stop]
            texts += spans.texts(first, stop)
            runs.append((source, stop - first))
        complete = all(text[-1:] == b"\n" for text in texts)
        return MergedLines(stamps, bytes(streams), texts, complete, runs)


def running_max_python(stamps: bytes, initial: int | None) -> tuple[bytes, int | None]:
    """Each time raised to the largest before it (and to ``initial``): the twin of C ``running_max``.

    Args:
        stamps: int64s (native order, as bytes).
        initial: the largest key before them, or ``None``.

    Returns:
        The keys (the same form) and the last key (``initial`` if none).
    """
    values = _int64s(stamps).tolist()
    if initial is not None:
        values.insert(0, initial)
    keys = list(itertools.accumulate(values, max))
    if initial is not None:
        del keys[0]
    return _column(keys), keys[-1] if keys else initial


def merge_runs_python(lanes: list[tuple[bytes, int, int]]) -> bytes:
    """The stable sort of lanes' lines by key, as runs: the twin of C ``merge_runs``.

    Args:
        lanes: ``(keys, first, stop)``, keys int64s sorted from ``first`` to ``stop``.

    Returns:
        int64 triples ``(lane, first, stop)``: lines of one lane, each run as
        long as it can be, in the order of ``sorted`` over the lanes' lines
        laid end to end (ties to the lane given first).
    """
    laid: list[tuple[int, int, int]] = []  # (key, lane, line)
    for number, (keys, first, stop) in enumerate(lanes):
        laid += [(key, number, line) for line, key in enumerate(_int64s(keys)[first:stop].tolist(), first)]
    order = sorted(laid, key=lambda item: item[0])
    runs: list[int] = []
    for _key, lane, line in order:
        if runs and runs[-3] == lane and runs[-1] == line:
            runs[-1] = line + 1
        else:
            runs += (lane, line, line + 1)
    return _column(runs)


class _Lane:
    """Spans of one source waiting to be merged, with their keys."""

    __slots__ = ("head", "keys", "spans")

    def __init__(self, spans: LineSpans, keys: bytes) -> None:
        self.spans = spans
        self.keys = keys
        self.head = 0  # the first line not taken yet


class _Queue:
    __slots__ = ("lanes", "last_key", "open")

    def __init__(self) -> None:
        self.lanes: deque[_Lane] = deque()
        self.last_key = _NO_KEY
        self.open = True


class SpanMerger:
    """:class:`~iolog.core.merge.Merger`'s merge, on :class:`LineSpans`.

    Feed each source's spans in its order with :meth:`add`, say when a
    source has no more with :meth:`finish`, and :meth:`take` what may be
    printed; :meth:`wanted` is the source to read next.

    Args:
        count: how many sources (numbered from 0 in the order given).
    """

    def __init__(self, count: int) -> None:
        self._queues = [_Queue() for _ in range(count)]

    def add(self, source: int, spans: LineSpans) -> None:
        """More lines of ``source``, continuing what it sent before."""
        if not spans.line_count:
            return
        queue = self._queues[source]
        native = _native.speedups
        initial = None if queue.last_key == _NO_KEY else queue.last_key
        keys, last = (running_max_python if native is None else native.running_max)(spans.stamps, initial)
        assert last is not None
        queue.last_key = last
        queue.lanes.append(_Lane(spans, keys))

    def finish(self, source: int) -> None:
        """``source`` will send no more lines."""
        self._queues[source].open = False

    def wanted(self) -> int | None:
        """The source to read next, or ``None`` when every source has finished (as ``Merger.wanted``)."""
        bound: tuple[int, int] | None = None
        for number, queue in enumerate(self._queues):
            if not queue.open:
                continue
            if not queue.lanes:
                return number
            if bound is None or queue.last_key < bound[0]:
                bound = (queue.last_key, number)
        return None if bound is None else bound[1]

    def take(self) -> MergedSpans:
        """The lines that may be printed now, merged, and forget them."""
        bound: tuple[int, int] | None = None
        for number, queue in enumerate(self._queues):
            if queue.open and (bound is None or queue.last_key < bound[0]):
                bound = (queue.last_key, number)
        lanes: list[tuple[int, LineSpans]] = []
        keyed: list[tuple[bytes, int, int]] = []
        count = 0
        for number, queue in enumerate(self._queues):
            for lane in queue.lanes:
                stop = lane.spans.line_count
                if bound is not None:
                    keys = _int64s(lane.keys)
                    if number <= bound[1]:
                        stop = bisect.bisect_right(keys, bound[0], lane.head, stop)
                    else:
                        stop = bisect.bisect_left(keys, bound[0], lane.head, stop)
                if stop > lane.head:
                    lanes.append((number, lane.spans))
                    keyed.append((lane.keys, lane.head, stop))
                    count += stop - lane.head
                    lane.head = stop
                if stop < lane.spans.line_count:
                    break  # the later lanes' keys are no smaller
            while queue.lanes and queue.lanes[0].head == queue.lanes[0].spans.line_count:
                queue.lanes.popleft()
        if not keyed:
            return MergedSpans([], b"", 0)
        if len(keyed) == 1:
            runs = _column((0, keyed[0][1], keyed[0][2]))
        else:
            native = _native.speedups
            runs = (merge_runs_python if native is None else native.merge_runs)(keyed)
        return MergedSpans(lanes, runs, count)
