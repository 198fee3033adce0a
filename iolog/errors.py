"""Exception types for iolog.

One base class, :class:`IologError`, so callers can catch everything this
package raises on purpose; a subclass for the caller's own mistakes
(:class:`InvalidArgumentError`) and one for data that cannot be decoded when
the caller asked for strict reading (:class:`DecodeError`). Recoverable
corruption in lenient reading is reported as an event, never raised.
"""

from __future__ import annotations

__all__ = ["DecodeError", "InvalidArgumentError", "IologError"]


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
