"""Snapshot tests of investigating a log: search, filters, streams, entry detail.

Same rules as ``test_snapshots.py``: fixed time zone, fixed "now", fixed
terminal size and fixture logs written with a step clock.
"""

from __future__ import annotations

import pytest

from iolog import Stream

from .conftest import wait_until
from .test_snapshots import SIZE, make_app, mixed_items

pytestmark = pytest.mark.usefixtures("fixed_tz")


async def searched(pilot, text: str) -> None:
    app = pilot.app
    await pilot.press("slash", *text, "enter")
    await wait_until(pilot, lambda: app.log_screen.search_bar.finished)
    await pilot.pause(0.1)


async def filtered(pilot, text: str) -> None:
    app = pilot.app
    await pilot.press("ampersand", *text, "enter")
    await wait_until(pilot, lambda: app.log_screen.filter_bar.finished)
    await pilot.pause(0.1)


class TestSearch:
    def test_matches_highlighted_with_count(self, snap_compare, write_log, settle) -> None:
        path = write_log(mixed_items(60))

        async def run_before(pilot) -> None:
            await settle(pilot)
            await searched(pilot, "cache")
            await pilot.press("n")
            await pilot.pause(0.1)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)

    def test_search_prompt(self, snap_compare, write_log, settle) -> None:
        path = write_log(mixed_items(30))

        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("slash", *r"items/\d+ 200", "ctrl+r")
            await pilot.pause(0.1)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)


class TestFilter:
    def test_filter_applied(self, snap_compare, write_log, settle) -> None:
        path = write_log(mixed_items(60))

        async def run_before(pilot) -> None:
            await settle(pilot)
            await filtered(pilot, "items/1")

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)

    def test_stderr_only(self, snap_compare, demo_log, settle) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("2")
            await pilot.pause(0.1)

        assert snap_compare(make_app(demo_log), run_before=run_before, terminal_size=SIZE)


class TestDetail:
    @pytest.mark.parametrize(
        "payload",
        [
            b"INFO  GET /api/v1/items/7 200 12ms\n",
            b'{"level":"error","msg":"db timeout","retry":[1,2,4],"ok":false}\n',
            b"binary \x00\x01\x02\xff\xfe payload \x80 end\n",
        ],
        ids=["text", "json", "binary"],
    )
    def test_detail(self, snap_compare, write_log, settle, payload: bytes) -> None:
        path = write_log([(Stream.STDOUT, b"INFO  before\n"), (Stream.STDERR, payload),
                          (Stream.STDOUT, b"INFO  after\n")])

        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.click("#merged", offset=(12, 1))
            await pilot.press("enter")
            app = pilot.app
            await wait_until(pilot, lambda: getattr(app.screen, "detail", None) is not None)
            await pilot.pause(0.1)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)


class TestTimeline:
    def test_timeline(self, snap_compare, demo_log, settle) -> None:
        async def run_before(pilot) -> None:
            from iolog_tui.logview import LogView
            from iolog_tui.timeline import Timeline

            app = pilot.app
            view = app.query_one("#merged", LogView)
            timeline = app.query_one("#timeline", Timeline)
            await settle(pilot)
            await pilot.press("T")
            await wait_until(pilot, lambda: timeline.histogram is not None)
            # Bucket 50 is past the last screenful: the view stops at its end, 09:05:00.
            await pilot.press(*["right"] * 50, "enter")
            await wait_until(pilot, lambda: view.top_row > 0)
            await pilot.press(*["right"] * 20)  # the cursor to bucket 70
            await pilot.pause(0.1)

        assert snap_compare(make_app(demo_log), run_before=run_before, terminal_size=SIZE)
