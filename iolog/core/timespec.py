"""Parsing of ``docker logs --since/--until`` time specifications.

This module owns turning the strings a user may give to ``--since`` and ``--until``
into unix time in integer nanoseconds, with the same accepted forms as docker's
client-side ``GetTimestamp`` helper (moby ``api/types/time``):

* Go durations (``90s``, ``1h30m``, ``1.5h``, ``-10m``): ``now`` minus the duration.
  A negative duration is a time in the future. The bare string ``0`` is *not* a
  duration (it is unix time 0), but ``0s``, ``+0`` and ``-0`` are.
* RFC 3339 and its docker-accepted partial forms: ``2006-01-02T15:04:05.999999999Z07:00``
  down to ``2006-01-02``, each with or without a zone (``Z`` or ``+07:00``).
* Unix seconds with an optional fraction: ``1136073600.000000001``.

A time without a zone is local time: local to ``now``'s time zone when ``now`` is
aware, else to the system time zone (``TZ``). Unlike docker, which applies the UTC
offset in effect *now* to every zoneless time, the offset in effect at the parsed
wall-clock time is used, so dates across a DST change convert correctly. Wall-clock
times that occur twice (DST ends) resolve to the earlier instant; times that do
not exist (DST starts) are read with the offset in effect before the change
(``fold=0`` semantics of PEP 495).

Fractions of a second keep full nanosecond precision everywhere (integer
arithmetic only; digits beyond the ninth are truncated, as Go does). Docker
truncates duration results to whole seconds; this module does not.

Everything else raises :class:`~iolog.core.errors.InvalidArgumentError` (a
``ValueError``) whose one-line message quotes the value and lists the accepted
forms.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone, tzinfo

from iolog.core.errors import InvalidArgumentError

__all__ = ["parse_since", "parse_time_range"]

_NS_PER_SECOND = 1_000_000_000
_INT64_MAX = (1 << 63) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

_ACCEPTED_FORMS = (
    "expected a duration (10m, 1h30m, 1.5h), "
    "RFC 3339 (2006-01-02T15:04:05Z, 2006-01-02T15:04, 2006-01-02), "
    "or unix seconds (1136073600.000000001)"
)

# Go's time.ParseDuration units; U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU.
_UNIT_NS: dict[str, int] = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": _NS_PER_SECOND,
    "m": 60 * _NS_PER_SECOND,
    "h": 3600 * _NS_PER_SECOND,
}
# Longest first so that "ms" is preferred to "m" followed by a stray "s".
_UNIT_ALTERNATION = "|".join(re.escape(u) for u in sorted(_UNIT_NS, key=len, reverse=True))
# One element: digits with an optional fraction (either side may be empty, not both).
_DURATION_ELEMENT = rf"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:{_UNIT_ALTERNATION})"
_DURATION_RE = re.compile(rf"(?:{_DURATION_ELEMENT})+")
_DURATION_PART_RE = re.compile(rf"([0-9]*)(?:\.([0-9]*))?({_UNIT_ALTERNATION})")

# RFC 3339 and the partial forms docker accepts. Like Go's parser: a one- or
# two-digit hour, a fraction only after the seconds and separated by '.' or ',',
# a zone of 'Z' or '+hh:mm'/'-hh:mm'. Lower-case 't'/'z' are allowed (RFC 3339 5.6).
_TIME_RE = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"(?:[Tt](?P<hour>[0-9]{1,2})"
    r"(?::(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]+))?)?)?)?"
    r"(?P<zone>[Zz]|(?P<sign>[-+])(?P<zone_hour>[0-9]{2}):(?P<zone_minute>[0-9]{2}))?"
)

_UNIX_RE = re.compile(r"\+?(?P<seconds>[0-9]+)(?:\.(?P<fraction>[0-9]+))?")


def parse_since(value: str, now: datetime | None = None) -> int:
    """Parse a ``docker logs --since``/``--until`` value into unix nanoseconds.

    Args:
        value: a Go duration (``10m``, ``1h30m``, ``1.5h``, ``-5s``), an RFC 3339
            time or one of docker's partial forms (``2006-01-02T15:04:05.5Z``,
            ``2006-01-02T15:04``, ``2006-01-02+07:00``), or unix seconds with an
            optional fraction (``1136073600.000000001``).
        now: the reference time for durations, and whose time zone (if aware)
            zoneless times are read in. Naive means system local time. Defaults
            to the current time, with zoneless times read in the system zone.

    Returns:
        The time as integer nanoseconds since the unix epoch.

    Raises:
        InvalidArgumentError: ``value`` is none of the accepted forms, or a field
            of it (month, day, hour, zone offset, ...) is out of range.
    """
    now_ns, zone = _resolve_now(now)
    return _parse(value, now_ns, zone)


def parse_time_range(
    since: str | None, until: str | None, now: datetime | None = None
) -> tuple[int | None, int | None]:
    """Parse a ``--since``/``--until`` pair against one and the same ``now``.

    Args:
        since: the ``--since`` value, or ``None`` if not given.
        until: the ``--until`` value, or ``None`` if not given.
        now: as for :func:`parse_since`; resolved once, so relative values in
            both bounds refer to the same instant.

    Returns:
        ``(since_ns, until_ns)``, each ``None`` where the input was ``None``.

    Raises:
        InvalidArgumentError: either value is invalid (see :func:`parse_since`),
            or both are given and ``since`` is later than ``until``.
    """
    now_ns, zone = _resolve_now(now)
    since_ns = None if since is None else _parse(since, now_ns, zone)
    until_ns = None if until is None else _parse(until, now_ns, zone)
    if since_ns is not None and until_ns is not None and since_ns > until_ns:
        raise InvalidArgumentError(
            f"invalid time range: since {since!r} ({since_ns} ns) is after "
            f"until {until!r} ({until_ns} ns)"
        )
    return since_ns, until_ns


def _resolve_now(now: datetime | None) -> tuple[int, tzinfo | None]:
    """Return ``now`` in unix ns and the zone for zoneless times (None: system zone)."""
    if now is None:
        return time.time_ns(), None
    if now.utcoffset() is None:
        return _naive_local_ns(now), None
    return _timedelta_ns(now - _EPOCH), now.tzinfo


def _timedelta_ns(delta: timedelta) -> int:
    seconds = delta.days * 86_400 + delta.seconds
    return seconds * _NS_PER_SECOND + delta.microseconds * 1_000


def _naive_local_ns(wall: datetime) -> int:
    """Unix ns of a naive wall-clock time in the system zone (PEP 495 ``fold`` rules).

    Uses ``timestamp()``, not ``astimezone()``: for a wall time in a DST gap,
    CPython's naive ``astimezone()`` applies the offset of the resulting instant
    (after the change) and so disagrees with ``timestamp()`` and ``zoneinfo``.
    The float is exact: whole seconds, far below 2**53.
    """
    seconds = int(wall.replace(microsecond=0).timestamp())
    return seconds * _NS_PER_SECOND + wall.microsecond * 1_000


def _invalid(value: str, reason: str | None = None) -> InvalidArgumentError:
    detail = f"{reason}; " if reason else ""
    return InvalidArgumentError(f"invalid time {value!r}: {detail}{_ACCEPTED_FORMS}")


def _parse(value: str, now_ns: int, zone: tzinfo | None) -> int:
    if value == "":
        raise _invalid(value, "empty value")
    # Docker tries a duration first, except that a bare "0" means unix time 0.
    if value != "0":
        duration_ns = _parse_duration(value)
        if duration_ns is not None:
            return now_ns - duration_ns
    match = _TIME_RE.fullmatch(value)
    if match is not None:
        return _time_to_ns(value, match, zone)
    match = _UNIX_RE.fullmatch(value)
    if match is not None:
        seconds = int(match["seconds"])
        if seconds > _INT64_MAX:
            raise _invalid(value, "unix seconds out of range")
        return seconds * _NS_PER_SECOND + _fraction_ns(match["fraction"])
    raise _invalid(value)


def _parse_duration(value: str) -> int | None:
    """Go ``time.ParseDuration``: ns, or None if ``value`` is not a duration.

    Raises InvalidArgumentError if it is a duration that does not fit in int64 ns.
    """
    sign = 1
    body = value
    if body[:1] in ("+", "-"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return 0
    if _DURATION_RE.fullmatch(body) is None:
        return None
    total = 0
    for whole, fraction, unit in _DURATION_PART_RE.findall(body):
        unit_ns = _UNIT_NS[unit]
        total += int(whole or "0") * unit_ns
        if fraction:
            total += int(fraction) * unit_ns // 10 ** len(fraction)
    if total > (_INT64_MAX + 1 if sign < 0 else _INT64_MAX):
        raise _invalid(value, "duration out of range")
    return sign * total


def _fraction_ns(fraction: str | None) -> int:
    """Digits after the decimal point as nanoseconds, truncated past the ninth."""
    if not fraction:
        return 0
    return int(fraction[:9].ljust(9, "0"))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year, incl. 0)."""
    y = year - 1 if month <= 2 else year
    era = y // 400
    year_of_era = y - era * 400
    day_of_year = (153 * (month - 3 if month > 2 else month + 9) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def _time_to_ns(value: str, match: re.Match[str], zone: tzinfo | None) -> int:
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    hour = int(match["hour"] or "0")
    minute = int(match["minute"] or "0")
    second = int(match["second"] or "0")
    if not 1 <= month <= 12:
        raise _invalid(value, "month out of range")
    if not 1 <= day <= _days_in_month(year, month):
        raise _invalid(value, "day out of range")
    if hour > 23:
        raise _invalid(value, "hour out of range")
    if minute > 59:
        raise _invalid(value, "minute out of range")
    if second > 59:
        raise _invalid(value, "second out of range")
    fraction_ns = _fraction_ns(match["fraction"])

    if match["zone"] is not None:
        offset_s = 0
        if match["sign"] is not None:
            zone_hour, zone_minute = int(match["zone_hour"]), int(match["zone_minute"])
            # Go accepts up to 24 hours and 60 minutes ("some people do write them").
            if zone_hour > 24:
                raise _invalid(value, "time zone offset hour out of range")
            if zone_minute > 60:
                raise _invalid(value, "time zone offset minute out of range")
            offset_s = (zone_hour * 60 + zone_minute) * 60
            if match["sign"] == "-":
                offset_s = -offset_s
        days = _days_from_civil(year, month, day)
        seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_s
        return seconds * _NS_PER_SECOND + fraction_ns

    # Local time: let the zone rules decide the offset in effect at that wall time.
    try:
        wall = datetime(year, month, day, hour, minute, second)
        if zone is None:
            wall_ns = _naive_local_ns(wall)
        else:
            wall_ns = _timedelta_ns(wall.replace(tzinfo=zone) - _EPOCH)
    except (ValueError, OverflowError, OSError) as exc:
        raise _invalid(value, "out of range for local time") from exc
    return wall_ns + fraction_ns
