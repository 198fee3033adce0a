"""Merging the logical lines of several logs by time, in bulk.

This module owns the order in which ``iolog cat A B C`` prints the lines of
several sources: the k-way merge of their lines by the time of each line's
first entry, each source keeping its own order, ties going to the source
given first. It has no I/O: sources hand it :class:`LineChunk` s (whole
lines, in the order they begin in their log; see
:mod:`iolog.file.wholelines`), and it hands back :class:`MergedLines`.

The rule is the greedy merge of ``heapq.merge``: repeatedly print the line
whose time is the smallest among the next lines of the sources (the first
such source on a tie). A log's clock can go backwards (an NTP correction),
so a source's times are not always in order; the greedy merge then prints
that source's older lines at once, right after the line they follow, since
they are smaller than everything else waiting. That is exactly a stable sort
by each line's *running maximum* time within its source (its key, never
smaller than any key before it), with the sources concatenated in the order
given. So a whole batch is merged at once by one ``sorted`` call over keys
that are each source's sorted run, instead of a heap operation per line.

What may be printed: a line whose key is at most the smallest "last key
seen" among the sources that may still send lines (no later line of any
source can sort before it). The source holding back that bound is the one to
read next (:meth:`Merger.wanted`).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence
from typing import NamedTuple, TypeAlias, TypeVar

__all__ = ["LineChunk", "MergedLines", "Merger", "merge_all"]

_NO_KEY = -(1 << 63) - 1


class LineChunk(NamedTuple):
    """Whole logical lines of one source, in the order they begin in it.

    Attributes:
        stamps: each line's time (its first entry's, unix ns).
        streams: one byte per line, 0 for stdout and 1 for stderr.
        texts: each line's bytes (its entries' payloads joined); a line
            that damage, the end of the input or the hold limit cut short
            does not end in ``\\n``.
        complete: every text ends in ``\\n`` (so a printer need not look).
        rests: the positions of texts that are the rest of a line given in
            parts (see :data:`~iolog.file.wholelines.HOLD_LIMIT_BYTES`), which
            a printer prints as lines but a count of lines passes over;
            empty in the common case.
    """

    stamps: list[int]
    streams: bytes
    texts: list[bytes]
    complete: bool
    rests: tuple[int, ...] = ()


class MergedLines:
    """Lines of several sources in the merged order.

    Attributes (each in the merged order, made the first time it is asked
    for, so that a printer that needs no times or streams does not pay for
    them):
        texts: each line's bytes.
        stamps: each line's time (its first entry's, unix ns).
        streams: one byte per line, 0 for stdout and 1 for stderr.
        sources: each line's source, its position in the order given.
        complete: every text ends in ``\\n``.

    Made from the sources' runs laid end to end (``runs`` says whose and how
    many) and the merged ``order`` (positions in them; ``None``: as laid).
    """

    __slots__ = ("_order", "_raw", "_runs", "_sources", "_stamps", "_streams", "_texts", "complete")

    def __init__(
        self,
        stamps: list[int],
        streams: bytes,
        texts: list[bytes],
        complete: bool,
        runs: list[tuple[int, int]],
        order: list[int] | None = None,
    ) -> None:
        self._raw = (stamps, streams, texts)
        self._runs = runs
        self._order = order
        self._stamps: list[int] | None = stamps if order is None else None
        self._streams: bytes | None = streams if order is None else None
        self._texts: list[bytes] | None = texts if order is None else None
        self._sources: list[int] | None = None
        self.complete = complete

    @classmethod
    def of(cls, chunk: LineChunk, source: int = 0) -> MergedLines:
        """The lines of one source's chunk, as they are."""
        return cls(chunk.stamps, chunk.streams, chunk.texts, chunk.complete, [(source, len(chunk.texts))])

    def __len__(self) -> int:
        return len(self._raw[2])

    @property
    def texts(self) -> list[bytes]:
        """Each line's bytes."""
        if self._texts is None:
            assert self._order is not None
            self._texts = list(map(self._raw[2].__getitem__, self._order))
        return self._texts

    @property
    def stamps(self) -> list[int]:
        """Each line's time (its first entry's, unix ns)."""
        if self._stamps is None:
            assert self._order is not None
            self._stamps = list(map(self._raw[0].__getitem__, self._order))
        return self._stamps

    @property
    def streams(self) -> bytes:
        """One byte per line: 0 for stdout, 1 for stderr."""
        if self._streams is None:
            assert self._order is not None
            self._streams = bytes(map(self._raw[1].__getitem__, self._order))
        return self._streams

    @property
    def sources(self) -> list[int]:
        """Each line's source."""
        if self._sources is None:
            self._sources = self.by_source(range(max((source for source, _ in self._runs), default=-1) + 1))
        return self._sources

    def by_source(self, values: Sequence[_T]) -> list[_T]:
        """``values[source]`` for each line, in the merged order (a name, a prefix...)."""
        laid: list[_T] = []
        for source, count in self._runs:
            laid += [values[source]] * count
        return laid if self._order is None else list(map(laid.__getitem__, self._order))


_T = TypeVar("_T")


