"""Tests of LogFile: exact time windows against a linear filter, seek, tail, events_from."""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iolog import read_entries
from iolog.core.decoder import Decoder, Skipped
from iolog.core.format import Entry, Stream, encode_entry
from iolog.file.logfile import LogFile
from tests import faultlib

BASE_NS = 1_700_000_000_000_000_000


def _linear_events(data: bytes) -> list[object]:
    decoder = Decoder()
    return decoder.feed(data) + decoder.close()


def _write(directory: str, data: bytes) -> str:
    path = os.path.join(directory, "app.log")
    with open(path, "wb") as out:
        out.write(data)
    return path


# A log with random backward jumps (small and large) and occasional garbage.
log_items = st.lists(
    st.tuples(
        st.integers(0, 1000),  # forward step
        st.integers(0, 30),  # 0..2: a backward jump
        st.integers(0, 1),
        st.integers(0, 200),  # payload length
        st.integers(0, 40),  # 0: garbage follows
    ),
    max_size=150,
)


def _build(items: list[tuple[int, int, int, int, int]]) -> bytes:
    timestamp = BASE_NS
    parts = []
    for step, jump, stream, length, garbage in items:
        timestamp += step
        if jump == 0:
            timestamp -= 5000  # far back
        elif jump == 1:
            timestamp -= 300
        elif jump == 2:
            timestamp += 100_000  # far forward (then everything after is "late")
        message = (b"%d " % timestamp + b"z" * length)[:length] + b"\n"
        parts.append(encode_entry(message, timestamp_ns=timestamp, stream=Stream(stream)))
        if garbage == 0:
            parts.append(b"\x00garbage==\n")
    return b"".join(parts)


def _window(entries: list[Entry], since: int | None, until: int | None) -> list[Entry]:
    return [
        e
        for e in entries
        if (since is None or e.timestamp_ns >= since) and (until is None or e.timestamp_ns < until)
    ]


@settings(max_examples=80, deadline=None)
@given(
    log_items,
    st.sampled_from([64, 512, 4096]),
    st.one_of(st.none(), st.integers(BASE_NS - 6000, BASE_NS + 260_000)),
    st.one_of(st.none(), st.integers(BASE_NS - 6000, BASE_NS + 260_000)),
    st.booleans(),
)
def test_windows_equal_linear_filter(items, every, since, until, build) -> None:  # type: ignore[no-untyped-def]
    data = _build(items)
    entries = [e for e in _linear_events(data) if isinstance(e, Entry)]
    with tempfile.TemporaryDirectory() as tmp, LogFile(
        _write(tmp, data), checkpoint_every_bytes=every
    ) as log:
        if build:
            log.build_index()
        expected = _window(entries, since, until)
        assert list(log.entries(since_ns=since, until_ns=until)) == expected
        # Twice: the second query reuses what the first one learned.
        assert list(log.entries(since_ns=since, until_ns=until)) == expected
        if since is not None:
            first = next((e.offset for e in entries if e.timestamp_ns >= since), len(data))
            assert log.seek_time(since) == first
        assert list(read_entries(log.path, since_ns=since, until_ns=until)) == expected


@settings(max_examples=40, deadline=None)
@given(log_items, st.data())
def test_seek_sequence_without_index(items, data) -> None:  # type: ignore[no-untyped-def]
    log_bytes = _build(items)
    entries = [e for e in _linear_events(log_bytes) if isinstance(e, Entry)]
    with tempfile.TemporaryDirectory() as tmp, LogFile(
        _write(tmp, log_bytes), checkpoint_every_bytes=128
    ) as log:
        for since in data.draw(st.lists(st.integers(BASE_NS - 6000, BASE_NS + 260_000),
                                        max_size=5)):
            first = next((e.offset for e in entries if e.timestamp_ns >= since), len(log_bytes))
            assert log.seek_time(since) == first
        index = log.build_index()  # resumes the partial index
        assert index.entry_count == len(entries)


