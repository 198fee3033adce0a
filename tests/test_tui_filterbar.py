"""The filter bar (FilterBar): the stream choice, the filter stack and context, under Pilot and alone."""

from __future__ import annotations

from textual.widgets import Input

from iolog import Stream
from iolog_tui.filterbar import FilterBar
from iolog_tui.logview import LogView
from iolog_tui.model import LogModel
from iolog_tui.model.context import ContextRows, RowRole
from iolog_tui.model.filterstack import FilterStack, RowFilter
from iolog_tui.model.scan import scan_whole_file
from iolog_tui.model.search import Matcher

from .conftest import wait_until
from .tui_helpers import (
    SIZE,
    append_lines,
    filter_rows,
    known_items,
    make_app,
    pilot_test,
    ready,
    search,
    shown_messages,
)


@pilot_test
async def test_filter_and_stream_filter_show_the_right_rows(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.query_one("#merged", LogView)
        await filter_rows(pilot, "timeout")
        assert shown_messages(view) == [f"row {n:03d} Timeout" for n in range(300) if n % 10 == 3]
        assert '"timeout" · 30 of 300 lines' in app.log_screen.investigate_status().plain
        await pilot.press("2")  # stderr only: rows 1, 5, 9, ... that also say timeout
        assert shown_messages(view) == [
            f"row {n:03d} Timeout" for n in range(300) if n % 10 == 3 and n % 4 == 1
        ]
        assert "· 15 of 75 lines" in app.log_screen.investigate_status().plain
        await pilot.press("3")
        await pilot.press("ampersand", "enter")  # an empty pattern adds nothing
        assert len(app.log_screen.filter_bar.stack) == 1
        await app.log_screen.run_action("clear_filter")
        await pilot.press("1")
        assert len(view.rows) == len(app.log_screen.panes.model.stdout) == 225


@pilot_test
async def test_each_filter_added_narrows_the_rows_kept(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.query_one("#merged", LogView)
        await filter_rows(pilot, "row 0")  # rows 000 to 099
        assert len(view.rows) == 100
        await filter_rows(pilot, "timeout")  # ... that time out
        assert shown_messages(view) == [f"row {n:03d} Timeout" for n in range(100) if n % 10 == 3]
        await filter_rows(pilot, "row 05", invert=True)  # ... but for row 053
        assert len(view.rows) == 9 and "row 053 Timeout" not in shown_messages(view)
        status = app.log_screen.investigate_status().plain
        assert " 3 filters  9 of 300 lines" in status
        bar = app.log_screen.filter_bar
        assert [f.describe() for f in bar.stack.filters] == [
            'keep "row 0"', 'keep "timeout"', 'hide "row 05"'
        ]


@pilot_test
async def test_each_filter_is_counted_on_its_own_in_the_background(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await filter_rows(pilot, "timeout")
        await filter_rows(pilot, "row 1", invert=True)
        bar = app.log_screen.filter_bar
        keys = [f.key for f in bar.stack.filters]
        await wait_until(pilot, lambda: set(keys) <= bar.counts().finished)
        counts = bar.counts().lines
        assert [counts[key] for key in keys] == [30, 100]
        await pilot.press("1")  # counted again, among stdout's lines
        await wait_until(pilot, lambda: set(keys) <= bar.counts().finished)
        stdout = [n for n in range(300) if n % 4 != 1]
        assert [bar.counts().lines[key] for key in keys] == [
            sum(1 for n in stdout if n % 10 == 3), sum(1 for n in stdout if 100 <= n < 200)
        ]


@pilot_test
async def test_context_lines_show_the_rows_around_each_kept_row(write_log, tmp_path) -> None:
    app = make_app(write_log(known_items(60)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.query_one("#merged", LogView)
        await filter_rows(pilot, "timeout")
        await pilot.press("C", "1", "enter")
        await pilot.pause()
        assert shown_messages(view)[:8] == [
            "row 002 ok", "row 003 Timeout", "row 004 ok", "--",
            "row 012 ok", "row 013 Timeout", "row 014 ok", "--",
        ]
        rows = view.rows
        assert isinstance(rows, ContextRows)
        assert [rows.role(index) for index in range(4)] == [
            RowRole.CONTEXT, RowRole.KEPT, RowRole.CONTEXT, RowRole.SEPARATOR
        ]
        status = app.log_screen.investigate_status().plain
        assert "6 of 60 lines · ±1 context" in status
        # Context comes from the rows the stream choice shows: stderr's are rows 1, 5, 9, 13...
        await pilot.press("2")
        assert shown_messages(view)[:3] == ["row 009 ok", "row 013 Timeout", "row 017 ok"]
        await pilot.press("3")
        # A search steps only through kept rows: context rows are not matches.
        await search(pilot, "row 01")  # rows 012 and 014 say it too, but are context
        assert list(app.log_screen.search_bar.matches) == [13]
        # Export writes what is shown: kept rows and their context.
        target = tmp_path / "shown.txt"
        await pilot.press("x")
        app.screen.query_one("#prompt-input", Input).value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.log_screen.last_export is not None)
        written = target.read_text().splitlines()
        assert written[:6] == ["row 002 ok", "row 003 Timeout", "row 004 ok", "row 012 ok",
                               "row 013 Timeout", "row 014 ok"]
        assert len(written) == 18
        # 0 turns context off.
        await pilot.press("C", "ctrl+a", "ctrl+k", "0", "enter")
        await pilot.pause()
        assert len(view.rows) == 6 and not isinstance(view.rows, ContextRows)


@pilot_test
async def test_filter_applies_to_new_entries_while_following(write_log) -> None:

    path = write_log(known_items(40))
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(app.log_screen.panes.model) == 40)
        await pilot.press("ampersand", *"timeout", "enter")
        view = app.query_one("#merged", LogView)
        await wait_until(pilot, lambda: len(view.rows) == 4)
        append_lines(path, [b"new timeout here\n", b"new fine line\n", b"another TIMEOUT\n"])
        await wait_until(pilot, lambda: len(view.rows) == 6)
        assert shown_messages(view)[-2:] == ["new timeout here", "another TIMEOUT"]


def _model(write_log) -> LogModel:
    path = write_log(known_items(40))
    model = LogModel(path)
    scan_whole_file(path, model)
    return model


def test_alone_the_bar_says_which_rows_each_pane_shows(write_log) -> None:
    model = _model(write_log)
    bar = FilterBar(model)
    merged, stdout = LogView(model.merged, now_ns=lambda: 0, id="merged"), LogView(
        model.stdout, now_ns=lambda: 0, id="stdout"
    )
    assert bar.rows_for(merged) is model.merged and bar.rows_for(stdout) is model.stdout
    assert bar.choose_streams("stderr") and not bar.choose_streams("stderr")
    assert bar.pane_stream(merged) is Stream.STDERR and bar.pane_stream(stdout) is Stream.STDOUT
    assert bar.rows_for(merged) is model.stderr
    shown = bar.shown_test(merged)
    assert shown(1, b"x") and not shown(0, b"x")
    assert bar.describe(split=False, rows=model.stderr).plain == " stderr only  "
    assert bar.choose_streams("both") and bar.describe(split=False, rows=model.merged).plain == ""
    bar.stack = FilterStack((RowFilter(Matcher("a"), enabled=False), RowFilter(Matcher("b"))))
    bar.finished = True
    assert bar.describe(split=False, rows=model.merged).plain == " 1 of 2 filters on  40 of 40 lines  "
    bar.stack = bar.stack.toggled(1)
    assert bar.describe(split=False, rows=model.merged).plain == " 2 filters off   "


def test_alone_an_inverted_filter_passes_the_other_rows(write_log) -> None:
    model = _model(write_log)
    bar = FilterBar(model)
    view = LogView(model.merged, now_ns=lambda: 0, id="merged")
    bar.stack = FilterStack((RowFilter(Matcher("timeout"), exclude=True),))
    shown = bar.shown_test(view)
    assert not shown(0, b"row 3 Timeout\n") and shown(0, b"row 4 ok\n")
    bar.finished = True
    assert bar.describe(split=False, rows=model.merged).plain == ' hide  "timeout" · 40 of 40 lines  '


@pilot_test
async def test_each_count_follows_the_file_when_more_filters_are_added(write_log) -> None:
    path = write_log(known_items(40))
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(app.log_screen.panes.model) == 40)
        bar = app.log_screen.filter_bar
        await pilot.press("ampersand", *"timeout", "enter")
        first = bar.stack.filters[0].key
        await wait_until(pilot, lambda: bar.counts().lines.get(first) == 4)
        await pilot.press("ampersand", *"row 0", "ctrl+n", "enter")  # hide rows 000-099
        second = bar.stack.filters[1].key
        await wait_until(pilot, lambda: bar.counts().lines.get(second) == 40)
        append_lines(path, [b"new timeout here\n", b"row 077 late\n"])
        await wait_until(pilot, lambda: len(app.log_screen.panes.model) == 42)
        await wait_until(pilot, lambda: bar.counts().lines.get(first) == 5)
        await wait_until(pilot, lambda: bar.counts().lines.get(second) == 41)
        assert len(app.query_one("#merged", LogView).rows) == 1  # "new timeout here"
