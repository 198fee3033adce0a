"""An open log file: exact time windows, tail, follow and the checkpoint index.

This module owns :class:`LogFile`, the seekable-file face of iolog used by
``iolog cat`` and the viewer. It reads with ``os.pread`` by offset and decodes
only with :class:`~iolog.core.decoder.Decoder`.

The exactness rule. Every time query answers exactly what the linear filter
``since_ns <= entry.timestamp_ns < until_ns`` over the entries in file order
answers, backward clock jumps included. A byte range may be left unread only
when it is *proven* to hold no matching entry, and the only proof used is a
checkpoint region's bounds (``max_ts < since_ns`` or ``min_ts >= until_ns``,
see :mod:`iolog.file.index`). Everything else is decoded.

Why time seeks walk the headers instead of bisecting. Bisection on byte
offsets finds *a* place where timestamps cross ``since_ns``, but nothing read
at a few probes says anything about the bytes between them: one entry
written before an NTP correction can carry a later time than everything
after it, and the linear filter keeps it. So without an index the exact
answer needs every header before it. :meth:`LogFile.seek_time` therefore
walks headers from the start, building checkpoints as it goes (the index
pass, several hundred MB/s, payloads are never decoded), and stops at the
end of the first region that reaches ``since_ns``; the partial index is kept,
so later queries and :meth:`LogFile.build_index` resume instead of starting
over. With a built index a seek reads one region (64 KiB by default).
:meth:`LogFile.locate_time` is the O(log n) bisection, exact only for
non-decreasing timestamps, for a viewer that wants to jump somewhere at once.

Tail and follow never read from the start: :meth:`LogFile.tail` decodes
growing blocks backwards from the end, resynchronising at each block start;
:meth:`LogFile.follow` polls for growth, flushes the decoder when idle so the
newest entry shows at once, and reports truncation and replacement.
"""

from __future__ import annotations

import binascii
import errno
import os
import stat
from collections.abc import Callable, Generator, Iterator
from types import TracebackType

from ..core.decoder import Decoder, Event, Skipped, Truncated
from ..core.format import ENCODED_HEADER_SIZE, HEADER_PATTERN, MAX_ENTRY_SIZE, Entry
from ..sources.follow import follow_file
from ..sources.status import SourceStatus
from .index import (
    DEFAULT_CHECKPOINT_EVERY_BYTES,
    EOF_HORIZON_BYTES,
    CheckpointIndex,
    extend_index,
)
from .indexcache import load_index, save_index
from .splitindex import build_in_two
from .walk import FastBatch, walk

__all__ = ["LogFile"]

_HDR = ENCODED_HEADER_SIZE
_FIRST_READ_BYTES = 64 << 10  # first read of a range; then doubling
_MAX_READ_BYTES = 1 << 20
_TAIL_BLOCK_BYTES = 64 << 10
_FOLLOW_READ_BYTES = 1 << 20
_PROBE_BYTES = 2 * (_HDR + MAX_ENTRY_SIZE) + _HDR


