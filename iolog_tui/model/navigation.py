"""Time seeking and following through :class:`iolog.LogFile`, for the workers.

This module owns the viewer's one :class:`~iolog.LogFile` per log file: the
sparse time index is built once (with progress and cancellation) and then
answers every "since" in a few reads, and which lines are open where a scan
from a "since" starts. Calls come from worker threads, one at
a time per file (a lock), never from the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from iolog import Entry, LogFile, Skipped, SourceStatus, Truncated

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
    ) -> LogFile.Summary:
        """What the complete time index counts, built (or brought up to date) first.

        The summary is a copy: the caller reads it while the file grows.
        """
        with self._lock:
            return self._file().summary(progress=progress, should_stop=should_stop)

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
        with self._lock:
            return self._file().lines_open_at(offset)

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
            return self._file().entries_before(offset, progress=progress)

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
        summary = None if logfile is None else logfile.built_summary
        return None if summary is None else summary.entries

    def time_span(self) -> tuple[int, int] | None:
        """The earliest and latest timestamps in the file, once the index is complete."""
        logfile = self._logfile
        summary = None if logfile is None else logfile.built_summary
        return None if summary is None else summary.time_span

    def follow(self, offset: int) -> Iterator[list[Entry | Skipped | Truncated | SourceStatus]]:
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

