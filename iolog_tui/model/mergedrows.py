"""The row model of several logs merged by time: each row read back from its own log.

This module owns the merged view's rows. A :class:`MergedModel` is a
:class:`~iolog_tui.model.rows.LogModel` whose rows come from several logs:
each log has its own :class:`LogModel` (its rows by byte offset, as for one
log, read back from its own file through its own cache), and the merged
model keeps, per merged row, its log (``row_logs``) and its row number in
that log (``row_locals``), in the order of
:mod:`~iolog_tui.model.mergescan` (``iolog cat``'s). Per log,
``merged_of[log]`` gives the merged row of each of its rows (increasing), so
a log's row (a search hit, a detail) is found among the merged rows by one
look-up.

A merged row's place is its number: the inherited ``offsets`` are ``0, 1,
2, ...`` (:class:`RowPlaces`, kept as a count; they grow with the row
number, as every caller that bisects them expects: the cursor kept across a
filter, marks, the split's alignment), and
a row read with :meth:`MergedModel.row` carries that number as its
``offset`` and its log as its ``source``. What reads a log's bytes asks
:meth:`MergedModel.located` for the log and its own offset.

Which logs are shown (:meth:`MergedModel.show_logs`: the source filter):
the model's views (:class:`LogsView`) then hold the shown logs' rows only,
and the walks over rows (search, filter, levels) pass the others over.

As for one log, the UI thread owns the model and alone changes it
(:meth:`MergedModel.apply`); the scan worker makes the batches.
"""

from __future__ import annotations

import dataclasses
import heapq
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import overload

from iolog import Stream

from .mergescan import MergedRowBatch, RowMerge, TimedRowScanner, merged_scan
from .rows import LogModel, Row, RowBatch, RowKind, RowView

__all__ = ["LogsView", "MergedModel", "RowPlaces", "merged_passing_rows", "row_at_time", "scan_whole_logs"]

_CACHE_ROWS = 4096

class RowPlaces(Sequence[int]):
    """A merged model's ``offsets``: each row's place, which is its number (``0, 1, 2, ...``).

    They grow with the row number, as every caller that bisects offsets
    expects, and cost no memory. What walks rows by their offsets in one
    file (the search count, the filter, the level count:
    :func:`~iolog_tui.model.blockmatch.passing_rows`) sees by this type that
    the rows are of several logs, and walks each log's own.
    """

    __slots__ = ("model", "rows")

    def __init__(self, model: MergedModel) -> None:
        self.model = model
        self.rows = 0

    def __len__(self) -> int:
        return self.rows

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...

    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        places = range(self.rows)
        return places[index] if isinstance(index, slice) else places[index]


class LogsView(RowView):
    """A merged view's rows (all, or one stream's) of the logs shown (:meth:`MergedModel.show_logs`).

    With every log shown it is the plain :class:`RowView`; else its rows are
    the model's list of the shown logs' rows.
    """

    model: MergedModel

    def _shown(self) -> array[int] | None:
        shown = self.model.shown_rows
        return None if shown is None else shown[0 if self.stream is None else 1 + int(self.stream)]

    def __len__(self) -> int:
        shown = self._shown()
        return super().__len__() if shown is None else len(shown)

    def merged_index(self, index: int) -> int:
        """The model row number of this view's row ``index``."""
        shown = self._shown()
        return super().merged_index(index) if shown is None else shown[index]

    def index_at_offset(self, offset: int) -> int:
        """The first row of this view at or after place ``offset`` (a merged row's number)."""
        shown = self._shown()
        return super().index_at_offset(offset) if shown is None else bisect_left(shown, offset)


