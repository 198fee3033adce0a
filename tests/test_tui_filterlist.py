"""The filter list (FilterListScreen, ``F``) under Pilot: counts, turning off, removing, clearing."""

from __future__ import annotations

from iolog_tui.filterlist import FilterListScreen
from iolog_tui.logview import LogView

from .conftest import wait_until
from .tui_helpers import SIZE, filter_rows, known_items, make_app, pilot_test, ready


def _listed(app) -> str:
    screen = app.screen
    assert isinstance(screen, FilterListScreen)
    return screen.list_text().plain


@pilot_test
async def test_the_list_shows_each_filter_with_the_lines_it_keeps_or_hides(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await filter_rows(pilot, "timeout")
        await filter_rows(pilot, "row 1", invert=True)
        await pilot.press("F")
        bar = app.log_screen.filter_bar
        await wait_until(pilot, lambda: {f.key for f in bar.stack.filters} <= bar.counts().finished)
        app.screen.redraw()
        assert _listed(app).splitlines() == [
            '▶ [x] keep "timeout"  keeps 30 lines',
            '  [x] hide "row 1"    hides 100 lines',
        ]
        await pilot.press("escape")
        assert not isinstance(app.screen, FilterListScreen)


@pilot_test
async def test_space_turns_a_filter_off_d_removes_it_c_clears_all(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.query_one("#merged", LogView)
        bar = app.log_screen.filter_bar
        await filter_rows(pilot, "timeout")
        await filter_rows(pilot, "row 1", invert=True)
        assert len(view.rows) == 20
        await pilot.press("F", "space")  # the first one off: every line but rows 1xx
        await wait_until(pilot, lambda: bar.finished)
        assert len(view.rows) == 200 and "[ ] keep" in _listed(app)
        await pilot.press("space", "down", "delete")  # back on; the second one removed
        await wait_until(pilot, lambda: bar.finished)
        assert len(view.rows) == 30 and [f.describe() for f in bar.stack.filters] == ['keep "timeout"']
        await pilot.press("c")
        await pilot.pause()
        assert len(view.rows) == 300 and not len(bar.stack)
        assert _listed(app) == "No filters. & adds one."
        await pilot.press("ampersand", *"timeout", "ctrl+n", "enter")  # added from the list
        await wait_until(pilot, lambda: bar.finished)
        assert isinstance(app.screen, FilterListScreen) and len(view.rows) == 270
        assert [f.describe() for f in bar.stack.filters] == ['hide "timeout"']
        await pilot.press("escape")
        await pilot.press("F")  # the palette and the key open the same list
        assert isinstance(app.screen, FilterListScreen)
