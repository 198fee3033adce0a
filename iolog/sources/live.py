"""The live pump: raw chunks from any live source in, decoder events out.

This module owns what every live source shares once bytes have arrived:
writing each byte to the ``--save`` file before decoding it (so the copy is
exact), feeding the one :class:`~iolog.core.decoder.Decoder`, flushing it when the
source is idle, and starting a fresh decoder after a reconnect. It knows
nothing of devices; :mod:`iolog.sources.serial` produces the chunks.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import BinaryIO

from ..core.decoder import Decoder, Event
from ..core.errors import SaveError
from .status import SourceState, SourceStatus

__all__ = ["SETTLED_IDLE_CHUNKS", "live_events"]

#: Idle chunks in a row after which the end is taken as it is.
SETTLED_IDLE_CHUNKS = 2


def live_events(
    chunks: Iterable[bytes | SourceStatus], *, save: BinaryIO | None = None
) -> Iterator[list[Event | SourceStatus]]:
    """Decode a live stream of chunks, keeping an exact copy of it.

    Every received byte is written to ``save`` (and flushed) before it is
    decoded, so the save file is byte-identical to the stream and opens later
    as an ordinary log. One :class:`~iolog.core.decoder.Decoder` (resyncing, so
    boot noise before the first header is skipped and reported) decodes the
    stream; offsets count bytes since the start, across reconnects. An idle
    chunk (``b""``) flushes the decoder so the newest whole entry shows at
    once; after :data:`SETTLED_IDLE_CHUNKS` in a row, a line still without its
    newline shows too. Stopped (Ctrl-C), it gives the decoder's last events
    before the interruption goes on.
    A ``DISCONNECTED`` or ``ENDED`` status closes the decoder (its
    ``Truncated`` or ``Skipped`` tail is reported); the next ``CONNECTED``
    starts a fresh decoder at the current offset. Statuses pass through with
    ``offset`` set to the stream offset where they happened.

    Args:
        chunks: items from :meth:`SerialSource.chunks` or any such iterable.
        save: a binary file to append every received byte to, or ``None``.

    Yields:
        One batch per input item: decoder events and statuses in stream
        order, possibly empty (so a consumer can check for cancellation).
        When ``chunks`` ends, a last batch with the decoder's remaining events.

    Raises:
        SaveError: writing ``save`` failed; nothing more is read or decoded.
    """
    offset = 0
    decoder: Decoder | None = Decoder(offset=0, resync=True)
    idle = 0
    try:
        for chunk in chunks:
            batch: list[Event | SourceStatus] = []
            if isinstance(chunk, SourceStatus):
                idle = 0
                if chunk.state is SourceState.CONNECTED:
                    if decoder is None:
                        decoder = Decoder(offset=offset, resync=True)
                elif decoder is not None:
                    batch.extend(decoder.close())
                    decoder = None
                batch.append(chunk if chunk.offset is not None else replace(chunk, offset=offset))
            elif chunk:
                idle = 0
                if save is not None:
                    _save(save, chunk)
                offset += len(chunk)
                if decoder is None:  # bytes without a CONNECTED first: a new stream
                    decoder = Decoder(offset=offset - len(chunk), resync=True)
                batch.extend(decoder.feed(chunk))
            elif decoder is not None:
                idle += 1
                batch.extend(decoder.flush(settled=idle >= SETTLED_IDLE_CHUNKS))
            yield batch
    except KeyboardInterrupt:
        # Stopped (Ctrl-C, SIGTERM): what was received is shown before the exit.
        if decoder is not None:
            yield list(decoder.close())
        raise
    if decoder is not None:
        yield list(decoder.close())


def _save(save: BinaryIO, data: bytes) -> None:
    """Write all of ``data`` to ``save`` and flush, or raise SaveError."""
    view = memoryview(data)
    try:
        while view:
            written = save.write(view)
            if written is None:  # a non-blocking raw file that would block
                raise BlockingIOError(errno.EAGAIN, "the save file would block")
            view = view[written:]
        save.flush()
    except (OSError, ValueError) as exc:
        name = getattr(save, "name", "the save file")
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SaveError(
            f"cannot write received bytes to {name}: {detail}; stopped so that none are lost"
        ) from exc
