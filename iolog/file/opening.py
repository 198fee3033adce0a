"""Opening a log file: whether it is a log at all.

This module owns the rule that decides whether a file is an iolog file
before it is shown or printed (:func:`check_log_file`; :func:`check_log`,
which is :meth:`iolog.LogFile.check`, says every failure in one line).
"""

from __future__ import annotations

import os

from ..core.decoder import Truncated
from ..core.errors import NotAnIologFile, SourceError, describe_os_error
from ..core.format import Entry
from .walk import walk

__all__ = ["SNIFF_BYTES", "check_log", "check_log_file"]

#: How much of a file :func:`check_log_file` decodes to tell whether it is a log.
SNIFF_BYTES = 64 * 1024


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
