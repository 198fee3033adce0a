"""The fast walk over a log file: many entries at a time, the decoder's rules.

This module owns reading a healthy log faster than decoding it entry by
entry, for the index pass, ``iolog cat``, windows, ``stat`` and the viewer's
scans. The walk from header to header reads only each header's size
characters through a lookup table; a batch of headers is then checked in
bulk against the decoder's acceptance rules (:mod:`iolog.core.decoder`): the
header's shape, zero flags and a plausible timestamp (a few ``translate``,
``count`` and ``struct`` calls for the whole batch), times within
:data:`~iolog.core.decoder.FAR_NS` of each other and of the previous entry,
and no header-shaped bytes inside a payload that could make an entry a torn
one (those few entries are checked one by one with
:func:`~iolog.core.decoder.tear_inside`). An entry is accepted only when
its successor's header passes too, the decoder's own test in sync. Wherever
a check fails (garbage, a torn entry, a clock far off, the end of the file)
the walk hands the bytes to a real :class:`~iolog.core.decoder.Decoder` until
it is back in sync, so what it yields is exactly what the decoder would.
"""

from __future__ import annotations

import binascii
import functools
import os
import re
import struct
from collections.abc import Callable, Generator
from typing import NamedTuple

from ..core.decoder import Decoder, Event
from ..core.format import (
    ENCODED_HEADER_SIZE,
    MAX_ENTRY_SIZE,
    Entry,
    Stream,
    b64_chars,
    entry_length_from_size_chars,
    trusted_entry,
)
from ..core.rules import FAR_NS, PLAUSIBLE_TIMESTAMP_NS, VALID_HEADER, tear_inside

__all__ = ["LOOKAHEAD_BYTES", "FastBatch", "walk"]

_HDR = ENCODED_HEADER_SIZE
_READ_BYTES = 4 << 20  # bytes per read in the fast pass
_SLOW_READ_BYTES = 64 << 10  # bytes per feed when the decoder takes over
_BATCH_BYTES = 1 << 20  # bytes walked per a2b/struct call
_MAX_ENTRY_LENGTH = ENCODED_HEADER_SIZE + MAX_ENTRY_SIZE
#: Read a new buffer when less than this is left of the current one.
_REFILL_BYTES = 2 * _MAX_ENTRY_LENGTH + ENCODED_HEADER_SIZE

