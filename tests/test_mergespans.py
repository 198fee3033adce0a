"""Lines as spans (:mod:`iolog.core.mergespans`) are the same lines, merged by the same rule.

The simplest correct readings: a log's lines as spans
(:meth:`~iolog.file.wholelines.WholeLines.batch_spans`) are
:func:`tests.faultlib.reference_lines` over its linear decode, whatever the
batches; :class:`~iolog.core.mergespans.SpanMerger` prints exactly the
greedy merge (the smallest head time first, the source given first on a
tie), as :class:`~iolog.core.merge.Merger` does, whatever the spans the
sources arrive in. Reading ahead in a second thread
(:class:`~iolog.cli.readahead.ReadAhead`) hands each log's items in its
order, and what reading raised. Each runs with the C speed-up and with the
pure-Python twins.
"""

from __future__ import annotations

import random
import threading
from array import array
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iolog import LogFile, _native
from iolog.cli.readahead import ReadAhead
from iolog.core.merge import LineChunk
from iolog.core.mergespans import LineSpans, MergedSpans, SpanMerger
from iolog.file.readbuffers import ReadBuffers
from iolog.file.wholelines import WholeLines
from tests.test_faults import faulted_cases
from tests.test_merge import _greedy
from tests.test_reading_paths import SETTINGS, small_walk  # noqa: F401 - a fixture
from tests.test_wholelines import _reference, _write

IMPLEMENTATIONS = [pytest.param(None, id="python")] + (
    [pytest.param(_native.BUILT, id="c")] if _native.BUILT is not None else []
)


def _lines_of(merged: MergedSpans) -> list[tuple[int, tuple[int, int, bytes]]]:
    lines = merged.lines()
    assert len(lines) == len(merged)
    return [(source, (stamp, stream, text)) for source, stamp, stream, text
            in zip(lines.sources, lines.stamps, lines.streams, lines.texts, strict=True)]


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@SETTINGS
@given(case=faulted_cases(), seed=st.integers(0, 2**32 - 1),
       choice=st.sampled_from(["all", "stdout", "stderr"]))
def test_spans_from_the_walk_are_the_reference_lines(
    tmp_path_factory, small_walk, implementation, case, seed, choice  # noqa: F811
):
    streams = frozenset({0, 1} if choice == "all" else {0 if choice == "stdout" else 1})
    path = _write(tmp_path_factory.mktemp("spans"), case.data)
    rng = random.Random(seed)
    lines = WholeLines(streams)
    spans: list[LineSpans] = []
    with _native.use(implementation), LogFile(path, cache=False) as log:
        for item in log.batches():
            if isinstance(item, list):
                chunk = lines.events(item)
                spans += [] if chunk is None else [LineSpans.of_chunk(chunk)]
                continue
            first = 0
            while first < item.accepted:  # batches cut anywhere
                stop = rng.randint(first + 1, item.accepted)
                spans += lines.batch_spans(item.part(first, stop))
                first = stop
        chunk = lines.close()
        spans += [] if chunk is None else [LineSpans.of_chunk(chunk)]
    got = []
    for part in spans:
        assert part.line_count > 0
        stamps = memoryview(part.stamps).cast("q").tolist()
        got += list(zip(part.streams, stamps, part.texts(0, part.line_count), strict=True))
    assert got == _reference(case.data, streams)


def _spans(lines: list[tuple[int, int, bytes]], rng: random.Random) -> list[LineSpans]:
    """A source's lines as spans, cut anywhere, some made of segments that split a line."""
    out = []
    at = 0
    while at < len(lines):
        step = rng.randint(1, 6)
        part = lines[at : at + step]
        chunk = LineChunk([t for t, _, _ in part], bytes(s for _, s, _ in part), [m for _, _, m in part],
                          all(m.endswith(b"\n") for _, _, m in part))
        spans = LineSpans.of_chunk(chunk)
        if rng.random() < 0.5:  # the same lines as two segments each, after a 3-byte "header"
            pieces = [(b"hdr" + m[: len(m) // 2], b"hdr" + m[len(m) // 2 :]) for _, _, m in part]
            bounds = [0]
            for first_half, second_half in pieces:
                bounds += [bounds[-1] + len(first_half), bounds[-1] + len(first_half) + len(second_half)]
            count = len(part)
            spans = LineSpans(b"".join(a + b for a, b in pieces), 3, array("q", bounds),
                              array("q", range(0, 2 * count, 2)).tobytes(),
                              array("q", range(2, 2 * count + 2, 2)).tobytes(),
                              spans.stamps, spans.streams)
        out.append(spans)
        at += step
    return out


times = st.integers(0, 40)  # few values: many ties, and clocks that go back
source_lines = st.lists(st.tuples(times, st.integers(0, 1)), max_size=25)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@settings(max_examples=300, deadline=None, derandomize=True)
@given(raw_sources=st.lists(source_lines, min_size=1, max_size=6), seed=st.integers(0, 2**32 - 1))
def test_the_span_merge_is_the_greedy_merge(implementation, raw_sources, seed):
    rng = random.Random(seed)
    sources = [
        [(time, stream, b"%d.%d%s" % (number, k, b"\n" if rng.random() < 0.9 else b""))
         for k, (time, stream) in enumerate(lines)]
        for number, lines in enumerate(raw_sources)
    ]
    readers = [iter(_spans(lines, rng)) for lines in sources]
    merger = SpanMerger(len(sources))
    got = []
    with _native.use(implementation):
        while (number := merger.wanted()) is not None:
            spans = next(readers[number], None)
            if spans is None:
                merger.finish(number)
            else:
                merger.add(number, spans)
            got += _lines_of(merger.take())
    assert got == _greedy(sources)


def _items(name: str, count: int, fail: bool = False) -> Iterator[str]:
    for number in range(count):
        yield f"{name}{number}"
    if fail:
        raise OSError(f"{name}: read failed")


def test_reading_ahead_hands_each_log_its_items_in_order():
    readers = ReadAhead([_items("a", 5), None, _items("b", 3)], depth=2)
    try:
        order = [0, 2, 2, 0, 0, 2, 0, 0, 2, 0, 1]
        got = [readers.next(number) for number in order]
    finally:
        readers.close()
    assert got == ["a0", "b0", "b1", "a1", "a2", "b2", "a3", "a4", None, None, None]


def test_reading_ahead_raises_what_reading_a_log_raised_and_stops():
    readers = ReadAhead([_items("a", 2, fail=True), _items("b", 100)], depth=3)
    try:
        assert [readers.next(0), readers.next(0)] == ["a0", "a1"]
        with pytest.raises(OSError, match="a: read failed"):
            readers.next(0)
        assert readers.next(1) == "b0"
    finally:
        readers.close()
    assert not any(thread.name == "iolog-read-ahead" for thread in threading.enumerate())


def test_finished_sources_give_nothing_and_want_nothing():
    merger = SpanMerger(2)
    merger.finish(0)
    assert merger.wanted() == 1
    assert len(merger.take()) == 0
    merger.finish(1)
    assert merger.wanted() is None


def test_a_read_buffer_is_handed_out_again_only_when_nothing_holds_it():
    buffers = ReadBuffers()
    buffer = buffers(16)
    first = id(buffer)
    view = memoryview(buffer)  # a batch, a span or a C call holds it
    del buffer
    other = buffers(16)
    assert id(other) != first
    del other
    assert id(buffers(8)) not in (first,)  # another size is another buffer
    view.release()
    del view
    assert id(buffers(16)) == first
