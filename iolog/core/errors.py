"""Every exception type iolog raises on purpose, in one place.

One base class, :class:`IologError`, so callers can catch everything this
package raises on purpose; a subclass for the caller's own mistakes
(:class:`InvalidArgumentError`), one for data that cannot be decoded when
the caller asked for strict reading (:class:`DecodeError`), one for a file
that holds no log at all (:class:`NotAnIologFile`), and the failures of
live sources, save files and index builds. Recoverable corruption in
lenient reading is reported as an event, never raised.
"""

from __future__ import annotations

__all__ = [
    "DecodeError",
    "IndexBuildCancelled",
    "InvalidArgumentError",
    "IologError",
    "NotAnIologFile",
    "SaveError",
    "SourceError",
    "describe_os_error",
]


class IologError(Exception):
    """Base class of every error raised on purpose by iolog."""


class InvalidArgumentError(IologError, ValueError):
    """An argument is out of range or of the wrong form (the caller's mistake)."""


class DecodeError(IologError):
    """Bytes that are not a valid iolog stream, met while reading strictly.

    Attributes:
        offset: byte offset in the source where the undecodable data starts.
        length: how many bytes could not be decoded.
    """

    def __init__(self, message: str, *, offset: int, length: int) -> None:
        super().__init__(message)
        self.offset = offset
        self.length = length


class NotAnIologFile(IologError):
    """A file holds no decodable iolog entry at all."""


class IndexBuildCancelled(IologError):
    """Building the index was cancelled through ``should_stop``.

    The work done so far is kept: the next build resumes where this one stopped.
    """


class SaveError(IologError):
    """Received bytes could not be written to the save file (one-line message)."""


class SourceError(IologError, OSError):
    """A source (a live device, a log file) could not be opened, read or written (one-line message).

    It is an :class:`OSError` too, so a :class:`~iolog.io.LogWriter` over a
    serial writer keeps its unsent frames when the device fails, as it does
    for any failing sink.
    """


def describe_os_error(error: OSError) -> str:
    """One short phrase for a failure to open a file, for a one-line message."""
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    return error.strerror or str(error)
