"""Writing what ``cat`` prints exactly once: whole, in order, even when stopped.

Two things can make a printed byte go missing or show twice:

- Standard output may be a raw file: with ``PYTHONUNBUFFERED=1`` (common in
  container images) or ``python -u``, ``sys.stdout.buffer`` is a
  ``FileIO``, whose ``write`` may write only part of what it is given (a
  signal during a write to a pipe, a non-blocking terminal) and say so
  only in its return value.
- Stopping (Ctrl-C, SIGTERM, SIGHUP) raises ``KeyboardInterrupt`` between
  any two steps of the program. Raised after a write but before the
  printer noted it, the same bytes were written again on the way out.

So :func:`write_pending` writes a list of pieces and removes each byte
from it as it is written, and :class:`stopped_by_signals` installs the
handlers that turn those signals into ``KeyboardInterrupt``: a stop that
arrives while pieces are being written is held until the write and its
note are done, then raised. A second stop in that time is raised at once,
so that a reader that stopped reading cannot keep ``cat`` for ever.
"""

from __future__ import annotations

import select
import signal
from collections.abc import Callable
from types import FrameType
from typing import BinaryIO

__all__ = ["Stopped", "stopped_by_signals", "write_pending"]

#: Up to this many pending pieces are written one by one (whole batches, not
#: copied once more); more are joined first (one write, not one per entry).
_WRITE_APART = 8


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled as Ctrl-C: what was received is printed before exit."""


_holding = 0
_held: KeyboardInterrupt | None = None


def _on_stop(signum: int, frame: FrameType | None) -> None:
    """The handler of SIGINT, SIGTERM and SIGHUP: raise, or hold while writing."""
    global _held
    stop = KeyboardInterrupt() if signum == signal.SIGINT else Stopped()
    if _holding and _held is None:
        _held = stop
        return
    _held = None  # a second stop while writing: at once
    raise stop


class stopped_by_signals:
    """Within it, Ctrl-C, SIGTERM and SIGHUP raise ``KeyboardInterrupt`` (held while writing).

    Only the main thread can set handlers; elsewhere this does nothing.
    """

    def __enter__(self) -> None:
        self._previous: dict[int, object] = {}
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is None:
                continue
            try:
                self._previous[number] = signal.signal(number, _on_stop)
            except ValueError:  # not the main thread
                pass

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]


def write_pending(
    out: BinaryIO, pending: list[bytes], transform: Callable[[bytes], bytes] | None = None
) -> None:
    """Write ``pending``'s pieces to ``out`` in order, emptying the list as they are written.

    Every byte is written once: a partial write (a raw file) continues with
    the rest; a non-blocking file that would block is waited for; a stop
    that arrives meanwhile is raised once the write is done and noted.

    Args:
        out: a binary file, buffered or raw.
        pending: the pieces; on return it is empty. If an error or a second
            stop interrupts the write, it holds what was not written.
        transform: applied once to the joined pieces before writing (a
            sanitiser's ``feed``, which keeps state: it must see each byte once).
    """
    global _holding, _held
    _holding += 1
    done = 0  # pieces written whole
    try:
        if transform is not None and pending:
            pending[:] = [transform(b"".join(pending))]
        elif len(pending) > _WRITE_APART:
            pending[:] = [b"".join(pending)]
        count = len(pending)
        while done < count:
            piece = pending[done]
            try:
                written = out.write(piece)
            except BlockingIOError as error:  # buffered, non-blocking: part of it was taken
                written = error.characters_written
                _wait_writable(out)
            if written is None:  # a non-blocking raw file that would block
                _wait_writable(out)
            elif written >= len(piece):
                done += 1
            else:
                pending[done] = piece[written:]
        while True:
            try:
                out.flush()
                break
            except BlockingIOError:
                _wait_writable(out)
    finally:
        del pending[:done]
        _holding -= 1
        if not _holding and _held is not None:
            stop, _held = _held, None
            raise stop


def _wait_writable(out: BinaryIO) -> None:
    """Wait until a non-blocking ``out`` takes more bytes."""
    select.select([], [out], [])
