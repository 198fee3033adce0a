"""Building a large file's index in two halves at once, on two cores.

This module owns the parallel index build. The header walk is bound by one
core's speed, so for a large file a helper indexes the second half while
this thread indexes the first; the two indexes are then joined. With the C
speed-up (:mod:`iolog._native`) the walk releases the GIL, so the helper is
a thread; in pure Python it is a process (started for files of
:data:`PARALLEL_MIN_BYTES` or more, as it costs about 0.1 s).

Why the join is exact. The helper starts at ``split``, the first real header
at or after the middle (found by the decoder's resync). The first half is
walked up to ``split`` as a file still being written (``final=False``): if
the linear decoder is in sync at ``split`` (it is, unless garbage or a torn
entry sits right there), that walk ends exactly at ``split`` having reported
no damage near it, and from ``split`` on a decoder started in sync produces
exactly the events the linear one does. If the first half does not end
cleanly at ``split``, the helper's work is thrown away and this process goes
on alone: the result is always the single-pass index.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable

from .. import _native
from ..core.decoder import Decoder, Skipped, Truncated
from ..core.errors import IndexBuildCancelled
from ..core.format import Entry
from .index import EOF_HORIZON_BYTES, CheckpointIndex
from .indexbuild import extend_index
from .walk import LOOKAHEAD_BYTES, walk

__all__ = ["PARALLEL_MIN_BYTES", "build_in_two"]

#: Files smaller than this are indexed in one pass (a helper process costs ~0.1 s).
PARALLEL_MIN_BYTES = 128 << 20
#: The same with the C walk, whose helper is a thread.
PARALLEL_THREAD_MIN_BYTES = 16 << 20
_SYNC_SEARCH_BYTES = 1 << 20
_SYNC_FEED_BYTES = 64 << 10
#: No damage may end this close to the split (the decoder's lookahead).
_CLEAN_MARGIN_BYTES = EOF_HORIZON_BYTES
_PROGRESS_EVERY_BYTES = 4 << 20

_CHILD = (
    "import sys\n"
    "from iolog.file.splitindex import _index_second_half\n"
    "_index_second_half()\n"
)


def _sync_point(fd: int, middle: int, size: int) -> int | None:
    """The first real header at or after ``middle``, or None within 1 MiB."""
    decoder = Decoder(offset=middle, resync=True)
    at = middle
    while at < min(size, middle + _SYNC_SEARCH_BYTES):
        data = os.pread(fd, min(_SYNC_FEED_BYTES, size - at), at)
        if not data:
            break
        at += len(data)
        for event in decoder.feed(data):
            if isinstance(event, Entry) and event.offset is not None:
                return event.offset
    return None


def build_in_two(
    path: str,
    fd: int,
    size: int,
    *,
    checkpoint_every_bytes: int,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    count_read: Callable[[int], None] | None = None,
) -> CheckpointIndex | None:
    """Index the file open as ``fd``, its second half in a helper process.

    Args:
        path: the file's path, for the helper to open.
        fd: the file, open for reading.
        size: index up to here.
        checkpoint_every_bytes: distance between checkpoints.
        progress: called as ``progress(done_bytes, size)`` now and then.
        should_stop: polled now and then; true cancels (the helper is stopped).
        count_read: called with the length of each read done here.

    Returns:
        The complete index, or None if the file is too small, or not fit for
        two halves (damage at the middle, no helper process): index it in one
        pass then.

    Raises:
        IndexBuildCancelled: ``should_stop`` returned true.
        OSError: reading failed.
    """
    threaded = _native.speedups is not None
    if size < (PARALLEL_THREAD_MIN_BYTES if threaded else PARALLEL_MIN_BYTES) or not (
        threaded or sys.executable
    ):
        return None
    split = _sync_point(fd, size // 2, size)
    if split is None:
        return None
    if threaded:
        return _build_with_thread(fd, split, size, checkpoint_every_bytes, progress, should_stop, count_read)
    info = os.fstat(fd)
    try:
        helper = subprocess.Popen(
            [sys.executable, "-c", _CHILD, path, str(split), str(size),
             str(checkpoint_every_bytes), f"{info.st_dev}:{info.st_ino}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
    except OSError:
        return None
    try:
        first = _first_half(
            checkpoint_every_bytes, fd, split, size, progress, should_stop, count_read
        )
        if first is None:
            return None
        assert helper.stdout is not None
        payload = helper.stdout.read()
        if helper.wait() != 0 or not payload:
            return None
        second = pickle.loads(payload)
        if not isinstance(second, CheckpointIndex):
            return None
    finally:
        if helper.poll() is None:
            helper.kill()
            helper.wait()
    if not _accepts_at(fd, split, first.last_ts):
        return None  # the helper took the entry at the split as accepted; it is not
    _join(first, second, size)
    if count_read is not None:
        count_read(size - split)
    if progress is not None:
        progress(size, size)
    return first


def _build_with_thread(
    fd: int,
    split: int,
    size: int,
    checkpoint_every_bytes: int,
    progress: Callable[[int, int], None] | None,
    should_stop: Callable[[], bool] | None,
    count_read: Callable[[int], None] | None,
) -> CheckpointIndex | None:
    """:func:`build_in_two` with the second half indexed by a thread (the C walk frees the GIL)."""
    stop = threading.Event()
    done: list[CheckpointIndex] = []

    def index_second_half() -> None:
        try:
            done.append(_second_half(fd, split, size, checkpoint_every_bytes, stop.is_set))
        except (IndexBuildCancelled, OSError):
            pass  # cancelled with the first half, or unreadable: one pass decides

    helper = threading.Thread(target=index_second_half, name="iolog-index-second-half", daemon=True)
    helper.start()
    first: CheckpointIndex | None = None
    try:
        first = _first_half(checkpoint_every_bytes, fd, split, size, progress, should_stop, count_read)
    finally:
        if first is None:
            stop.set()  # cancelled, failed, or not fit for two halves: the helper's work is not needed
        helper.join()
    if first is None or not done or not _accepts_at(fd, split, first.last_ts):
        return None
    _join(first, done[0], size)
    if count_read is not None:
        count_read(size - split)
    if progress is not None:
        progress(size, size)
    return first


def _second_half(
    fd: int, split: int, size: int, every: int, should_stop: Callable[[], bool] | None = None
) -> CheckpointIndex:
    """Index ``[split, size)``, the entry at ``split`` taken as one the linear decoder accepts."""
    second = CheckpointIndex(every)
    second.end_offset = split
    second._open_start = split
    extend_index(second, fd, size, trusted_first=True, should_stop=should_stop)
    return second


def _first_half(
    checkpoint_every_bytes: int,
    fd: int,
    split: int,
    size: int,
    progress: Callable[[int, int], None] | None,
    should_stop: Callable[[], bool] | None,
    count_read: Callable[[int], None] | None,
) -> CheckpointIndex | None:
    """Index ``[0, split)``; None if it does not end cleanly at ``split``."""
    part = CheckpointIndex(checkpoint_every_bytes)
    walker = walk(fd, 0, size, stop=split, count_read=count_read, transient=True)  # counts kept only
    next_check = _PROGRESS_EVERY_BYTES
    while True:
        try:
            item = next(walker)
        except StopIteration as stop:
            ended_at = stop.value
            break
        if isinstance(item, list) and any(
            isinstance(event, (Skipped, Truncated))
            and event.end_offset >= split - _CLEAN_MARGIN_BYTES
            for event in item
        ):
            return None  # damage near the split: index in one pass
        part.account(item)
        if part.end_offset >= next_check:
            next_check = part.end_offset + _PROGRESS_EVERY_BYTES
            if progress is not None:
                progress(min(size, part.end_offset * 2), size)
            if should_stop is not None and should_stop():
                raise IndexBuildCancelled(f"index build cancelled at offset {part.end_offset}")
    if ended_at != split:
        return None
    part._close_region(split)
    part.end_offset = split
    return part


def _accepts_at(fd: int, split: int, previous_ts: int | None) -> bool:
    """Does the linear decoder, in sync at ``split`` after ``previous_ts``, accept the entry there?"""
    decoder = Decoder(offset=split, previous_ts=previous_ts)
    events = decoder.feed(os.pread(fd, LOOKAHEAD_BYTES, split))
    events += decoder.flush() if events else decoder.close()
    return bool(events) and isinstance(events[0], Entry) and events[0].offset == split


def _join(index: CheckpointIndex, second: CheckpointIndex, size: int) -> None:
    """Append the second half's regions and counts to the first half's index.

    The first half ends with an open region at the split; the second half's
    first region starts there, so it replaces it.
    """
    before = index.entry_count
    before_stderr = index.stderr_count
    before_damage = index.damage_count
    first_new = len(index.offsets)
    for name in CheckpointIndex.COLUMNS:
        column = getattr(index, name)
        values = getattr(second, name)
        if name == "entry_numbers":
            column.extend(number + before for number in values)
        elif name == "stderr_numbers":
            column.extend(number + before_stderr for number in values)
        elif name == "damage_numbers":
            column.extend(number + before_damage for number in values)
        else:
            column.extend(values)
    if len(index.offsets) > first_new and index.last_ts is not None:
        index.prev_ts[first_new] = index.last_ts  # the helper did not know it
    index.entry_count += second.entry_count
    index.stderr_count += second.stderr_count
    index.damage_count += second.damage_count
    if second.last_ts is not None:
        index.last_ts = second.last_ts
    index._open_start = second._open_start
    index._open_number = second._open_number + before
    index._open_stderr = second._open_stderr + before_stderr
    index._open_damage = second._open_damage + before_damage
    index._open_prev = second._open_prev
    index._open_first = second._open_first
    index._open_min = second._open_min
    index._open_max = second._open_max
    index.end_offset = size
    index.built_for_size = size
    index.complete = True


def _index_second_half() -> None:
    """The helper process: index ``[split, size)`` and write it, pickled, to stdout."""
    path, split_text, size_text, every_text, identity = sys.argv[1:6]
    split, size, every = int(split_text), int(size_text), int(every_text)
    fd = os.open(path, os.O_RDONLY)
    try:
        info = os.fstat(fd)
        if f"{info.st_dev}:{info.st_ino}" != identity:
            raise SystemExit(1)  # the path names another file now
        second = _second_half(fd, split, size, every)
    finally:
        os.close(fd)
    sys.stdout.buffer.write(pickle.dumps(second))
