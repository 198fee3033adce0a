"""Read buffers used again once nothing holds them, for walks whose batches outlive a read.

This module owns recycling the buffers of a fast walk whose batches are
kept after the next read (the merge of several logs keeps each log's batch
until the others catch up, so ``transient`` reads into one buffer cannot
serve it). Fresh memory for each read costs the kernel more than the read
(zeroed pages, faulted in and given back); a buffer is handed out again
only when no batch, span, slice view or C call holds it any more, which
CPython's reference count says exactly.
"""

from __future__ import annotations

import sys

__all__ = ["ReadBuffers"]


class ReadBuffers:
    """A pool of ``bytearray`` read buffers (used by one thread: the one that reads)."""

    def __init__(self) -> None:
        self._buffers: list[bytearray] = []
        # The count of a buffer that nothing else holds (the list, the loop's
        # name, getrefcount's argument: 3 in CPython 3.11), measured the way
        # __call__ measures, so that an interpreter that counts otherwise
        # never hands out a buffer still held.
        probe = [bytearray()]
        self._unheld = 0
        for buffer in probe:
            self._unheld = sys.getrefcount(buffer)

    def __call__(self, size: int) -> bytearray:
        """A buffer of ``size`` bytes that nothing else holds: one used before, or a new one."""
        for buffer in self._buffers:
            if len(buffer) == size and sys.getrefcount(buffer) == self._unheld:
                return buffer
        buffer = bytearray(size)
        self._buffers.append(buffer)
        return buffer
