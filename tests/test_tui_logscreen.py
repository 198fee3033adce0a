"""The log screen (LogScreen) under Pilot: its keys, which keys it shows, the palette."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from iolog_tui.logscreen import LogScreen
from iolog_tui.model.timerange import TimeRange
from iolog_tui.render import TimeFormat
from iolog_tui.screens import HelpScreen

from .conftest import START_NS, StepClock, wait_until
from .tui_helpers import (
    SECOND_NS,
    SIZE,
    filter_rows,
    known_items,
    make_app,
    merged,
    pilot_test,
    ready,
    scanned,
    search,
    service_items,
    shown_messages,
)


@pilot_test
async def test_time_wrap_help_and_quit_keys(write_log) -> None:
    app = make_app(write_log(service_items(5)))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        seen = [app.log_screen.panes.time_format]
        for _ in range(4):
            await pilot.press("t")
            seen.append(merged(app).time_format)
        assert seen == [
            TimeFormat.UTC, TimeFormat.LOCAL, TimeFormat.RELATIVE, TimeFormat.HIDDEN, TimeFormat.UTC
        ]
        await pilot.press("ctrl+w")
        assert merged(app).wrap and app.log_screen.panes.has_class("-wrap")
        await pilot.press("ctrl+w")
        assert not merged(app).wrap
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
    assert app.return_code == 0


def _shown_keys(app) -> set[str]:
    return {key for key, active in app.screen.active_bindings.items() if active.binding.show}


@pilot_test
async def test_the_footer_shows_only_the_keys_that_do_something_now(write_log) -> None:
    app = make_app(write_log(known_items(40)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen: LogScreen = app.log_screen
        assert screen.check_action("next_match", ()) is False
        assert {"n", "N", "escape"}.isdisjoint(_shown_keys(app))
        assert {"s", "f", "p", "t", "ctrl+w", "question_mark", "q"} <= _shown_keys(app)
        await search(pilot, "timeout")
        assert {"n", "N", "escape"} <= _shown_keys(app)
        await pilot.press("escape")  # ends the search
        await pilot.pause()
        assert {"n", "N", "escape"}.isdisjoint(_shown_keys(app))
        await pilot.press("p")
        assert "tab" in _shown_keys(app)


@pilot_test
async def test_a_new_time_window_filters_and_searches_again(write_log) -> None:
    app = make_app(write_log(known_items(60), clock=StepClock(START_NS, SECOND_NS)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await filter_rows(pilot, "timeout")
        await search(pilot, "row 0")
        screen = app.log_screen
        assert len(screen.search_bar.matches) == 6
        screen.apply_time_range(TimeRange(since_ns=START_NS + 30 * SECOND_NS))
        await wait_until(pilot, lambda: screen.panes.scan_progress is None)
        await wait_until(pilot, lambda: screen.filter_bar.finished and screen.search_bar.finished)
        assert shown_messages(merged(app)) == ["row 033 Timeout", "row 043 Timeout", "row 053 Timeout"]
        assert list(screen.search_bar.matches) == [3, 13, 23]  # "row 033"... in the new rows
        assert "filter" in screen.investigate_status().plain


@pilot_test
async def test_the_palette_clears_the_filter(write_log) -> None:
    app = make_app(write_log(known_items(40)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await filter_rows(pilot, "timeout")
        await filter_rows(pilot, "row 01", invert=True)
        assert len(merged(app).rows) == 3
        await app.log_screen.run_action("clear_filter")
        await pilot.pause()
        assert not len(app.log_screen.filter_bar.stack) and len(merged(app).rows) == 40


def _footer(app) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey)]


@pilot_test
async def test_esc_is_in_the_footer_only_while_there_is_something_to_stop_or_clear(write_log) -> None:
    app = make_app(write_log(service_items(60), clock=StepClock(step_ns=60 * SECOND_NS)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.pause()
        assert "Stop/clear" not in _footer(app)
        await pilot.click("#merged", offset=(10, 2))
        await pilot.pause()
        assert "Stop/clear" not in _footer(app)  # the cursor alone is nothing to clear
        await pilot.click("#merged", offset=(10, 4), shift=True)
        await pilot.pause()
        assert "Stop/clear" in _footer(app)
        # A new time window starts the rows over and drops the selection.
        await pilot.press("s", *"30m", "enter")
        await scanned(pilot)
        await pilot.pause()
        assert not app.log_screen.panes.has_selection
        assert "Stop/clear" not in _footer(app)
        await search(pilot, "line")
        await pilot.pause()
        assert "Stop/clear" in _footer(app)
        await pilot.press("escape")
        await pilot.pause()
        assert "Stop/clear" not in _footer(app)


@pilot_test
async def test_enter_after_pages_down_shows_the_cursors_row_which_is_on_screen(write_log) -> None:
    """The old bug: Enter, Esc, PgDn x3, Enter showed the first row, off screen."""
    from iolog_tui.detail import DetailScreen

    app = make_app(write_log(known_items(300)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = merged(app)
        await pilot.press("g", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.detail)
        assert app.screen.detail.message == b"row 000 ok\n"
        await pilot.press("escape", "pagedown", "pagedown", "pagedown", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.detail)
        index = view.cursor_index
        assert index is not None and index > 60 and index in view.visible_rows()
        assert app.screen.detail.message.decode() == shown_messages(view)[index] + "\n"


@pilot_test
async def test_a_filter_hiding_the_selection_clears_it_with_a_note_and_enter_and_y_take_the_cursor(
    write_log,
) -> None:
    """The old bug: after a filter hid the selected row, Enter still showed it and y copied nothing."""
    from iolog_tui.detail import DetailScreen

    app = make_app(write_log(known_items(100)))
    notes: list[str] = []
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.log_screen.panes.notify = lambda text, **_options: notes.append(text)  # type: ignore[method-assign]
        view = merged(app)
        await pilot.press("g", "j", "shift+down")  # rows 1 and 2: neither says Timeout
        assert view.selection == (1, 2)
        await filter_rows(pilot, "timeout")
        await pilot.pause()
        assert view.selection is None
        assert notes == ["the selection is not shown now: the cursor is on the nearest line"]
        index = view.cursor_index
        assert index is not None and shown_messages(view)[index] == "row 003 Timeout"
        assert index in view.visible_rows()
        await pilot.press("y")
        assert copied == ["row 003 Timeout\n"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.detail)
        assert app.screen.detail.message == b"row 003 Timeout\n"


@pilot_test
async def test_a_shown_cursor_row_stays_through_a_filter(write_log) -> None:
    app = make_app(write_log(known_items(100)))
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.log_screen.panes.notify = lambda text, **_options: notes.append(text)  # type: ignore[method-assign]
        view = merged(app)
        view.move_cursor(43)  # row 43 says Timeout
        await pilot.pause()
        await filter_rows(pilot, "timeout")
        await pilot.pause()
        assert shown_messages(view)[view.cursor_index] == "row 043 Timeout" and not notes
        await app.log_screen.run_action("clear_filter")
        await pilot.pause()
        assert view.cursor_index == 43 and view.cursor_index in view.visible_rows()


@pilot_test
async def test_a_growing_file_follows_on_the_last_line_and_counts_new_lines_elsewhere(write_log) -> None:
    from .tui_helpers import append_lines

    path = write_log(service_items(50))
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        panes = app.log_screen.panes
        view = merged(app)
        assert panes.following and view.cursor_index == 49
        append_lines(path, [b"new %d\n" % n for n in range(3)])
        await wait_until(pilot, lambda: len(view.rows) == 53)
        await pilot.pause()
        assert view.cursor_index == 52 and view.at_bottom  # the cursor stays on the last line
        await pilot.press("k")
        assert not panes.following
        append_lines(path, [b"later %d\n" % n for n in range(12)])
        await wait_until(pilot, lambda: panes.new_rows == 12)
        assert view.cursor_index == 51
        await pilot.pause()
        assert "12 new" in str(app.screen.query_one("#status-right").render())
        await pilot.press("G")
        assert panes.following and view.cursor_index == 64 and panes.new_rows == 0
        append_lines(path, [b"last\n"])
        await wait_until(pilot, lambda: view.cursor_index == 65)


@pilot_test
async def test_in_split_mode_each_pane_has_its_own_cursor(write_log) -> None:
    from iolog_tui.logview import LogView

    app = make_app(write_log(service_items(100)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("p")
        await pilot.pause()
        stdout = app.query_one("#stdout", LogView)
        stderr = app.query_one("#stderr", LogView)
        await pilot.press("g", "j", "j")
        assert stdout.cursor_index == 2
        await pilot.press("tab", "g", "j")
        assert stderr.cursor_index == 1 and stdout.cursor_index == 2
        assert stderr.rows.row(1).message == b"line 7\n"  # every 5th from line 2 is on stderr
