"""The time window a user chose, and where a since time lands in the log.

This module owns the values that the since picker returns and the viewer
rescans by: a :class:`TimeRange` (either end may be open), a
:class:`Landing` (what the picker previews), and the local "now" that
:func:`iolog.parse_since` counts back from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Landing", "TimeRange", "now_datetime"]


@dataclass(frozen=True)
class TimeRange:
    """A time window chosen by the user (either end may be open).

    Attributes:
        since_ns: show rows at or after this time (unix ns), or ``None``.
        until_ns: show rows before this time (unix ns), or ``None``.
        since_text: what the user typed for since (for the status bar).
        until_text: what the user typed for until.
    """

    since_ns: int | None = None
    until_ns: int | None = None
    since_text: str = ""
    until_text: str = ""

    @property
    def is_all(self) -> bool:
        """No bound at all."""
        return self.since_ns is None and self.until_ns is None


@dataclass(frozen=True)
class Landing:
    """Where a since time lands in the log.

    Attributes:
        row: the number (0-based) of the first entry at or after the time.
        rows: entries in the log.
        timestamp_ns: that row's time, or ``None`` when no row is that late.
        span: the earliest and latest timestamps in the log, when known.
    """

    row: int
    rows: int
    timestamp_ns: int | None
    span: tuple[int, int] | None = None


def now_datetime(now_ns: int) -> datetime:
    """``now_ns`` as a naive local ``datetime`` (for :func:`parse_since`)."""
    return datetime.fromtimestamp(now_ns / 1e9)
