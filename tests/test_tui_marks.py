"""The marks' model (Marks, no Textual): toggling, next and previous, against a plain set."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from iolog_tui.model.marks import Marks


def test_marking_and_unmarking_rows() -> None:
    marks = Marks()
    assert marks.toggle([(30, 3), (10, 1)]) is True
    assert list(marks) == [10, 30] and 10 in marks and 20 not in marks
    assert marks.toggle([(10, 1), (20, 2)]) is True  # not all marked: mark the rest
    assert list(marks) == [10, 20, 30]
    assert marks.toggle([(10, 1), (20, 2)]) is False  # all marked: unmark them
    assert list(marks) == [30] and marks.times() == [3]
    assert marks.toggle([(40, None)]) and marks.times() == [3]  # skipped bytes have no time
    marks.clear()
    assert not len(marks)


_toggles = st.lists(st.lists(st.integers(0, 50), min_size=1, max_size=4), max_size=30)


@given(_toggles, st.integers(-1, 51))
def test_marks_match_a_plain_set(toggles: list[list[int]], here: int) -> None:
    marks = Marks()
    expected: set[int] = set()
    for offsets in toggles:
        rows = set(offsets)
        marked = marks.toggle((offset, offset * 10) for offset in offsets)
        if rows <= expected:
            expected -= rows
            assert not marked
        else:
            expected |= rows
            assert marked
        assert list(marks) == sorted(expected)
    assert list(marks.after(here)) == sorted(offset for offset in expected if offset > here)
    assert list(marks.before(here)) == sorted((o for o in expected if o < here), reverse=True)
    assert sorted(marks.times()) == sorted(offset * 10 for offset in expected)
