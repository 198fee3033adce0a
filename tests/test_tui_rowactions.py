"""Acting on the rows shown (RowExporter, selected_text): export writes exactly what is shown."""

from __future__ import annotations

from pathlib import Path

from iolog import Stream, read_entries
from iolog_tui.logview import LogView
from iolog_tui.model.export import ExportFormat
from iolog_tui.prompts import ExportRequest
from iolog_tui.rowactions import RowExporter, selected_text

from .conftest import wait_until
from .tui_helpers import (
    SIZE,
    filter_rows,
    known_items,
    make_app,
    pilot_test,
    ready,
    shown_messages,
)


@pilot_test
async def test_export_writes_exactly_what_is_shown(write_log, tmp_path: Path) -> None:
    items = known_items()
    items.append((Stream.STDOUT, b"x" * 5000 + b" Timeout in a long line\n"))
    app = make_app(write_log(items))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await filter_rows(pilot, "timeout")
        view = app.query_one("#merged", LogView)
        shown = shown_messages(view)
        assert len(shown) == 31
        for keys, name in (((), "plain.txt"), (("ctrl+f",), "stamped.txt"),
                           (("ctrl+f", "ctrl+f"), "copy.log")):
            target = tmp_path / name
            await pilot.press("x", *keys, "ctrl+a", "ctrl+k", *str(target), "enter")
            await wait_until(pilot, lambda target=target: app.log_screen.last_export is not None
                             and app.log_screen.last_export.path == str(target))
            assert app.log_screen.last_export.error is None and app.log_screen.last_export.rows == 31
        assert (tmp_path / "plain.txt").read_text().splitlines() == shown
        stamped = (tmp_path / "stamped.txt").read_text().splitlines()
        assert [line.split(" ", 1)[1] for line in stamped] == shown
        assert stamped[0].startswith("2026-11-25T") and stamped[0].split(" ")[0].endswith("Z")
        entries = list(read_entries(tmp_path / "copy.log"))
        assert b"".join(e.message for e in entries).decode().splitlines() == shown
        assert len(entries) == 32  # the long line is two entries, as in the original


@pilot_test
async def test_the_exporter_says_why_it_could_not_save(write_log, tmp_path: Path) -> None:
    app = make_app(write_log(known_items(20)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = app.log_screen
        exporter: RowExporter = screen.exporter
        model = screen.panes.model
        target = str(tmp_path / "missing" / "out.txt")
        exporter.export(model, len(model), ExportRequest(target, ExportFormat.TEXT), lambda _k, _m: True)
        await wait_until(pilot, lambda: exporter.last is not None)
        assert exporter.last is not None and exporter.last.path == target
        assert exporter.last.rows == 0 and exporter.last.error == "No such file or directory"


@pilot_test
async def test_copy_takes_the_selection_else_the_cursors_row(write_log) -> None:
    app = make_app(write_log(known_items(100)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.query_one("#merged", LogView)
        assert selected_text(view) == ("row 099 ok\n", 1)
        app.log_screen.panes.select(view, 3, 5)
        assert selected_text(view) == ("row 003 Timeout\nrow 004 ok\nrow 005 ok\n", 3)


@pilot_test
async def test_the_export_toast_names_the_full_path(write_log, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(write_log(known_items(5)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        toasts: list[str] = []
        app.log_screen.exporter.notify = lambda text, **_options: toasts.append(text)  # type: ignore[method-assign]
        await pilot.press("x", "ctrl+a", "ctrl+k", *"out.txt", "enter")
        await wait_until(pilot, lambda: app.log_screen.last_export is not None)
    assert toasts == [f"saved 5 lines to {tmp_path / 'out.txt'}"]


@pilot_test
async def test_m_marks_the_cursor_row_and_u_and_quote_keys_go_between_marks(write_log) -> None:
    app = make_app(write_log(known_items(100)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.query_one("#merged", LogView)
        marks = app.log_screen.panes.marks
        await pilot.press("g", "j", "j", "m")  # row 2
        await pilot.press(*["j"] * 8, "m")  # row 10
        await pilot.press("j", "shift+down", "shift+down", "m")  # rows 11 to 13
        offsets = app.log_screen.panes.model.offsets
        assert list(marks) == [offsets[row] for row in (2, 10, 11, 12, 13)]
        assert view.render_line(view.cursor_index - view.top_row).text[1] == "◆"  # in the gutter
        await pilot.press("g", "u")
        assert view.cursor_index == 2
        await pilot.press("apostrophe")
        assert view.cursor_index == 10
        await pilot.press("U")
        assert view.cursor_index == 2
        await pilot.press("quotation_mark")  # before the first mark: round to the last
        assert view.cursor_index == 13
        await pilot.press("m")  # unmark the cursor's row
        assert offsets[13] not in marks and len(marks) == 4


@pilot_test
async def test_marks_outlast_a_filter_and_a_stream_choice(write_log) -> None:
    app = make_app(write_log(known_items(100)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.query_one("#merged", LogView)
        await pilot.press("g", *["j"] * 3, "m", *["j"] * 10, "m")  # rows 3 (Timeout) and 13 (Timeout)
        await filter_rows(pilot, "timeout")
        await pilot.press("G", "U")
        assert shown_messages(view)[view.cursor_index] == "row 013 Timeout"
        await pilot.press("U")
        assert shown_messages(view)[view.cursor_index] == "row 003 Timeout"
        await pilot.press("escape")
        await app.log_screen.run_action("clear_filter")
        await pilot.press("2")  # stderr only: rows 1, 5, 9, 13 ...
        await pilot.pause()
        await pilot.press("g", "u")
        assert shown_messages(view)[view.cursor_index] == "row 013 Timeout"  # row 3 is on stdout


@pilot_test
async def test_export_can_write_only_the_marked_rows(write_log, tmp_path: Path) -> None:
    from iolog_tui.prompts import ExportPrompt

    app = make_app(write_log(known_items(30)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("g", "j", "m", "j", "j", "m")  # rows 1 and 3
        await app.log_screen.run_action("export")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportPrompt))
        hint = str(app.screen.query_one("#prompt-toggles").render())
        assert "30 lines" in hint and "which lines" in hint
        target = tmp_path / "marked.txt"
        await pilot.press("ctrl+o")
        assert "2 marked lines" in str(app.screen.query_one("#prompt-toggles").render())
        await pilot.press("ctrl+a", "ctrl+k", *str(target), "enter")
        await wait_until(pilot, lambda: app.log_screen.last_export is not None)
    assert target.read_text() == "row 001 ok\nrow 003 Timeout\n"


@pilot_test
async def test_export_offers_the_selection(write_log, tmp_path: Path) -> None:
    from iolog_tui.prompts import ExportPrompt

    app = make_app(write_log(known_items(30)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("g", "j", "j", "shift+down", "shift+down")  # rows 2 to 4
        await app.log_screen.run_action("export")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportPrompt))
        await pilot.press("ctrl+o")
        assert "3 selected lines" in str(app.screen.query_one("#prompt-toggles").render())
        target = tmp_path / "selected.txt"
        await pilot.press("ctrl+a", "ctrl+k", *str(target), "enter")
        await wait_until(pilot, lambda: app.log_screen.last_export is not None)
    assert target.read_text() == "row 002 ok\nrow 003 Timeout\nrow 004 ok\n"