class LogFile:
    """A log file opened for time navigation, tail and follow.

    Opening is O(1): nothing is read until asked. The file is read through
    one descriptor, so a ``LogFile`` keeps answering about the file it
    opened even if the path is renamed (``follow`` watches the path).

    Args:
        path: the log file.
        checkpoint_every_bytes: distance between index checkpoints.
        cache: load and save the index in the user's cache (see
            :mod:`iolog.file.indexcache`), so a log is walked once, not per query.

    Raises:
        OSError: the file cannot be opened (missing, permission, a directory).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        checkpoint_every_bytes: int = DEFAULT_CHECKPOINT_EVERY_BYTES,
        cache: bool = True,
    ) -> None:
        self.path: str = os.fspath(path)
        self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            if not stat.S_ISREG(os.fstat(self._fd).st_mode):
                raise OSError(errno.EINVAL, "not a regular file (use a stream source)", self.path)
        except BaseException:
            os.close(self._fd)
            raise
        self._every = checkpoint_every_bytes
        self._index = CheckpointIndex(checkpoint_every_bytes)
        self._cache = cache
        self._cache_loaded = not cache
        self._saved_end = 0
        self.bytes_read = 0
        """Bytes read from the file so far (for measurement)."""

    # -- basics --------------------------------------------------------------

    @property
    def size(self) -> int:
        """The file's current size in bytes."""
        return os.fstat(self._fd).st_size

    @property
    def index(self) -> CheckpointIndex | None:
        """The full index, if built (by :meth:`build_index` or a seek that reached the end)."""
        return self._index if self._index.complete else None

    def close(self) -> None:
        """Close the file. Generators already running keep their own handles."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> LogFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LogFile({self.path!r})"

    def _pread(self, length: int, offset: int) -> bytes:
        data = os.pread(self._fd, length, offset)
        self.bytes_read += len(data)
        return data

    def _count_read(self, length: int) -> None:
        self.bytes_read += length

    # -- the index -------------------------------------------------------------

    def build_index(
        self,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> CheckpointIndex:
        """Build (or finish) the checkpoint index in one streaming pass.

        Work already done by a time seek or a cancelled build is resumed. An
        index of a file that has since changed size is rebuilt. A large file
        never indexed before is walked in two halves at once, the second by a
        helper process (see :mod:`iolog.file.splitindex`); cancelling that throws
        its work away.

        Args:
            progress: called as ``progress(done_bytes, total_bytes)`` every few
                MiB and once at the end (from the calling thread).
            should_stop: polled every few MiB; return true to cancel.

        Returns:
            The complete index (also available as :attr:`index`).

        Raises:
            IndexBuildCancelled: ``should_stop`` returned true. The partial work
                is kept; calling ``build_index`` again resumes it.
            OSError: reading failed.
        """
        size = self.size
        self._load_cached_index()
        self._fresh_index(size, keep_complete=False)
        if not self._index.complete and not self._index.end_offset:
            whole = build_in_two(
                self.path,
                self._fd,
                size,
                checkpoint_every_bytes=self._every,
                progress=progress,
                should_stop=should_stop,
                count_read=self._count_read,
            )
            if whole is not None:
                self._index = whole
                self._save_index()
        if not self._index.complete:
            try:
                extend_index(
                    self._index,
                    self._fd,
                    size,
                    progress=progress,
                    should_stop=should_stop,
                    count_read=self._count_read,
                )
            finally:
                self._save_index()
        return self._index

    def _load_cached_index(self) -> None:
        """Start from the cached index of this file, once, if it still applies."""
        if self._cache_loaded:
            return
        self._cache_loaded = True
        if self._index.end_offset or self._index.complete:
            return
        cached = load_index(self.path, self._fd)
        if cached is not None and cached.checkpoint_every_bytes == self._every:
            self._index = cached
            self._saved_end = cached.end_offset

    def _save_index(self) -> None:
        """Save the index to the cache if it covers more than what was saved."""
        if self._cache and self._index.end_offset > self._saved_end:
            if save_index(self._index, self.path, self._fd):
                self._saved_end = self._index.end_offset

    def _fresh_index(self, size: int, *, keep_complete: bool) -> None:
        """Drop index work that no longer applies to a file now ``size`` long.

        A file that shrank invalidates everything. After growth, a complete
        index stays usable for queries up to its trusted end (when
        ``keep_complete``); a partial one is kept when it stopped far enough
        from the old end that the end could not have mattered.
        """
        index = self._index
        if index.built_for_size == size or (index.end_offset == 0 and not index.complete):
            return
        if size > index.built_for_size and (
            (index.complete and keep_complete)
            or (not index.complete and index.end_offset + EOF_HORIZON_BYTES <= index.built_for_size)
        ):
            return
        self._index = CheckpointIndex(self._every)

    def _index_reaching(self, since_ns: int) -> tuple[CheckpointIndex, int]:
        """An index whose trusted part holds the first region reaching ``since_ns``.

        Returns:
            ``(index, upto)``: regions ending at or before ``upto`` are trusted;
            bytes from ``upto`` on must be decoded.
        """
        size = self.size
        self._load_cached_index()
        self._fresh_index(size, keep_complete=True)
        index = self._index
        upto = index.trusted_end(size)
        if not index.complete and index.first_region_reaching(since_ns, upto) is None:
            try:
                extend_index(
                    index, self._fd, size, stop_since_ns=since_ns, count_read=self._count_read
                )
            finally:
                self._save_index()
            upto = index.trusted_end(size)
        return index, upto

    # -- reading by offset -----------------------------------------------------

    def _events_at(
        self, offset: int, end: int | None, *, in_sync: bool
    ) -> Iterator[Event]:
        """Decode from ``offset``; yield events starting before ``end``."""
        decoder = Decoder(offset=offset, resync=not in_sync)
        read_at = offset
        length = _FIRST_READ_BYTES
        while True:
            chunk = self._pread(length, read_at)
            length = min(length * 2, _MAX_READ_BYTES)
            events = decoder.feed(chunk) if chunk else decoder.close()
            read_at += len(chunk)
            for event in events:
                if end is not None and (event.offset or 0) >= end:
                    return
                yield event
            if not chunk or (end is not None and decoder.offset >= end):
                return

    def _is_boundary(self, offset: int) -> bool:
        """Does an entry plausibly start at ``offset`` (its successor checks too)?"""
        if offset <= 0:
            return True
        data = self._pread(_PROBE_BYTES, offset)
        if not data:
            return True  # at or past the end: nothing to misread
        if HEADER_PATTERN.match(data) is None:
            return False
        bits = int.from_bytes(binascii.a2b_base64(data[:_HDR])[8:10], "little")
        end = _HDR + (bits >> 4)
        return end == len(data) or (
            len(data) >= end + _HDR and HEADER_PATTERN.match(data, end) is not None
        )

    def events_from(self, offset: int, end: int | None = None) -> Iterator[Event]:
        """Decode events from ``offset``, with absolute offsets.

        If ``offset`` is not an entry boundary the decoder resynchronises at
        the next real header; the partial entry before it is not reported.

        Args:
            offset: where to start (an offset from :meth:`seek_time`,
                :meth:`tail`, an entry's ``offset``, or any byte offset).
            end: stop before the first event starting at or after ``end``.

        Yields:
            Entries, ``Skipped`` and ``Truncated`` events in file order.

        Raises:
            OSError: reading failed.
        """
        if offset < 0:
            raise ValueError(f"offset must be >= 0, got {offset}")
        in_sync = self._is_boundary(offset)
        events = self._events_at(offset, end, in_sync=in_sync)
        if in_sync:
            yield from events
            return
        for event in events:
            if isinstance(event, Skipped) and event.offset == offset:
                continue  # the tail of the entry we started inside
            yield event
            break
        yield from events

    def batches(
        self, offset: int = 0, end: int | None = None, *, final: bool = True
    ) -> Generator[FastBatch | list[Event], None, int]:
        """Events from an entry boundary, in bulk, without an object per entry.

        Where headers chain cleanly this yields :class:`~iolog.file.index.FastBatch`
        es (offsets and raw headers of many entries at once); elsewhere, lists
        of the decoder's events. Together they are exactly what
        ``events_from(offset)`` yields, several times faster to consume.

        Args:
            offset: where to start: 0, or an offset where the decoder is in
                sync (an entry's offset, :meth:`seek_time`, :meth:`tail`).
            end: stop reading there (default: the current size).
            final: ``end`` is the end of the input (an incomplete entry there is
                reported as truncated); when false, as for a file still being
                written, the decoder is only flushed there.

        Yields:
            Batches and event lists, in file order.

        Returns:
            Where decoding stopped: ``end``, or with ``final=False`` where a
            follower resumes.

        Raises:
            OSError: reading failed.
        """
        size = self.size if end is None else end
        return (yield from walk(self._fd, offset, size, final=final, count_read=self._count_read))

    def entries_from(self, offset: int, end: int | None = None) -> Iterator[Entry]:
        """Like :meth:`events_from`, entries only."""
        for event in self.events_from(offset, end):
            if isinstance(event, Entry):
                yield event

    # -- time ------------------------------------------------------------------

    def seek_time(self, since_ns: int) -> int:
        """The offset of the first entry, in file order, with ``timestamp_ns >= since_ns``.

        Exact under backward clock jumps (see the module docstring). With the
        index built this reads one region; without it, it walks headers from
        the start up to the end of the first region reaching ``since_ns`` and
        keeps what it learned.

        Args:
            since_ns: unix nanoseconds.

        Returns:
            The entry's offset, or the file size if no entry qualifies.

        Raises:
            OSError: reading failed.
        """
        index, upto = self._index_reaching(since_ns)
        region = index.first_region_reaching(since_ns, upto)
        start = index.region(region)[0] if region is not None else upto
        for event in self._events_at(start, None, in_sync=True):
            if isinstance(event, Entry) and event.timestamp_ns >= since_ns:
                return event.offset if event.offset is not None else start
        return self.size

    def events(
        self, *, since_ns: int | None = None, until_ns: int | None = None
    ) -> Iterator[Event]:
        """Events in a time window: exactly the linear filter, only faster.

        Yields the entries with ``since_ns <= timestamp_ns < until_ns`` in file
        order, and the ``Skipped``/``Truncated`` events of the ranges decoded;
        ranges proven to hold no matching entry are not read.

        Args:
            since_ns: lower bound (inclusive), or ``None``.
            until_ns: upper bound (exclusive), or ``None``.

        Yields:
            Matching entries and the garbage reports of the decoded ranges.

        Raises:
            OSError: reading failed.
        """
        if since_ns is None and until_ns is None:
            yield from self._events_at(0, None, in_sync=True)
            return
        ranges: list[tuple[int, int | None]]
        # Walking the remaining headers (the index pass) is several times
        # faster than decoding them, and the complete index then proves most
        # regions irrelevant: so a window query completes the index first.
        index = self.build_index()
        upto = index.trusted_end(self.size)
        ranges = list(index.candidate_ranges(since_ns, until_ns, upto)) if upto else []
        ranges.append((upto, None))
        low = since_ns
        high = until_ns
        for start, end in ranges:
            for event in self._events_at(start, end, in_sync=True):
                if isinstance(event, Entry):
                    timestamp = event.timestamp_ns
                    if (low is not None and timestamp < low) or (
                        high is not None and timestamp >= high
                    ):
                        continue
                yield event

    def entries(
        self, *, since_ns: int | None = None, until_ns: int | None = None
    ) -> Iterator[Entry]:
        """Like :meth:`events`, entries only."""
        for event in self.events(since_ns=since_ns, until_ns=until_ns):
            if isinstance(event, Entry):
                yield event

    # -- tail ------------------------------------------------------------------

    def tail(self, n: int) -> int:
        """The offset of the first entry of the last ``n`` logical lines.

        A logical line is a run of entries of one stream up to one ending in
        ``\\n`` (a last line may be unfinished); stdout and stderr lines
        interleave and are counted together in file order, each where its
        first entry starts. Blocks are decoded backwards from the end, each
        resynchronised at its start, until the answer cannot depend on what
        lies before the block; the file is never read from the start unless
        it holds fewer than about ``n`` lines.

        Args:
            n: how many lines.

        Returns:
            The offset to decode from, or the file size when ``n <= 0`` or there
            is no entry.

        Raises:
            OSError: reading failed.
        """
        size = self.size
        if n <= 0:
            return size
        block = max(_TAIL_BLOCK_BYTES, n * 256)
        while True:
            start = max(0, size - block)
            decoder = Decoder(offset=start, resync=start > 0)
            data = self._pread(size - start, start)
            events = decoder.feed(data) + decoder.close()
            line_starts: list[int] = []  # confirmed, in file order
            undecided = -1  # the latest first-entry-of-a-stream whose line may start earlier
            ended: list[bool | None] = [None, None]
            for event in events:
                if not isinstance(event, Entry) or event.offset is None:
                    continue
                stream = int(event.stream)
                previous = ended[stream]
                if previous or (previous is None and start == 0):
                    line_starts.append(event.offset)
                elif previous is None:
                    undecided = event.offset
                ended[stream] = event.message.endswith(b"\n")
            later = [offset for offset in line_starts if offset > undecided]
            if len(later) >= n:
                return later[-n]
            if start == 0:
                return line_starts[-n] if len(line_starts) >= n else (
                    line_starts[0] if line_starts else size
                )
            block *= 4

    # -- seeking without the index -----------------------------------------------

    def locate_time(self, since_ns: int) -> int:
        """Bisect byte offsets for the first entry at or after ``since_ns``.

        Reads O(log size) small probes, resynchronising at each. The answer
        is exact only when timestamps never decrease; with clock jumps it is a
        plausible place, not the linear filter's answer. Use :meth:`seek_time`
        for exact results.

        Args:
            since_ns: unix nanoseconds.

        Returns:
            An entry offset, or the file size.

        Raises:
            OSError: reading failed.
        """
        low, high = 0, self.size  # answer in [low, high]; entries before low are older
        while high - low > _PROBE_BYTES:
            middle = (low + high) // 2
            probe = self._first_entry_at_or_after(middle, high)
            if probe is None:
                high = middle
            elif probe.timestamp_ns >= since_ns:
                high = probe.offset if probe.offset is not None else middle
            else:
                low = probe.end_offset or middle + 1
        for event in self._events_at(low, None, in_sync=low == 0 or self._is_boundary(low)):
            if isinstance(event, Entry) and event.timestamp_ns >= since_ns:
                return event.offset if event.offset is not None else low
            if (event.offset or 0) >= high:
                break
        return high if high < self.size else self.size

    def _first_entry_at_or_after(self, offset: int, limit: int) -> Entry | None:
        """The first entry found by resynchronising at ``offset``, before ``limit``."""
        for event in self._events_at(offset, limit, in_sync=False):
            if isinstance(event, Entry):
                return event
        return None

    # -- follow ------------------------------------------------------------------

    def _live_end(self) -> int:
        """Where new entries will start: the end, or the start of an unfinished entry."""
        size = self.size
        start = max(0, size - _TAIL_BLOCK_BYTES)
        decoder = Decoder(offset=start, resync=start > 0)
        events = decoder.feed(self._pread(size - start, start)) + decoder.close()
        for event in reversed(events):
            if isinstance(event, Truncated):
                return event.offset
            break
        return size

    def follow(
        self, offset: int | None = None, *, poll_interval_s: float = 0.05
    ) -> Iterator[list[Event | SourceStatus]]:
        """Follow the file as it grows, in batches.

        Each iteration yields a list: new events, ``SourceStatus`` reports, or
        ``[]`` after an idle poll (so the caller can stop between polls). When
        no bytes arrive the decoder is flushed, so the newest complete entry
        shows without waiting for its successor; an unfinished entry is
        completed when its bytes arrive. If the file shrinks, a
        ``SourceStatus(TRUNCATED)`` is yielded and reading restarts at 0; if
        the path comes to name another file (rotation), the old file is
        drained, a ``SourceStatus(REPLACED)`` is yielded and the new file is
        read from 0. Closing the generator closes its file handles.

        Args:
            offset: where to start (default: the end, or the start of an
                unfinished last entry); should be an entry boundary.
            poll_interval_s: sleep between polls when idle.

        Yields:
            Lists of events and status reports.

        Raises:
            OSError: reading failed.
        """
        start = self._live_end() if offset is None else offset
        in_sync = start >= self.size or self._is_boundary(start)
        yield from follow_file(
            self.path,
            os.dup(self._fd),
            start,
            in_sync=in_sync,
            poll_interval_s=poll_interval_s,
            count_read=self._count_read,
        )
