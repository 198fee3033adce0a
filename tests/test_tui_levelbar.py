"""The level bar (LevelBar) under Pilot: error and warning counts, e/E, w/W and the level filter L."""

from __future__ import annotations

from array import array

from iolog import Stream
from iolog_tui.levelbar import LevelBar

from .conftest import wait_until
from .tui_helpers import SIZE, make_app, merged, pilot_test, ready, shown_messages


def level_items(count: int = 300) -> list[tuple[Stream, bytes] | bytes]:
    """Every 10th row (3, 13, ...) an ERROR on stdout; every 7th (0, 7, ...) a WARN on stderr;
    every 4th (1, 5, ...) a plain line on stderr, which is no error for being there."""
    items: list[tuple[Stream, bytes] | bytes] = []
    for number in range(count):
        if number % 10 == 3:
            items.append((Stream.STDOUT, b"%03d ERROR db down\n" % number))
        elif number % 7 == 0:
            items.append((Stream.STDERR, b"%03d WARN slow\n" % number))
        elif number % 4 == 1:
            items.append((Stream.STDERR, b"%03d plain on stderr\n" % number))
        else:
            items.append((Stream.STDOUT, b"%03d INFO fine\n" % number))
    return items


ERRORS = [n for n in range(300) if n % 10 == 3]
WARNINGS = [n for n in range(300) if n % 7 == 0 and n % 10 != 3]


async def counted(pilot) -> None:
    await ready(pilot)
    await wait_until(pilot, lambda: pilot.app.log_screen.level_bar.finished)


def chosen(app) -> int | None:
    """The model row of the merged pane's cursor."""
    view = merged(app)
    index = view.cursor_index
    return None if index is None else view.rows.merged_index(index)


@pilot_test
async def test_the_counts_cover_the_whole_file_and_stderr_is_not_an_error(write_log) -> None:
    app = make_app(write_log(level_items()))
    async with app.run_test(size=SIZE) as pilot:
        await counted(pilot)
        bar = app.query_one(LevelBar)
        assert list(bar.errors) == ERRORS and list(bar.warnings) == WARNINGS
        status = app.log_screen.investigate_status().plain
        assert f"{len(ERRORS)} errors · {len(WARNINGS)} warnings" in status


@pilot_test
async def test_e_and_E_step_through_error_lines(write_log) -> None:
    app = make_app(write_log(level_items()))
    async with app.run_test(size=SIZE) as pilot:
        await counted(pilot)
        await pilot.press("g")  # the cursor to the first line (the log opens at its end)
        await pilot.press("e")
        await wait_until(pilot, lambda: chosen(app) == 3)
        await pilot.press("e", "e")
        await wait_until(pilot, lambda: chosen(app) == 23)
        await pilot.press("E")
        await wait_until(pilot, lambda: chosen(app) == 13)
        await pilot.press("G", "E")  # from the last line up
        await wait_until(pilot, lambda: chosen(app) == ERRORS[-1])
        await pilot.press("e")  # none below: a note says so, and the cursor stays
        await pilot.pause()
        assert any("no error line below" in notice.message for notice in app.notices)
        assert chosen(app) == ERRORS[-1]


@pilot_test
async def test_w_and_W_step_through_warning_lines(write_log) -> None:
    app = make_app(write_log(level_items()))
    async with app.run_test(size=SIZE) as pilot:
        await counted(pilot)
        await pilot.press("g")  # the first line, a warning: w goes on from it
        await pilot.press("w")
        await wait_until(pilot, lambda: chosen(app) == 7)
        await pilot.press("w")
        await wait_until(pilot, lambda: chosen(app) == 14)
        await pilot.press("W", "W")
        await wait_until(pilot, lambda: chosen(app) == 0)
        await pilot.press("W")
        await pilot.pause()
        assert any("no warning line above" in notice.message for notice in app.notices)


@pilot_test
async def test_e_looks_past_the_count_in_the_background(write_log) -> None:
    app = make_app(write_log(level_items()))
    async with app.run_test(size=SIZE) as pilot:
        await counted(pilot)
        bar = app.log_screen.level_bar
        # As if the count had not got anywhere yet: e must look in the file itself.
        bar.workers.cancel_group(bar, "levels")
        await pilot.pause()
        bar.errors, bar.warnings = array("I"), array("I")
        bar.counted_row = 0
        bar.finished = False
        await pilot.press("g", "e")
        await wait_until(pilot, lambda: chosen(app) == 3)
        await pilot.press("e")
        await wait_until(pilot, lambda: chosen(app) == 13)


@pilot_test
async def test_L_cycles_the_level_filter_and_it_ands_with_the_streams(write_log) -> None:
    app = make_app(write_log(level_items()))
    async with app.run_test(size=SIZE) as pilot:
        await counted(pilot)
        screen = app.log_screen
        await pilot.press("L")
        await wait_until(pilot, lambda: screen.filter_bar.finished)
        assert len(merged(app).rows) == len(ERRORS) + len(WARNINGS)
        assert "warnings and worse" in screen.investigate_status().plain
        await pilot.press("L")
        await wait_until(pilot, lambda: screen.filter_bar.finished)
        assert shown_messages(merged(app)) == [f"{n:03d} ERROR db down" for n in ERRORS]
        assert "errors only" in screen.investigate_status().plain
        await pilot.press("2")  # stderr only AND errors only: nothing (the errors are on stdout)
        await pilot.pause()
        assert len(merged(app).rows) == 0
        await pilot.press("3", "L")  # back to every line
        await pilot.pause()
        assert len(merged(app).rows) == 300
        assert "errors only" not in screen.investigate_status().plain


@pilot_test
async def test_the_level_filter_ands_with_the_text_filter(write_log) -> None:
    from .tui_helpers import filter_rows

    app = make_app(write_log(level_items()))
    async with app.run_test(size=SIZE) as pilot:
        await counted(pilot)
        await pilot.press("L")
        await wait_until(pilot, lambda: app.log_screen.filter_bar.finished)
        await filter_rows(pilot, "slow")
        assert shown_messages(merged(app)) == [f"{n:03d} WARN slow" for n in WARNINGS]


@pilot_test
async def test_with_some_lines_shown_the_counts_say_they_are_the_file_s(write_log) -> None:
    """A filter, a stream choice or the level filter shows some lines: the counts say 'in file'."""
    from .test_snapshots_filters import add_filter

    app = make_app(write_log(level_items()))
    async with app.run_test(size=SIZE) as pilot:
        await counted(pilot)
        screen = app.log_screen
        whole = f"{len(ERRORS)} errors · {len(WARNINGS)} warnings"
        assert whole in screen.investigate_status().plain
        assert "in file" not in screen.investigate_status().plain
        await add_filter(pilot, "db")
        assert f"in file {whole}" in screen.investigate_status().plain
        assert f"file {len(ERRORS)} err · {len(WARNINGS)} warn" in screen.investigate_status(brief=True).plain
        # An empty pane whose lines the filters all hide says so.
        await add_filter(pilot, "no such text anywhere")
        assert merged(app).placeholder == "no line passes the filters · F lists them"
        await pilot.press("F", "c", "escape")  # clear the filters
        await wait_until(pilot, lambda: not screen.filter_bar.stack.filtering)
        assert "in file" not in screen.investigate_status().plain
        await pilot.press("2")  # stderr only
        await pilot.pause()
        assert f"in file {whole}" in screen.investigate_status().plain
