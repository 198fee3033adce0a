"""The split key's cycle (merged, by stream, by log) and keeping the panes shown in step.

This module owns what changes when the panes shown change: the cycle of the
split key (:func:`next_split`: merged → by stream → by log → merged, the
split by log only with several logs), the panes shown starting at the rows
the pane worked in showed, one of them focused (:func:`show_panes`), the
next pane for Tab (:func:`next_pane`), and the panes of a split scrolling
together (:func:`keep_in_step`). A row's place is its file offset for one
log and its merged row number for several: either way it grows with the row
number, so every pane finds the same place.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget

from .logview import LogView

__all__ = ["align", "keep_in_step", "next_pane", "next_split", "show_panes", "top_offset"]


def next_split(split: bool, by_log: bool, logs: int) -> tuple[bool, bool]:
    """After ``(split, by_log)``, the next place of the cycle for a view of ``logs`` logs."""
    if split:
        return False, logs > 1
    return not by_log, False


def top_offset(view: LogView | None) -> int | None:
    """The place of ``view``'s top row (``None``: no rows)."""
    if view is None or not len(view.rows):
        return None
    return view.rows.offset(min(view.top_row, len(view.rows) - 1))


def align(view: LogView, offset: int | None, following: Callable[[], bool]) -> None:
    """Once laid out, show ``view`` from ``offset`` (at the bottom while following)."""

    def now() -> None:
        if following():
            view.quiet_scroll_to(view.max_scroll_y)
        elif offset is not None:
            view.quiet_scroll_to(view.rows.index_at_offset(offset))

    view.call_after_refresh(now)


def show_panes(shown: list[LogView], focused: Widget | None, fallback: LogView,
               following: Callable[[], bool]) -> None:
    """Start the panes ``shown`` where the focused pane (else ``fallback``) was; keep one focused."""
    source = focused if isinstance(focused, LogView) else fallback
    offset = top_offset(source)
    for view in shown:
        align(view, offset, following)
    (source if source in shown else shown[0]).focus()


def next_pane(shown: list[LogView], focused: Widget | None) -> LogView:
    """The pane after ``focused`` among ``shown`` (the first after the last)."""
    at = shown.index(focused) if isinstance(focused, LogView) and focused in shown else -1
    return shown[(at + 1) % len(shown)]


def keep_in_step(view: LogView, shown: list[LogView]) -> None:
    """The user moved ``view``: scroll the other panes shown to the same place."""
    offset = top_offset(view)
    if offset is None:
        return
    for other in shown:
        if other is not view:
            other.quiet_scroll_to(other.rows.index_at_offset(offset))
            other.clamp_cursor()
