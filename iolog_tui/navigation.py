"""Time seeking and following through :class:`iolog.LogFile`, for the workers.

This module owns the viewer's one :class:`~iolog.LogFile` per log file: the
sparse time index is built once (with progress and cancellation) and then
answers every "since" in a few reads. Calls come from worker threads, one at
a time per file (a lock), never from the UI thread.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Callable, Iterator

from iolog import CheckpointIndex, Entry, Event, LogFile, SourceStatus

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
