"""The split by log: one pane per log of a view of several logs merged by time.

This module owns the panes of the split by log (the third place of the
split key, after merged and by stream, when the view has several logs). A
:class:`LogSplit` stacks one :class:`LogPane` per log shown by the source
filter, each titled with the log's name in its colour and its line count,
each showing that log's rows in merged order
(:class:`~iolog_tui.model.logrows.LogRows`, over what the merged pane would
show: its stream choice and filters). The panes share the height; each is
at least :data:`MIN_PANE_HEIGHT` rows tall, and the logs past what fits get
no pane: a line under the panes says how many, and that the source filter
(``o``) chooses which logs are shown.

The panes are :class:`~iolog_tui.logview.LogView` s: the cursor, selection,
detail and copy work in the focused one as in the split by stream.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from .logview import LogView
from .model.logrows import LogRows
from .model.mergedrows import MergedModel
from .model.rows import RowView
from .render import source_style
from .safetext import safe_label

__all__ = ["MIN_PANE_HEIGHT", "LogPane", "LogSplit", "pane_rows"]

#: The fewest rows a log's pane takes, its border included (four rows of lines).
MIN_PANE_HEIGHT = 6


class LogPane(LogView):
    """The pane of log number ``log`` in the split by log."""

    def __init__(self, rows: RowView, log: int, *, now_ns: Callable[[], int]) -> None:
        super().__init__(rows, now_ns=now_ns, id=f"log-{log}", classes="log-pane")
        self.log_number = log
        """The log's number in the merged model."""


def pane_rows(view: LogView, rows: RowView) -> RowView:
    """The rows ``view`` shows, given what the merged pane would: its log's only, for a log's pane."""
    return LogRows(rows, view.log_number) if isinstance(view, LogPane) else rows


class LogSplit(Vertical):
    """The panes of the split by log, stacked, sharing the height.

    Args:
        model: the view's rows (one pane per log of a :class:`MergedModel`; none for one log).
        now_ns: unix nanoseconds "now", for the panes.
    """

    DEFAULT_CSS = """
    LogSplit {
        display: none;
    }
    LogSplit > .log-pane {
        height: 1fr;
        min-height: {rows};
        border: round $panel-lighten-2;
        border-title-align: left;
    }
    LogSplit > .log-pane:focus {
        border: round $accent;
    }
    LogSplit > #log-overflow {
        height: 1;
        color: $text-muted;
        display: none;
    }
    """.replace("{rows}", str(MIN_PANE_HEIGHT))

    def __init__(
        self, model: MergedModel | None, *, now_ns: Callable[[], int], id: str | None = None  # noqa: A002
    ) -> None:
        super().__init__(id=id)
        self.model = model
        self._now_ns = now_ns
        self.beyond = 0
        """How many logs shown by the source filter have no pane (past what fits)."""

    def compose(self) -> ComposeResult:
        model = self.model
        if model is not None:
            for log in range(len(model.logs)):
                yield LogPane(LogRows(model.merged, log), log, now_ns=self._now_ns)
        yield Static(id="log-overflow")

    @property
    def panes(self) -> list[LogPane]:
        """Every log's pane (shown or not)."""
        return list(self.query(LogPane))

    async def add_logs(self, prepare: Callable[[LogView], None]) -> list[LogPane]:
        """Give the logs that joined the view their panes (each made ready by ``prepare``)."""
        model = self.model
        if model is None:
            return []
        added = [LogPane(LogRows(model.merged, log), log, now_ns=self._now_ns)
                 for log in range(len(self.panes), len(model.logs))]
        for pane in added:
            prepare(pane)
        if added:
            await self.mount_all(added, before="#log-overflow")
            self.lay_out()
        return added

    def shown_panes(self) -> list[LogPane]:
        """The panes on screen (of the logs shown, as many as fit)."""
        panes = self.panes
        return [pane for pane in panes if pane.display] or panes[:1]

    def lay_out(self) -> None:
        """Show a pane per log shown, as many as fit; say how many more there are."""
        model = self.model
        hidden = model.hidden if model is not None else frozenset()
        wanted = [pane for pane in self.panes if pane.log_number not in hidden]
        fit = max(1, self.size.height // MIN_PANE_HEIGHT) if self.size.height else len(wanted)
        if len(wanted) > fit:
            fit = max(1, (self.size.height - 1) // MIN_PANE_HEIGHT)
        self.beyond = max(0, len(wanted) - fit)
        shown = set(wanted[:fit])
        for pane in self.panes:
            pane.display = pane in shown
        overflow = self.query_one("#log-overflow", Static)
        overflow.display = self.beyond > 0
        if self.beyond:
            logs = "log" if self.beyond == 1 else "logs"
            words = f" {self.beyond} more {logs} without a pane: o chooses the logs shown"
            overflow.update(Text(words, "italic"))

    def on_resize(self) -> None:
        self.lay_out()

    def retitle(self) -> None:
        """Title each pane with its log's name, in its colour, and its line count."""
        model = self.model
        if model is None:
            return
        counts = model.lines_per_log()
        for pane in self.panes:
            log = pane.log_number
            title = Text(safe_label(model.names[log]), source_style(log))
            title.append(f" · {counts[log]:,}")
            pane.border_title = title
