"""The sans-IO incremental decoder: bytes in, entries and garbage reports out.

This module owns the one decoding algorithm, and with it the rules of what
an entry is, that every reader uses (files, pipes, serial ports, sockets, the
fast file walk and its index, which are tested equal to it). It does no I/O:
``feed`` buffers bytes and returns the events they complete; ``flush`` lets a
live source show an entry that ends at the end of what has arrived; ``close``
says the input ended. Any split of the same bytes into feeds gives the same
events.

What a header is (everywhere, :data:`VALID_HEADER`): 13 base64 characters,
one more whose low four bits are zero, then ``==``; the three reserved flag
bits zero (every known writer writes them zero); a timestamp in
``(0, PLAUSIBLE_TIMESTAMP_NS)``, after the epoch (so the base64 of ten zero
bytes is no header) and before 2116. There is no rule about recent years:
VIC's own vectors are stamped 1976.

How an entry is accepted. In sync, a header is expected at the current
position. Its entry is accepted when the header after its payload (its
*successor*) is a header too and its timestamp is plausible: within
:data:`FAR_NS` (about nine years) of the previous accepted entry's or of its
successor's. An NTP step of seconds or days changes nothing; a header that
is far from the entries on both sides of it is damage. When the successor is
not a header, the entry is either torn (the writer stopped mid-payload, and
what follows began later) or followed by garbage (boot noise after the last
line before a reboot). The decoder looks for an entry chain starting inside
the claimed payload: if there is one, the torn part is skipped and decoding
resumes there. If there is none, the entry is kept only when it looks whole
(its payload ends with its one newline) and its time is plausible;
otherwise it is skipped with the garbage. A header whose claimed payload
runs past the end of the input is skipped as garbage when an entry chain
starts inside that claim, and reported as a truncated tail only when none
does; for a live source the end is provisional, so ``flush`` makes the same
decision with what has arrived.

Resync. Outside the expected position a candidate header is accepted when
its successor is a header and their times are plausible (a chain), or, with
no successor header, when it is within :data:`FAR_NS` of the last accepted
entry and looks whole. The decisions depend only on the bytes at and after a
position and on the previous accepted entry's time, so a decoder started at
an entry the linear decoder accepted (``trusted_first``) makes exactly the
linear decoder's decisions from there on. Scanning remembers how far it has
looked, so hostile input costs linear time, and an undecided entry holds at
most one maximal entry plus two headers of lookahead.
"""

from __future__ import annotations

import binascii
import copy
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass

from .format import ENCODED_HEADER_SIZE, MAX_ENTRY_SIZE, Entry, Stream, b64_chars, trusted_entry

__all__ = [
    "FAR_NS",
    "PLAUSIBLE_TIMESTAMP_NS",
    "TEAR_SLACK_NS",
    "VALID_HEADER",
    "Decoder",
    "Event",
    "Skipped",
    "Truncated",
    "tear_inside",
    "looks_whole",
]

#: Timestamps in ``(0, PLAUSIBLE_TIMESTAMP_NS)`` (1970 to about 2116) are plausible.
PLAUSIBLE_TIMESTAMP_NS = 1 << 62
#: Two timestamps further apart than this (2**58 ns, about 9.1 years) are "far".
FAR_NS = 1 << 58
#: Entries written after a torn entry are stamped at most this much before it
#: (a clock corrected at the reboot that tore it): one day.
TEAR_SLACK_NS = 86_400 * 1_000_000_000

_HDR = ENCODED_HEADER_SIZE
_MAX_ENTRY_LENGTH = ENCODED_HEADER_SIZE + MAX_ENTRY_SIZE
_ANY = rb"[A-Za-z0-9+/]"
#: A header by the rules above, in one regular expression: character 9 holds
#: the timestamp's two top bits (sign and 2**62), character 11 the flags, and
#: ten ``A`` then ``A``-``D`` is a zero timestamp.
VALID_HEADER = re.compile(
    rb"(?!A{10}[A-D])" + _ANY + rb"{9}[" + b64_chars(0b001100, 0) + rb"]" + _ANY
    + rb"[" + b64_chars(0b000111, 0) + rb"]" + _ANY + rb"[AQgw]=="
)
_UNPACK = struct.Struct("<qH").unpack
_A2B = binascii.a2b_base64
_MATCH = VALID_HEADER.match
_SEARCH = VALID_HEADER.search
_STREAMS = (Stream.STDOUT, Stream.STDERR)
_B64_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


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


