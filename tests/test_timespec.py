"""Tests for iolog.core.timespec: docker-compatible ``--since``/``--until`` parsing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iolog.core.errors import InvalidArgumentError, IologError
from iolog.core.timespec import parse_since, parse_time_range

S = 1_000_000_000
# A fixed clock with a sub-second part, to show nothing rounds it away.
NOW = datetime(2024, 1, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
NOW_NS = 1_704_110_400 * S + 123_456_000

ACCEPTED = (
    "expected a duration (10m, 1h30m, 1.5h), "
    "RFC 3339 (2006-01-02T15:04:05Z, 2006-01-02T15:04, 2006-01-02), "
    "or unix seconds (1136073600.000000001)"
)

# 2006-01-02T15:04:05Z, the Go reference time.
REF = 1_136_214_245


@pytest.fixture
def set_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the process time zone for one test, restoring it afterwards."""

    def set_(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_
    monkeypatch.undo()
    time.tzset()


# --- durations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "duration_ns"),
    [
        ("90s", 90 * S),
        ("10m", 600 * S),
        ("1.5h", 5400 * S),
        ("1h30m", 5400 * S),
        ("300ms", 300_000_000),
        ("2h45m10.5s", 9910 * S + S // 2),
        ("1ns", 1),
        ("1us", 1_000),
        ("1\u00b5s", 1_000),  # micro sign
        ("1\u03bcs", 1_000),  # greek small letter mu
        ("1.000000001s", S + 1),
        ("0.1ns", 0),  # truncated, as in Go
        (".5s", S // 2),
        ("5.s", 5 * S),
        ("1h1h", 7200 * S),
        ("1m1ms", 60 * S + 1_000_000),
        ("0s", 0),
        ("+0", 0),
        ("-0", 0),
        ("+5s", 5 * S),
        ("-10m", -600 * S),  # negative: in the future
        ("-1h30m", -5400 * S),
        ("9223372036854775807ns", 9_223_372_036_854_775_807),
        ("-9223372036854775808ns", -9_223_372_036_854_775_808),
    ],
)
def test_duration_is_now_minus_duration(value: str, duration_ns: int) -> None:
    assert parse_since(value, NOW) == NOW_NS - duration_ns


def test_bare_zero_is_unix_epoch_not_a_duration() -> None:
    assert parse_since("0", NOW) == 0
    assert parse_since("00", NOW) == 0


def test_duration_against_naive_now_is_local(set_tz: Callable[[str], None]) -> None:
    set_tz("Europe/Berlin")
    # 13:00 CET on 2024-01-01 is 12:00Z.
    assert parse_since("1h", datetime(2024, 1, 1, 13, 0, 0)) == (1_704_110_400 - 3600) * S


def test_duration_against_default_now() -> None:
    before = time.time_ns()
    got = parse_since("0s")
    after = time.time_ns()
    assert before <= got <= after
    got = parse_since("-1h")
    assert got >= before + 3600 * S


# --- RFC 3339 with a zone --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected_ns"),
    [
        ("2006-01-02T15:04:05Z", REF * S),
        ("2006-01-02T15:04:05.123456789+07:00", (REF - 7 * 3600) * S + 123_456_789),
        ("2006-01-02T15:04:05-07:00", (REF + 7 * 3600) * S),
        ("2006-01-02T15:04:05.5Z", REF * S + 500_000_000),
        ("2006-01-02T15:04:05.000000001Z", REF * S + 1),
        ("2006-01-02T15:04:05.000000015Z", REF * S + 15),
        ("2006-01-02T15:04:05.1234567891Z", REF * S + 123_456_789),  # truncated
        ("2006-01-02T15:04:05,5Z", REF * S + 500_000_000),  # Go accepts a comma
        ("2006-01-02t15:04:05z", REF * S),  # RFC 3339 allows lower case
        ("2006-01-02T5:04:05Z", (REF - 10 * 3600) * S),  # Go accepts a 1-digit hour
        ("2006-01-02T15:04:05+24:00", (REF - 86400) * S),  # Go accepts hour 24 ...
        ("2006-01-02T15:04:05-00:60", (REF + 3600) * S),  # ... and minute 60
        ("2006-01-02T15:04Z", (REF - 5) * S),
        ("2006-01-02T15Z", (REF - 245) * S),
        ("2006-01-02T15:04+07:00", (REF - 5 - 7 * 3600) * S),
        ("2006-01-02T15+07:00", (REF - 245 - 7 * 3600) * S),
        ("2006-01-02T15-07:00", (REF - 245 + 7 * 3600) * S),
        ("2006-01-02Z", 1_136_160_000 * S),
        ("2006-01-02+07:00", (1_136_160_000 - 7 * 3600) * S),
        ("2006-01-02-07:00", (1_136_160_000 + 7 * 3600) * S),
        ("2024-02-29T00:00:00Z", 1_709_164_800 * S),
        ("2000-02-29Z", 951_782_400 * S),
        ("1969-12-31T23:59:59.999999999Z", -1),
        ("0000-01-01T00:00:00Z", -62_167_219_200 * S),
        ("9999-12-31T23:59:59Z", 253_402_300_799 * S),
    ],
)
def test_zoned_time(value: str, expected_ns: int, set_tz: Callable[[str], None]) -> None:
    set_tz("Europe/Berlin")  # must not matter
    assert parse_since(value, NOW) == expected_ns
    assert parse_since(value) == expected_ns


# --- RFC 3339 without a zone: local time -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "utc_ns", "berlin_ns"),
    [
        ("2006-01-02T15:04:05", REF * S, (REF - 3600) * S),
        ("2006-01-02T15:04:05.5", REF * S + S // 2, (REF - 3600) * S + S // 2),
        (
            "2006-01-02T15:04:05.123456789",
            REF * S + 123_456_789,
            (REF - 3600) * S + 123_456_789,
        ),
        ("2006-01-02T15:04", (REF - 5) * S, (REF - 5 - 3600) * S),
        ("2006-01-02T15", (REF - 245) * S, (REF - 245 - 3600) * S),
        ("2006-01-02", 1_136_160_000 * S, (1_136_160_000 - 3600) * S),
        # Summer time in Berlin is UTC+2.
        ("2024-07-01T12:00", 1_719_835_200 * S, 1_719_828_000 * S),
        ("2024-07-01", 1_719_792_000 * S, 1_719_784_800 * S),
        # Berlin springs forward 02:00 -> 03:00: 02:30 does not exist and is read
        # with the offset before the change (PEP 495 fold=0), i.e. 01:30Z.
        ("2024-03-31T02:30", 1_711_852_200 * S, 1_711_848_600 * S),
        # Berlin falls back 03:00 -> 02:00: 02:30 happens twice; the first (00:30Z) wins.
        ("2024-10-27T02:30", 1_729_996_200 * S, 1_729_989_000 * S),
    ],
)
def test_local_time_uses_system_zone(
    value: str, utc_ns: int, berlin_ns: int, set_tz: Callable[[str], None]
) -> None:
    set_tz("UTC")
    assert parse_since(value) == utc_ns
    assert parse_since(value, datetime(2024, 1, 1)) == utc_ns  # naive now: system zone
    set_tz("Europe/Berlin")
    assert parse_since(value) == berlin_ns
    # A naive `now` in winter must not force the winter offset onto a summer date.
    assert parse_since(value, datetime(2024, 1, 1)) == berlin_ns
    assert parse_since(value, datetime(2024, 7, 1)) == berlin_ns


def test_local_time_uses_aware_nows_zone(set_tz: Callable[[str], None]) -> None:
    set_tz("Europe/Berlin")  # must not matter when `now` is aware
    fixed = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_since("2006-01-02T15:04:05", fixed) == (REF + 5 * 3600) * S
    assert parse_since("2006-01-02T15:04:05", NOW) == REF * S
    new_york = datetime(2024, 1, 1, tzinfo=ZoneInfo("America/New_York"))
    # EST (UTC-5) in January, EDT (UTC-4) in July, whatever the season of `now`.
    assert parse_since("2024-01-15T12:00", new_york) == 1_705_338_000 * S
    assert parse_since("2024-07-01T12:00", new_york) == 1_719_849_600 * S


# --- unix seconds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected_ns"),
    [
        ("1136073600", 1_136_073_600 * S),
        ("1136073600.000000001", 1_136_073_600 * S + 1),
        ("1136073600.5", 1_136_073_600 * S + 500_000_000),
        ("1136073600.000000015", 1_136_073_600 * S + 15),  # float(...) * 1e9 gives 14
        ("1136073600.123456789", 1_136_073_600 * S + 123_456_789),
        ("1.1234567891", S + 123_456_789),  # truncated past nanoseconds
        ("0", 0),
        ("0.000000001", 1),
        ("+5", 5 * S),  # Go's ParseInt accepts a plus sign
        ("9223372036854775807", 9_223_372_036_854_775_807 * S),
    ],
)
def test_unix_seconds(value: str, expected_ns: int) -> None:
    assert parse_since(value, NOW) == expected_ns


