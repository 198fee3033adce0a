"""Investigating a log: the keys, the selection, entry detail, copy and export.

This module owns the top of the viewer's investigation layers, a ``Screen``
base class that :class:`~iolog_tui.timeline.TimelineLayer` and the log screen
:class:`~iolog_tui.logscreen.LogScreen` build on. Below it are the search
(:class:`~iolog_tui.searching.SearchLayer`) and, under that, the filters
(:class:`~iolog_tui.filtering.FilterLayer`). This class holds the keys of all
three, so that the footer lists them in one order, and decides which keys do
something now.

- clicking a row (shift-click: a range) selects it; Enter shows the detail
  of the selected row, ``y`` copies the rows selected or on screen;
- ``e`` saves the rows a pane shows to a file, in a worker thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.worker import get_current_worker

from iolog import Stream

from .detail import DetailScreen
from .logview import LogView
from .model.export import ExportFormat, export_rows
from .model.rows import RowKind
from .model.search import RowTest, view_index
from .prompts import ExportPrompt, ExportRequest
from .render import message_plain
from .safetext import safe_label
from .searching import SearchLayer

__all__ = ["ExportDone", "InvestigateLayer"]

#: Most rows copied to the clipboard at once.
MAX_COPY_ROWS = 10_000
_INVESTIGATE_ACTIONS = {
    "search", "next_match", "previous_match", "filter", "streams", "detail", "copy",
    "export", "escape", "timeline",
}


@dataclass
class ExportDone(Message):
    """An export finished (``error`` says why it failed)."""

    path: str
    rows: int
    error: str | None = None


class InvestigateLayer(SearchLayer):
    """The investigation layer of the viewer: search, filters, detail, copy, export.

    Subclasses provide the model, the panes and the status bar (see
    :class:`~iolog_tui.logscreen.LogScreen`).
    """

    # The keys of all three layers, in one list: Textual merges BINDINGS base class
    # first, so split among the layers they would reach the footer in another order.
    BINDINGS = [
        Binding("slash", "search", "Search", show=False),
        Binding("n", "next_match", "Next"),
        Binding("N", "previous_match", "Prev"),
        Binding("ampersand", "filter", "Filter", show=False),
        Binding("1", "streams('stdout')", "stdout only", show=False),
        Binding("2", "streams('stderr')", "stderr only", show=False),
        Binding("3", "streams('both')", "Both streams", show=False),
        Binding("enter", "detail", "Detail", show=False),
        Binding("y", "copy", "Copy", show=False),
        Binding("e", "export", "Save", show=False),
        Binding("escape", "escape", "Stop/clear"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._anchor: int | None = None
        self.last_export: ExportDone | None = None
        """How the last export ended."""

    def _on_main_screen(self) -> bool:
        return self.app.screen is self

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the investigation keys that do nothing now."""
        if action not in _INVESTIGATE_ACTIONS:
            return True
        if not self._on_main_screen():
            return False
        if action in ("next_match", "previous_match"):
            return self.search_request is not None
        if action == "escape":
            return self._counting or self.search_request is not None or self._has_selection
        return True

    # -- selection, detail, copy ------------------------------------------------------

    @property
    def _has_selection(self) -> bool:
        return any(view.selection is not None for view in self.views)

    @on(LogView.RowClicked)
    def _row_clicked(self, message: LogView.RowClicked) -> None:
        view = message.view
        row = view.rows.merged_index(message.index)
        if message.extend and self._anchor is not None and view.selection is not None:
            self._select(view, min(self._anchor, row), max(self._anchor, row))
        else:
            self._anchor = row
            self._select(view, row, row)

    def action_escape(self) -> None:
        """Stop the match count; else end the search; else clear the selection."""
        if self._counting:
            self.stop_count()
        elif self.search_request is not None:
            self.clear_search()
        else:
            for view in self.views:
                view.selection = None
                view.refresh()
        self.refresh_bindings()
        self._refresh_investigate_status()

    def action_detail(self) -> None:
        """Show everything about the selected row (or the top one)."""
        view = self.active_view()
        if not len(view.rows):
            return
        if view.selection is None:
            row = self._top_model_row(view)
            self._anchor = row
            self._select(view, row, row)
        assert view.selection is not None
        row = view.selection[0]
        kind = self.model.kinds[row]
        offset = self.model.offsets[row]
        if kind > RowKind.STDERR:
            what = "skipped garbage" if kind == RowKind.SKIPPED else "a truncated entry"
            length = self.model.row(row).length
            self.notify(f"{length:,} bytes of {what} at offset {offset:,}", timeout=4)
            return
        self.app.push_screen(DetailScreen(self.model.path, offset, Stream(kind), now_ns=self.clock()))

    def selected_text(self) -> tuple[str, int]:
        """The selected rows (else those on screen) as they are shown, and how many rows.

        Escapes stay visible (``␛``, ``\\u202e``...); colours are left out.
        """
        view = self.active_view()
        rows = view.rows
        if view.selection is not None:
            first = view_index(rows, view.selection[0])
            last = view_index(rows, view.selection[1] + 1)
        else:
            first = view.top_row
            last = first + view.scrollable_content_region.height
        last = min(last, len(rows), first + MAX_COPY_ROWS)
        lines = []
        for index in range(first, last):
            row = rows.row(index)
            if row.kind > RowKind.STDERR:
                what = "skipped" if row.kind == RowKind.SKIPPED else "truncated"
                lines.append(f"[{row.length:,} bytes {what}]")
            else:
                lines.append(message_plain(row.message))
        return "\n".join(lines) + ("\n" if lines else ""), len(lines)

    def action_copy(self) -> None:
        """Copy the selected rows (else the rows on screen) to the clipboard."""
        text, count = self.selected_text()
        if not count:
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"copied {count:,} row{'s' if count != 1 else ''} to the clipboard", timeout=2)

    # -- export -------------------------------------------------------------------------------

    def action_export(self) -> None:
        """Save the rows shown in the pane to a file (text, with timestamps, or iolog)."""
        view = self.active_view()
        stem = safe_label(os.path.splitext(os.path.basename(self.model.path))[0]) or "log"
        self.app.push_screen(
            ExportPrompt(f"{stem}-shown.txt", len(view.rows)),
            lambda request: self._export_chosen(view, request),
        )

    def _export_chosen(self, view: LogView, request: ExportRequest | None) -> None:
        if request is None:
            return
        model = self.model
        self._export(request.path, request.export_format, len(model), self.shown_test(view))

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, target: str, export_format: ExportFormat, end_row: int, shown: RowTest) -> None:
        worker = get_current_worker()
        model = self.model
        try:
            count = export_rows(
                model.path, model.offsets, model.kinds, end_row, shown, target, export_format,
                should_stop=lambda: worker.is_cancelled,
            )
        except OSError as exc:
            self.post_message(ExportDone(target, 0, exc.strerror or str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(ExportDone(target, count))

    @on(ExportDone)
    def _export_done(self, message: ExportDone) -> None:
        self.last_export = message
        if message.error:
            self.notify(f"cannot save {message.path}: {message.error}", severity="error", markup=False)
        else:
            self.notify(f"saved {message.rows:,} rows to {message.path}", timeout=4, markup=False)
