"""Searching the rows shown: the match count, and stepping through the matches.

This module owns the second of the viewer's investigation layers, a ``Screen``
class built on :class:`~iolog_tui.filtering.FilterLayer` (a search looks only
at the rows a pane shows) that :class:`~iolog_tui.investigate.InvestigateLayer`
builds on. Searching scans the file in worker threads with
:func:`~iolog_tui.model.search.scan_rows`; results are compact arrays of row
numbers, handed to the app's thread in messages:

- a search first looks near the view (some thousands of rows from the top
  row, so the first match shows at once), then counts every match from the
  top, filling in "match 3 of 1,204" as it goes; Esc stops the count;
- ``n`` and ``N`` step through the matches counted, and look further in a
  worker when the count has not got there yet.
"""

from __future__ import annotations

import time
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.worker import get_current_worker

from .filtering import FilterLayer
from .logview import LogView
from .model.rows import RowKind
from .model.search import Matcher, RowTest, ScanBatch, scan_rows, view_index
from .prompts import PatternPrompt, PatternRequest
from .safetext import safe_label

__all__ = ["NEAR_ROWS", "SearchLayer", "SearchCounted", "SearchFound", "SearchNear"]

#: Rows looked at near the view before the full count starts.
NEAR_ROWS = 20_000


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


class SearchLayer(FilterLayer):
    """The search layer of the viewer: search, the match count, next and previous match.

    The current match is shown selected in the pane searched.
    """

    def __init__(self) -> None:
        super().__init__()
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

    @property
    def _counting(self) -> bool:
        return self.search_request is not None and not self.search_finished and not self.search_stopped

    def _restart_investigation(self) -> None:
        """The model started over (new time window, file replaced): rescan."""
        super()._restart_investigation()
        if self.search_request is not None:
            self._start_search(self.search_request, from_row=0)

    def _shown_rows_changed(self) -> None:
        """The stream or the filter changed what the panes show: search them again."""
        super()._shown_rows_changed()
        if self.search_request is not None:
            self._start_search(self.search_request)

    # -- search ----------------------------------------------------------------------------

    def action_search(self) -> None:
        """Ask for a search pattern (``/``); an empty one ends the search."""
        self.app.push_screen(PatternPrompt("search", self.search_request), self._search_chosen)

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

    def stop_count(self) -> None:
        """Stop counting the matches (Esc); those counted so far stay."""
        self.workers.cancel_group(self, "search")
        self.search_stopped = True
        self._next_token()
        self._search_token = self._token

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
                self.notify(f"no match for {described}", severity="warning", timeout=3, markup=False)
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

    def _select(self, view: LogView, first: int, last: int) -> None:
        """Select model rows ``first`` to ``last`` in ``view`` (and nothing elsewhere)."""
        for pane in self.views:
            if pane is not view and pane.selection is not None:
                pane.selection = None
                pane.refresh()
        view.selection = (first, last)
        view.refresh()
        self.refresh_bindings()

    # -- status ---------------------------------------------------------------------------

    def investigate_status(self) -> Text:
        """What the status bar says about the stream filter, the filter and the search."""
        text = super().investigate_status()
        search = self.search_request
        if search is not None and search.matcher is not None:
            text.append(" / ", "bold reverse magenta")
            text.append(f" {safe_label(search.matcher.describe())} ")
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


def _yield_interpreter() -> None:
    """Let other threads (the UI's first) take the interpreter between two blocks."""
    time.sleep(0)


def _highlighter(matcher: Matcher, style: Style) -> Callable[[Text], None]:
    """Style every match in a row's drawn text."""

    def highlight(text: Text) -> None:
        for start, end in matcher.spans(text.plain):
            text.stylize(style, start, end)

    return highlight
