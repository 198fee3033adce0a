"""The fast walk over a log file: many entries at a time, the decoder's rules.

This module owns reading a healthy log faster than decoding it entry by
entry, for the index pass, ``iolog cat`` and the viewer's row scan. The walk
from header to header reads only each header's size characters through a
lookup table; a batch of headers is then checked against ``HEADER_PATTERN``
(one regular-expression match), base64-decoded by one ``a2b_base64`` call
and unpacked by one ``struct`` call. An entry is accepted only when its
successor's header has the right shape, which is the decoder's own
acceptance test in sync. Wherever that fails (garbage, a torn entry, the end
of the file) the walk hands the bytes to a real
:class:`~iolog.core.decoder.Decoder` until it is back in sync, so what it yields
is exactly what the decoder would.
"""

from __future__ import annotations

import binascii
import functools
import os
import struct
from collections.abc import Callable, Generator
from typing import NamedTuple

from ..core.decoder import Decoder, Event
from ..core.format import ENCODED_HEADER_SIZE, HEADER_PATTERN, MAX_ENTRY_SIZE, Entry, Stream, trusted_entry

__all__ = ["FastBatch", "walk"]

_HDR = ENCODED_HEADER_SIZE
_READ_BYTES = 4 << 20  # bytes per read in the fast pass
_SLOW_READ_BYTES = 64 << 10  # bytes per feed when the decoder takes over
_BATCH_BYTES = 1 << 20  # bytes walked per a2b/struct call
_MAX_ENTRY_LENGTH = ENCODED_HEADER_SIZE + MAX_ENTRY_SIZE

_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_STREAMS = (Stream.STDOUT, Stream.STDERR)


_B64_VALUE = {char: value for value, char in enumerate(_B64)}
#: Cached entry lengths by header characters 10-13; bounded against hostile input.
_LENGTH_CACHE_LIMIT = 1 << 16


def _entry_length(key: bytes) -> int | None:
    """Header characters 10-13 -> entry length (header and payload), or None.

    Character 10 carries raw bits 60-65, 11 bits 66-71, 12 bits 72-77 and 13
    bits 78-79 plus four padding bits that must be zero (``[AQgw]``). Raw
    bytes 8-9 (bits 64-79) hold ``size << 4 | stream << 3 | flags`` as a
    little-endian uint16. ``None`` means these characters cannot be part of a
    header that matches ``HEADER_PATTERN``.
    """
    if len(key) != 4 or key[3] not in b"AQgw":
        return None
    try:
        value = 0
        for char in key:
            value = value << 6 | _B64_VALUE[char]
    except KeyError:
        return None
    # value holds bits 60..83, bit 83 least significant.
    byte8 = value >> 12 & 0xFF
    byte9 = value >> 4 & 0xFF
    return _HDR + ((byte8 | byte9 << 8) >> 4)


_LENGTH_CACHE: dict[bytes, int] = {}
_STDERR_BYTE = bytes(1 if value & 8 else 0 for value in range(256))


@functools.lru_cache(maxsize=32)
def _timestamps_struct(count: int) -> struct.Struct:
    """Unpacks ``count`` 12-byte records (a header with ``==`` read as ``AA``)."""
    return struct.Struct("<" + "q4x" * count)


class FastBatch(NamedTuple):
    """Entries whose headers chain cleanly, found by the fast walk.

    Entry ``k`` (``0 <= k < accepted``) has its header at ``buf[starts[k]:]``
    and ends where entry ``k + 1`` starts (``starts`` has more items);
    ``raw`` holds the base64-decoded headers, 12 bytes each (the 10 header
    bytes and two zero bytes), in order. ``base`` is the file offset of
    ``buf[0]``.
    """

    base: int
    buf: bytes
    starts: list[int]
    accepted: int
    raw: bytes

    def timestamps(self) -> tuple[int, ...]:
        """The entries' timestamps (unix ns), in order."""
        stamps: tuple[int, ...] = _timestamps_struct(self.accepted).unpack(self.raw)
        return stamps

    def streams(self) -> bytes:
        """One byte per entry: 0 for stdout, 1 for stderr."""
        return self.raw[8::12].translate(_STDERR_BYTE)

    def last_bytes(self) -> bytes:
        """One byte per entry: the last byte of its payload (10 for a newline).

        An empty entry's is the last byte of its header (``=``), so counting
        or finding newlines here finds exactly the entries that end a line.
        """
        buf = self.buf
        return bytes([buf[end - 1] for end in self.starts[1 : self.accepted + 1]])

    def payload(self, number: int) -> bytes:
        """The payload of entry ``number``."""
        return self.buf[self.starts[number] + _HDR : self.starts[number + 1]]

    def entry(self, number: int) -> Entry:
        """Entry ``number`` as the decoder would have made it (offset included)."""
        record = self.raw[12 * number : 12 * number + 10]
        bits = record[8] | record[9] << 8
        return trusted_entry(
            int.from_bytes(record[:8], "little", signed=True),
            _STREAMS[bits >> 3 & 1],
            self.payload(number),
            bits & 7,
            self.base + self.starts[number],
        )


