"""Which rows each pane shows: the stream filter and the pattern filter.

This module owns the first of the viewer's investigation layers, an ``Screen``
screen class that :class:`~iolog_tui.searching.SearchLayer` and, above it,
:class:`~iolog_tui.investigate.InvestigateLayer` build on (it uses the
screen's model, panes and status). It also owns what those layers share: the pane the
user works in, the test for the rows a pane shows, and scanning the model's
rows in a worker as they arrive (:meth:`FilterLayer._follow_rows`).

- the stream filter (1, 2, 3) switches the merged pane to one stream;
- a filter (``&``) scans the file in a worker thread with
  :func:`~iolog_tui.model.search.scan_rows` and keeps the passing rows in one
  compact array per pane, handed to the UI thread in messages; it keeps
  scanning as rows arrive while following.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label
from textual.worker import get_current_worker

from iolog import Stream

from .logview import LogView
from .messages import RowsFound, ScanFinished
from .model.count import follow_rows
from .model.rows import RowKind, RowView
from .model.search import FilteredRows, RowTest, ScanBatch, view_index
from .prompts import PatternPrompt, PatternRequest
from .safetext import safe_label

if TYPE_CHECKING:
    from .model.navigation import Navigator
    from .model.rows import LogModel
    from .sources import LogSource

__all__ = ["FilterFound", "FilterLayer"]


@dataclass
class FilterFound(Message):
    """A filter scan decided more rows (``finished``: it has caught up with the model)."""

    token: int
    batch: ScanBatch
    finished: bool = False


class FilterLayer(Screen[None]):
    """The filter layer of the log screen: which rows each pane shows.

    Subclasses provide the model, the panes and the status bar (see
    :class:`~iolog_tui.logscreen.LogScreen`), and the keys (see
    :class:`~iolog_tui.investigate.InvestigateLayer`).
    """

    if TYPE_CHECKING:
        model: LogModel
        source: LogSource
        navigator: Navigator
        clock: Callable[[], int]
        split: bool
        following: bool
        tailing: bool
        scan_progress: float | None

        @property
        def views(self) -> list[LogView]: ...

    def __init__(self) -> None:
        super().__init__()
        self.stream_choice: Stream | None = None
        """The one stream the merged pane shows (keys 1 and 2), ``None`` for both."""
        self.filter_request: PatternRequest | None = None
        """The filter in effect (``&``)."""
        self.filter_done_row = 0
        """Rows the filter has decided so far."""
        self.filter_finished = False
        self._passing: tuple[array[int], array[int], array[int]] = _arrays()
        self._token = 0
        self._generation_seen = -1

    # -- helpers ------------------------------------------------------------------------

    def _next_token(self) -> int:
        self._token += 1
        return self._token

    def active_view(self) -> LogView:
        """The pane the user is working in (focused, else the first shown)."""
        focused = self.focused
        if isinstance(focused, LogView) and focused.display:
            return focused
        panes = [view for view in self.views if view.id == "merged"]
        if self.split:
            panes = [view for view in self.views if view.id == "stdout"]
        return panes[0]

    def _pane_stream(self, view: LogView) -> Stream | None:
        if view.id == "stdout":
            return Stream.STDOUT
        if view.id == "stderr":
            return Stream.STDERR
        return self.stream_choice

    def _top_model_row(self, view: LogView) -> int:
        rows = view.rows
        if not len(rows):
            return len(self.model)
        return rows.merged_index(min(view.top_row, len(rows) - 1))

    def shown_test(self, view: LogView) -> RowTest:
        """``test(kind, message)``: is a row shown in ``view`` (stream and filter)?"""
        stream = self._pane_stream(view)
        streams = (0, 1) if stream is None else (int(stream),)
        request = self.filter_request
        if request is None or request.matcher is None:
            return lambda kind, _message: kind in streams
        matches = request.matcher.matches
        invert = request.invert
        return lambda kind, message: kind in streams and matches(message) != invert

    # -- which rows each pane shows -------------------------------------------------------

    def _rows_for(self, view: LogView) -> RowView:
        model = self.model
        stream = self._pane_stream(view)
        if self.filter_request is None:
            if stream is None:
                return model.merged
            return model.stdout if stream is Stream.STDOUT else model.stderr
        passing = self._passing[0 if stream is None else 1 + int(stream)]
        return FilteredRows(model, passing, stream)

    def _install_rows(self) -> None:
        """Give every pane the rows it should show now, keeping its place."""
        for view in self.views:
            top = self._top_model_row(view) if len(view.rows) else None
            view.rows = self._rows_for(view)
            view.reset()
            view.rows_changed()
            if self.following:
                view.call_after_refresh(view.quiet_scroll_to, view.max_scroll_y)
            elif top is not None:
                view.call_after_refresh(self._scroll_to_model_row, view, top)
        self._refresh_investigate_status()

    def _scroll_to_model_row(self, view: LogView, model_row: int) -> None:
        view.quiet_scroll_to(view_index(view.rows, model_row))

    def _shown_rows_changed(self) -> None:
        """The stream or the filter changed what the panes show (after the panes have it).

        Nothing more to do here; the search layer starts its search over.
        """

    @on(RowsFound)
    def _investigate_rows_found(self) -> None:
        if self.model.generation != self._generation_seen:
            self._generation_seen = self.model.generation
            self._restart_investigation()
        self._refresh_investigate_status()

    @on(ScanFinished)
    def _investigate_scan_finished(self) -> None:
        self._refresh_investigate_status()

    def _restart_investigation(self) -> None:
        """The model started over (new time window, file replaced): rescan."""
        for view in self.views:
            view.selection = None
        if self.filter_request is not None:
            self._start_filter(self.filter_request)

    # -- stream filter ------------------------------------------------------------------

    def action_streams(self, which: str) -> None:
        """Show only stdout, only stderr, or both in the merged pane."""
        choice = {"stdout": Stream.STDOUT, "stderr": Stream.STDERR}.get(which)
        if self.split:
            self.split = False
        if choice == self.stream_choice:
            return
        self.stream_choice = choice
        self._install_rows()
        self._shown_rows_changed()

    # -- filter ---------------------------------------------------------------------------

    def action_filter(self) -> None:
        """Ask for a filter pattern (``&``); an empty one shows every row again."""
        self.app.push_screen(PatternPrompt("filter", self.filter_request), self._filter_chosen)

    def _filter_chosen(self, request: PatternRequest | None) -> None:
        if request is None:
            return
        self.apply_filter(None if request.matcher is None else request)

    def apply_filter(self, request: PatternRequest | None) -> None:
        """Show only the rows passing ``request`` (``None``: every row)."""
        self.filter_request = request
        if request is None:
            self._next_token()
            self.workers.cancel_group(self, "filter")
            self._passing = _arrays()
            self._install_rows()
        else:
            self._start_filter(request)
        self._shown_rows_changed()

    def _start_filter(self, request: PatternRequest) -> None:
        token = self._next_token()
        self._filter_token = token
        self._passing = _arrays()
        self.filter_done_row = 0
        self.filter_finished = False
        self._install_rows()
        matcher = request.matcher
        assert matcher is not None
        matches = matcher.matches
        invert = request.invert
        self._filter_scan(
            token, self.model.generation, lambda _kind, message: matches(message) != invert,
            None if invert else matcher.needle, matcher.case_sensitive,
        )

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def _filter_scan(
        self, token: int, generation: int, test: RowTest, needle: bytes | None, exact_case: bool
    ) -> None:
        worker = get_current_worker()
        for batch, finished in self._follow_rows(
            generation, 0, test, lambda: worker.is_cancelled, needle=needle, exact_case=exact_case
        ):
            self.post_message(FilterFound(token, batch, finished))

    def _follow_rows(
        self, generation: int, start_row: int, test: RowTest, cancelled: Callable[[], bool],
        *, needle: bytes | None = None, exact_case: bool = True,
    ) -> Iterable[tuple[ScanBatch, bool]]:
        """Test the model's rows from ``start_row`` as they arrive (see :func:`follow_rows`)."""
        return follow_rows(
            self.model, generation, start_row, test, cancelled,
            scanning=lambda: self.scan_progress is not None, tailing=lambda: self.tailing,
            needle=needle, exact_case=exact_case,
        )

    @on(FilterFound)
    def _filter_found(self, message: FilterFound) -> None:
        if message.token != getattr(self, "_filter_token", None):
            return
        rows = message.batch.rows
        if rows:
            passing, stdout, stderr = self._passing
            kinds = self.model.kinds
            passing.extend(rows)
            for row in rows:
                (stdout if kinds[row] == RowKind.STDOUT else stderr).append(row)
        self.filter_done_row = message.batch.done_row
        self.filter_finished = message.finished
        if rows or message.finished:
            for view in self.views:
                view.rows_changed()
        self._refresh_investigate_status()

    # -- status ---------------------------------------------------------------------------

    def investigate_status(self) -> Text:
        """What the status bar says about the stream filter and the filter."""
        text = Text()
        model = self.model
        if self.stream_choice is not None and not self.split:
            name = self.stream_choice.name.lower()
            text.append(f" {name} only ", "bold reverse green" if name == "stdout" else "bold reverse red")
            text.append(" ")
        request = self.filter_request
        if request is not None and request.matcher is not None:
            view = self.active_view()
            if self.split:
                total = len(model)
            elif self.stream_choice is None:
                total = len(model)
            else:
                total = len(model.stdout if self.stream_choice is Stream.STDOUT else model.stderr)
            text.append(" filter " if not request.invert else " hide ", "bold reverse blue")
            text.append(f" {safe_label(request.matcher.describe())}: {len(view.rows):,} of {total:,} rows")
            if not self.filter_finished and len(model):
                text.append(f" · filtering {self._fraction(self.filter_done_row):.0%}", "bold yellow")
            text.append("  ")
        return text

    def _fraction(self, row: int) -> float:
        model = self.model
        if row >= len(model) or not len(model):
            return 1.0 if self.scan_progress is None else 0.99
        size = model.size or 1
        return min(0.99, model.offsets[row] / size)

    def _refresh_investigate_status(self) -> None:
        try:
            label = self.query_one("#status-investigate", Label)
        except Exception:  # noqa: BLE001 - not composed yet
            return
        label.update(self.investigate_status())


def _arrays() -> tuple[array[int], array[int], array[int]]:
    return array("I"), array("I"), array("I")
