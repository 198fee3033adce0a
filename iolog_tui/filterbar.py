"""The filter bar: which rows each pane shows (the stream choice and the row filter).

This module owns the state of both filters and the worker of the second:

- the stream choice (keys 1, 2, 3) switches the merged pane to one stream;
- a filter (``&``) tests the model's rows in a worker thread with
  :func:`~iolog_tui.model.count.follow_rows` (going on as rows arrive while
  following) and keeps the passing rows in one compact array per pane,
  built on the UI thread from the :class:`FilterBar.Passed` messages the
  worker posts.

The bar draws nothing itself: the log screen asks it which rows a pane
shows (:meth:`FilterBar.rows_for`, :meth:`FilterBar.shown_test`) and what
to say about it on the status bar (:meth:`FilterBar.describe`).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from iolog import Stream

from .logview import LogView
from .model.count import follow_rows, scanned_fraction
from .model.rows import LogModel, RowKind, RowView
from .model.search import FilteredRows, RowTest, ScanBatch
from .prompts import PatternRequest
from .safetext import safe_label

__all__ = ["FilterBar"]


class FilterBar(Widget):
    """The stream choice and the row filter.

    Args:
        model: the rows filtered.
        id: as for any widget.
    """

    DEFAULT_CSS = "FilterBar { display: none; }"

    @dataclass
    class Passed(Message):
        """The filter decided more rows (``finished``: it has caught up with the model)."""

        token: int
        batch: ScanBatch
        finished: bool = False

    def __init__(self, model: LogModel, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.model = model
        self.stream_choice: Stream | None = None
        """The one stream the merged pane shows (keys 1 and 2), ``None`` for both."""
        self.request: PatternRequest | None = None
        """The filter in effect (``&``)."""
        self.level_test: RowTest | None = None
        """The level filter's test (``L``, :mod:`iolog_tui.model.levelrows`), AND-ed with the rest."""
        self.done_row = 0
        """Rows the filter has decided so far."""
        self.finished = False
        """The filter has decided every row the scan found."""
        self.scanning = True
        """The viewer still scans the file (set by the log screen; read by the worker)."""
        self.tailing = False
        """The file is followed (set by the log screen; read by the worker)."""
        self._passing: tuple[array[int], array[int], array[int]] = _arrays()
        self._token = 0

    # -- which rows a pane shows ----------------------------------------------------------

    def pane_stream(self, view: LogView) -> Stream | None:
        """The stream ``view`` shows, ``None`` for both."""
        if view.id == "stdout":
            return Stream.STDOUT
        if view.id == "stderr":
            return Stream.STDERR
        return self.stream_choice

    def shown_test(self, view: LogView) -> RowTest:
        """``test(kind, message)``: is a row shown in ``view`` (stream and filter)?"""
        stream = self.pane_stream(view)
        streams = (0, 1) if stream is None else (int(stream),)
        request = self.request
        levels = self.level_test
        if request is None or request.matcher is None:
            if levels is not None:
                return lambda kind, message: kind in streams and levels(kind, message)
            return lambda kind, _message: kind in streams
        matches = request.matcher.matches
        invert = request.invert
        if levels is not None:
            return lambda kind, message: (kind in streams and matches(message) != invert
                                          and levels(kind, message))
        return lambda kind, message: kind in streams and matches(message) != invert

    def rows_for(self, view: LogView) -> RowView:
        """The rows ``view`` shows now."""
        model = self.model
        stream = self.pane_stream(view)
        if self.request is None and self.level_test is None:
            if stream is None:
                return model.merged
            return model.stdout if stream is Stream.STDOUT else model.stderr
        passing = self._passing[0 if stream is None else 1 + int(stream)]
        return FilteredRows(model, passing, stream)

    # -- changing the filters ---------------------------------------------------------------

    def choose_streams(self, which: str) -> bool:
        """Show only ``"stdout"``, only ``"stderr"``, or ``"both"`` in the merged pane.

        Returns:
            Whether that changed what the merged pane shows.
        """
        choice = {"stdout": Stream.STDOUT, "stderr": Stream.STDERR}.get(which)
        if choice == self.stream_choice:
            return False
        self.stream_choice = choice
        return True

    def apply(self, request: PatternRequest | None) -> None:
        """Show only the rows passing ``request`` (``None``: every row).

        The panes show the new rows once they are given :meth:`rows_for` again.
        """
        self.request = request
        if request is None and self.level_test is None:
            self._token += 1
            self.workers.cancel_group(self, "filter")
            self._passing = _arrays()
        else:
            self._start(request)

    def restart(self) -> bool:
        """The model started over (new time window, file replaced): filter again.

        Returns:
            Whether a filter is in effect (the panes need their rows again).
        """
        if self.request is None and self.level_test is None:
            return False
        self._start(self.request)
        return True

    def _start(self, request: PatternRequest | None) -> None:
        self._token += 1
        self._passing = _arrays()
        self.done_row = 0
        self.finished = False
        levels = self.level_test
        matcher = None if request is None else request.matcher
        if matcher is None:
            assert levels is not None
            self._scan(self._token, self.model.generation, levels, None, True)
            return
        matches = matcher.matches
        invert = request is not None and request.invert
        test: RowTest = lambda _kind, message: matches(message) != invert  # noqa: E731
        if levels is not None:
            test = lambda kind, message: matches(message) != invert and levels(kind, message)  # noqa: E731
        self._scan(self._token, self.model.generation, test, None if invert else matcher.needle,
                   matcher.case_sensitive)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def _scan(
        self, token: int, generation: int, test: RowTest, needle: bytes | None, exact_case: bool
    ) -> None:
        worker = get_current_worker()
        for batch, finished in follow_rows(
            self.model, generation, 0, test, lambda: worker.is_cancelled,
            scanning=lambda: self.scanning, tailing=lambda: self.tailing,
            needle=needle, exact_case=exact_case,
        ):
            self.post_message(self.Passed(token, batch, finished))

    @on(Passed)
    def _passed(self, message: Passed) -> None:
        if message.token != self._token:
            message.stop()  # a filter since replaced: nothing for the screen either
            return
        rows = message.batch.rows
        if rows:
            passing, stdout, stderr = self._passing
            kinds = self.model.kinds
            passing.extend(rows)
            for row in rows:
                (stdout if kinds[row] == RowKind.STDOUT else stderr).append(row)
        self.done_row = message.batch.done_row
        self.finished = message.finished

    # -- status ---------------------------------------------------------------------------

    def describe(self, *, split: bool, shown_rows: int) -> Text:
        """What the status bar says of the filters (``shown_rows``: in the pane worked in)."""
        text = Text()
        model = self.model
        if self.stream_choice is not None and not split:
            name = self.stream_choice.name.lower()
            text.append(f" {name} only ", "bold reverse green" if name == "stdout" else "bold reverse red")
            text.append(" ")
        request = self.request
        if request is not None and request.matcher is not None:
            if split or self.stream_choice is None:
                total = len(model.stdout) + len(model.stderr)  # lines: not skipped regions or clock steps
            else:
                total = len(model.stdout if self.stream_choice is Stream.STDOUT else model.stderr)
            text.append(" filter " if not request.invert else " hide ", "bold reverse blue")
            text.append(f" {safe_label(request.matcher.describe())}: {shown_rows:,} of {total:,} lines")
            if not self.finished and len(model):
                fraction = scanned_fraction(model, self.done_row, scanning=self.scanning)
                text.append(f" · filtering {fraction:.0%}", "bold yellow")
            text.append("  ")
        elif self.level_test is not None and not self.finished and len(model):
            fraction = scanned_fraction(model, self.done_row, scanning=self.scanning)
            text.append(f"filtering {fraction:.0%}  ", "bold yellow")
        return text


def _arrays() -> tuple[array[int], array[int], array[int]]:
    return array("I"), array("I"), array("I")
