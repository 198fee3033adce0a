"""An open log file: exact time windows, seeks, tail, follow, and what its index tells.

This module owns :class:`LogFile`, the seekable-file face of iolog used by
``iolog cat`` and the viewer. It reads with ``os.pread`` by offset and decodes
only through :class:`~iolog.core.decoder.Decoder` and the fast walk that is
tested equal to it (:mod:`iolog.file.walk`).

The exactness rule. Every time query answers exactly what the linear filter
``since_ns <= entry.timestamp_ns < until_ns`` over one linear decode of the
whole file answers, backward clock jumps included. A byte range may be left
unread only when it is *proven* to hold no matching entry, and the only
proof used is a checkpoint region's bounds (see :mod:`iolog.file.index` and
:mod:`iolog.file.windows`). Everything else is decoded, from a checkpoint and
with the time of the entry before it, so the decoder decides exactly as the
linear one does.

Tail and follow never read from the start: :meth:`LogFile.tail` reads
fixed-size blocks backwards (:mod:`iolog.file.tail`); :meth:`LogFile.follow`
polls for growth (:mod:`iolog.sources.follow`). The index's life (cache,
building, saving) is :mod:`iolog.file.fileindex`'s; what it tells a reader,
:mod:`iolog.file.summary` (counts) and :mod:`iolog.file.position` (an
offset's context); reading from any byte offset, :mod:`iolog.file.boundaries`.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Generator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, TypeAlias

from ..core.decoder import Event
from ..core.format import Entry
from ..core.lines import LineState
from .boundaries import is_entry_start, live_end, resync_events
from .fileindex import FileIndex
from .index import DEFAULT_CHECKPOINT_EVERY_BYTES, CheckpointIndex
from .opening import check_log
from .position import entries_before, lines_open_at
from .summary import LogSummary
from .tail import BLOCK_BYTES, TailStart, find_tail, tail_batches, tail_events
from .walk import FastBatch, walk
from .walkhits import LineHits, find_lines
from .walklines import LineRun, line_runs
from .windows import window_events

if TYPE_CHECKING:
    from ..sources.status import SourceStatus

__all__ = ["LogFile"]

_BOTH_STREAMS = frozenset({0, 1})


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
        OSError: the file cannot be opened (missing, permission, a directory,
            not a regular file).
    """

    # What :meth:`summary`, :meth:`line_runs` (per batch) and :meth:`find_lines` (per read) give.
    Summary: TypeAlias = LogSummary
    LineRun: TypeAlias = LineRun
    LineHits: TypeAlias = LineHits

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
        self._file_index = FileIndex(self.path, checkpoint_every_bytes, cache, self._count_read)
        self.bytes_read = 0
        """Bytes read from the file so far (for measurement)."""

    # -- basics --------------------------------------------------------------

    @property
    def size(self) -> int:
        """The file's current size in bytes."""
        return os.fstat(self._fd).st_size

    @property
    def index(self) -> CheckpointIndex | None:
        """The full index, if built for the file's current size."""
        return self._file_index.built(self.size)

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

    @staticmethod
    def check(path: str | os.PathLike[str], *, sniff_bytes: int | None = None) -> int:
        """Check that ``path`` is a log (an entry anywhere in it, or empty); its size.

        A file whose first ``sniff_bytes`` hold no entry but that goes on passes.

        Raises:
            NotAnIologFile: nothing in it decodes as an entry (one line says so).
            SourceError: it cannot be opened or read (``PATH: no such file``...).
        """
        return check_log(path, sniff_bytes=sniff_bytes)

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
        """Build (or finish, or bring up to date) the checkpoint index in one pass.

        Work already done (by a time seek, a cancelled build, or an earlier
        run, from the cache) is resumed; an index of a file that has since
        grown is cut back to what the old end could not have decided and
        built on from there; one of a file that shrank is rebuilt. A large
        file never indexed before is walked in two halves at once, the second
        by a helper process (see :mod:`iolog.file.splitindex`).

        Args:
            progress: called as ``progress(done_bytes, total_bytes)`` every few
                MiB and once at the end (from the calling thread).
            should_stop: polled every few MiB; return true to cancel.

        Returns:
            The complete index (also available as :attr:`index`).

        Raises:
            IologError: ``should_stop`` returned true (an
                ``IndexBuildCancelled``). The partial work is kept; calling
                ``build_index`` again resumes it.
            OSError: reading failed.
        """
        return self._file_index.build(self._fd, self.size, progress, should_stop)

    # -- what the index tells ----------------------------------------------------

    def summary(
        self,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> LogSummary:
        """What the file holds, counted by the index: entries, streams, times, per region.

        Builds the index first, or brings it up to date (as :meth:`build_index`,
        with the same ``progress``, ``should_stop`` and errors).
        """
        return self._file_index.summary(self.build_index(progress=progress, should_stop=should_stop))

    @property
    def built_summary(self) -> LogSummary | None:
        """:meth:`summary` when the index is built for the file's current size, else ``None``.

        Reads nothing.
        """
        index = self.index
        return None if index is None else self._file_index.summary(index)

    def entries_before(self, offset: int, *, progress: Callable[[int, int], None] | None = None) -> int:
        """How many entries the file holds before ``offset``; builds the index (with ``progress``).

        Raises:
            OSError: reading failed.
        """
        return entries_before(self, self.index or self.build_index(progress=progress), offset)

    def lines_open_at(self, offset: int) -> tuple[bool, bool]:
        """For stdout and stderr, whether a line begun before ``offset`` is still open there.

        What a reader that starts at ``offset`` (an entry's offset, as
        :meth:`seek_time` gives) must know to tell a line's first entry from
        a continuation, as one linear decode of the whole file would (see
        :func:`iolog.file.position.lines_open_at`). Builds the index.

        Raises:
            OSError: reading failed.
        """
        return lines_open_at(self, self.index or self.build_index(), offset)

    # -- reading by offset -----------------------------------------------------

    def batches(
        self,
        offset: int = 0,
        end: int | None = None,
        *,
        final: bool = True,
        previous_ts: int | None = None,
        trusted_first: bool = False,
        transient: bool = False,
        buffers: Callable[[int], bytearray] | None = None,
    ) -> Generator[FastBatch | list[Event], None, int]:
        """Events from an in-sync offset, in bulk, without an object per entry.

        Where entries pass the decoder's rules in bulk this yields
        :class:`~iolog.file.walk.FastBatch` es; elsewhere, lists of the
        decoder's events. Together they are exactly the events a decoder
        started at ``offset`` gives.

        Args:
            offset: where to start: 0, a checkpoint, or another offset where
                the decoder is in sync.
            end: yield only events that start before this offset (bytes past
                it are read as far as deciding those needs); default: all.
            final: the current end of the file is the end of the input (an
                incomplete entry there is reported as truncated); when false,
                as for a file still being written, the decoder is only flushed
                there.
            previous_ts: the time of the entry before ``offset``, if known.
            trusted_first: the entry at ``offset`` is one the linear decoder
                accepted.
            transient: the caller is done with each batch when it asks for
                the next item, so the read buffer may be reused (see
                :func:`~iolog.file.walk.walk`).
            buffers: a pool of read buffers, for batches kept past the next read.

        Yields:
            Batches and event lists, in file order.

        Returns:
            Where decoding stopped (see :func:`~iolog.file.walk.walk`).

        Raises:
            OSError: reading failed.
        """
        return (yield from walk(self._fd, offset, self.size, stop=end, final=final,
                                previous_ts=previous_ts, trusted_first=trusted_first,
                                count_read=self._count_read, transient=transient, buffers=buffers))

    def line_runs(
        self, offset: int, state: LineState, *, since_ns: int | None = None, until_ns: int | None = None,
        final: bool = True, trusted_first: bool = False, line_times: bool = False,
    ) -> Generator[LineRun | list[Event], None, int]:
        """Where lines begin from ``offset``, as arrays, as fast as the file is read (a row scan).

        Yields a :class:`LogFile.LineRun` per batch of cleanly chained entries,
        elsewhere the decoder's event lists; returns where decoding stopped.
        ``state`` (which streams have a line open at ``offset``) is updated for
        each run; the caller accounts for the event lists with it. A line is
        kept when its first entry's time is in ``[since_ns, until_ns)``; ``line_times``: each one's time.
        """
        batches = self.batches(offset, final=final, trusted_first=trusted_first, transient=True)
        return line_runs(batches, state, since_ns, until_ns, line_times)

    def find_lines(
        self, offset: int, needle: bytes | None = None, *, exact_case: bool = True, max_bytes: int,
        span_bytes: int, trusted_first: bool = False,
    ) -> Generator[LineHits, None, None]:
        """The lines from ``offset`` whose message may hold ``needle``, as the file is read (a search).

        Yields a :class:`LogFile.LineHits` per read, the last at the end of the
        file with nothing pending. Every line that holds the needle (``None``:
        every line; unless ``exact_case``, a lower-case needle in ASCII-lowered
        bytes), a byte beyond ASCII or an ESC is given, others may be; no line is open
        at ``offset``. A message is kept up to ``max_bytes``; a line's
        continuations are looked for up to ``span_bytes`` past its first entry.
        """
        batches = self.batches(offset, trusted_first=trusted_first, transient=True)
        return find_lines(batches, offset, needle, exact_case=exact_case, max_bytes=max_bytes,
                          span_bytes=span_bytes)

    def events_from(self, offset: int, end: int | None = None) -> Iterator[Event]:
        """Decode events from ``offset``, with absolute offsets.

        Args:
            offset: where to start: an entry's offset (from :meth:`seek_time`,
                :meth:`tail`, an event), decoded as an entry the linear decoder
                accepted; or any byte offset, where the decoder resynchronises
                at the next entry (the partial entry before it is not reported).
            end: stop before the first event starting at or after ``end``.

        Yields:
            Entries, ``Skipped`` and ``Truncated`` events in file order.

        Raises:
            OSError: reading failed.
        """
        if offset < 0:
            raise ValueError(f"offset must be >= 0, got {offset}")
        if is_entry_start(self._pread, offset):
            for item in self.batches(offset, end, trusted_first=offset > 0):
                if isinstance(item, list):
                    yield from item
                else:
                    for number in range(item.accepted):
                        yield item.entry(number)
            return
        yield from resync_events(self._pread, self.size, offset, end)

    def entries_from(self, offset: int, end: int | None = None) -> Iterator[Entry]:
        """Like :meth:`events_from`, entries only."""
        for event in self.events_from(offset, end):
            if isinstance(event, Entry):
                yield event

    # -- time ------------------------------------------------------------------

    def seek_time(self, since_ns: int) -> int:
        """The offset of the first entry, in file order, with ``timestamp_ns >= since_ns``.

        Exact under backward clock jumps (see :mod:`iolog.file.fileindex`). With the
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
        size = self.size
        index, upto = self._file_index.reaching(self._fd, since_ns, size)
        region = index.first_region_reaching(since_ns, upto)
        start = index.region(region)[0] if region is not None else upto
        for item in self.batches(start, previous_ts=index.previous_ts(start)):
            if isinstance(item, list):
                for event in item:
                    if isinstance(event, Entry) and event.timestamp_ns >= since_ns:
                        return event.offset if event.offset is not None else start
                continue
            for number, stamp in enumerate(item.timestamps()):
                if stamp >= since_ns:
                    return item.base + item.starts[number]
        return size

    def events(
        self, *, since_ns: int | None = None, until_ns: int | None = None
    ) -> Iterator[Event]:
        """Events in a time window: exactly the linear filter, only faster.

        Yields the entries with ``since_ns <= timestamp_ns < until_ns`` in file
        order, and the ``Skipped``/``Truncated`` events of the ranges decoded
        (every range holding damage is); ranges proven to hold no matching
        entry are not read.

        Args:
            since_ns: lower bound (inclusive), or ``None``.
            until_ns: upper bound (exclusive), or ``None``.

        Yields:
            Matching entries and the garbage reports of the decoded ranges.

        Raises:
            OSError: reading failed.
        """
        if since_ns is None and until_ns is None:
            yield from self.events_from(0)
            return
        yield from window_events(self, since_ns=since_ns, until_ns=until_ns)

    def entries(
        self, *, since_ns: int | None = None, until_ns: int | None = None
    ) -> Iterator[Entry]:
        """Like :meth:`events`, entries only."""
        for event in self.events(since_ns=since_ns, until_ns=until_ns):
            if isinstance(event, Entry):
                yield event

    # -- tail ------------------------------------------------------------------

    def tail(
        self, n: int, streams: frozenset[int] = _BOTH_STREAMS, *, block_bytes: int = BLOCK_BYTES
    ) -> TailStart:
        """Where the last ``n`` logical lines of ``streams`` start.

        Lines are those of :mod:`iolog.core.lines` over one linear decode of
        the file; stdout and stderr lines count in the order they begin.
        Blocks are read backwards from the end (see :mod:`iolog.file.tail`).

        Args:
            n: how many lines.
            streams: which streams' lines count (0 stdout, 1 stderr).
            block_bytes: bytes per block read.

        Returns:
            The first line's offset (the file size when there is none) and,
            per stream, its first line start from there.

        Raises:
            OSError: reading failed.
        """
        return find_tail(self._fd, self.size, n, streams, block_bytes=block_bytes)

    def tail_events(
        self, n: int, streams: frozenset[int] = _BOTH_STREAMS, *, block_bytes: int = BLOCK_BYTES
    ) -> Iterator[Event]:
        """The entries of the last ``n`` lines of ``streams``, and the damage among them.

        Raises:
            OSError: reading failed.
        """
        return tail_events(self._fd, self.size, n, streams, block_bytes=block_bytes)

    def tail_batches(
        self, n: int, streams: frozenset[int] = _BOTH_STREAMS, *, block_bytes: int = BLOCK_BYTES
    ) -> Iterator[FastBatch | list[Event]]:
        """:meth:`tail_events` in bulk: batches of the fast walk where it finds them.

        Raises:
            OSError: reading failed.
        """
        return tail_batches(self._fd, self.size, n, streams, block_bytes=block_bytes)

    # -- follow ------------------------------------------------------------------

    def live_end(self) -> int:
        """Where new entries will start: the end, or the start of an unfinished last entry."""
        return live_end(self._pread, self.size)

    def follow(
        self, offset: int | None = None, *, poll_interval_s: float = 0.05
    ) -> Iterator[list[Event | SourceStatus]]:
        """Follow the file as it grows, in batches.

        Each iteration yields a list: new events, ``SourceStatus`` reports, or
        ``[]`` after an idle poll (so the caller can stop between polls). When
        no bytes arrive the decoder is flushed, so the newest complete entry
        shows without waiting for its successor. If the file is truncated
        (even when it grew past its old size again between two polls), a
        ``SourceStatus(TRUNCATED)`` is yielded and reading restarts at 0; if
        the path comes to name another file (rotation), the old file is
        drained, a ``SourceStatus(REPLACED)`` is yielded and the new file is
        read from 0; if the path cannot be read for a while (gone, a
        directory, no permission), that is said once and it is waited for.
        Closing the generator closes its file handles.

        Args:
            offset: where to start (default: the end, or the start of an
                unfinished last entry); should be an entry boundary.
            poll_interval_s: sleep between polls when idle.

        Yields:
            Lists of events and status reports.

        Raises:
            OSError: reading failed.
        """
        from ..sources.follow import follow_file  # loaded when following

        start = self.live_end() if offset is None else offset
        in_sync = start >= self.size or is_entry_start(self._pread, start)
        yield from follow_file(
            self.path,
            os.dup(self._fd),
            start,
            in_sync=in_sync,
            poll_interval_s=poll_interval_s,
            count_read=self._count_read,
        )
