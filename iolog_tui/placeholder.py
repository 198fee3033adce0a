"""What an empty pane says: reading, nothing in the time window, or waiting for entries.

This module owns those words (the panes show them in the middle of an empty
pane), so that a person looking at an empty pane knows why it is empty and
what to do.
"""

from __future__ import annotations

from .model.timerange import TimeRange
from .render import TimeFormat, short_time

__all__ = ["placeholder_text"]


def placeholder_text(
    *,
    scanning: bool,
    time_range: TimeRange,
    span: tuple[int, int] | None,
    tailing: bool,
    time_format: TimeFormat,
    now_ns: int,
    filtered: bool = False,
) -> str:
    """What an empty pane says.

    Args:
        scanning: the file is still being read.
        time_range: the window shown.
        span: the log's earliest and latest times, when known and useful.
        tailing: new entries are read as they are written.
        time_format: how times are shown.
        now_ns: the clock (for relative times).
        filtered: the pane has lines, and the filters keep none of them.
    """
    if scanning:
        return "reading…"
    if filtered:
        return "no line passes the filters · F lists them"
    if not time_range.is_all:
        if span is None:
            return "no entries in this time window · s changes it"
        earliest, latest = (short_time(stamp, time_format, now_ns) for stamp in span)
        return f"no entries in this time window · the log runs from {earliest} to {latest} · s changes it"
    if tailing:
        return "waiting for entries…"
    return "no entries · f follows the file for new ones"
