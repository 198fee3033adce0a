"""Sources: where log bytes come from, and what a live source reports.

This module owns the vocabulary shared by every live source (a followed file,
stdin, a serial device, a socket): besides decoder events they yield
:class:`SourceStatus` events, so a consumer (``iolog cat -f``, the viewer)
can say on screen that a file was truncated or replaced, or that a device
disconnected and came back. Adapters stay thin: they read bytes and feed the
one :class:`~iolog.core.decoder.Decoder`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["SourceState", "SourceStatus"]


class SourceState(str, enum.Enum):
    """What happened to a live source."""

    CONNECTED = "connected"
    """The source was opened (or re-opened after a disconnect)."""
    DISCONNECTED = "disconnected"
    """The device or socket went away; the source retries unless told not to."""
    TRUNCATED = "truncated"
    """A followed file shrank; reading restarts at its new start."""
    REPLACED = "replaced"
    """A followed file was replaced (rotation); reading continues in the new file."""
    ENDED = "ended"
    """The source ended for good (end of input with no follow, or no reconnect)."""


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A change in a live source's state, yielded between decoder events.

    Attributes:
        state: what happened.
        message: one human-readable line about it (for a status bar or stderr).
        offset: for a file, the offset where reading continues, else ``None``.
    """

    state: SourceState
    message: str
    offset: int | None = None
