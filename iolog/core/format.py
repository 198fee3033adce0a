"""The iolog wire format: header encoding and decoding, constants, Entry.

This module owns the byte layout that VMware VIC's container-VM logger writes
to its serial port, and nothing else: no buffering, no I/O. An entry is a
16-byte header (10 bytes, standard base64 with padding) and a payload.

Header bytes 0-7 are a little-endian int64 of unix nanoseconds (UTC); bytes
8-9 are a little-endian uint16 ``size << 4 | stream << 3 | flags``.
"""

from __future__ import annotations

import binascii
import enum
import functools
import re
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import ClassVar

from .errors import InvalidArgumentError

__all__ = [
    "DOCKER_TIME_FORMAT_EXAMPLE",
    "ENCODED_HEADER_SIZE",
    "HEADER_PATTERN",
    "HEADER_SIZE",
    "MAX_ENTRY_SIZE",
    "B64_ALPHABET",
    "Entry",
    "Header",
    "Stream",
    "b64_chars",
    "decode_header",
    "encode_entry",
    "encode_header",
    "entry_length_from_size_chars",
    "format_docker_time",
    "ns_to_datetime",
]

#: Largest payload of one entry: the size field has 12 bits.
MAX_ENTRY_SIZE = 4095
#: Raw header length before base64.
HEADER_SIZE = 10
#: Header length on the wire (base64 of 10 bytes, padded).
ENCODED_HEADER_SIZE = 16
#: An example of docker's fixed-width timestamp, as ``format_docker_time`` prints.
DOCKER_TIME_FORMAT_EXAMPLE = "2006-01-02T15:04:05.000000000Z"

_STREAM_BIT = 0x8
_FLAGS_MASK = 0x7
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_HEADER_STRUCT = struct.Struct("<qH")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: A well-formed encoded header: 13 base64 characters, one whose low four bits
#: are zero (canonical padding of the tenth byte), then ``==``.
HEADER_PATTERN = re.compile(rb"[A-Za-z0-9+/]{13}[AQgw]==")

#: The base64 alphabet, in value order.
B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUE = {char: value for value, char in enumerate(B64_ALPHABET)}


def b64_chars(mask: int, value: int) -> bytes:
    """The base64 characters whose 6-bit value ``v`` has ``v & mask == value``.

    Header characters carry fixed bit ranges of the raw header (character
    ``k`` holds raw bits ``6k`` to ``6k + 5``, most significant first), so a
    rule about bits is a set of characters at one position.
    """
    return bytes(char for char in B64_ALPHABET if _B64_VALUE[char] & mask == value)


def entry_length_from_size_chars(key: bytes) -> int | None:
    """Header characters 10-13 -> the entry's length on the wire (header and payload).

    Character 10 carries raw bits 60-65, 11 bits 66-71, 12 bits 72-77 and 13
    bits 78-79 plus four padding bits that must be zero (``[AQgw]``). Raw
    bytes 8-9 (bits 64-79) hold ``size << 4 | stream << 3 | flags`` as a
    little-endian uint16. ``None`` means these characters cannot be part of a
    header that matches ``HEADER_PATTERN``.
    """
    if len(key) != 4 or key[3] not in b"AQgw":
        return None
    value = 0
    for char in key:
        digit = _B64_VALUE.get(char)
        if digit is None:
            return None
        value = value << 6 | digit
    # value holds bits 60..83, bit 83 least significant.
    low_byte = value >> 12 & 0xFF
    high_byte = value >> 4 & 0xFF
    return ENCODED_HEADER_SIZE + ((low_byte | high_byte << 8) >> 4)


class Stream(enum.IntEnum):
    """The output stream an entry came from (header bit 0x8)."""

    STDOUT = 0
    STDERR = 1


@dataclass(frozen=True, slots=True)
class Header:
    """A decoded entry header.

    Attributes:
        timestamp_ns: unix time in nanoseconds (UTC), signed 64-bit.
        size: payload length in bytes, 0 to ``MAX_ENTRY_SIZE``.
        stream: the stream the payload belongs to.
        flags: the three reserved low bits (0 from every known writer).
    """

    timestamp_ns: int
    size: int
    stream: Stream
    flags: int = 0

    def __post_init__(self) -> None:
        _check_fields(self.timestamp_ns, self.size, self.flags)
        if not isinstance(self.stream, Stream):
            object.__setattr__(self, "stream", Stream(self.stream))


@dataclass(frozen=True, slots=True)
class Entry:
    """One log entry: a header's fields and its payload (:meth:`encode` frames it).

    Attributes:
        timestamp_ns: unix time in nanoseconds (UTC).
        stream: stdout or stderr.
        message: the payload bytes, exactly as written (any bytes at all),
            at most :attr:`MAX_SIZE` of them.
        flags: the header's three reserved bits.
        offset: byte offset of the entry's header in its source, where known.

    Raises:
        InvalidArgumentError: a field is out of range (a message longer than
            ``MAX_SIZE``: split it, as :class:`~iolog.io.LogWriter` does).
    """

    #: Largest payload of one entry (``MAX_ENTRY_SIZE``: the size field has 12 bits).
    MAX_SIZE: ClassVar[int] = MAX_ENTRY_SIZE

    timestamp_ns: int
    stream: Stream
    message: bytes
    flags: int = 0
    offset: int | None = None

    def __post_init__(self) -> None:
        _check_fields(self.timestamp_ns, len(self.message), self.flags)
        if not isinstance(self.stream, Stream):
            object.__setattr__(self, "stream", Stream(self.stream))

    @property
    def timestamp(self) -> datetime:
        """The timestamp as an aware UTC ``datetime`` (microsecond precision)."""
        return ns_to_datetime(self.timestamp_ns)

    @property
    def size(self) -> int:
        """Payload length in bytes."""
        return len(self.message)

    @property
    def end_offset(self) -> int | None:
        """Offset just past this entry in its source, where the offset is known."""
        if self.offset is None:
            return None
        return self.offset + ENCODED_HEADER_SIZE + len(self.message)

    def encode(self) -> bytes:
        """The entry as it is written to a log: its 16-byte header, then its message."""
        return encode_header(
            len(self.message), timestamp_ns=self.timestamp_ns, stream=self.stream, flags=self.flags
        ) + self.message


