"""The row scan of several logs merged by time: each log's rows, in the order ``iolog cat`` prints.

This module owns the merged view's rows and their order. Each log is
scanned into rows as one log is (:class:`~iolog_tui.model.scan.RowScanner`
through :func:`~iolog_tui.model.scan.scan_file`), and a
:class:`TimedRowScanner` also notes each row's time. The order of the rows
of all the logs is not decided here: it is :class:`iolog.Merger`'s, the one
rule of ``iolog cat A B C`` (a k-way merge by each line's first entry's
time, each log keeping its own order, ties to the log given first). The
rows that are no lines take the time of their log's latest line before them
(the merge's key never goes back within a log), so skipped bytes and clock
steps keep their place in their log's order and never move a line.

The merge reads whichever log holds the others back (:meth:`iolog.Merger.wanted`,
the watermark), a batch at a time, so the first screenful shows once each
log's first batch is read, whatever the logs' sizes. While following, what
arrived in every log at each poll is appended in time order (as ``iolog cat
-f`` prints): a line older than lines already shown comes after them, below
its log's own clock-step row if its log's clock went back.

Like the rest of the model it knows nothing of Textual; it runs in the scan
worker, and its :class:`MergedRowBatch` es are applied by
:class:`~iolog_tui.model.mergedrows.MergedModel` on the UI thread.
"""

from __future__ import annotations

import itertools
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

from iolog import Entry, LogFile, Merger

from .rows import RowBatch, RowKind
from .scan import RowScanner, classify_tail, scan_file, settle_tail

__all__ = ["MergedRowBatch", "RowMerge", "TimedRowScanner", "merged_scan"]

#: The time given to rows before a log's first line (they come first).
_EARLIEST_NS = -(1 << 63)
_IS_STDOUT = bytes([1]) + bytes(255)
_IS_STDERR = bytes([0, 1]) + bytes(254)


class TimedRowScanner(RowScanner):
    """A :class:`~iolog_tui.model.scan.RowScanner` that also gives each row its time, for the merge.

    A line row's time is its first entry's; any other row (skipped bytes, a
    truncated tail, a clock step) takes the latest time of the lines before
    it in its log (the earliest time there is before the first line).
    """

    def __init__(
        self,
        generation: int,
        *,
        since_ns: int | None = None,
        until_ns: int | None = None,
        open_lines: tuple[bool, bool] = (False, False),
    ) -> None:
        super().__init__(generation, since_ns=since_ns, until_ns=until_ns, open_lines=open_lines)
        self.stamps: list[int] = []
        self._latest_ns = _EARLIEST_NS

    def feed(self, events: Iterable[object]) -> None:
        """As :meth:`RowScanner.feed`, noting the time of each row it adds."""
        stamps = self.stamps
        for event in events:
            before = self.pending_rows
            super().feed((event,))
            added = self.pending_rows - before
            if not added:
                continue
            if type(event) is Entry:
                if added > 1:  # a clock step, then the line
                    stamps.append(self._latest_ns)
                stamps.append(event.timestamp_ns)
                self._latest_ns = max(self._latest_ns, event.timestamp_ns)
            else:
                stamps.extend([self._latest_ns] * added)

    def feed_run(self, run: LogFile.LineRun) -> None:
        """As :meth:`RowScanner.feed_run` (the run made with ``line_times``), noting each row's time."""
        before = self.pending_rows
        super().feed_run(run)
        times = run.times
        if len(times) != len(run.offsets):
            raise ValueError("a run without its lines' times (line_runs(..., line_times=True))")
        added = self.pending_rows - before
        if not times:
            return
        if added == len(times):
            self.stamps.extend(times)
            self._latest_ns = max(self._latest_ns, max(times))
            return
        kinds = self._batch.kinds
        line_times = iter(times)
        latest = self._latest_ns
        for kind in kinds[len(kinds) - added :]:
            if kind == RowKind.CLOCK_STEP:
                self.stamps.append(latest)
            else:
                stamp = next(line_times)
                self.stamps.append(stamp)
                latest = max(latest, stamp)
        self._latest_ns = latest

    def settle(self, path: str, resume: int, *, final: bool) -> int:
        """At a log's current end, the whole entries the decoder held back become rows.

        ``final`` (a finished log, not followed): also its garbage or torn
        entry at the end (:func:`~iolog_tui.model.scan.settle_tail`); else
        following reads on from the returned offset and meets them then.

        Returns:
            Where following resumes: past the settled entries.

        Raises:
            OSError: the log cannot be read.
        """
        if final:
            return settle_tail(path, self, resume)
        tail = classify_tail(path, resume)
        settled = 0
        while settled < len(tail) and isinstance(tail[settled], Entry):
            resume = tail[settled].end_offset or resume
            settled += 1
        self.feed(tail[:settled])
        return resume

    def take_timed(self, scanned_to: int) -> tuple[RowBatch, list[int]]:
        """:meth:`RowScanner.take`, and the times of the rows taken."""
        stamps, self.stamps = self.stamps, []
        return self.take(scanned_to), stamps


