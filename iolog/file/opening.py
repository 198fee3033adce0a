"""Opening a log file: whether it is a log at all, and its entries by path.

This module owns the rule that decides whether a file is an iolog file
before it is shown or printed (:func:`check_log_file`), and reading the
entries of a path, in a time window through the file's index when one is
asked for (:func:`read_entries`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from ..core.decoder import Decoder, Event, Skipped
from ..core.errors import DecodeError, NotAnIologFile
from ..core.format import Entry
from ..io import PathOrFile, read_events

__all__ = ["SNIFF_BYTES", "check_log_file", "read_entries"]

#: How much of a file :func:`check_log_file` decodes to tell whether it is a log.
SNIFF_BYTES = 64 * 1024


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
        DecodeError: with ``strict``, at the first undecodable bytes.
        OSError: the source cannot be opened or read.
    """
    if (since_ns is not None or until_ns is not None) and isinstance(source, (str, os.PathLike)):
        from .logfile import LogFile

        with LogFile(source) as log:
            yield from _entries_only(log.events(since_ns=since_ns, until_ns=until_ns), strict)
        return
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


def check_log_file(path: str | os.PathLike[str], *, sniff_bytes: int = SNIFF_BYTES) -> int:
    """Check that ``path`` is a readable log before showing or printing it.

    An empty file is a valid, empty log. Otherwise its first ``sniff_bytes``
    bytes (or the whole of a shorter file) must hold an entry.

    Args:
        path: the file.
        sniff_bytes: how much to decode.

    Returns:
        The file's size.

    Raises:
        NotAnIologFile: no entry in the first ``sniff_bytes`` bytes; the
            message says so in one line.
        OSError: it cannot be opened or read (``IsADirectoryError`` for a
            directory); see :func:`describe_os_error`.
    """
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        head = handle.read(sniff_bytes)
    if not head:
        return size
    decoder = Decoder()
    events = decoder.feed(head)
    events += decoder.close() if len(head) >= size else decoder.flush()
    if not any(isinstance(event, Entry) for event in events):
        raise NotAnIologFile(
            f"{os.fspath(path)}: not an iolog file (no entry in its first {len(head)} bytes)"
        )
    return size
