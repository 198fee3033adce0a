"""Whole lines of one log (:mod:`iolog.file.wholelines`) are the reference lines, in the order they begin.

The simplest correct reading is :func:`tests.faultlib.reference_lines` over
one linear decode of the whole file. Whether the entries come as fast-walk
batches (cut anywhere), as decoder events (in any chunks), or both, and
whichever stream is kept, :class:`~iolog.file.wholelines.WholeLines` must
give exactly those lines; with a small hold limit, the same bytes in parts.
"""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from iolog import Decoder, Entry, LogFile, Stream
from iolog.core.format import encode_entry
from iolog.core.merge import LineChunk
from iolog.file.walk import FastBatch
from iolog.file.wholelines import WholeLines
from tests import faultlib
from tests.test_faults import faulted_cases
from tests.test_reading_paths import SETTINGS, small_walk  # noqa: F401 - a fixture

T0 = 1_700_000_000_000_000_000


def _linear(data: bytes) -> list[object]:
    decoder = Decoder()
    return decoder.feed(data) + decoder.close()


def _reference(data: bytes, streams: frozenset[int] = frozenset({0, 1})) -> list[tuple[int, int, bytes]]:
    return [
        (int(line.stream), line.timestamp_ns, line.message)
        for line in faultlib.reference_lines(_linear(data))
        if int(line.stream) in streams
    ]


def _flatten(chunks: list[LineChunk | None]) -> list[tuple[int, int, bytes]]:
    out = []
    for chunk in chunks:
        if chunk is None:
            continue
        assert len(chunk.stamps) == len(chunk.streams) == len(chunk.texts) > 0
        if chunk.complete:
            assert all(text.endswith(b"\n") for text in chunk.texts)
        out += list(zip(chunk.streams, chunk.stamps, chunk.texts, strict=True))
    return out


def _read(path: Path, lines: WholeLines, rng: random.Random) -> list[LineChunk | None]:
    """Feed a file's fast walk to ``lines``, batches cut at random places, some as events."""
    chunks: list[LineChunk | None] = []
    with LogFile(path, cache=False) as log:
        for item in log.batches():
            if isinstance(item, list):
                chunks.append(lines.events(item))
                continue
            first = 0
            while first < item.accepted:
                stop = rng.randint(first + 1, item.accepted)
                part = item.part(first, stop)
                if rng.random() < 0.2:
                    chunks.append(lines.events([part.entry(k) for k in range(part.accepted)]))
                else:
                    chunks.append(lines.batch(part))
                first = stop
    chunks.append(lines.close())
    return chunks


def _write(tmp: Path, data: bytes) -> Path:
    path = tmp / f"case-{random.random()}.log"
    path.write_bytes(data)
    return path


@SETTINGS
@given(faulted_cases(), st.integers(0, 2**32 - 1), st.sampled_from(["all", "stdout", "stderr"]))
def test_lines_from_the_walk_are_the_reference_lines(tmp_path_factory, small_walk, case, seed, choice):  # noqa: F811
    streams = frozenset({0, 1} if choice == "all" else {0 if choice == "stdout" else 1})
    path = _write(tmp_path_factory.mktemp("whole"), case.data)
    got = _flatten(_read(path, WholeLines(streams), random.Random(seed)))
    assert got == _reference(case.data, streams)


@SETTINGS
@given(faulted_cases(), st.integers(0, 2**32 - 1))
def test_lines_from_events_are_the_reference_lines(case, seed):
    rng = random.Random(seed)
    events = _linear(case.data)
    lines = WholeLines()
    chunks = []
    at = 0
    while at < len(events):
        step = rng.randint(1, 8)
        chunks.append(lines.events(events[at : at + step]))
        at += step
    chunks.append(lines.close())
    assert _flatten(chunks) == _reference(case.data)


