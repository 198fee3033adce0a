"""The fast walk over a log file: many entries at a time, the decoder's rules.

This module owns reading a healthy log faster than decoding it entry by
entry, for the index pass, ``iolog cat``, windows, ``stat`` and the viewer's
scans. Each buffer read is walked in batches (:mod:`iolog.file.walkbatch`,
in C with the speed-up): from header to header by the size characters, the
entries checked in bulk against the decoder's acceptance rules in sync
(:mod:`iolog.core.rules`). Wherever a check fails (garbage, a torn entry, a
clock far off, the end of the file) the walk hands the bytes to a real
:class:`~iolog.core.decoder.Decoder` until it is back in sync, passing over
spans known to hold no ``=`` without reading them (:func:`find_quiet`), so
what it yields is exactly what the decoder would.
"""

from __future__ import annotations

import bisect
import errno
import os
from collections.abc import Callable, Generator, Sequence
from typing import NamedTuple, cast

from .. import _native
from ..core.decoder import Decoder, Event
from ..core.format import ENCODED_HEADER_SIZE, MAX_ENTRY_SIZE, Entry, Stream, trusted_entry
from .walkbatch import batch_step, offsets_array, timestamps_struct

__all__ = ["LOOKAHEAD_BYTES", "FastBatch", "SpanStats", "find_quiet", "quiet_end", "walk"]

_HDR = ENCODED_HEADER_SIZE
_READ_BYTES = 2 << 20  # bytes per read in the fast pass (a batch and its neighbour stay in cache)
_SLOW_READ_BYTES = 64 << 10  # bytes per feed when the decoder takes over
_GARBAGE_READ_BYTES = 1 << 20  # bytes per feed while it is out of sync
_BATCH_BYTES = 1 << 20  # bytes walked per a2b/struct call
_MAX_ENTRY_LENGTH = ENCODED_HEADER_SIZE + MAX_ENTRY_SIZE
#: Read a new buffer when less than this is left of the current one.
_REFILL_BYTES = 2 * _MAX_ENTRY_LENGTH + ENCODED_HEADER_SIZE

_STREAMS = (Stream.STDOUT, Stream.STDERR)
#: Bytes past ``stop`` the decoder may need to decide an entry that starts before it.
LOOKAHEAD_BYTES = 3 * (ENCODED_HEADER_SIZE + MAX_ENTRY_SIZE) + 2 * ENCODED_HEADER_SIZE
_NO_END = 1 << 63
_STDERR_BYTE = bytes(1 if value & 8 else 0 for value in range(256))


class SpanStats(NamedTuple):
    """What a run of a batch's entries holds, in one pass (:meth:`FastBatch.span_stats`)."""

    first_ts: int
    last_ts: int
    min_ts: int
    max_ts: int
    stderr_entries: int
    backward_steps: int
    """How many entries are stamped before the entry just before them."""


