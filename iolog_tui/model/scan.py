"""The row scan: decoder events and fast-walk batches into rows, in a worker.

This module owns turning a log file into the compact row arrays of
:class:`~iolog_tui.model.rows.LogModel`. A :class:`RowScanner` makes a row of
each logical line, at its first entry, by the one line rule
(:class:`iolog.LineState`: an entry that does not end in a newline continues
in the next entry of its stream; damage ends the open lines), and a row of
each run of skipped garbage and of a truncated tail. :func:`scan_file` drives
it over a file through :meth:`iolog.LogFile.line_runs` and hands the rows over
in :class:`RowBatch` es, on time even while the decoder passes over a long
run of garbage. Like the model, it knows nothing of Textual.

The time window. With ``since_ns``/``until_ns`` a line is shown (has a row)
when it *begins* in the window: when its first entry's time ``t`` has
``since_ns <= t < until_ns``. Its later entries belong to it whatever their
times, and an entry in the window that continues a line begun outside it is
not a row. Garbage rows are shown wherever the scan reads.

Clock steps. Where a line's time (its first entry's header time) is
earlier than that of the line row before it, the scan puts a clock-step row
right before it (an NTP correction, a VM resumed with an old clock): "clock
stepped back 45.0 s". Any step back counts, however small: in one file the
entries are stamped in the order they are written, so the line rows' times
never go back unless the clock did, and a minimum would hide small steps
that still put lines out of time order (and break a reader's sense of
"before"). The separator's offset is one byte before its line's (offsets
stay increasing, and looking a line up by its offset finds the line).
Lines outside the time window are no rows, and are not compared.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator

from iolog import Decoder, Entry, LineState, LogFile, Skipped, Truncated

from .rows import LogModel, RowBatch, RowKind

__all__ = ["RowScanner", "classify_tail", "scan_file", "scan_whole_file", "settle_tail"]

#: Bytes decoded before the first batch is handed over (the first screenful).
FIRST_BATCH_BYTES = 64 * 1024
#: Bytes decoded per later batch.
BATCH_BYTES = 1024 * 1024
#: The first batch is handed over this soon, however little was decided.
FIRST_HANDOVER_S = 0.05
#: Later batches are handed over at least this often (progress through garbage).
HANDOVER_S = 0.25
#: A batch is handed over once it holds this many rows, however soon: on a big file
#: the scan outruns the interval, and a batch's arrays (13 bytes a row) waiting for
#: the model, freed once taken, raise the viewer's peak memory and leave the heap
#: in pieces (1 GiB: peak 113-120 MiB with one batch per interval, 97-101 with this).
#: Such a batch is marked early: the model takes its rows at once, and they are
#: drawn with the next batch that is due (a redraw per early batch, while the pane
#: follows the end, cost the 1 GiB scan 0.7-1 s).
MAX_BATCH_ROWS = 1 << 17


class RowScanner:
    """Turn decoder events into rows, optionally keeping a time window only.

    Which entries start a line is decided by :class:`iolog.LineState` (one
    entry at a time, or a fast-walk batch at once), and damage ends the open
    lines there, as everywhere else. A line's row is kept when the line's
    first entry is in the window. Runs wherever the events are read (a worker
    thread); it shares nothing with the model but the row numbers it hands
    out, which start at 0 for a fresh model generation.

    Args:
        generation: the model generation the rows are for.
        since_ns: keep rows whose first entry is at or after this time.
        until_ns: keep rows whose first entry is before this time.
        open_lines: for stdout and stderr, whether a line is open where the
            events start (a scan that does not start at the beginning of
            the log: see :meth:`iolog_tui.model.navigation.Navigator.lines_open_at`).
    """

    def __init__(
        self,
        generation: int,
        *,
        since_ns: int | None = None,
        until_ns: int | None = None,
        open_lines: tuple[bool, bool] = (False, False),
    ) -> None:
        self.generation = generation
        self.since_ns = since_ns
        self.until_ns = until_ns
        self.row_count = 0
        self.rows_seen = 0
        self._state = LineState(open_lines)
        # Per stream, the row of the open line when it is kept (a row), else None.
        self._open_row: list[int | None] = [None, None]
        self._provisional = 0
        self._saved: tuple[tuple[bool, bool], tuple[int | None, int | None], int | None] | None = None
        self._last_ns: int | None = None  # the time of the last line row
        self._batch = RowBatch(generation)

    def _in_window(self, timestamp_ns: int) -> bool:
        since_ns = self.since_ns
        until_ns = self.until_ns
        return (since_ns is None or timestamp_ns >= since_ns) and (
            until_ns is None or timestamp_ns < until_ns
        )

    def feed(self, events: Iterable[object]) -> None:
        """Add decoder events (entries, ``Skipped``, ``Truncated``); others are ignored."""
        batch = self._batch
        offsets_append = batch.offsets.append
        kinds_append = batch.kinds.append
        state = self._state
        opened = state.open
        open_row = self._open_row
        stream_appends = (batch.stream_rows[0].append, batch.stream_rows[1].append)
        for event in events:
            if type(event) is Entry:
                stream = int(event.stream)
                if not state.entry(stream, event.message):
                    if not opened[stream]:
                        open_row[stream] = None  # the line it continued has ended
                    continue
                self.rows_seen += 1
                if not self._in_window(event.timestamp_ns):
                    open_row[stream] = None
                    continue
                last_ns = self._last_ns
                if last_ns is not None and event.timestamp_ns < last_ns:
                    self._step(batch, (event.offset or 0) - 1, last_ns - event.timestamp_ns)
                self._last_ns = event.timestamp_ns
                offsets_append(event.offset or 0)
                kinds_append(stream)
                stream_appends[stream](self.row_count)
                open_row[stream] = self.row_count if opened[stream] else None
                self.row_count += 1
            elif isinstance(event, (Skipped, Truncated)):
                state.damage()
                opened = state.open
                open_row[0] = open_row[1] = None
                offsets_append(event.offset)
                kinds_append(RowKind.SKIPPED if isinstance(event, Skipped) else RowKind.TRUNCATED)
                batch.garbage[event.offset] = event.length
                self.row_count += 1
                self.rows_seen += 1

    def _step(self, batch: RowBatch, offset: int, back_ns: int) -> None:
        """Add a clock-step row at ``offset`` (the clock went ``back_ns`` back)."""
        batch.offsets.append(offset)
        batch.kinds.append(RowKind.CLOCK_STEP)
        batch.steps[offset] = back_ns
        self.row_count += 1

    @property
    def pending_rows(self) -> int:
        """Rows found since the last :meth:`take`."""
        return len(self._batch.offsets)

    @property
    def line_state(self) -> LineState:
        """Which streams have a line open where the events fed so far end (the codec's walk updates it)."""
        return self._state

    def feed_run(self, run: LogFile.LineRun) -> None:
        """Add the lines a run of the fast walk begins (same rows as :meth:`feed`).

        The run was made with :attr:`line_state` and this scanner's window
        (see :meth:`iolog.LogFile.line_runs`), which has already accounted for it.
        A line earlier than the line before it gets a clock-step row first.
        """
        self.rows_seen += run.begun
        if not run.offsets:
            line_rows: list[int] | None = None
        elif run.line_ns:  # out of order within the run: line by line
            line_rows = self._lines_with_steps(run)
        else:
            last_ns = self._last_ns
            if last_ns is not None and run.first_ns < last_ns:
                self._step(self._batch, run.offsets[0] - 1, last_ns - run.first_ns)
            self._last_ns = run.last_ns
            line_rows = None
            first_row = self.row_count
            rows = self._batch
            rows.offsets.extend(run.offsets)
            rows.kinds.frombytes(run.streams)
            stdout_rows, stderr_rows = run.numbered(first_row)
            rows.stream_rows[0].extend(stdout_rows)
            rows.stream_rows[1].extend(stderr_rows)
            self.row_count = first_row + len(run.offsets)
        # The row of each stream's open line: that of the last line begun here,
        # if it is still open; unchanged if none began here and one still is.
        opened = self._state.open
        open_row = self._open_row
        first_row = self.row_count - len(run.offsets)
        for stream in (0, 1):
            last = run.last_kept[stream]
            if not opened[stream]:
                open_row[stream] = None
            elif last >= 0:
                open_row[stream] = first_row + last if line_rows is None else line_rows[last]
            elif last == -1:
                open_row[stream] = None

    def _lines_with_steps(self, run: LogFile.LineRun) -> list[int]:
        """A run's rows one by one, a clock-step row before each line back in time; their rows."""
        rows = self._batch
        line_rows: list[int] = []
        for offset, stream, stamp in zip(run.offsets, run.streams, run.line_ns, strict=True):
            last_ns = self._last_ns
            if last_ns is not None and stamp < last_ns:
                self._step(rows, offset - 1, last_ns - stamp)
            self._last_ns = stamp
            line_rows.append(self.row_count)
            rows.offsets.append(offset)
            rows.kinds.append(stream)
            rows.stream_rows[stream].append(self.row_count)
            self.row_count += 1
        return line_rows

    def provisional_tail(self, events: Iterable[object]) -> None:
        """Add rows for the undecodable or incomplete bytes at the current end.

        They are taken back by :meth:`retract_tail` if following resumes,
        and with them the end of the lines they closed.
        """
        if self._saved is None:
            state = self._state.open
            self._saved = ((state[0], state[1]), (self._open_row[0], self._open_row[1]), self._last_ns)
        before = self.row_count
        self.feed(events)
        self._provisional += self.row_count - before

    def retract_tail(self) -> None:
        """Take back the rows added by :meth:`provisional_tail`."""
        batch = self._batch
        while self._provisional:
            self._provisional -= 1
            if batch.offsets:
                offset = batch.offsets.pop()
                kind = batch.kinds.pop()
                if kind <= RowKind.STDERR:
                    batch.stream_rows[kind].pop()
                batch.garbage.pop(offset, None)
                batch.steps.pop(offset, None)
            else:
                batch.retract += 1
            self.row_count -= 1
            self.rows_seen -= 1
        if self._saved is not None:
            (open_lines, open_rows, self._last_ns), self._saved = self._saved, None
            self._state = LineState(open_lines)
            self._open_row = list(open_rows)

    def take(
        self,
        scanned_to: int,
        *,
        read_to: int | None = None,
        skipping_from: int | None = None,
        early: bool = False,
    ) -> RowBatch:
        """Return the rows found since the last ``take`` and start a new batch.

        Args:
            scanned_to: file offset the scan has decided every byte up to.
            read_to: file offset the scan has read up to (default: ``scanned_to``).
            skipping_from: where the undecodable bytes being passed over begin.
            early: the batch is handed over only to free its arrays (see :attr:`RowBatch.early`).
        """
        batch = self._batch
        batch.early = early
        batch.open_rows = (self._open_row[0], self._open_row[1])
        batch.scanned_to = scanned_to
        batch.read_to = max(scanned_to, read_to or 0)
        batch.skipping_from = skipping_from
        batch.rows_seen = self.rows_seen
        self._batch = RowBatch(self.generation)
        return batch


def scan_file(
    path: str | os.PathLike[str],
    scanner: RowScanner,
    *,
    start: int = 0,
    end_of_input: bool = True,
    min_interval_s: float = 0.0,
    line_times: bool = False,
) -> Iterator[RowBatch]:
    """Decode a file from ``start`` to its current end, yielding row batches.

    The file is read with :meth:`iolog.LogFile.line_runs`: where headers chain
    cleanly, rows come from arrays of line starts with no object per entry
    or line; elsewhere from the decoder's events. A batch is handed over when
    ``FIRST_BATCH_BYTES`` (the first screenful), then ``BATCH_BYTES``, have
    been decided, at most one per ``min_interval_s`` (each batch costs the
    UI a redraw); and on time whatever was decided: within
    ``FIRST_HANDOVER_S`` for the first, then every ``HANDOVER_S``, so rows
    found before a long run of garbage show while the decoder passes over
    it, and ``read_to`` tells how far it has got; and once it holds
    ``MAX_BATCH_ROWS`` rows, however soon, marked early (not due yet: the
    intervals run on). The caller stops early by not asking for the next batch.

    Args:
        path: the log file.
        scanner: receives the events; its rows are yielded.
        start: offset of an entry boundary to start at.
        end_of_input: report a torn tail as truncated at the end; when false
            (the file is followed), the last batch's ``scanned_to`` is where
            following must resume.
        min_interval_s: shortest time between two batches after the first.
        line_times: read every line's time (:attr:`iolog.LineRun.times`),
            for a scanner that notes them (the merge of several logs).

    Yields:
        One :class:`RowBatch` per slice of the file or of time, the last one
        at the end.

    Raises:
        OSError: the file cannot be read.
    """
    clock = time.monotonic
    with LogFile(path, cache=False) as log:
        walker = log.line_runs(start, scanner.line_state, since_ns=scanner.since_ns,
                               until_ns=scanner.until_ns, final=end_of_input, line_times=line_times)
        scanned_to = start
        limit = start + FIRST_BATCH_BYTES
        now = clock()
        deadline = now  # the first screenful goes out at once
        handover_at = now + FIRST_HANDOVER_S
        skipping = False
        # Bytes read when the last event came: the decoder reads on from there.
        read_at_event = 0
        while True:
            try:
                item = next(walker)
            except StopIteration as stop:
                scanned_to = stop.value
                break
            if isinstance(item, list):
                scanner.feed(item)
                skipping = not item  # a read that decided nothing: garbage, so far
                if item:
                    scanned_to = max(scanned_to, _end_offset(item[-1]))
            else:
                scanner.feed_run(item)
                scanned_to = item.end
                skipping = False
            if not skipping:
                read_at_event = log.bytes_read
            now = clock()
            due = (scanned_to >= limit and now >= deadline) or now >= handover_at
            if due or scanner.pending_rows >= MAX_BATCH_ROWS:
                yield scanner.take(
                    scanned_to,
                    read_to=scanned_to + log.bytes_read - read_at_event,
                    skipping_from=scanned_to if skipping else None,
                    early=not due,
                )
                if due:
                    now = clock()
                    limit = scanned_to + BATCH_BYTES
                    deadline = now + min_interval_s
                    handover_at = now + max(min_interval_s, HANDOVER_S)
    yield scanner.take(scanned_to)


def _end_offset(event: Entry | Skipped | Truncated) -> int:
    """Where the bytes an event accounts for end."""
    if isinstance(event, Entry):
        return event.end_offset or 0
    return event.end_offset


def classify_tail(
    path: str | os.PathLike[str], offset: int, limit: int = 8 << 20
) -> list[Entry | Skipped | Truncated]:
    """Decode the bytes after ``offset`` as a finished file's end.

    Returns the ``Skipped``/``Truncated`` events (and any entry) that closing
    a decoder there gives; at most ``limit`` bytes are examined, any rest is
    reported as skipped.
    """
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read(limit)
        rest = os.fstat(handle.fileno()).st_size - offset - len(data)
    decoder = Decoder(offset=offset)
    events: list[Entry | Skipped | Truncated] = [*decoder.feed(data), *decoder.close()]
    if rest > 0:
        events.append(Skipped(offset + len(data), rest))
    return events


def settle_tail(path: str | os.PathLike[str], scanner: RowScanner, resume: int) -> int:
    """At the end of a finished file, settle what the scan's decoder held back.

    A scan of a file that may still grow (``end_of_input=False``) stops where
    a follower would resume: before an entry that waits for its successor,
    garbage, or an incomplete entry. For a file that is not followed, the
    whole entries there become rows and the rest provisional rows
    (:meth:`RowScanner.provisional_tail`), taken back if following starts.

    Returns:
        Where following resumes: past the settled entries.

    Raises:
        OSError: the file cannot be read.
    """
    tail = classify_tail(path, resume)
    settled = 0
    while settled < len(tail):
        entry = tail[settled]
        if not isinstance(entry, Entry):
            break
        resume = entry.end_offset or resume
        settled += 1
    scanner.feed(tail[:settled])
    scanner.provisional_tail(tail[settled:])
    return resume


def scan_whole_file(
    path: str | os.PathLike[str],
    model: LogModel,
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
    start: int = 0,
    open_lines: tuple[bool, bool] = (False, False),
) -> None:
    """Scan a finished file into ``model`` on this thread, to its very end.

    What the viewer's scan worker does for a file that is not followed, in
    one call (for tools and tests): rows of every batch, then the whole
    entries, garbage or torn entry at the end (:func:`settle_tail`).

    Args:
        path: the log file.
        model: the model to fill (reset first).
        since_ns: show the lines that begin at or after this time.
        until_ns: show the lines that begin before this time.
        start: an entry's offset to start at (the viewer's seek for ``since_ns``).
        open_lines: which streams have a line open at ``start``.

    Raises:
        OSError: the file cannot be read.
    """
    scanner = RowScanner(model.reset(), since_ns=since_ns, until_ns=until_ns, open_lines=open_lines)
    resume = start
    for batch in scan_file(path, scanner, start=start, end_of_input=False):
        model.apply(batch)
        resume = batch.scanned_to
    resume = settle_tail(path, scanner, resume)
    model.apply(scanner.take(resume))
