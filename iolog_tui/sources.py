"""Where the viewer's bytes come from: a file, or a live source pumped into one.

The viewer only ever reads files. A live source (stdin, a serial device or
pyserial URL, the demo writer) is a thread that copies bytes into a file
(the ``--save`` file, or a temporary one removed on exit) while the viewer
follows that file; the pump reports connects and disconnects as
:class:`~iolog.SourceStatus` through a callback, for the status bar.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from iolog import SourceState, SourceStatus

__all__ = ["LogSource", "PipePump", "Pump", "SerialPump", "temporary_log_path"]

StatusCallback = Callable[[SourceStatus], None]


class Pump(Protocol):
    """Something that fills a log file in the background."""

    def start(self, on_status: StatusCallback) -> None:
        """Start copying; report state changes through ``on_status`` (any thread)."""

    def stop(self) -> None:
        """Stop copying and release the source (returns promptly)."""


@dataclass
class LogSource:
    """A log file to show, and how it is fed.

    Attributes:
        path: the file the viewer reads.
        label: what the status bar calls the source.
        live: the file is always followed (a pump is writing it).
        pump: the writer feeding ``path``, started by the log panes and stopped on close.
        temporary: remove ``path`` when the viewer exits.
        logs: for a view of several logs merged by time (``iolog-tui A B``,
            ``iolog-tui DIR``), each log's ``(path, name)`` (``path`` is the
            first's); empty for one log.
        specs: the command line's logs and folders (its folders are looked
            at again for logs that appear in them).
    """

    path: str
    label: str
    live: bool = False
    pump: Pump | None = None
    temporary: bool = False
    logs: tuple[tuple[str, str], ...] = ()
    specs: tuple[str, ...] = ()
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        """Stop the pump and remove a temporary file (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self.pump is not None:
            self.pump.stop()
        if self.temporary:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


def temporary_log_path(prefix: str) -> str:
    """Create an empty temporary log file and return its path."""
    handle, path = tempfile.mkstemp(prefix=prefix, suffix=".log")
    os.close(handle)
    return path


class PipePump:
    """Copy a pipe (stdin) into a file until the pipe ends.

    Args:
        read_fd: the descriptor to read (owned: closed on stop).
        path: the file to append to.
        name: the source's name for status lines.
    """

    def __init__(self, read_fd: int, path: str, name: str = "stdin") -> None:
        self._fd = read_fd
        self._path = path
        self._name = name
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, on_status: StatusCallback) -> None:
        """Start the copying thread."""
        self._thread = threading.Thread(
            target=self._run, args=(on_status,), name="iolog-stdin-pump", daemon=True
        )
        self._thread.start()

    def _run(self, on_status: StatusCallback) -> None:
        import selectors

        selector = selectors.DefaultSelector()
        selector.register(self._fd, selectors.EVENT_READ)
        try:
            with open(self._path, "ab", buffering=0) as sink:
                while not self._stopping.is_set():
                    if not selector.select(timeout=0.1):
                        continue
                    data = os.read(self._fd, 65536)
                    if not data:
                        on_status(SourceStatus(SourceState.ENDED, f"{self._name} ended"))
                        return
                    sink.write(data)
        except OSError as exc:
            on_status(SourceStatus(SourceState.ENDED, f"{self._name}: {exc.strerror or exc}"))
        finally:
            selector.close()

    def stop(self) -> None:
        """Stop copying and close the pipe."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        try:
            os.close(self._fd)
        except OSError:
            pass


class SerialPump:
    """Copy a serial device or pyserial URL into a file, reconnecting.

    Args:
        source: an opened ``iolog.sources.serial.SerialSource``.
        path: the file to append every received byte to.
    """

    def __init__(self, source: object, path: str) -> None:
        self._source = source
        self._path = path
        self._thread: threading.Thread | None = None

    def start(self, on_status: StatusCallback) -> None:
        """Start the copying thread."""
        self._thread = threading.Thread(
            target=self._run, args=(on_status,), name="iolog-serial-pump", daemon=True
        )
        self._thread.start()

    def _run(self, on_status: StatusCallback) -> None:
        chunks = self._source.chunks()  # type: ignore[attr-defined]
        try:
            with open(self._path, "ab", buffering=0) as sink:
                for chunk in chunks:
                    if isinstance(chunk, SourceStatus):
                        on_status(chunk)
                    elif chunk:
                        sink.write(chunk)
        except OSError as exc:
            on_status(SourceStatus(SourceState.ENDED, f"save file: {exc.strerror or exc}"))

    def stop(self) -> None:
        """Close the device; the thread ends after its current read."""
        self._source.close()  # type: ignore[attr-defined]
        if self._thread is not None:
            self._thread.join(timeout=1.0)
