"""Snapshot tests of the cursor and what moves it or acts on it, at 80x24 and 120x36.

Same rules as ``test_snapshots.py``: fixed time zone, fixed "now", fixed
terminal size and fixture logs written with a step clock.
"""

from __future__ import annotations

import pytest

from .conftest import wait_until
from .test_snapshots import make_app, mixed_items

pytestmark = pytest.mark.usefixtures("fixed_tz")

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])


class TestCursor:
    @SIZES
    def test_cursor_and_selection(self, snap_compare, write_log, settle, size) -> None:
        """The cursor on row 8 after a selection from row 5 (shift+down), the view at the top."""

        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("g", *["j"] * 5, "shift+down", "shift+down", "shift+down")
            await pilot.pause(0.1)

        assert snap_compare(make_app(write_log(mixed_items(60))), run_before=run_before, terminal_size=size)


class TestMarks:
    @SIZES
    def test_marks_in_the_gutter_and_on_the_timeline(self, snap_compare, demo_log, settle, size) -> None:
        async def run_before(pilot) -> None:
            from iolog_tui.timeline import Timeline

            await settle(pilot)
            await pilot.press("g", "j", "j", "m", *["j"] * 6, "m", "shift+down", "m")
            await pilot.press("T")
            timeline = pilot.app.query_one("#timeline", Timeline)
            await wait_until(pilot, lambda: timeline.histogram is not None)
            await pilot.press("escape")
            pilot.app.clear_notifications()  # the toasts fade out at their own pace
            await pilot.pause(0.2)

        assert snap_compare(make_app(demo_log), run_before=run_before, terminal_size=size)


class TestGoto:
    @SIZES
    def test_goto_prompt_with_bad_input(self, snap_compare, write_log, settle, size) -> None:
        async def run_before(pilot) -> None:
            from iolog_tui.prompts import GotoPrompt

            await settle(pilot)
            await pilot.press("ctrl+g")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, GotoPrompt))
            await pilot.press(*"soon", "enter")
            await pilot.pause(0.1)

        assert snap_compare(make_app(write_log(mixed_items(60))), run_before=run_before, terminal_size=size)

    @SIZES
    def test_went_to_a_time(self, snap_compare, write_log, settle, size) -> None:
        """The cursor on the first line at or after 09:00:30, every line still shown."""

        async def run_before(pilot) -> None:
            from iolog_tui.prompts import GotoPrompt

            app = pilot.app
            await settle(pilot)
            await pilot.press("ctrl+g")
            await wait_until(pilot, lambda: isinstance(app.screen, GotoPrompt))
            await pilot.press(*"2026-11-25T09:00:30Z", "enter")
            view = app.query_one("#merged")
            await wait_until(pilot, lambda: view.cursor_index == 20)
            await pilot.pause(0.1)

        assert snap_compare(make_app(write_log(mixed_items(60))), run_before=run_before, terminal_size=size)


class TestSkippedBytes:
    @SIZES
    def test_detail_of_skipped_bytes(self, snap_compare, write_log, settle, size) -> None:
        items = mixed_items(6)
        items.insert(2, b"\x00\x01boot noise \x1b]2;PWNED\x07 before the writer opened the port\r\n" * 3)

        async def run_before(pilot) -> None:
            app = pilot.app
            await settle(pilot)
            await pilot.press("g", "j", "j", "enter")
            await wait_until(
                pilot, lambda: "bytes (hex" in str(app.screen.query_one("#detail-message").render())
            )
            await pilot.pause(0.1)

        assert snap_compare(make_app(write_log(items)), run_before=run_before, terminal_size=size)


class TestSincePresets:
    def test_a_preset_chosen_from_the_keyboard(self, snap_compare, write_log, settle) -> None:
        from .conftest import StepClock

        path = write_log(mixed_items(60), clock=StepClock(step_ns=60 * 1_000_000_000))

        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("s", "tab", "tab", "right")
            await pilot.pause(0.2)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=(80, 24))

