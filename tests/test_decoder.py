from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iolog import Decoder, Entry, Skipped, Stream, Truncated
from iolog.core.format import encode_entry
from tests.wire_vectors import VECTORS

T0 = 1_700_000_000_000_000_000


def decode(data: bytes, sizes: list[int] | None = None, *, offset: int = 0) -> list[object]:
    decoder = Decoder(offset=offset)
    events: list[object] = []
    if sizes is None:
        events += decoder.feed(data)
    else:
        start = 0
        for size in sizes:
            events += decoder.feed(data[start : start + size])
            start += size
        events += decoder.feed(data[start:])
    return events + decoder.close()


def decode_bytewise(data: bytes) -> list[object]:
    return decode(data, [1] * len(data))


def frame(message: bytes, index: int = 0, stream: Stream = Stream.STDOUT) -> bytes:
    return encode_entry(message, timestamp_ns=T0 + index, stream=stream)


def entries(events: list[object]) -> list[Entry]:
    return [e for e in events if isinstance(e, Entry)]


def damage(events: list[object]) -> list[object]:
    return [e for e in events if not isinstance(e, Entry)]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_vector_whole_and_byte_by_byte(vector):
    expected = [
        Entry(
            timestamp_ns=int(meta["timestamp_ns"]),
            stream=Stream[str(meta["stream"]).upper()],
            message=message,
            flags=int(meta["flags"]),
            offset=int(meta["offset"]),
        )
        for meta, message in zip(vector.entries, vector.messages, strict=True)
    ]
    expected_skips = [Skipped(0, vector.skipped_bytes)] if vector.skipped_bytes else []
    for events in (decode(vector.data), decode_bytewise(vector.data)):
        assert entries(events) == expected
        assert damage(events) == expected_skips


@pytest.mark.parametrize("vector", [v for v in VECTORS if len(v.data) < 200], ids=lambda v: v.name)
def test_vector_split_at_every_point(vector):
    whole = decode(vector.data)
    for cut in range(len(vector.data) + 1):
        assert decode(vector.data, [cut]) == whole


def test_offset_argument_shifts_offsets():
    data = frame(b"a\n") + frame(b"b\n", 1)
    assert [e.offset for e in entries(decode(data, offset=1000))] == [1000, 1018]


def test_garbage_between_entries_is_skipped_and_counted():
    good = [frame(f"line {i}\n".encode(), i) for i in range(6)]
    data = good[0] + good[1] + b"\x00garbage\xff" + good[2] + good[3] + b"noise" + good[4] + good[5]
    events = decode(data)
    assert [e.message for e in entries(events)] == [f"line {i}\n".encode() for i in range(6)]
    skips = damage(events)
    assert [s.length for s in skips] == [9, 5]
    assert all(isinstance(s, Skipped) for s in skips)
    assert decode_bytewise(data) == events


def test_torn_entry_loses_only_itself():
    good = [frame(f"message number {i}\n".encode(), i) for i in range(4)]
    torn = good[1][: len(good[1]) - 7]  # the writer died mid-payload
    data = good[0] + torn + good[2] + good[3]
    events = decode(data)
    assert [e.message for e in entries(events)] == [
        b"message number 0\n", b"message number 2\n", b"message number 3\n"
    ]
    assert damage(events) == [Skipped(len(good[0]), len(torn))]
    assert decode_bytewise(data) == events


@pytest.mark.parametrize("stamps_ms", [(10, 5, 7), (5, 7, 10), (10, 12, 7)], ids=str)
def test_a_tear_as_the_clock_went_back_days_is_told_by_the_entry_after_its_claim(stamps_ms):
    """A torn entry whose claim the next entries (a line continued over two entries)
    fill exactly, the clock set back six days at the tear and stepping by a few
    milliseconds either way after it: the entries written after the tear are shown."""
    second, day, ms = 10**9, 86_400 * 10**9, 10**6
    now = 1_770_000_000 * second
    back = now - 6 * day
    first, then, after = stamps_ms
    before = b"".join(encode_entry(b"l%d\n" % i, timestamp_ns=now - (10 - i) * second) for i in range(3))
    continued = encode_entry(b"c0, ", timestamp_ns=back + first * ms) + encode_entry(
        b"c1, ", timestamp_ns=back + then * ms)
    torn = encode_entry(b"y" * 200, timestamp_ns=now)[: 16 + 200 - len(continued)]
    rest = b"".join(encode_entry(b"p%d\n" % i, timestamp_ns=back + (after + i) * ms) for i in range(4))
    events = decode(before + torn + continued + rest)
    assert damage(events) == [Skipped(len(before), len(torn))]
    assert [e.message for e in entries(events)][3:6] == [b"c0, ", b"c1, ", b"p0\n"]


def test_payload_containing_header_lookalikes_does_not_derail():
    # A complete, valid frame inside a payload, stamped before the line that
    # carries it (as anything a program prints was); one line per entry, as a
    # writer makes them.
    fake = frame(b"inner\n", -99)
    messages = [b"a==b==\n", b"x" * 14 + b"==\n", fake[:16] + b"\n", fake, b"==" * 40 + b"\n"]
    data = b"".join(frame(m, i) for i, m in enumerate(messages))
    events = decode(data)
    assert [e.message for e in entries(events)] == messages
    assert damage(events) == []


