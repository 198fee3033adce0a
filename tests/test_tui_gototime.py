"""Go to a time (TimeJump, ctrl+g): the cursor to the first line at or after it, every row still shown."""

from __future__ import annotations

from iolog import Stream
from iolog_tui.gototime import TimeJump
from iolog_tui.prompts import GotoPrompt

from .conftest import START_NS, StepClock, wait_until
from .tui_helpers import SECOND_NS, SIZE, make_app, merged, pilot_test, ready


def _minute_log(write_log):  # type: ignore[no-untyped-def]
    """60 lines one minute apart from START_NS."""
    items: list[tuple[Stream, bytes] | bytes] = [
        (Stream.STDOUT, b"minute %02d\n" % number) for number in range(60)
    ]
    return write_log(items, clock=StepClock(step_ns=60 * SECOND_NS))


async def _go(pilot, text: str) -> None:
    await pilot.press("ctrl+g")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, GotoPrompt))
    await pilot.press(*text, "enter")


@pilot_test
async def test_ctrl_g_puts_the_cursor_on_the_first_line_at_or_after_the_time(write_log) -> None:
    app = make_app(_minute_log(write_log))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = merged(app)
        assert view.cursor_index == 59
        # Unix seconds, between two lines: the later one; every row is still shown.
        await _go(pilot, str((START_NS + 10 * 60 * SECOND_NS + 1) // SECOND_NS + 1))
        await wait_until(pilot, lambda: view.cursor_index == 11)
        assert len(view.rows) == 60 and not app.log_screen.panes.following
        assert view.cursor_index in view.visible_rows()
        # RFC 3339, exactly on a line.
        stamp = START_NS + 25 * 60 * SECOND_NS
        await _go(pilot, _rfc3339(stamp))
        await wait_until(pilot, lambda: view.cursor_index == 25)


@pilot_test
async def test_a_time_past_the_end_goes_to_the_last_line_with_a_note(write_log) -> None:
    app = make_app(_minute_log(write_log))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = merged(app)
        await pilot.press("g")
        await _go(pilot, _rfc3339(START_NS + 3 * 3600 * SECOND_NS))
        await wait_until(pilot, lambda: view.cursor_index == 59)
        jump: TimeJump = app.log_screen.time_jump
        assert "no line at or after" in jump.last_note
        assert "the cursor is on the last line" in app.log_screen.time_jump.last_note


@pilot_test
async def test_bad_input_is_one_line_in_the_prompt_and_it_stays(write_log) -> None:
    app = make_app(_minute_log(write_log))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await _go(pilot, "tomorrow-ish")
        await pilot.pause()
        assert isinstance(app.screen, GotoPrompt)
        hint = str(app.screen.query_one("#prompt-toggles").render())
        assert "tomorrow-ish" in hint and "\n" not in hint.strip()
        await pilot.press("escape")
        assert not isinstance(app.screen, GotoPrompt)
        assert merged(app).cursor_index == 59  # nothing moved


@pilot_test
async def test_goto_is_in_the_command_palette(write_log) -> None:
    app = make_app(_minute_log(write_log))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        titles = [title for title, _help, _action in app.log_screen.commands()]
        assert "Go to a time…" in titles
        await app.log_screen.run_action("goto")
        await wait_until(pilot, lambda: isinstance(app.screen, GotoPrompt))


def _rfc3339(timestamp_ns: int) -> str:
    from iolog import format_docker_time

    return format_docker_time(timestamp_ns)
