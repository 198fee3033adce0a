"""Following a log file as it grows: new entries, truncation, rotation.

This module owns the polling loop behind :meth:`iolog.LogFile.follow` and
``iolog cat -f``: read what was appended, feed the one decoder, flush it when
idle so the newest complete entry shows at once, and notice when the file
shrinks (truncation) or the path comes to name another file (rotation),
reporting each as a :class:`~iolog.sources.status.SourceStatus`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from ..core.decoder import Decoder, Event, Skipped
from .status import SourceState, SourceStatus

__all__ = ["follow_file"]

_FOLLOW_READ_BYTES = 1 << 20


def follow_file(
    path: str,
    fd: int,
    start: int,
    *,
    in_sync: bool,
    poll_interval_s: float = 0.05,
    count_read: Callable[[int], None] = lambda length: None,
) -> Iterator[list[Event | SourceStatus]]:
    """Follow ``path``, open as ``fd`` (which this generator owns and closes).

    Args:
        path: the file's path (watched for rotation).
        fd: a descriptor of the file, closed when the generator ends.
        start: where to start reading.
        in_sync: whether ``start`` is an entry boundary; if not, the partial
            entry before the first header is not reported.
        poll_interval_s: sleep between polls when idle.
        count_read: called with the length of each read (for accounting).

    Yields:
        Lists of events and status reports; ``[]`` after an idle poll.

    Raises:
        OSError: reading failed.
    """
    try:
        decoder = Decoder(offset=start, resync=not in_sync)
        hide_skip_at = None if in_sync else start
        pos = start
        while True:
            chunk = os.pread(fd, _FOLLOW_READ_BYTES, pos)
            if chunk:
                pos += len(chunk)
                count_read(len(chunk))
                batch: list[Event | SourceStatus] = []
                for event in decoder.feed(chunk):
                    if hide_skip_at is not None:
                        if isinstance(event, Skipped) and event.offset == hide_skip_at:
                            continue
                        hide_skip_at = None
                    batch.append(event)
                yield batch
                continue
            size = os.fstat(fd).st_size
            if size < pos:
                yield [
                    SourceStatus(
                        SourceState.TRUNCATED,
                        f"{path} was truncated to {size} bytes; reading from its start",
                        0,
                    )
                ]
                decoder = Decoder()
                hide_skip_at = None
                pos = 0
                continue
            new_fd = _reopen_if_replaced(path, fd)
            if new_fd is not None:
                drained: list[Event | SourceStatus] = []
                while True:
                    chunk = os.pread(fd, _FOLLOW_READ_BYTES, pos)
                    if not chunk:
                        break
                    pos += len(chunk)
                    drained.extend(decoder.feed(chunk))
                drained.extend(decoder.close())
                os.close(fd)
                fd = new_fd
                drained.append(
                    SourceStatus(
                        SourceState.REPLACED,
                        f"{path} was replaced (rotated); reading the new file",
                        0,
                    )
                )
                yield drained
                decoder = Decoder()
                hide_skip_at = None
                pos = 0
                continue
            yield list(decoder.flush())
            time.sleep(poll_interval_s)
    finally:
        os.close(fd)


def _reopen_if_replaced(path: str, fd: int) -> int | None:
    """A descriptor for ``path`` if it now names a different file than ``fd``, else None."""
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return None  # renamed away, the new file not created yet: keep the old one
    mine = os.fstat(fd)
    if (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
        return None
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