_STREAMS = (Stream.STDOUT, Stream.STDERR)
#: Cached entry lengths by header characters 10-13; bounded against hostile input.
_LENGTH_CACHE_LIMIT = 1 << 16
#: Header character 11 with the three flag bits zero.
_NO_FLAG_CHARS = b64_chars(0b000111, 0)
_FLAGGED = re.compile(b"[^" + _NO_FLAG_CHARS + b"]")
#: Bytes past ``stop`` the decoder may need to decide an entry that starts before it.
LOOKAHEAD_BYTES = 3 * (ENCODED_HEADER_SIZE + MAX_ENTRY_SIZE) + 2 * ENCODED_HEADER_SIZE
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
    stop: int | None = None,
    final: bool = True,
    trusted_first: bool = False,
    previous_ts: int | None = None,
    count_read: Callable[[int], None] | None = None,
) -> Generator[FastBatch | list[Event], None, int]:
    """Everything from ``pos`` (an in-sync offset) on, as fast as it comes.

    Where entries pass the decoder's rules in bulk the walk yields
    :class:`FastBatch` es, found without building an object per entry;
    wherever they do not (garbage, a torn entry, the end of the file) it
    hands the bytes to a real :class:`~iolog.core.decoder.Decoder` until it is
    back in sync and yields that decoder's events as a list (possibly empty:
    one per read, so a consumer can report progress through long garbage).
    Together they are exactly the events of a decoder fed the same bytes.
    The consumer may stop at any time.

    Args:
        fd: a file descriptor open for reading (read with ``os.pread``).
        pos: where to start; the decoder must be in sync there.
        size: the end of the input (the file's size).
        stop: yield only events that start before this offset (bytes after
            it are still read as far as deciding those events needs); the
            end of a range is not the end of the file.
        final: ``size`` is the end of the input: an incomplete entry there is
            reported as truncated. When false (a file still being written) the
            decoder is only flushed there, as a follower does.
        trusted_first: the entry at ``pos`` is one the linear decoder
            accepted (a checkpoint, an entry's offset).
        previous_ts: the time of the entry before ``pos``, if known.
        count_read: called with the length of each read (for accounting).

    Yields:
        Batches and event lists, in file order.

    Returns:
        The offset where decoding stopped: ``size`` when ``final``; else where
        a follower resumes (the start of an incomplete entry or of garbage);
        with ``stop``, where the first event at or after it starts (at most
        ``size``).

    Raises:
        OSError: reading failed.
    """
    pread = os.pread
    lengths = _LENGTH_CACHE
    learn = entry_length_from_size_chars
    end = size if stop is None else min(stop, size)
    prev = previous_ts
    if trusted_first and pos < end:
        pos, ended, prev = yield from _decode_slowly(
            fd, pos, size, end, count_read, final=final, previous_ts=prev, trusted_first=True
        )
        if ended:
            return pos
    while pos < end:
        read_to = size if end == size else min(size, end + LOOKAHEAD_BYTES)
        buf = pread(fd, min(_READ_BYTES, read_to - pos), pos)
        if count_read is not None:
            count_read(len(buf))
        if not buf:
            return pos  # the file shrank under us: it ends here
        at_eof = pos + len(buf) >= size
        limit = len(buf) - _HDR
        room = min(limit, end - pos)  # headers starting before this may be walked
        i = 0
        while True:
            # Walk from header to header, reading only the size characters
            # (unrolled: each step advances at most one maximal entry), then
            # add the last entry's successor for its check.
            starts: list[int] = []
            append = starts.append
            batch_end = min(room, i + _BATCH_BYTES)
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
                    while i < batch_end:
                        append(i)
                        i += lengths[buf[i + 10 : i + 14]]
                    if i <= limit:
                        append(i)
                    break
                except KeyError:
                    key = buf[i + 10 : i + 14]
                    length = learn(key)
                    if length is None:
                        break  # the last start's header is malformed
                    if len(lengths) < _LENGTH_CACHE_LIMIT:
                        lengths[key] = length
                    i += length
            accepted, raw, prev_after = _accepted(buf, starts, prev)
            if accepted:
                yield FastBatch(pos, buf, starts, accepted, raw)
                prev = prev_after
            complete = 0 < accepted == len(starts) - 1
            i = starts[accepted] if starts else i
            if not complete or i >= room or len(buf) - i < _REFILL_BYTES:
                break
        pos += i
        if pos >= end:
            return pos
        if not complete or at_eof:
            # Garbage, a torn entry, a clock far off, or the end of the file:
            # the decoder decides.
            pos, ended, prev = yield from _decode_slowly(
                fd, pos, size, end, count_read, final=final, previous_ts=prev
            )
            if ended:
                return pos
    return pos


def _accepted(buf: bytes, starts: list[int], prev: int | None) -> tuple[int, bytes, int | None]:
    """How many entries at ``starts`` the decoder accepts as they are, in bulk.

    Entry ``k`` is accepted when headers ``k`` and ``k + 1`` are headers by
    the decoder's rules, its time is near the previous entry's or its
    successor's, and no torn entry hides its successor inside its claim.

    Returns:
        ``(accepted, raw, last_ts)``: the count, the decoded headers of the
        accepted entries (12 bytes each), and the last accepted time.
    """
    count = len(starts)
    if count < 2:
        return 0, b"", prev
    headers = b"".join([buf[start : start + _HDR] for start in starts])
    good = count if _all_good(headers) else _good_prefix(headers)
    bad_flag = _FLAGGED.search(headers[11 : _HDR * good : _HDR])
    if bad_flag is not None:
        good = bad_flag.start()
    if good < 2:
        return 0, b"", prev
    raw = binascii.a2b_base64(headers[: good * _HDR].replace(b"==", b"AA"))
    stamps: tuple[int, ...] = _timestamps_struct(good).unpack(raw)
    earliest, latest = min(stamps), max(stamps)
    if earliest <= 0 or latest >= PLAUSIBLE_TIMESTAMP_NS:
        good = next(k for k, stamp in enumerate(stamps) if not 0 < stamp < PLAUSIBLE_TIMESTAMP_NS)
        if good < 2:
            return 0, b"", prev
        stamps = stamps[:good]
        earliest, latest = min(stamps), max(stamps)
    accepted = good - 1
    if latest - earliest > FAR_NS or (
        prev is not None and (prev - earliest > FAR_NS or latest - prev > FAR_NS)
    ):
        accepted = _plausible_prefix(stamps, prev)
    region_end = starts[accepted]
    if accepted and buf.count(b"==", starts[0], region_end) != accepted:
        accepted = _untorn_prefix(buf, starts, accepted, stamps)
    if not accepted:
        return 0, b"", prev
    return accepted, raw[: 12 * accepted], stamps[accepted - 1]


