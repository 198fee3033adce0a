"""The app (IologApp) under Pilot: the log screen first, the palette, the terminal's doors."""

from __future__ import annotations

from iolog_tui.logscreen import LogScreen
from iolog_tui.viewer import IologApp

from .tui_helpers import SIZE, make_app, pilot_test, ready, service_items


@pilot_test
async def test_the_log_screen_is_the_first_screen_and_is_ready_at_once(write_log) -> None:
    app = make_app(write_log(service_items(5)))
    assert isinstance(app, IologApp)
    async with app.run_test(size=SIZE) as pilot:
        # The screen's widgets are mounted before the first key is read.
        assert app.screen is app.log_screen and isinstance(app.screen, LogScreen)
        assert app.query_one("#merged") is not None
        await ready(pilot)
        assert len(app.log_screen.panes.model) == 5


@pilot_test
async def test_the_palette_offers_the_screen_s_actions_with_their_keys(write_log) -> None:
    app = make_app(write_log(service_items(5)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert commands["Search…"].help == "Find text or a regular expression (/)"
        assert commands["Split: streams, logs"].help.endswith("(p)")
        await commands["Split: streams, logs"].callback()
        await pilot.pause()
        assert app.log_screen.panes.split


@pilot_test
async def test_the_clipboard_shows_controls(write_log) -> None:
    # Toasts are checked on the terminal's output in test_tui_termsafe.py.
    app = make_app(write_log(service_items(5)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.copy_to_clipboard("a\x1b[2Jb\n")
        assert app.clipboard == "a␛[2Jb\n"


@pilot_test
async def test_workers_that_follow_the_file_leave_room_for_a_new_one(write_log) -> None:
    """Filters added one by one while the file is followed: each is counted, and the last still walks.

    Each batch of filters is counted by a worker that follows the file and so
    never ends, beside the scan's and the level count's; past the loop's
    default of six threads (on two cores) the next worker never started.
    """
    from iolog_tui.viewer import WORKER_THREADS

    from .conftest import wait_until

    app = make_app(write_log(service_items(80)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        bar = app.log_screen.filter_bar
        assert app.log_screen.panes.tailing  # the workers follow the file
        for number, word in enumerate(["line", "1", "2", "3", "4", "5", "6", "7"]):
            await pilot.press("ampersand", *word, "enter")
            await wait_until(pilot, lambda: bar.finished)
            assert len(bar.stack) == number + 1
        await pilot.press("L")
        await wait_until(pilot, lambda: bar.finished)
        assert sum(1 for worker in app.workers if worker.is_running) > 6
        assert WORKER_THREADS >= 32
