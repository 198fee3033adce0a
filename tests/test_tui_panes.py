"""The log panes (LogPanes) under Pilot: split, follow and pause, truncation and rotation, empty panes."""

from __future__ import annotations

from pathlib import Path

from iolog_tui.logview import LogView
from iolog_tui.panes import LogPanes
from iolog_tui.render import short_time

from .conftest import START_NS, StepClock, fixed_now, wait_until
from .tui_helpers import (
    SECOND_NS,
    SIZE,
    append_lines,
    make_app,
    merged,
    pilot_test,
    scanned,
    service_items,
)


@pilot_test
async def test_split_keeps_panes_at_the_same_place(write_log) -> None:
    app = make_app(write_log(service_items(300)))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert app.log_screen.panes.has_class("-split")
        stdout = app.query_one("#stdout", LogView)
        stderr = app.query_one("#stderr", LogView)
        assert app.focused is stdout
        assert stdout.border_title == f"stdout · {len(app.log_screen.panes.model.stdout):,}"
        await pilot.press("g")
        for _ in range(50):
            await pilot.press("j")
        await pilot.pause()
        top_offset = stdout.rows.offset(stdout.scroll_offset.y)
        other = stderr.scroll_offset.y
        assert stderr.rows.offset(other) >= top_offset
        assert other == 0 or stderr.rows.offset(other - 1) < top_offset
        await pilot.press("tab")
        assert app.focused is stderr
        await pilot.press("s", "tab")  # in the picker, tab moves between its fields
        assert app.screen.focused is app.screen.query_one("#until")
        await pilot.press("escape")
        assert app.focused is stderr
        await pilot.press("p")
        await pilot.pause()
        assert not app.log_screen.panes.has_class("-split")
        assert app.focused is merged(app)


@pilot_test
async def test_follow_shows_appended_entries(write_log) -> None:
    """Appended lines show at the bottom (how quickly is measured in benchmarks/bench_tui.py)."""
    path = write_log(service_items(100))
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        assert app.log_screen.panes.following and app.log_screen.panes.has_class("-following")
        view = merged(app)
        assert view.at_bottom
        append_lines(path, [b"fresh one\n", b"fresh two\n"])
        await wait_until(pilot, lambda: len(app.log_screen.panes.model) == 102, timeout_s=5)
        assert view.at_bottom
        assert app.log_screen.panes.model.row(101).message == b"fresh two\n"


@pilot_test
async def test_scrolling_up_pauses_and_end_resumes(write_log) -> None:
    path = write_log(service_items(100))
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("k")
        assert not app.log_screen.panes.following
        append_lines(path, [b"new %d\n" % n for n in range(7)])
        await wait_until(pilot, lambda: len(app.log_screen.panes.model) == 107)
        assert app.log_screen.panes.new_rows == 7
        assert "paused · 7 new" in str(app.query_one("#status-right").render())
        assert not merged(app).at_bottom
        await pilot.press("G")
        assert app.log_screen.panes.following and merged(app).at_bottom
        await pilot.press("f")
        assert not app.log_screen.panes.following


@pilot_test
async def test_a_file_opens_following_and_f_pauses_and_follows_again(write_log) -> None:
    path = write_log(service_items(10))
    with open(path, "ab") as sink:
        sink.write(b"AAAAAAAAAA")  # looks like the start of an unfinished entry
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        panes = app.log_screen.panes
        assert panes.following and merged(app).cursor_on_last
        await wait_until(pilot, lambda: len(panes.model) == 10)  # the tail is taken back while following
        await pilot.press("f")
        assert not panes.following and merged(app).cursor_on_last  # paused where it is
        append_lines(path, [b"more\n"])
        await wait_until(pilot, lambda: panes.new_rows >= 1)
        assert merged(app).cursor_index == 9  # the cursor stayed; the new lines are counted
        await pilot.press("f")
        assert panes.following and merged(app).cursor_index == len(panes.model) - 1 > 9


@pilot_test
async def test_follow_restarts_after_truncation(write_log) -> None:
    path = write_log(service_items(50))
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        assert len(app.log_screen.panes.model) == 50
        path.write_bytes(b"")
        append_lines(path, [b"after truncation\n"])
        await wait_until(pilot, lambda: len(app.log_screen.panes.model) == 1, timeout_s=5)
        assert app.log_screen.panes.model.row(0).message == b"after truncation\n"
        assert "truncated" in app.log_screen.panes.source_note


@pilot_test
async def test_follow_reads_the_new_file_after_rotation(write_log, tmp_path: Path) -> None:
    path = write_log(service_items(30))
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        assert len(app.log_screen.panes.model) == 30
        rotated = tmp_path / "app.log.1"
        path.rename(rotated)
        fresh = tmp_path / "fresh.log"
        append_lines(fresh, [b"first of the new file\n", b"second\n"])
        fresh.rename(path)
        await wait_until(pilot, lambda: len(app.log_screen.panes.model) == 2, timeout_s=5)
        assert app.log_screen.panes.model.row(0).message == b"first of the new file\n"
        assert "replaced" in app.log_screen.panes.source_note