def test_truncated_tail_is_reported_at_close_only():
    data = frame(b"complete\n") + frame(b"incomplete line\n", 1)[:-4]
    decoder = Decoder()
    first = decoder.feed(data)
    assert damage(first) == []
    rest = decoder.close()
    assert [e.message for e in entries(first + rest)] == [b"complete\n"]
    assert damage(rest) == [Truncated(len(frame(b"complete\n")), len(data) - 25)]


def test_truncated_header_is_reported_as_truncated():
    data = frame(b"x\n") + frame(b"y\n")[:9]
    assert damage(decode(data)) == [Truncated(18, 9)]


def test_trailing_noise_is_skipped_not_truncated():
    data = frame(b"x\n") + b"\r\n\x00"
    events = decode(data)
    assert [e.message for e in entries(events)] == [b"x\n"]
    assert damage(events) == [Skipped(18, 3)]


def test_only_garbage():
    junk = b"\x00\x01 not a log at all"
    assert decode(junk) == [Skipped(0, len(junk))]
    assert decode(b"") == []


def test_an_entry_waits_for_its_successor_until_flush_or_close():
    decoder = Decoder()
    assert decoder.feed(frame(b"hello\n")) == []
    assert decoder.buffered == 22
    (entry,) = decoder.flush()
    assert isinstance(entry, Entry) and entry.message == b"hello\n"
    assert decoder.feed(frame(b"world\n", 1)) == []
    assert [e.message for e in decoder.close()] == [b"world\n"]  # type: ignore[union-attr]
    assert decoder.close() == []


def test_flush_does_not_release_an_incomplete_entry():
    decoder = Decoder()
    whole = frame(b"partial entry\n")
    assert decoder.feed(whole[:20]) == []
    assert decoder.flush() == []
    assert decoder.feed(whole[20:]) == []
    assert entries(decoder.flush())[0].message == b"partial entry\n"


def test_resync_mode_reports_leading_partial_bytes():
    data = frame(b"first entry\n") + frame(b"second\n", 1) + frame(b"third\n", 2)
    decoder = Decoder(offset=5, resync=True)
    events = decoder.feed(data[5:]) + decoder.close()
    assert damage(events) == [Skipped(5, 23)]
    assert [e.message for e in entries(events)] == [b"second\n", b"third\n"]


def test_feed_after_close_is_an_error():
    decoder = Decoder()
    decoder.close()
    with pytest.raises(RuntimeError):
        decoder.feed(b"x")


def test_hostile_input_is_linear():
    # Many header-shaped runs with no valid successors: each byte is looked at
    # a bounded number of times, so this finishes quickly.
    chunk = b"QUFBQUFBQUFBQUFBQQ==" * 5000 + b"A" * 100000
    events = decode(chunk, [997] * (len(chunk) // 997))
    assert sum(e.length for e in damage(events)) == len(chunk)  # type: ignore[attr-defined]


messages = st.lists(
    st.binary(min_size=1, max_size=300).map(lambda b: b.replace(b"\n", b"") + b"\n"),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000), st.lists(st.integers(min_value=0, max_value=200), max_size=20))
def test_random_bytes_never_raise_and_splitting_does_not_matter(data, sizes):
    whole = decode(data)
    assert decode(data, sizes) == whole
    covered = sorted(
        (e.offset, e.offset + 16 + len(e.message)) if isinstance(e, Entry) else
        (e.offset, e.offset + e.length)  # type: ignore[union-attr]
        for e in whole
    )
    position = 0
    for start, end in covered:  # every byte is accounted for exactly once
        assert start == position
        position = end
    assert position == len(data)


@settings(max_examples=200, deadline=None)
@given(messages, st.data())
def test_garbage_loses_no_entry_a_full_entry_away(msgs, data):
    frames = [frame(m, i, Stream(i % 2)) for i, m in enumerate(msgs)]
    gap_at = data.draw(st.integers(min_value=0, max_value=len(frames)))
    garbage = data.draw(st.binary(min_size=1, max_size=200))
    blob = b"".join(frames[:gap_at]) + garbage + b"".join(frames[gap_at:])
    got = [e.message for e in entries(decode(blob))]
    # Entries not adjacent to the garbage must all survive, in order.
    must_keep = [m for i, m in enumerate(msgs) if i < gap_at - 1 or i > gap_at]
    iterator = iter(got)
    assert all(any(m == g for g in iterator) for m in must_keep)
    sizes = data.draw(st.lists(st.integers(min_value=1, max_value=64), max_size=30))
    assert decode(blob, sizes) == decode(blob)


def test_random_garbage_between_many_entries_seeded():
    rng = random.Random(7)
    msgs = [  # lines, as a writer makes entries: binary, but one newline, at the end
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 120))).replace(b"\n", b"") + b"\n"
        for _ in range(300)
    ]
    parts, kept = [], []
    for i, message in enumerate(msgs):
        parts.append(frame(message, i))
        kept.append(message)
        if i % 10 == 5:
            parts.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 50))))
    got = [e.message for e in entries(decode(b"".join(parts)))]
    assert len(got) >= len(msgs) - 30  # at most the neighbour of each garbage run
    missing = [i for i, m in enumerate(msgs) if m not in got]
    assert all(i % 10 == 5 for i in missing)
