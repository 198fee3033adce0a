"""File-object adapters around the codec: LogWriter, LogReader, read_events.

This module owns the blocking, file-like face of iolog: a writer that cuts
bytes into entries exactly as VMware VIC's ``LogWriter`` does (and hands them
to its sink's :class:`~iolog.sinkwriter.SinkWriter`, which stamps and writes
them), a reader that returns the payloads as VIC's ``LogReader`` does
(optionally stamping each logical line), and iterators of entries over paths
and binary files. All decoding goes through
:class:`~iolog.core.decoder.Decoder`.
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
from .framefile import RawSink
from .sinkwriter import SinkWriter

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


class LogWriter(io.RawIOBase):
    """A writable binary file object that frames what it is given.

    Like VIC's writer, it ends an entry at each newline (the newline stays in
    the payload) and keeps a trailing partial line until more bytes arrive,
    or :meth:`flush` or :meth:`close` is called. Each entry is stamped with
    one clock reading taken when it is emitted, under the lock of the sink it
    is written to, so a line's time is when its newline arrived and a shared
    sink's order is its time order.

    One difference from VIC: a line longer than ``Entry.MAX_SIZE`` is emitted
    in entries of that size as each one fills (memory stays bounded), each
    stamped then; VIC holds the whole line until its newline and stamps its
    entries then. For lines shorter than that, the bytes equal VIC's for any
    clock.

    Args:
        sink: a binary file object (anything with ``write``; ``flush`` is used
            if present), or a :class:`~iolog.sinkwriter.SinkWriter`. Writers
            given the same file object share one sink writer, so their frames
            never interleave.
        stream: the stream bit written in every header.
        clock: returns unix nanoseconds; ``time.time_ns`` by default.
        close_sink: close ``sink`` (the file, or the sink writer) when this
            writer is closed.

    If the sink fails, the error propagates and nothing is lost: the frames
    not yet written are held and sent first on the next write or flush. A
    sink writer made with :meth:`SinkWriter.diverting` never raises:
    it diverts them instead.

    Raises:
        InvalidArgumentError: ``sink`` has no ``write`` method.
    """

    def __init__(
        self,
        sink: RawSink | SinkWriter,
        *,
        stream: Stream = Stream.STDOUT,
        clock: Callable[[], int] = time.time_ns,
        close_sink: bool = False,
    ) -> None:
        super().__init__()
        self._sink_writer = sink if isinstance(sink, SinkWriter) else SinkWriter.shared(sink)
        self._given = sink
        self._stream = Stream(stream)
        self._clock = clock
        self._close_sink = close_sink
        self._partial = bytearray()
        self._lock = threading.Lock()

    @property
    def stream(self) -> Stream:
        """The stream this writer stamps on its entries."""
        return self._stream

    @property
    def sink_writer(self) -> SinkWriter:
        """The sink writer this writer hands its entries to."""
        return self._sink_writer

    @property
    def partial_bytes(self) -> int:
        """Bytes of the trailing partial line, not yet an entry."""
        return len(self._partial)

    @property
    def pending(self) -> int:
        """Bytes accepted but not yet on the sink (partial line and held frames)."""
        return len(self._partial) + self._sink_writer.held_bytes

    def writable(self) -> bool:
        """Always true while open."""
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        """Frame ``data``; complete lines are emitted and written at once.

        Args:
            data: any bytes.

        Returns:
            ``len(data)``: every byte is accepted (held if the sink fails).

        Raises:
            ValueError: the writer is closed.
            OSError: the sink failed; the entries are held for the next attempt.
        """
        if self.closed:
            raise ValueError("write to closed LogWriter")
        view = memoryview(data).cast("B")
        size = len(view)
        if not size:
            return 0
        with self._lock:
            partial = self._partial
            partial += view
            payloads = []
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
                payloads.append(bytes(partial[start:end]))
                start = end
            if start:
                del partial[:start]
                self._sink_writer.emit(self._stream, payloads, self._clock)
        return size

    def flush(self) -> None:
        """Emit the partial line as an entry (stamped now) and flush the sink.

        Raises:
            OSError: the sink failed; the entries are held for the next attempt.
        """
        if self.closed:
            return
        with self._lock:
            if self._partial:
                payload = bytes(self._partial)
                self._partial.clear()
                self._sink_writer.emit(self._stream, [payload], self._clock)
            self._sink_writer.flush()

    def take_unwritten(self) -> bytes:
        """Remove and return what the sink has not received yet, framed.

        For a caller whose sink failed for good: the returned bytes (the held
        frames of every writer sharing the sink, then this writer's partial
        line as one more entry, stamped now) are a valid log fragment to keep
        somewhere else.

        Returns:
            The framed bytes, possibly empty.
        """
        with self._lock:
            kept = self._sink_writer.take_unwritten()
            if self._partial:
                kept += encode_entry(
                    bytes(self._partial), timestamp_ns=self._clock(), stream=self._stream
                )
                self._partial.clear()
        return kept

    def close(self) -> None:
        """Flush, then close the sink (or sink writer) if ``close_sink`` was given.

        Raises:
            OSError: the sink failed; the entries stay held.
        """
        if self.closed:
            return
        try:
            self.flush()
        finally:
            super().close()
            if self._close_sink:
                self._given.close()


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