def test_windowed_events_pass_garbage_through(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = (
        encode_entry(b"a\n", timestamp_ns=BASE_NS)
        + b"junk!"
        + encode_entry(b"b\n", timestamp_ns=BASE_NS + 10)
    )
    with LogFile(_write(str(tmp_path), data)) as log:
        events = list(log.events(since_ns=BASE_NS + 5))
    assert [type(e).__name__ for e in events] == ["Skipped", "Entry"]


def test_events_from_mid_entry_resyncs_quietly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    frames = [encode_entry(b"line %d\n" % i, timestamp_ns=BASE_NS + i) for i in range(50)]
    data = b"".join(frames)
    with LogFile(_write(str(tmp_path), data)) as log:
        offset = len(frames[0]) + len(frames[1]) + 5  # inside the third entry
        events = list(log.events_from(offset))
        assert not any(isinstance(e, Skipped) for e in events)
        assert [e.message for e in events if isinstance(e, Entry)][0] == b"line 3\n"
        assert events[0].offset == len(b"".join(frames[:3]))
        # From a boundary, with an end.
        start = len(frames[0])
        got = list(log.entries_from(start, start + len(frames[1]) + len(frames[2])))
        assert [e.message for e in got] == [b"line 1\n", b"line 2\n"]
        assert list(log.entries_from(len(data))) == []


def test_open_is_eager_and_lazy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FileNotFoundError):
        LogFile(os.path.join(str(tmp_path), "missing.log"))
    with pytest.raises(OSError):
        LogFile(str(tmp_path))
    path = _write(str(tmp_path), encode_entry(b"x\n", timestamp_ns=BASE_NS) * 1000)
    with LogFile(path) as log:
        assert log.bytes_read == 0 and log.index is None and log.size == 18 * 1000


def _tail_expected(data: bytes, n: int) -> list[Entry]:
    """The entries of the last ``n`` logical lines of one linear decode (the reference rule)."""
    lines = faultlib.reference_lines(_linear_events(data))
    if n <= 0:
        return []
    wanted = {offset for line in lines[-n:] for offset in line.entry_offsets}
    return [e for e in _linear_events(data) if isinstance(e, Entry) and e.offset in wanted]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 9000), st.booleans(), st.integers(0, 30)),
        max_size=60,
    ),
    st.integers(0, 70),
)
def test_tail_counts_logical_lines(lines, n) -> None:  # type: ignore[no-untyped-def]
    # Long lines split into 4095-byte entries; streams interleave; some lines
    # unfinished; garbage between entries (which ends lines).
    parts = [b"leading garbage"]
    pending: list[list[bytes]] = [[], []]
    timestamp = BASE_NS
    for stream, length, finished, garbage in lines:
        text = b"s" * length + (b"\n" if finished else b"")
        pieces = [text[i : i + 4095] for i in range(0, len(text), 4095)] or [b"\n"]
        pending[stream].extend(pieces)
        # Interleave: emit a piece of the other stream now and then.
        for _ in range(len(pending[stream])):
            timestamp += 1
            parts.append(
                encode_entry(pending[stream].pop(0), timestamp_ns=timestamp, stream=Stream(stream))
            )
            if pending[1 - stream]:
                parts.append(
                    encode_entry(
                        pending[1 - stream].pop(0), timestamp_ns=timestamp, stream=Stream(1 - stream)
                    )
                )
        if garbage == 0:
            parts.append(b"\xff\xfe junk")
    data = b"".join(parts)
    with tempfile.TemporaryDirectory() as tmp, LogFile(_write(tmp, data)) as log:
        got = [e for e in log.tail_events(n, block_bytes=0) if isinstance(e, Entry)]
        assert got == _tail_expected(data, n)


def test_tail_reads_only_the_end(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = b"".join(
        encode_entry(b"x" * 150 + b"\n", timestamp_ns=BASE_NS + i, stream=Stream(i % 2))
        for i in range(40000)
    )
    with LogFile(_write(str(tmp_path), data)) as log:
        start = log.tail(100)
        assert len(list(log.entries_from(start.offset))) == 100
        assert log.bytes_read < 1 << 20 < len(data)
        assert len([e for e in log.tail_events(100) if isinstance(e, Entry)]) == 100
        assert log.bytes_read < 3 << 20


def test_seek_with_index_reads_one_region(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = b"".join(
        encode_entry(b"x" * 150 + b"\n", timestamp_ns=BASE_NS + i) for i in range(40000)
    )
    with LogFile(_write(str(tmp_path), data)) as log:
        log.build_index()
        before = log.bytes_read
        assert list(log.entries(since_ns=BASE_NS + 39990))[0].timestamp_ns == BASE_NS + 39990
        assert log.bytes_read - before < 300 << 10

