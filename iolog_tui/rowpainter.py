"""How a row looks: the gutter (stream, mark), the log, the timestamp and the message, as strips.

This module owns the drawing of one row, not the pane: :class:`RowPainter`
turns a :class:`~iolog_tui.model.rows.Row` into Textual ``Strip`` s (one
line, or the lines of a wrapped row) with the pane's component styles, and
caches them by row, so a pane redrawn while it scrolls reads and renders
each row once. The pane (:class:`~iolog_tui.logview.LogView`) decides which
rows are on screen and where the cursor is.

In a view of several logs merged by time, each row says which log it is
of: a column of the logs' names (terminal-safe: they come from file and
folder names), padded to the longest (at most ``SOURCE_WIDTH`` cells), each
log in a colour of its own (:func:`~iolog_tui.render.source_style`, by the
log's position).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip

from .model.marks import Marks
from .model.rows import Row, RowKind
from .render import TimeFormat, clock_step_text, format_time, message_text, source_style, time_width
from .safetext import safe_label

__all__ = ["CONTEXT_STYLE", "SOURCE_WIDTH", "TORN_NOTE", "RowPainter", "wrapped_layout"]

_GUTTER = "▌"
_GARBAGE_GUTTER = "░"
#: After a line that skipped bytes follow (:func:`iolog.core.events.may_be_torn`).
TORN_NOTE = " (may be torn: its end may be noise)"
_MARK = "◆"
_GUTTER_SEPARATOR = "  --"
#: How context lines (``C``: shown around the lines a filter keeps) are drawn over their style.
CONTEXT_STYLE = Style(dim=True)
#: The source column's widest (longer names are cut, ending in "…").
SOURCE_WIDTH = 16


class RowPainter:
    """Draws rows as strips, cached.

    Args:
        style: a component class's style (``"log-view--garbage"`` → its Rich style).
        console: the console that renders text.
        now_ns: the clock for relative timestamps.
    """

    def __init__(
        self, style: Callable[[str], Style], console: Callable[[], Console], now_ns: Callable[[], int]
    ) -> None:
        self._style = style
        self._console = console
        self._now_ns = now_ns
        self.time_format = TimeFormat.UTC
        """How timestamps are shown."""
        self.marks: Marks | None = None
        """The marked rows (a mark in the gutter)."""
        self.highlighter: Callable[[Text], None] | None = None
        """Styles the matches in a line's text."""
        self.message_width = 0
        """The widest message drawn so far (for the pane's scroll width)."""
        self.source_names: list[str] = []
        """Each log's name as drawn, padded (several logs merged by time), else empty: no column."""
        self._strips: LRUCache[int, tuple[Row, Strip]] = LRUCache(1024)
        self._wrapped: LRUCache[tuple[int, int], tuple[Row, list[Strip]]] = LRUCache(512)

    def clear(self, *, wrapped_only: bool = False) -> None:
        """Forget the cached strips (``wrapped_only``: those of wrapped rows)."""
        self._wrapped.clear()
        if not wrapped_only:
            self._strips.clear()

    def show_sources(self, names: list[str]) -> None:
        """Draw a source column of these logs' names (fewer than two: none)."""
        safe = [safe_label(name) for name in names] if len(names) > 1 else []
        width = min(SOURCE_WIDTH, max((cell_len(name) for name in safe), default=0))
        self.source_names = [
            set_cell_size(name, width) if cell_len(name) <= width else set_cell_size(name, width - 1) + "…"
            for name in safe
        ]
        self.clear()

    @property
    def source_width(self) -> int:
        """Cells of the source column, its space included (0: no column)."""
        return cell_len(self.source_names[0]) + 1 if self.source_names else 0

    @property
    def prefix_width(self) -> int:
        """Cells before a row's message: the gutter, the mark, the log and the time."""
        width = time_width(self.time_format)
        return 2 + self.source_width + (width + 1 if width else 0)

    def _source_cell(self, row: Row) -> list[Segment]:
        """The row's log, in its colour (nothing for one log)."""
        names = self.source_names
        if not names:
            return []
        if row.source >= len(names):
            return [Segment(" " * self.source_width)]
        return [Segment(names[row.source], source_style(row.source)), Segment(" ")]

    def prefix(self, row: Row) -> Strip:
        """Gutter, mark and timestamp of a row."""
        time_format = self.time_format
        if row.kind >= RowKind.SKIPPED:
            segments = [Segment(_GARBAGE_GUTTER, self._style("log-view--garbage")), self._mark_cell(row),
                        *self._source_cell(row)]
            width = time_width(time_format)
            if width:
                segments.append(Segment(" " * (width + 1)))
            return Strip(segments, self.prefix_width)
        stream = "stdout" if row.kind == RowKind.STDOUT else "stderr"
        segments = [Segment(_GUTTER, self._style(f"log-view--{stream}-gutter")), self._mark_cell(row),
                    *self._source_cell(row)]
        if time_format is not TimeFormat.HIDDEN and row.timestamp_ns is not None:
            stamp = format_time(row.timestamp_ns, time_format, self._now_ns())
            width = time_width(time_format)
            time_style = self._style(f"log-view--{stream}-time")
            segments.append(Segment(stamp.rjust(width)[:width] + " ", time_style))
        return Strip(segments, self.prefix_width)

    def _mark_cell(self, row: Row) -> Segment:
        """The gutter's second cell: a mark, or blank."""
        if self.marks is not None and row.offset in self.marks:
            return Segment(_MARK, self._style("log-view--mark"))
        return Segment(" ")

    def text(self, row: Row) -> Text:
        """A row's message as drawn (garbage rows say how many bytes)."""
        garbage = self._style("log-view--garbage")
        if row.kind == RowKind.SKIPPED:
            return Text(f"{row.length:,} bytes skipped", garbage)
        if row.kind == RowKind.TRUNCATED:
            return Text(f"{row.length:,} bytes truncated (incomplete entry)", garbage)
        if row.kind == RowKind.CLOCK_STEP:
            return Text(clock_step_text(row.length), garbage)
        text = message_text(row.message, levels=True)
        if self.highlighter is not None:
            self.highlighter(text)
        if row.clipped:
            text.append(" … (line cut at 256 KiB)", garbage)
        if row.may_be_torn:
            text.append(TORN_NOTE, garbage)
        return text

    def message(self, index: int, row: Row) -> tuple[Strip, bool]:
        """Row ``index``'s message on one line, and whether it is the widest yet."""
        cached = self._strips.get(index)
        if cached is not None and cached[0] is row:
            return cached[1], False
        text = self.text(row)
        strip = Strip(list(text.render(self._console())), text.cell_len)
        self._strips[index] = (row, strip)
        wider = text.cell_len > self.message_width
        if wider:
            self.message_width = text.cell_len
        return strip, wider

    def wrapped(self, index: int, row: Row, width: int) -> list[Strip]:
        """Row ``index``'s screen lines when wrapped to ``width``."""
        cached = self._wrapped.get((index, width))
        if cached is not None and cached[0] is row:
            return cached[1]
        prefix = self.prefix(row)
        room = max(1, width - prefix.cell_length)
        text = self.text(row)
        text.no_wrap = False
        console = self._console()
        lines = text.wrap(console, room, overflow="fold") if text.cell_len else [Text("")]
        pad = Strip([Segment(" " * prefix.cell_length)], prefix.cell_length)
        if row.kind <= RowKind.STDERR:
            stream = "stdout" if row.kind == RowKind.STDOUT else "stderr"
            pad = Strip(
                [Segment(_GUTTER, self._style(f"log-view--{stream}-gutter")),
                 Segment(" " * (prefix.cell_length - 1))],
                prefix.cell_length,
            )
        strips = []
        for number, line in enumerate(lines):
            body = Strip(list(line.render(console)), line.cell_len)
            strips.append(Strip.join([prefix if number == 0 else pad, body]))
        self._wrapped[(index, width)] = (row, strips)
        return strips

    def separator(self, width: int) -> Strip:
        """The row between two groups of context that are not adjacent (``grep -C`` 's ``--``)."""
        text = Text(_GUTTER_SEPARATOR, self._style("log-view--garbage"), end="")
        strip = Strip(list(text.render(self._console())), text.cell_len)
        return strip.extend_cell_length(width).crop(0, width)

    def placeholder(self, words: str, width: int) -> Strip:
        """``words`` centred on a line ``width`` cells wide (an empty pane's middle line)."""
        text = Text(words, self._style("log-view--garbage"), justify="center", end="")
        text.truncate(width)
        pad = max(0, (width - text.cell_len) // 2)
        strip = Strip([Segment(" " * pad), *text.render(self._console())])
        return strip.extend_cell_length(width).crop(0, width)


def wrapped_layout(
    lines_of: Callable[[int], int], count: int, top: int, height: int, from_bottom: bool
) -> list[tuple[int, int]]:
    """``(row, line of row)`` for each screen line of a wrapping pane.

    Args:
        lines_of: how many screen lines a row takes.
        count: the pane's rows.
        top: the row at the top.
        height: the pane's screen lines.
        from_bottom: lay the last rows out from the bottom line up (the
            newest line is always fully shown).
    """
    layout: list[tuple[int, int]] = []
    if not from_bottom:
        index = top
        while index < count and len(layout) < height:
            layout.extend((index, line) for line in range(lines_of(index)))
            index += 1
        # Near the end the rows run out before the screen does: show the
        # last screenful instead of blank lines.
        from_bottom = len(layout) < height and top > 0
        layout = layout[:height]
    if from_bottom:
        layout = []
        index = count - 1
        while index >= 0 and len(layout) < height:
            layout[:0] = [(index, line) for line in range(lines_of(index))]
            index -= 1
        layout = layout[-height:]
    return layout
