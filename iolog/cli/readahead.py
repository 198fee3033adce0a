"""Reading several logs ahead in a background thread, while the merge prints.

This module owns the second core of ``iolog cat A B C``: one thread reads
and walks the logs (``pread``, the walk's batches and their lines, which
run in C without the GIL where the speed-up is built) a few items ahead of
the merge, while the calling thread merges and prints. Which items each log
gives, and in which order, does not change: :meth:`ReadAhead.next` hands
each log's items in its order, whatever the timing, so the output is the
same bytes as reading in one thread. An exception raised while reading a
log is raised again by :meth:`ReadAhead.next` for that log.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from typing import Generic, TypeVar

__all__ = ["ReadAhead"]

_T = TypeVar("_T")


class _End:
    """A log's iterator is exhausted (or raised ``error``)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class ReadAhead(Generic[_T]):
    """The items of several iterators, each read up to ``depth`` items ahead in one thread.

    Args:
        iterators: one per log (``None``: a log with nothing to read).
        depth: how many items of each log may wait, read ahead.
    """

    def __init__(self, iterators: list[Iterator[_T] | None], depth: int = 2) -> None:
        self._iterators = iterators
        self._depth = depth
        self._queues: list[deque[_T | _End]] = [deque() for _ in iterators]
        self._ended = [iterator is None for iterator in iterators]
        for number, ended in enumerate(self._ended):
            if ended:
                self._queues[number].append(_End())
        self._wanted: int | None = None
        self._stopping = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="iolog-read-ahead", daemon=True)
        self._thread.start()

    def next(self, number: int) -> _T | None:
        """The next item of log ``number`` (waiting for it), or ``None`` at its end.

        Raises:
            BaseException: what reading the log raised.
        """
        with self._changed:
            queue = self._queues[number]
            self._wanted = number
            self._changed.notify_all()
            while not queue:
                self._changed.wait()
            item = queue[0]
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return None
            queue.popleft()
            self._changed.notify_all()
        return item

    def close(self) -> None:
        """Stop reading ahead (after the item being read) and wait for the thread."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._thread.join()

    def _choose(self) -> int | None:
        """The log to read next: the one waited for if it has nothing, else the least read ahead."""
        wanted = self._wanted
        if wanted is not None and not self._ended[wanted] and not self._queues[wanted]:
            return wanted
        best: int | None = None
        for number, queue in enumerate(self._queues):
            if not self._ended[number] and len(queue) < self._depth and (
                best is None or len(queue) < len(self._queues[best])
            ):
                best = number
        return best

    def _run(self) -> None:
        while True:
            with self._changed:
                number = None if self._stopping else self._choose()
                while not self._stopping and number is None:
                    self._changed.wait()
                    number = self._choose()
                if self._stopping or number is None:
                    return
            iterator = self._iterators[number]
            assert iterator is not None
            item: _T | _End
            try:
                item = next(iterator)
            except StopIteration:
                item = _End()
            except BaseException as error:  # handed to the reader of this log
                item = _End(error)
            with self._changed:
                if isinstance(item, _End):
                    self._ended[number] = True
                self._queues[number].append(item)
                self._changed.notify_all()
