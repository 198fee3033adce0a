"""Time seeking and following through :class:`iolog.LogFile`, for the workers.

This module owns the viewer's one :class:`~iolog.LogFile` per log file: the
sparse time index is built once (with progress and cancellation) and then
answers every "since" in a few reads, and which lines are open where a scan
from a "since" starts. Calls come from worker threads, one at
a time per file (a lock), never from the UI thread.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Callable, Iterator

from iolog import CheckpointIndex, Entry, Event, LineState, LogFile, SourceStatus

from .timerange import Landing

__all__ = ["Navigator"]


class Navigator:
    """Seek by time, find the first entry there, and follow one log file.

    Args:
        path: the log file.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._logfile: LogFile | None = None

    def _file(self) -> LogFile:
        if self._logfile is None:
            self._logfile = LogFile(self.path)
        return self._logfile

    def seek(
        self,
        since_ns: int,
        *,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> int:
        """The offset of the first entry (in file order) at or after ``since_ns``.

        Builds the index first if needed, reporting ``progress(done, total)``
        and giving up (raising ``iolog`` 's cancellation error) when
        ``should_stop()`` turns true.
        """
        with self._lock:
            logfile = self._file()
            if logfile.index is None:
                logfile.build_index(progress=progress, should_stop=should_stop)
            return logfile.seek_time(since_ns)

    def index(
        self,
        *,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> CheckpointIndex:
        """A snapshot of the complete time index, built (or brought up to date) first.

        The copy's arrays are the caller's to read while the file grows.
        """
        with self._lock:
            built = self._file().build_index(progress=progress, should_stop=should_stop)
            snapshot = CheckpointIndex(built.checkpoint_every_bytes)
            for name in ("offsets", "entry_numbers", "min_ts", "max_ts"):
                setattr(snapshot, name, getattr(built, name)[:])
            for name in ("end_offset", "complete", "entry_count", "stderr_count",
                         "first_ts", "last_ts"):
                setattr(snapshot, name, getattr(built, name))
            return snapshot

    def lines_open_at(self, offset: int) -> tuple[bool, bool]:
        """For stdout and stderr, whether a line begun before ``offset`` is still open there.

        What a scan that starts at ``offset`` (an entry's offset, as
        :meth:`seek` gives) must know to tell a line's first entry from a
        continuation, as one linear decode of the whole file would: a line of
        a stream is open when the last entry of that stream before
        ``offset`` did not end in a newline and no damage came after it. The
        index regions before ``offset`` are decoded backwards, each from its
        checkpoint (so exactly as the linear decoder does), until both
        streams are settled; a region the index shows to hold no entry of an
        unsettled stream and no damage is not read.
        """
        if offset <= 0:
            return False, False
        with self._lock:
            logfile = self._file()
            index = logfile.index or logfile.build_index()
            settled: list[bool | None] = [None, None]
            for start, end, counts in _regions_before(index, offset):
                if counts is not None and not any(
                    settled[stream] is None and counts[stream] for stream in (0, 1)
                ):
                    continue  # no entry of an unsettled stream, no damage: nothing to learn
                closed, opened = LineState((False, False)), LineState((True, True))
                for item in logfile.batches(start, end, previous_ts=index.previous_ts(start)):
                    if isinstance(item, list):
                        for event in item:
                            closed.event(event)
                            opened.event(event)
                    else:
                        streams, lasts = item.streams(), item.last_bytes()
                        closed.starts_in_bulk(streams, lasts)
                        opened.starts_in_bulk(streams, lasts)
                for stream in (0, 1):
                    # What came before the region no longer matters: settled.
                    if settled[stream] is None and closed.open[stream] == opened.open[stream]:
                        settled[stream] = closed.open[stream]
                if None not in settled:
                    break
            return bool(settled[0]), bool(settled[1])

    def first_entry(self, offset: int) -> Entry | None:
        """The first entry at or after ``offset``, or ``None`` at the end."""
        with self._lock:
            for entry in self._file().entries_from(offset):
                return entry
        return None

    def entries_before(
        self, offset: int, *, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """How many entries the file holds before ``offset`` (builds the index)."""
        with self._lock:
            logfile = self._file()
            index = logfile.index or logfile.build_index(progress=progress)
            region = max(0, bisect_right(index.offsets, offset) - 1)
            start = index.offsets[region] if len(index.offsets) else 0
            count = index.entry_numbers[region] if len(index.entry_numbers) else 0
            for _entry in logfile.entries_from(start, offset):
                count += 1
            return count

    def landing(
        self, since_ns: int | None, rows: int, *, progress: Callable[[int, int], None] | None = None
    ) -> Landing:
        """Where ``since_ns`` lands in the whole log (``rows``: the count to give before the index knows)."""
        self.catch_up()
        offset = 0 if since_ns is None else self.seek(since_ns, progress=progress)
        position = self.entries_before(offset, progress=progress)
        total = self.entry_count()
        entry = self.first_entry(offset)
        return Landing(
            position, rows if total is None else total,
            None if entry is None else entry.timestamp_ns, self.time_span(),
        )

    def catch_up(self) -> None:
        """Bring a time index already built up to the file's end (the file grew)."""
        with self._lock:
            logfile = self._logfile
            if logfile is not None and logfile.index is not None:
                logfile.build_index()

    def entry_count(self) -> int | None:
        """Entries in the log when the index has been built, else ``None``."""
        logfile = self._logfile
        index = None if logfile is None else logfile.index
        return None if index is None else index.entry_count

    def time_span(self) -> tuple[int, int] | None:
        """The earliest and latest timestamps in the file, once the index is complete."""
        logfile = self._logfile
        index = None if logfile is None else logfile.index
        if index is None or not index.complete:
            return None
        return index.time_span()

    def follow(self, offset: int) -> Iterator[list[Event | SourceStatus]]:
        """Follow the file from ``offset``: event batches, ``[]`` on idle polls."""
        follower = LogFile(self.path)
        try:
            yield from follower.follow(offset=offset, poll_interval_s=0.05)
        finally:
            follower.close()

    def close(self) -> None:
        """Release the file."""
        with self._lock:
            if self._logfile is not None:
                self._logfile.close()
                self._logfile = None


def _regions_before(
    index: CheckpointIndex, offset: int
) -> Iterator[tuple[int, int, tuple[int, int] | None]]:
    """The index's regions before ``offset``, last first: ``(start, end, counts)``.

    The first one ends at ``offset``. ``counts`` are the region's stdout and
    stderr entries, each made at least 1 when the region holds damage;
    ``None`` where the index does not say (the first and the last regions).
    """
    starts = index.offsets
    number = len(starts)
    open_start = index.region(number - 1)[1] if number else 0
    if offset > open_start:
        yield open_start, offset, None
        end = open_start
        number -= 1
    else:
        number = bisect_right(starts, offset) - 1
        end = offset
    last_closed = len(starts) - 1
    while number >= 0:
        start = starts[number]
        counts = None
        if end != offset and number < last_closed:
            entries = index.entry_numbers[number + 1] - index.entry_numbers[number]
            errors = index.stderr_numbers[number + 1] - index.stderr_numbers[number]
            damaged = int(index.damaged(number))
            counts = (entries - errors + damaged, errors + damaged)
        if start < end:
            yield start, end, counts
        end = start
        number -= 1