def looks_whole(payload: bytes) -> bool:
    """Whether an entry followed by garbage looks written whole, not torn.

    A writer ends an entry at its one newline, so a whole entry's payload
    ends with it and holds no other; a torn entry's claimed payload ends
    wherever the bytes after it happen to be.
    """
    return payload[-1:] == b"\n" and payload.count(b"\n") == 1


def tear_inside(buf: bytes, pos: int, end: int, timestamp_ns: int) -> int:
    """Where the entries written after a torn entry start, when they lie inside its claim.

    A torn entry whose claimed size happens to end on a later header passes
    the successor test with the entries written after the tear inside its
    claim. It is told from an entry whose payload merely holds iolog bytes (a
    container printing a log, a header in a line of text) by time and by
    place. Entries written after a tear are stamped no earlier than the torn
    one, and not far after it (a header stamped so is taken for one), or,
    when their chain ends exactly where its claim does, at most
    :data:`TEAR_SLACK_NS` before it (a clock corrected at the reboot) and after
    the torn entry's own bytes. Whatever a program in the container prints
    was stamped, if at all, before the line that carries it, and a payload
    that is itself a log starts with a header.

    Args:
        buf: the bytes.
        pos: the entry's header.
        end: where its claim ends.
        timestamp_ns: the entry's time.

    Returns:
        The start of the first such entry inside the payload, or ``-1``.
    """
    find = buf.find
    first = pos + _HDR
    equals = find(b"==", first + _HDR - 2, end)
    payload_is_log: bool | None = None
    while equals >= 0:
        cand = equals - (_HDR - 2)
        if _MATCH(buf, cand) is not None:
            inner_ts = _UNPACK(_A2B(buf[cand : cand + _HDR]))[0]
            if timestamp_ns <= inner_ts <= timestamp_ns + FAR_NS:
                return cand
            if cand > first and inner_ts >= timestamp_ns - TEAR_SLACK_NS and _chain_ends_at(buf, cand, end):
                if payload_is_log is None:
                    payload_is_log = _chain_ends_at(buf, first, end)
                if not payload_is_log:
                    return cand
        equals = find(b"==", equals + 1, end)
    return -1


def _chain_ends_at(buf: bytes, at: int, end: int) -> bool:
    """Do headers chain from ``at`` to exactly ``end``?"""
    while at < end:
        if at + _HDR > end or _MATCH(buf, at) is None:
            return False
        at += _HDR + (_UNPACK(_A2B(buf[at : at + _HDR]))[1] >> 4)
    return at == end


def _header_prefix(tail: bytes) -> bool:
    """Can these bytes (fewer than a header's) be the start of a header?"""
    return all(
        char in (_B64_CHARS if at < _HDR - 3 else b"AQgw" if at == _HDR - 3 else b"=")
        for at, char in enumerate(tail)
    )


def _far(one: int, other: int) -> bool:
    return one - other > FAR_NS or other - one > FAR_NS


