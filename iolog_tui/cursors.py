"""The panes' cursors as the rows they show change: kept, moved with a note, or shown.

This module owns what happens to a pane's cursor and selection when
something other than a cursor key moves them: a filter or a stream choice
that may hide the cursor's row (:func:`settle_cursor`: never a stale or
hidden cursor: it moves to the nearest row shown, and the person is told),
a search match or a time chosen (:func:`show_row`), and the rule that one
pane at a time has a selection (:func:`drop_other_selections`).
"""

from __future__ import annotations

from collections.abc import Iterable

from .logview import LogView
from .model.cursor import shows
from .model.marks import Marks
from .model.search import view_index

__all__ = ["drop_other_selections", "next_mark", "settle_cursor", "show_row"]


def settle_cursor(view: LogView, *, complete: bool) -> str | None:
    """Once ``view``'s rows say whether its cursor's row is shown, keep the cursor or move it.

    Args:
        view: a pane just given other rows (its cursor kept as a model row).
        complete: the pane's rows are all there (else a filter is deciding them, in order).

    Returns:
        ``None`` while that is not known yet; ``""`` when the cursor stays;
        else the note to show, the cursor (and no selection) now on the
        nearest row shown.
    """
    row = view.cursor.row
    rows = view.rows
    if row is None or shows(rows, row):
        view.call_after_refresh(view.reveal_cursor)
        return ""
    index = view_index(rows, row)
    if index >= len(rows) and not complete:
        return None  # the filter has not got that far yet
    what = "selection" if view.selection is not None else "cursor's line"
    view.cursor.anchor = None
    view.cursor.row = None
    if len(rows):
        view.move_cursor(index, announce=False)
    return f"the {what} is not shown now: the cursor is on the nearest line"


def show_row(view: LogView, model_row: int) -> None:
    """Put ``view``'s cursor on the first row it shows at or after ``model_row``, well in sight."""
    index = view_index(view.rows, model_row)
    height = view.scrollable_content_region.height
    top = view.top_row
    view.move_cursor(index, announce=False)
    if not top <= index < top + height or (view.wrap and index >= top + height // 2):
        view.quiet_scroll_to(max(0, index - max(1, height // 3)))


def drop_other_selections(views: Iterable[LogView], keep: LogView) -> None:
    """Unselect the rows of every pane but ``keep`` (their cursors stay)."""
    for view in views:
        if view is not keep and view.selection is not None:
            view.cursor.anchor = None
            view.refresh()


def next_mark(view: LogView, marks: Marks, *, forward: bool = True) -> str:
    """Put ``view``'s cursor on the next marked row it shows (``forward=False``: the previous one).

    Past the last mark it goes round to the first (and says so).

    Returns:
        What to say: ``""`` when it simply moved.
    """
    index = view.cursor_index
    if index is None or not len(marks):
        return "no marks: m marks the cursor's line"
    rows = view.rows
    here = rows.offset(index)
    nearest = marks.after(here) if forward else marks.before(here)
    around = marks.after(-1) if forward else marks.before(rows.model.offsets[-1] + 1)
    for number, candidates in enumerate((nearest, around)):
        for offset in candidates:
            found = rows.index_at_offset(offset)
            if found < len(rows) and rows.offset(found) == offset and found != index:
                show_row(view, rows.merged_index(found))
                view.post_message(view.CursorMoved(view))
                return "" if not number else f"back to the {'first' if forward else 'last'} mark"
    return "no other marked line is shown"
