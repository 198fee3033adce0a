"""Live sources: serial devices and pyserial URLs, and the pump that decodes them.

This module owns the serial end of a live source: recognising one
(:func:`is_live_spec`), reading it with reconnect and backoff
(:class:`SerialSource`), and writing to a device (:func:`open_serial_writer`).
The device-independent pump that decodes the chunks and keeps an exact copy
of the stream, :func:`~iolog.sources.live.live_events`, lives in
:mod:`iolog.sources.live`.

pyserial is imported only when a port is actually opened, so ``import iolog``
stays standard library only. Errors that reach a person are one line:
:class:`~iolog.core.errors.SourceError` for the device,
:class:`~iolog.core.errors.SaveError` for the ``--save`` file.
"""

from __future__ import annotations

import errno
import io
import os
import re
import select
import stat
import threading
import time
from collections.abc import Generator, Iterator
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from ..core.errors import InvalidArgumentError, SourceError
from .status import SourceState, SourceStatus

__all__ = [
    "SERIAL_PREFIX",
    "URL_SCHEMES",
    "SerialSource",
    "SerialWriter",
    "is_live_spec",
    "open_serial_writer",
]

#: Prefix that forces a path to be opened as a serial device.
SERIAL_PREFIX = "serial:"
#: URL schemes handled by pyserial 3.5's ``serial_for_url``.
URL_SCHEMES = ("socket", "rfc2217", "loop", "spy", "alt", "hwgrep", "cp2110")

_URL_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
#: Bytes asked of the port per read; a read returns earlier at its timeout.
_READ_SIZE = 65536
#: First wait before a reconnect attempt; doubled after each failure.
_FIRST_BACKOFF_S = 0.1
_BUSY_ERRNOS = frozenset({errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK})

try:  # pyserial lets termios.error (not an OSError) escape from flush()
    import termios

    _PORT_ERRORS: tuple[type[Exception], ...] = (OSError, termios.error)
except ImportError:  # pragma: no cover - not a POSIX system
    _PORT_ERRORS = (OSError,)


def is_live_spec(spec: str) -> bool:
    """Say whether ``spec`` names a live source rather than a log file.

    A live source is a path to a character device (``/dev/ttyS2``,
    ``/dev/pts/3``; symlinks such as ``/dev/serial/by-id/...`` are followed),
    a path prefixed with ``serial:``, or a URL ``<scheme>://...``. Any scheme
    counts, not only those pyserial knows, so a mistyped one is reported by
    :meth:`SerialSource.open` as an unknown scheme rather than as a missing
    file; an existing file whose name looks like a URL stays a file.
    ``/dev/null`` is not live: it reads as an empty log.

    Args:
        spec: what the user gave as the source.

    Returns:
        True when ``spec`` should be opened with :class:`SerialSource`.
    """
    if spec.startswith(SERIAL_PREFIX):
        return True
    try:
        info = os.stat(spec)
    except (OSError, ValueError):
        return _URL_RE.match(spec) is not None
    if not stat.S_ISCHR(info.st_mode):
        return False
    try:
        return info.st_rdev != os.stat(os.devnull).st_rdev
    except OSError:  # pragma: no cover - a system without /dev/null
        return True


def _strip_prefix(spec: str) -> str:
    return spec[len(SERIAL_PREFIX) :] if spec.startswith(SERIAL_PREFIX) else spec


def _import_pyserial() -> ModuleType:
    try:
        import serial  # type: ignore[import-untyped]
    except ImportError as exc:
        raise SourceError(
            "reading a serial device needs pyserial: pip install 'pyserial>=3.5'"
        ) from exc
    return serial  # type: ignore[no-any-return]


def _check_baud(baud: object) -> int:
    if isinstance(baud, bool) or not isinstance(baud, int) or baud <= 0:
        raise SourceError(
            f"bad baud rate {baud!r}: give a positive whole number such as 9600 or 115200"
        )
    return baud


def _check_url(port: str) -> None:
    """Reject URL forms pyserial would fail on with an unhelpful message."""
    found = _URL_RE.match(port)
    if found is None:
        return
    scheme = found.group(1).lower()
    if scheme not in URL_SCHEMES:
        known = ", ".join(f"{name}://" for name in URL_SCHEMES)
        raise SourceError(
            f"{port}: unknown URL scheme '{scheme}://'; use a device path or one of {known}"
        )
    if scheme in ("socket", "rfc2217"):
        parts = urlsplit(port)
        try:
            port_number = parts.port
        except ValueError:
            port_number = None
        if not parts.hostname or port_number is None:
            raise SourceError(f"{port}: expected {scheme}://HOST:PORT, for example "
                              f"{scheme}://127.0.0.1:7000")