class MergedModel(LogModel):
    """The rows of several logs, merged by time.

    Args:
        paths: the logs, in the order given.
        names: what each log is called (its source column).

    Raises:
        OSError: a log cannot be opened.
    """

    def __init__(self, paths: Sequence[str], names: Sequence[str]) -> None:
        super().__init__(paths[0])
        self.logs: list[LogModel] = []
        self.names: list[str] = []
        self.row_logs: array[int] = array("B")
        self.row_locals: array[int] = array("I")
        self.merged_of: list[array[int]] = []
        self._merged_cache: OrderedDict[int, tuple[Row, Row]] = OrderedDict()
        self.places = RowPlaces(self)
        self.offsets = self.places  # type: ignore[assignment]  # a merged row's place is its number
        self.hidden: frozenset[int] = frozenset()
        """The logs not shown (:meth:`show_logs`)."""
        self.shown_rows: tuple[array[int], array[int], array[int]] | None = None
        """With logs hidden, the shown logs' rows: all, stdout's, stderr's (else ``None``)."""
        self.merged = LogsView(self, None)
        self.stdout = LogsView(self, Stream.STDOUT)
        self.stderr = LogsView(self, Stream.STDERR)
        try:
            for path, name in zip(paths, names, strict=True):
                self.add_log(path, name)
        except OSError:
            self.close()
            raise

    @property
    def paths(self) -> list[str]:
        """Each log's path."""
        return [log.path for log in self.logs]

    def add_log(self, path: str, name: str) -> int:
        """A log that joins the view (after the others); returns its number.

        Raises:
            OSError: it cannot be opened.
        """
        log = LogModel(path)
        log.generation = self.generation
        self.logs.append(log)
        self.names.append(name)
        self.merged_of.append(array("I"))
        return len(self.logs) - 1

    @property
    def size(self) -> int:
        """The logs' sizes added up."""
        return sum(log.size for log in self.logs)

    def reset(self, *, reopen: bool = False) -> int:
        """Forget every row of every log and start a new generation (see :meth:`LogModel.reset`)."""
        generation = super().reset(reopen=reopen)
        self.places = RowPlaces(self)
        self.offsets = self.places  # type: ignore[assignment]
        for log in self.logs:
            log.reset(reopen=reopen)
            log.generation = generation
        self.row_logs = array("B")
        self.row_locals = array("I")
        self.merged_of = [array("I") for _ in self.logs]
        self._merged_cache.clear()
        self.show_logs(self.hidden)
        return generation

    def show_logs(self, hidden: frozenset[int]) -> None:
        """Show the rows of every log but ``hidden`` (search, filters and counts walk those only)."""
        self.hidden = frozenset(log for log in hidden if 0 <= log < len(self.logs))
        if not self.hidden:
            self.shown_rows = None
            return
        shown = [self.merged_of[log] for log in range(len(self.logs)) if log not in self.hidden]
        rows = array("I", heapq.merge(*shown))
        self.shown_rows = (rows, array("I"), array("I"))
        self._split_streams(rows)

    def _split_streams(self, rows: array[int]) -> None:
        """Add the line rows among ``rows`` to the shown stdout and stderr rows."""
        assert self.shown_rows is not None
        kinds = self.kinds
        for row in rows:
            kind = kinds[row]
            if kind <= RowKind.STDERR:
                self.shown_rows[1 + kind].append(row)

    def apply(self, batch: RowBatch) -> bool:
        """Append a merged scan's batch (each log's rows, then the merged order).

        Returns:
            False when the batch belongs to an older generation (ignored).
        """
        if batch.generation != self.generation or not isinstance(batch, MergedRowBatch):
            return False
        for path, name in batch.new_logs:
            self.add_log(path, name)
        for log, rows in batch.log_batches:
            self.logs[log].apply(rows)
        first = len(self.kinds)
        self.places.rows = first + len(batch.kinds)
        self.kinds.extend(batch.kinds)
        self.stream_rows[0].extend(batch.stream_rows[0])
        self.stream_rows[1].extend(batch.stream_rows[1])
        self.row_logs.extend(batch.row_logs)
        self.row_locals.extend(batch.row_locals)
        for log, numbers in batch.merged_of.items():
            self.merged_of[log].extend(numbers)
        if self.shown_rows is not None:
            added = array("I", (row for row in range(first, len(self.kinds))
                                if self.row_logs[row] not in self.hidden))
            self.shown_rows[0].extend(added)
            self._split_streams(added)
        self.scanned_to = batch.scanned_to
        self.rows_seen = batch.rows_seen
        return True

    def located(self, index: int) -> tuple[int, int]:
        """Merged row ``index``'s log and its row number there."""
        return self.row_logs[index], self.row_locals[index]

    def row(self, index: int) -> Row:
        """Merged row ``index``, read from its own log (cached there).

        Its ``offset`` is ``index`` (its place in the merged view) and its
        ``source`` its log.

        Raises:
            IndexError: no such row.
        """
        log, local = self.row_logs[index], self.row_locals[index]
        own = self.logs[log].row(local)
        cache = self._merged_cache
        cached = cache.get(index)
        if cached is not None and cached[0] is own:
            cache.move_to_end(index)
            return cached[1]
        row = dataclasses.replace(own, offset=index, source=log)
        cache[index] = (own, row)
        cache.move_to_end(index)
        if len(cache) > _CACHE_ROWS:
            cache.popitem(last=False)
        return row

    def own_offset(self, index: int) -> int:
        """Merged row ``index``'s byte offset in its own log."""
        log, local = self.row_logs[index], self.row_locals[index]
        return self.logs[log].offsets[local]

    @property
    def clock_steps(self) -> int:
        """How many clock-step rows the logs hold."""
        return sum(log.clock_steps for log in self.logs)

    def lines_per_log(self) -> list[int]:
        """How many line rows of each log the merged view holds."""
        return [len(log.stdout) + len(log.stderr) for log in self.logs]

    def close(self) -> None:
        """Close every log."""
        super().close()
        for log in self.logs:
            log.close()