@SETTINGS
@given(faulted_cases(), st.integers(0, 2**32 - 1), st.integers(1, 20_000))
def test_a_hold_limit_gives_the_same_bytes_in_parts(tmp_path_factory, small_walk, case, seed, limit):  # noqa: F811
    path = _write(tmp_path_factory.mktemp("hold"), case.data)
    got = _flatten(_read(path, WholeLines(hold_limit_bytes=limit), random.Random(seed)))
    reference = _reference(case.data)
    for stream in (0, 1):
        pieces = [text for line_stream, _, text in got if line_stream == stream]
        assert b"".join(pieces) == b"".join(text for s, _, text in reference if s == stream)
    # A part that is not a whole line is one the limit (or damage, or the end) cut.
    assert len(got) >= len(reference)


def _rejoined(chunks: list[LineChunk | None]) -> list[tuple[int, int, bytes]]:
    """The lines again: each text marked as the rest of a line joined to its stream's last line."""
    lines: list[list[object]] = []
    last: dict[int, list[object]] = {}
    for chunk in chunks:
        if chunk is None:
            continue
        assert all(0 <= rest < len(chunk.texts) for rest in chunk.rests)
        for number, (stream, stamp, text) in enumerate(
            zip(chunk.streams, chunk.stamps, chunk.texts, strict=True)
        ):
            if number in chunk.rests:
                last[stream][2] += text  # type: ignore[operator]
            else:
                last[stream] = [stream, stamp, text]
                lines.append(last[stream])
    return [(stream, stamp, text) for stream, stamp, text in lines]  # type: ignore[misc]


@SETTINGS
@given(faulted_cases(), st.integers(0, 2**32 - 1), st.integers(1, 20_000),
       st.sampled_from(["all", "stdout", "stderr"]))
def test_the_parts_a_hold_limit_makes_are_marked_and_rejoin_into_the_lines(
    tmp_path_factory, small_walk, case, seed, limit, choice,  # noqa: F811
):
    streams = frozenset({0, 1} if choice == "all" else {0 if choice == "stdout" else 1})
    path = _write(tmp_path_factory.mktemp("rests"), case.data)
    chunks = _read(path, WholeLines(streams, hold_limit_bytes=limit), random.Random(seed))
    assert _rejoined(chunks) == _reference(case.data, streams)


def _items_of(data: bytes, tmp: Path) -> list[FastBatch | list[object]]:
    path = _write(tmp, data)
    with LogFile(path, cache=False) as log:
        return list(log.batches())


def _feed(lines: WholeLines, items: list[FastBatch | list[object]]) -> list[LineChunk | None]:
    return [lines.events(item) if isinstance(item, list) else lines.batch(item) for item in items]


def test_a_line_split_around_the_other_stream_waits_for_its_end(tmp_path):
    frames = [
        (Stream.STDOUT, b"progress: "),
        (Stream.STDERR, b"warning one\n"),
        (Stream.STDOUT, b"done\n"),
        (Stream.STDERR, b"warning two\n"),
        (Stream.STDOUT, b"next\n"),
    ]
    data = b"".join(encode_entry(m, timestamp_ns=T0 + i, stream=s) for i, (s, m) in enumerate(frames))
    lines = WholeLines()
    items = _items_of(data, tmp_path)
    assert isinstance(items[0], FastBatch) and items[0].accepted >= 3  # the bulk path meets it
    got = _flatten([*_feed(lines, items), lines.close()])
    assert got == [
        (0, T0, b"progress: done\n"),
        (1, T0 + 1, b"warning one\n"),
        (1, T0 + 3, b"warning two\n"),
        (0, T0 + 4, b"next\n"),
    ]


def test_an_open_line_is_held_across_batches_and_given_at_the_end(tmp_path):
    lines = WholeLines()
    data = b"".join(encode_entry(m, timestamp_ns=T0 + i) for i, m in enumerate([b"a\n", b"open ", b"x\n"]))
    batch = _items_of(data, tmp_path)[0]
    assert isinstance(batch, FastBatch)
    assert _flatten([lines.batch(batch.part(0, 2))]) == [(0, T0, b"a\n")]
    assert lines.holding
    rest = [Entry(T0 + 2, Stream.STDERR, b"err\n"), Entry(T0 + 3, Stream.STDOUT, b"still")]
    assert lines.events(rest) is None  # held behind the open line
    assert _flatten([lines.close()]) == [(0, T0 + 1, b"open still"), (1, T0 + 2, b"err\n")]
    assert not lines.holding
