"""A serial device or pyserial URL read as a live source, with reconnect and backoff.

This module owns :class:`SerialSource`: chunks of bytes as they arrive, and
``SourceStatus`` reports when the port goes away and comes back. Opening a
port and what its errors mean are :mod:`iolog.sources.serialport`; the
device-independent pump that decodes the chunks and keeps an exact copy of
the stream is :func:`~iolog.sources.live.live_events`.
"""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Generator, Iterator
from typing import Any

from ..core.errors import InvalidArgumentError, SourceError
from .serialport import PORT_ERRORS, disconnect_reason, is_live_spec, is_url, open_port, strip_prefix
from .status import SourceState, SourceStatus

__all__ = ["SerialSource", "is_live_spec"]

#: Bytes asked of the port per read; a read returns earlier at its timeout.
_READ_SIZE = 65536
#: First wait before a reconnect attempt; doubled after each failure.
_FIRST_BACKOFF_S = 0.1


class SerialSource:
    """A live byte source: a serial device path or a pyserial URL.

    Use it as a context manager, or call :meth:`open` and :meth:`close`.
    :meth:`chunks` reads until :meth:`close` is called (from any thread), or,
    without ``reconnect``, until the device goes away.

    Args:
        spec: a device path (``/dev/ttyS2``), ``serial:PATH``, or a pyserial
            URL (``socket://host:port``, ``rfc2217://host:port``, ``loop://``).
        baud: line speed; ignored by ``socket://`` and ``loop://``.
        reconnect: after a disconnect, retry with exponential backoff instead
            of ending.
        read_timeout_s: how long one read waits for bytes; after an idle read
            :meth:`chunks` yields ``b""``, so this is also the longest a
            consumer waits for control.
        max_backoff_s: cap of the wait between reconnect attempts.

    Raises:
        InvalidArgumentError: ``read_timeout_s`` is not positive or
            ``max_backoff_s`` is negative. (A bad ``baud`` is reported by
            :meth:`open`, with the other reasons a port cannot be opened.)
    """

    def __init__(
        self,
        spec: str,
        *,
        baud: int = 115200,
        reconnect: bool = True,
        read_timeout_s: float = 0.05,
        max_backoff_s: float = 5.0,
    ) -> None:
        if not read_timeout_s > 0:
            raise InvalidArgumentError(f"read_timeout_s must be positive, got {read_timeout_s!r}")
        if not max_backoff_s >= 0:
            raise InvalidArgumentError(f"max_backoff_s must be 0 or more, got {max_backoff_s!r}")
        self.spec = spec
        self.name = strip_prefix(spec)
        """The device path or URL, without any ``serial:`` prefix."""
        self.baud = baud
        self.reconnect = reconnect
        self.read_timeout_s = read_timeout_s
        self.max_backoff_s = max_backoff_s
        self._port: Any = None
        self._fileno: int | None = None
        self._lock = threading.Lock()
        self._closing = threading.Event()

    @staticmethod
    def is_live_spec(spec: str) -> bool:
        """Whether ``spec`` names a live source for a ``SerialSource`` rather than a log file.

        A character device (``/dev/ttyS2``; not ``/dev/null``), ``serial:PATH``,
        or a URL ``<scheme>://...`` (any scheme: a mistyped one is reported by
        :meth:`open`); an existing file whose name looks like a URL stays a file.
        """
        return is_live_spec(spec)

    @property
    def is_open(self) -> bool:
        """True while a port is open."""
        return self._port is not None

    def open(self) -> None:
        """Open the device or URL (a no-op when already open).

        Raises:
            SourceError: with one line saying why: no such device, permission
                denied, port busy, bad or unsupported baud rate, unknown URL
                scheme, connection refused, or pyserial missing.
        """
        if self._port is not None:
            return
        port = open_port(self.spec, self.baud, 0)
        with self._lock:
            if self._port is None:
                self._closing.clear()
                self._attach(port)
                return
        port.close()  # another thread opened it meanwhile

    def close(self) -> None:
        """Close the port; a :meth:`chunks` loop in another thread stops.

        Safe from any thread. Waits at most about ``read_timeout_s`` for a
        read in progress; the loop then ends without yielding more.
        """
        self._closing.set()
        with self._lock:
            self._close_port()

    def __enter__(self) -> SerialSource:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def chunks(self) -> Iterator[bytes | SourceStatus]:
        """Read the source, reconnecting as configured.

        Opens the source first if needed. The first item is a ``CONNECTED``
        status. Then come the bytes as received, and ``b""`` after each read
        that timed out with nothing (flush the decoder, check for
        cancellation). When the device goes away (unplugged, socket closed,
        pty master closed) a ``DISCONNECTED`` status follows; while retrying
        with backoff (doubling up to ``max_backoff_s``) ``b""`` keeps coming
        every ``read_timeout_s``; once reopened, a ``CONNECTED`` status. With
        ``reconnect=False`` an ``ENDED`` status is the last item instead. The
        iterator ends when :meth:`close` is called.

        Yields:
            ``bytes`` and :class:`~iolog.sources.status.SourceStatus` items.

        Raises:
            SourceError: the first open failed.
        """
        if self._closing.is_set() and self._port is None:
            return
        self.open()
        yield SourceStatus(SourceState.CONNECTED, f"connected{self._describe()}")
        while not self._closing.is_set():
            try:
                data = self._read()
            except PORT_ERRORS as exc:
                reason = disconnect_reason(exc)
                with self._lock:
                    self._close_port()
                if self._closing.is_set():
                    return
                if not self.reconnect:
                    yield SourceStatus(SourceState.ENDED, f"disconnected ({reason})")
                    return
                yield SourceStatus(
                    SourceState.DISCONNECTED,
                    f"disconnected ({reason}); reconnecting "
                    f"(retrying at most every {self.max_backoff_s:g} s)",
                )
                reopened = yield from self._reopen()
                if not reopened:
                    return
                yield SourceStatus(SourceState.CONNECTED, "reconnected")
                continue
            if data is None:
                return
            yield data

    def _describe(self) -> str:
        """`` at N baud`` for a device; baud means nothing to most URLs."""
        if is_url(self.name):
            return ""
        return f" at {self.baud} baud"

    def _read(self) -> bytes | None:
        """One read; ``None`` when closed. Raises OSError when the port is gone.

        The port is non-blocking (timeout 0), so each pyserial ``read`` makes
        at most one system read: a blocking pyserial read that collects bytes
        and then meets end of file raises and loses what it collected. The
        wait happens here, in ``select`` on the port's descriptor, or, for
        ports without one (``loop://``, ``rfc2217://``, Windows), by polling.
        """
        with self._lock:
            port = self._port
            if port is None or self._closing.is_set():
                return None
            if self._fileno is not None:
                ready, _, _ = select.select([self._fileno], [], [], self.read_timeout_s)
                if not ready:
                    return b""
            data = bytes(port.read(_READ_SIZE))
            if data or self._fileno is not None:
                return data
        self._closing.wait(self.read_timeout_s)
        return b""

    def _attach(self, port: Any) -> None:
        """Make ``port`` the open port (lock held)."""
        self._port = port
        try:
            fileno = port.fileno()
        except (AttributeError, OSError, ValueError):
            fileno = None
        self._fileno = fileno if isinstance(fileno, int) and fileno >= 0 else None

    def _close_port(self) -> None:
        """Close and forget the port (lock held)."""
        port, self._port, self._fileno = self._port, None, None
        if port is not None:
            try:
                port.close()
            except Exception:  # noqa: BLE001 - the port is gone either way
                pass

    def _reopen(self) -> Generator[bytes, None, bool]:
        """Retry opening with backoff, yielding ``b""`` while waiting.

        Returns (as the generator's value) True once open, False when closed.
        """
        delay_s = min(_FIRST_BACKOFF_S, self.max_backoff_s)
        tick_s = max(self.read_timeout_s, 0.001)
        while True:
            deadline = time.monotonic() + delay_s
            while True:
                left_s = deadline - time.monotonic()
                if left_s <= 0:
                    break
                if self._closing.wait(min(tick_s, left_s)):
                    return False
                yield b""
            try:
                # Outside the lock: a socket connect may take seconds, and
                # close() must not wait for it.
                port = open_port(self.spec, self.baud, 0)
            except SourceError:
                delay_s = min(delay_s * 2, self.max_backoff_s)
                continue
            with self._lock:
                if not self._closing.is_set():
                    self._attach(port)
                    return True
            port.close()
            return False