@dataclass(slots=True)
class MergedRowBatch(RowBatch):
    """New rows of several logs, in the merged order, for a :class:`~iolog_tui.model.mergedrows.MergedModel`.

    The inherited ``kinds`` and ``stream_rows`` are the merged rows' (row
    numbers of the merged view); ``offsets`` is unused (a merged row's place
    is its number).

    Attributes:
        new_logs: logs that joined the view (a folder gained them while
            following): ``(path, name)``, numbered after the others.
        log_batches: each log's own new rows, ``(log, batch)``, to apply to
            that log's model first.
        row_logs: for each new merged row, its log.
        row_locals: for each new merged row, its row number in its log.
        merged_of: per log, the merged row numbers of its rows merged now.
    """

    new_logs: list[tuple[str, str]] = field(default_factory=list)
    log_batches: list[tuple[int, RowBatch]] = field(default_factory=list)
    row_logs: array[int] = field(default_factory=lambda: array("B"))
    row_locals: array[int] = field(default_factory=lambda: array("I"))
    merged_of: dict[int, array[int]] = field(default_factory=dict)


class RowMerge:
    """The rows of several logs handed to :class:`iolog.Merger`, and the merged rows it gives back.

    Args:
        count: how many logs at first.
    """

    def __init__(self, count: int) -> None:
        self.merger = Merger(count)
        self._next_local = [0] * count  # per log, its first row not merged yet
        self.merged_count = 0

    def add_log(self) -> int:
        """A log that joins (numbered after the others)."""
        self._next_local.append(0)
        return self.merger.add_source()

    def add(self, log: int, batch: RowBatch, stamps: list[int]) -> None:
        """A log's new rows (in its order) and their times."""
        count = len(batch.kinds)
        if count:
            first = self._next_local[log]
            self._next_local[log] = first + count
            # The merge carries each line's text to its place and looks at nothing in it: here the
            # "texts" are the rows' numbers in their log, which come back in the merged order.
            numbers = cast("list[bytes]", list(range(first, first + count)))
            self.merger.add(log, Merger.Chunk(stamps, bytes(batch.kinds), numbers, True))

    def finish(self, log: int) -> None:
        """The log has no more rows for now (its scan reached its end)."""
        self.merger.finish(log)

    def wanted(self) -> int | None:
        """The log to read next, ``None`` once every log is finished."""
        return self.merger.wanted()

    def take(self, into: MergedRowBatch, *, everything: bool = False) -> None:
        """Put the rows that may be shown now into ``into``, in the merged order (in bulk)."""
        merged = self.merger.take(everything=everything)
        count = len(merged)
        if not count:
            return
        logs = merged.sources
        kinds = merged.streams
        first = self.merged_count
        numbers = range(first, first + count)
        into.kinds.frombytes(kinds)
        into.stream_rows[0].extend(itertools.compress(numbers, kinds.translate(_IS_STDOUT)))
        into.stream_rows[1].extend(itertools.compress(numbers, kinds.translate(_IS_STDERR)))
        into.row_logs.extend(logs)
        into.row_locals.extend(cast("list[int]", merged.texts))
        # Each log's rows, in the merged order: a stable sort of the places by log groups them.
        by_log = sorted(range(count), key=logs.__getitem__)
        start = 0
        for log, rows in sorted(Counter(logs).items()):
            places = into.merged_of.get(log)
            if places is None:
                places = into.merged_of[log] = array("I")
            places.extend(map(first.__add__, by_log[start : start + rows]))
            start += rows
        self.merged_count = first + count


