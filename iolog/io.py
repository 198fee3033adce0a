"""File-object adapters around the codec: LogWriter, LogReader, read_events.

This module owns the blocking, file-like face of iolog: a writer that frames
bytes exactly as VMware VIC's ``LogWriter`` does, a reader that returns the
payloads as VIC's ``LogReader`` does (optionally stamping each logical line),
and iterators of entries over paths and binary files. All decoding goes
through :class:`~iolog.core.decoder.Decoder`.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import BinaryIO, Union

from .core.decoder import Decoder, Event, Truncated
from .core.errors import InvalidArgumentError
from .core.format import (
    MAX_ENTRY_SIZE,
    Entry,
    Stream,
    encode_entry,
    format_docker_time,
)

__all__ = [
    "READ_CHUNK_SIZE",
    "LogReader",
    "LogWriter",
    "PathOrFile",
    "read_events",
]

#: Bytes read from a file per call when decoding.
READ_CHUNK_SIZE = 1 << 20

PathOrFile = Union[str, "os.PathLike[str]", BinaryIO, io.RawIOBase, io.BufferedIOBase]

# One lock for every sink: two writers (stdout and stderr) sharing a sink
# from two threads must never interleave frames. Frames are small and one
# write() call each, so a single lock costs nothing measurable.
_SINK_LOCK = threading.Lock()


class LogWriter(io.RawIOBase):
    """A writable binary file object that frames what it is given.

    Like VIC's writer, it ends an entry at each newline (the newline stays in
    the payload), cuts anything longer than ``MAX_ENTRY_SIZE`` into entries of
    that size, and keeps a trailing partial line until more bytes arrive, or
    :meth:`flush` or :meth:`close` is called. Each entry is stamped with the
    clock reading taken when its first byte was written.

    Args:
        sink: a binary file object (anything with ``write``; ``flush`` is used
            if present).
        stream: the stream bit written in every header.
        clock: returns unix nanoseconds; ``time.time_ns`` by default.
        close_sink: close ``sink`` when this writer is closed.

    If the sink fails, the error propagates and nothing is lost: the frames
    not yet written are kept and sent first on the next write or flush.
    """

    def __init__(
        self,
        sink: BinaryIO | io.RawIOBase | io.BufferedIOBase,
        *,
        stream: Stream = Stream.STDOUT,
        clock: Callable[[], int] = time.time_ns,
        close_sink: bool = False,
    ) -> None:
        super().__init__()
        if not hasattr(sink, "write"):
            raise InvalidArgumentError(f"sink {sink!r} has no write() method")
        self._sink = sink
        self._stream = Stream(stream)
        self._clock = clock
        self._close_sink = close_sink
        self._partial = bytearray()
        self._partial_ts = 0
        self._unsent = bytearray()
        self._lock = threading.Lock()

    @property
    def stream(self) -> Stream:
        """The stream this writer stamps on its entries."""
        return self._stream

    @property
    def pending(self) -> int:
        """Bytes accepted but not yet on the sink (partial line and unsent frames)."""
        return len(self._partial) + len(self._unsent)

    def writable(self) -> bool:
        """Always true while open."""
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        """Frame ``data``; complete lines are written to the sink at once.

        Args:
            data: any bytes.

        Returns:
            ``len(data)``: every byte is accepted (kept if the sink fails).

        Raises:
            ValueError: the writer is closed.
            OSError: the sink failed; the bytes are kept for the next attempt.
        """
        if self.closed:
            raise ValueError("write to closed LogWriter")
        view = memoryview(data).cast("B")
        size = len(view)
        if not size:
            return 0
        with self._lock:
            now = self._clock()
            partial = self._partial
            if not partial:
                self._partial_ts = now
            partial += view
            stamp = self._partial_ts  # the first entry may have begun earlier
            frames = bytearray()
            start = 0
            length = len(partial)
            find = partial.find
            while True:
                newline = find(b"\n", start, start + MAX_ENTRY_SIZE)
                if newline >= 0:
                    end = newline + 1
                elif length - start >= MAX_ENTRY_SIZE:
                    end = start + MAX_ENTRY_SIZE
                else:
                    break
                frames += encode_entry(
                    bytes(partial[start:end]), timestamp_ns=stamp, stream=self._stream
                )
                stamp = now
                start = end
            if start:
                del partial[:start]
                self._partial_ts = now
                self._unsent += frames
            self._send()
        return size

    def flush(self) -> None:
        """Write the partial line as an entry and flush the sink.

        Raises:
            OSError: the sink failed; the bytes are kept for the next attempt.
        """
        if self.closed:
            return
        with self._lock:
            if self._partial:
                self._unsent += encode_entry(
                    bytes(self._partial), timestamp_ns=self._partial_ts, stream=self._stream
                )
                self._partial.clear()
            self._send()
            sink_flush = getattr(self._sink, "flush", None)
            if sink_flush is not None:
                with _SINK_LOCK:
                    sink_flush()

    def take_unwritten(self) -> bytes:
        """Remove and return what the sink has not received yet, framed.

        For a caller whose sink failed for good: the returned bytes (unsent
        frames, then the partial line as one more frame) are a valid log
        fragment to keep somewhere else.

        Returns:
            The framed bytes, possibly empty.
        """
        with self._lock:
            if self._partial:
                self._unsent += encode_entry(
                    bytes(self._partial), timestamp_ns=self._partial_ts, stream=self._stream
                )
                self._partial.clear()
            kept = bytes(self._unsent)
            self._unsent.clear()
        return kept

    def close(self) -> None:
        """Flush, then close the sink if ``close_sink`` was given."""
        if self.closed:
            return
        try:
            self.flush()
        finally:
            super().close()
            if self._close_sink:
                self._sink.close()

    def _send(self) -> None:
        """Write whole unsent frames to the sink (lock held)."""
        unsent = self._unsent
        if not unsent:
            return
        with _SINK_LOCK:
            while unsent:
                written = self._sink.write(bytes(unsent))
                if written is None:  # a non-blocking raw sink that would block
                    raise BlockingIOError(0, "sink would block", 0)
                del unsent[: written if written is not None else len(unsent)]


def _open_binary(source: PathOrFile) -> tuple[BinaryIO, bool]:
    """Return a binary file object for ``source`` and whether we opened it."""
    if isinstance(source, (str, os.PathLike)):
        return open(source, "rb"), True  # noqa: SIM115 - closed by the caller
    if not hasattr(source, "read"):
        raise InvalidArgumentError(f"{source!r} is neither a path nor a binary file")
    return source, False  # type: ignore[return-value]


def read_events(
    source: PathOrFile, *, offset: int = 0, chunk_size: int = READ_CHUNK_SIZE
) -> Iterator[Event]:
    """Decode every event of a path or binary file, from its current position.

    Args:
        source: a path, or a binary file object positioned where decoding starts.
        offset: absolute offset of that position (for the events' offsets).
        chunk_size: bytes per read.

    Yields:
        Entries, ``Skipped`` and ``Truncated`` events in order.

    Raises:
        OSError: the file cannot be opened or read.
    """
    handle, owned = _open_binary(source)
    try:
        decoder = Decoder(offset=offset)
        read = handle.read
        while True:
            chunk = read(chunk_size)
            if not chunk:
                break
            yield from decoder.feed(chunk)
        yield from decoder.close()
    finally:
        if owned:
            handle.close()


class LogReader(io.RawIOBase):
    """A readable binary file object returning the payloads of a log.

    Like VIC's reader it returns the concatenated payloads in file order. With
    ``timestamps=True`` each logical line (entries of one stream joined until
    a newline) starts with docker's timestamp and a space.

    Args:
        source: a path, or a binary file object holding an iolog stream.
        timestamps: prefix each logical line with its time.
    """

    def __init__(self, source: PathOrFile, *, timestamps: bool = False) -> None:
        super().__init__()
        self._handle, self._owned = _open_binary(source)
        self._timestamps = timestamps
        self._events = read_events(self._handle)
        self._pending = b""
        self._line_start = [True, True]
        self.skipped_bytes = 0
        """Bytes skipped as undecodable so far."""
        self.truncated_bytes = 0
        """Bytes of an incomplete entry at the end, once reached."""

    def readable(self) -> bool:
        """Always true while open."""
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        """Fill ``buffer`` with the next payload bytes; 0 at the end."""
        if self.closed:
            raise ValueError("read from closed LogReader")
        view = memoryview(buffer).cast("B")
        while not self._pending:
            chunk = self._next_chunk()
            if chunk is None:
                return 0
            self._pending = chunk
        count = min(len(view), len(self._pending))
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def _next_chunk(self) -> bytes | None:
        for event in self._events:
            if isinstance(event, Entry):
                if not self._timestamps:
                    return event.message
                stream = int(event.stream)
                prefix = b""
                if self._line_start[stream]:
                    prefix = format_docker_time(event.timestamp_ns).encode() + b" "
                self._line_start[stream] = event.message.endswith(b"\n")
                return prefix + event.message
            if isinstance(event, Truncated):
                self.truncated_bytes += event.length
            else:
                self.skipped_bytes += event.length
        return None

    def close(self) -> None:
        """Close the reader (and the file, if it opened it)."""
        if not self.closed and self._owned:
            self._handle.close()
        super().close()
