"""The log pane: a Line API widget drawing only the rows on screen.

``LogView`` is a ``ScrollView`` whose ``render_line(y)`` fetches the row at
that height from a :class:`~iolog_tui.model.rows.RowView` and returns a cached
``Strip``; its virtual height is the row count, so a file of any size costs
one strip per visible line. Each row starts with a gutter and a timestamp
tinted by stream (styled from the app's stylesheet through component
classes); the gutter and time stay put while the message scrolls sideways.

With wrapping on, the scroll position counts rows, not screen lines: the top
row is ``scroll_y`` and rows wrap below it; at the bottom the last row is
laid out from the last line up, so the newest line is always fully shown.

Each pane has a cursor row, what Enter, copy and export act on, and may
have a selection running from an anchor row to the cursor (both kept as
model rows, so they stay on their rows while the pane scrolls; the moves are
:mod:`~iolog_tui.model.cursor`'s); its marked rows show a mark in the gutter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .model.context import RowRole, row_role
from .model.cursor import Cursor, cursor_index, in_sight
from .model.marks import Marks
from .model.rows import RowView
from .render import TimeFormat
from .rowpainter import CONTEXT_STYLE, RowPainter, wrapped_layout

__all__ = ["LogView"]

class LogView(ScrollView, can_focus=True):
    """A scrolling pane of log rows.

    Args:
        rows: the rows to show (all, or one stream's).
        now_ns: the clock for relative timestamps.
        name, id, classes: as for any widget.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("shift+down", "select_down", "Select down", show=False),
        Binding("shift+up", "select_up", "Select up", show=False),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
        Binding("h", "step(-1)", "Left a quarter", show=False, id="step_left"),
        Binding("l", "step(1)", "Right a quarter", show=False, id="step_right"),
        Binding("0", "line_start", "Line start", show=False),
        Binding("dollar_sign", "line_end", "Line end", show=False),
        Binding("g,home", "cursor_first", "First line", show=False),
        Binding("G,end", "cursor_last", "Last line", show=False),
        Binding("pageup,b", "cursor_page_up", "Page up", show=False),
        Binding("pagedown,space", "cursor_page_down", "Page down", show=False),
    ]

    COMPONENT_CLASSES = {
        "log-view--stdout-gutter",
        "log-view--stderr-gutter",
        "log-view--stdout-time",
        "log-view--stderr-time",
        "log-view--garbage",
        "log-view--match",
        "log-view--selected",
        "log-view--cursor",
        "log-view--cursor-unfocused",
        "log-view--mark",
    }

    time_format: reactive[TimeFormat] = reactive(TimeFormat.UTC)
    """How timestamps are shown."""
    wrap: reactive[bool] = reactive(False)
    """Wrap long lines instead of scrolling sideways."""

    @dataclass
    class CursorMoved(Message):
        """The user moved this pane's cursor (keys or a click)."""

        view: LogView

        @property
        def control(self) -> LogView:
            """The pane whose cursor moved."""
            return self.view

    @dataclass
    class Scrolled(Message):
        """The user moved this pane (not the panes keeping it in place)."""

        view: LogView

        @property
        def control(self) -> LogView:
            """The pane that moved."""
            return self.view

    def __init__(
        self,
        rows: RowView,
        *,
        now_ns: Callable[[], int],
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own parameter name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.rows = rows
        self._now_ns = now_ns
        self._quiet = 0
        self.painter = RowPainter(self.get_component_rich_style, lambda: self.app.console, now_ns)
        """Draws the rows (and keeps them drawn)."""
        self._layout_key: tuple[object, ...] | None = None
        self._layout: list[tuple[int, int]] = []
        self.stick_to_bottom = False
        """Keep the last row on screen (following); set by the panes."""
        self.placeholder = ""
        """What to say in the middle of the pane while it has no rows."""
        self.cursor = Cursor()
        """The cursor row and the selection's anchor, as model rows."""

    # -- state changes from the panes -----------------------------------------

    def rows_changed(self) -> None:
        """The row count changed: resize; following, the cursor goes on to the last row.

        A pane that had no rows puts its cursor on its last row when
        following, else on its first.
        """
        self._update_virtual_size()
        count = len(self.rows)
        if count and (self.stick_to_bottom or self.cursor.row is None):
            row = self.rows.merged_index(count - 1 if self.stick_to_bottom else 0)
            if row != self.cursor.row:
                self.cursor.place(row)
        if self.stick_to_bottom:
            self.quiet_scroll_to(self.max_scroll_y)
            self.call_after_refresh(self._keep_at_bottom)  # once the new height is laid out
        self._layout_key = None
        self.refresh()

    def reset(self, *, keep_cursor: bool = False) -> None:
        """Forget cached rows (the model was reset) and go to the top.

        Args:
            keep_cursor: keep the cursor's model row (the same model, other rows shown).
        """
        if not keep_cursor:
            self.cursor = Cursor()
        self.painter.clear()
        self.painter.message_width = 0
        self._layout_key = None
        self._update_virtual_size()
        self.quiet_scroll_to(0)
        self.refresh()

    def restyle(self) -> None:
        """Drop rendered strips (theme or time base changed) and redraw."""
        self.painter.clear()
        self._layout_key = None
        self.refresh()

    def quiet_scroll_to(self, y: float, x: float | None = None) -> None:
        """Scroll without telling the panes that the user moved."""
        self._quiet += 1
        try:
            self.scroll_to(x=x, y=y, animate=False, force=True, immediate=True)
        finally:
            self._quiet -= 1

    @property
    def top_row(self) -> int:
        """The view row at the top of the pane."""
        return self.scroll_offset.y

    @property
    def at_bottom(self) -> bool:
        """The pane shows the last rows."""
        return self.scroll_offset.y >= self.max_scroll_y

    # -- reactives and events ---------------------------------------------------

    def watch_time_format(self, time_format: TimeFormat) -> None:
        self.painter.time_format = time_format
        self._update_virtual_size()
        self.restyle()

    def watch_wrap(self) -> None:
        self._update_virtual_size()
        if self.stick_to_bottom:
            self.quiet_scroll_to(self.max_scroll_y, x=0)
        else:
            self.quiet_scroll_to(self.scroll_offset.y, x=0)
        self.restyle()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self._layout_key = None
            if not self._quiet:
                self.post_message(self.Scrolled(self))

    def on_resize(self) -> None:
        self._layout_key = None
        self.painter.clear(wrapped_only=True)
        self._update_virtual_size()
        if self.stick_to_bottom:
            self.quiet_scroll_to(self.max_scroll_y)
            self.call_after_refresh(self._keep_at_bottom)

    def _keep_at_bottom(self) -> None:
        if self.stick_to_bottom:
            self.quiet_scroll_to(self.max_scroll_y)
            # A scroll made before the scrollbar was shown left its thumb at the top.
            self.vertical_scrollbar.position = self.scroll_y

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.painter.clear()

    # -- the cursor -------------------------------------------------------------

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected model rows, first and last (inclusive), or ``None``."""
        return self.cursor.selection

    @property
    def cursor_index(self) -> int | None:
        """The row of this pane the cursor is on (``None`` while it has no rows)."""
        return cursor_index(self.rows, self.cursor)

    @property
    def cursor_on_last(self) -> bool:
        """The cursor is on the last row (following goes on while it is)."""
        index = self.cursor_index
        return index is not None and index == len(self.rows) - 1

    def move_cursor(self, index: int, *, extend: bool = False, announce: bool = True) -> None:
        """Put the cursor on row ``index`` (clamped) and scroll it into sight.

        Args:
            index: a row of this pane.
            extend: grow the selection from where the cursor was.
            announce: tell the panes (a move the user made).
        """
        count = len(self.rows)
        if not count:
            return
        self.cursor.place(self.rows.merged_index(max(0, min(count - 1, index))), extend=extend)
        self.reveal_cursor()
        self.refresh()
        if announce:
            self.post_message(self.CursorMoved(self))

    def reveal_cursor(self) -> None:
        """Scroll as little as needed to have the cursor's row on screen."""
        index = self.cursor_index
        if index is None:
            return
        top = self.top_row
        height = max(1, self.scrollable_content_region.height)
        if self.wrap:
            rows = {row for row, _line in self._wrap_layout()}
            if index in rows and (index + 1 in rows or index == len(self.rows) - 1 or index == top):
                return
            new_top = index if index < top else self._wrapped_top_ending_at(index, height)
        else:
            new_top = in_sight(index, top, height)
        if new_top != top:
            self.quiet_scroll_to(new_top)

    def _wrapped_top_ending_at(self, index: int, height: int) -> int:
        """The top row that, wrapped, shows row ``index`` at the bottom of the pane."""
        width = self.scrollable_content_region.width
        lines = len(self._wrapped_strips(index, width))
        top = index
        while top > 0:
            more = len(self._wrapped_strips(top - 1, width))
            if lines + more > height:
                break
            lines += more
            top -= 1
        return top

    def visible_rows(self) -> range:
        """The rows of this pane on screen now."""
        count = len(self.rows)
        if self.wrap:
            shown = [row for row, _line in self._wrap_layout()]
            return range(shown[0], shown[-1] + 1) if shown else range(0)
        top = self.top_row
        return range(min(top, count), min(count, top + self.scrollable_content_region.height))

    def clamp_cursor(self) -> None:
        """After a scroll by the wheel: bring the cursor onto the screen, unless rows are selected."""
        index = self.cursor_index
        visible = self.visible_rows()
        if index is None or self.selection is not None or not visible or index in visible:
            return
        self.cursor.place(self.rows.merged_index(min(max(index, visible[0]), visible[-1])))
        self.refresh()

    def _step(self, rows: int, *, extend: bool = False) -> None:
        index = self.cursor_index
        if index is not None and 0 <= index + rows < len(self.rows):
            self.move_cursor(index + rows, extend=extend)
        elif index is not None and not extend:
            self.move_cursor(0 if rows < 0 else len(self.rows) - 1)

    def action_cursor_down(self) -> None:
        """The cursor one row down."""
        self._step(1)

    def action_cursor_up(self) -> None:
        """The cursor one row up."""
        self._step(-1)

    def action_select_down(self) -> None:
        """Grow the selection one row down."""
        self._step(1, extend=True)

    def action_select_up(self) -> None:
        """Grow the selection one row up."""
        self._step(-1, extend=True)

    def action_cursor_page_down(self) -> None:
        """The cursor a page down."""
        self._step(max(1, self.scrollable_content_region.height - 1))

    def action_cursor_page_up(self) -> None:
        """The cursor a page up."""
        self._step(-max(1, self.scrollable_content_region.height - 1))

    def action_cursor_first(self) -> None:
        """The cursor to the first row."""
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        """The cursor to the last row (the panes follow again when they see this)."""
        self.move_cursor(len(self.rows) - 1)
        if len(self.rows):
            self.quiet_scroll_to(self.max_scroll_y)

    def action_step(self, quarters: int) -> None:
        """Move sideways by ``quarters`` quarters of the pane's width (``less`` moves half)."""
        step = max(1, self.scrollable_content_region.width // 4)
        self.scroll_to(x=self.scroll_offset.x + quarters * step, animate=False, immediate=True)

    def action_line_start(self) -> None:
        """Go back to the start of the lines."""
        self.scroll_to(x=0, animate=False, immediate=True)

    def action_line_end(self) -> None:
        """Go to the end of the longest line."""
        self.scroll_to(x=self.max_scroll_x, animate=False, immediate=True)

    # -- geometry ---------------------------------------------------------------

    @property
    def highlighter(self) -> Callable[[Text], None] | None:
        """Styles the matches in a line's text (set by the panes while searching)."""
        return self.painter.highlighter

    @highlighter.setter
    def highlighter(self, highlighter: Callable[[Text], None] | None) -> None:
        self.painter.highlighter = highlighter

    @property
    def marks(self) -> Marks | None:
        """The marked rows, shown in the gutter (set by the panes)."""
        return self.painter.marks

    @marks.setter
    def marks(self, marks: Marks | None) -> None:
        self.painter.marks = marks

    def _update_virtual_size(self) -> None:
        height = len(self.rows)
        if self.wrap:
            # Any row may be the top one, so that every line of a long
            # wrapped row can be reached; the last position lays out upwards.
            width = self.scrollable_content_region.width
            if height:
                height += max(0, self.scrollable_content_region.height - 1)
        else:
            width = self.painter.prefix_width + self.painter.message_width
        self.virtual_size = Size(width, height)

    # -- drawing ----------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """Draw screen line ``y`` of the pane."""
        width = self.scrollable_content_region.width
        base = self.rich_style
        if not len(self.rows):
            return self._placeholder_line(y, width, base)
        if self.wrap:
            layout = self._wrap_layout()
            if y >= len(layout):
                return Strip.blank(width, base)
            index, line = layout[y]
            if row_role(self.rows, index) is RowRole.SEPARATOR:
                return self.painter.separator(width).apply_style(base)
            strip = self._wrapped_strips(index, width)[line].extend_cell_length(width).crop(0, width)
            return self._styled(index, strip).apply_style(base)
        index = self.scroll_offset.y + y
        if index >= len(self.rows):
            return Strip.blank(width, base)
        if row_role(self.rows, index) is RowRole.SEPARATOR:
            return self.painter.separator(width).apply_style(base)
        row = self.rows.row(index)
        prefix = self.painter.prefix(row)
        message, wider = self.painter.message(index, row)
        if wider:
            self.call_later(self._update_virtual_size)
        scroll_x = self.scroll_offset.x
        room = max(0, width - prefix.cell_length)
        message = message.crop(scroll_x, scroll_x + room).extend_cell_length(room, base)
        return self._styled(index, Strip.join([prefix, message])).apply_style(base)

    def _styled(self, index: int, strip: Strip) -> Strip:
        """``strip`` of row ``index``: dimmed if context (``C``), highlighted if the cursor's or selected."""
        if row_role(self.rows, index) is RowRole.CONTEXT:
            strip = strip.apply_style(CONTEXT_STYLE)
        if index == self.cursor_index:
            name = "log-view--cursor" if self.has_focus else "log-view--cursor-unfocused"
            return strip.apply_style(self.get_component_rich_style(name))
        selection = self.selection
        if selection is None or not selection[0] <= self.rows.merged_index(index) <= selection[1]:
            return strip
        return strip.apply_style(self.get_component_rich_style("log-view--selected"))

    def row_at(self, y: int) -> int | None:
        """The view row drawn at screen line ``y`` of the pane, if any."""
        if not len(self.rows) or y < 0:
            return None
        if self.wrap:
            layout = self._wrap_layout()
            return layout[y][0] if y < len(layout) else None
        index = self.scroll_offset.y + y
        return index if index < len(self.rows) else None

    def on_click(self, event: events.Click) -> None:
        """Put the cursor on the clicked row (with shift, grow the selection to it)."""
        offset = event.get_content_offset(self)
        index = None if offset is None else self.row_at(offset.y)
        if index is not None:
            self.move_cursor(index, extend=event.shift)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def _placeholder_line(self, y: int, width: int, base: Style) -> Strip:
        """An empty pane: blank, with the placeholder on its middle line."""
        if not self.placeholder or y != self.scrollable_content_region.height // 2:
            return Strip.blank(width, base)
        return self.painter.placeholder(self.placeholder, width).apply_style(base)

    def _wrapped_strips(self, index: int, width: int) -> list[Strip]:
        """Row ``index``'s screen lines when wrapped to ``width``."""
        return self.painter.wrapped(index, self.rows.row(index), width)

    def _wrap_layout(self) -> list[tuple[int, int]]:
        """(row, line of row) for each screen line, when wrapping."""
        height = self.scrollable_content_region.height
        width = self.scrollable_content_region.width
        count = len(self.rows)
        top = self.scroll_offset.y
        from_bottom = count > 0 and (self.stick_to_bottom or top >= self.max_scroll_y)
        key = (top, width, height, count, from_bottom, self.time_format)
        if key == self._layout_key:
            return self._layout
        layout = wrapped_layout(
            lambda index: len(self._wrapped_strips(index, width)), count, top, height, from_bottom
        )
        self._layout_key = key
        self._layout = layout
        return layout
