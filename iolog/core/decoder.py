"""The sans-IO incremental decoder: bytes in, entries and garbage reports out.

This module owns the one decoding algorithm that every reader uses (files,
pipes, serial ports, sockets; the fast file walk and its index are tested
equal to it), applying the rules of :mod:`iolog.core.rules`. It does no I/O:
``feed`` buffers bytes and returns the events they complete; ``flush`` lets
a live source show what has arrived; ``close`` says the input ended. Any
split of the same bytes into feeds gives the same events.

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
import copy
import struct
from collections.abc import Callable

from .events import Event, Skipped, Truncated
from .format import ENCODED_HEADER_SIZE, Entry, Stream, trusted_entry
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

__all__ = ["Decoder", "Event", "Skipped", "Truncated"]

_HDR = ENCODED_HEADER_SIZE
_UNPACK = struct.Struct("<qH").unpack
_A2B = binascii.a2b_base64
_MATCH = VALID_HEADER.match

_STREAMS = (Stream.STDOUT, Stream.STDERR)


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
        if data and self._passing_over():
            probe = data if isinstance(data, (bytes, bytearray)) else bytes(data)
            if probe.find(b"=") < 0:
                self._pass(len(probe), bytes(probe[-(_HDR - 1) :]))
                return []
        if data:
            # Always an immutable bytes: slices of it are the payloads, no copy twice.
            self._buf = self._buf + bytes(data) if self._buf else bytes(data)
        return self._run(final=False, eager=False)

    def pass_over(self, count: int, last: bytes) -> bool:
        """Account for ``count`` bytes of garbage without being given them.

        Only a decoder out of sync with no decision pending can do this, and
        only for bytes that hold no ``=`` (so no header ends among them):
        zeros of a hole, noise without ``=``. The result is exactly that of
        ``feed`` of those bytes.

        Args:
            count: how many bytes.
            last: their last ``min(count, 15)`` bytes (a header may start
                there and end in the bytes fed next).

        Returns:
            Whether they were accounted for; if not, feed them instead.
        """
        if count <= 0 or self._closed or not self._passing_over():
            return False
        self._pass(count, last[-(_HDR - 1) :])
        return True

    def _passing_over(self) -> bool:
        """Out of sync, with fewer bytes kept than a header and none of them ``=``."""
        return self._skip_start is not None and len(self._buf) - self._pos < _HDR and b"=" not in self._buf

    def _pass(self, count: int, last: bytes) -> None:
        """What ``_run`` does with ``count`` bytes without ``=`` ending in ``last``: keep 15."""
        end = self._base + len(self._buf) + count
        kept = (self._buf[self._pos :] + last)[-(_HDR - 1) :] if count < _HDR - 1 else last
        self._buf = kept
        self._base = end - len(kept)
        self._pos = 0

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
