"""The filter bar (FilterBar): the stream choice and the row filter, under Pilot and alone."""

from __future__ import annotations

from iolog import Stream
from iolog_tui.filterbar import FilterBar
from iolog_tui.logview import LogView
from iolog_tui.model import LogModel
from iolog_tui.model.scan import scan_whole_file
from iolog_tui.model.search import Matcher
from iolog_tui.prompts import PatternRequest

from .conftest import wait_until
from .tui_helpers import (
    SIZE,
    append_lines,
    filter_rows,
    known_items,
    make_app,
    pilot_test,
    ready,
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
        assert "30 of 300 lines" in app.log_screen.investigate_status().plain
        await pilot.press("2")  # stderr only: rows 1, 5, 9, ... that also say timeout
        assert shown_messages(view) == [
            f"row {n:03d} Timeout" for n in range(300) if n % 10 == 3 and n % 4 == 1
        ]
        await pilot.press("3")
        await filter_rows(pilot, "\b" * 7 + "ok", invert=True)  # hide the "ok" rows
        assert len(view.rows) == 30
        await pilot.press("ampersand", "ctrl+a", "ctrl+k", "enter")  # empty: no filter
        await pilot.press("1")
        assert len(view.rows) == len(app.log_screen.panes.model.stdout) == 225


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
    assert bar.describe(split=False, shown_rows=10).plain == " stderr only  "
    assert bar.choose_streams("both") and bar.describe(split=False, shown_rows=40).plain == ""


def test_alone_an_inverted_filter_passes_the_other_rows(write_log) -> None:
    model = _model(write_log)
    bar = FilterBar(model)
    view = LogView(model.merged, now_ns=lambda: 0, id="merged")
    bar.request = PatternRequest(Matcher("timeout"), invert=True)
    shown = bar.shown_test(view)
    assert not shown(0, b"row 3 Timeout\n") and shown(0, b"row 4 ok\n")
    bar.finished = True
    assert bar.describe(split=False, shown_rows=36).plain == ' hide  "timeout": 36 of 40 lines  '
