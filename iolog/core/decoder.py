"""The sans-IO incremental decoder: bytes in, entries and garbage reports out.

This module owns the one decoding algorithm that every source (file, pipe,
serial port, socket) uses. It does no I/O: ``feed`` buffers bytes and returns
the events they complete; ``close`` says the input ended. Any split of the
same bytes into feeds gives the same events.

How an entry is recognised. A header is 13 base64 characters, one more whose
low four bits are zero, then ``==`` (see ``format.HEADER_PATTERN``). A header
at the expected position (the start of input, or just after an accepted
entry) is accepted when the next header after its payload also has that
shape, or the input ends exactly there. When that check fails the entry is
either torn (the writer stopped mid-payload) or followed by garbage; the
decoder looks for a real header *inside* the claimed payload: if there is
one, the torn part is skipped and decoding resumes there; if not, the entry is
kept and the garbage after it is skipped.

Resync. Outside the expected position a candidate must also have the reserved
flags zero and a plausible timestamp, and its successor must pass the same
test (or the input must end right after it). Scanning remembers how far it
has looked, so hostile input costs linear time, and an incomplete entry holds
at most one maximal entry plus one header of lookahead.
"""

from __future__ import annotations

import binascii
import struct
from collections.abc import Callable
from dataclasses import dataclass

from .format import (
    ENCODED_HEADER_SIZE,
    HEADER_PATTERN,
    Entry,
    Stream,
    trusted_entry,
)

__all__ = ["Decoder", "Event", "Skipped", "Truncated", "PLAUSIBLE_TIMESTAMP_NS"]

#: Timestamps in ``[0, PLAUSIBLE_TIMESTAMP_NS)`` (1970 to about 2116) count as
#: plausible when resynchronising; a header at the expected position may carry
#: any timestamp.
PLAUSIBLE_TIMESTAMP_NS = 1 << 62

_HDR = ENCODED_HEADER_SIZE
_UNPACK = struct.Struct("<qH").unpack
_A2B = binascii.a2b_base64
_MATCH = HEADER_PATTERN.match
_SEARCH = HEADER_PATTERN.search
_STREAMS = (Stream.STDOUT, Stream.STDERR)
_TAIL_PREFIX_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


@dataclass(frozen=True, slots=True)
class Skipped:
    """Bytes that could not be decoded and were skipped.

    Attributes:
        offset: absolute byte offset of the first skipped byte.
        length: how many bytes were skipped (a whole run is one event).
    """

    offset: int
    length: int

    @property
    def end_offset(self) -> int:
        """Offset just past the skipped run."""
        return self.offset + self.length


@dataclass(frozen=True, slots=True)
class Truncated:
    """An incomplete entry at the end of input (a torn or still-growing tail).

    Attributes:
        offset: absolute byte offset where the incomplete entry starts.
        length: how many bytes of it were present.
    """

    offset: int
    length: int

    @property
    def end_offset(self) -> int:
        """Offset just past the incomplete bytes."""
        return self.offset + self.length


Event = Entry | Skipped | Truncated


def _strict_ok(buf: bytes | bytearray, at: int) -> bool:
    """A header shape with reserved flags zero and a plausible timestamp."""
    if _MATCH(buf, at) is None:
        return False
    timestamp_ns: int
    bits: int
    timestamp_ns, bits = _UNPACK(_A2B(buf[at : at + _HDR]))
    return bits & 7 == 0 and 0 <= timestamp_ns < PLAUSIBLE_TIMESTAMP_NS


