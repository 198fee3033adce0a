"""Turning rows into safe, styled Rich text: messages and timestamps.

This module owns how a row's bytes and time (and a byte count) are drawn. A message goes
through the viewer's one gate for untrusted text
(:func:`~iolog_tui.safetext.safe_text`): SGR colour and weight sequences
render as colour; every other escape sequence and control character (bells,
backspaces, carriage returns, a LF inside an entry, NUL, DEL, the C1 range),
BiDi controls and invalid UTF-8 are shown as visible escapes, so nothing
from the log is ever sent raw to the terminal. Tabs expand to spaces.

A line's level word (:func:`iolog.detect_level`) is drawn in its level's
colour (:func:`level_style`: errors and worse red, warnings yellow, debug
and trace dim), over the line's own colours. The colour is the level's
alone: the gutter says the stream, and a line on stderr is not an error
for being there.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

from rich.style import Style
from rich.text import Text

from iolog import Level, detect_level, format_docker_time

from .durations import duration_text
from .safetext import safe_text

__all__ = [
    "SOURCE_COLOURS",
    "TimeFormat",
    "match_highlighter",
    "source_style",
    "format_bytes",
    "format_duration",
    "clock_step_text",
    "format_step",
    "format_time",
    "level_style",
    "message_plain",
    "message_text",
    "short_time",
    "time_width",
]


class TimeFormat(str, enum.Enum):
    """How row timestamps are shown; ``t`` cycles through them in this order."""

    UTC = "utc"
    LOCAL = "local"
    RELATIVE = "relative"
    HIDDEN = "hidden"

    def next(self) -> TimeFormat:
        """The format after this one in the cycle."""
        members = list(TimeFormat)
        return members[(members.index(self) + 1) % len(members)]


_WIDTHS = {
    TimeFormat.UTC: len("2006-01-02T15:04:05.000000000Z"),
    TimeFormat.LOCAL: len("2006-01-02 15:04:05.000"),
    TimeFormat.RELATIVE: len("-12d23h59m59.9s"),
    TimeFormat.HIDDEN: 0,
}


def time_width(time_format: TimeFormat) -> int:
    """Cells a timestamp takes in ``time_format`` (0 when hidden)."""
    return _WIDTHS[time_format]


def format_duration(delta_ns: int) -> str:
    """A short signed duration, for the relative time column: ``-3m12.5s``, ``-2h05m00s``, ``+850ms``.

    Written by the viewer's one rule for durations (:mod:`iolog_tui.durations`), three units at
    most, every one of them (a column).
    """
    return duration_text(delta_ns, units=3, signed=True, fixed=True)


def format_step(delta_ns: int) -> str:
    """How far a clock stepped, rounded for a person: ``850µs``, ``12ms``, ``45.2s``, ``3m12s``, ``2h05m``.

    Written by the viewer's one rule for durations (:mod:`iolog_tui.durations`), two units at most.
    """
    return duration_text(abs(delta_ns), units=2)


def clock_step_text(delta_ns: int) -> str:
    """The separator before a line whose time is ``delta_ns`` earlier than the line before it."""
    return f"── clock stepped back {format_step(delta_ns)} ──"


def format_bytes(count: int) -> str:
    """A byte count for a person: ``512 bytes``, ``1.5 KiB``, ``312 MiB``, ``2.6 GiB``."""
    if count < 1024:
        return f"{count:,} bytes"
    value = float(count)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"


def format_time(timestamp_ns: int, time_format: TimeFormat, now_ns: int) -> str:
    """Format a row's timestamp.

    Args:
        timestamp_ns: unix nanoseconds.
        time_format: which form.
        now_ns: the present, for relative times.

    Returns:
        The text, at most ``time_width(time_format)`` cells (empty when hidden).
    """
    if time_format is TimeFormat.UTC:
        return format_docker_time(timestamp_ns)
    if time_format is TimeFormat.LOCAL:
        seconds, nanos = divmod(timestamp_ns, 1_000_000_000)
        try:
            moment = datetime.fromtimestamp(seconds, tz=timezone.utc).astimezone(
                _local_zone(seconds)
            )
        except (OverflowError, OSError, ValueError):
            return format_docker_time(timestamp_ns)[: _WIDTHS[TimeFormat.LOCAL]]
        return f"{moment:%Y-%m-%d %H:%M:%S}.{nanos // 1_000_000:03d}"
    if time_format is TimeFormat.RELATIVE:
        return format_duration(timestamp_ns - now_ns)
    return ""


def short_time(timestamp_ns: int, time_format: TimeFormat, now_ns: int) -> str:
    """A time to the second, for the status bar and notes: UTC (``...Z``), else local."""
    if time_format is TimeFormat.UTC:
        return format_docker_time(timestamp_ns)[:19] + "Z"
    return format_time(timestamp_ns, TimeFormat.LOCAL, now_ns)[:19]


def _local_zone(seconds: int) -> timezone:
    """The local zone's offset at ``seconds`` (honours ``TZ`` after ``tzset``)."""
    local = time.localtime(seconds)
    return timezone(timedelta(seconds=local.tm_gmtoff), local.tm_zone)


