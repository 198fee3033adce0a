"""The row scan: decoder events and fast-walk batches into rows, in a worker.

This module owns turning a log file into the compact row arrays of
:class:`~iolog_tui.model.LogModel`: a :class:`RowScanner` joins the entries
of each stream into logical lines (a row starts at a line's first entry),
keeps the rows inside a time window, and makes rows of skipped garbage and a
truncated tail; :func:`scan_file` drives it over a file through the fast
header walk and hands the rows over in :class:`RowBatch` es. Like the model,
it knows nothing of Textual.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from iolog import Decoder, Entry, Event, FastBatch, LogFile, Skipped, Truncated

from .model import LogModel, RowKind

__all__ = ["RowBatch", "RowScanner", "classify_tail", "scan_file", "scan_whole_file"]

#: Bytes decoded before the first batch is handed over (the first screenful).
FIRST_BATCH_BYTES = 64 * 1024
#: Bytes decoded per later batch.
BATCH_BYTES = 1024 * 1024
_STREAM_BYTES = (b"\x00", b"\x01")
_INVERT_FLAG = bytes([1]) + bytes(255)  # stderr flags (0/1) to stdout flags
_NOT_NEWLINE = re.compile(b"[^\n]")


@dataclass(slots=True)
class RowBatch:
    """New rows found by a :class:`RowScanner`, to append to a :class:`~iolog_tui.model.LogModel`.

    Attributes:
        generation: the model generation the scan belongs to (stale batches
            from a cancelled scan are ignored).
        offsets: file offset of each new row.
        kinds: :class:`RowKind` of each new row.
        stream_rows: per stream, the row numbers of its new lines.
        garbage: byte length of each new garbage row, by its offset.
        open_rows: row numbers of lines still waiting for a newline (their
            drawn contents may change), one slot per stream.
        scanned_to: file offset up to which the scan has accounted for bytes.
        rows_seen: rows scanned so far, including those the time filter dropped.
        retract: rows to remove from the end before appending (a provisional
            truncated tail that turned out to be a growing entry).
    """

    generation: int
    offsets: array[int] = field(default_factory=lambda: array("q"))
    kinds: array[int] = field(default_factory=lambda: array("B"))
    stream_rows: tuple[array[int], array[int]] = field(
        default_factory=lambda: (array("I"), array("I"))
    )
    garbage: dict[int, int] = field(default_factory=dict)
    open_rows: tuple[int | None, int | None] = (None, None)
    scanned_to: int = 0
    rows_seen: int = 0
    retract: int = 0

    def __len__(self) -> int:
        return len(self.offsets)


class RowScanner:
    """Turn decoder events into rows, optionally keeping a time window only.

    Runs wherever the events are read (a worker thread); it shares nothing
    with the model but the row numbers it hands out, which start at 0 for a
    fresh model generation.

    Args:
        generation: the model generation the rows are for.
        since_ns: keep rows whose first entry is at or after this time.
        until_ns: keep rows whose first entry is before this time.
    """

    def __init__(
        self, generation: int, *, since_ns: int | None = None, until_ns: int | None = None
    ) -> None:
        self.generation = generation
        self.since_ns = since_ns
        self.until_ns = until_ns
        self.row_count = 0
        self.rows_seen = 0
        # Per stream: is a line open (last entry had no newline), and is it kept?
        self._open = [False, False]
        self._open_kept = [False, False]
        self._open_row: list[int | None] = [None, None]
        self._provisional = 0
        self._batch = RowBatch(generation)

    def feed(self, events: Iterable[object]) -> None:
        """Add decoder events (entries, ``Skipped``, ``Truncated``); others are ignored."""
        batch = self._batch
        offsets_append = batch.offsets.append
        kinds_append = batch.kinds.append
        since_ns = self.since_ns
        until_ns = self.until_ns
        opened = self._open
        kept = self._open_kept
        open_row = self._open_row
        stream_appends = (batch.stream_rows[0].append, batch.stream_rows[1].append)
        for event in events:
            if type(event) is Entry:
                stream = int(event.stream)
                ends = event.message.endswith(b"\n")
                if opened[stream]:
                    opened[stream] = not ends
                    if ends:
                        open_row[stream] = None
                    continue
                self.rows_seen += 1
                ts = event.timestamp_ns
                keep = (since_ns is None or ts >= since_ns) and (until_ns is None or ts < until_ns)
                opened[stream] = not ends
                kept[stream] = keep
                if keep:
                    offsets_append(event.offset or 0)
                    kinds_append(stream)
                    stream_appends[stream](self.row_count)
                    open_row[stream] = None if ends else self.row_count
                    self.row_count += 1
                else:
                    open_row[stream] = None
            elif isinstance(event, (Skipped, Truncated)):
                offsets_append(event.offset)
                kinds_append(RowKind.SKIPPED if isinstance(event, Skipped) else RowKind.TRUNCATED)
                batch.garbage[event.offset] = event.length
                self.row_count += 1
                self.rows_seen += 1

    def feed_batch(self, batch: FastBatch) -> None:
        """Add the entries of a batch from the fast walk (same rows as :meth:`feed`)."""
        rows = self._batch
        offsets_append = rows.offsets.append
        kinds_append = rows.kinds.append
        stream_appends = (rows.stream_rows[0].append, rows.stream_rows[1].append)
        since_ns = self.since_ns
        until_ns = self.until_ns
        windowed = since_ns is not None or until_ns is not None
        if not windowed:
            self._feed_batch_in_bulk(batch)
            return
        stamps = batch.timestamps()
        opened = self._open
        kept = self._open_kept
        open_row = self._open_row
        buf = batch.buf
        starts = batch.starts
        base = batch.base
        flags = batch.streams()
        newline = 10
        row_count = self.row_count
        rows_seen = self.rows_seen
        for number in range(batch.accepted):
            stream = flags[number]
            end = starts[number + 1]
            # An empty payload's last byte is the header's "=": no newline.
            ends = buf[end - 1] == newline
            if opened[stream]:
                opened[stream] = not ends
                if ends:
                    open_row[stream] = None
                continue
            rows_seen += 1
            keep = True
            if windowed:
                stamp = stamps[number]
                keep = (since_ns is None or stamp >= since_ns) and (
                    until_ns is None or stamp < until_ns
                )
            opened[stream] = not ends
            kept[stream] = keep
            if keep:
                offsets_append(base + starts[number])
                kinds_append(stream)
                stream_appends[stream](row_count)
                open_row[stream] = None if ends else row_count
                row_count += 1
            else:
                open_row[stream] = None
        self.row_count = row_count
        self.rows_seen = rows_seen

    def _feed_batch_in_bulk(self, batch: FastBatch) -> None:
        """:meth:`feed_batch` without a time window, a batch at a time in C.

        Every entry starts a row except a continuation: the first entry of a
        stream whose line is open, or the next entry of the stream after one
        that does not end in a newline. Those are rare (lines over 4095
        bytes, partial writes) and found with a search; the rest is done by
        ``map`` and ``compress`` over the whole batch.
        """
        count = batch.accepted
        if not count:
            return
        rows = self._batch
        starts = batch.starts
        flags = batch.streams()
        opened = self._open
        last_bytes = batch.last_bytes()  # an empty entry's is its header's "=": no newline
        starts_row = bytearray(b"\x01") * count
        for stream in (0, 1):
            if opened[stream]:
                first = flags.find(_STREAM_BYTES[stream])
                if first >= 0:
                    starts_row[first] = 0
        for match in _NOT_NEWLINE.finditer(last_bytes):
            number = match.start()
            follower = flags.find(_STREAM_BYTES[flags[number]], number + 1)
            if follower >= 0:
                starts_row[follower] = 0
        row_count = self.row_count
        base = batch.base
        offsets = [base + start for start in starts[:count]]
        if starts_row.count(0):
            row_flags = bytes(itertools.compress(flags, starts_row))
            offsets = list(itertools.compress(offsets, starts_row))
        else:
            row_flags = flags
        new_rows = range(row_count, row_count + len(row_flags))
        rows.offsets.extend(array("q", offsets))
        rows.kinds.frombytes(row_flags)
        stdout_flags = row_flags.translate(_INVERT_FLAG)
        rows.stream_rows[0].extend(array("I", itertools.compress(new_rows, stdout_flags)))
        rows.stream_rows[1].extend(array("I", itertools.compress(new_rows, row_flags)))
        open_row = self._open_row
        for stream in (0, 1):
            last = flags.rfind(_STREAM_BYTES[stream])
            if last < 0:
                continue  # nothing of this stream here: its line stays as it was
            opened[stream] = last_bytes[last] != 10
            if not opened[stream]:
                open_row[stream] = None
                continue
            last_row = row_flags.rfind(_STREAM_BYTES[stream])
            if last_row >= 0:
                open_row[stream] = row_count + last_row
                self._open_kept[stream] = True
        self.row_count = row_count + len(row_flags)
        self.rows_seen += len(row_flags)

    def provisional_tail(self, events: Iterable[object]) -> None:
        """Add rows for the undecodable or incomplete bytes at the current end.

        They are taken back by :meth:`retract_tail` if following resumes.
        """
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
            else:
                batch.retract += 1
            self.row_count -= 1
            self.rows_seen -= 1

    def take(self, scanned_to: int) -> RowBatch:
        """Return the rows found since the last ``take`` and start a new batch.

        Args:
            scanned_to: file offset the scan has reached (for progress).
        """
        batch = self._batch
        batch.open_rows = (self._open_row[0], self._open_row[1])
        batch.scanned_to = scanned_to
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
) -> Iterator[RowBatch]:
    """Decode a file from ``start`` to its current end, yielding row batches.

    The file is read with :meth:`iolog.LogFile.batches`: where headers chain
    cleanly, rows come from batches of raw headers with no object per entry;
    elsewhere from the decoder's events. The first batch covers only
    ``FIRST_BATCH_BYTES`` so that a screenful can be drawn at once; later
    ones cover ``BATCH_BYTES`` or more, at most one per ``min_interval_s``
    (each batch costs the UI a redraw). The caller stops early by not asking
    for the next batch.

    Args:
        path: the log file.
        scanner: receives the events; its rows are yielded.
        start: offset of an entry boundary to start at.
        end_of_input: report a torn tail as truncated at the end; when false
            (the file is followed), the last batch's ``scanned_to`` is where
            following must resume.
        min_interval_s: shortest time between two batches after the first.

    Yields:
        One :class:`RowBatch` per slice of the file, the last one at the end.

    Raises:
        OSError: the file cannot be read.
    """
    clock = time.monotonic
    with LogFile(path, cache=False) as log:
        walker = log.batches(start, final=end_of_input)
        scanned_to = start
        limit = start + FIRST_BATCH_BYTES
        deadline = clock()  # the first screenful goes out at once
        while True:
            try:
                item = next(walker)
            except StopIteration as stop:
                scanned_to = stop.value
                break
            if isinstance(item, list):
                scanner.feed(item)
                if item:
                    last = item[-1]
                    scanned_to = max(scanned_to, (last.offset or 0) + _event_length(last))
            else:
                scanner.feed_batch(item)
                scanned_to = item.base + item.starts[item.accepted]
            if scanned_to >= limit and clock() >= deadline:
                yield scanner.take(scanned_to)
                limit = scanned_to + BATCH_BYTES
                deadline = clock() + min_interval_s
    yield scanner.take(scanned_to)


def _event_length(event: Event) -> int:
    """Bytes an event accounts for."""
    if isinstance(event, Entry):
        return 16 + len(event.message)
    return event.length


def classify_tail(path: str | os.PathLike[str], offset: int, limit: int = 8 << 20) -> list[Event]:
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
    events: list[Event] = [*decoder.feed(data), *decoder.close()]
    if rest > 0:
        events.append(Skipped(offset + len(data), rest))
    return events


def scan_whole_file(
    path: str | os.PathLike[str],
    model: LogModel,
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
) -> None:
    """Scan a finished file into ``model`` on this thread, to its very end.

    What the viewer's scan worker does for a file that is not followed, in
    one call (for tools and tests): rows of every batch, then the garbage or
    torn entry at the end.

    Raises:
        OSError: the file cannot be read.
    """
    scanner = RowScanner(model.reset(), since_ns=since_ns, until_ns=until_ns)
    resume = 0
    for batch in scan_file(path, scanner):
        model.apply(batch)
        resume = batch.scanned_to
    scanner.provisional_tail(classify_tail(path, resume))
    model.apply(scanner.take(resume))
