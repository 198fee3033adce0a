"""A file object that fails as told, for the writers' tests.

``FaultySink`` behaves like an unbuffered file until a chosen ``write`` call:
then it fails with ENOSPC, EFBIG, EIO or EPIPE, would block (EAGAIN, as a raw
file returning ``None`` or as a buffered one raising ``BlockingIOError``), or
takes only a few bytes (a short write). A fault can be tied to the n-th call
of one thread, so a test chooses which of two writer threads meets it. It can
also act as a tiny file system (``capacity``): a write that does not fit is
short, the next one fails with ENOSPC, and truncating frees the space.
"""

from __future__ import annotations

import errno
import io
import threading
from dataclasses import dataclass

from iolog import Entry, Skipped, Truncated
from iolog.core.events import Event
from iolog.io import read_events

#: The failures a fault can be, by name.
ERRORS = {
    "enospc": errno.ENOSPC,
    "efbig": errno.EFBIG,
    "eio": errno.EIO,
    "epipe": errno.EPIPE,
}
KINDS = ("short", "eagain", "none", *ERRORS)


@dataclass(frozen=True)
class Fault:
    """What the ``at``-th write call (0-based; of ``thread`` only, if given) does.

    ``short`` takes ``size`` bytes (at least 1); ``eagain`` takes ``size``
    bytes and raises ``BlockingIOError`` with ``characters_written``; ``none``
    takes nothing and returns ``None``; the error kinds take nothing and raise.
    """

    at: int
    kind: str
    size: int = 1
    thread: str | None = None


class FaultySink(io.RawIOBase):
    """An in-memory unbuffered file that fails at chosen write calls."""

    def __init__(
        self,
        faults: list[Fault] | tuple[Fault, ...] = (),
        *,
        seekable: bool = True,
        capacity: int | None = None,
        name: str = "faulty.log",
    ) -> None:
        super().__init__()
        self.data = bytearray()
        self.position = 0
        self.faults = list(faults)
        self.capacity = capacity
        self.name = name
        self.met: list[tuple[Fault, str]] = []  # faults met, with the thread that met them
        self._seekable = seekable
        self._calls: dict[str | None, int] = {}
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._seekable

    def tell(self) -> int:
        if not self._seekable:
            raise io.UnsupportedOperation("not seekable")
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        if not self._seekable:
            raise io.UnsupportedOperation("not seekable")
        base = {0: 0, 1: self.position, 2: len(self.data)}[whence]
        self.position = base + offset
        return self.position

    def truncate(self, size: int | None = None) -> int:
        if not self._seekable:
            raise io.UnsupportedOperation("not seekable")
        size = self.position if size is None else size
        del self.data[size:]
        return size

    def write(self, b):  # type: ignore[override]
        chunk = bytes(b)
        thread = threading.current_thread().name
        with self._lock:
            fault = self._next_fault(thread)
            if fault is None and self.capacity is not None:
                room = self.capacity - len(self.data)
                if room <= 0:
                    raise OSError(errno.ENOSPC, "No space left on device")
                chunk = chunk[:room]
            if fault is None:
                return self._put(chunk)
            self.met.append((fault, thread))
            if fault.kind == "short":
                return self._put(chunk[: max(1, fault.size)])
            if fault.kind == "eagain":
                error = BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
                error.characters_written = self._put(chunk[: min(fault.size, len(chunk) - 1)])
                raise error
            if fault.kind == "none":
                return None
            raise OSError(ERRORS[fault.kind], f"injected {fault.kind}")

    def _put(self, chunk: bytes) -> int:
        end = self.position + len(chunk)
        self.data[self.position : end] = chunk
        self.position = end
        return len(chunk)

    def _next_fault(self, thread: str) -> Fault | None:
        found = None
        for key in (None, thread):
            call = self._calls.get(key, 0)
            self._calls[key] = call + 1
            for fault in self.faults:
                if fault.at == call and fault.thread == key and found is None:
                    found = fault
        return found

    def free(self, capacity: int | None) -> None:
        """Change the capacity (``None``: unlimited), as when space is freed."""
        with self._lock:
            self.capacity = capacity


def decode(data: bytes) -> tuple[list[Entry], int]:
    """Entries of ``data`` and the bytes that are not whole entries."""
    entries: list[Entry] = []
    damaged = 0
    events: list[Event] = list(read_events(io.BytesIO(bytes(data))))
    for event in events:
        if isinstance(event, Entry):
            entries.append(event)
        else:
            assert isinstance(event, (Skipped, Truncated))
            damaged += event.length
    return entries, damaged


def strict_entries(data: bytes) -> list[Entry]:
    """Entries of ``data``, which must be whole entries and nothing else."""
    entries, damaged = decode(data)
    assert damaged == 0, f"{damaged} bytes are not whole entries"
    return entries