def _plausible_prefix(stamps: tuple[int, ...], prev: int | None) -> int:
    """How many leading entries have a time near their predecessor's or successor's."""
    accepted = 0
    for number in range(len(stamps) - 1):
        stamp = stamps[number]
        near_prev = prev is not None and abs(stamp - prev) <= FAR_NS
        if not (near_prev or abs(stamp - stamps[number + 1]) <= FAR_NS):
            break
        prev = stamp
        accepted += 1
    return accepted


def _untorn_prefix(buf: bytes, starts: list[int], accepted: int, stamps: tuple[int, ...]) -> int:
    """How many leading entries have no torn entry's successor hidden in their claim."""
    find = buf.find
    region_end = starts[accepted]
    number = 0
    equals = find(b"==", starts[0] + _HDR)
    while 0 <= equals < region_end:
        while starts[number + 1] <= equals:
            number += 1
        if equals >= starts[number] + 2 * _HDR - 2:
            if tear_inside(buf, starts[number], starts[number + 1], stamps[number]) >= 0:
                return number
            # Each entry once (a payload of "=" holds thousands of "=="), on to the next payload.
            equals = find(b"==", starts[number + 1] + _HDR)
            continue
        equals = find(b"==", equals + 1)
    return accepted


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
    """How many 16-byte headers at the start of ``headers`` are headers by the decoder's rules."""
    match = VALID_HEADER.match
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
    stop: int,
    count_read: Callable[[int], None] | None,
    *,
    final: bool,
    previous_ts: int | None,
    trusted_first: bool = False,
) -> Generator[list[Event], None, tuple[int, bool, int | None]]:
    """Feed the decoder from ``pos`` (in sync) until it is back in sync past it.

    Yields:
        The decoder's events that start before ``stop``, a list per read
        (empty when a read completed none).

    Returns:
        ``(offset, ended, previous_ts)``: where the decoder is in sync again
        and the time of its last entry; or, when it reached ``size`` or
        ``stop`` (``ended``), ``size`` after closing it (``final``), its
        offset after flushing it, or where the first event at or after
        ``stop`` starts.
    """
    decoder = Decoder(offset=pos, previous_ts=previous_ts, trusted_first=trusted_first)
    read_at = pos
    while True:
        chunk = b""
        if read_at < size:
            chunk = os.pread(fd, min(_SLOW_READ_BYTES, size - read_at), read_at)
            if count_read is not None:
                count_read(len(chunk))
        read_at += len(chunk)
        events = decoder.feed(chunk) if chunk else decoder.close() if final else decoder.flush()
        kept = events
        if events and _start(events[-1]) >= stop:
            kept = [event for event in events if _start(event) < stop]
        yield kept
        if len(kept) < len(events):
            return _start(events[len(kept)]), True, decoder.previous_ts
        if not chunk:
            return (size if final else decoder.offset), True, decoder.previous_ts
        if decoder.offset >= stop:
            return decoder.offset, True, decoder.previous_ts
        if decoder.in_sync and decoder.offset > pos:
            return decoder.offset, False, decoder.previous_ts


def _start(event: Event) -> int:
    return event.offset if event.offset is not None else 0