def _errno_of(exc: BaseException) -> int | None:
    """The errno behind a pyserial error: its own, or that of its cause."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            break
        number = getattr(seen, "errno", None)
        if isinstance(number, int):
            return number
        args: tuple[object, ...] = getattr(seen, "args", ())
        if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
            return args[0]  # termios.error carries (errno, message)
        seen = seen.__cause__ or seen.__context__
    return None


def _open_error(name: str, baud: int, exc: BaseException) -> SourceError:
    """Turn a pyserial open failure into one clear line."""
    if isinstance(exc, (ValueError, OverflowError)):
        return SourceError(f"{name}: baud rate {baud} is not supported: {exc}")
    number = _errno_of(exc)
    cause = exc.__cause__ or exc.__context__
    if number == errno.ENOENT:
        return SourceError(
            f"{name}: no such device; check the name (ls /dev/tty*) and that it is plugged in"
        )
    if number in (errno.EACCES, errno.EPERM):
        return SourceError(
            f"{name}: permission denied; add your user to the group that owns it "
            "(often 'dialout') or run with sudo"
        )
    if number in _BUSY_ERRNOS:
        return SourceError(
            f"{name}: port is busy (another program has it open); close that program and retry"
        )
    if number == errno.ENOTTY:
        return SourceError(f"{name}: not a serial device (it does not accept terminal settings)")
    if number == errno.ECONNREFUSED:
        return SourceError(f"{name}: connection refused; is a server listening there?")
    import socket  # only when a port failed to open (a pyserial URL over TCP)

    if isinstance(cause, socket.gaierror):
        return SourceError(f"{name}: cannot resolve the host name ({cause.strerror})")
    if isinstance(cause, (socket.timeout, TimeoutError)):
        return SourceError(f"{name}: connection timed out")
    if number is not None and number > 0:
        return SourceError(f"{name}: cannot open: {os.strerror(number)}")
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return SourceError(f"{name}: cannot open: {detail}")


def _open_port(spec: str, baud: int, read_timeout_s: float | None) -> Any:
    """Open a pyserial port for ``spec`` (a path or URL) or raise SourceError.

    pyserial discards the input already waiting when it opens a port (a tty's
    buffer, or what a socket server sent right after accepting). Those are
    received bytes like any other, so the port is told to keep them.
    """
    name = _strip_prefix(spec)
    baud = _check_baud(baud)
    _check_url(name)
    serial = _import_pyserial()
    try:
        port = serial.serial_for_url(
            name, baudrate=baud, timeout=read_timeout_s, exclusive=True, do_not_open=True
        )
        for method in ("reset_input_buffer", "_reset_input_buffer"):
            if hasattr(port, method):
                setattr(port, method, _keep_input)
        port.open()
    except (OSError, ValueError, OverflowError) as exc:
        if isinstance(exc, ValueError) and "not known" in str(exc):
            raise SourceError(f"{name}: unknown URL scheme: {exc}") from exc
        raise _open_error(name, baud, exc) from exc
    return port


def _keep_input() -> None:
    """Stands in for pyserial's input flush at open: nothing received is dropped."""


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
        self.name = _strip_prefix(spec)
        """The device path or URL, without any ``serial:`` prefix."""
        self.baud = baud
        self.reconnect = reconnect
        self.read_timeout_s = read_timeout_s
        self.max_backoff_s = max_backoff_s
        self._port: Any = None
        self._fileno: int | None = None
        self._lock = threading.Lock()
        self._closing = threading.Event()

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
        port = _open_port(self.spec, self.baud, 0)
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
            except _PORT_ERRORS as exc:
                reason = _disconnect_reason(exc)
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
        if _URL_RE.match(self.name):
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
                port = _open_port(self.spec, self.baud, 0)
            except SourceError:
                delay_s = min(delay_s * 2, self.max_backoff_s)
                continue
            with self._lock:
                if not self._closing.is_set():
                    self._attach(port)
                    return True
            port.close()
            return False


def _disconnect_reason(exc: BaseException) -> str:
    """A few words on why a port stopped working."""
    number = _errno_of(exc)
    if number is not None and number > 0:
        return os.strerror(number)
    text = str(exc)
    if "socket disconnected" in text:
        return "connection closed by the other end"
    if "returned no data" in text:
        return "end of file: the device went away"
    return text.splitlines()[0] if text else type(exc).__name__


class SerialWriter(io.RawIOBase):
    """A writable binary file over a serial device or URL.

    Made by :func:`open_serial_writer`; a sink for
    :class:`~iolog.io.LogWriter`. Write failures raise :class:`SourceError`.

    Args:
        port: an open pyserial port.
        name: the device or URL, for messages.
    """

    def __init__(self, port: Any, name: str) -> None:
        super().__init__()
        self._port = port
        self.name = name

    def writable(self) -> bool:
        """Always true while open."""
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        """Write all of ``data`` to the device.

        Returns:
            ``len(data)``.

        Raises:
            ValueError: the writer is closed.
            SourceError: the device failed (gone, closed by the peer).
        """
        if self.closed:
            raise ValueError("write to closed SerialWriter")
        payload = bytes(data)
        try:
            self._port.write(payload)
        except _PORT_ERRORS as exc:
            raise SourceError(
                f"{self.name}: write failed ({_disconnect_reason(exc)})"
            ) from exc
        return len(payload)

    def flush(self) -> None:
        """Wait until the device has taken the written bytes.

        Raises:
            SourceError: the device failed.
        """
        if self.closed:
            return
        try:
            self._port.flush()
        except _PORT_ERRORS as exc:
            raise SourceError(
                f"{self.name}: flush failed ({_disconnect_reason(exc)})"
            ) from exc

    def close(self) -> None:
        """Flush and close the device (closed even when the flush fails).

        Raises:
            SourceError: the final flush failed.
        """
        if self.closed:
            return
        try:
            super().close()  # flushes first
        finally:
            self._port.close()


def open_serial_writer(spec: str, *, baud: int = 115200) -> SerialWriter:
    """Open a serial device or URL for writing (``iolog record --serial``).

    Args:
        spec: a device path, ``serial:PATH``, or a pyserial URL.
        baud: line speed.

    Returns:
        A :class:`SerialWriter` (``write``, ``flush``, ``close``; a context
        manager).

    Raises:
        SourceError: the device cannot be opened (same reasons as
            :meth:`SerialSource.open`).
    """
    port = _open_port(spec, baud, None)
    return SerialWriter(port, _strip_prefix(spec))
