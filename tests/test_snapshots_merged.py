"""Snapshot tests of a view of several logs merged by time (``iolog-tui DIR``).

Three container folders (``tests/merged_helpers.py``), with the fixed time
zone, clock and terminal sizes of every snapshot test: the merged view at
120x36 and at 80x24, its stream split, its split by log, an entry's detail
naming its log, and the timeline of every log with two marks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import wait_until
from .merged_helpers import container_logs, merged_app

pytestmark = pytest.mark.usefixtures("fixed_tz")


class TestMergedLogs:
    @pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
    def test_merged(self, snap_compare, tmp_path: Path, settle, size: tuple[int, int]) -> None:
        app = merged_app(container_logs(tmp_path / "vms"))
        assert snap_compare(app, run_before=settle, terminal_size=size)

    @pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
    def test_split_by_stream(self, snap_compare, tmp_path: Path, settle, size: tuple[int, int]) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("p")
            await pilot.pause(0.1)

        app = merged_app(container_logs(tmp_path / "vms"))
        assert snap_compare(app, run_before=run_before, terminal_size=size)

    @pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
    def test_split_by_log(self, snap_compare, tmp_path: Path, settle, size: tuple[int, int]) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("p", "p")
            await pilot.pause(0.1)

        app = merged_app(container_logs(tmp_path / "vms"))
        assert snap_compare(app, run_before=run_before, terminal_size=size)

    def test_detail_names_the_log(self, snap_compare, tmp_path: Path, settle) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("k", "k", "enter")
            await pilot.pause(0.3)

        app = merged_app(container_logs(tmp_path / "vms"))
        assert snap_compare(app, run_before=run_before, terminal_size=(120, 36))

    def test_timeline_of_every_log(self, snap_compare, tmp_path: Path, settle) -> None:
        async def run_before(pilot) -> None:
            from iolog_tui.timeline import Timeline

            await settle(pilot)
            await wait_until(pilot, lambda: pilot.app.log_screen.level_bar.finished)
            await pilot.press("g", *["j"] * 3, "m", *["j"] * 20, "m", "T")
            timeline = pilot.app.query_one("#timeline", Timeline)
            await wait_until(pilot, lambda: timeline.histogram is not None and len(timeline.edges) > 1)
            await pilot.press("escape")  # back to the log: the axis shows the scale
            pilot.app.clear_notifications()
            await pilot.pause(0.6)

        app = merged_app(container_logs(tmp_path / "vms"))
        assert snap_compare(app, run_before=run_before, terminal_size=(120, 36))
