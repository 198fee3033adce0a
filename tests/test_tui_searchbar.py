"""The search bar (SearchBar) under Pilot, on logs of known content: the count, n and N, toggles."""

from __future__ import annotations

from array import array

from iolog_tui.logview import LogView
from iolog_tui.model.search import Matcher
from iolog_tui.prompts import PatternRequest
from iolog_tui.searchbar import SearchBar

from .conftest import wait_until
from .test_tui_model import load
from .tui_helpers import (
    SIZE,
    known_items,
    make_app,
    pilot_test,
    ready,
    search,
)


@pilot_test
async def test_search_counts_and_steps_through_matches(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await search(pilot, "timeout")
        assert list(app.log_screen.search_bar.matches) == [n for n in range(300) if n % 10 == 3]
        assert app.log_screen.search_bar.current == 3
        assert "match 1 of 30" in app.log_screen.investigate_status().plain
        await pilot.press("n", "n")
        assert app.log_screen.search_bar.current == 23
        assert "match 3 of 30" in app.log_screen.investigate_status().plain
        await pilot.press("N")
        assert app.log_screen.search_bar.current == 13
        await pilot.press("G")  # jump to the end, then n wraps to the first match
        await pilot.press("N")
        assert app.log_screen.search_bar.current == 293
        await pilot.press("n")
        assert app.log_screen.search_bar.current == 3
        view = app.query_one("#merged", LogView)
        assert view.cursor_index == 3 and view.selection is None  # the match is the cursor's row


@pilot_test
async def test_search_case_and_regex_toggles(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"timeout", "ctrl+t", "enter")
        await wait_until(pilot, lambda: app.log_screen.search_bar.finished)
        assert len(app.log_screen.search_bar.matches) == 0
        assert "no match" in app.log_screen.investigate_status().plain
        await pilot.press("slash", "ctrl+a", "ctrl+k", *r"row 0\d5", "ctrl+r", "ctrl+t", "enter")
        await wait_until(pilot, lambda: app.log_screen.search_bar.finished)
        assert list(app.log_screen.search_bar.matches) == [5, 15, 25, 35, 45, 55, 65, 75, 85, 95]
        await pilot.press("escape")  # ends the search
        assert app.log_screen.search_bar.request is None


@pilot_test
async def test_search_within_a_filter_counts_only_shown_rows(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("1")  # stdout only
        await search(pilot, "timeout")
        expected = [n for n in range(300) if n % 10 == 3 and n % 4 != 1]
        assert list(app.log_screen.search_bar.matches) == expected


@pilot_test
async def test_a_stopped_count_keeps_its_matches_and_says_so(write_log) -> None:
    app = make_app(write_log(known_items(300)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        bar: SearchBar = app.log_screen.search_bar
        await pilot.press("slash", *"timeout", "enter")
        await wait_until(pilot, lambda: bar.current is not None)
        bar.stop_count()
        await pilot.pause()
        assert bar.stopped and not bar.counting and bar.request is not None
        counted = list(bar.matches)
        assert counted == [n for n in range(300) if n % 10 == 3][: len(counted)]
        await pilot.press("escape")  # ends the search
        await pilot.pause()
        assert bar.request is None and bar.describe().plain == ""


def test_alone_the_bar_says_how_far_its_count_is(write_log) -> None:
    bar = SearchBar(load(write_log(known_items(40))))
    bar.request = PatternRequest(Matcher("timeout"))
    bar.matches, bar.counted_row, bar.current, bar.scanning = array("I", [3, 13]), 20, 13, False
    said = bar.describe().plain
    assert said.startswith(' /  "timeout" match 2 of 2+ counting ') and said.endswith("% Esc stops  ")
    bar.stopped = True
    assert bar.describe().plain == ' /  "timeout" match 2 of 2+ (count stopped)  '
    bar.finished, bar.matches, bar.current = True, array("I"), None
    assert bar.describe().plain == ' /  "timeout" no match  '


@pilot_test
async def test_a_long_search_is_cut_short_on_a_narrow_bar(write_log) -> None:
    """At 80 columns the search's pattern gives way (cut, with …), not its count."""
    app = make_app(write_log(known_items()))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"timeout or a very long pattern", "enter")
        await wait_until(pilot, lambda: app.log_screen.search_bar.finished)
        brief = app.log_screen.investigate_status(brief=True).plain
        assert '"timeout or…' in brief and "no match" in brief
        assert '"timeout or a very long …"' in app.log_screen.investigate_status().plain