# --- invalid values --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "10x",
        "2006-13-01",
        "2006-00-01",
        "2006-01-02T25:00",
        "2006-01-02T24:00",
        "",
        "1h-",
        "-1h-",
        "1hm",
        "h",
        "-",
        "+",
        ".s",
        "1 h",
        " 1h",
        "1h ",
        "1_000",
        "\u0663s",  # non-ASCII digit
        "2006-01-32",
        "2023-02-29",
        "1900-02-29",
        "2006-04-31T00:00:00Z",
        "2006-01-02T15:60",
        "2006-01-02T15:04:60",
        "2006-01-02T15:04:60Z",  # no leap seconds, as in Go
        "2006-01-02T24:00:00Z",
        "2006-01-02T15:04:05.",
        "2006-01-02T15:04:05.Z",
        "2006-01-02T15:04.5",
        "2006-01-02.5",
        "2006-01-02 15:04:05",
        "2006-01-02T",
        "2006-01-02T150405Z",
        "2006-01-02T15:04:05+25:00",
        "2006-01-02T15:04:05+07:61",
        "2006-01-02T15:04:05+0700",
        "2006-01-02T15:04:05+07",
        "2006-01-02T15:04:05ZZ",
        "06-01-02",
        "2006-1-02",
        "-5",
        "5.",
        ".5",
        "1.2.3",
        "9223372036854775808",
        "9223372036854775808ns",
        "-9223372036854775809ns",
        "3000000h",
        "0000-01-01",  # local time out of Python's range
        "now",
    ],
)
def test_invalid(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_since(value, NOW)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, IologError)
    message = str(info.value)
    assert message.startswith(f"invalid time {value!r}: ")
    assert message.endswith(ACCEPTED)
    assert "\n" not in message


