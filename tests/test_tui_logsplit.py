"""The split by log (logsplit.py): one pane per log of several merged by time, third on the split key."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from iolog import Stream
from iolog_tui.detail import DetailScreen
from iolog_tui.logchoice import LogChoice
from iolog_tui.logsplit import MIN_PANE_HEIGHT, LogPane
from iolog_tui.model.mergedrows import MergedModel
from iolog_tui.splitmodes import next_split

from .conftest import START_NS, StepClock, wait_until
from .merged_helpers import SECOND_NS, _write, container_logs, merged_app
from .tui_helpers import SIZE, filter_rows, make_app, merged, pilot_test, ready


def _shown_ids(app) -> list[str]:
    return [view.id for view in app.log_screen.panes.visible_views]

def _model_rows(pane: LogPane) -> list[int]:
    return [pane.rows.merged_index(index) for index in range(len(pane.rows))]

def _log_rows(model: MergedModel, log: int, rows) -> list[int]:
    """The simplest reading: the rows the merged pane shows, of that log, in their order."""
    return [row for row in map(rows.merged_index, range(len(rows))) if model.row_logs[row] == log]

def test_the_cycle_takes_in_the_split_by_log_only_with_several_logs() -> None:
    assert next_split(False, False, 3) == (True, False)
    assert next_split(True, False, 3) == (False, True)
    assert next_split(False, True, 3) == (False, False)
    assert next_split(False, False, 1) == (True, False)
    assert next_split(True, False, 1) == (False, False)

@pilot_test
async def test_p_cycles_merged_streams_logs_and_back(tmp_path: Path) -> None:
    app = merged_app(container_logs(tmp_path / "vms"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        seen = []
        for _ in range(4):
            await pilot.press("p")
            await pilot.pause(0.1)
            seen.append(_shown_ids(app))
            assert app.screen.focused in app.log_screen.panes.visible_views
        assert seen == [["stdout", "stderr"], ["log-0", "log-1", "log-2"], ["merged"], ["stdout", "stderr"]]

@pilot_test
async def test_one_log_stays_merged_or_split_by_stream(tmp_path: Path) -> None:
    path = tmp_path / "one.log"
    items = [(Stream.STDOUT, b"a line\n"), (Stream.STDERR, b"an error\n")]
    _write(path, items, StepClock(START_NS, SECOND_NS))
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        seen = []
        for _ in range(3):
            await pilot.press("p")
            await pilot.pause(0.1)
            seen.append(_shown_ids(app))
        assert seen == [["stdout", "stderr"], ["merged"], ["stdout", "stderr"]]
        assert not app.log_screen.panes.log_split.panes

@pilot_test
async def test_each_log_s_pane_holds_its_rows_in_merged_order(tmp_path: Path) -> None:
    app = merged_app(container_logs(tmp_path / "vms"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("p", "p")
        await pilot.pause(0.1)
        panes = app.log_screen.panes
        model = panes.model
        for pane in panes.log_split.panes:
            assert _model_rows(pane) == _log_rows(model, pane.log_number, merged(app).rows)
            assert len(pane.rows) == len(model.merged_of[pane.log_number]) > 0
            assert {pane.rows.row(index).source for index in range(len(pane.rows))} == {pane.log_number}
            own = model.logs[pane.log_number]
            title = Text.from_markup(str(pane.border_title)).plain
            assert title == f"{model.names[pane.log_number]} · {len(own.stdout) + len(own.stderr)}"
        # The stream choice holds in every log's pane.
        await pilot.press("2")
        await pilot.pause(0.1)
        assert _shown_ids(app) == ["log-0", "log-1", "log-2"]
        for pane in panes.log_split.panes:
            rows = _model_rows(pane)
            assert rows == _log_rows(model, pane.log_number, merged(app).rows)
            assert all(model.kinds[row] == Stream.STDERR for row in rows)
        assert [len(_model_rows(pane)) for pane in panes.log_split.panes] == [0, 4, 2]

@pilot_test
async def test_the_cursor_enter_and_copy_act_in_the_focused_log_s_pane(tmp_path: Path) -> None:
    app = merged_app(container_logs(tmp_path / "vms"))
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("p", "p", "tab", "tab")
        await pilot.pause(0.1)
        panes = app.log_screen.panes
        worker = panes.query_one("#log-2", LogPane)
        assert app.screen.focused is worker and panes.active_view() is worker
        await pilot.press("home", "down", "down")
        await pilot.pause(0.1)
        assert worker.cursor.row == worker.rows.merged_index(2)  # the cursor keeps model rows
        row = worker.rows.row(2)
        assert b"job 2 failed" in row.message
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(copied))
        assert "job 2 failed" in copied[-1] and "\n" not in copied[-1].rstrip("\n")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen)
                         and app.screen.detail is not None)
        detail = app.screen.detail
        assert detail is not None and detail.message == row.message
        assert detail.offset == panes.model.own_offset(worker.rows.merged_index(2))
        assert "log  worker" in str(app.screen.query_one("#detail-fields").render())

@pilot_test
async def test_the_source_filter_and_a_filter_hold_in_the_split_by_log(tmp_path: Path) -> None:
    app = merged_app(container_logs(tmp_path / "vms"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("p", "p")
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, LogChoice))
        await pilot.press("down", "space", "enter")  # untick web
        await wait_until(pilot, lambda: _shown_ids(app) == ["log-0", "log-2"])
        panes = app.log_screen.panes
        await filter_rows(pilot, "0")
        await wait_until(pilot, lambda: app.log_screen.filter_bar.finished)
        model = panes.model
        for pane in panes.log_split.shown_panes():
            rows = _model_rows(pane)
            assert rows == _log_rows(model, pane.log_number, merged(app).rows)
            assert rows and all("0" in pane.rows.row(index).message.decode() for index in range(len(rows)))
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, LogChoice))
        await pilot.press("a", "enter")
        await wait_until(pilot, lambda: _shown_ids(app) == ["log-0", "log-1", "log-2"])

@pilot_test
async def test_logs_past_what_fits_get_no_pane_and_a_line_says_so(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for number in range(7):
        _write(root / f"vm{number}" / "output.log", [(Stream.STDOUT, b"up %d\n" % number)],
               StepClock(START_NS + number * SECOND_NS, SECOND_NS))
    app = merged_app(root)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("p", "p")
        await pilot.pause(0.2)
        split = app.log_screen.panes.log_split
        shown = split.shown_panes()
        assert len(shown) == (split.size.height - 1) // MIN_PANE_HEIGHT < 7
        assert all(pane.outer_size.height >= MIN_PANE_HEIGHT for pane in shown)
        assert split.beyond == 7 - len(shown)
        assert f"{split.beyond} more logs without a pane" in str(split.query_one("#log-overflow").render())
        await pilot.press("tab")
        assert app.screen.focused is shown[1]

@pilot_test
async def test_a_log_that_joins_a_followed_folder_gets_its_pane(tmp_path: Path) -> None:
    root = container_logs(tmp_path / "vms")
    app = merged_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("p", "p")
        _write(root / "cache" / "output.log", [(Stream.STDOUT, b"cache warm\n")],
               StepClock(START_NS + 600 * SECOND_NS, SECOND_NS))
        split = app.log_screen.panes.log_split
        await wait_until(pilot, lambda: len(split.panes) == 4 and len(split.panes[3].rows) == 1, timeout_s=15)
        assert split.panes[3].rows.row(0).message == b"cache warm\n"
        assert split.panes[3].marks is app.log_screen.panes.marks
