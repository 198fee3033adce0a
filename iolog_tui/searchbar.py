"""The search bar: the search in effect, its match count, and stepping through matches.

This module owns a search's state and its workers. Searching tests the rows
of the pane searched with :func:`~iolog_tui.model.search.scan_rows`; results
are compact arrays of model row numbers, posted to the bar as messages and
applied on the UI thread:

- a search first looks at the rows on screen, then near them (some
  thousands of rows, so the first match shows at once), then counts every
  match from the top with :func:`~iolog_tui.model.count.follow_rows`,
  filling in "match 3 of 1,204" as it goes; Esc stops the count;
- ``n`` and ``N`` step through the matches counted, and look further in a
  worker when the count has not got there yet.

The bar draws nothing itself: it posts :class:`SearchBar.MatchChosen` for
the log screen to select and show, and says what to put on the status bar
(:meth:`SearchBar.describe`).
"""

from __future__ import annotations

import time
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from .logview import LogView
from .model.count import follow_rows, scanned_fraction
from .model.rows import LogModel, RowKind
from .model.search import Matcher, RowTest, ScanBatch, scan_rows, view_index
from .prompts import PatternRequest
from .safetext import safe_label

__all__ = ["NEAR_ROWS", "SearchBar"]

#: Rows looked at near the view before the full count starts.
NEAR_ROWS = 20_000


