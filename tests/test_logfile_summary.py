"""What LogFile says from its index: the summary, the entries before an offset, the lines open there.

Each is held equal to one linear decode of the whole file (the simplest
correct reading), on logs with clock jumps and garbage, indexed in many
small regions.
"""

from __future__ import annotations

import os
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st

from iolog import Entry, LogFile, Stream
from iolog.core.decoder import Decoder, Event
from iolog.core.format import encode_entry
from iolog.core.lines import LineState
from iolog.file.summary import LogSummary

BASE_NS = 1_700_000_000_000_000_000

# Entries of both streams, some ending a line and some not, with clock jumps and garbage.
log_items = st.lists(
    st.tuples(
        st.integers(-3000, 1000),  # time step (negative: the clock went back)
        st.integers(0, 1),  # stream
        st.integers(0, 120),  # payload length
        st.booleans(),  # the entry ends its line
        st.integers(0, 25),  # 0: garbage follows
    ),
    max_size=120,
)


def _build(items: list[tuple[int, int, int, bool, int]]) -> bytes:
    timestamp = BASE_NS
    parts = []
    for step, stream, length, ends, garbage in items:
        timestamp += step
        message = b"y" * length + (b"\n" if ends or not length else b"")
        parts.append(encode_entry(message, timestamp_ns=timestamp, stream=Stream(stream)))
        if garbage == 0:
            parts.append(b"\x00garbage==\n")
    return b"".join(parts)


def _linear(data: bytes) -> list[Event]:
    decoder = Decoder()
    return decoder.feed(data) + decoder.close()


def _open(directory: str, data: bytes) -> LogFile:
    path = os.path.join(directory, "app.log")
    with open(path, "wb") as out:
        out.write(data)
    return LogFile(path, checkpoint_every_bytes=256, cache=False)


@settings(max_examples=60, deadline=None)
@given(log_items)
def test_the_summary_counts_what_a_linear_decode_finds(items) -> None:  # type: ignore[no-untyped-def]
    data = _build(items)
    events = _linear(data)
    entries = [event for event in events if isinstance(event, Entry)]
    with tempfile.TemporaryDirectory() as directory, _open(directory, data) as log:
        assert log.built_summary is None
        summary = log.summary()
        assert isinstance(summary, LogSummary)
        assert log.built_summary == summary
    assert summary.entries == len(entries)
    assert summary.stderr_entries == sum(entry.stream for entry in entries)
    assert summary.stdout_entries == len(entries) - summary.stderr_entries
    assert summary.damage == len(events) - len(entries)
    assert summary.end_offset == len(data)
    stamps = [entry.timestamp_ns for entry in entries]
    assert summary.time_span == ((min(stamps), max(stamps)) if stamps else None)
    regions = summary.regions
    assert [region.start for region in regions[1:]] == [region.end for region in regions[:-1]]
    assert not regions or (regions[0].start == 0 and regions[-1].end == len(data))
    for region in regions:
        inside = [entry for entry in entries if region.start <= (entry.offset or 0) < region.end]
        assert region.entries == len(inside)
        assert region.stderr_entries == sum(entry.stream for entry in inside)
        times = [entry.timestamp_ns for entry in inside]
        assert (region.min_ts, region.max_ts) == ((min(times), max(times)) if times else (None, None))


@settings(max_examples=60, deadline=None)
@given(log_items, st.data())
def test_entries_before_and_lines_open_at_an_offset_equal_a_linear_decode(items, data) -> None:  # type: ignore[no-untyped-def]
    raw = _build(items)
    events = _linear(raw)
    entries = [event for event in events if isinstance(event, Entry)]
    offsets = [entry.offset or 0 for entry in entries] + [len(raw)]
    chosen = data.draw(st.lists(st.sampled_from(offsets), max_size=6))
    anywhere = data.draw(st.lists(st.integers(0, len(raw)), max_size=4))
    with tempfile.TemporaryDirectory() as directory, _open(directory, raw) as log:
        for offset in chosen:
            state = LineState((False, False))
            for event in events:
                start = event.offset if event.offset is not None else 0
                if start < offset:
                    state.event(event)
            assert log.lines_open_at(offset) == (bool(state.open[0]), bool(state.open[1])), offset
        for offset in chosen + anywhere:
            expected = sum(1 for entry in entries if (entry.offset or 0) < offset)
            assert log.entries_before(offset) == expected, offset


def test_the_lines_open_at_an_offset_are_found_behind_regions_without_their_stream() -> None:
    # stdout opens a line, then many stderr lines fill regions; the stdout line is open after them.
    parts = [encode_entry(b"start of a line ", timestamp_ns=BASE_NS, stream=Stream.STDOUT)]
    parts += [encode_entry(b"e%d\n" % k, timestamp_ns=BASE_NS + k, stream=Stream.STDERR) for k in range(300)]
    data = b"".join(parts)
    with tempfile.TemporaryDirectory() as directory, _open(directory, data) as log:
        assert len(log.summary().regions) > 5
        assert log.lines_open_at(len(data)) == (True, False)
        assert log.entries_before(len(data)) == 301
