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
async def test_a_log_opens_at_its_end_with_the_cursor_on_the_last_line(write_log) -> None:
    app = make_app(write_log(service_items(200)))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        view = merged(app)
        assert view.cursor_index == 199 and view.at_bottom
        assert "line 199" in view.render_line(view.scrollable_content_region.height - 1).text


def _cursor_on_screen(view: LogView) -> bool:
    return view.cursor_index in view.visible_rows()


@pilot_test
async def test_cursor_keys_move_the_cursor_and_the_view_keeps_it_in_sight(write_log) -> None:
    app = make_app(write_log(service_items(200)))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        view = merged(app)
        height = view.scrollable_content_region.height
        await pilot.press("g")
        assert view.cursor_index == 0 and view.scroll_offset.y == 0
        await pilot.press("j", "j", "down")
        assert view.cursor_index == 3 and view.scroll_offset.y == 0  # the view moves only when it must
        await pilot.press("k")
        assert view.cursor_index == 2
        await pilot.press("up", "up", "up")
        assert view.cursor_index == 0  # stops at the first row
        await pilot.press("pagedown")  # a page is the screen less one line
        assert view.cursor_index == height - 1 and view.scroll_offset.y == 0
        await pilot.press("j", "j")
        assert view.cursor_index == height + 1 and _cursor_on_screen(view)
        assert view.scroll_offset.y == 2  # the cursor on the last line
        await pilot.press("pagedown")
        assert view.cursor_index == 2 * height and _cursor_on_screen(view)
        await pilot.press("space", "b")
        assert view.cursor_index == 2 * height and _cursor_on_screen(view)
        await pilot.press("pageup", "pageup", "pageup", "pageup", "pageup", "pageup", "pageup")
        assert view.cursor_index == 0 and view.scroll_offset.y == 0
        await pilot.press("G")
        assert view.cursor_index == 199 and view.at_bottom
        await pilot.press("home")
        assert view.cursor_index == 0
        await pilot.press("end")
        assert view.cursor_index == 199
        # The cursor row is drawn highlighted, and only it.
        cursor_style = view.get_component_rich_style("log-view--cursor")
        last = view.render_line(height - 1)
        assert any(segment.style and segment.style.bgcolor == cursor_style.bgcolor for segment in last)
        other = view.render_line(height - 2)
        assert not any(segment.style and segment.style.bgcolor == cursor_style.bgcolor for segment in other)


@pilot_test
async def test_shift_arrows_select_from_the_cursor_and_the_selection_stays_on_its_rows(write_log) -> None:
    app = make_app(write_log(service_items(200)))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        view = merged(app)
        await pilot.press("g", "j", "j", "shift+down", "shift+down")
        assert view.selection == (2, 4) and view.cursor_index == 4
        await pilot.press("shift+up", "shift+up", "shift+up")
        assert view.selection == (1, 2) and view.cursor_index == 1
        # The wheel scrolls the view; the selection stays on its rows (not on screen lines).
        view.scroll_to(y=view.scroll_offset.y + 6, animate=False, immediate=True)  # as the wheel does
        await pilot.pause()
        assert view.scroll_offset.y > 0 and view.selection == (1, 2)
        await pilot.press("j")  # a plain move ends the selection
        assert view.selection is None and view.cursor_index == 2


@pilot_test
async def test_the_wheel_takes_the_cursor_along_when_nothing_is_selected(write_log) -> None:
    app = make_app(write_log(service_items(200)))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        view = merged(app)
        await pilot.press("g")
        view.scroll_to(y=15, animate=False, immediate=True)  # as the wheel does
        await pilot.pause()
        assert view.scroll_offset.y > 0 and view.cursor_index == view.scroll_offset.y
        assert _cursor_on_screen(view)


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
        self.moves: list[LogView.CursorMoved] = []

    def compose(self) -> ComposeResult:
        yield LogView(self.model.merged, now_ns=lambda: 0, id="merged")

    def on_log_view_cursor_moved(self, message: LogView.CursorMoved) -> None:
        self.moves.append(message)


@pilot_test
async def test_alone_a_pane_draws_rows_and_a_click_moves_its_cursor(write_log) -> None:
    model = load(write_log([(Stream.STDOUT, b"first\\n"), (Stream.STDERR, b"second\\n")]))
    app = _Pane(model)
    async with app.run_test(size=(60, 5)) as pilot:
        view = app.query_one(LogView)
        view.rows_changed()
        await pilot.pause()
        assert view.row_at(0) == 0 and view.row_at(1) == 1 and view.row_at(2) is None
        assert view.cursor_index == 0  # a pane that gets rows puts its cursor on the first
        await pilot.click(LogView, offset=(10, 1))
        await pilot.pause()
        assert len(app.moves) == 1 and view.cursor_index == 1 and view.selection is None
        await pilot.click(LogView, offset=(10, 0), shift=True)
        await pilot.pause()
        assert len(app.moves) == 2 and view.cursor_index == 0 and view.selection == (0, 1)
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
