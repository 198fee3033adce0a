"""The filter bar: which rows each pane shows (the stream choice, the filter stack, context).

This module owns the state of the filters and their workers:

- the stream choice (keys 1, 2, 3) switches the merged pane to one stream;
- the filter stack (``&`` adds a filter, the filter list changes them; the
  rule is :class:`~iolog_tui.model.filterstack.FilterStack`) is applied to
  the model's rows in a worker thread with
  :func:`~iolog_tui.model.count.follow_rows` (going on as rows arrive while
  following), one walk of the file for the whole stack; the kept rows are
  one compact array per pane, built on the UI thread from the
  :class:`FilterBar.Passed` messages the worker posts;
- once the filter has caught up, a second worker counts the lines each
  filter matches (:class:`FilterBar.Counted`), for the filter list;
- context lines (``C``) show the rows around each kept row
  (:class:`~iolog_tui.model.context.ContextRows`).

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
from textual.worker import Worker, get_current_worker

from iolog import Stream

from .logview import LogView
from .model.context import ContextRows
from .model.count import follow_rows, scanned_fraction
from .model.filterstack import FilterStack, RowFilter, matched_filters
from .model.levelrows import LevelChoice
from .model.rows import LogModel, RowKind, RowView
from .model.search import FilteredRows, RowTest, ScanBatch
from .safetext import safe_label

__all__ = ["FilterBar", "FilterCounts"]

#: How much of the file's start the filter reads to choose its needle by.
_SAMPLE_BYTES = 1 << 20
#: A filter's count: what it matches (see :attr:`RowFilter.key`).
FilterKey = tuple[str, bool, bool, bool]


@dataclass(frozen=True)
class FilterCounts:
    """How far the per-filter count has got: lines each filter matches, and progress.

    Attributes:
        lines: by :attr:`RowFilter.key`, the lines it matches (so far).
        finished: the keys whose count is complete (for the rows the scan found).
        fraction: how far into the file the count is, for the keys not finished.
    """

    lines: dict[FilterKey, int]
    finished: frozenset[FilterKey]
    fraction: float


class FilterBar(Widget):
    """The stream choice, the filter stack and context lines.

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

    @dataclass
    class Counted(Message):
        """The per-filter count went further (``lines``: per filter counted, so far)."""

        token: int
        keys: tuple[FilterKey, ...]
        lines: tuple[int, ...]
        done_row: int
        finished: bool = False

    def __init__(self, model: LogModel, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.model = model
        self.stream_choice: Stream | None = None
        """The one stream the merged pane shows (keys 1 and 2), ``None`` for both."""
        self.stack = FilterStack()
        """The filters (``&``, the filter list)."""
        self.context_lines = 0
        """Rows of context shown before and after each kept row (``C``; 0: none)."""
        self.done_row = 0
        """Rows the filter has decided so far."""
        self.finished = False
        """The filter has decided every row the scan found."""
        self.scanning = True
        """The viewer still scans the file (set by the log screen; read by the workers)."""
        self.tailing = False
        """The file is followed (set by the log screen; read by the workers)."""
        self._passing: tuple[array[int], array[int], array[int]] = _arrays()
        self._token = 0
        self._counts: dict[FilterKey, int] = {}
        self._counted: set[FilterKey] = set()
        self._count_rows: dict[FilterKey, int] = {}
        self._count_jobs: list[tuple[frozenset[FilterKey], Worker[None]]] = []
        self._count_token = 0

    # -- which rows a pane shows ----------------------------------------------------------

    def pane_stream(self, view: LogView) -> Stream | None:
        """The stream ``view`` shows, ``None`` for both."""
        if view.id == "stdout":
            return Stream.STDOUT
        if view.id == "stderr":
            return Stream.STDERR
        return self.stream_choice

    def shown_test(self, view: LogView) -> RowTest:
        """``test(kind, message)``: is a line kept in ``view`` (stream and filters)?

        Context rows are shown but are not kept: they do not pass.
        """
        stream = self.pane_stream(view)
        return self.stack.row_test((0, 1) if stream is None else (int(stream),))

    def rows_for(self, view: LogView) -> RowView:
        """The rows ``view`` shows now."""
        model = self.model
        stream = self.pane_stream(view)
        if not self.stack.filtering:
            if stream is None:
                return model.merged
            return model.stdout if stream is Stream.STDOUT else model.stderr
        passing = self._passing[0 if stream is None else 1 + int(stream)]
        if self.context_lines:
            return ContextRows(model, passing, stream, self.context_lines)
        return FilteredRows(model, passing, stream)

    def kept_lines(self) -> int:
        """How many lines of the stream choice the filters keep (so far)."""
        stream = self.stream_choice
        return len(self._passing[0 if stream is None else 1 + int(stream)])

    def total_lines(self, stream: Stream | None) -> int:
        """How many lines of ``stream`` (``None``: both) there are without the filters."""
        model = self.model
        if stream is None:
            return len(model.stdout) + len(model.stderr)
        return len(model.stdout if stream is Stream.STDOUT else model.stderr)

    @staticmethod
    def shown_model_rows(rows: RowView) -> bytearray | None:
        """For rows with context, a flag per model row: it is shown (else ``None``: use the test)."""
        return rows.shown_flags() if isinstance(rows, ContextRows) else None

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
        self._forget_counts()
        self._count_missing()
        return True

    def apply(self, stack: FilterStack) -> None:
        """Filter with ``stack`` (an empty one, or all off: every row).

        The panes show the new rows once they are given :meth:`rows_for` again.
        """
        before = self.stack
        self.stack = stack
        if stack.active != before.active or stack.level != before.level or not stack.filtering:
            self._token += 1
            self.workers.cancel_group(self, "filter")
            self._passing = _arrays()
            self.done_row = 0
            self.finished = not stack.filtering
            if stack.filtering:
                self._start(stack)
        self._count_missing()

    def set_context(self, lines: int) -> bool:
        """Show ``lines`` rows of context around each kept row (0: none).

        Returns:
            Whether that changed anything (the panes need their rows again).
        """
        lines = max(0, lines)
        changed = lines != self.context_lines
        self.context_lines = lines
        if lines and not self.stack.filtering and self.is_mounted:
            self.notify(f"{lines} lines of context will show around the lines a filter keeps (&)", timeout=4)
        return changed

    def restart(self) -> bool:
        """The model started over (new time window, file replaced): filter and count again.

        Returns:
            Whether a filter is in effect (the panes need their rows again).
        """
        self._forget_counts()
        if not self.stack.filtering:
            self._count_missing()
            return False
        self._token += 1
        self._passing = _arrays()
        self._start(self.stack)
        return True

    def _start(self, stack: FilterStack) -> None:
        self.done_row = 0
        self.finished = False
        self._scan(self._token, self.model.generation, stack)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def _scan(self, token: int, generation: int, stack: FilterStack) -> None:
        worker = get_current_worker()
        needle, exact_case = stack.needle_in(_sample(self.model.path))
        for batch, finished in follow_rows(
            self.model, generation, 0, stack.row_test(), lambda: worker.is_cancelled,
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
        caught_up = message.finished and not self.finished
        self.finished = message.finished
        if caught_up:
            self._count_missing()

    # -- each filter's count ----------------------------------------------------------------

    def counts(self) -> FilterCounts:
        """The lines each filter matches (among those of the stream choice), as counted so far."""
        waiting = [row for key, row in self._count_rows.items() if key not in self._counted]
        row = min(waiting) if waiting else len(self.model)
        fraction = scanned_fraction(self.model, row, scanning=self.scanning)
        return FilterCounts(dict(self._counts), frozenset(self._counted), fraction)

    def _forget_counts(self) -> None:
        self._count_token += 1
        for _keys, worker in self._count_jobs:
            worker.cancel()
        self._count_jobs = []
        self._counts = {}
        self._count_rows = {}
        self._counted = set()

    def _count_missing(self) -> None:
        """Count the filters no job counts yet, once the filter has caught up (it goes first).

        The filters added together are counted in one walk; a job goes on
        (following the file) while any of its filters is in the stack.
        """
        keys = {f.key for f in self.stack.filters}
        for job in [job for job in self._count_jobs if not job[0] & keys]:
            job[1].cancel()
            self._count_jobs.remove(job)
        if not self.is_mounted or (self.stack.filtering and not self.finished):
            return
        counting = set().union(*(job_keys for job_keys, _worker in self._count_jobs))
        missing = list({f.key: f for f in self.stack.filters if f.key not in counting}.values())
        if not missing:
            return
        for row_filter in missing:
            self._count_rows[row_filter.key] = 0
        streams = (0, 1) if self.stream_choice is None else (int(self.stream_choice),)
        worker = self._count(self._count_token, self.model.generation, missing, streams)
        self._count_jobs.append((frozenset(f.key for f in missing), worker))

    @work(thread=True, group="count", exit_on_error=False)
    def _count(
        self, token: int, generation: int, filters: list[RowFilter], streams: tuple[int, ...]
    ) -> None:
        worker = get_current_worker()
        matched = matched_filters(filters)
        lines = [0] * len(filters)
        keys = tuple(f.key for f in filters)

        def test(kind: int, message: bytes) -> bool:
            if kind in streams:
                for number, hit in enumerate(matched(message)):
                    if hit:
                        lines[number] += 1
            return False

        # One filter: its needle rules out the lines it cannot match.
        needle = filters[0].matcher.needle if len(filters) == 1 else None
        exact_case = filters[0].matcher.case_sensitive if len(filters) == 1 else True
        for batch, finished in follow_rows(
            self.model, generation, 0, test, lambda: worker.is_cancelled,
            scanning=lambda: self.scanning, tailing=lambda: self.tailing,
            needle=needle, exact_case=exact_case,
        ):
            self.post_message(self.Counted(token, keys, tuple(lines), batch.done_row, finished))

    @on(Counted)
    def _counted_more(self, message: Counted) -> None:
        if message.token != self._count_token:
            message.stop()
            return
        self._counts.update(zip(message.keys, message.lines, strict=True))
        self._count_rows.update(dict.fromkeys(message.keys, message.done_row))
        if message.finished:
            self._counted.update(message.keys)

    # -- status ---------------------------------------------------------------------------

    def describe(self, *, split: bool, rows: RowView, brief: bool = False) -> Text:
        """What the status bar says of the filters (``rows``: those of the pane worked in).

        ``brief``: in few cells for a narrow bar: what the filters look for
        gives way first (``filter`` or ``3 filters`` with the count of lines
        kept), the level filter is named short.
        """
        text = Text()
        model = self.model
        if self.stream_choice is not None and not split:
            name = self.stream_choice.name.lower()
            text.append(f" {name} only ", "bold reverse green" if name == "stdout" else "bold reverse red")
            text.append(" ")
        stack = self.stack
        level = stack.level is not LevelChoice.ALL
        if not len(stack) and not level:
            return text
        active = stack.active
        if not active and not level:
            text.append(f" {_filters(len(stack))} off ", "bold reverse blue")
            text.append("  ")
            return text
        total = self.total_lines(rows.stream)
        kept = rows.kept_rows if isinstance(rows, ContextRows) else len(rows)
        pad = "" if brief else " "
        if level:
            named = stack.level.short_label if brief else stack.level.label
            text.append(f"{pad}{named}{pad}", "bold reverse red")
            text.append(" ")
        if len(stack) == 1 and active:
            only = active[0]
            text.append(f"{pad}{'hide' if only.exclude else 'filter'}{pad}", "bold reverse blue")
            if not brief:
                text.append(f" {safe_label(only.matcher.describe())} ·")
        elif len(stack):
            label = _filters(len(stack))
            if len(active) < len(stack):
                label = f"{len(active)} of {label} on"
            text.append(f"{pad}{label}{pad}", "bold reverse blue")
        text.append(f" {kept:,}/{total:,} lines" if brief else f" {kept:,} of {total:,} lines")
        if self.context_lines:
            text.append(f" · ±{self.context_lines}" if brief else f" · ±{self.context_lines} context")
        if not self.finished and len(model):
            fraction = scanned_fraction(model, self.done_row, scanning=self.scanning)
            text.append(f" · {fraction:.0%}" if brief else f" · filtering {fraction:.0%}", "bold yellow")
        text.append("  ")
        return text


def _filters(count: int) -> str:
    return f"{count} filter{'s' if count != 1 else ''}"


def _sample(path: str) -> bytes:
    """The file's first bytes, to choose the filter's needle by (empty if it cannot be read)."""
    try:
        with open(path, "rb") as log:
            return log.read(_SAMPLE_BYTES)
    except OSError:
        return b""


def _arrays() -> tuple[array[int], array[int], array[int]]:
    return array("I"), array("I"), array("I")
