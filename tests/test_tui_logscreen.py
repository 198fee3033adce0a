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
