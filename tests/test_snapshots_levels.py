"""Snapshot tests of levels and the status bar, at 80x24 and 120x36.

Same rules as ``test_snapshots.py``: fixed time zone, fixed "now", fixed
terminal size and fixture logs written with a step clock.
"""

from __future__ import annotations

import pytest

from iolog import Stream

from .conftest import START_NS, wait_until
from .test_snapshots import make_app
from .tui_helpers import make_app as make_plain_app

pytestmark = pytest.mark.usefixtures("fixed_tz")

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])


def level_items(count: int = 60) -> list[tuple[Stream, bytes] | bytes]:
    """A service's lines in several loggers' shapes; a plain stderr line is no error."""
    shapes = [
        (Stream.STDOUT, b"2026-11-25 10:00:%02d INFO  [main] GET /items/%d 200\n"),
        (Stream.STDOUT, b"2026-11-25 10:00:%02d DEBUG [pool] lease %d renewed\n"),
        (Stream.STDERR, b"2026-11-25 10:00:%02d WARN  [db] slow query: %d ms\n"),
        (Stream.STDOUT, b'{"level":"error","ts":%d,"msg":"upstream %d refused"}\n'),
        (Stream.STDERR, b"plain stderr output %d %d (no level)\n"),
        (Stream.STDOUT, b"level=info msg=\"tick %d %d\"\n"),
        (Stream.STDERR, b"E1125 10:00:%02d.000000 1 main.go:%d] FATAL cannot bind\n"),
    ]
    items: list[tuple[Stream, bytes] | bytes] = []
    for number in range(count):
        stream, shape = shapes[number % len(shapes)]
        items.append((stream, shape % (number % 60, number)))
    return items


class TestLevels:
    @SIZES
    def test_levels_coloured_and_counted(self, snap_compare, write_log, settle, size) -> None:
        assert snap_compare(make_app(write_log(level_items())), run_before=settle, terminal_size=size)

    @SIZES
    def test_next_error_and_errors_only(self, snap_compare, write_log, settle, size) -> None:
        async def run_before(pilot) -> None:
            app = pilot.app
            await settle(pilot)
            await pilot.press("g", "e", "e")  # from the first line: the second error line
            await pilot.press("L", "L")
            await wait_until(pilot, lambda: app.log_screen.filter_bar.finished)
            await pilot.pause(0.1)

        assert snap_compare(make_app(write_log(level_items())), run_before=run_before, terminal_size=size)


class TestStatusBar:
    @SIZES
    def test_a_window_and_a_long_notice(self, snap_compare, write_log, settle, size) -> None:
        from iolog_tui.model.timerange import TimeRange

        path = write_log(level_items() + [b"\x00" * 300] + level_items(5))
        window = TimeRange(since_ns=START_NS + 3_000_000_000, until_ns=START_NS + 80_000_000_000)

        async def run_before(pilot) -> None:
            app = pilot.app
            await settle(pilot)
            app.log_screen.panes.source_note = (
                "the file was rotated: app.log was replaced by a new file; reading the new one from its start"
            )
            app.log_screen.refresh_status()
            await pilot.pause(0.2)

        app = make_plain_app(path, time_range=window)
        assert snap_compare(app, run_before=run_before, terminal_size=size)

    @SIZES
    def test_messages_screen(self, snap_compare, write_log, settle, size) -> None:
        async def run_before(pilot) -> None:
            app = pilot.app
            await settle(pilot)
            app.notify("the file was truncated; reading it again from its start", severity="warning")
            app.notify("copied 3 rows to the clipboard")
            await pilot.press("M")
            await pilot.pause(0.2)

        assert snap_compare(make_app(write_log(level_items(10))), run_before=run_before, terminal_size=size)


class TestClockStep:
    @SIZES
    def test_separator_and_count(self, snap_compare, write_log, settle, size) -> None:
        from .conftest import StepClock

        items = level_items(12)
        path = write_log(items[:6], clock=StepClock(START_NS, 5_000_000_000))  # up to START_NS + 25 s
        # Then the clock steps back 45 s (an NTP correction), and again by 1.5 s.
        write_log(items[6:9], clock=StepClock(START_NS - 20_000_000_000, 5_000_000_000))
        write_log(items[9:], clock=StepClock(START_NS - 11_500_000_000, 5_000_000_000))
        assert snap_compare(make_app(path), run_before=settle, terminal_size=size)


class TestTimeline:
    @SIZES
    def test_counts_and_scale(self, snap_compare, demo_log, settle, size) -> None:
        async def run_before(pilot) -> None:
            from iolog_tui.timeline import Timeline

            app = pilot.app
            timeline = app.query_one("#timeline", Timeline)
            await settle(pilot)
            await pilot.press("T")
            await wait_until(pilot, lambda: timeline.histogram is not None and len(timeline.edges) > 1)
            await pilot.press("escape")  # back to the log: the axis shows the scale
            await pilot.pause(0.6)

        assert snap_compare(make_app(demo_log), run_before=run_before, terminal_size=size)
