"""The filter list (``F``): every filter with the lines it keeps or hides; add, turn off, remove, clear.

A ``ModalScreen`` over the log. It reads the filter bar's stack and counts
(:meth:`~iolog_tui.filterbar.FilterBar.counts`, counted in the background;
the list redraws as they grow) and changes the stack only through the
callback it is given (the log screen's, which filters the panes again), so
the log behind shows each change at once.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from .filterbar import FilterBar
from .model.filterstack import FilterStack, RowFilter
from .prompts import PatternPrompt, PatternRequest
from .safetext import safe_label

__all__ = ["FilterListScreen"]

#: How often the counts shown are brought up to date.
_REDRAW_S = 0.25


class FilterListScreen(ModalScreen[None]):
    """The filter stack, one filter a line, with a cursor.

    Args:
        filter_bar: the stack and its counts (only read).
        apply: called with the changed stack (the caller applies it).
    """

    DEFAULT_CSS = """
    FilterListScreen { align: center middle; }
    FilterListScreen > #filters {
        width: 80%; max-width: 100; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    FilterListScreen #filters-title { text-style: bold; width: 100%; }
    FilterListScreen #filters-keys { color: $text-muted; margin-top: 1; }
    """

    BINDINGS = [
        Binding("escape,F", "close", "Close"),
        Binding("j,down", "move(1)", "Down", show=False),
        Binding("k,up", "move(-1)", "Up", show=False),
        Binding("space", "switch", "On/off"),
        Binding("d,delete", "remove", "Remove"),
        Binding("c", "clear", "Clear all"),
        Binding("ampersand", "add", "Add"),
    ]

    def __init__(self, filter_bar: FilterBar, apply: Callable[[FilterStack], None]) -> None:
        super().__init__()
        self.filter_bar = filter_bar
        self._apply = apply
        self.cursor = 0
        """The filter the keys act on."""

    def compose(self) -> ComposeResult:
        with Vertical(id="filters"):
            yield Label("Filters", id="filters-title")
            yield Static(id="filters-list")
            yield Static(
                "& add · space on/off · d remove · c clear all · Esc close",
                id="filters-keys",
            )

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(_REDRAW_S, self.redraw)

    @property
    def stack(self) -> FilterStack:
        """The filters listed."""
        return self.filter_bar.stack

    def redraw(self) -> None:
        """Draw the title and the list from the filter bar's state now."""
        bar = self.filter_bar
        stack = self.stack
        self.cursor = max(0, min(self.cursor, len(stack) - 1))
        title = Text("Filters", "bold")
        if stack.filtering:
            total = bar.total_lines(bar.stream_choice)
            title.append(f" · {bar.kept_lines():,} of {total:,} lines kept", "")
            if not bar.finished:
                title.append(" · filtering…", "bold yellow")
        elif len(stack):
            title.append(" · all off: every line shown", "")
        self.query_one("#filters-title", Label).update(title)
        self.query_one("#filters-list", Static).update(self.list_text())

    def list_text(self) -> Text:
        """One line per filter: cursor, on/off, what it matches, the lines it keeps or hides."""
        stack = self.stack
        if not len(stack):
            return Text("No filters. & adds one.", "dim")
        counts = self.filter_bar.counts()
        text = Text()
        width = max(len(safe_label(f.describe())) for f in stack.filters)
        for number, row_filter in enumerate(stack.filters):
            chosen = number == self.cursor
            style = "reverse" if chosen else ""
            line = Text(style=style, end="")
            line.append("▶ " if chosen else "  ")
            line.append("[x] " if row_filter.enabled else "[ ] ", "bold" if row_filter.enabled else "dim")
            line.append(safe_label(row_filter.describe()).ljust(width), "" if row_filter.enabled else "dim")
            verb = "hides" if row_filter.exclude else "keeps"
            lines = counts.lines.get(row_filter.key)
            if lines is None:
                line.append(f"  {verb} …", "dim")
            else:
                line.append(f"  {verb} {lines:,} line{'' if lines == 1 else 's'}")
                if row_filter.key not in counts.finished:
                    line.append(f" (counting {counts.fraction:.0%})", "yellow")
            text.append_text(line)
            if number < len(stack) - 1:
                text.append("\n")
        return text

    # -- keys ---------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        """Move the cursor up or down the list."""
        if len(self.stack):
            self.cursor = (self.cursor + step) % len(self.stack)
            self.redraw()

    def action_switch(self) -> None:
        """Turn the filter under the cursor off, or back on."""
        if len(self.stack):
            self._change(self.stack.toggled(self.cursor))

    def action_remove(self) -> None:
        """Remove the filter under the cursor."""
        if len(self.stack):
            self._change(self.stack.removed(self.cursor))

    def action_clear(self) -> None:
        """Remove every filter."""
        if len(self.stack):
            self._change(FilterStack())

    def action_add(self) -> None:
        """Ask for a filter pattern and add it at the bottom of the list."""
        self.app.push_screen(PatternPrompt("filter"), self._added)

    def _added(self, request: PatternRequest | None) -> None:
        if request is not None and request.matcher is not None:
            self.cursor = len(self.stack)
            self._change(self.stack.added(RowFilter(request.matcher, request.invert)))

    def _change(self, stack: FilterStack) -> None:
        self._apply(stack)
        self.redraw()

    def action_close(self) -> None:
        """Back to the log."""
        self.dismiss(None)
