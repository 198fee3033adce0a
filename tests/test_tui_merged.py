"""``iolog-tui A B C`` and ``iolog-tui DIR``: one view merged by time, each row of its own log.

The rows are those of ``iolog cat`` on the same logs, in its order; search,
filter, the level count, detail and export read each row from its own log;
a log that appears in a followed folder joins the view.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.cells import cell_len

from iolog import Stream, read_entries
from iolog_tui.cli import UsageError, build_parser, open_source
from iolog_tui.detail import DetailScreen
from iolog_tui.logchoice import LogChoice
from iolog_tui.model.mergedrows import MergedModel
from iolog_tui.model.rows import RowKind
from iolog_tui.statusbar import StatusBar
from iolog_tui.timeline import LABEL_CELLS
from tests.test_cli_many import _cat

from .conftest import START_NS, StepClock, wait_until
from .merged_helpers import SECOND_NS, _write, container_logs, merged_app
from .tui_helpers import SIZE, filter_rows, merged, pilot_test, ready, search, shown_messages


def _expected(root: Path) -> list[tuple[str, str]]:
    """``iolog cat --format json DIR``: (log, text) of every line, in its order."""
    printed = _cat(root, format="json")
    assert printed is not None
    return [(record["attrs"]["source"], record["log"].rstrip("\n"))
            for record in map(json.loads, printed[0].splitlines())]


def _shown(app) -> list[tuple[str, str]]:
    model = app.log_screen.panes.model
    view = merged(app)
    rows = [view.rows.row(index) for index in range(len(view.rows))]
    return [(model.names[row.source], row.message.decode().rstrip("\n"))
            for row in rows if row.kind <= RowKind.STDERR]


@pilot_test
async def test_a_folder_opens_as_one_view_in_iolog_cat_s_order(tmp_path: Path) -> None:
    root = container_logs(tmp_path / "vms")
    app = merged_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert isinstance(app.log_screen.panes.model, MergedModel)
        assert _shown(app) == _expected(root)
        assert app.log_screen.panes.model.names == ["db-primary", "web", "worker"]


@pilot_test
async def test_search_filter_and_levels_work_across_logs(tmp_path: Path) -> None:
    root = container_logs(tmp_path / "vms")
    app = merged_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_until(pilot, lambda: app.log_screen.level_bar.finished)
        levels = app.log_screen.level_bar
        assert (len(levels.errors), len(levels.warnings)) == (2, 4)  # worker's errors, web's warnings
        await search(pilot, "job")
        hits = app.log_screen.search_bar.matches
        assert len(hits) == len([1 for _log, text in _expected(root) if "job" in text])
        assert all("job" in merged(app).rows.row(row).message.decode() for row in hits)
        await pilot.press("escape")
        await filter_rows(pilot, "checkpoint")
        shown = shown_messages(merged(app))
        assert shown and all("checkpoint" in text for text in shown)
        assert len(shown) == len([1 for log, _text in _expected(root) if log == "db-primary"])


@pilot_test
async def test_detail_reads_the_row_from_its_own_log_and_names_it(tmp_path: Path) -> None:
    root = container_logs(tmp_path / "vms")
    app = merged_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = merged(app)
        model = app.log_screen.panes.model
        index = next(number for number in range(len(view.rows)) if model.row_logs[number] == 2)
        view.move_cursor(index)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen)
                         and app.screen.detail is not None)
        detail = app.screen.detail
        assert detail is not None and detail.message == view.rows.row(index).message
        assert detail.offset == model.own_offset(index)
        fields = str(app.screen.query_one("#detail-fields").render())
        assert "log  worker" in fields


@pilot_test
async def test_export_writes_what_iolog_cat_prints(tmp_path: Path) -> None:
    root = container_logs(tmp_path / "vms")
    app = merged_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        target = tmp_path / "shown.txt"
        await pilot.press("x", "ctrl+a", "ctrl+k", *str(target), "enter")
        await wait_until(pilot, lambda: app.log_screen.last_export is not None)
        assert app.log_screen.last_export.error is None
        printed = _cat(root)
        assert printed is not None
        # iolog cat prints stdout and stderr apart; the export keeps both in the merged order.
        text = target.read_text().splitlines()
        assert sorted(text) == sorted(printed[0].decode().splitlines() + printed[1].decode().splitlines())
        assert text[0].startswith("db-primary | ") or text[0].startswith("web        | ")
        copies = tmp_path / "copy.log"
        await pilot.press("x", "ctrl+f", "ctrl+f", "ctrl+a", "ctrl+k", *str(copies), "enter")
        await wait_until(pilot, lambda: app.log_screen.last_export.path == str(copies))
        for name in ("db-primary", "web", "worker"):
            own = list(read_entries(root / name / "output.log"))
            assert list(read_entries(tmp_path / f"copy-{name}.log")) == own
        records = tmp_path / "shown.json"
        await pilot.press("x", "ctrl+f", "ctrl+f", "ctrl+f", "ctrl+a", "ctrl+k", *str(records), "enter")
        await wait_until(pilot, lambda: app.log_screen.last_export.path == str(records))
        assert app.log_screen.last_export.error is None
        printed = _cat(root, format="json")
        assert printed is not None
        assert records.read_bytes() == printed[0]


@pilot_test
async def test_a_log_that_appears_in_a_followed_folder_joins_the_view(tmp_path: Path) -> None:
    root = container_logs(tmp_path / "vms")
    app = merged_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        notes: list[str] = []
        panes = app.log_screen.panes
        panes.notify = lambda text, **_options: notes.append(text)  # type: ignore[method-assign]
        _write(root / "cache" / "output.log", [(Stream.STDOUT, b"cache warm\n")],
               StepClock(START_NS + 600 * SECOND_NS, SECOND_NS))
        await wait_until(pilot, lambda: "cache warm" in shown_messages(merged(app)), timeout_s=15)
        assert panes.model.names[-1] == "cache"
        assert notes == ["cache joined the view"]
        assert merged(app).painter.source_names[-1].strip() == "cache"


def test_several_sources_are_checked_before_the_screen_opens(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no logs in it"):
        open_source(build_parser().parse_args([str(tmp_path / "empty")]))
    bad = tmp_path / "bad.log"
    bad.write_bytes(b"not a log at all\n" * 10)
    good = container_logs(tmp_path / "vms") / "web" / "output.log"
    with pytest.raises(UsageError, match="bad.log"):
        open_source(build_parser().parse_args([str(good), str(bad)]))
    with pytest.raises(UsageError, match="alone"):
        open_source(build_parser().parse_args([str(good), "-"]))
    worker = str(good.parent.parent / "worker" / "output.log")
    source = open_source(build_parser().parse_args([str(good), worker]))
    assert source.logs == ((str(good), "web"), (worker, "worker"))


@pilot_test
async def test_goto_finds_the_first_row_at_or_after_the_time_in_every_log(tmp_path: Path) -> None:
    root = container_logs(tmp_path / "vms")
    app = merged_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = merged(app)
        # 21 s after the start: db-primary's first line (7 s, then every 3 s) at 22 s, web's at 22 s
        # too (every 2 s): db-primary is given first, so its line comes first.
        when = (START_NS + 21 * SECOND_NS) // SECOND_NS + 1  # unix seconds, rounded up past 21 s
        await pilot.press("ctrl+g")
        await pilot.press(*str(when), "enter")
        await wait_until(pilot, lambda: view.cursor_index is not None and view.rows.row(
            view.cursor_index).timestamp_ns == START_NS + 22 * SECOND_NS)
        row = view.rows.row(view.cursor_index)
        assert app.log_screen.panes.model.names[row.source] == "db-primary"
        earlier = [view.rows.row(index) for index in range(view.cursor_index)]
        assert all(r.timestamp_ns is None or r.timestamp_ns < START_NS + 22 * SECOND_NS for r in earlier)


@pilot_test
async def test_the_status_bar_counts_each_log_s_lines(tmp_path: Path) -> None:
    root = container_logs(tmp_path / "vms")
    app = merged_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        left = str(app.log_screen.query_one("#status-left").render())
        assert "db-primary 15 · web 30 · worker 10" in left and "55 lines" in left
    small = merged_app(root)
    async with small.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        left = str(small.log_screen.query_one("#status-left").render())
        # Names cut to fit, or (once the level counts take their room) the logs' total alone.
        assert "worker 10" not in left and " 55 lines" in left
        assert "web 30" in left and "wo… 10" in left or "web" not in left


@pilot_test
async def test_the_since_picker_s_preview_counts_every_log(tmp_path: Path) -> None:
    app = merged_app(container_logs(tmp_path / "vms"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        landing = app.log_screen.panes.locate(START_NS + 30 * SECOND_NS)
        # Before 30 s: web's 15 (every 2 s from 0 s), db-primary's 8 (from 7 s), worker's 6 (from 1 s).
        assert (landing.row, landing.rows, landing.timestamp_ns) == (29, 55, START_NS + 30 * SECOND_NS)
        assert landing.span == (START_NS, START_NS + 58 * SECOND_NS)


@pilot_test
async def test_the_timeline_counts_every_log_and_a_click_goes_to_the_first_merged_row_there(
    tmp_path: Path,
) -> None:
    app = merged_app(container_logs(tmp_path / "vms"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_until(pilot, lambda: app.log_screen.level_bar.finished)
        await pilot.press("g", "T")
        timeline = app.log_screen.timeline
        await wait_until(pilot, lambda: timeline.histogram is not None and len(timeline.edges) > 1)
        hist = timeline.histogram
        assert hist is not None and timeline.shown
        # The union of the logs' spans: web's first line (0 s) to web's last (58 s).
        assert hist.start_ns == START_NS and hist.end_ns > START_NS + 58 * SECOND_NS
        # Every log's entries: 55 lines of one entry each, 6 on stderr (web's 4 WARN, worker's 2 ERROR).
        assert round(sum(hist.stdout)) == 49 and round(sum(hist.stderr)) == 6
        times = [START_NS + 2 * SECOND_NS * n for n in range(30)] + [
            START_NS + 7 * SECOND_NS + 3 * SECOND_NS * n for n in range(15)] + [
            START_NS + SECOND_NS + 5 * SECOND_NS * n for n in range(10)]
        expected = [0] * len(hist)
        for stamp in times:
            bucket = hist.bucket_of(stamp)
            assert bucket is not None
            expected[bucket] += 1
        assert [round(out + err) for out, err in zip(hist.stdout, hist.stderr, strict=True)] == expected
        errors, warnings = timeline._level_counts(hist)
        assert (sum(errors), sum(warnings)) == (2, 4)
        worker_errors = [hist.bucket_of(START_NS + SECOND_NS + 5 * SECOND_NS * n) for n in (2, 6)]
        assert [bucket for bucket, count in enumerate(errors) if count] == worker_errors
        view = merged(app)
        model = app.log_screen.panes.model
        bucket = len(hist) // 2
        await pilot.click("#timeline", offset=(LABEL_CELLS + bucket, 0))
        start_ns = hist.bucket_start(bucket)
        first = min(stamp for stamp in times if stamp >= start_ns)

        def cursor_time() -> int | None:
            index = view.cursor_index
            return None if index is None else view.rows.row(index).timestamp_ns

        await wait_until(pilot, lambda: cursor_time() == first)
        index = view.cursor_index
        assert index is not None and model.row(view.rows.merged_index(index) - 1).timestamp_ns < start_ns
        # Hiding web (o): the strip counts db-primary's 15 and worker's 10 lines, 2 on stderr.
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, LogChoice))
        await pilot.press("down", "space", "enter")
        await wait_until(pilot, lambda: timeline.histogram is not None
                         and round(sum(timeline.histogram.stdout + timeline.histogram.stderr)) == 25)
        assert round(sum(timeline.histogram.stderr)) == 2


@pilot_test
async def test_lines_written_while_following_are_appended_with_their_log_s_clock_step(tmp_path: Path) -> None:
    root = container_logs(tmp_path / "vms")
    app = merged_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = merged(app)
        before = len(view.rows)
        # worker's clock went back: its new line is older than every line shown.
        _write(root / "worker" / "output.log", [(Stream.STDOUT, b"job late\n")],
               StepClock(START_NS - 10 * SECOND_NS, SECOND_NS))
        await wait_until(pilot, lambda: "job late" in shown_messages(merged(app)))
        rows = [view.rows.row(index) for index in range(before, len(view.rows))]
        assert [row.kind for row in rows] == [RowKind.CLOCK_STEP, RowKind.STDOUT]
        assert app.log_screen.panes.model.names[rows[-1].source] == "worker"
        assert view.cursor_index == len(view.rows) - 1  # following: the cursor stays on the last line
        _write(root / "web" / "output.log", [(Stream.STDOUT, b"GET /late 200\n")],
               StepClock(START_NS + 900 * SECOND_NS, SECOND_NS))
        await wait_until(pilot, lambda: shown_messages(merged(app))[-1] == "GET /late 200")


@pilot_test
async def test_the_status_bar_fits_narrow_terminals_giving_up_each_log_s_count_last(tmp_path: Path) -> None:
    """Words give way before anything collides (down to 64 columns); each log's count goes last."""
    root = container_logs(tmp_path / "vms")
    for width in (64, 72, 80):
        app = merged_app(root)
        async with app.run_test(size=(width, 24)) as pilot:
            await ready(pilot)
            bar = app.log_screen.query_one(StatusBar)
            parts = [bar.query_one(f"#status-{part}").render() for part in ("left", "investigate", "right")]
            assert sum(cell_len(str(part)) for part in parts) <= width
            assert " 55 lines" in str(parts[0])
