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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .model.context import RowRole, row_role
from .model.rows import Row, RowKind, RowView
from .render import TimeFormat, clock_step_text, format_time, message_text, time_width

__all__ = ["LogView"]

_GUTTER = "▌"
_GARBAGE_GUTTER = "░"
_GUTTER_SEPARATOR = "  --"
_CONTEXT_STYLE = Style(dim=True)


class LogView(ScrollView, can_focus=True):
    """A scrolling pane of log rows.

    Args:
        rows: the rows to show (all, or one stream's).
        now_ns: the clock for relative timestamps.
        name, id, classes: as for any widget.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Down", show=False),
        Binding("k,up", "scroll_up", "Up", show=False),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
        Binding("h", "step_left", "Left a quarter", show=False),
        Binding("l", "step_right", "Right a quarter", show=False),
        Binding("0", "line_start", "Line start", show=False),
        Binding("dollar_sign", "line_end", "Line end", show=False),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "scroll_end", "Bottom", show=False),
        Binding("pageup,b", "page_up", "Page up", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
    ]

    COMPONENT_CLASSES = {
        "log-view--stdout-gutter",
        "log-view--stderr-gutter",
        "log-view--stdout-time",
        "log-view--stderr-time",
        "log-view--garbage",
        "log-view--match",
        "log-view--selected",
    }

    time_format: reactive[TimeFormat] = reactive(TimeFormat.UTC)
    """How timestamps are shown."""
    wrap: reactive[bool] = reactive(False)
    """Wrap long lines instead of scrolling sideways."""

    @dataclass
    class RowClicked(Message):
        """A row was clicked (``extend``: with shift, to extend a selection)."""

        view: LogView
        index: int
        extend: bool

        @property
        def control(self) -> LogView:
            """The pane clicked."""
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
        self._message_width = 0
        self._strips: LRUCache[int, tuple[Row, Strip]] = LRUCache(1024)
        self._wrapped: LRUCache[tuple[int, int], tuple[Row, list[Strip]]] = LRUCache(512)
        self._layout_key: tuple[object, ...] | None = None
        self._layout: list[tuple[int, int]] = []
        self.stick_to_bottom = False
        """Keep the last row on screen (following); set by the panes."""
        self.placeholder = ""
        """What to say in the middle of the pane while it has no rows."""
        self.highlighter: Callable[[Text], None] | None = None
        """Styles the matches in a line's text (set by the panes while searching)."""
        self.selection: tuple[int, int] | None = None
        """Selected model rows, first and last (inclusive), drawn highlighted."""

    # -- state changes from the panes -----------------------------------------

    def rows_changed(self) -> None:
        """The row count changed: resize, and stay at the bottom if sticking."""
        self._update_virtual_size()
        if self.stick_to_bottom:
            self.quiet_scroll_to(self.max_scroll_y)
        self._layout_key = None
        self.refresh()

    def reset(self) -> None:
        """Forget cached rows (the model was reset) and go to the top."""
        self._strips.clear()
        self._wrapped.clear()
        self._message_width = 0
        self._layout_key = None
        self._update_virtual_size()
        self.quiet_scroll_to(0)
        self.refresh()

    def restyle(self) -> None:
        """Drop rendered strips (theme or time base changed) and redraw."""
        self._strips.clear()
        self._wrapped.clear()
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

    def watch_time_format(self) -> None:
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

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_x(old_value, new_value)

    def on_resize(self) -> None:
        self._layout_key = None
        self._wrapped.clear()
        self._update_virtual_size()
        if self.stick_to_bottom:
            self.quiet_scroll_to(self.max_scroll_y)
            self.call_after_refresh(self._keep_at_bottom)

    def _keep_at_bottom(self) -> None:
        if self.stick_to_bottom:
            self.quiet_scroll_to(self.max_scroll_y)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._wrapped.clear()

    def action_scroll_end(self) -> None:
        """Go to the last row (the panes resume following when they see this)."""
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        if not self._quiet:
            self.post_message(self.Scrolled(self))

    def action_scroll_home(self) -> None:
        """Go to the first row."""
        self.scroll_to(y=0, animate=False, immediate=True)

    @property
    def sideways_step(self) -> int:
        """How far ``h`` and ``l`` move: a quarter of the pane's width (``less`` moves half)."""
        return max(1, self.scrollable_content_region.width // 4)

    def action_step_left(self) -> None:
        """Move a quarter of the width to the left."""
        self.scroll_to(x=self.scroll_offset.x - self.sideways_step, animate=False, immediate=True)

    def action_step_right(self) -> None:
        """Move a quarter of the width to the right."""
        self.scroll_to(x=self.scroll_offset.x + self.sideways_step, animate=False, immediate=True)

    def action_line_start(self) -> None:
        """Go back to the start of the lines."""
        self.scroll_to(x=0, animate=False, immediate=True)

    def action_line_end(self) -> None:
        """Go to the end of the longest line."""
        self.scroll_to(x=self.max_scroll_x, animate=False, immediate=True)

    # -- geometry ---------------------------------------------------------------

    @property
    def _prefix_width(self) -> int:
        width = time_width(self.time_format)
        return 2 + (width + 1 if width else 0)

    def _update_virtual_size(self) -> None:
        height = len(self.rows)
        if self.wrap:
            # Any row may be the top one, so that every line of a long
            # wrapped row can be reached; the last position lays out upwards.
            width = self.scrollable_content_region.width
            if height:
                height += max(0, self.scrollable_content_region.height - 1)
        else:
            width = self._prefix_width + self._message_width
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
                return self._separator(width).apply_style(base)
            strips = self._wrapped_strips(index, width)
            strip = self._context_style(index, strips[line].extend_cell_length(width).crop(0, width))
            return self._select_style(index, strip).apply_style(base)
        index = self.scroll_offset.y + y
        if index >= len(self.rows):
            return Strip.blank(width, base)
        if row_role(self.rows, index) is RowRole.SEPARATOR:
            return self._separator(width).apply_style(base)
        prefix = self._prefix(index)
        message = self._message_strip(index)
        scroll_x = self.scroll_offset.x
        room = max(0, width - prefix.cell_length)
        message = message.crop(scroll_x, scroll_x + room).extend_cell_length(room, base)
        strip = self._context_style(index, Strip.join([prefix, message]))
        return self._select_style(index, strip).apply_style(base)

    def _select_style(self, index: int, strip: Strip) -> Strip:
        """Highlight ``strip`` if row ``index`` is selected."""
        selection = self.selection
        if selection is None or not selection[0] <= self.rows.merged_index(index) <= selection[1]:
            return strip
        return strip.apply_style(self.get_component_rich_style("log-view--selected"))

    # -- context lines (a filter's context, C): dimmed rows, and "--" between groups --

    def _context_style(self, index: int, strip: Strip) -> Strip:
        """Dim ``strip`` if row ``index`` is context around a kept row."""
        if row_role(self.rows, index) is RowRole.CONTEXT:
            return strip.apply_style(_CONTEXT_STYLE)
        return strip

    def _separator(self, width: int) -> Strip:
        """The row between two groups of context that are not adjacent (``grep -C`` 's ``--``)."""
        text = Text(_GUTTER_SEPARATOR, self._garbage_style, end="")
        strip = Strip(list(text.render(self.app.console)), text.cell_len)
        return strip.extend_cell_length(width).crop(0, width)

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
        """Tell the panes which row was clicked."""
        offset = event.get_content_offset(self)
        index = None if offset is None else self.row_at(offset.y)
        if index is not None:
            self.post_message(self.RowClicked(self, index, event.shift))

    def _placeholder_line(self, y: int, width: int, base: Style) -> Strip:
        """An empty pane: blank, with the placeholder on its middle line."""
        if not self.placeholder or y != self.scrollable_content_region.height // 2:
            return Strip.blank(width, base)
        text = Text(self.placeholder, self._garbage_style, justify="center", end="")
        text.truncate(width)
        pad = max(0, (width - text.cell_len) // 2)
        strip = Strip([Segment(" " * pad), *text.render(self.app.console)])
        return strip.extend_cell_length(width).crop(0, width).apply_style(base)

    def _row(self, index: int) -> Row:
        return self.rows.row(index)

    def _prefix(self, index: int) -> Strip:
        """Gutter and timestamp of a row."""
        row = self._row(index)
        time_format = self.time_format
        if row.kind >= RowKind.SKIPPED:
            gutter_style = self.get_component_rich_style("log-view--garbage")
            segments = [Segment(_GARBAGE_GUTTER + " ", gutter_style)]
            width = time_width(time_format)
            if width:
                segments.append(Segment(" " * (width + 1)))
            return Strip(segments, self._prefix_width)
        stream = "stdout" if row.kind == RowKind.STDOUT else "stderr"
        gutter_style = self.get_component_rich_style(f"log-view--{stream}-gutter")
        segments = [Segment(_GUTTER + " ", gutter_style)]
        if time_format is not TimeFormat.HIDDEN and row.timestamp_ns is not None:
            stamp = format_time(row.timestamp_ns, time_format, self._now_ns())
            width = time_width(time_format)
            time_style = self.get_component_rich_style(f"log-view--{stream}-time")
            segments.append(Segment(stamp.rjust(width)[:width] + " ", time_style))
        return Strip(segments, self._prefix_width)

    def _row_text(self, row: Row) -> Text:
        if row.kind == RowKind.SKIPPED:
            return Text(f"{row.length:,} bytes skipped", self._garbage_style)
        if row.kind == RowKind.TRUNCATED:
            return Text(f"{row.length:,} bytes truncated (incomplete entry)", self._garbage_style)
        if row.kind == RowKind.CLOCK_STEP:
            return Text(clock_step_text(row.length), self._garbage_style)
        text = message_text(row.message, levels=True)
        if self.highlighter is not None:
            self.highlighter(text)
        if row.clipped:
            text.append(" … (line cut at 256 KiB)", self._garbage_style)
        return text

    @property
    def _garbage_style(self) -> Style:
        return self.get_component_rich_style("log-view--garbage")

    def _message_strip(self, index: int) -> Strip:
        row = self._row(index)
        cached = self._strips.get(index)
        if cached is not None and cached[0] is row:
            return cached[1]
        text = self._row_text(row)
        segments = list(text.render(self.app.console))
        strip = Strip(segments, text.cell_len)
        self._strips[index] = (row, strip)
        if text.cell_len > self._message_width:
            self._message_width = text.cell_len
            self.call_later(self._update_virtual_size)
        return strip

    def _wrapped_strips(self, index: int, width: int) -> list[Strip]:
        """A row's screen lines when wrapped to ``width``."""
        row = self._row(index)
        cached = self._wrapped.get((index, width))
        if cached is not None and cached[0] is row:
            return cached[1]
        prefix = self._prefix(index)
        room = max(1, width - prefix.cell_length)
        text = self._row_text(row)
        text.no_wrap = False
        console = self.app.console
        lines = text.wrap(console, room, overflow="fold") if text.cell_len else [Text("")]
        pad = Strip([Segment(" " * prefix.cell_length)], prefix.cell_length)
        if row.kind <= RowKind.STDERR:
            stream = "stdout" if row.kind == RowKind.STDOUT else "stderr"
            gutter = self.get_component_rich_style(f"log-view--{stream}-gutter")
            pad = Strip(
                [Segment(_GUTTER, gutter), Segment(" " * (prefix.cell_length - 1))],
                prefix.cell_length,
            )
        strips = []
        for number, line in enumerate(lines):
            body = Strip(list(line.render(console)), line.cell_len)
            strips.append(Strip.join([prefix if number == 0 else pad, body]))
        self._wrapped[(index, width)] = (row, strips)
        return strips

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
        layout: list[tuple[int, int]] = []
        if not from_bottom:
            index = top
            while index < count and len(layout) < height:
                lines = len(self._wrapped_strips(index, width))
                layout.extend((index, line) for line in range(lines))
                index += 1
            # Near the end the rows run out before the screen does: show the
            # last screenful instead of blank lines.
            from_bottom = len(layout) < height and top > 0
            layout = layout[:height]
        if from_bottom:
            layout = []
            index = count - 1
            while index >= 0 and len(layout) < height:
                lines = len(self._wrapped_strips(index, width))
                layout[:0] = [(index, line) for line in range(lines)]
                index -= 1
            layout = layout[-height:]
            if len(layout) < height:  # everything fits: top-aligned
                layout = layout[:height]
        self._layout_key = key
        self._layout = layout
        return layout