class Decoder:
    """Incremental, sans-IO decoder of an iolog byte stream.

    Args:
        offset: absolute offset of the first byte that will be fed (for
            entries' ``offset`` when decoding from the middle of a file).
        resync: start by searching for a header instead of expecting one at
            the first byte (use when ``offset`` is not known to be an entry
            boundary); bytes before the first header are reported as skipped.

    The decoder never raises on any input. ``feed`` after ``close`` is a
    caller's mistake and raises :class:`RuntimeError`.
    """

    def __init__(self, *, offset: int = 0, resync: bool = False) -> None:
        self._buf = b""
        self._base = offset
        # In sync: _pos is where the next header is expected. In resync: _pos
        # is where scanning for a candidate continues; _skip_start is the
        # absolute offset where the current garbage run began.
        self._pos = 0
        self._skip_start: int | None = offset if resync else None
        self._closed = False

    @property
    def offset(self) -> int:
        """Absolute offset up to which input has been fully accounted for."""
        if self._skip_start is not None:
            return self._skip_start
        return self._base + self._pos

    @property
    def buffered(self) -> int:
        """Bytes fed but not yet turned into events."""
        return self._base + len(self._buf) - self.offset

    @property
    def in_sync(self) -> bool:
        """True when the next byte is expected to start a header."""
        return self._skip_start is None

    def feed(self, data: bytes | bytearray | memoryview) -> list[Event]:
        """Add bytes and return the events they complete.

        Args:
            data: the next bytes of the stream; ``b""`` is allowed and does nothing.

        Returns:
            Entries, ``Skipped`` and (never from ``feed``) ``Truncated`` events,
            in stream order.

        Raises:
            RuntimeError: the decoder was closed.
        """
        if self._closed:
            raise RuntimeError("feed() after close()")
        if data:
            # Always an immutable bytes: slices of it are the payloads, no copy twice.
            self._buf = self._buf + bytes(data) if self._buf else bytes(data)
        return self._run(final=False, eager=False)

    def flush(self) -> list[Event]:
        """Accept an entry that ends exactly at the end of the buffered bytes.

        A live source calls this when no bytes have arrived for a while, so the
        newest entry shows without waiting for its successor. It trades the
        successor check for latency: if a writer later turns out to have torn
        that entry, the bytes after it are reported as skipped.

        Returns:
            The events this releases (possibly none).
        """
        if self._closed:
            return []
        return self._run(final=False, eager=True)

    def close(self) -> list[Event]:
        """Say the input ended; return the remaining events.

        Returns:
            Remaining entries, a ``Skipped`` run and/or a ``Truncated`` tail.
            Calling ``close`` again returns ``[]``.
        """
        if self._closed:
            return []
        events = self._run(final=True, eager=False)
        self._closed = True
        return events

    # -- the algorithm -------------------------------------------------------

    def _run(self, *, final: bool, eager: bool) -> list[Event]:
        events: list[Event] = []
        append = events.append
        buf = self._buf
        n = len(buf)
        base = self._base
        pos = self._pos
        match = _MATCH
        a2b = _A2B
        unpack = _UNPACK
        streams = _STREAMS
        make_entry = trusted_entry
        checked_at = -1  # a position whose header shape is already known good

        while True:
            if self._skip_start is not None:
                found = self._resync(buf, pos, n, final, eager, append)
                if found < 0:  # need more data, or everything left was reported
                    pos = -found - 1
                    break
                if base + found > self._skip_start:
                    append(Skipped(self._skip_start, base + found - self._skip_start))
                self._skip_start = None
                pos = found
                checked_at = found
                continue

            # In sync. Fast path for healthy data: while the header at pos is
            # known good and its successor's header is complete and well-formed,
            # emit the entry and move on.
            if checked_at == pos:
                while pos + 16 <= n:
                    timestamp_ns, bits = unpack(a2b(buf[pos : pos + 16]))
                    end = pos + 16 + (bits >> 4)
                    if end + 16 > n or match(buf, end) is None:
                        break
                    append(make_entry(timestamp_ns, streams[bits >> 3 & 1], buf[pos + 16 : end],
                                      bits & 7, base + pos))
                    pos = end
                checked_at = pos

            # In sync, general case: a header is expected at pos.
            if n - pos < _HDR:
                if final and pos < n:
                    tail = buf[pos:n]
                    if _TAIL_PREFIX_CHARS.issuperset(tail):
                        append(Truncated(base + pos, n - pos))
                    else:
                        append(Skipped(base + pos, n - pos))
                    pos = n
                break
            if checked_at != pos and match(buf, pos) is None:
                self._skip_start = base + pos
                pos += 1
                continue
            timestamp_ns, bits = unpack(a2b(buf[pos : pos + _HDR]))
            end = pos + _HDR + (bits >> 4)
            if end > n:
                if final:
                    append(Truncated(base + pos, n - pos))
                    pos = n
                break
            if end + _HDR <= n:
                chained = match(buf, end) is not None
            elif final or (eager and end == n):
                chained = True
            else:
                break  # wait for the successor's header
            if not chained:
                verdict = self._torn_or_followed_by_garbage(buf, pos, end, n, final)
                if verdict is None:
                    break  # wait for more data to decide
                if verdict >= 0:  # a real header inside the payload: torn entry
                    append(Skipped(base + pos, verdict - pos))
                    pos = verdict
                    checked_at = verdict
                    continue
                # Keep the entry; what follows it is garbage.
                append(
                    make_entry(timestamp_ns, streams[bits >> 3 & 1], buf[pos + _HDR : end],
                               bits & 7, base + pos)
                )
                self._skip_start = base + end
                pos = end + 1
                continue
            append(
                make_entry(timestamp_ns, streams[bits >> 3 & 1], buf[pos + _HDR : end],
                           bits & 7, base + pos)
            )
            pos = end
            checked_at = end

        # Drop what is accounted for; keep the rest for the next feed.
        if pos >= n:
            self._buf = b""
            self._base = base + n
            self._pos = 0
        elif pos > 0:
            self._buf = buf[pos:]
            self._base = base + pos
            self._pos = 0
        else:
            self._pos = 0
        return events

    def _resync(
        self,
        buf: bytes | bytearray,
        pos: int,
        n: int,
        final: bool,
        eager: bool,
        append: Callable[[Event], None],
    ) -> int:
        """Find the next real header at or after ``pos``.

        Returns:
            Its index (>= 0), or ``-(keep + 1)`` when none can be decided yet,
            ``keep`` being the index from which bytes must be kept. At close
            the rest of the input is reported here and ``keep`` is ``n``.
        """
        search = _SEARCH
        while True:
            found = search(buf, pos)
            if found is None:
                if not final:
                    return -(max(pos, n - _HDR + 1) + 1)
                self._report_garbage(n, append)
                return -(n + 1)
            cand = found.start()
            ok = self._candidate(buf, cand, n, final, eager)
            if ok is None:
                return -(cand + 1)
            if ok:
                return cand
            if final and self._runs_past_end(buf, cand, n):
                self._report_garbage(cand, append)
                append(Truncated(self._base + cand, n - cand))
                return -(n + 1)
            pos = cand + 1

    def _report_garbage(self, upto: int, append: Callable[[Event], None]) -> None:
        """At close: report the garbage run that ends at index ``upto``."""
        start = self._skip_start
        assert start is not None
        if self._base + upto > start:
            append(Skipped(start, self._base + upto - start))
        self._skip_start = None

    @staticmethod
    def _candidate(
        buf: bytes | bytearray, cand: int, n: int, final: bool, eager: bool
    ) -> bool | None:
        """Is there a real header at ``cand``? ``None``: undecidable yet."""
        timestamp_ns, bits = _UNPACK(_A2B(buf[cand : cand + _HDR]))
        if bits & 7 or not 0 <= timestamp_ns < PLAUSIBLE_TIMESTAMP_NS:
            return False
        end = cand + _HDR + (bits >> 4)
        if end + _HDR <= n:
            return _strict_ok(buf, end)
        if end > n:
            return False if final else None
        if final or (eager and end == n):
            return True
        return None

    @staticmethod
    def _runs_past_end(buf: bytes | bytearray, cand: int, n: int) -> bool:
        """A plausible header at ``cand`` whose entry is cut off by the end."""
        timestamp_ns: int
        bits: int
        timestamp_ns, bits = _UNPACK(_A2B(buf[cand : cand + _HDR]))
        if bits & 7 or not 0 <= timestamp_ns < PLAUSIBLE_TIMESTAMP_NS:
            return False
        return cand + _HDR + (bits >> 4) > n

    def _torn_or_followed_by_garbage(
        self, buf: bytes | bytearray, pos: int, end: int, n: int, final: bool
    ) -> int | None:
        """Decide an in-sync entry whose successor is not a header.

        Returns:
            The index of a real header inside ``(pos, end)`` (the entry is torn),
            ``-1`` if there is none (keep the entry; garbage follows it), or
            ``None`` when more data is needed to decide.
        """
        search = _SEARCH
        scan = pos + 1
        while scan < end:
            found = search(buf, scan, min(n, end - 1 + _HDR))
            if found is None or found.start() >= end:
                return -1
            cand = found.start()
            ok = self._candidate(buf, cand, n, final, False)
            if ok is None:
                return None
            if ok:
                return cand
            scan = cand + 1
        return -1