@pilot_test
async def test_an_empty_window_says_when_the_log_runs(write_log) -> None:
    from iolog_tui.cli import resolve_range

    path = write_log(service_items(30), clock=StepClock(START_NS, SECOND_NS))
    late = resolve_range("1s", None, fixed_now)  # after the last entry
    app = make_app(path, time_range=late)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await wait_until(pilot, lambda: "runs from" in merged(app).placeholder)
        assert len(app.log_screen.panes.model) == 0
        time_format = app.log_screen.panes.time_format
        first = short_time(START_NS, time_format, 0)
        last = short_time(START_NS + 29 * SECOND_NS, time_format, 0)
        assert merged(app).placeholder == (
            f"no entries in this time window · the log runs from {first} to {last} · s changes it"
        )


@pilot_test
async def test_one_pane_at_a_time_has_a_selection_and_a_jump_pauses(write_log) -> None:
    app = make_app(write_log(service_items(200)), follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        panes = app.query_one(LogPanes)
        await wait_until(pilot, lambda: panes.following)
        await pilot.press("p")
        stdout = app.query_one("#stdout", LogView)
        stderr = app.query_one("#stderr", LogView)
        panes.select(stdout, 0, 1)
        panes.select(stderr, 2, 2)
        assert stdout.selection is None and stderr.selection == (2, 2) and panes.has_selection
        panes.clear_selection()
        assert not panes.has_selection
        panes.jump_to_offset(panes.model.offsets[100])
        assert not panes.following
        assert stdout.rows.merged_index(stdout.top_row) >= 100


@pilot_test
async def test_rows_handed_over_early_are_drawn_with_the_next_batch(write_log, monkeypatch) -> None:
    from iolog import Stream
    from iolog.file import walk as walk_module
    from iolog_tui.model import scan
    from iolog_tui.model.rows import LogModel

    monkeypatch.setattr(walk_module, "_BATCH_BYTES", 2048)  # runs of about 90 rows
    monkeypatch.setattr(scan, "MAX_BATCH_ROWS", 300)
    applied: list[bool] = []
    drawn: list[int] = []
    apply, rows_changed = LogModel.apply, LogView.rows_changed

    def recording_apply(self, batch):  # type: ignore[no-untyped-def]
        applied.append(batch.early)
        return apply(self, batch)

    def recording_rows_changed(self):  # type: ignore[no-untyped-def]
        if self.id == "merged":
            drawn.append(len(self.rows))
        return rows_changed(self)

    monkeypatch.setattr(LogModel, "apply", recording_apply)
    monkeypatch.setattr(LogView, "rows_changed", recording_rows_changed)
    app = make_app(write_log([(Stream.STDOUT, b"row %d\n" % n) for n in range(2000)]))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.pause()
        assert any(applied) and not applied[-1]
        # The merged pane was told of new rows once per batch that was not early.
        assert len(drawn) <= applied.count(False) + 1 < len(applied)
        view = merged(app)
        assert len(view.rows) == 2000 and view.cursor_on_last
        assert drawn[-1] == 2000


def test_appending_reads_only_what_is_new(tmp_path, monkeypatch) -> None:
    """The tests' growing logs: each append starts a second after the latest entry, reading only new bytes."""
    from iolog import Decoder, Entry, Stream

    from . import tui_helpers

    SECOND = tui_helpers.SECOND_NS
    path = tmp_path / "grow.log"
    append_lines(path, [b"one\n", b"two\n"])
    reads: list[int] = []
    real_decoder = tui_helpers.Decoder

    class Counting(real_decoder):  # type: ignore[misc,valid-type]
        def feed(self, data: bytes) -> list:  # type: ignore[type-arg]
            reads.append(len(data))
            return super().feed(data)

    monkeypatch.setattr(tui_helpers, "Decoder", Counting)
    size = path.stat().st_size
    append_lines(path, [b"three\n"])
    assert reads == [size]  # what the first append wrote, not what it read before
    grown = path.stat().st_size
    append_lines(path, [b"four\n"], stream=Stream.STDERR)
    assert reads == [size, grown - size]
    decoder = Decoder()
    events = decoder.feed(path.read_bytes()) + decoder.close()
    entries = [event for event in events if isinstance(event, Entry)]
    assert [entry.message for entry in entries] == [b"one\n", b"two\n", b"three\n", b"four\n"]
    times = [entry.timestamp_ns for entry in entries]
    assert [later - earlier for earlier, later in zip(times, times[1:], strict=False)] == [SECOND] * 3
    # A log written anew (not grown) is read whole again.
    path.write_bytes(b"")
    append_lines(path, [b"again\n"])
    assert reads[-1] == 0
