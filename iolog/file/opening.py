"""Opening a log file: whether it is a log at all, and its entries by path.

This module owns the rule that decides whether a file is an iolog file
before it is shown or printed (:func:`check_log_file`; :func:`check_log`
says every failure in one line), and reading the
entries of a path, in a time window through the file's index when one is
asked for (:func:`read_entries`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..core.decoder import Event, Skipped, Truncated
from ..core.errors import DecodeError, NotAnIologFile, SourceError, describe_os_error
from ..core.format import Entry
from .walk import walk

if TYPE_CHECKING:
    from ..io import PathOrFile

__all__ = ["SNIFF_BYTES", "check_log", "check_log_file", "read_entries"]

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


def check_log_file(path: str | os.PathLike[str], *, sniff_bytes: int | None = None) -> int:
    """Check that ``path`` is a readable log before showing or printing it.

    A file is a log when an entry exists anywhere in it: behind a garbage
    prefix of any size, or a first entry still being written (a truncated
    entry whose header has arrived). An empty file is a valid, empty log.
    Only a file in which nothing decodes as an entry is "not an iolog file".
    Regions that hold no header at all (zeros, noise) are passed over at
    memory speed.

    Args:
        path: the file.
        sniff_bytes: look only this far (``None``: as far as it takes). A
            larger file with no entry in its first ``sniff_bytes`` passes
            (the caller will find out, and say so, as it reads on).

    Returns:
        The file's size.

    Raises:
        NotAnIologFile: nothing in the file decodes as an entry; the message
            says so in one line.
        OSError: it cannot be opened or read (``IsADirectoryError`` for a
            directory); see :func:`describe_os_error`.
    """
    with open(path, "rb") as handle:
        fd = handle.fileno()
        size = os.fstat(fd).st_size
        limit = size if sniff_bytes is None else min(size, sniff_bytes)
        for item in walk(fd, 0, size, stop=limit):
            if not isinstance(item, list) or any(isinstance(e, (Entry, Truncated)) for e in item):
                return size
    if limit == 0 or limit < size:
        return size
    raise NotAnIologFile(f"{os.fspath(path)}: not an iolog file (no entry in its {size} bytes)")


def check_log(path: str | os.PathLike[str], *, sniff_bytes: int | None = None) -> int:
    """Check that ``path`` is a readable log; say why not in one line.

    The rule is :func:`check_log_file`'s: an empty file is a valid log, and
    one whose first ``sniff_bytes`` hold no entry passes when it goes on.

    Args:
        path: the file.
        sniff_bytes: look only this far (``None``: as far as it takes).

    Returns:
        The file's size.

    Raises:
        NotAnIologFile: nothing in the file decodes as an entry.
        SourceError: it cannot be opened or read (``PATH: no such file``,
            ``PATH: permission denied``, ``PATH: is a directory``...).
    """
    try:
        return check_log_file(path, sniff_bytes=sniff_bytes)
    except OSError as exc:
        raise SourceError(f"{os.fspath(path)}: {describe_os_error(exc)}") from exc
