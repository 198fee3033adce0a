"""The log pane (LogView) under Pilot: scrolling keys, wrapped rows, clicks; in the app and alone."""

from __future__ import annotations

from textual.app import App, ComposeResult

from iolog import Stream
from iolog_tui.logview import LogView
from iolog_tui.model import LogModel
from iolog_tui.render import TimeFormat

from .test_tui_model import load
from .tui_helpers import (
    SIZE,
    make_app,
    merged,
    pilot_test,
    scanned,
    service_items,
)


@pilot_test
async def test_scroll_keys(write_log) -> None:
    app = make_app(write_log(service_items(200)))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        view = merged(app)
        assert view.scroll_offset.y == 0
        await pilot.press("j", "j", "down")
        assert view.scroll_offset.y == 3
        await pilot.press("k")
        assert view.scroll_offset.y == 2
        await pilot.press("G")
        assert view.scroll_offset.y == view.max_scroll_y > 0
        last_line = view.render_line(view.scrollable_content_region.height - 1).text
        assert last_line.endswith("line 199") or "line 199 " in last_line
        await pilot.press("g")
        assert view.scroll_offset.y == 0
        await pilot.press("pagedown")
        assert view.scroll_offset.y > 20
        await pilot.press("end")
        assert view.at_bottom
        await pilot.press("home")
        assert view.scroll_offset.y == 0


@pilot_test
async def test_wrapped_long_row_can_be_scrolled_to_its_end(write_log) -> None:
    long_line = b"word " * 3000 + b"END\n"
    path = write_log([(Stream.STDOUT, b"before\n"), (Stream.STDOUT, long_line),
                      (Stream.STDERR, b"after\n")])
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("ctrl+w")
        view = merged(app)
        await pilot.press("G")
        await pilot.pause()
        last = view.render_line(view.scrollable_content_region.height - 1).text
        assert "after" in last


class _Pane(App[None]):
    def __init__(self, model: LogModel) -> None:
        super().__init__()
        self.model = model
        self.clicks: list[LogView.RowClicked] = []

    def compose(self) -> ComposeResult:
        yield LogView(self.model.merged, now_ns=lambda: 0, id="merged")

    def on_log_view_row_clicked(self, message: LogView.RowClicked) -> None:
        self.clicks.append(message)


@pilot_test
async def test_alone_a_pane_draws_rows_and_says_which_was_clicked(write_log) -> None:
    model = load(write_log([(Stream.STDOUT, b"first\\n"), (Stream.STDERR, b"second\\n")]))
    app = _Pane(model)
    async with app.run_test(size=(60, 5)) as pilot:
        view = app.query_one(LogView)
        view.rows_changed()
        await pilot.pause()
        assert view.row_at(0) == 0 and view.row_at(1) == 1 and view.row_at(2) is None
        await pilot.click(LogView, offset=(10, 1), shift=True)
        await pilot.pause()
        assert [(click.index, click.extend) for click in app.clicks] == [(1, True)]
        view.time_format = TimeFormat.HIDDEN
        await pilot.pause()
        assert app.export_screenshot().count("second") == 1


@pilot_test
async def test_h_and_l_move_a_quarter_width_arrows_one_column_0_and_dollar_the_ends(write_log) -> None:
    long_line = b"x" * 9000 + b" END\n"
    app = make_app(write_log([(Stream.STDOUT, long_line), (Stream.STDOUT, b"short\n")]))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        view = merged(app)
        step = view.scrollable_content_region.width // 4
        assert step > 1
        await pilot.press("l", "l")
        assert view.scroll_offset.x == 2 * step
        await pilot.press("h")
        assert view.scroll_offset.x == step
        await pilot.press("right")
        assert view.scroll_offset.x == step + 1
        await pilot.press("left", "left")
        assert view.scroll_offset.x == step - 1
        await pilot.press("dollar_sign")
        assert view.scroll_offset.x == view.max_scroll_x > 8000
        assert "END" in view.render_line(0).text
        await pilot.press("0")
        assert view.scroll_offset.x == 0