_SET_ENTRY_FIELDS = tuple(
    Entry.__dict__[name].__set__
    for name in ("timestamp_ns", "stream", "message", "flags", "offset")
)


def trusted_entry(
    timestamp_ns: int, stream: Stream, message: bytes, flags: int, offset: int | None
) -> Entry:
    """Build an :class:`Entry` from fields already known to be valid.

    For the decoder's hot loop, whose fields come straight from a decoded
    header: it skips the constructor's checks, which cost as much as the rest
    of decoding an entry. Everyone else should call ``Entry(...)``.
    """
    entry = _NEW(Entry)
    set_ts, set_stream, set_message, set_flags, set_offset = _SET_ENTRY_FIELDS
    set_ts(entry, timestamp_ns)
    set_stream(entry, stream)
    set_message(entry, message)
    set_flags(entry, flags)
    set_offset(entry, offset)
    return entry


_NEW = object.__new__


def _check_fields(timestamp_ns: int, size: int, flags: int) -> None:
    if not _INT64_MIN <= timestamp_ns <= _INT64_MAX:
        raise InvalidArgumentError(f"timestamp_ns {timestamp_ns} does not fit in int64")
    if not 0 <= size <= MAX_ENTRY_SIZE:
        raise InvalidArgumentError(
            f"entry size {size} is out of range 0..{MAX_ENTRY_SIZE}; split longer messages"
        )
    if not 0 <= flags <= _FLAGS_MASK:
        raise InvalidArgumentError(f"flags {flags} is out of range 0..{_FLAGS_MASK}")


def encode_header(
    size: int, *, timestamp_ns: int, stream: Stream = Stream.STDOUT, flags: int = 0
) -> bytes:
    """Encode one entry header.

    Args:
        size: payload length, 0 to ``MAX_ENTRY_SIZE``.
        timestamp_ns: unix nanoseconds (int64).
        stream: the entry's stream.
        flags: reserved bits; leave 0 to match VIC.

    Returns:
        The 16 ASCII bytes of the header.

    Raises:
        InvalidArgumentError: a field is out of range.
    """
    _check_fields(timestamp_ns, size, flags)
    packed = _HEADER_STRUCT.pack(
        timestamp_ns, size << 4 | (_STREAM_BIT if stream == Stream.STDERR else 0) | flags
    )
    return binascii.b2a_base64(packed, newline=False)


def encode_entry(
    message: bytes, *, timestamp_ns: int, stream: Stream = Stream.STDOUT
) -> bytes:
    """Encode one frame: header and payload.

    Args:
        message: the payload, at most ``MAX_ENTRY_SIZE`` bytes.
        timestamp_ns: unix nanoseconds (int64).
        stream: the entry's stream.

    Returns:
        The header followed by ``message``.

    Raises:
        InvalidArgumentError: the message is too long or a field is out of range.
    """
    message = bytes(message)
    return encode_header(len(message), timestamp_ns=timestamp_ns, stream=stream) + message


def decode_header(data: bytes) -> Header:
    """Decode a 16-byte encoded header.

    Args:
        data: exactly ``ENCODED_HEADER_SIZE`` bytes.

    Returns:
        The decoded :class:`Header`.

    Raises:
        InvalidArgumentError: ``data`` is not a well-formed header.
    """
    data = bytes(data)
    if len(data) != ENCODED_HEADER_SIZE:
        raise InvalidArgumentError(
            f"a header is {ENCODED_HEADER_SIZE} bytes, got {len(data)}"
        )
    if HEADER_PATTERN.fullmatch(data) is None:
        raise InvalidArgumentError(f"not an iolog header: {data!r}")
    timestamp_ns, bits = _HEADER_STRUCT.unpack(binascii.a2b_base64(data))
    return Header(
        timestamp_ns=timestamp_ns,
        size=bits >> 4,
        stream=Stream.STDERR if bits & _STREAM_BIT else Stream.STDOUT,
        flags=bits & _FLAGS_MASK,
    )


def ns_to_datetime(timestamp_ns: int) -> datetime:
    """Convert unix nanoseconds to an aware UTC ``datetime`` (microseconds kept)."""
    return _EPOCH + timedelta(microseconds=timestamp_ns // 1000)


def format_docker_time(timestamp_ns: int) -> str:
    """Format unix nanoseconds as docker's fixed-width UTC timestamp.

    Args:
        timestamp_ns: unix nanoseconds.

    Returns:
        For example ``2006-01-02T15:04:05.000000000Z`` (nanoseconds zero-padded).
    """
    seconds, nanos = divmod(timestamp_ns, 1_000_000_000)
    return f"{_second_text(seconds)}.{nanos:09d}Z"


@functools.lru_cache(maxsize=4096)
def _second_text(seconds: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` for a unix second (log lines share seconds a lot)."""
    return f"{_EPOCH + timedelta(seconds=seconds):%Y-%m-%dT%H:%M:%S}"
