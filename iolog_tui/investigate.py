"""Investigating a log: search, filters, entry detail, copy and export.

This module owns the viewer's investigation state and its workers, as an
``App`` base class that :class:`~iolog_tui.app.IologApp` builds on (it uses
the app's model, panes and status). Searching and filtering scan the file in
worker threads with :func:`~iolog_tui.search.scan_rows`; results are compact
arrays of row numbers, handed to the app's thread in messages:

- a search first looks near the view (some thousands of rows from the top
  row, so the first match shows at once), then counts every match from the
  top, filling in "match 3 of 1,204" as it goes; Esc stops the count;
- a filter keeps the passing rows in one array per pane, and keeps scanning
  as rows arrive while following;
- the stream filter (1, 2, 3) switches the merged pane to one stream.
"""

from __future__ import annotations

import os
import time
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label
from textual.worker import get_current_worker

from iolog import Stream

from .detail import DetailScreen
from .export import ExportFormat, export_rows
from .logview import LogView
from .messages import RowsFound, ScanFinished
from .model import RowKind, RowView
from .prompts import ExportPrompt, ExportRequest, PatternPrompt, PatternRequest
from .search import (
    FilteredRows,
    Matcher,
    RowTest,
    ScanBatch,
    message_string,
    scan_rows,
    view_index,
)

if TYPE_CHECKING:
    from .model import LogModel
    from .navigation import Navigator
    from .sources import LogSource

__all__ = ["InvestigateApp"]

#: Rows looked at near the view before the full count starts.
NEAR_ROWS = 20_000
#: Most rows copied to the clipboard at once.
MAX_COPY_ROWS = 10_000
_POLL_S = 0.1
#: How long the match count sleeps between blocks while the viewer still scans the file.
_COUNT_PAUSE_S = 0.003
_INVESTIGATE_ACTIONS = {
    "search", "next_match", "previous_match", "filter", "streams", "detail", "copy",
    "export", "escape", "timeline",
}


@dataclass
class FilterFound(Message):
    """A filter scan decided more rows (``finished``: it has caught up with the model)."""

    token: int
    batch: ScanBatch
    finished: bool = False


@dataclass
class SearchNear(Message):
    """The first match at or after the view, found before the count."""

    token: int
    row: int


@dataclass
class SearchCounted(Message):
    """The match count went further (``finished``: it has caught up with the model)."""

    token: int
    batch: ScanBatch
    finished: bool = False


@dataclass
class SearchFound(Message):
    """A look-up for the next (or previous) match ended; ``row`` is ``None`` if none."""

    token: int
    row: int | None
    forward: bool


@dataclass
class ExportDone(Message):
    """An export finished (``error`` says why it failed)."""

    path: str
    rows: int
    error: str | None = None


