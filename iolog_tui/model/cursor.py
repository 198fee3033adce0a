"""A pane's cursor and selection, kept as model rows (what the rows are, not where they are drawn).

This module owns where a pane's cursor is and which rows are selected,
without knowing anything of Textual. Both are model row numbers: a row keeps
its number while the pane scrolls, and while a filter or a stream choice
changes which rows the pane shows (whether the pane still shows it is
:func:`shows`). The cursor a pane draws and acts on is the first row it
shows at or after the cursor's model row (:func:`cursor_index`), so what is
highlighted is what Enter, copy and export take.
"""

from __future__ import annotations

from dataclasses import dataclass

from .rows import RowView
from .search import view_index

__all__ = ["Cursor", "cursor_index", "in_sight", "shows"]


@dataclass
class Cursor:
    """The cursor row and, while a selection is being made, the row it was begun on.

    Attributes:
        row: the cursor's model row (``None`` until the pane has rows).
        anchor: the model row the selection runs from (``None``: no selection).
    """

    row: int | None = None
    anchor: int | None = None

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected model rows, first and last (inclusive), or ``None``."""
        if self.row is None or self.anchor is None:
            return None
        return min(self.row, self.anchor), max(self.row, self.anchor)

    def place(self, row: int, *, extend: bool = False) -> None:
        """Put the cursor on model row ``row`` (``extend``: the selection grows to it)."""
        if not extend:
            self.anchor = None
        elif self.anchor is None:
            self.anchor = row if self.row is None else self.row
        self.row = row


def cursor_index(rows: RowView, cursor: Cursor) -> int | None:
    """The pane row the cursor is drawn on: the first shown at or after its model row."""
    if cursor.row is None or not len(rows):
        return None
    return min(view_index(rows, cursor.row), len(rows) - 1)


def shows(rows: RowView, model_row: int) -> bool:
    """Whether ``rows`` shows model row ``model_row``."""
    index = view_index(rows, model_row)
    return index < len(rows) and rows.merged_index(index) == model_row


def in_sight(index: int, top: int, height: int) -> int:
    """The top row that keeps row ``index`` on a screen of ``height`` rows, moving least from ``top``."""
    if index < top:
        return index
    if index >= top + height:
        return index - max(1, height) + 1
    return top
