"""How the viewer writes a duration (iolog_tui.durations): read back, it is the duration, rounded.

The simplest reading of a written duration is the sum of its parts
(``3m12.5s`` is 192.5 s); it is within half of its last unit of the
duration, with at most the units asked for, the largest first, and no zero
unit at its end. The relative time column, the clock-step separator and the
timeline's scale all write durations by this one rule.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from iolog_tui.durations import duration_text
from iolog_tui.render import clock_step_text, format_duration, format_step
from iolog_tui.timelineaxis import duration_text as axis_duration

_S = 10**9
_PARTS = re.compile(r"(\d+)(d|h|m(?!s)|(?:\.\d)?s|ms|µs)")
_NS = {"d": 86_400 * _S, "h": 3_600 * _S, "m": 60 * _S, "s": _S, "ms": 10**6, "µs": 10**3}


def read_back(text: str) -> tuple[int, int, int]:
    """``(nanoseconds, parts, last unit in ns)`` of a written duration (its sign included)."""
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    parts = _PARTS.findall(body)
    assert "".join(number + unit for number, unit in parts) == body, text
    total, last, count = 0, 0, 0
    for number, unit in parts:
        if unit.startswith("."):  # seconds and tenths
            total += int(number) * _S + int(unit[1]) * _S // 10
            last, count = _S // 10, count + 2
        else:
            total += int(number) * _NS[unit]
            last, count = _NS[unit], count + 1
    return sign * total, count, last


durations_ns = st.one_of(st.integers(-10**15, 10**15), st.integers(-10**19, 10**19), st.integers(0, 2 * _S),
                         st.sampled_from([0, 1, 999, 59_950_000_000, 3_599_500_000_000]))


@settings(max_examples=2000, deadline=None)
@given(durations_ns, st.integers(1, 4), st.booleans(), st.booleans())
def test_a_written_duration_reads_back_as_the_duration_rounded(
    delta_ns: int, units: int, signed: bool, fixed: bool
) -> None:
    text = duration_text(delta_ns, units=units, signed=signed, fixed=fixed)
    assert text.startswith("-") == (delta_ns < 0)
    assert text.startswith("+") == (signed and delta_ns >= 0)
    value, parts, last = read_back(text)
    # Rounded to the last unit; a duration that is not zero is at least 1µs.
    assert abs(value - delta_ns) <= last // 2 or (0 < abs(delta_ns) < 500 and abs(value) == 1000)
    if abs(delta_ns) >= _S:
        assert parts <= max(units, 1) and not text.endswith(("ms", "µs"))
    # The units from the largest down, each once; inner ones padded to two digits.
    body = text.lstrip("+-")
    numbers = [number for number, _unit in _PARTS.findall(body)]
    assert all(len(number) == 2 for number in numbers[1:])
    if fixed:  # a column: every unit asked for (or down to tenths of a second)
        first_unit = _PARTS.findall(body)[0][1][-1]  # d, h, m or s ("1.5s" is seconds)
        assert abs(delta_ns) < _S or parts == min(units, 5 - "dhms".index(first_unit)), text
    elif len(numbers) > 1 or "." in body:
        assert not re.search(r"(?<![.\d])0+(?:d|h|m|s)$", body[1:]), text  # no zero unit at the end


def test_examples() -> None:
    assert duration_text(45 * _S) == "45s"
    assert duration_text(45_200_000_000) == "45.2s"
    assert duration_text(192 * _S) == "3m12s"
    assert duration_text((2 * 3600 + 5 * 60) * _S) == "2h05m"
    assert duration_text(int(59.96 * _S)) == "1m"
    assert duration_text(850_000) == "850µs" and duration_text(12_300_000) == "12ms"
    assert duration_text(-192_500_000_000, units=3, signed=True) == "-3m12.5s"
    assert duration_text(0, signed=True) == "+0s"
    assert duration_text(-3300 * _S, units=3, signed=True, fixed=True) == "-55m00.0s"
    assert duration_text(7500 * _S, units=3, fixed=True) == "2h05m00s"


@settings(max_examples=300, deadline=None)
@given(durations_ns)
def test_the_viewer_s_durations_are_written_by_the_one_rule(delta_ns: int) -> None:
    assert format_duration(delta_ns) == duration_text(delta_ns, units=3, signed=True, fixed=True)
    assert format_step(delta_ns) == duration_text(abs(delta_ns), units=2)
    assert clock_step_text(delta_ns) == f"── clock stepped back {duration_text(abs(delta_ns), units=2)} ──"
    assert axis_duration(abs(delta_ns) / 1e9) == duration_text(round(abs(delta_ns) / 1e9 * 1e9), units=2)
