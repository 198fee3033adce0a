"""Building the checkpoint index: one pass of the fast walk over an open file.

This module owns the pass that builds (or extends) a
:class:`~iolog.file.index.CheckpointIndex`: :func:`iolog.file.walk.walk`
applies the decoder's own rules without an object per entry and hands
garbage, torn entries and the end of the file to a real ``Decoder``, so the
index always agrees with the decoder; the pass reports progress every few
MiB, can be cancelled there (keeping what it built), and can stop at the
first region that reaches a time (what a time seek needs).
:mod:`iolog.file.splitindex` runs it over two halves of a large file at once.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.errors import IndexBuildCancelled
from .index import CheckpointIndex
from .walk import walk

__all__ = ["extend_index"]

_PROGRESS_EVERY_BYTES = 4 << 20


def extend_index(
    index: CheckpointIndex,
    fd: int,
    size: int,
    *,
    stop_since_ns: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    count_read: Callable[[int], None] | None = None,
    trusted_first: bool = False,
) -> None:
    """Continue building ``index`` over the file open as ``fd``, up to ``size``.

    The pass starts at ``index.end_offset`` (a region boundary, in sync) and
    runs to ``size``, treated as the end of the file; then the index is
    ``complete``. With ``stop_since_ns`` it stops earlier, right after closing
    the first region whose maximum timestamp is ``>= stop_since_ns``, leaving a
    partial index whose ``end_offset`` is that region's end.

    Args:
        index: the index to extend; must not be ``complete``.
        fd: a file descriptor open for reading (read with ``os.pread``).
        size: the file size to index up to.
        stop_since_ns: stop at the first region reaching this time.
        progress: called as ``progress(done_bytes, size)`` every few MiB.
        should_stop: polled every few MiB; when it returns true the pass stops
            at an in-sync offset (the partial index is kept) and raises.
        count_read: called with the length of each read (for accounting).
        trusted_first: the entry at ``index.end_offset`` is known to be one
            the linear decoder accepts, though the time before it is not known
            (a helper indexing the second half of a file).

    Raises:
        IndexBuildCancelled: ``should_stop`` returned true.
        ValueError: the index is already complete.
        OSError: reading failed.
    """
    if index.complete:
        raise ValueError("the index is already complete")
    index.built_for_size = size
    if should_stop is not None and should_stop():
        raise IndexBuildCancelled(f"index build cancelled at offset {index.end_offset}")
    next_check = index.end_offset + _PROGRESS_EVERY_BYTES
    # The index keeps nothing of a batch but its counts: one read buffer serves every read.
    walker = walk(fd, index.end_offset, size, previous_ts=index.last_ts, trusted_first=trusted_first,
                  count_read=count_read, transient=True)
    for item in walker:
        if not index.account(item, stop_since_ns):
            return
        if index.end_offset >= next_check:
            next_check = index.end_offset + _PROGRESS_EVERY_BYTES
            if progress is not None:
                progress(index.end_offset, size)
            if should_stop is not None and should_stop():
                raise IndexBuildCancelled(f"index build cancelled at offset {index.end_offset}")
    index.finish(size)
    if progress is not None:
        progress(size, size)
