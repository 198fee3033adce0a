"""Deciding what the decoder's buffered bytes are, position by position.

This module owns the decoding algorithm behind :class:`~iolog.core.decoder.Decoder`
(which owns buffering, ``feed``, ``flush`` and ``close``), applying the rules
of :mod:`iolog.core.rules`.

In sync, a header is expected at the current position. Its entry is
accepted when the header after its payload (its *successor*) is a header
too, its time is plausible (near the previous entry's or its successor's),
and no entry written after a tear lies inside its claim. When the successor
is not a header, the entry is either torn (the writer stopped mid-payload,
and what follows began later) or followed by garbage (boot noise after the
last line before a reboot): a chain of entries written after it, inside its
claim, makes it torn; otherwise it is kept only when it looks whole, and
its claim is skipped with the garbage. A header whose claimed payload runs
past the end of the input is garbage when such a chain starts inside the
claim, and a truncated tail only when none does; for a live source the end
is provisional, so ``flush`` makes the same decision with what has arrived.

Out of sync (resync), the next header that is a candidate by the rules is
where decoding resumes; a header that is not is skipped with its claim (a
payload's own bytes are not searched for entries), unless a chain written
after it starts inside. The decisions depend only on the bytes at and after
a position and on the previous accepted entry's time, so a decoder started
at an entry the linear decoder accepted (with ``previous_ts``, or
``trusted_first``) makes exactly the linear decoder's decisions from there
on. Scanning remembers how far it has looked, so hostile input costs linear
time, and an undecided entry holds at most three maximal entries of
lookahead.
"""

from __future__ import annotations

import binascii
import struct
from collections.abc import Callable

from .events import Event, Skipped, Truncated
from .format import ENCODED_HEADER_SIZE, Stream, trusted_entry
from .rules import (
    FAR_NS,
    VALID_HEADER,
    candidate,
    chain_inside,
    far,
    header_prefix,
    later_inside,
    looks_whole,
    tear_inside,
)

__all__ = ["Decisions"]

_HDR = ENCODED_HEADER_SIZE
_UNPACK = struct.Struct("<qH").unpack
_A2B = binascii.a2b_base64
_MATCH = VALID_HEADER.match

_STREAMS = (Stream.STDOUT, Stream.STDERR)


class Decisions:
    """The decoder's state and the decisions that move it along its buffer.

    In sync, ``_pos`` is where the next header is expected; out of sync
    (resync), ``_pos`` is where scanning for a candidate continues and
    ``_skip_start`` the absolute offset where the current garbage run began.
    ``_buf`` holds the bytes not yet accounted for, ``_base`` the absolute
    offset of its first byte. ``_inside_of``/``_inside_from`` remember an
    undecided search for a chain inside a claim, so it is never repeated.
    """

    _buf: bytes
    _base: int
    _pos: int
    _skip_start: int | None
    _prev_ts: int | None
    _trusted: bool
    _closed: bool
    _inside_of: int
    _inside_from: int

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
                if header_prefix(buf[pos:n]):
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
        near_prev = prev is not None and not far(timestamp_ns, prev)
        # When the claim is judged, the time of its writer: this header's, if plausible.
        claimer_ts = timestamp_ns if prev is None or near_prev else prev
        if end + _HDR <= n:
            if _MATCH(buf, end) is not None:
                successor_ts = _UNPACK(_A2B(buf[end : end + _HDR]))[0]
                if trusted or near_prev or not far(timestamp_ns, successor_ts):
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
                surviving = self._surviving_inside(buf, pos, end, n, final, eager, claimer_ts, expected=True)
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
                    after_tear = self._surviving_inside(
                        buf, pos, end, n, final, eager, claimer_ts, expected=True
                    )
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
                or (final and header_prefix(buf[end:n]))  # before a torn header
            ):
                return self._accept(buf, pos, end, timestamp_ns, bits, append)
            if not final:
                return -(pos + 1)
            return self._reject(buf, pos, end, n, final, eager, append)
        # The claimed payload runs past the end of the input.
        if not (final or eager):
            return -(pos + 1)
        past_end = self._surviving_inside(buf, pos, end, n, final, eager, claimer_ts, expected=True)
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
        claimer_ts: int | None = None, *, expected: bool = False,
    ) -> int | None:
        """:func:`~iolog.core.rules.chain_inside`, resuming where an undecided search stopped."""
        absolute = self._base + pos
        scan = pos + 1
        if self._inside_of == absolute:
            scan = max(scan, self._inside_from - self._base)
        found, stopped = chain_inside(
            buf, pos, end, n, final, eager, claimer_ts, self._prev_ts, scan=scan, expected=expected
        )
        if found is None:
            self._inside_of = absolute
            self._inside_from = self._base + stopped
        return found

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
            ok = candidate(buf, cand, n, final, eager, self._prev_ts)
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
                later = later_inside(buf, cand, n, self._prev_ts)
                if later < 0:
                    self._report_garbage(cand, append)
                    append(Truncated(self._base + cand, n - cand))
                    return -(n + 1)
                return later
            pos = max(cand + 1, end - _HDR + 1)  # a header may straddle its end

    def _report_garbage(self, upto: int, append: Callable[[Event], None]) -> None:
        """At close: report the garbage run that ends at index ``upto``."""
        start = self._skip_start
        assert start is not None
        if self._base + upto > start:
            append(Skipped(start, self._base + upto - start))
        self._skip_start = None
