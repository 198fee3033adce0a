"""Snapshot tests of the filter stack: the filter list (F) and context lines (C), at 80x24 and 120x36.

Same rules as ``test_snapshots.py``: fixed time zone, fixed "now", fixed
terminal size and fixture logs written with a step clock.
"""

from __future__ import annotations

import pytest

from .conftest import wait_until
from .test_snapshots import make_app, mixed_items

pytestmark = pytest.mark.usefixtures("fixed_tz")

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]


async def add_filter(pilot, text: str, *, hide: bool = False) -> None:
    app = pilot.app
    await pilot.press("ampersand", *text)
    if hide:
        await pilot.press("ctrl+n")
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.log_screen.filter_bar.finished)


async def counted(pilot) -> None:
    bar = pilot.app.log_screen.filter_bar
    await wait_until(pilot, lambda: {f.key for f in bar.stack.filters} <= bar.counts().finished)
    pilot.app.screen.redraw()  # as its timer does, every quarter second
    await pilot.pause()


class TestFilterList:
    @pytest.mark.parametrize("size", SIZES)
    def test_filters_with_their_counts_one_off(self, snap_compare, write_log, settle, size) -> None:
        path = write_log(mixed_items(80))

        async def run_before(pilot) -> None:
            await settle(pilot)
            await add_filter(pilot, "items/1")
            await add_filter(pilot, "items/12 ", hide=True)
            await add_filter(pilot, "cache")
            await pilot.press("F", "down", "down", "space", "up")
            await counted(pilot)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=size)


class TestContext:
    @pytest.mark.parametrize("size", SIZES)
    def test_two_lines_around_each_kept_line(self, snap_compare, write_log, settle, size) -> None:
        path = write_log(mixed_items(80))

        async def run_before(pilot) -> None:
            await settle(pilot)
            await add_filter(pilot, "cache miss ratio high: 5")
            await pilot.press("C", "2", "enter", "g")
            await pilot.pause(0.1)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=size)


class TestLongFilterStack:
    @pytest.mark.parametrize("size", SIZES)
    def test_the_status_bar_keeps_its_counts_and_the_window(
        self, snap_compare, write_log, settle, size
    ) -> None:
        """A stack of filters, a time window and the level filter: the filters' words give way first.

        At 80 columns the bar keeps the time window, the lines, the lines the
        filters keep and the error and warning counts (the whole file's, said
        so), and the follow state.
        """
        from iolog_tui.model.timerange import TimeRange
        from iolog_tui.render import TimeFormat

        from .conftest import NOW_NS, StepClock
        from .tui_helpers import SECOND_NS

        path = write_log(mixed_items(60), clock=StepClock(step_ns=60 * SECOND_NS))
        window = TimeRange(since_ns=NOW_NS - 3000 * SECOND_NS, since_text="50m")

        async def run_before(pilot) -> None:
            await settle(pilot)
            await add_filter(pilot, "GET /api/v1/items/7 from the load balancer", hide=True)
            await add_filter(pilot, "cache miss ratio high")
            await add_filter(pilot, "ratio high: 46%", hide=True)
            await pilot.press("L")
            await wait_until(pilot, lambda: pilot.app.log_screen.filter_bar.finished)
            await pilot.pause(0.05)

        app = make_app(path, time_range=window, time_format=TimeFormat.LOCAL)
        assert snap_compare(app, run_before=run_before, terminal_size=size)
