"""A file that takes frames whole, whatever its write() does.

This module owns writing encoded frames to one file object so that each
frame is on it whole or not at all: a short write is completed before
anything else, a file that would block (EAGAIN, or ``None`` from a raw
non-blocking file) is waited on until it is writable, and a write that
fails after part of a frame went out is undone on a seekable file by
truncating it back to the frame's start. Where that is impossible (a pipe
or a device) the torn part is counted, and the frame's rest is kept to be
written first next time or left to the caller. :mod:`iolog.sinkwriter`
decides which file gets which frames.
"""

from __future__ import annotations

import io
import select
import time
from collections.abc import Sequence
from typing import BinaryIO

__all__ = ["Frame", "FrameFile", "RawSink"]

#: Anything with ``write`` (``fileno``, ``seekable``/``tell``/``truncate`` are used when present).
RawSink = BinaryIO | io.RawIOBase | io.BufferedIOBase
#: A frame on its way: the encoded bytes, and how many of them are payload.
Frame = tuple[bytes, int]


class FrameFile:
    """A file that takes frames whole: the sink, or the rescue file.

    Args:
        file: a binary file object.
        name: its name in messages.
        owe_torn: when a failure leaves part of a frame on a file that cannot
            be rewound, keep the frame's rest to write first next time
            (``owed``); otherwise leave the frame to the caller.

    Attributes:
        ok: the last attempt succeeded.
        due: a failed file may be tried again.
        owed: the rest of a torn frame, and the frame.
        payload_bytes: payload bytes of the frames on the file whole.
        torn: bytes of frames left on the file in part.
    """

    def __init__(self, file: RawSink, name: str, *, owe_torn: bool) -> None:
        self.file = file
        self.name = name
        self.owe_torn = owe_torn
        self.fd = _fileno(file)
        self.ok = True
        self.due = False
        self.owed: tuple[memoryview, Frame] | None = None
        self.payload_bytes = 0
        self.torn = 0

    @property
    def usable(self) -> bool:
        """Worth trying: the last attempt succeeded, or a retry is due."""
        return self.ok or self.due

    def put(self, frames: Sequence[Frame]) -> tuple[int, OSError | None]:
        """Write the owed rest, then ``frames`` whole; return how many frames it took.

        A frame is taken when it is on the file whole. When a failure leaves
        part of one on a file that cannot be rewound, ``torn`` grows by that
        part and, if ``owe_torn``, the frame is taken and its rest ``owed``
        (written first next time); otherwise it is not taken.
        """
        if self.owed is not None:
            rest, frame = self.owed
            written, error = self._write_all(rest)
            if error is not None:
                self.owed = (rest[written:], frame)
                self.torn += written
                self.ok = self.due = False
                return 0, error
            self.owed = None
            self.torn -= len(frame[0]) - len(rest)
            self.payload_bytes += frame[1]
            self.ok, self.due = True, False
        if not frames:
            return 0, None
        data = frames[0][0] if len(frames) == 1 else b"".join(frame[0] for frame in frames)
        written, error = self._write_all(memoryview(data))
        if error is None:
            self.payload_bytes += sum(frame[1] for frame in frames)
            self.ok, self.due = True, False
            return len(frames), None
        taken = boundary = 0
        for frame in frames:
            if boundary + len(frame[0]) > written:
                break
            boundary += len(frame[0])
            self.payload_bytes += frame[1]
            taken += 1
        partial = written - boundary
        if partial and not self._take_back(partial):
            self.torn += partial
            if self.owe_torn:
                self.owed = (memoryview(frames[taken][0])[partial:], frames[taken])
                taken += 1
        self.ok = self.due = False
        return taken, error

    def _write_all(self, view: memoryview) -> tuple[int, OSError | None]:
        """Write all of ``view``, waiting out EAGAIN; return bytes written and the error."""
        position, size = 0, len(view)
        write = self.file.write
        while position < size:
            try:
                count = write(view[position:])
            except BlockingIOError as error:  # a buffered sink over a non-blocking fd
                position += getattr(error, "characters_written", 0)
                self._wait_writable()
                continue
            except OSError as error:
                return position, error
            if not count:  # None: a raw non-blocking sink that would block
                self._wait_writable()
                continue
            position += count
        return position, None

    def _wait_writable(self) -> None:
        if self.fd is not None:
            try:
                select.select([], [self.fd], [], 1.0)
                return
            except (OSError, ValueError):
                pass
        time.sleep(0.001)

    def _take_back(self, count: int) -> bool:
        """Remove the last ``count`` bytes written, on a seekable file."""
        try:
            if not self.file.seekable():
                return False
            start = self.file.tell() - count
            self.file.truncate(start)
            self.file.seek(start)
        except (OSError, ValueError, AttributeError):
            return False
        return True


def _fileno(file: RawSink) -> int | None:
    try:
        return file.fileno()
    except (OSError, ValueError, AttributeError):
        return None