def scan_whole_logs(model: MergedModel) -> None:
    """Scan finished logs into ``model`` on this thread, to their very ends, merged.

    What the merged scan worker does, for logs that are not followed, in one
    call (for tools and tests): every log's rows in the merged order, each
    log's end settled (its garbage or torn entry there a row too).

    Raises:
        OSError: a log cannot be read.
    """
    generation = model.reset()
    merge = RowMerge(len(model.logs))
    scanners = [TimedRowScanner(generation) for _ in model.logs]
    for batch in merged_scan(model.paths, merge, scanners, [0] * len(scanners), final=True):
        model.apply(batch)


#: Merged rows decided per block of the walk of each log (a batch of rows found).
WALK_BLOCK_ROWS = 1 << 16


def merged_passing_rows(
    model: MergedModel,
    start_row: int,
    end_row: int,
    walk: Callable[[LogModel, int, int], Iterator[tuple[list[int], int]]],
) -> Iterator[tuple[list[int], int]]:
    """The merged rows of ``[start_row, end_row)`` that pass, each log's rows walked in its own file.

    Args:
        model: the merged model.
        start_row: the first merged row to decide.
        end_row: one past the last.
        walk: ``walk(log_model, first, end)`` yields ``(rows, done_row)`` of
            that log's own rows (:func:`~iolog_tui.model.blockmatch.passing_rows`).

    Yields:
        ``(rows, done_row)`` per block of merged rows: the passing rows,
        increasing, and the merged row below which all are decided.
    """
    end_row = min(end_row, len(model.row_logs))
    row = start_row
    if row >= end_row:
        yield [], end_row
        return
    while row < end_row:
        block_end = min(end_row, row + WALK_BLOCK_ROWS)
        passed: list[int] = []
        for log, own in enumerate(model.logs):
            if log in model.hidden:
                continue
            merged = model.merged_of[log]
            first, end = bisect_left(merged, row), bisect_left(merged, block_end)
            if first < end:
                for rows, _done in walk(own, first, end):
                    passed.extend(merged[local] for local in rows)
        passed.sort()
        yield passed, block_end
        row = block_end


def row_at_time(model: MergedModel, end_row: int, seek: Callable[[str], int]) -> int:
    """The first merged row below ``end_row`` that is at or after a time in its log (``end_row``: none).

    Each log is sought on its own (``seek(path)``: the offset of its first
    entry at or after the time, in file order, as
    :meth:`~iolog_tui.model.navigation.Navigator.seek` finds it); the answer is
    the earliest of those rows in the merged order. Called in a worker: the
    arrays are read below ``end_row``.
    """
    found = end_row
    for log, own in enumerate(model.logs):
        merged = model.merged_of[log]
        known = bisect_left(merged, end_row)
        local = bisect_left(own.offsets, seek(own.path), 0, known)
        if local < known:
            found = min(found, merged[local])
    return found
