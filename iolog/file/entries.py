"""Reading the entries of a path or a binary file, optionally in a time window.

This module owns :func:`read_entries`, the one call that gives a log's
entries whatever holds them: a path is read through
:class:`~iolog.file.logfile.LogFile` when a time window is asked for (its
index skips what cannot match), anything else through the stream reader
(:func:`iolog.io.read_events`). Damage is skipped, or raised with ``strict``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..core.decoder import Event, Skipped
from ..core.errors import DecodeError
from ..core.format import Entry
from .logfile import LogFile

if TYPE_CHECKING:
    from ..io import PathOrFile

__all__ = ["read_entries"]


def read_entries(
    source: PathOrFile,
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
    strict: bool = False,
) -> Iterator[Entry]:
    """Iterate the entries of a path or binary file, optionally in a time window.

    The window is the linear filter ``since_ns <= timestamp_ns < until_ns`` in
    file order (so entries after a backward clock jump are kept when they
    match). A seekable source is answered through its index, without reading
    the parts of the file that cannot match.

    Args:
        source: a path, or a binary file object.
        since_ns: keep entries at or after this time (unix ns), if given.
        until_ns: keep entries before this time (unix ns), if given.
        strict: raise on undecodable data instead of skipping it.

    Yields:
        Matching entries, in file order.

    Raises:
        DecodeError: with ``strict``, at the first undecodable bytes (its
            ``offset`` and ``length`` say where and how many).
        OSError: the source cannot be opened or read.
    """
    if (since_ns is not None or until_ns is not None) and isinstance(source, (str, os.PathLike)):
        with LogFile(source) as log:
            yield from _entries_only(log.events(since_ns=since_ns, until_ns=until_ns), strict)
        return
    from ..io import read_events  # the stream reader (and the writing side it sits with): loaded here only

    events = read_events(source)
    for event in _entries_only(events, strict):
        if since_ns is not None and event.timestamp_ns < since_ns:
            continue
        if until_ns is not None and event.timestamp_ns >= until_ns:
            continue
        yield event


def _entries_only(events: Iterator[Event], strict: bool) -> Iterator[Entry]:
    for event in events:
        if isinstance(event, Entry):
            yield event
        elif strict:
            what = "skipped" if isinstance(event, Skipped) else "truncated"
            raise DecodeError(
                f"{event.length} undecodable bytes ({what}) at offset {event.offset}",
                offset=event.offset,
                length=event.length,
            )
