"""The index of one open log file through its life: loaded, cut back, built, saved.

This module owns :class:`FileIndex`, which keeps the checkpoint index
(:mod:`iolog.file.index`) of the file a :class:`~iolog.file.logfile.LogFile`
has open: loaded from the user's cache once (:mod:`iolog.file.indexcache`),
cut back to what still describes the file after it grew or shrank, built
or extended (:mod:`iolog.file.indexbuild`; a large file never indexed
before in two halves at once, :mod:`iolog.file.splitindex`), extended only
as far as a time seek needs, saved when it covers more than was saved, and
summarised for readers (:class:`~iolog.file.summary.LogSummary`) once per
change.

Why a time seek walks the headers instead of bisecting. Bisection on byte
offsets finds *a* place where timestamps cross ``since_ns``, but nothing read
at a few probes says anything about the bytes between them: one entry
written before an NTP correction can carry a later time than everything
after it, and the linear filter keeps it. So without an index the exact
answer needs every header before it. :meth:`~iolog.file.logfile.LogFile.seek_time` therefore
walks headers from the start, building checkpoints as it goes, and stops at
the end of the first region that reaches ``since_ns``; the partial index is
kept, so later queries resume instead of starting over. With a built index a
seek reads one region (64 KiB by default). There is no bisection by time
without the index: it would be exact only while timestamps never decrease.
"""

from __future__ import annotations

from collections.abc import Callable

from .index import CheckpointIndex
from .indexbuild import extend_index
from .summary import LogSummary, summarize

__all__ = ["FileIndex"]


class FileIndex:
    """The index of one log file; each call that reads is given the file open as ``fd``.

    Args:
        path: the file's path (the cache's key, and a helper process's input).
        checkpoint_every_bytes: distance between checkpoints.
        cache: load and save the index in the user's cache.
        count_read: called with the length of each read (for accounting).
    """

    def __init__(
        self, path: str, checkpoint_every_bytes: int, cache: bool, count_read: Callable[[int], None]
    ) -> None:
        self._path = path
        self._every = checkpoint_every_bytes
        self._count_read = count_read
        self._index = CheckpointIndex(checkpoint_every_bytes)
        self._cache = cache
        self._cache_loaded = not cache
        self._saved_end = 0
        self._summary: tuple[tuple[int, ...], LogSummary] | None = None

    @property
    def index(self) -> CheckpointIndex:
        """The index as it stands: partial (after a time seek, a cancelled build) or complete."""
        return self._index

    def built(self, size: int) -> CheckpointIndex | None:
        """The full index, if built for a file of ``size`` bytes."""
        index = self._index
        return index if index.complete and index.built_for_size == size else None

    def build(
        self,
        fd: int,
        size: int,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> CheckpointIndex:
        """Build, finish or bring up to date the index of a file now ``size`` long.

        Raises:
            IndexBuildCancelled: ``should_stop`` returned true (the partial work is kept).
            OSError: reading failed.
        """
        index = self.current(fd, size)
        if not index.complete and not index.end_offset:
            from .splitindex import build_in_two  # threads or a helper process: loaded when needed

            whole = build_in_two(
                self._path,
                fd,
                size,
                checkpoint_every_bytes=self._every,
                progress=progress,
                should_stop=should_stop,
                count_read=self._count_read,
            )
            if whole is not None:
                self._index = index = whole
                self._save(fd)
        if not index.complete:
            try:
                extend_index(
                    index,
                    fd,
                    size,
                    progress=progress,
                    should_stop=should_stop,
                    count_read=self._count_read,
                )
            finally:
                self._save(fd)
        return index

    def reaching(self, fd: int, since_ns: int, size: int) -> tuple[CheckpointIndex, int]:
        """The index, extended if needed up to the first region reaching ``since_ns``.

        Returns:
            The index and the offset up to which its regions describe the
            file (see :meth:`~iolog.file.index.CheckpointIndex.trusted_end`).
        """
        index = self.current(fd, size)
        upto = index.trusted_end(size)
        if not index.complete and index.first_region_reaching(since_ns, upto) is None:
            try:
                extend_index(index, fd, size, stop_since_ns=since_ns, count_read=self._count_read)
            finally:
                self._save(fd)
            upto = index.trusted_end(size)
        return index, upto

    def current(self, fd: int, size: int) -> CheckpointIndex:
        """The index, loaded from the cache once, cut back to what still describes the file."""
        if not self._cache_loaded:
            self._cache_loaded = True
            if not self._index.end_offset and not self._index.complete:
                from .indexcache import load_index

                cached = load_index(self._path, fd)
                if cached is not None and cached.checkpoint_every_bytes == self._every:
                    self._index = cached
                    self._saved_end = cached.end_offset if cached.built_for_size == size else 0
        self._index.rewind(size)
        return self._index

    def summary(self, index: CheckpointIndex) -> LogSummary:
        """The summary of ``index`` (complete), made again only when the index has changed."""
        key = (id(index), index.end_offset, index.entry_count, index.damage_count, len(index.offsets))
        if self._summary is None or self._summary[0] != key:
            self._summary = key, summarize(index)
        return self._summary[1]

    def _save(self, fd: int) -> None:
        """Save the index to the cache if it covers more than what was saved."""
        if self._cache and self._index.end_offset > self._saved_end:
            from .indexcache import save_index

            if save_index(self._index, self._path, fd):
                self._saved_end = self._index.end_offset
