from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iolog import Decoder, Entry, InvalidArgumentError, IologError, Stream, format_docker_time
from iolog.core.format import (
    ENCODED_HEADER_SIZE,
    MAX_ENTRY_SIZE,
    Header,
    decode_header,
    encode_entry,
    encode_header,
)
from tests.wire_vectors import VECTORS


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_every_vector_header_decodes_to_its_fields(vector):
    for meta in vector.entries:
        offset = int(meta["offset"])
        header = decode_header(vector.data[offset : offset + ENCODED_HEADER_SIZE])
        assert header.timestamp_ns == meta["timestamp_ns"]
        assert header.size == meta["size"]
        assert header.stream is Stream[str(meta["stream"]).upper()]
        assert header.flags == meta["flags"]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_every_vector_entry_encodes_to_its_bytes(vector):
    for meta, message in zip(vector.entries, vector.messages, strict=True):
        offset = int(meta["offset"])
        frame = encode_entry(
            message,
            timestamp_ns=int(meta["timestamp_ns"]),
            stream=Stream[str(meta["stream"]).upper()],
        )
        assert vector.data[offset : offset + len(frame)] == frame
        entry = Entry(int(meta["timestamp_ns"]), Stream[str(meta["stream"]).upper()], message)
        assert entry.encode() == frame


def test_known_header_bytes():
    assert encode_header(6, timestamp_ns=191193300000000000) == b"AEjvGUtBpwJgAA=="
    assert decode_header(b"A0jvGUtBpwJ4AQ==") == Header(
        timestamp_ns=191193300000000003, size=23, stream=Stream.STDERR, flags=0
    )


@given(
    timestamp_ns=st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1),
    size=st.integers(min_value=0, max_value=MAX_ENTRY_SIZE),
    stream=st.sampled_from(Stream),
    flags=st.integers(min_value=0, max_value=7),
)
def test_header_round_trip(timestamp_ns, size, stream, flags):
    encoded = encode_header(size, timestamp_ns=timestamp_ns, stream=stream, flags=flags)
    assert len(encoded) == ENCODED_HEADER_SIZE and encoded.endswith(b"==")
    assert decode_header(encoded) == Header(timestamp_ns, size, stream, flags)


@pytest.mark.parametrize(
    "data",
    [b"", b"AEjvGUtBpwJgAA=", b"AEjvGUtBpwJgAA===", b"AEjvGUtBpwJgAB==", b"AEjvGUtB*wJgAA==",
     b"AEjvGUtBpwJgAAA="],
)
def test_decode_header_rejects_malformed(data):
    with pytest.raises(InvalidArgumentError):
        decode_header(data)


def test_encode_entry_rejects_oversized_message():
    with pytest.raises(InvalidArgumentError, match="4096"):
        encode_entry(b"x" * (MAX_ENTRY_SIZE + 1), timestamp_ns=0)
    assert len(encode_entry(b"x" * MAX_ENTRY_SIZE, timestamp_ns=0)) == 16 + MAX_ENTRY_SIZE


@given(
    timestamp_ns=st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1),
    stream=st.sampled_from(Stream),
    message=st.binary(max_size=MAX_ENTRY_SIZE),
    flags=st.integers(min_value=0, max_value=7),
)
def test_an_entry_encodes_to_its_header_and_message(timestamp_ns, stream, message, flags):
    frame = Entry(timestamp_ns, stream, message, flags).encode()
    header = encode_header(len(message), timestamp_ns=timestamp_ns, stream=stream, flags=flags)
    assert frame == header + message
    assert decode_header(frame[:ENCODED_HEADER_SIZE]) == Header(timestamp_ns, len(message), stream, flags)
    assert frame[ENCODED_HEADER_SIZE:] == message


def test_an_encoded_entry_decodes_back():
    entry = Entry(1_764_000_000_000_000_000, Stream.STDERR, b"disk full\n")
    decoder = Decoder()
    decoded = [*decoder.feed(entry.encode()), *decoder.close()]
    assert decoded == [Entry(entry.timestamp_ns, Stream.STDERR, b"disk full\n", offset=0)]


def test_an_entry_holds_at_most_max_size_bytes():
    assert Entry.MAX_SIZE == MAX_ENTRY_SIZE == 4095
    assert len(Entry(0, Stream.STDOUT, b"x" * Entry.MAX_SIZE).encode()) == 16 + Entry.MAX_SIZE
    with pytest.raises(InvalidArgumentError, match="4096"):
        Entry(0, Stream.STDOUT, b"x" * (Entry.MAX_SIZE + 1))


def test_errors_share_a_base_and_argument_errors_are_value_errors():
    assert issubclass(InvalidArgumentError, IologError)
    assert issubclass(InvalidArgumentError, ValueError)


def test_entry_is_a_frozen_value_with_an_aware_timestamp():
    entry = Entry(timestamp_ns=1_136_214_245_123_456_789, stream=Stream.STDOUT, message=b"x\n")
    assert entry.timestamp == datetime(2006, 1, 2, 15, 4, 5, 123456, tzinfo=timezone.utc)
    assert entry.offset is None and entry.flags == 0 and entry.size == 2
    with pytest.raises(AttributeError):
        entry.message = b"y"  # type: ignore[misc]
    assert Entry(0, 1, b"") .stream is Stream.STDERR  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        Entry(0, Stream.STDOUT, b"x" * 5000)
    with pytest.raises(InvalidArgumentError):
        Entry(1 << 63, Stream.STDOUT, b"")


@pytest.mark.parametrize(
    ("timestamp_ns", "text"),
    [
        (0, "1970-01-01T00:00:00.000000000Z"),
        (1_136_214_245_000_000_001, "2006-01-02T15:04:05.000000001Z"),
        (191193300000000003, "1976-01-22T21:15:00.000000003Z"),
        (-1, "1969-12-31T23:59:59.999999999Z"),
    ],
)
def test_docker_time_format(timestamp_ns, text):
    assert format_docker_time(timestamp_ns) == text