class _Queue:
    """One source's lines waiting to be merged, with their keys."""

    __slots__ = ("complete", "keys", "last_key", "open", "stamps", "streams", "texts")

    def __init__(self) -> None:
        self.keys: list[int] = []
        self.stamps: list[int] = []
        self.streams = bytearray()
        self.texts: list[bytes] = []
        self.complete = True
        self.last_key = _NO_KEY
        self.open = True  # may still send lines

    def add(self, chunk: LineChunk) -> None:
        if not chunk.texts:
            return
        stamps = chunk.stamps
        if stamps[0] >= self.last_key and sorted(stamps) == stamps:
            keys = stamps  # in order (the usual case): each time is its own running maximum
        else:
            keys = list(itertools.accumulate(stamps, max, initial=self.last_key))
            del keys[0]
        self.last_key = keys[-1]
        self.keys += keys
        self.stamps += chunk.stamps
        self.streams += chunk.streams
        self.texts += chunk.texts
        self.complete = self.complete and chunk.complete

    def take(self, count: int) -> tuple[list[int], list[int], bytes, list[bytes]]:
        keys, stamps, streams, texts = (
            self.keys[:count], self.stamps[:count], bytes(self.streams[:count]), self.texts[:count]
        )
        del self.keys[:count], self.stamps[:count], self.streams[:count], self.texts[:count]
        return keys, stamps, streams, texts


class Merger:
    """The k-way merge of the lines of ``count`` sources by time, in bulk.

    Feed each source's chunks in its order with :meth:`add`, say when a
    source has no more with :meth:`finish`, and :meth:`take` what may be
    printed. Which source to read next so that more may be printed is
    :meth:`wanted`. New sources may join (:meth:`add_source`, for logs
    that appear while following).

    Args:
        count: how many sources (numbered from 0 in the order given).
    """

    Chunk: TypeAlias = LineChunk

    def __init__(self, count: int) -> None:
        self._queues = [_Queue() for _ in range(count)]

    def add_source(self) -> int:
        """A new source, after the others; returns its number."""
        self._queues.append(_Queue())
        return len(self._queues) - 1

    def add(self, source: int, chunk: LineChunk) -> None:
        """More lines of ``source``, continuing what it sent before."""
        self._queues[source].add(chunk)

    def finish(self, source: int) -> None:
        """``source`` will send no more lines."""
        self._queues[source].open = False

    def wanted(self) -> int | None:
        """The source to read next, or ``None`` when every source has finished.

        A source that may still send lines and has none waiting comes first
        (nothing can be printed past it); otherwise the one whose last key
        bounds what may be printed.
        """
        bound: tuple[int, int] | None = None
        for number, queue in enumerate(self._queues):
            if not queue.open:
                continue
            if not queue.texts:
                return number
            if bound is None or queue.last_key < bound[0]:
                bound = (queue.last_key, number)
        return None if bound is None else bound[1]

    def take(self, *, everything: bool = False) -> MergedLines:
        """The lines that may be printed now, merged, and forget them.

        Args:
            everything: take every waiting line, as if no source could send
                more (following prints what arrived in each poll at once).

        Returns:
            The merged lines (possibly none).
        """
        bound = None if everything else self._bound()
        parts: list[tuple[int, list[int], list[int], bytes, list[bytes]]] = []
        complete = True
        for number, queue in enumerate(self._queues):
            if not queue.texts:
                continue
            if bound is None:
                count = len(queue.texts)
            elif number <= bound[1]:
                count = bisect.bisect_right(queue.keys, bound[0])
            else:
                count = bisect.bisect_left(queue.keys, bound[0])
            if count:
                complete = complete and queue.complete
                parts.append((number, *queue.take(count)))
                if not queue.texts:
                    queue.complete = True
        return _merged(parts, complete)

    def _bound(self) -> tuple[int, int] | None:
        """``(key, source)``: lines at or below it, in that order, may be printed.

        ``None`` when no source may send more (everything may be printed).
        """
        bound: tuple[int, int] | None = None
        for number, queue in enumerate(self._queues):
            if queue.open and (bound is None or queue.last_key < bound[0]):
                bound = (queue.last_key, number)
        return bound


def _merged(parts: list[tuple[int, list[int], list[int], bytes, list[bytes]]], complete: bool) -> MergedLines:
    """Merge the sources' taken runs (each sorted by key) by one stable sort."""
    if not parts:
        return MergedLines([], b"", [], True, [])
    if len(parts) == 1:
        number, _keys, one_stamps, one_streams, one_texts = parts[0]
        return MergedLines(one_stamps, one_streams, one_texts, complete, [(number, len(one_texts))])
    keys: list[int] = []
    stamps: list[int] = []
    streams = bytearray()
    texts: list[bytes] = []
    runs: list[tuple[int, int]] = []
    for number, part_keys, part_stamps, part_streams, part_texts in parts:
        keys += part_keys
        stamps += part_stamps
        streams += part_streams
        texts += part_texts
        runs.append((number, len(part_texts)))
    return MergedLines(stamps, bytes(streams), texts, complete, runs, _stable_order(keys))


def _stable_order(keys: list[int]) -> list[int]:
    """The positions of ``keys`` sorted by key, ties in the order given (one C sort)."""
    return sorted(range(len(keys)), key=keys.__getitem__)


def merge_all(chunks: Iterable[tuple[int, LineChunk]], count: int) -> MergedLines:
    """Merge whole sources given at once (for tests and small inputs).

    Args:
        chunks: ``(source, chunk)`` pairs, each source's in its order.
        count: how many sources.
    """
    merger = Merger(count)
    for source, chunk in chunks:
        merger.add(source, chunk)
    for source in range(count):
        merger.finish(source)
    return merger.take()