def _message_string(message: bytes) -> str:
    """The message without its line end, bytes that are not UTF-8 as surrogates."""
    if message.endswith(b"\n"):
        message = message[:-2] if message.endswith(b"\r\n") else message[:-1]
    return message.decode("utf-8", "surrogateescape")


_LEVEL_STYLES = {
    Level.FATAL: Style(color="red", bold=True),
    Level.ERROR: Style(color="red", bold=True),
    Level.WARN: Style(color="yellow", bold=True),
    Level.DEBUG: Style(dim=True),
    Level.TRACE: Style(dim=True),
}


def level_style(level: Level) -> Style | None:
    """How a level word is drawn: errors and worse red, warnings yellow, debug and trace dim."""
    return _LEVEL_STYLES.get(level)


def _level_mark(message: bytes) -> tuple[int, int, Style] | None:
    """Where a line's level word is in its text (characters, not bytes), and its style."""
    span = detect_level(message)
    if span is None:
        return None
    style = _LEVEL_STYLES.get(span.level)
    if style is None:
        return None
    start = len(message[: span.start].decode("utf-8", "surrogateescape"))
    end = start + len(message[span.start : span.end].decode("utf-8", "surrogateescape"))
    return start, end, style


def message_text(message: bytes, *, tab_size: int = 8, levels: bool = False) -> Text:
    """Turn a payload into safe Rich text, as a row shows it.

    The trailing newline (and a ``\\r`` before it) is dropped; SGR colour
    sequences become styles; other control characters (a LF inside the
    message too), BiDi controls and invalid UTF-8 bytes are shown escaped.

    Args:
        message: the joined payloads of one logical line.
        tab_size: columns per tab stop.
        levels: draw the line's level word in its level's colour.

    Returns:
        Text safe to draw, on one line.
    """
    mark = _level_mark(message) if levels else None
    text = safe_text(_message_string(message), colours=True, tab_size=tab_size, mark=mark)
    text.no_wrap = True
    return text


def message_plain(message: bytes) -> str:
    """A row's message as it is shown, as plain text (for the clipboard).

    Visible escapes stay as they are drawn; colour sequences, which are
    not text, are left out; tabs stay tabs.
    """
    return safe_text(_message_string(message), colours=True).plain


def match_highlighter(
    spans: Callable[[str], Iterable[tuple[int, int]]], style: Style
) -> Callable[[Text], None]:
    """Styles every match (``spans`` of a row's drawn text) with ``style``."""

    def highlight(text: Text) -> None:
        for start, end in spans(text.plain):
            text.stylize(style, start, end)

    return highlight


#: The logs' colours in a view of several logs, by position (a log keeps its colour while the view lasts).
#: Set colours, not the terminal's ANSI ones: apart from stdout's green and stderr's red in every theme.
SOURCE_COLOURS = ("#5fafff", "#ffaf00", "#c792ea", "#4ec9b0", "#ffd75f", "#87d7ff", "#d7af87", "#afafff",
                  "#d0d0d0", "#ff9f7f")


def source_style(log: int) -> Style:
    """Log number ``log``'s colour in a view of several logs (its source column, its count)."""
    return Style(color=SOURCE_COLOURS[log % len(SOURCE_COLOURS)], bold=True)