class Decoder:
    """Incremental, sans-IO decoder of an iolog byte stream.

    Args:
        offset: absolute offset of the first byte that will be fed (for
            entries' ``offset`` when decoding from the middle of a file).
        resync: start by searching for a header instead of expecting one at
            the first byte (use when ``offset`` is not known to be an entry
            boundary); bytes before the first header are reported as skipped.
        previous_ts: the timestamp of the entry just before ``offset``, if
            known (for the plausibility of the first header).
        trusted_first: the first header starts an entry that the linear
            decoder accepted (a checkpoint, a row, an entry's offset), so it
            is accepted as such when it is complete.

    The decoder never raises on any input. ``feed`` after ``close`` is a
    caller's mistake and raises :class:`RuntimeError`.
    """

    def __init__(
        self,
        *,
        offset: int = 0,
        resync: bool = False,
        previous_ts: int | None = None,
        trusted_first: bool = False,
    ) -> None:
        self._buf = b""
        self._base = offset
        # In sync: _pos is where the next header is expected. In resync: _pos
        # is where scanning for a candidate continues; _skip_start is the
        # absolute offset where the current garbage run began.
        self._pos = 0
        self._skip_start: int | None = offset if resync else None
        self._prev_ts = previous_ts
        self._trusted = trusted_first and not resync
        self._closed = False
        # Looking for a chain inside the claim of the entry at _inside_of:
        # nothing was found before _inside_from (both absolute).
        self._inside_of = -1
        self._inside_from = -1

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

    @property
    def previous_ts(self) -> int | None:
        """The timestamp of the last accepted entry (``None`` before the first)."""
        return self._prev_ts

    def feed(self, data: bytes | bytearray | memoryview) -> list[Event]:
        """Add bytes and return the events they complete.

        Args:
            data: the next bytes of the stream; ``b""`` is allowed and does nothing.

        Returns:
            Entries and ``Skipped`` events (never ``Truncated`` from ``feed``),
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

    def flush(self, *, settled: bool = False) -> list[Event]:
        """Decide what can be decided with the bytes that have arrived.

        A live source calls this when no bytes have arrived for a while: an
        entry that ends exactly at the end of the buffered bytes is accepted
        without waiting for its successor when it looks whole (it ends with
        its one newline), and a header whose claimed payload runs past the
        end is skipped when a chain of entries written after it starts
        inside it. A line still without its newline waits, unless the source
        has ``settled`` (stayed quiet for longer): the end is then taken as
        it is, as at :meth:`close`. If a writer later turns out to have torn
        an accepted entry, the bytes after it are reported as skipped.

        Args:
            settled: the source has been quiet for a while (not just idle).

        Returns:
            The events this releases (possibly none).
        """
        if self._closed:
            return []
        events = self._run(final=False, eager=True)
        if settled and self.buffered:
            events += self._settle()
        return events

    def _settle(self) -> list[Event]:
        """Decide as :meth:`close` would, and give the events up to its last entry.

        What follows that entry (garbage, an unfinished entry) waits: more
        bytes may still complete it.
        """
        probe = copy.copy(self)
        events = probe._run(final=True, eager=False)
        last = max((k for k, event in enumerate(events) if type(event) is Entry), default=-1)
        if last < 0:
            return []
        entry = events[last]
        assert isinstance(entry, Entry) and entry.end_offset is not None
        self._buf = self._buf[entry.end_offset - self._base :]
        self._base = entry.end_offset
        self._pos = 0
        self._skip_start = None
        self._prev_ts = entry.timestamp_ns
        self._trusted = False
        self._inside_of = self._inside_from = -1
        return events[: last + 1]

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
        far = FAR_NS

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
                continue

            # In sync. Fast path for healthy data: the header at pos and its
            # successor's are headers and the time is near the previous one.
            prev = self._prev_ts
            if prev is not None and not self._trusted and pos + _HDR <= n and match(buf, pos):
                find = buf.find
                while True:  # the header at pos is known good
                    timestamp_ns, bits = unpack(a2b(buf[pos : pos + _HDR]))
                    end = pos + _HDR + (bits >> 4)
                    if (
                        end + _HDR > n
                        or match(buf, end) is None
                        or timestamp_ns - prev > far
                        or prev - timestamp_ns > far
                        or find(b"==", pos + 30, end) >= 0  # header-shaped bytes inside
                    ):
                        break
                    append(make_entry(timestamp_ns, streams[bits >> 3 & 1], buf[pos + _HDR : end],
                                      0, base + pos))
                    prev = timestamp_ns
                    pos = end
                self._prev_ts = prev

            # In sync, general case: a header is expected at pos.
            step = self._in_sync(buf, pos, n, final, eager, append)
            if step < 0:
                pos = -step - 1
                break
            pos = step

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

    def _in_sync(
        self,
        buf: bytes,
        pos: int,
        n: int,
        final: bool,
        eager: bool,
        append: Callable[[Event], None],
    ) -> int:
        """Decide the header expected at ``pos``.

        Returns:
            Where to go on (>= 0; the decoder may now be resyncing), or
            ``-(keep + 1)`` to wait for more data, keeping bytes from ``keep``.
        """
        base = self._base
        if n - pos < _HDR:
            if final and pos < n:
                if _header_prefix(buf[pos:n]):
                    append(Truncated(base + pos, n - pos))
                else:
                    append(Skipped(base + pos, n - pos))
                return n
            return -(pos + 1)
        trusted = self._trusted
        if _MATCH(buf, pos) is None:
            self._trusted = False
            self._skip_start = base + pos
            return pos + 1
        timestamp_ns: int
        bits: int
        timestamp_ns, bits = _UNPACK(_A2B(buf[pos : pos + _HDR]))
        end: int = pos + _HDR + (bits >> 4)
        prev = self._prev_ts
        near_prev = prev is not None and not _far(timestamp_ns, prev)
        if end + _HDR <= n:
            if _MATCH(buf, end) is not None:
                successor_ts = _UNPACK(_A2B(buf[end : end + _HDR]))[0]
                if trusted or near_prev or not _far(timestamp_ns, successor_ts):
                    inside = -1 if trusted else tear_inside(buf, pos, end, timestamp_ns)
                    if inside >= 0:  # torn, and the entries written after it fill the claim
                        self._trusted = False
                        append(Skipped(base + pos, inside - pos))
                        return inside
                    return self._accept(buf, pos, end, timestamp_ns, bits, append)
                return self._reject(buf, pos, end, n, final, eager, append)  # far on both sides
            # Its successor is not a header: a whole entry followed by garbage,
            # or a torn one followed by what was written later.
            torn = -1 if trusted else tear_inside(buf, pos, end, timestamp_ns)
            if torn >= 0:
                self._trusted = False
                append(Skipped(base + pos, torn - pos))
                return torn
            if not trusted:
                surviving = self._surviving_inside(buf, pos, end, n, final, eager, timestamp_ns)
                if surviving is None:
                    return -(pos + 1)
                if surviving >= 0:
                    self._trusted = False
                    append(Skipped(base + pos, surviving - pos))
                    return surviving
            if trusted or (prev is None or near_prev) and looks_whole(buf[pos + _HDR : end]):
                self._accept(buf, pos, end, timestamp_ns, bits, append)
                self._skip_start = base + end  # the garbage after it
                return end + 1
            self._trusted = False
            self._skip_start = base + pos  # torn, or not an entry: garbage, its claim too
            return max(pos + 1, end - _HDR + 1)  # a header may straddle its end
        if end <= n:  # complete, its successor's header not yet
            if not (final or (eager and end == n)):
                return -(pos + 1)
            if not trusted:  # entries written after a tear inside it, or up to the end?
                after_tear: int | None = tear_inside(buf, pos, end, timestamp_ns)
                if after_tear is not None and after_tear < 0 and end < n:
                    after_tear = self._surviving_inside(buf, pos, end, n, final, eager, timestamp_ns)
                if after_tear is None:
                    return -(pos + 1)
                if after_tear >= 0:
                    self._trusted = False
                    append(Skipped(base + pos, after_tear - pos))
                    return after_tear
            payload = buf[pos + _HDR : end]
            if trusted or (prev is None or near_prev) and (
                (final and end == n)
                or looks_whole(payload)
                or (final and _header_prefix(buf[end:n]))  # before a torn header
            ):
                return self._accept(buf, pos, end, timestamp_ns, bits, append)
            if not final:
                return -(pos + 1)
            return self._reject(buf, pos, end, n, final, eager, append)
        # The claimed payload runs past the end of the input.
        if not (final or eager):
            return -(pos + 1)
        past_end = self._surviving_inside(buf, pos, end, n, final, eager, timestamp_ns)
        if past_end is None or (past_end < 0 and not final):
            return -(pos + 1)
        self._trusted = False
        if past_end >= 0:
            append(Skipped(base + pos, past_end - pos))
            return past_end
        append(Truncated(base + pos, n - pos))
        return n

    def _accept(
        self, buf: bytes, pos: int, end: int, timestamp_ns: int, bits: int,
        append: Callable[[Event], None],
    ) -> int:
        """Emit the entry at ``pos`` (header already unpacked); return its end."""
        append(trusted_entry(timestamp_ns, _STREAMS[bits >> 3 & 1], buf[pos + _HDR : end],
                             bits & 7, self._base + pos))
        self._prev_ts = timestamp_ns
        self._trusted = False
        return end

    def _reject(
        self, buf: bytes, pos: int, end: int, n: int, final: bool, eager: bool,
        append: Callable[[Event], None],
    ) -> int:
        """The header at ``pos`` starts no entry: garbage from there, its claim included.

        Its claimed payload is its own (if it was an entry) or more garbage,
        so it is not searched for entries, only for a chain that started
        inside it and goes on past its end (entries written after it).
        """
        self._trusted = False
        self._skip_start = self._base + pos
        inside = self._surviving_inside(buf, pos, end, n, final, eager, self._prev_ts)
        if inside is None:
            return pos + 1  # resync decides, with more data
        return inside if inside >= 0 else min(max(pos + 1, end - _HDR + 1), n)

    def _surviving_inside(
        self, buf: bytes, pos: int, end: int, n: int, final: bool, eager: bool,
        claimer_ts: int | None = None,
    ) -> int | None:
        """Where the first chain of headers inside ``(pos, end)`` that goes on past ``end`` starts.

        A chain written after a torn entry goes on past the torn entry's
        claim; header-shaped bytes in a payload (a log printed by a program
        in the container) end inside it or run into what follows it.

        Returns:
            Its index, ``-1`` if there is none, or ``None`` when more data is
            needed to decide.
        """
        absolute = self._base + pos
        scan = pos + 1
        if self._inside_of == absolute:
            scan = max(scan, self._inside_from - self._base)
        find = buf.find
        limit = min(n, end)
        # Candidates lie wholly inside the claim: a header that straddles its
        # end may be the shifted remains of a damaged successor.
        equals = find(b"==", scan + _HDR - 2, limit)
        while equals >= 0:
            cand = equals - (_HDR - 2)
            if _MATCH(buf, cand) is not None:
                ok = self._survives(buf, cand, end, n, final, eager, claimer_ts)
                if ok is None:
                    self._inside_of = absolute
                    self._inside_from = self._base + cand
                    return None
                if ok:
                    return cand
            equals = find(b"==", equals + 1, limit)
        if end > n and not (final or eager):
            # A header may still start in the last bytes of the claim.
            self._inside_of = absolute
            self._inside_from = self._base + max(pos + 1, min(limit, n - _HDR + 1))
            return None
        return -1

    def _survives(
        self, buf: bytes, cand: int, end: int, n: int, final: bool, eager: bool, claimer_ts: int | None
    ) -> bool | None:
        """Is the header at ``cand`` the start of a chain of entries written after ``end``'s claimer?

        A log printed by a program in the container can hold chains of
        header-shaped bytes, even across the entries that carry it. The chain
        counts when it goes on for a whole entry's length past ``end`` (a
        printed chain breaks where the payload carrying it ends). It counts
        too when its first time is no more than :data:`TEAR_SLACK_NS` before
        the claimer's (entries written after a tear are stamped after it, give
        or take a clock corrected at a reboot; a printed log was stamped
        before) and it passes ``end`` by two headers, holds three before it
        breaks (more damage inside the claim), or ends exactly where the input
        does.
        """
        timestamp_ns = _UNPACK(_A2B(buf[cand : cand + _HDR]))[0]
        prev = self._prev_ts
        near_prev = prev is not None and not _far(timestamp_ns, prev)
        recent = claimer_ts is not None and timestamp_ns >= claimer_ts - TEAR_SLACK_NS
        at = cand
        successor_ts: int | None = None
        headers = 1
        past = 0  # headers found at or after ``end``
        while True:
            at += _HDR + (_UNPACK(_A2B(buf[at : at + _HDR]))[1] >> 4)
            if at == n and (at >= end or end > n):
                if not (final or eager):
                    return None
                # For a live source the end is provisional: a printed log ending
                # there (stamped before its carrier) is not yet proof enough.
                if recent and (final or claimer_ts is None or timestamp_ns >= claimer_ts):
                    break
                return False
            if at + _HDR > n:
                if not final:
                    return None
                if recent and (past >= 2 or headers >= 3):
                    break
                return False
            if _MATCH(buf, at) is None:
                if recent and headers >= 3:
                    break
                return False
            headers += 1
            if successor_ts is None:
                successor_ts = _UNPACK(_A2B(buf[at : at + _HDR]))[0]
            if at >= end:
                past += 1
                if at >= end + _MAX_ENTRY_LENGTH or (past >= 2 and recent):
                    break
        return near_prev or prev is None and successor_ts is None or (
            successor_ts is not None and not _far(timestamp_ns, successor_ts)
        )

    def _resync(
        self,
        buf: bytes,
        pos: int,
        n: int,
        final: bool,
        eager: bool,
        append: Callable[[Event], None],
    ) -> int:
        """Find the next acceptable header at or after ``pos``.

        Returns:
            Its index (>= 0), or ``-(keep + 1)`` when none can be decided yet,
            ``keep`` being the index from which bytes must be kept. At close
            the rest of the input is reported here and ``keep`` is ``n``.
        """
        find = buf.find
        match = _MATCH
        while True:
            # Every header holds "==" at its 15th byte: find those first (in
            # C, fast over zeros and noise), then check the header's shape.
            equals = find(b"==", pos + _HDR - 2)
            while equals >= 0 and match(buf, equals - (_HDR - 2)) is None:
                equals = find(b"==", equals + 1)
            if equals < 0:
                if not final:
                    return -(max(pos, n - _HDR + 1) + 1)
                self._report_garbage(n, append)
                return -(n + 1)
            cand = equals - (_HDR - 2)
            ok = self._candidate(buf, cand, n, final, eager)
            if ok is None:
                return -(cand + 1)
            if ok:
                return cand
            # Not an entry: its claim is its own payload or garbage; a chain
            # that started inside it and goes on past it is not.
            cand_ts, cand_bits = _UNPACK(_A2B(buf[cand : cand + _HDR]))
            end = cand + _HDR + (cand_bits >> 4)
            claimer_ts = self._prev_ts if self._prev_ts is not None else cand_ts
            inside = self._surviving_inside(buf, cand, end, n, final, eager, claimer_ts)
            if inside is None:
                return -(cand + 1)
            if inside >= 0:
                return inside
            if end > n:  # (at close) cut off by the end; entries inside, not its own, may follow
                later = self._later_inside(buf, cand, n)
                if later < 0:
                    self._report_garbage(cand, append)
                    append(Truncated(self._base + cand, n - cand))
                    return -(n + 1)
                return later
            pos = max(cand + 1, end - _HDR + 1)  # a header may straddle its end

    def _later_inside(self, buf: bytes, cand: int, n: int) -> int:
        """At close: an acceptable header inside the cut-off claim at ``cand`` that is not its own.

        The chain of headers from the claim's first payload byte is the
        entry's own payload (a log printed into it); an entry that starts
        elsewhere in the claim, with its own chain, was written after it.

        Returns:
            Its index, or ``-1``.
        """
        own = set()
        at = cand + _HDR
        while at + _HDR <= n and _MATCH(buf, at) is not None:
            own.add(at)
            at += _HDR + (_UNPACK(_A2B(buf[at : at + _HDR]))[1] >> 4)
        find = buf.find
        equals = find(b"==", cand + 2 * _HDR - 1)
        while equals >= 0:
            inner = equals - (_HDR - 2)
            if (
                inner not in own
                and _MATCH(buf, inner) is not None
                and self._candidate(buf, inner, n, True, False)
            ):
                return inner
            equals = find(b"==", equals + 1)
        return -1

    def _report_garbage(self, upto: int, append: Callable[[Event], None]) -> None:
        """At close: report the garbage run that ends at index ``upto``."""
        start = self._skip_start
        assert start is not None
        if self._base + upto > start:
            append(Skipped(start, self._base + upto - start))
        self._skip_start = None

    def _candidate(self, buf: bytes, cand: int, n: int, final: bool, eager: bool) -> bool | None:
        """Can an entry be accepted at ``cand`` (a header, out of sync)? ``None``: not decidable yet.

        Yes when two more headers follow it in a chain (noise full of base64
        text holds pairs of header-shaped lines), or one that looks whole
        before more damage, or the chain ends where the input does, with
        plausible times; or, with no header after it, when it looks whole and
        its time is near the last entry's. At close, or at a settled flush,
        the end is taken as it is.
        """
        timestamp_ns, bits = _UNPACK(_A2B(buf[cand : cand + _HDR]))
        end = cand + _HDR + (bits >> 4)
        prev = self._prev_ts
        near_prev = prev is not None and not _far(timestamp_ns, prev)
        ended = final
        if end + _HDR <= n:
            if _MATCH(buf, end) is not None:
                successor_ts, successor_bits = _UNPACK(_A2B(buf[end : end + _HDR]))
                if not (near_prev or not _far(timestamp_ns, successor_ts)):
                    return False
                after = end + _HDR + (successor_bits >> 4)
                if after <= n and looks_whole(buf[end + _HDR : after]):
                    return True  # one more header, whose entry ends a line
                if after + _HDR <= n:
                    return _MATCH(buf, after) is not None  # two more headers
                if after == n:
                    return True if final or eager else None
                return True if ended else None
            return (prev is None or near_prev) and looks_whole(buf[cand + _HDR : end])
        if end <= n:
            plausible = prev is None or near_prev
            payload = buf[cand + _HDR : end]
            if ended:
                return plausible and (end == n or looks_whole(payload) or _header_prefix(buf[end:n]))
            if eager and end == n and plausible and looks_whole(payload):
                return True
            return None
        return False if ended else None
