"""The source filter (``o``): which of several logs merged by time the panes show.

This module owns choosing the logs: :class:`LogChoice` lists the view's logs,
each in its colour with its lines, ticked when shown; space ticks and
unticks, ``a`` shows them all, Enter applies (at least one log stays
shown), Esc cancels. :func:`choose_logs` opens it and applies the answer
to the model (:meth:`~iolog_tui.model.mergedrows.MergedModel.show_logs`);
the log screen then filters, searches and counts again over the logs shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from .model.filterstack import FilterStack
from .model.mergedrows import MergedModel
from .model.rows import LogModel
from .render import source_style
from .safetext import safe_label

if TYPE_CHECKING:
    from .logscreen import LogScreen

__all__ = ["LogChoice", "choose_logs", "relook"]


class LogChoice(ModalScreen[frozenset[int] | None]):
    """Tick the logs to show; the answer is the set of logs hidden (``None``: cancelled).

    Args:
        names: each log's name.
        lines: each log's lines (shown beside its name).
        hidden: the logs hidden now.
    """

    DEFAULT_CSS = """
    LogChoice { align: center middle; }
    LogChoice > #logs { width: auto; max-width: 80%; height: auto; max-height: 80%;
                        border: round $accent; background: $surface; padding: 0 1; }
    LogChoice SelectionList { height: auto; max-height: 20; width: auto; min-width: 30; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "apply", "Apply", priority=True),
        Binding("a", "all", "Show all"),
    ]

    def __init__(self, names: list[str], lines: list[int], hidden: frozenset[int]) -> None:
        super().__init__()
        self._names = names
        self._lines = lines
        self._hidden = hidden

    def compose(self) -> ComposeResult:
        with Vertical(id="logs"):
            yield Label("Logs shown", id="logs-title")
            options = []
            for log, (name, lines) in enumerate(zip(self._names, self._lines, strict=True)):
                label = Text(safe_label(name), source_style(log))
                label.append(f"  {lines:,} lines", "dim")
                options.append(Selection(label, log, log not in self._hidden))
            yield SelectionList[int](*options, id="logs-list")
            yield Static(Text("space tick · a all · Enter apply · Esc cancel", "dim"), id="logs-hint")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    @property
    def chosen(self) -> SelectionList[int]:
        """The list of logs."""
        return self.query_one("#logs-list", SelectionList)

    def action_all(self) -> None:
        """Tick every log."""
        self.chosen.select_all()

    def action_apply(self) -> None:
        """Show the ticked logs (the others hidden); with none ticked, say so and stay."""
        shown = set(self.chosen.selected)
        if not shown:
            self.query_one("#logs-hint", Static).update(Text("tick at least one log", "bold red"))
            return
        self.dismiss(frozenset(range(len(self._names))) - shown)

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)

    @on(SelectionList.SelectedChanged)
    def _ticked(self) -> None:
        self.query_one("#logs-hint", Static).update(
            Text("space tick · a all · Enter apply · Esc cancel", "dim"))


def choose_logs(app: App[Any], model: LogModel, applied: Callable[[], object]) -> None:
    """Ask which logs of ``model`` to show; apply the answer, then call ``applied``.

    A view of one log has nothing to choose: a note says so.
    """
    if not isinstance(model, MergedModel):
        app.notify("one log: the source filter (o) chooses among several", timeout=3)
        return

    def chosen(hidden: frozenset[int] | None) -> None:
        if hidden is not None and hidden != model.hidden:
            model.show_logs(hidden)
            applied()

    app.push_screen(LogChoice(list(model.names), model.lines_per_log(), model.hidden), chosen)


def relook(screen: LogScreen) -> None:
    """After a new choice of logs: count levels, filter and search again over the rows shown."""
    stack = screen.filter_bar.stack
    screen.level_bar.restart()
    screen.apply_filters(FilterStack())  # forgets what the filter kept (of every log) ...
    screen.apply_filters(stack)  # ... and filters the logs shown again; the search starts over
    screen.refresh_status()