class FastBatch(NamedTuple):
    """Entries whose headers chain cleanly, found by the fast walk.

    Entry ``k`` (``0 <= k < accepted``) has its header at ``buf[starts[k]:]``
    and ends where entry ``k + 1`` starts (``starts`` has more items);
    ``raw`` holds the base64-decoded headers, 12 bytes each (the 10 header
    bytes and two zero bytes), in order. ``base`` is the file offset of
    ``buf[0]``. ``starts`` is a list, or an ``array('q')`` where the C
    speed-up walked. ``buf`` is a ``bytearray``, overwritten by the next read,
    where the walk was asked for ``transient`` batches.
    """

    base: int
    buf: bytes
    starts: Sequence[int]
    accepted: int
    raw: bytes

    def timestamps(self) -> tuple[int, ...]:
        """The entries' timestamps (unix ns), in order."""
        stamps: tuple[int, ...] = timestamps_struct(self.accepted).unpack(self.raw)
        return stamps

    def span_stats(self, first: int = 0, last: int | None = None) -> SpanStats:
        """Times and streams of entries ``[first, last)`` (default: all), without a list of them.

        Raises:
            ValueError: the range is empty.
        """
        last = self.accepted if last is None else last
        if not 0 <= first < last <= self.accepted:
            raise ValueError(f"no entries in [{first}, {last}) of a batch of {self.accepted}")
        native = _native.speedups
        if native is not None:
            return SpanStats(*native.span_stats(self.raw, first, last))
        stamps = timestamps_struct(last - first).unpack_from(self.raw, 12 * first)
        flags = self.raw[12 * first + 8 : 12 * last : 12].translate(_STDERR_BYTE)
        return SpanStats(
            stamps[0], stamps[-1], min(stamps), max(stamps), flags.count(1),
            sum(map(int.__lt__, stamps[1:], stamps)),
        )

    def streams(self) -> bytes:
        """One byte per entry: 0 for stdout, 1 for stderr."""
        return self.raw[8::12].translate(_STDERR_BYTE)

    def last_bytes(self) -> bytes:
        """One byte per entry: the last byte of its payload (10 for a newline).

        An empty entry's is the last byte of its header (``=``), so counting
        or finding newlines here finds exactly the entries that end a line.
        """
        native = _native.speedups
        if native is not None:
            return native.last_bytes(self.buf, offsets_array(self.starts), self.accepted)
        buf = self.buf
        return bytes([buf[end - 1] for end in self.starts[1 : self.accepted + 1]])

    def part(self, first: int, stop: int) -> FastBatch:
        """The batch of entries ``first`` to ``stop - 1`` (no bytes copied but the headers')."""
        return FastBatch(self.base, self.buf, self.starts[first : stop + 1], stop - first,
                         self.raw[12 * first : 12 * stop])

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
    quiet: Sequence[tuple[int, int]] = (),
    transient: bool = False,
    buffers: Callable[[int], bytearray] | None = None,
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
        quiet: spans ``(start, end)``, in order, known to hold no ``=`` byte
            (so no header ends in them): garbage the decoder passes over
            without reading (see :func:`find_quiet`).
        transient: the consumer is done with a batch (its ``buf``, and every
            slice of it) when it asks for the next item. With the C speed-up
            the buffers are then read into one ``bytearray``, reused: no
            fresh memory for each read, which costs the kernel more than the
            read itself (zeroed pages, faulted in and given back).
        buffers: where the C walk reads each full buffer, when batches are
            kept after the next read: a ``bytearray`` of the size asked
            for that nothing else holds (a
            :class:`~iolog.file.readbuffers.ReadBuffers`).

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
    step = batch_step()
    # The C walk takes any buffer; the Python twin looks header characters up by bytes.
    reused = bytearray(_READ_BYTES) if transient and _native.speedups is not None else None
    pool = buffers if reused is None and _native.speedups is not None else None
    end = size if stop is None else min(stop, size)
    prev = previous_ts
    if trusted_first and pos < end:
        pos, ended, prev = yield from _decode_slowly(
            fd, pos, size, end, count_read, final=final, previous_ts=prev, trusted_first=True, quiet=quiet
        )
        if ended:
            return pos
    while pos < end:
        read_to = size if end == size else min(size, end + LOOKAHEAD_BYTES)
        want = min(_READ_BYTES, read_to - pos)
        into = reused if pool is None or want != _READ_BYTES else pool(want)
        if into is not None and want == len(into):
            got = os.preadv(fd, [into], pos)
            # Typed as bytes: every reader of a batch only reads it, as bytes are read.
            buf = cast(bytes, into if got == want else into[:got])
        else:
            buf = pread(fd, want, pos)
        if count_read is not None:
            count_read(len(buf))
        if not buf:
            return pos  # the file shrank under us: it ends here
        at_eof = pos + len(buf) >= size
        limit = len(buf) - _HDR
        room = min(limit, end - pos)  # headers starting before this may be walked
        i = 0
        while True:
            # One batch: header to header by the size characters, the decoder's
            # rules in bulk (in C when the speed-up is there).
            starts, accepted, raw, prev_after = step(buf, i, min(room, i + _BATCH_BYTES), limit, prev)
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
                fd, pos, size, end, count_read, final=final, previous_ts=prev, quiet=quiet
            )
            if ended:
                return pos
    return pos


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
    quiet: Sequence[tuple[int, int]] = (),
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
        if quiet and not decoder.in_sync:
            span_end = quiet_end(quiet, read_at)
            if span_end - read_at >= _HDR:
                last = os.pread(fd, _HDR - 1, span_end - (_HDR - 1))
                if len(last) == _HDR - 1 and decoder.pass_over(span_end - read_at, last):
                    if count_read is not None:
                        count_read(span_end - read_at)
                    read_at = span_end
                    yield []
                    continue
        chunk = b""
        if read_at < size:
            # Out of sync the bytes are mostly garbage (a hole, noise): read more at once.
            want = _SLOW_READ_BYTES if decoder.in_sync else _GARBAGE_READ_BYTES
            chunk = os.pread(fd, min(want, size - read_at), read_at)
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


def quiet_end(quiet: Sequence[tuple[int, int]], at: int) -> int:
    """The end of the span of ``quiet`` that holds ``at``, or ``at`` when none does."""
    number = bisect.bisect_right(quiet, (at, _NO_END)) - 1
    if number >= 0 and quiet[number][0] <= at < quiet[number][1]:
        return quiet[number][1]
    return at


def find_quiet(fd: int, start: int, end: int, buffer: bytearray) -> tuple[bool, bool]:
    """Whether ``[start, end)`` of the file holds no ``==`` (no header ends there), and no ``=`` at all.

    A hole of a sparse file (``SEEK_DATA``) is not read; otherwise the bytes
    are read into ``buffer`` (reused: no allocation per read) and searched
    in C.

    Returns:
        ``(no_header_end, no_equals)``.
    """
    try:
        data_at = os.lseek(fd, start, os.SEEK_DATA)
    except OSError as error:
        data_at = end if error.errno == errno.ENXIO else start  # ENXIO: a hole up to the end
    except AttributeError:
        data_at = start
    if data_at >= end:
        return True, True  # zeros, never read
    view = memoryview(buffer)
    at = start
    no_equals = True
    while at < end:
        got = os.preadv(fd, [view[: min(len(buffer), end - at)]], at)
        if got <= 0:
            break
        equals = buffer.find(b"=", 0, got)
        if equals >= 0:
            no_equals = False
            if buffer.find(b"==", equals, got) >= 0:
                return False, False
            # A "==" may straddle two reads: go on from the last byte when it is "=".
        at += got - 1 if got > 1 and buffer[got - 1] == 61 else got
    return True, no_equals


def _start(event: Event) -> int:
    return event.offset if event.offset is not None else 0
