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
async def test_copy_takes_the_selection_else_the_rows_on_screen(write_log) -> None:
    app = make_app(write_log(known_items(100)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.query_one("#merged", LogView)
        text, count = selected_text(view)
        height = view.scrollable_content_region.height
        assert count == height and text.splitlines()[0] == "row 000 ok"
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
    assert toasts == [f"saved 5 rows to {tmp_path / 'out.txt'}"]
