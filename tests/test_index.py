"""Tests of the checkpoint index: agreement with the decoder, bounds, stats."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iolog.core.decoder import Decoder, Skipped, Truncated
from iolog.core.errors import IndexBuildCancelled
from iolog.core.format import Entry, Stream, encode_entry
from iolog.core.format import entry_length_from_size_chars as _entry_length
from iolog.file.index import CheckpointIndex
from iolog.file.logfile import LogFile

BASE_NS = 1_700_000_000_000_000_000


def _linear(data: bytes) -> list[object]:
    decoder = Decoder()
    return decoder.feed(data) + decoder.close()


def _write(tmp_path: os.PathLike[str], data: bytes) -> str:
    path = os.path.join(os.fspath(tmp_path), "app.log")
    with open(path, "wb") as out:
        out.write(data)
    return path


def test_entry_length_table_matches_decode_header() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        size = rng.randint(0, 4095)
        header = encode_entry(
            b"x" * size, timestamp_ns=rng.randint(0, 1 << 62), stream=Stream(rng.randint(0, 1))
        )[:16]
        assert _entry_length(header[10:14]) == 16 + size
    assert _entry_length(b"AAAB") is None  # non-canonical padding bits
    assert _entry_length(b"AA!A") is None


entry_strategy = st.tuples(
    st.integers(0, 3000),  # timestamp step, may go back
    st.booleans(),  # a backward jump
    st.integers(0, 1),
    st.binary(max_size=300),
    st.binary(max_size=40),  # garbage after the entry (usually empty)
    st.integers(0, 9),
)


def _build_log(items: list[tuple[int, bool, int, bytes, bytes, int]]) -> bytes:
    timestamp = BASE_NS
    parts = []
    for step, jump, stream, message, garbage, garbage_roll in items:
        timestamp += -step * 7 if jump else step
        parts.append(encode_entry(message, timestamp_ns=timestamp, stream=Stream(stream)))
        if garbage_roll == 0:
            parts.append(garbage)
    return b"".join(parts)


@settings(max_examples=60, deadline=None)
@given(st.lists(entry_strategy, max_size=120), st.sampled_from([1, 200, 1024, 65536]),
       st.integers(0, 30))
def test_index_agrees_with_decoder(items, every, cut) -> None:  # type: ignore[no-untyped-def]
    data = _build_log(items)
    data = data[: max(0, len(data) - cut)]  # maybe a torn tail
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = _write(tmp, data)
        with LogFile(path, checkpoint_every_bytes=every) as log:
            index = log.build_index()
            events = _linear(data)
            entries = [e for e in events if isinstance(e, Entry)]
            assert index.complete and index.end_offset == len(data)
            assert index.entry_count == len(entries)
            assert index.stderr_count == sum(int(e.stream) for e in entries)
            assert index.stdout_count == len(entries) - index.stderr_count
            assert index.damage_count == sum(1 for e in events if isinstance(e, (Skipped, Truncated)))
            assert index.last_ts == (entries[-1].timestamp_ns if entries else None)
            stamps = [e.timestamp_ns for e in entries]
            assert index.time_span() == ((min(stamps), max(stamps)) if stamps else None)
            # Every region's bounds and entry number are right, and each
            # region starts where the linear decoder has an entry (or at 0).
            offsets = {e.offset for e in entries}
            for number in range(len(index)):
                start, end = index.region(number)
                inside = [e for e in entries if start <= e.offset < end]  # type: ignore[operator]
                assert start == 0 or start in offsets
                before = [e for e in entries if e.offset < start]  # type: ignore[operator]
                assert index.entry_numbers[number] == len(before)
                assert index.stderr_numbers[number] == sum(int(e.stream) for e in before)
                assert index.previous_ts(start) == (before[-1].timestamp_ns if before else None)
                assert index.damaged(number) == any(
                    not isinstance(e, Entry) and start <= e.offset < end for e in events  # type: ignore[operator]
                )
                if inside:
                    assert index.first_ts[number] == inside[0].timestamp_ns
                    assert index.min_ts[number] == min(e.timestamp_ns for e in inside)
                    assert index.max_ts[number] == max(e.timestamp_ns for e in inside)
                # Decoding a region from its checkpoint, with the time before
                # it, reproduces the linear events (past the region's end too).
                decoded = []
                for item in log.batches(start, end, previous_ts=index.previous_ts(start)):
                    if isinstance(item, list):
                        decoded += item
                    else:
                        decoded += [item.entry(k) for k in range(item.accepted)]
                assert decoded == [
                    e for e in events if start <= e.offset < end  # type: ignore[union-attr]
                ]


def test_checkpoints_are_sparse_and_compact(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = b"".join(
        encode_entry(b"line %d\n" % i, timestamp_ns=BASE_NS + i) for i in range(20000)
    )
    with LogFile(_write(tmp_path, data), checkpoint_every_bytes=4096) as log:
        index = log.build_index()
    assert len(index) == pytest.approx(len(data) / 4096, rel=0.1)
    assert index.nbytes == 8 * len(CheckpointIndex.COLUMNS) * len(index)
    assert list(index.offsets) == sorted(index.offsets)


def test_candidate_ranges_merge_and_skip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = b"".join(
        encode_entry(b"x" * 100 + b"\n", timestamp_ns=BASE_NS + i) for i in range(1000)
    )
    with LogFile(_write(tmp_path, data), checkpoint_every_bytes=1024) as log:
        index = log.build_index()
    everything = index.candidate_ranges(None, None)
    assert everything == [(0, len(data))]
    late = index.candidate_ranges(BASE_NS + 990, None)
    assert len(late) == 1 and late[0][1] == len(data) and late[0][0] > len(data) * 0.9
    assert index.candidate_ranges(BASE_NS + 5000, None) == []
    assert index.candidate_ranges(None, BASE_NS) == []


def test_build_can_be_cancelled_and_resumed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = b"".join(
        encode_entry(b"y" * 200 + b"\n", timestamp_ns=BASE_NS + i) for i in range(60000)
    )
    path = _write(tmp_path, data)
    calls = []
    with LogFile(path) as log:
        with pytest.raises(IndexBuildCancelled):
            log.build_index(should_stop=lambda: bool(calls.append(1)) or len(calls) > 2)
        assert log.index is None
        seen: list[tuple[int, int]] = []
        index = log.build_index(progress=lambda done, total: seen.append((done, total)))
        assert index.entry_count == 60000 and log.index is index
        assert seen[-1] == (len(data), len(data))
    assert CheckpointIndex().entry_count == 0
