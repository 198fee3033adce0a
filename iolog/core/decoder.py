"""The sans-IO incremental decoder: bytes in, entries and garbage reports out.

This module owns the decoder's face, the one decoding algorithm that every
reader uses (files, pipes, serial ports, sockets; the fast file walk and its
index are tested equal to it): ``feed`` buffers bytes and returns the events
they complete; ``flush`` lets a live source show what has arrived (and,
once it has settled, take its end as it is); ``close`` says the input ended;
``pass_over`` accounts for garbage without being given it. It does no I/O,
and any split of the same bytes into feeds gives the same events. What the
buffered bytes are, position by position, is decided in
:mod:`iolog.core.decisions`, by the rules of :mod:`iolog.core.rules`.
"""

from __future__ import annotations

import copy

from .decisions import Decisions
from .events import Event, Skipped, Truncated
from .format import ENCODED_HEADER_SIZE, Entry

__all__ = ["Decoder", "Event", "Skipped", "Truncated"]

_HDR = ENCODED_HEADER_SIZE


class Decoder(Decisions):
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
