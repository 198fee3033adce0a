"""Following a log file as it grows: new entries, truncation, rotation, a path gone.

This module owns the polling loop behind :meth:`iolog.LogFile.follow` and
``iolog cat -f``: read what was appended, feed the one decoder, flush it when
idle (so the newest whole entry shows at once; after a longer quiet, a line
still without its newline too), and notice when the file was truncated (it
shrank, or its first bytes changed: rewritten past its old size between two
polls) or the path comes to name another file (rotation), reporting each as
a :class:`~iolog.sources.status.SourceStatus`. A path that cannot be read for
a while (gone, a directory, no permission) is said once and waited for:
following ends only when the consumer stops. When it is stopped (Ctrl-C) the
decoder is drained first, so nothing received is lost.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterator

from ..core.decoder import Decoder, Event, Skipped
from .status import SourceState, SourceStatus

__all__ = ["SETTLED_POLLS", "follow_file"]

_FOLLOW_READ_BYTES = 1 << 20
#: Bytes at the start of the file compared at each idle poll (truncation).
_HEAD_BYTES = 64
#: Idle polls in a row after which the end is taken as it is (``flush(settled=True)``).
SETTLED_POLLS = 2
#: Polls the path must stay unreadable before that is said.
_GONE_POLLS = 10


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
    decoder = Decoder(offset=start, resync=not in_sync)
    hide_skip_at = None if in_sync else start
    pos = start
    head = os.pread(fd, _HEAD_BYTES, 0)
    idle = 0
    waiting_said = False
    gone_polls = 0
    try:
        while True:
            # Truncated and written again, maybe past the old size: the first
            # bytes tell, before anything new is taken for a continuation.
            if head and os.pread(fd, len(head), 0) != head:
                yield [
                    SourceStatus(
                        SourceState.TRUNCATED,
                        f"{path} was truncated and written again; reading from its start",
                        0,
                    )
                ]
                decoder, hide_skip_at, pos, idle = Decoder(), None, 0, 0
                head = os.pread(fd, _HEAD_BYTES, 0)
                continue
            chunk = os.pread(fd, _FOLLOW_READ_BYTES, pos)
            if chunk:
                pos += len(chunk)
                count_read(len(chunk))
                if len(head) < _HEAD_BYTES:
                    head = os.pread(fd, _HEAD_BYTES, 0)
                idle = 0
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
                        f"{path} was truncated (now {size} bytes); reading from its start",
                        0,
                    )
                ]
                decoder, hide_skip_at, pos, idle = Decoder(), None, 0, 0
                head = os.pread(fd, _HEAD_BYTES, 0)
                continue
            replaced = _reopen_if_replaced(path, fd)
            if isinstance(replaced, str):
                # Said once, and not for the moment a rotation takes.
                gone_polls += 1
                if gone_polls == _GONE_POLLS and not waiting_said:
                    waiting_said = True
                    yield [SourceStatus(SourceState.DISCONNECTED, f"{path} {replaced}; waiting for it", pos)]
            elif replaced is not None:
                drained: list[Event | SourceStatus] = []
                while True:
                    chunk = os.pread(fd, _FOLLOW_READ_BYTES, pos)
                    if not chunk:
                        break
                    pos += len(chunk)
                    drained.extend(decoder.feed(chunk))
                drained.extend(decoder.close())
                os.close(fd)
                fd = replaced
                waiting_said, gone_polls = False, 0
                drained.append(
                    SourceStatus(
                        SourceState.REPLACED,
                        f"{path} was replaced (rotated); reading the new file",
                        0,
                    )
                )
                yield drained
                decoder, hide_skip_at, pos, idle = Decoder(), None, 0, 0
                head = os.pread(fd, _HEAD_BYTES, 0)
                continue
            else:
                gone_polls = 0
                waiting_said = False  # the same file is back: nothing to say
            idle += 1
            yield list(decoder.flush(settled=idle >= SETTLED_POLLS))
            time.sleep(poll_interval_s)
    except KeyboardInterrupt:
        yield list(decoder.close())  # what was received is not lost
        raise
    finally:
        os.close(fd)


def _reopen_if_replaced(path: str, fd: int) -> int | str | None:
    """For ``path``: a descriptor when it now names another readable file; why it
    cannot be read, when it names nothing readable; ``None`` when it is ``fd``'s file."""
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return "is gone"
    except OSError as error:
        return (error.strerror or str(error)).lower()
    if stat.S_ISDIR(current.st_mode):
        return "is a directory now"
    mine = os.fstat(fd)
    if (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
        return None
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return "is gone"
    except OSError as error:
        return (error.strerror or str(error)).lower()
