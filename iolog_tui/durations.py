"""How the viewer writes a duration: one rule for its units, their order and their precision.

This module owns the way a length of time is written for a person wherever
the viewer shows one: the relative time column (``-3m12.5s``), the
clock-step separator (``clock stepped back 45.2s``) and the timeline's
scale (``30s per column``). A duration is written from its largest unit
down, with at most ``units`` units (a tenth of a second counts as one):

- days ``d``, hours ``h``, minutes ``m``, seconds ``s``: the first unit as it
  is, the others zero-padded to two digits (``2h05m``, ``3d04h``), tenths of
  a second after the seconds (``12.5s``);
- under a second, milliseconds ``ms``, and under a millisecond
  microseconds ``µs`` (``850µs``, ``12ms``);
- rounded to the last unit written; units that come out zero at the end are
  left out (``2h``, ``30s``, ``1m``, not ``2h00m``, ``30.0s`` or ``60.0s``),
  but in a column (``fixed``), where times stand one above the other, every
  unit is written (``-55m00.0s`` above ``-54m40.5s``);
- a sign only when asked for (``+1.2s``, ``-2h05m``); zero is ``0s``.
"""

from __future__ import annotations

__all__ = ["duration_text"]

#: The units from the largest down: days, hours, minutes, seconds, tenths of a second.
_UNIT_NS = (86_400 * 10**9, 3_600 * 10**9, 60 * 10**9, 10**9, 10**8)
_SYMBOLS = ("d", "h", "m", "s")
_TENTHS = 4


def _rounded(size_ns: int, step_ns: int) -> int:
    """``size_ns`` in whole steps, halves rounded up."""
    return (size_ns + step_ns // 2) // step_ns


def duration_text(delta_ns: int, *, units: int = 2, signed: bool = False, fixed: bool = False) -> str:
    """A duration as the viewer writes it (see the module docstring).

    Args:
        delta_ns: the duration in nanoseconds; negative for one back in time.
        units: how many units at most (``2``: ``3m12s``, ``3``: ``3m12.5s``).
        signed: write ``+`` before a duration that is not negative.
        fixed: keep the units that are zero at the end (a column of times).

    Returns:
        The text, such as ``45.2s``, ``-2h05m``, ``850µs``.
    """
    sign = "-" if delta_ns < 0 else "+" if signed else ""
    size = abs(delta_ns)
    if 0 < size < _UNIT_NS[3]:
        micros = _rounded(size, 1_000)
        if micros < 1_000:
            return f"{sign}{max(1, micros)}µs"
        millis = _rounded(size, 1_000_000)
        if millis < 1_000:
            return f"{sign}{millis}ms"
    first = next(index for index in range(4) if size >= _UNIT_NS[index] or index == 3)
    while True:
        last = min(first + max(1, units) - 1, _TENTHS)
        total_ns = _rounded(size, _UNIT_NS[last]) * _UNIT_NS[last]
        if first and total_ns >= _UNIT_NS[first - 1]:
            first -= 1  # rounding carried into a larger unit (59.96 s is 1m)
            continue
        break
    values = []
    for index in range(first, last + 1):
        value, total_ns = divmod(total_ns, _UNIT_NS[index])
        values.append(value)
    while not fixed and len(values) > 1 and not values[-1]:
        values.pop()
    written = []
    for number, value in enumerate(values):
        index = first + number
        if index == _TENTHS:
            written.append(f".{value}s")
            continue
        digits = str(value) if not number else f"{value:02d}"
        tenths_follow = index == 3 and number + 1 < len(values)
        written.append(digits if tenths_follow else digits + _SYMBOLS[index])
    return sign + "".join(written)