class SearchBar(Widget):
    """A search, its count of matches, and the current match.

    Args:
        model: the rows searched.
        id: as for any widget.
    """

    DEFAULT_CSS = "SearchBar { display: none; }"

    @dataclass
    class MatchChosen(Message):
        """Show model row ``row``, a match, selected in ``view``."""

        view: LogView
        row: int

    @dataclass
    class Near(Message):
        """The first match at or after the view, found before the count."""

        token: int
        row: int

    @dataclass
    class Counted(Message):
        """The match count went further (``finished``: it has caught up with the model)."""

        token: int
        batch: ScanBatch
        finished: bool = False

    @dataclass
    class Found(Message):
        """A look-up for the next (or previous) match ended; ``row`` is ``None`` if none."""

        token: int
        row: int | None
        forward: bool

    def __init__(self, model: LogModel, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.model = model
        self.request: PatternRequest | None = None
        """The search in effect (``/``)."""
        self.matches: array[int] = array("I")
        """Model rows that match, below :attr:`counted_row`."""
        self.counted_row = 0
        """Rows the count has tested."""
        self.finished = False
        """The count has tested every row the scan found."""
        self.stopped = False
        """The count was stopped (Esc)."""
        self.current: int | None = None
        """The model row of the current match."""
        self.scanning = True
        """The viewer still scans the file (set by the log screen; read by the workers)."""
        self.tailing = False
        """The file is followed (set by the log screen; read by the workers)."""
        self._view: LogView | None = None
        self._start_row = 0
        self._test: RowTest = lambda _kind, _message: False
        self._token = 0

    @property
    def counting(self) -> bool:
        """A search is in effect and its count still runs."""
        return self.request is not None and not self.finished and not self.stopped

    # -- starting and ending --------------------------------------------------------------

    def start(self, request: PatternRequest, view: LogView, shown: RowTest, start_row: int) -> None:
        """Search ``view`` (whose rows pass ``shown``) from model row ``start_row``."""
        matcher = request.matcher
        assert matcher is not None
        self._token += 1
        token = self._token
        self.request = request
        self.matches = array("I")
        self.counted_row = 0
        self.finished = False
        self.stopped = False
        self.current = None
        self._view = view
        self._start_row = start_row
        matches = matcher.matches

        def test(kind: int, message: bytes) -> bool:
            return shown(kind, message) and matches(message)

        self._test = test
        self.refresh_bindings()
        near_row = self._match_on_screen(view, start_row, test)
        if near_row is not None:
            self._go_to_match(near_row)
        scan_from = start_row if near_row is not None else self._below_screen(view, start_row)
        self._scan(token, self.model.generation, scan_from, near_row is None, test, matcher)

    def clear(self) -> None:
        """End the search: no count, no current match."""
        self._token += 1
        self.workers.cancel_group(self, "search")
        self.request = None
        self.current = None
        self.matches = array("I")
        self.refresh_bindings()

    def stop_count(self) -> None:
        """Stop counting the matches (Esc); those counted so far stay."""
        self.workers.cancel_group(self, "search")
        self.stopped = True
        self._token += 1

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
    def _scan(
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
                    self.post_message(self.Near(token, batch.rows[0]))
                    break
        for batch, finished in follow_rows(
            model, generation, 0, test, cancelled, scanning=lambda: self.scanning,
            tailing=lambda: self.tailing, needle=needle, exact_case=matcher.case_sensitive,
        ):
            self.post_message(self.Counted(token, batch, finished))

    @on(Near)
    def _near(self, message: Near) -> None:
        if message.token == self._token and self.current is None:
            self._go_to_match(message.row)

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        if message.token != self._token:
            message.stop()
            return
        rows = message.batch.rows
        self.matches.extend(rows)
        self.counted_row = message.batch.done_row
        if message.finished:
            self.finished = True
            self.refresh_bindings()
        if self.current is None:
            after = bisect_left(self.matches, self._start_row)
            if after < len(self.matches):
                self._go_to_match(self.matches[after])
            elif message.finished and self.matches:
                self._go_to_match(self.matches[0])
                self.notify("no match below; showing the first match from the top", timeout=3)
            elif message.finished:
                request = self.request
                described = request.matcher.describe() if request and request.matcher else ""
                self.notify(f"no match for {described}", severity="warning", timeout=3, markup=False)

    # -- next and previous ------------------------------------------------------------------

    def step(self, *, forward: bool, fallback: LogView) -> None:
        """Go to the next (or previous) match, wrapping around at the ends.

        ``fallback`` is the pane to step in when no search has chosen one.
        """
        view = self._view or fallback
        current = self.current
        if current is None or not _row_on_screen(view, current):
            # The user moved away: n looks from the top of the pane, N from its bottom.
            top = view.top_row
            if forward:
                current = (view.rows.merged_index(min(top, len(view.rows) - 1))
                           if len(view.rows) else len(self.model)) - 1
            else:
                bottom = top + view.scrollable_content_region.height
                current = (view.rows.merged_index(bottom) if bottom < len(view.rows)
                           else len(self.model))
        matches = self.matches
        if forward:
            after = bisect_right(matches, current)
            if after < len(matches):
                self._go_to_match(matches[after])
            elif not self.finished:
                self._find(self._token, max(current + 1, self.counted_row), len(self.model), True)
            elif matches:
                self._go_to_match(matches[0])
                self.notify("search hit the bottom, continued at the top", timeout=2)
            return
        if current > self.counted_row and not self.finished:
            self._find(self._token, self.counted_row, current, False)
            return
        before = bisect_left(matches, current) - 1
        if before >= 0:
            self._go_to_match(matches[before])
        elif self.finished and matches:
            self._go_to_match(matches[-1])
            self.notify("search hit the top, continued at the bottom", timeout=2)

    @work(thread=True, exclusive=True, group="find", exit_on_error=False)
    def _find(self, token: int, start_row: int, end_row: int, forward: bool) -> None:
        worker = get_current_worker()
        model = self.model
        found: int | None = None
        request = self.request
        matcher = request.matcher if request is not None else None
        for batch in scan_rows(
            model.path, model.offsets, model.kinds, start_row, end_row, self._test,
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
            self.post_message(self.Found(token, found, forward))

    @on(Found)
    def _found(self, message: Found) -> None:
        if message.token != self._token:
            return
        if message.row is not None:
            self._go_to_match(message.row)
            return
        matches = self.matches
        current = self.current if self.current is not None else 0
        if not message.forward:
            before = bisect_left(matches, current) - 1
            if before >= 0:
                self._go_to_match(matches[before])
                return
        self.notify("no further match yet (still counting)", timeout=2)

    def _go_to_match(self, row: int) -> None:
        self.current = row
        if self._view is not None:
            self.post_message(self.MatchChosen(self._view, row))

    # -- status ---------------------------------------------------------------------------

    def describe(self, *, brief: bool = False) -> Text:
        """What the status bar says of the search (``brief``: its pattern cut short, for a narrow bar)."""
        text = Text()
        search = self.request
        if search is None or search.matcher is None:
            return text
        text.append(" / ", "bold reverse magenta")
        pattern = safe_label(search.matcher.describe())
        if brief and len(pattern) > _BRIEF_PATTERN_CELLS:
            pattern = pattern[: _BRIEF_PATTERN_CELLS - 1] + "…"
        text.append(f" {pattern} ")
        count = len(self.matches)
        current = self.current
        number = "?"
        if current is not None and (current < self.counted_row or self.finished):
            number = f"{bisect_left(self.matches, current) + 1:,}"
        if self.finished and not count:
            text.append("no match", "bold red")
        elif self.finished:
            text.append(f"match {number} of {count:,}")
        elif self.stopped:
            text.append(f"match {number} of {count:,}+ (count stopped)")
        else:
            text.append(f"match {number} of {count:,}+ ")
            fraction = scanned_fraction(self.model, self.counted_row, scanning=self.scanning)
            text.append(f"counting {fraction:.0%}", "bold yellow")
            text.append(" Esc stops", "dim")
        text.append("  ")
        return text


#: A search's pattern is cut to this many cells on a narrow bar.
_BRIEF_PATTERN_CELLS = 12


def _row_on_screen(view: LogView, model_row: int) -> bool:
    index = view_index(view.rows, model_row)
    top = view.top_row
    return top <= index < top + view.scrollable_content_region.height


def _yield_interpreter() -> None:
    """Let other threads (the UI's first) take the interpreter between two blocks."""
    time.sleep(0)
