"""The merge of several logs' lines (:mod:`iolog.core.merge`) is the greedy merge by time.

The simplest correct reading: repeatedly take the line whose time is the
smallest among the next lines of the sources, the first source on a tie
(what ``heapq.merge`` over the sources does). Whatever the chunks the
sources arrive in, whichever order they are read in, and however their
clocks jump, :class:`~iolog.core.merge.Merger` must print exactly that.
"""

from __future__ import annotations

import heapq
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from iolog.core.merge import LineChunk, Merger, merge_all

Line = tuple[int, int, bytes]  # (time, stream, text)


def _greedy(sources: list[list[Line]]) -> list[tuple[int, Line]]:
    """The reference: one line at a time, the smallest (time, source) head first."""
    heads = [0] * len(sources)
    out = []
    while True:
        best = None
        for number, lines in enumerate(sources):
            if heads[number] < len(lines):
                key = (lines[heads[number]][0], number)
                if best is None or key < best:
                    best = key
        if best is None:
            return out
        number = best[1]
        out.append((number, sources[number][heads[number]]))
        heads[number] += 1


def _chunks(lines: list[Line], rng: random.Random) -> list[LineChunk]:
    chunks = []
    at = 0
    while at < len(lines):
        step = rng.randint(1, 6)
        part = lines[at : at + step]
        chunks.append(LineChunk([t for t, _, _ in part], bytes(s for _, s, _ in part),
                                [m for _, _, m in part], all(m.endswith(b"\n") for _, _, m in part)))
        at += step
    if rng.random() < 0.3:
        chunks.insert(rng.randint(0, len(chunks)), LineChunk([], b"", [], True))  # an empty read
    return chunks


times = st.integers(0, 40)  # few values: many ties, and clocks that go back
source_lines = st.lists(st.tuples(times, st.integers(0, 1)), max_size=25)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(source_lines, min_size=1, max_size=6), st.integers(0, 2**32 - 1))
def test_the_merge_is_the_greedy_merge(raw_sources, seed):
    rng = random.Random(seed)
    sources = [
        [(time, stream, b"%d.%d%s" % (number, k, b"\n" if rng.random() < 0.9 else b""))
         for k, (time, stream) in enumerate(lines)]
        for number, lines in enumerate(raw_sources)
    ]
    readers = [iter(_chunks(lines, rng)) for lines in sources]
    merger = Merger(len(sources))
    got: list[tuple[int, Line]] = []
    while (number := merger.wanted()) is not None:
        chunk = next(readers[number], None)
        if chunk is None:
            merger.finish(number)
        else:
            merger.add(number, chunk)
        merged = merger.take()
        for source, stamp, stream, text in zip(merged.sources, merged.stamps, merged.streams, merged.texts,
                                               strict=True):
            got.append((source, (stamp, stream, text)))
        if merged.complete:  # a promise the printers rely on (False only means "look")
            assert all(text.endswith(b"\n") for text in merged.texts)
    assert got == _greedy(sources)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.lists(times, max_size=20).map(sorted), min_size=1, max_size=5))
def test_ordered_sources_merge_as_heapq_merge_does(raw_sources):
    sources = [[(t, 0, b"%d.%d\n" % (n, k)) for k, t in enumerate(lines)]
               for n, lines in enumerate(raw_sources)]
    tagged = [[(line[0], number, line) for line in lines] for number, lines in enumerate(sources)]
    expected = [(number, line) for _, number, line in heapq.merge(*tagged, key=lambda item: item[:2])]
    merged = merge_all(
        ((n, LineChunk([t for t, _, _ in lines], bytes(len(lines)), [m for _, _, m in lines], True))
         for n, lines in enumerate(sources)),
        len(sources),
    )
    got = [(n, (t, s, m)) for n, t, s, m in zip(merged.sources, merged.stamps, merged.streams, merged.texts,
                                                 strict=True)]
    assert got == expected


def test_a_source_joining_later_merges_from_then_on():
    merger = Merger(1)
    merger.add(0, LineChunk([5, 9], b"\x00\x00", [b"a\n", b"b\n"], True))
    number = merger.add_source()
    merger.add(number, LineChunk([7], b"\x01", [b"c\n"], True))
    merged = merger.take(everything=True)
    assert merged.texts == [b"a\n", b"c\n", b"b\n"] and merged.sources == [0, 1, 0]
    assert merger.take(everything=True).texts == []
