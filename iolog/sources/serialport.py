"""Serial ports: which sources are live, opening a device or a pyserial URL, and writing to one.

This module owns a serial port as such: recognising a live source
(:func:`is_live_spec`), opening a device or URL with one-line errors
(:func:`open_port`), and a writable file over a port
(:func:`open_serial_writer`). Reading one as a live source, with reconnect
and backoff, is :class:`~iolog.sources.serial.SerialSource`.

pyserial is imported only when a port is actually opened, so ``import iolog``
stays standard library only. Errors that reach a person are one line
(:class:`~iolog.core.errors.SourceError`).
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
from types import ModuleType
from typing import Any

from ..core.errors import SourceError

__all__ = [
    "PORT_ERRORS",
    "SERIAL_PREFIX",
    "URL_SCHEMES",
    "SerialWriter",
    "disconnect_reason",
    "is_live_spec",
    "is_url",
    "open_port",
    "open_serial_writer",
    "strip_prefix",
]

#: Prefix that forces a path to be opened as a serial device.
SERIAL_PREFIX = "serial:"
#: URL schemes handled by pyserial 3.5's ``serial_for_url``.
URL_SCHEMES = ("socket", "rfc2217", "loop", "spy", "alt", "hwgrep", "cp2110")

_URL_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_BUSY_ERRNOS = frozenset({errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK})

try:  # pyserial lets termios.error (not an OSError) escape from flush()
    import termios

    PORT_ERRORS: tuple[type[Exception], ...] = (OSError, termios.error)
except ImportError:  # pragma: no cover - not a POSIX system
    PORT_ERRORS = (OSError,)


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


def is_url(spec: str) -> bool:
    """Is ``spec`` a URL (``<scheme>://...``), not a device path?"""
    return _URL_RE.match(spec) is not None


def strip_prefix(spec: str) -> str:
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
        from urllib.parse import urlsplit  # loaded when a URL is opened

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


def open_port(spec: str, baud: int, read_timeout_s: float | None) -> Any:
    """Open a pyserial port for ``spec`` (a path or URL) or raise SourceError.

    pyserial discards the input already waiting when it opens a port (a tty's
    buffer, or what a socket server sent right after accepting). Those are
    received bytes like any other, so the port is told to keep them.
    """
    name = strip_prefix(spec)
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



def disconnect_reason(exc: BaseException) -> str:
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
        except PORT_ERRORS as exc:
            raise SourceError(
                f"{self.name}: write failed ({disconnect_reason(exc)})"
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
        except PORT_ERRORS as exc:
            raise SourceError(
                f"{self.name}: flush failed ({disconnect_reason(exc)})"
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
    port = open_port(spec, baud, None)
    return SerialWriter(port, strip_prefix(spec))
