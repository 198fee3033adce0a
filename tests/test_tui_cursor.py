"""A pane's cursor and selection (iolog_tui.model.cursor, no Textual), against the simplest reading."""

from __future__ import annotations

from array import array

from hypothesis import given
from hypothesis import strategies as st

from iolog_tui.model.cursor import Cursor, cursor_index, in_sight, shows
from iolog_tui.model.search import FilteredRows

from .test_tui_model import load


@given(st.integers(0, 500), st.integers(0, 500), st.integers(1, 60))
def test_in_sight_shows_the_row_and_moves_least(index: int, top: int, height: int) -> None:
    new_top = in_sight(index, top, height)
    assert new_top <= index < new_top + height
    # No top closer to the old one shows the row.
    assert all(not t <= index < t + height for t in range(min(top, new_top) + 1, max(top, new_top)))


@given(st.lists(st.tuples(st.integers(0, 30), st.booleans()), max_size=20))
def test_the_selection_runs_from_the_first_extended_move(moves: list[tuple[int, bool]]) -> None:
    cursor = Cursor()
    anchor = None
    for row, extend in moves:
        if not extend:
            anchor = None
        elif anchor is None:
            anchor = row if cursor.row is None else cursor.row
        cursor.place(row, extend=extend)
        assert cursor.row == row
        expected = None if anchor is None else (min(anchor, row), max(anchor, row))
        assert cursor.selection == expected


def test_the_cursor_is_drawn_on_the_first_shown_row_at_or_after_its_own(write_log) -> None:
    from iolog import Stream

    model = load(write_log([(Stream.STDOUT, b"row %d\n" % n) for n in range(10)]))
    passing = array("I", [1, 4, 5, 8])
    rows = FilteredRows(model, passing, None)
    for row in range(10):
        cursor = Cursor(row)
        later = [index for index, model_row in enumerate(passing) if model_row >= row]
        assert cursor_index(rows, cursor) == (later[0] if later else len(passing) - 1)
        assert shows(rows, row) == (row in passing)
    assert cursor_index(rows, Cursor()) is None
