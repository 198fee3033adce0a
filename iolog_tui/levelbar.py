"""The level bar: error and warning lines, their counts, ``e``/``w`` and the level filter.

This module owns the viewer's level state and its workers (the rule of a
line's level is :func:`iolog.detect_level`; the model side is
:mod:`iolog_tui.model.levelrows`):

- the count: a worker finds the error and warning lines among the model's
  rows (the whole file, or the time window) with
  :func:`~iolog_tui.model.levelrows.follow_levels`, going on as the file
  grows, and posts them; the bar keeps them as two compact arrays of model
  rows, whose lengths are the status bar's "3 errors · 12 warnings";
- ``e``/``E`` and ``w``/``W`` step to the next or previous error or warning
  line shown in the pane, from the selected row (else the rows on screen);
  past what the count has reached they look further in a second worker, as
  the search's ``n`` does; the bar posts :class:`LevelBar.LineChosen`,
  which the log screen handles as it handles a search's match;
- the level filter (``L``): every line, warnings and worse, errors only,
  given to the filter bar as one more test of the rows.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from .logview import LogView
from .model.count import scanned_fraction
from .model.levelrows import LevelBatch, LevelChoice, LineLevel, follow_levels, level_of, next_level_row
from .model.rows import LogModel, RowView
from .model.search import scan_rows, view_index

__all__ = ["LevelBar"]


class LevelBar(Widget):
    """Error and warning lines: their count, stepping through them, the level filter.

    Args:
        model: the rows.
        id: as for any widget.
    """

    DEFAULT_CSS = "LevelBar { display: none; }"

    @dataclass
    class LineChosen(Message):
        """Show model row ``row`` (an error or warning line) selected in ``view``."""

        view: LogView
        row: int

    @dataclass
    class Counted(Message):
        """The level count went further."""

        token: int
        batch: LevelBatch

    @dataclass
    class Found(Message):
        """A look-up past the count ended; ``row`` is ``None`` if it found none."""

        token: int
        view: LogView
        row: int | None
        which: LineLevel
        forward: bool

    def __init__(self, model: LogModel, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.model = model
        self.errors: array[int] = array("I")
        """Model rows of error lines (ERROR or worse), below :attr:`counted_row`."""
        self.warnings: array[int] = array("I")
        """Model rows of warning lines, below :attr:`counted_row`."""
        self.counted_row = 0
        """Rows the count has decided."""
        self.finished = False
        """The count has decided every row the scan found."""
        self.choice = LevelChoice.ALL
        """The level filter (``L``)."""
        self.scanning = True
        """The viewer still scans the file (set by the log screen; read by the worker)."""
        self.tailing = False
        """The file is followed (set by the log screen; read by the worker)."""
        self.busy: Callable[[], bool] = lambda: False
        """Another pass has priority now (the search count; set by the log screen)."""
        self._token = 0

    # -- the count --------------------------------------------------------------------------

    def restart(self) -> None:
        """Count the model's error and warning lines from the top (the model started over)."""
        self._token += 1
        self.errors = array("I")
        self.warnings = array("I")
        self.counted_row = 0
        self.finished = False
        self._count(self._token, self.model.generation)

    @work(thread=True, exclusive=True, group="levels", exit_on_error=False)
    def _count(self, token: int, generation: int) -> None:
        worker = get_current_worker()
        for batch in follow_levels(
            self.model, generation, lambda: worker.is_cancelled,
            scanning=lambda: self.scanning, tailing=lambda: self.tailing, busy=lambda: self.busy(),
        ):
            self.post_message(self.Counted(token, batch))

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        if message.token != self._token:
            message.stop()
            return
        batch = message.batch
        self.errors.extend(batch.errors)
        self.warnings.extend(batch.warnings)
        self.counted_row = batch.done_row
        self.finished = batch.caught_up

    # -- e, E, w, W ---------------------------------------------------------------------------

    def step(self, view: LogView, which: LineLevel, *, forward: bool) -> None:
        """Go to the next (or previous) ``which`` line that ``view`` shows, from its cursor."""
        rows = view.rows
        if not len(rows):
            return
        current = self._start_row(view, forward)
        found = self.errors if which is LineLevel.ERROR else self.warnings
        if not forward and current > self.counted_row and not self.finished:
            self._find(self._token, view, rows, which, self.counted_row, current, False)
            return
        row = next_level_row(rows, found, current, forward=forward)
        if row is not None:
            self.post_message(self.LineChosen(view, row))
        elif forward and not self.finished:
            self._find(self._token, view, rows, which, max(current + 1, self.counted_row), len(self.model),
                       True)
        else:
            self._none(which, forward)

    def _start_row(self, view: LogView, forward: bool) -> int:
        """The model row to step from: the cursor's (before the first row, or past the last, if none)."""
        index = view.cursor_index
        if index is not None:
            return view.rows.merged_index(index)
        return -1 if forward else len(self.model)

    def _none(self, which: LineLevel, forward: bool) -> None:
        where = "below" if forward else "above"
        still = " yet (still counting)" if not self.finished else ""
        self.notify(f"no {which.value} line {where}{still}", timeout=2)

    @work(thread=True, exclusive=True, group="levels-find", exit_on_error=False)
    def _find(
        self, token: int, view: LogView, rows: RowView, which: LineLevel, start_row: int, end_row: int,
        forward: bool,
    ) -> None:
        worker = get_current_worker()
        model = self.model

        def test(_kind: int, message: bytes) -> bool:
            return which.holds(level_of(message))

        found: int | None = None
        shown = _shown_in(rows)
        for batch in scan_rows(
            model.path, model.offsets, model.kinds, start_row, end_row, test,
            should_stop=lambda: worker.is_cancelled, between_blocks=_yield_interpreter,
        ):
            passing = [row for row in batch.rows if shown(row)]
            if passing:
                found = passing[0] if forward else passing[-1]
                if forward:
                    break
        if not worker.is_cancelled:
            self.post_message(self.Found(token, view, found, which, forward))

    @on(Found)
    def _found(self, message: Found) -> None:
        if message.token != self._token:
            return
        if message.row is not None:
            self.post_message(self.LineChosen(message.view, message.row))
            return
        if not message.forward:
            found = self.errors if message.which is LineLevel.ERROR else self.warnings
            row = next_level_row(message.view.rows, found, self.counted_row, forward=False)
            if row is not None:
                self.post_message(self.LineChosen(message.view, row))
                return
        self._none(message.which, message.forward)

    # -- the level filter ---------------------------------------------------------------------

    def cycle(self) -> LevelChoice:
        """The next level filter: all lines → warnings and worse → errors only → all lines."""
        self.choice = self.choice.next()
        return self.choice

    # -- status -------------------------------------------------------------------------------

    def describe(self, *, subset: bool = False, brief: bool = False) -> Text:
        """What the status bar says: the error and warning counts (the level filter is the filter bar's).

        Args:
            subset: the pane shows some of the lines only (a filter, a stream
                choice): the counts, which are the whole file's, say so
                (``in file``).
            brief: in few cells (``file 3 err · 12 warn``), for a narrow bar.
        """
        text = Text("" if brief else " ")
        errors = len(self.errors)
        warnings = len(self.warnings)
        more = "" if self.finished else "+"
        if subset:
            text.append("file " if brief else "in file ", "dim")
        error_word = "err" if brief else f"error{'s' if errors != 1 else ''}"
        warning_word = "warn" if brief else f"warning{'s' if warnings != 1 else ''}"
        text.append(f"{errors:,}{more} {error_word}", "bold red" if errors else "dim")
        text.append(" · ", "dim")
        text.append(f"{warnings:,}{more} {warning_word}", "bold yellow" if warnings else "dim")
        if not self.finished and len(self.model) and not brief:
            fraction = scanned_fraction(self.model, self.counted_row, scanning=self.scanning)
            text.append(f" · counting {fraction:.0%}", "dim")
        text.append(" " if brief else "  ")
        return text


def _shown_in(rows: RowView) -> Callable[[int], bool]:
    """``shown(row)``: does the pane's row view hold model row ``row``?"""

    def shown(row: int) -> bool:
        index = view_index(rows, row)
        return index < len(rows) and rows.merged_index(index) == row

    return shown


def _yield_interpreter() -> None:
    """Let other threads (the UI's first) take the interpreter between two blocks."""
    time.sleep(0)