@dataclass
class _Reading:
    """One log's scan in the merged scan: its scanner, its batches, how far it got."""

    scanner: TimedRowScanner
    batches: Iterator[RowBatch]
    resume: int
    read_to: int = 0
    rows_seen: int = 0


def merged_scan(
    paths: Sequence[str],
    merge: RowMerge,
    scanners: Sequence[TimedRowScanner],
    starts: Sequence[int],
    *,
    min_interval_s: float = 0.0,
    resumes: list[int] | None = None,
    final: bool = False,
) -> Iterator[MergedRowBatch]:
    """Scan every log from its start to its current end, yielding the rows in the merged order.

    The log that holds the merge back is read next, a batch at a time
    (:func:`~iolog_tui.model.scan.scan_file`, not at the end of input: the
    logs are followed afterwards). At a log's end, the entries its decoder
    held back are settled (:meth:`TimedRowScanner.settle`) before the merge
    hears that the log has no more, so its last lines take their place by
    time too. A batch goes out at once the first time, then at most once
    per ``min_interval_s``, and at the end.

    Args:
        paths: the logs.
        merge: the merge (its logs numbered as ``paths``).
        scanners: each log's scanner (made for the model's generation).
        starts: where each log's scan starts (an entry boundary).
        min_interval_s: shortest time between two batches after the first.
        resumes: filled with where following each log resumes.
        final: the logs are finished (not followed): their garbage or torn
            entries at the end become rows too.

    Raises:
        OSError: a log cannot be read.
    """
    generation = scanners[0].generation if scanners else 0
    readings = [
        _Reading(scanner, scan_file(path, scanner, start=start, end_of_input=False, line_times=True), start)
        for path, scanner, start in zip(paths, scanners, starts, strict=True)
    ]
    pending = MergedRowBatch(generation)
    shown_once = False
    due = time.monotonic()
    while (log := merge.wanted()) is not None:
        reading = readings[log]
        batch = next(reading.batches, None)
        if batch is None:
            scanner = reading.scanner
            reading.resume = scanner.settle(paths[log], reading.resume, final=final)
            rows, stamps = scanner.take_timed(reading.resume)
            pending.log_batches.append((log, rows))
            merge.add(log, rows, stamps_of(rows, stamps))
            merge.finish(log)
        else:
            stamps, reading.scanner.stamps = reading.scanner.stamps, []
            reading.resume = batch.scanned_to
            reading.read_to = batch.read_to
            reading.rows_seen = batch.rows_seen
            pending.log_batches.append((log, batch))
            merge.add(log, batch, stamps_of(batch, stamps))
        merge.take(pending)
        if len(pending.kinds) and (not shown_once or time.monotonic() >= due):
            shown_once = True
            yield _progress(pending, readings)
            pending = MergedRowBatch(generation)
            due = time.monotonic() + min_interval_s
    if resumes is not None:
        resumes[:] = [reading.resume for reading in readings]
    yield _progress(pending, readings)


def stamps_of(batch: RowBatch, stamps: list[int]) -> list[int]:
    """The times of a batch's rows (checked: one per row)."""
    if len(stamps) != len(batch.kinds):
        raise ValueError(f"{len(stamps)} times for {len(batch.kinds)} rows")
    return stamps


def _progress(batch: MergedRowBatch, readings: Sequence[_Reading]) -> MergedRowBatch:
    """``batch`` with the logs' progress added up (how far read, rows seen)."""
    batch.scanned_to = sum(reading.resume for reading in readings)
    batch.read_to = max(batch.scanned_to, sum(reading.read_to for reading in readings))
    batch.rows_seen = sum(reading.rows_seen for reading in readings)
    return batch


def follow_batch(
    generation: int,
    merge: RowMerge,
    arrived: Iterable[tuple[int, RowBatch, list[int]]],
    *,
    rows_seen: Callable[[], int] = lambda: 0,
) -> MergedRowBatch:
    """What arrived in the followed logs at one poll: ``(log, batch, times)``, appended in time order."""
    batch = MergedRowBatch(generation)
    for log, rows, stamps in arrived:
        batch.log_batches.append((log, rows))
        merge.add(log, rows, stamps_of(rows, stamps))
    merge.take(batch, everything=True)
    batch.rows_seen = rows_seen()
    return batch
