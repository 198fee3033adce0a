"""Snapshot tests of a view of several logs merged by time (``iolog-tui DIR``).

Three container folders (``tests/merged_helpers.py``), with the fixed time
zone, clock and terminal sizes of every snapshot test: the merged view at
120x36 and at 80x24, its stream split, its split by log, and an entry's detail
naming its log.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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
