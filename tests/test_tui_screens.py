"""The since picker and the help screen (SincePicker, HelpScreen) under Pilot."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from iolog import LogFile
from iolog_tui.render import TimeFormat
from iolog_tui.screens import HelpScreen, SincePicker

from .conftest import NOW_NS, START_NS, StepClock, wait_until
from .tui_helpers import (
    MINUTE_NS,
    SECOND_NS,
    SIZE,
    make_app,
    pilot_test,
    scanned,
    service_items,
)


@pilot_test
async def test_since_picker_reseeks_through_the_index(write_log) -> None:
    path = write_log(service_items(120), clock=StepClock(START_NS, 30 * SECOND_NS))
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("s")
        assert isinstance(app.screen, SincePicker)
        await pilot.press(*"20m")
        await wait_until(pilot, lambda: "first entry" in str(app.screen.query_one("#preview").render()))
        assert "entry 81 of 120" in str(app.screen.query_one("#preview").render())
        await pilot.press("enter")
        await scanned(pilot)
        since_ns = NOW_NS - 20 * MINUTE_NS
        assert app.log_screen.panes.time_range.since_ns == since_ns
        with LogFile(path) as logfile:
            assert app.log_screen.panes.model.offsets[0] == logfile.seek_time(since_ns)
        assert len(app.log_screen.panes.model) == 40
        assert all((app.log_screen.panes.model.row(i).timestamp_ns or 0) >= since_ns for i in range(40))
        assert "since" in str(app.query_one("#status-left").render())
        await pilot.press("s")
        await pilot.press("ctrl+a", "ctrl+k")  # clear the field: back to everything
        await pilot.press(*"until")
        await pilot.pause()
        assert "-error" in app.screen.query_one("#preview").classes
        await pilot.press("enter")  # an invalid value does not close the picker
        assert isinstance(app.screen, SincePicker)
        await pilot.press("escape")
        assert not isinstance(app.screen, SincePicker)
        assert len(app.log_screen.panes.model) == 40


@pilot_test
async def test_picker_presets_and_until(write_log) -> None:
    path = write_log(service_items(120), clock=StepClock(START_NS, 30 * SECOND_NS))
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("s")
        await pilot.click("#preset-15m")
        assert app.screen.query_one("#since").value == "15m"
        app.screen.query_one("#until").value = "5m"
        await pilot.pause()
        await pilot.press("enter")
        await scanned(pilot)
        assert len(app.log_screen.panes.model) == 20  # 30 s apart: 10:45 <= ts < 10:55
        await pilot.press("s")
        await pilot.click("#preset-all")
        await pilot.press("enter")
        await scanned(pilot)
        assert len(app.log_screen.panes.model) == 120


@pilot_test
async def test_the_picker_says_when_the_log_runs_if_nothing_is_that_late(write_log) -> None:
    from iolog_tui.render import format_time

    path = write_log(service_items(30), clock=StepClock(START_NS, SECOND_NS))
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("s", *"10s")  # the log ended an hour ago
        preview = app.screen.query_one("#preview")
        await wait_until(pilot, lambda: "no entry" in str(preview.render()))
        first = format_time(START_NS, TimeFormat.LOCAL, 0)
        last = format_time(START_NS + 29 * SECOND_NS, TimeFormat.LOCAL, 0)[11:]  # the same day
        assert f"the log runs from {first} to {last}" in str(preview.render())


class _Help(App[None]):
    def on_mount(self) -> None:
        self.push_screen(HelpScreen("[b]keys[/]\\n  x  something"))


@pilot_test
async def test_the_help_screen_shows_its_page_and_closes() -> None:
    app = _Help()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "x  something" in str(app.screen.query_one("#help-text", Static).render())
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


@pilot_test
async def test_over_help_the_footer_says_q_closes_it(write_log) -> None:
    app = make_app(write_log(service_items(5)))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        footer = app.log_screen.query_one(Footer)
        await pilot.pause()
        assert [key.description for key in footer.query(FooterKey) if key.key == "q"] == ["Quit"]
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert [key.description for key in footer.query(FooterKey) if key.key == "q"] == ["Close help"]
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen) and app.is_running
        assert [key.description for key in footer.query(FooterKey) if key.key == "q"] == ["Quit"]
        await pilot.press("q")
    assert app.return_code == 0


@pilot_test
async def test_picker_presets_from_the_keyboard(write_log) -> None:
    path = write_log(service_items(120), clock=StepClock(START_NS, 30 * SECOND_NS))
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("s", *"30m")
        await pilot.press("tab", "tab")  # since → until → the first preset
        assert app.screen.focused is app.screen.query_one("#preset-5m")
        await pilot.press("right", "right")
        assert app.screen.focused is app.screen.query_one("#preset-1h")
        await pilot.press("left")
        assert app.screen.focused is app.screen.query_one("#preset-15m")
        await pilot.press("enter")  # that preset, not the typed 30m
        await scanned(pilot)
        assert app.log_screen.panes.time_range.since_text == "15m"
        assert len(app.log_screen.panes.model) == 30  # 30 s apart: from 10:45 on
        await pilot.press("s", "tab", "tab", *["right"] * 5, "space")  # "all", with space
        await scanned(pilot)
        assert app.log_screen.panes.time_range.is_all
        assert len(app.log_screen.panes.model) == 120


@pilot_test
async def test_over_the_picker_the_footer_does_not_offer_quit(write_log) -> None:
    app = make_app(write_log(service_items(10)))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        footer = app.log_screen.query_one(Footer)
        await pilot.press("s")
        await pilot.pause(0.2)
        assert isinstance(app.screen, SincePicker)
        keys = {key.key: key.description for key in footer.query(FooterKey)}
        assert "q" not in keys and "Quit" not in keys.values()
        hint = str(app.screen.query_one("#picker-hint", Static).render())
        assert "Esc cancel" in hint and "Enter apply" in hint


@pilot_test
async def test_a_since_applied_while_following_goes_to_the_since_point(write_log) -> None:
    path = write_log(service_items(120), clock=StepClock(START_NS, 30 * SECOND_NS))
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        panes = app.log_screen.panes
        assert panes.following
        await pilot.press("s", *"15m", "enter")
        await scanned(pilot)
        view = app.query_one("#merged")
        assert not panes.following and view.cursor_index == 0 and view.scroll_offset.y == 0


@pilot_test
async def test_a_late_answer_from_the_pickers_worker_after_it_closed_is_ignored(write_log) -> None:
    from iolog_tui.model.timerange import Landing

    path = write_log(service_items(120), clock=StepClock(START_NS, 30 * SECOND_NS))
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("s")
        picker = app.screen
        assert isinstance(picker, SincePicker)
        await pilot.press("tab", "tab", "enter")  # the 5m preset, applied at once
        await wait_until(pilot, lambda: not isinstance(app.screen, SincePicker))
        chosen = picker._range  # noqa: SLF001
        assert chosen is not None
        # What the worker may still send once the picker has closed: ignored, no crash.
        picker._show_progress(chosen, 0.5)  # noqa: SLF001
        picker._show_landing(chosen, Landing(0, 1, START_NS, (START_NS, START_NS)))  # noqa: SLF001
        await pilot.pause()