class InvestigateApp(App[None]):
    """The investigation layer of the viewer: search, filters, detail, copy, export.

    Subclasses provide the model, the panes and the status bar (see
    :class:`~iolog_tui.app.IologApp`).
    """

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
        self.search_request: PatternRequest | None = None
        """The search in effect (``/``)."""
        self.search_matches: array[int] = array("I")
        """Model rows that match, below :attr:`search_counted_row`."""
        self.search_counted_row = 0
        self.search_finished = False
        self.search_stopped = False
        self.search_current: int | None = None
        """The model row of the current match."""
        self._search_view: LogView | None = None
        self._search_start_row = 0
        self._anchor: int | None = None
        self._token = 0
        self._generation_seen = -1
        self.last_export: ExportDone | None = None
        """How the last export ended."""

    # -- helpers ------------------------------------------------------------------------

    def _next_token(self) -> int:
        self._token += 1
        return self._token

    def _on_main_screen(self) -> bool:
        return self.screen is self.screen_stack[0] if self.screen_stack else False

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

    @property
    def _counting(self) -> bool:
        return self.search_request is not None and not self.search_finished and not self.search_stopped

    @property
    def _has_selection(self) -> bool:
        return any(view.selection is not None for view in self.views)

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
        if self.search_request is not None:
            self._start_search(self.search_request, from_row=0)

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
        if self.search_request is not None:
            self._start_search(self.search_request)

    # -- filter ---------------------------------------------------------------------------

    def action_filter(self) -> None:
        """Ask for a filter pattern (``&``); an empty one shows every row again."""
        self.push_screen(PatternPrompt("filter", self.filter_request), self._filter_chosen)

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
        if self.search_request is not None:
            self._start_search(self.search_request)

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
        """Scan the model's rows from ``start_row`` as they arrive (in a worker).

        Between blocks of rows the scan sleeps (see :meth:`_count_pause`), so
        that keys and the viewer's own scan of the file are not kept waiting.
        ``needle`` and ``exact_case`` are as for :func:`scan_rows`.
        """
        model = self.model
        done = start_row
        announced = False

        def should_stop() -> bool:
            return cancelled() or model.generation != generation

        while not should_stop():
            end = len(model)
            if done < end:
                announced = False
                for batch in scan_rows(
                    model.path, model.offsets, model.kinds, done, end, test,
                    should_stop=should_stop, needle=needle, exact_case=exact_case,
                    between_blocks=self._count_pause,
                ):
                    done = batch.done_row
                    yield batch, False
                continue
            if self.scan_progress is None and not announced:
                announced = True
                yield ScanBatch(array("I"), done), True
                if not self.tailing:
                    return
            time.sleep(_POLL_S)

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

    # -- search ----------------------------------------------------------------------------

    def action_search(self) -> None:
        """Ask for a search pattern (``/``); an empty one ends the search."""
        self.push_screen(PatternPrompt("search", self.search_request), self._search_chosen)

    def _search_chosen(self, request: PatternRequest | None) -> None:
        if request is None:
            return
        if request.matcher is None:
            self.clear_search()
        else:
            self._start_search(request)

    def clear_search(self) -> None:
        """End the search: no highlights, no count."""
        self._next_token()
        self.workers.cancel_group(self, "search")
        self.search_request = None
        self.search_current = None
        self.search_matches = array("I")
        for view in self.views:
            view.highlighter = None
            view.selection = None
            view.restyle()
        self.refresh_bindings()
        self._refresh_investigate_status()

    def _start_search(self, request: PatternRequest, *, from_row: int | None = None) -> None:
        matcher = request.matcher
        assert matcher is not None
        token = self._next_token()
        self._search_token = token
        self.search_request = request
        self.search_matches = array("I")
        self.search_counted_row = 0
        self.search_finished = False
        self.search_stopped = False
        self.search_current = None
        view = self.active_view()
        self._search_view = view
        start = from_row
        if start is None:
            start = view.selection[0] if view.selection is not None else self._top_model_row(view)
        self._search_start_row = start
        highlighter = _highlighter(matcher, view.get_component_rich_style("log-view--match"))
        for pane in self.views:
            pane.highlighter = highlighter
            pane.restyle()
        shown = self.shown_test(view)
        matches = matcher.matches

        def test(kind: int, message: bytes) -> bool:
            return shown(kind, message) and matches(message)

        self._search_test = test
        self.refresh_bindings()
        near_row = self._match_on_screen(view, start, test)
        if near_row is not None:
            self._go_to_match(near_row)
        scan_from = start if near_row is not None else self._below_screen(view, start)
        self._search_scan(token, self.model.generation, scan_from, near_row is None, test, matcher)
        self._refresh_investigate_status()

    def _match_on_screen(self, view: LogView, start_row: int, test: RowTest) -> int | None:
        """The first match among the rows drawn from ``start_row`` down (already read)."""
        rows = view.rows
        first = view_index(rows, start_row)
        last = min(len(rows), max(first, view.top_row) + view.scrollable_content_region.height)
        for index in range(first, last):
            row = rows.row(index)
            if row.kind <= RowKind.STDERR and test(row.kind, row.message):
                return rows.merged_index(index)
        return None

    def _below_screen(self, view: LogView, start_row: int) -> int:
        """The model row after the last one on screen (where the near look-up goes on)."""
        rows = view.rows
        last = max(view_index(rows, start_row), view.top_row) + view.scrollable_content_region.height
        return rows.merged_index(last) if last < len(rows) else len(self.model)

    def _count_pause(self) -> None:
        """Between two blocks of the count: let the UI and the viewer's scan go first."""
        time.sleep(_COUNT_PAUSE_S if self.scan_progress is not None else 0)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search_scan(
        self, token: int, generation: int, start_row: int, look_near: bool, test: RowTest,
        matcher: Matcher,
    ) -> None:
        worker = get_current_worker()
        model = self.model

        def cancelled() -> bool:
            return worker.is_cancelled or model.generation != generation

        needle = matcher.needle
        if look_near:
            end = min(len(model), start_row + NEAR_ROWS)
            for batch in scan_rows(
                model.path, model.offsets, model.kinds, start_row, end, test,
                should_stop=cancelled, stop_after=1, needle=needle,
                exact_case=matcher.case_sensitive, between_blocks=_yield_interpreter,
            ):
                if batch.rows:
                    self.post_message(SearchNear(token, batch.rows[0]))
                    break
        for batch, finished in self._follow_rows(
            generation, 0, test, cancelled, needle=needle, exact_case=matcher.case_sensitive
        ):
            self.post_message(SearchCounted(token, batch, finished))

    @on(SearchNear)
    def _search_near(self, message: SearchNear) -> None:
        if message.token == getattr(self, "_search_token", None) and self.search_current is None:
            self._go_to_match(message.row)

    @on(SearchCounted)
    def _search_counted(self, message: SearchCounted) -> None:
        if message.token != getattr(self, "_search_token", None):
            return
        rows = message.batch.rows
        self.search_matches.extend(rows)
        self.search_counted_row = message.batch.done_row
        if message.finished:
            self.search_finished = True
            self.refresh_bindings()
        if self.search_current is None:
            after = bisect_left(self.search_matches, self._search_start_row)
            if after < len(self.search_matches):
                self._go_to_match(self.search_matches[after])
            elif message.finished and self.search_matches:
                self._go_to_match(self.search_matches[0])
                self.notify("no match below; showing the first match from the top", timeout=3)
            elif message.finished:
                request = self.search_request
                described = request.matcher.describe() if request and request.matcher else ""
                self.notify(f"no match for {described}", severity="warning", timeout=3)
        self._refresh_investigate_status()

    def action_next_match(self) -> None:
        """Go to the next match (``n``), wrapping to the first at the end."""
        self._step_match(forward=True)

    def action_previous_match(self) -> None:
        """Go to the previous match (``N``), wrapping to the last at the top."""
        self._step_match(forward=False)

    def _step_match(self, *, forward: bool) -> None:
        view = self._search_view or self.active_view()
        current = self.search_current
        if current is None or not self._row_on_screen(view, current):
            # The user moved away: n looks from the top of the pane, N from its bottom.
            top = view.top_row
            if forward:
                current = self._top_model_row(view) - 1
            else:
                bottom = top + view.scrollable_content_region.height
                current = (view.rows.merged_index(bottom) if bottom < len(view.rows)
                           else len(self.model))
        matches = self.search_matches
        if forward:
            after = bisect_right(matches, current)
            if after < len(matches):
                self._go_to_match(matches[after])
            elif not self.search_finished:
                self._find_match(self._search_token, max(current + 1, self.search_counted_row),
                                 len(self.model), True)
            elif matches:
                self._go_to_match(matches[0])
                self.notify("search hit the bottom, continued at the top", timeout=2)
            return
        if current > self.search_counted_row and not self.search_finished:
            self._find_match(self._search_token, self.search_counted_row, current, False)
            return
        before = bisect_left(matches, current) - 1
        if before >= 0:
            self._go_to_match(matches[before])
        elif self.search_finished and matches:
            self._go_to_match(matches[-1])
            self.notify("search hit the top, continued at the bottom", timeout=2)

    @work(thread=True, exclusive=True, group="find", exit_on_error=False)
    def _find_match(self, token: int, start_row: int, end_row: int, forward: bool) -> None:
        worker = get_current_worker()
        model = self.model
        found: int | None = None
        request = self.search_request
        matcher = request.matcher if request is not None else None
        for batch in scan_rows(
            model.path, model.offsets, model.kinds, start_row, end_row, self._search_test,
            should_stop=lambda: worker.is_cancelled, stop_after=1 if forward else None,
            needle=matcher.needle if matcher is not None else None,
            exact_case=matcher.case_sensitive if matcher is not None else True,
            between_blocks=_yield_interpreter,
        ):
            if batch.rows:
                found = batch.rows[0] if forward else batch.rows[-1]
                if forward:
                    break
        if not worker.is_cancelled:
            self.post_message(SearchFound(token, found, forward))

    @on(SearchFound)
    def _search_found(self, message: SearchFound) -> None:
        if message.token != getattr(self, "_search_token", None):
            return
        if message.row is not None:
            self._go_to_match(message.row)
            return
        matches = self.search_matches
        current = self.search_current if self.search_current is not None else 0
        if not message.forward:
            before = bisect_left(matches, current) - 1
            if before >= 0:
                self._go_to_match(matches[before])
                return
        self.notify("no further match yet (still counting)", timeout=2)

    def _row_on_screen(self, view: LogView, model_row: int) -> bool:
        index = view_index(view.rows, model_row)
        top = view.top_row
        return top <= index < top + view.scrollable_content_region.height

    def _go_to_match(self, row: int) -> None:
        self.search_current = row
        view = self._search_view or self.active_view()
        self._select(view, row, row)
        self._reveal(view, row)
        self._refresh_investigate_status()

    def _reveal(self, view: LogView, model_row: int) -> None:
        index = view_index(view.rows, model_row)
        height = view.scrollable_content_region.height
        top = view.top_row
        if top <= index < top + height and not (view.wrap and index >= top + height // 2):
            return
        if self.following:
            self.following = False
        view.quiet_scroll_to(max(0, index - max(1, height // 3)))
        view.refresh()

    # -- selection, detail, copy ------------------------------------------------------

    def _select(self, view: LogView, first: int, last: int) -> None:
        for pane in self.views:
            if pane is not view and pane.selection is not None:
                pane.selection = None
                pane.refresh()
        view.selection = (first, last)
        view.refresh()
        self.refresh_bindings()

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
            self.workers.cancel_group(self, "search")
            self.search_stopped = True
            self._next_token()
            self._search_token = self._token
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
        self.push_screen(DetailScreen(self.model.path, offset, Stream(kind), now_ns=self.clock()))

    def selected_text(self) -> tuple[str, int]:
        """The selected rows (else those on screen) as text, and how many rows."""
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
                lines.append(message_string(row.message))
        return "\n".join(lines) + ("\n" if lines else ""), len(lines)

    def action_copy(self) -> None:
        """Copy the selected rows (else the rows on screen) to the clipboard."""
        text, count = self.selected_text()
        if not count:
            return
        self.copy_to_clipboard(text)
        self.notify(f"copied {count:,} row{'s' if count != 1 else ''} to the clipboard", timeout=2)

    # -- export -------------------------------------------------------------------------------

    def action_export(self) -> None:
        """Save the rows shown in the pane to a file (text, with timestamps, or iolog)."""
        view = self.active_view()
        stem = os.path.splitext(os.path.basename(self.model.path))[0] or "log"
        self.push_screen(
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
            self.notify(f"cannot save {message.path}: {message.error}", severity="error")
        else:
            self.notify(f"saved {message.rows:,} rows to {message.path}", timeout=4)

    # -- status and palette -----------------------------------------------------------------

    def investigate_status(self) -> Text:
        """What the status bar says about the stream filter, the filter and the search."""
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
            text.append(f" {request.matcher.describe()}: {len(view.rows):,} of {total:,} rows")
            if not self.filter_finished and len(model):
                text.append(f" · filtering {self._fraction(self.filter_done_row):.0%}", "bold yellow")
            text.append("  ")
        search = self.search_request
        if search is not None and search.matcher is not None:
            text.append(" / ", "bold reverse magenta")
            text.append(f" {search.matcher.describe()} ")
            count = len(self.search_matches)
            current = self.search_current
            number = "?"
            if current is not None and (current < self.search_counted_row or self.search_finished):
                number = f"{bisect_left(self.search_matches, current) + 1:,}"
            if self.search_finished and not count:
                text.append("no match", "bold red")
            elif self.search_finished:
                text.append(f"match {number} of {count:,}")
            elif self.search_stopped:
                text.append(f"match {number} of {count:,}+ (count stopped)")
            else:
                text.append(f"match {number} of {count:,}+ ")
                text.append(f"counting {self._fraction(self.search_counted_row):.0%}", "bold yellow")
                text.append(" Esc stops", "dim")
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

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Command palette entries for everything the viewer does."""
        yield from super().get_system_commands(screen)
        commands = (
            ("Search…", "Find text or a regular expression (/)", self.action_search),
            ("Next match", "Go to the next match (n)", self.action_next_match),
            ("Previous match", "Go to the previous match (N)", self.action_previous_match),
            ("Filter…", "Show only rows that match, or hide them (&)", self.action_filter),
            ("Clear filter", "Show every row again", lambda: self.apply_filter(None)),
            ("Show stdout only", "Only stdout in the merged pane (1)",
             lambda: self.action_streams("stdout")),
            ("Show stderr only", "Only stderr in the merged pane (2)",
             lambda: self.action_streams("stderr")),
            ("Show both streams", "stdout and stderr (3)", lambda: self.action_streams("both")),
            ("Entry detail", "Everything about the selected row (Enter)", self.action_detail),
            ("Copy rows", "Copy the selected rows, or those on screen (y)", self.action_copy),
            ("Save shown rows…", "Write what is shown to a file: text or iolog (e)",
             self.action_export),
        )
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)


def _yield_interpreter() -> None:
    """Let other threads (the UI's first) take the interpreter between two blocks."""
    time.sleep(0)


def _arrays() -> tuple[array[int], array[int], array[int]]:
    return array("I"), array("I"), array("I")


def _highlighter(matcher: Matcher, style: Style) -> Callable[[Text], None]:
    """Style every match in a row's drawn text."""

    def highlight(text: Text) -> None:
        for start, end in matcher.spans(text.plain):
            text.stylize(style, start, end)

    return highlight
