"""The timeline's axis line: the window's ends, the marked bucket, and the scale or the cursor's time.

This module owns the words under the timeline's bars: the window's first
and last times at the ends, ``▲`` under the bucket holding the top row on
screen, and in the middle either the time of the bucket under the keyboard
cursor or the scale (how long a column is, how many entries a full bar of
the stream rows is, and how many lines a full bar of the level row is), in
the longest form that fits. A label moves off the marker, or is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.style import Style
from rich.text import Text

from .durations import duration_text as write_duration
from .model.histogram import Histogram

__all__ = ["LABEL_CELLS", "axis_text", "duration_text"]

#: Cells on the left for the row labels.
LABEL_CELLS = 7
#: Cells the two end times take with their margins; the middle gets the rest.
_ENDS_CELLS = 44


def axis_text(
    hist: Histogram,
    cells_wide: int,
    position: int | None,
    cursor: int | None,
    stamp: Callable[[int], str],
    *,
    scale: tuple[int, int],
    label: Style,
    marked: Style,
    marks: Iterable[int] = (),
) -> Text:
    """The axis line.

    Args:
        hist: the histogram drawn.
        cells_wide: cells for the buckets (the line is ``LABEL_CELLS`` wider).
        position: the marked bucket (the top row on screen), if any.
        cursor: the bucket under the keyboard cursor, if any.
        stamp: a time as the axis shows it.
        scale: a full stream bar's count (entries), a full level bar's (lines).
        label: the axis's style.
        marked: the marker's style.
        marks: the times of the marked lines (``m``), drawn ``◆`` in their buckets.
    """
    cells = [" "] * max(0, cells_wide)
    left = stamp(hist.start_ns)
    right = stamp(hist.end_ns)
    if cursor is not None:
        middles = [f"◆ {stamp(hist.bucket_start(cursor))} · Enter goes there"]
    else:
        span = duration_text(hist.bucket_ns / 1e9)
        bar, levels = scale
        entries = "entry" if bar == 1 else "entries"
        middles = [f"{span} per column · █ {bar:,} {entries}, {levels:,} errors+warnings · T hides",
                   f"{span} per column · █ {bar:,} · {levels:,} · T hides",
                   f"{span}/col █ {bar:,} · {levels:,}"]
    for stamp_ns in marks:
        bucket = hist.bucket_of(stamp_ns)
        if bucket is not None and 0 <= bucket < len(cells):
            cells[bucket] = "◆"
    marker = position if position is not None and position < len(cells) else None
    if marker is not None:
        cells[marker] = "▲"
    middle = next((piece for piece in middles if len(piece) <= len(cells) - _ENDS_CELLS), middles[-1])
    for preferred, piece in ((0, left), (len(cells) - len(right), right),
                             ((len(cells) - len(middle)) // 2, middle)):
        places = [preferred]
        if marker is not None:
            places += [marker + 2, marker - 1 - len(piece)]
        for at in places:
            if _fits(cells, at, len(piece)):
                cells[at:at + len(piece)] = piece
                break
    text = Text(" " * LABEL_CELLS, label)
    text.append("".join(cells), label)
    if marker is not None:
        text.stylize(marked, LABEL_CELLS + marker, LABEL_CELLS + marker + 1)
    return text


def _fits(cells: list[str], at: int, length: int) -> bool:
    """``length`` cells from ``at`` are blank, and so are their neighbours on the line."""
    if at < 0 or at + length > len(cells):
        return False
    return all(cell == " " for cell in cells[max(0, at - 1):at + length + 1])


def duration_text(seconds: float) -> str:
    """A column's width in time, for the scale: ``250ms``, ``30s``, ``1m30s``, ``2h``.

    Written by the viewer's one rule for durations (:mod:`iolog_tui.durations`), two units at most.
    """
    return write_duration(round(seconds * 1e9), units=2)