def walk(
    fd: int,
    pos: int,
    size: int,
    *,
    final: bool = True,
    count_read: Callable[[int], None] | None = None,
) -> Generator[FastBatch | list[Event], None, int]:
    """Everything from ``pos`` (an in-sync offset) to ``size``, as fast as it comes.

    Where headers chain cleanly the walk yields :class:`FastBatch` es, found
    without building an object per entry; wherever they do not (garbage, a
    torn entry, the end of the file) it hands the bytes to a real
    :class:`~iolog.core.decoder.Decoder` until it is back in sync and yields that
    decoder's events as a list. Together they are exactly the events of a
    decoder fed the same bytes. The consumer may stop at any time.

    Args:
        fd: a file descriptor open for reading (read with ``os.pread``).
        pos: where to start; the decoder must be in sync there.
        size: where to stop reading.
        final: ``size`` is the end of the input: an incomplete entry there is
            reported as truncated. When false (a file still being written) the
            decoder is only flushed there, as a follower does.
        count_read: called with the length of each read (for accounting).

    Yields:
        Batches and event lists, in file order.

    Returns:
        The offset where decoding stopped: ``size`` when ``final``; else where
        a follower resumes (the start of an incomplete entry or of garbage).

    Raises:
        OSError: reading failed.
    """
    pread = os.pread
    a2b = binascii.a2b_base64
    lengths = _LENGTH_CACHE
    learn = _entry_length
    while pos < size:
        buf = pread(fd, min(_READ_BYTES, size - pos), pos)
        if count_read is not None:
            count_read(len(buf))
        if not buf:
            return pos  # the file shrank under us: it ends here
        at_eof = pos + len(buf) >= size
        limit = len(buf) - _HDR
        i = 0
        accepted = 0
        good = 0
        starts: list[int] = []
        while True:
            # Walk from header to header, reading only the size characters
            # (unrolled: each step advances at most one maximal entry).
            starts = []
            append = starts.append
            batch_end = min(limit, i + _BATCH_BYTES)
            while True:
                try:
                    safe = batch_end - 3 * _MAX_ENTRY_LENGTH
                    while i <= safe:
                        append(i)
                        i += lengths[buf[i + 10 : i + 14]]
                        append(i)
                        i += lengths[buf[i + 10 : i + 14]]
                        append(i)
                        i += lengths[buf[i + 10 : i + 14]]
                        append(i)
                        i += lengths[buf[i + 10 : i + 14]]
                    while i <= batch_end:
                        append(i)
                        i += lengths[buf[i + 10 : i + 14]]
                    break
                except KeyError:
                    key = buf[i + 10 : i + 14]
                    length = learn(key)
                    if length is None:
                        break  # the last start's header is malformed
                    if len(lengths) < _LENGTH_CACHE_LIMIT:
                        lengths[key] = length
                    i += length
            headers = b"".join([buf[start : start + _HDR] for start in starts])
            good = len(starts) if _all_good(headers) else _good_prefix(headers)
            # An entry counts when its successor's header is good too.
            accepted = good - 1 if good else 0
            if accepted:
                raw = a2b(headers[: accepted * _HDR].replace(b"==", b"AA"))
                yield FastBatch(pos, buf, starts, accepted, raw)
            if good == len(starts) and batch_end < limit and i <= limit:
                i = starts[accepted]  # the batch ended, not the buffer: keep walking
                continue
            break
        malformed = good < len(starts)
        pos += starts[accepted] if starts else i
        if malformed or at_eof or not accepted:
            # Garbage, a torn entry, or the end of the file: the decoder decides.
            pos, ended = yield from _decode_slowly(fd, pos, size, count_read, final=final)
            if ended:
                return pos
    return pos


def _all_good(headers: bytes) -> bool:
    """Do all 16-byte headers in ``headers`` match ``HEADER_PATTERN``?

    Characters 10-13 were checked by the size lookup. The rest: every ``=``
    is at positions 14 and 15, and with those read as ``A`` the text decodes
    to exactly 12 bytes a header (a character outside the alphabet would be
    dropped or rejected by ``a2b_base64``).
    """
    count = len(headers) // _HDR
    if headers.count(b"=") != 2 * count:
        return False
    equals = b"=" * count
    if headers[14::_HDR] != equals or headers[15::_HDR] != equals:
        return False
    try:
        return len(binascii.a2b_base64(headers.replace(b"==", b"AA"))) == 12 * count
    except binascii.Error:
        return False


def _good_prefix(headers: bytes) -> int:
    """How many 16-byte headers at the start of ``headers`` have the right shape."""
    match = HEADER_PATTERN.match
    good = 0
    for start in range(0, len(headers), _HDR):
        if match(headers, start) is None:
            break
        good += 1
    return good


def _decode_slowly(
    fd: int,
    pos: int,
    size: int,
    count_read: Callable[[int], None] | None,
    *,
    final: bool = True,
) -> Generator[list[Event], None, tuple[int, bool]]:
    """Feed the decoder from ``pos`` (in sync) until it is back in sync past it.

    Yields:
        The decoder's events, a list per read.

    Returns:
        ``(offset, ended)``: where the decoder is in sync again, or, when it
        reached ``size`` (``ended``), ``size`` after closing it (``final``) or
        its offset after flushing it.
    """
    decoder = Decoder(offset=pos)
    read_at = pos
    while True:
        chunk = b""
        if read_at < size:
            chunk = os.pread(fd, min(_SLOW_READ_BYTES, size - read_at), read_at)
            if count_read is not None:
                count_read(len(chunk))
        read_at += len(chunk)
        if not chunk:
            events = decoder.close() if final else decoder.flush()
            if events:
                yield events
            return (size if final else decoder.offset), True
        events = decoder.feed(chunk)
        if events:
            yield events
        if decoder.in_sync and decoder.offset > pos:
            return decoder.offset, False