def test_invalid_message_exact() -> None:
    with pytest.raises(ValueError, match="^invalid time 'abc': expected a duration") as info:
        parse_since("abc")
    assert str(info.value) == f"invalid time 'abc': {ACCEPTED}"


def test_invalid_message_names_the_bad_field() -> None:
    with pytest.raises(InvalidArgumentError, match="month out of range"):
        parse_since("2006-13-01")
    with pytest.raises(InvalidArgumentError, match="hour out of range"):
        parse_since("2006-01-02T25:00")
    with pytest.raises(InvalidArgumentError, match="duration out of range"):
        parse_since("3000000h")


# --- parse_time_range ------------------------------------------------------------------


def test_time_range_both_and_neither() -> None:
    assert parse_time_range(None, None, NOW) == (None, None)
    assert parse_time_range("10m", None, NOW) == (NOW_NS - 600 * S, None)
    assert parse_time_range(None, "10m", NOW) == (None, NOW_NS - 600 * S)
    assert parse_time_range("10m", "5m", NOW) == (NOW_NS - 600 * S, NOW_NS - 300 * S)
    assert parse_time_range("2006-01-02Z", "2006-01-02Z", NOW) == (
        1_136_160_000 * S,
        1_136_160_000 * S,
    )


def test_time_range_shares_one_default_now() -> None:
    # Two identical relative bounds must resolve to the very same instant.
    since, until = parse_time_range("1h", "1h")
    assert since == until


def test_time_range_local_default_zone(set_tz: Callable[[str], None]) -> None:
    set_tz("Europe/Berlin")
    assert parse_time_range("2006-01-02T15:04:05", None) == ((REF - 3600) * S, None)


def test_time_range_since_after_until() -> None:
    with pytest.raises(InvalidArgumentError, match="since '5m' .* is after until '10m'"):
        parse_time_range("5m", "10m", NOW)


def test_time_range_invalid_bound() -> None:
    with pytest.raises(InvalidArgumentError, match="invalid time 'abc'"):
        parse_time_range("1h", "abc", NOW)


# --- properties ------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=253_402_300_799 * S + S - 1))
def test_unix_seconds_round_trip(ns: int) -> None:
    assert parse_since(f"{ns // S}.{ns % S:09d}", NOW) == ns


@given(
    now=st.datetimes(
        min_value=datetime(1000, 1, 1),
        max_value=datetime(9000, 1, 1),
        timezones=st.just(timezone.utc),
    ),
    negative=st.booleans(),
    hours=st.integers(min_value=0, max_value=2_000_000),
    minutes=st.integers(min_value=0, max_value=100_000),
    seconds=st.integers(min_value=0, max_value=100_000),
    millis=st.integers(min_value=0, max_value=100_000),
    keep=st.lists(st.booleans(), min_size=4, max_size=4).filter(any),
)
def test_duration_property(
    now: datetime,
    negative: bool,
    hours: int,
    minutes: int,
    seconds: int,
    millis: int,
    keep: list[bool],
) -> None:
    parts = [(hours, "h", 3600 * S), (minutes, "m", 60 * S), (seconds, "s", S)]
    parts.append((millis, "ms", 1_000_000))
    kept = [part for part, k in zip(parts, keep, strict=True) if k]
    text = "".join(f"{n}{unit}" for n, unit, _ in kept)
    duration_ns = sum(n * unit_ns for n, _, unit_ns in kept)
    if negative:
        text, duration_ns = "-" + text, -duration_ns
    delta = now - datetime(1970, 1, 1, tzinfo=timezone.utc)
    now_ns = (delta.days * 86_400 + delta.seconds) * S + delta.microseconds * 1_000
    assert parse_since(text, now) == now_ns - duration_ns
