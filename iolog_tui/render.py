"""Turning rows into safe, styled Rich text: messages and timestamps.

This module owns what reaches the terminal from a log's bytes. SGR colour
sequences (``ESC [ ... m``) render as colour; every other control character
(other escape sequences, bells, backspaces, carriage returns, NUL, DEL and
the C1 range) is shown as a visible Unicode control picture, and invalid
UTF-8 as ``\\xNN`` escapes, so nothing from the log is ever sent raw to the
terminal. Tabs expand to spaces.
"""

from __future__ import annotations

import enum
import re
import time
from datetime import datetime, timedelta, timezone

from rich.ansi import AnsiDecoder
from rich.style import Style
from rich.text import Text

from iolog import format_docker_time

__all__ = ["TimeFormat", "format_duration", "format_time", "message_text", "time_width"]

# SGR sequences only: ESC [ params m. Everything else is escaped.
_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ESCAPE_STYLE = Style(dim=True, reverse=True)
_PICTURES = re.compile("[\u2400-\u2421]+|\\\\x[0-9a-f]{2}")


def _picture(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}"  # C1 controls


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
    """A short signed duration: ``-3m12.5s``, ``-2h05m``, ``+1.2s``, ``-4d03h``."""
    sign = "-" if delta_ns < 0 else "+"
    tenths = abs(delta_ns) // 100_000_000
    seconds, tenth = divmod(tenths, 10)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    if days:
        return f"{sign}{days}d{hour:02d}h{minute:02d}m"
    if hours:
        return f"{sign}{hours}h{minute:02d}m{second:02d}s"
    if minutes:
        return f"{sign}{minutes}m{second:02d}.{tenth}s"
    return f"{sign}{second}.{tenth}s"


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


def _local_zone(seconds: int) -> timezone:
    """The local zone's offset at ``seconds`` (honours ``TZ`` after ``tzset``)."""
    local = time.localtime(seconds)
    return timezone(timedelta(seconds=local.tm_gmtoff), local.tm_zone)


def message_text(message: bytes, *, tab_size: int = 8) -> Text:
    """Turn a payload into safe Rich text.

    The trailing newline (and a ``\\r`` before it) is dropped; SGR colour
    sequences become styles; other control characters and invalid UTF-8
    bytes are shown escaped.

    Args:
        message: the joined payloads of one logical line.
        tab_size: columns per tab stop.

    Returns:
        Text safe to draw.
    """
    if message.endswith(b"\n"):
        message = message[:-2] if message.endswith(b"\r\n") else message[:-1]
    decoded = message.decode("utf-8", "backslashreplace")
    if "\t" in decoded:
        decoded = decoded.expandtabs(tab_size)
    if _CONTROL.search(decoded) is not None:
        decoded = _escape_controls(decoded)
    text = AnsiDecoder().decode_line(decoded) if "\x1b" in decoded else Text(decoded)
    for picture in _PICTURES.finditer(text.plain):
        text.stylize(_ESCAPE_STYLE, picture.start(), picture.end())
    text.no_wrap = True
    text.end = ""
    return text


def _escape_controls(decoded: str) -> str:
    """Replace every control character except those of SGR sequences by a picture."""
    parts: list[str] = []
    position = 0
    for sgr in _SGR.finditer(decoded):
        parts.append(_CONTROL.sub(_picture_match, decoded[position : sgr.start()]))
        parts.append(sgr.group())
        position = sgr.end()
    parts.append(_CONTROL.sub(_picture_match, decoded[position:]))
    return "".join(parts)


def _picture_match(match: re.Match[str]) -> str:
    return _picture(match.group())
