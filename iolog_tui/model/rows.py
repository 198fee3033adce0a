"""The viewer's model of a log file: logical-line rows, fetched by offset.

This module owns what the screen shows, without knowing anything of Textual.
A *row* is a logical line (the entries of one stream joined until a newline,
so a line the writer split at 4095 bytes is one row), or one run of skipped
garbage, or a truncated tail, or a clock step: a separator before a line
whose time is earlier than the line before it (see
:class:`~iolog_tui.model.scan.RowScanner`). Rows are kept as compact arrays (the file
offset of each row's first entry and its kind; per stream, the row numbers
of that stream), built by a :class:`~iolog_tui.model.scan.RowScanner` from decoder events in a worker
thread (:mod:`iolog_tui.model.scan`) and handed to :class:`LogModel` in
:class:`RowBatch` es. Row contents are read back from the
file by offset when they are drawn, with :func:`iolog.read_lines` (the
codec's line rule: no line is assembled here), through a small LRU cache,
so memory is a few bytes per row whatever the file size.
"""

from __future__ import annotations

import enum
import os
from array import array
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass, field

from iolog import Line, Stream, read_lines

__all__ = [
    "MAX_ROW_BYTES",
    "LogModel",
    "Row",
    "RowBatch",
    "RowKind",
    "RowView",
]

#: A row longer than this is cut when drawn (the rest is not read).
MAX_ROW_BYTES = 256 * 1024
#: How far past a line's first entry its continuation is looked for.
MAX_ROW_SPAN_BYTES = 16 * 1024 * 1024
_CACHE_ROWS = 4096
#: A row read from the file brings the uncached line rows up to this many rows
#: after it (and a quarter as many before) along ...
_READ_AHEAD_ROWS = 64
#: ... when they start at most this far from it.
_READ_AHEAD_BYTES = 256 * 1024


class RowKind(enum.IntEnum):
    """What a row holds: a line of a stream, skipped garbage, a truncated tail or a clock step."""

    STDOUT = 0
    STDERR = 1
    SKIPPED = 2
    TRUNCATED = 3
    CLOCK_STEP = 4


@dataclass(frozen=True, slots=True)
class Row:
    """One row as drawn: a logical line, or a garbage/truncation notice.

    Attributes:
        kind: what the row is.
        offset: file offset of the row's first entry (or of the garbage).
        timestamp_ns: the first entry's time; ``None`` for garbage rows.
        message: the joined payloads (at most ``MAX_ROW_BYTES``); empty for
            garbage rows.
        length: for garbage rows, how many bytes; for lines, the payload bytes
            of all its entries (more than ``len(message)`` when the line was cut);
            for a clock step, how far back the clock went (ns).
        complete: the line ended with a newline (or the row is garbage).
        clipped: the line was longer than ``MAX_ROW_BYTES`` and was cut.
        source: which log the row is of, in a view of several logs merged by
            time (:mod:`~iolog_tui.model.mergedrows`; there ``offset`` is the
            row's place in the merged view); 0 for one log.
        may_be_torn: skipped bytes begin where the line's last entry ends, so
            its end may be noise (:func:`iolog.core.events.may_be_torn`).
    """

    kind: RowKind
    offset: int
    timestamp_ns: int | None
    message: bytes
    length: int
    complete: bool = True
    clipped: bool = False
    source: int = 0
    may_be_torn: bool = False

    @property
    def stream(self) -> Stream | None:
        """The stream of a line row, ``None`` for garbage rows."""
        if self.kind <= RowKind.STDERR:
            return Stream(int(self.kind))
        return None


@dataclass(slots=True)
class RowBatch:
    """New rows found by a :class:`~iolog_tui.model.scan.RowScanner`, to append to a :class:`LogModel`.

    Attributes:
        generation: the model generation the scan belongs to (stale batches
            from a cancelled scan are ignored).
        offsets: file offset of each new row.
        kinds: :class:`RowKind` of each new row.
        stream_rows: per stream, the row numbers of its new lines.
        garbage: byte length of each new garbage row, by its offset.
        steps: how far back the clock stepped (ns) at each new clock-step row,
            by its offset (one byte before the line it comes before).
        open_rows: row numbers of lines still waiting for a newline (their
            drawn contents may change), one slot per stream.
        scanned_to: file offset up to which the scan has accounted for bytes.
        rows_seen: rows scanned so far, including those the time filter dropped.
        retract: rows to remove from the end before appending (a provisional
            truncated tail that turned out to be a growing entry).
        read_to: how far the scan has read (at least ``scanned_to``): its
            progress, also through bytes that have not been decided yet.
        skipping_from: while the decoder is passing over undecodable bytes
            (no event has come of them yet), where they begin; else ``None``.
        early: handed over before its time only to free the scanner's arrays
            (:data:`~iolog_tui.model.scan.MAX_BATCH_ROWS`); a batch that is not
            early follows within the scan's interval, and the rows are drawn then.
    """

    generation: int
    offsets: array[int] = field(default_factory=lambda: array("q"))
    kinds: array[int] = field(default_factory=lambda: array("B"))
    stream_rows: tuple[array[int], array[int]] = field(
        default_factory=lambda: (array("I"), array("I"))
    )
    garbage: dict[int, int] = field(default_factory=dict)
    steps: dict[int, int] = field(default_factory=dict)
    open_rows: tuple[int | None, int | None] = (None, None)
    scanned_to: int = 0
    rows_seen: int = 0
    retract: int = 0
    read_to: int = 0
    skipping_from: int | None = None
    early: bool = False

    def __len__(self) -> int:
        return len(self.offsets)


class RowView:
    """The rows of one pane: all rows (merged) or the lines of one stream.

    Args:
        model: the model the rows live in.
        stream: ``None`` for every row in file order, else one stream's lines.
    """

    def __init__(self, model: LogModel, stream: Stream | None) -> None:
        self.model = model
        self.stream = stream

    def __len__(self) -> int:
        if self.stream is None:
            return len(self.model.offsets)
        return len(self.model.stream_rows[int(self.stream)])

    def merged_index(self, index: int) -> int:
        """The model row number of this view's row ``index``."""
        if self.stream is None:
            return index
        return self.model.stream_rows[int(self.stream)][index]

    def offset(self, index: int) -> int:
        """File offset of this view's row ``index``."""
        return self.model.offsets[self.merged_index(index)]

    def row(self, index: int) -> Row:
        """This view's row ``index``, read from the file (cached)."""
        return self.model.row(self.merged_index(index))

    def index_at_offset(self, offset: int) -> int:
        """The first row of this view at or after file ``offset`` (may be ``len``)."""
        offsets = self.model.offsets
        if self.stream is None:
            return bisect_left(offsets, offset)
        rows = self.model.stream_rows[int(self.stream)]
        return bisect_left(rows, offset, key=offsets.__getitem__)


class LogModel:
    """Rows of one log file, appended from scanner batches, read by offset.

    Every method runs on one thread (the UI's); scanners run elsewhere and
    hand over :class:`RowBatch` es.

    Args:
        path: the log file.

    Raises:
        OSError: the file cannot be opened.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._fd = os.open(self.path, os.O_RDONLY)
        self.generation = 0
        self.offsets: array[int] = array("q")
        self.kinds: array[int] = array("B")
        self.stream_rows: tuple[array[int], array[int]] = (array("I"), array("I"))
        self._garbage: dict[int, int] = {}
        self._steps: dict[int, int] = {}
        self._open_rows: tuple[int | None, int | None] = (None, None)
        self._cache: OrderedDict[int, Row] = OrderedDict()
        self.scanned_to = 0
        self.rows_seen = 0
        self.merged = RowView(self, None)
        self.stdout = RowView(self, Stream.STDOUT)
        self.stderr = RowView(self, Stream.STDERR)

    def __len__(self) -> int:
        return len(self.offsets)

    @property
    def size(self) -> int:
        """The file's current size in bytes."""
        return os.fstat(self._fd).st_size

    def reset(self, *, reopen: bool = False) -> int:
        """Forget every row and start a new generation.

        Args:
            reopen: open the path again (the file was replaced or truncated).

        Returns:
            The new generation, to give to the next :class:`~iolog_tui.model.scan.RowScanner`.
        """
        if reopen:
            new_fd = os.open(self.path, os.O_RDONLY)
            os.close(self._fd)
            self._fd = new_fd
        self.generation += 1
        self.offsets = array("q")
        self.kinds = array("B")
        self.stream_rows = (array("I"), array("I"))
        self._garbage.clear()
        self._steps.clear()
        self._open_rows = (None, None)
        self._cache.clear()
        self.scanned_to = 0
        self.rows_seen = 0
        return self.generation

    def apply(self, batch: RowBatch) -> bool:
        """Append a scanner's batch.

        Returns:
            False when the batch belongs to an older generation (ignored).
        """
        if batch.generation != self.generation:
            return False
        for row in self._open_rows:
            if row is not None:
                self._cache.pop(row, None)
        if batch.garbage:  # the line before skipped bytes may be torn: read it again
            for rows in self.stream_rows:
                if rows:
                    self._cache.pop(rows[-1], None)
        for _ in range(batch.retract):
            self._retract_last()
        self.offsets.extend(batch.offsets)
        self.kinds.extend(batch.kinds)
        self.stream_rows[0].extend(batch.stream_rows[0])
        self.stream_rows[1].extend(batch.stream_rows[1])
        self._garbage.update(batch.garbage)
        self._steps.update(batch.steps)
        self._open_rows = batch.open_rows
        self.scanned_to = batch.scanned_to
        self.rows_seen = batch.rows_seen
        return True

    def _retract_last(self) -> None:
        number = len(self.offsets) - 1
        if number < 0:
            return
        offset = self.offsets.pop()
        kind = self.kinds.pop()
        if kind <= RowKind.STDERR:
            self.stream_rows[kind].pop()
        self._garbage.pop(offset, None)
        self._steps.pop(offset, None)
        self._cache.pop(number, None)

    def row(self, index: int) -> Row:
        """Row ``index`` (in file order), read from the file through the cache.

        A line row that is not cached is read with :func:`iolog.read_lines`,
        together with the uncached line rows near it (a screenful is one read).

        Raises:
            IndexError: no such row.
        """
        cache = self._cache
        row = cache.get(index)
        if row is not None:
            cache.move_to_end(index)
            return row
        offset = self.offsets[index]
        kind = RowKind(self.kinds[index])
        if kind >= RowKind.SKIPPED:
            sizes = self._steps if kind == RowKind.CLOCK_STEP else self._garbage
            row = Row(kind, offset, None, b"", sizes.get(offset, 0))
            self._keep(index, row)
            return row
        wanted = self._neighbours(index)
        lines = read_lines(
            self._fd, [self.offsets[number] for number in wanted], max_bytes=MAX_ROW_BYTES,
            span_bytes=MAX_ROW_SPAN_BYTES,
        )
        read = {line.offset: line for line in lines}
        for number in wanted:
            line = read.get(self.offsets[number])
            if line is not None:
                self._keep(number, _row_of_line(line, self._skipped_at(line.end_offset)))
            elif number == index:
                # No line starts there any more (the file changed under the model).
                self._keep(number, Row(kind, offset, None, b"", 0, complete=False))
        return cache[index]

    def _skipped_at(self, offset: int) -> bool:
        """Whether a row of skipped bytes begins at ``offset``."""
        if offset not in self._garbage:
            return False
        offsets = self.offsets
        number = bisect_left(offsets, offset)
        while number < len(offsets) and offsets[number] == offset:
            if self.kinds[number] == RowKind.SKIPPED:
                return True
            number += 1
        return False

    def _neighbours(self, index: int) -> list[int]:
        """Row ``index`` and the uncached line rows near it, to read in the same pass."""
        offsets = self.offsets
        kinds = self.kinds
        cache = self._cache
        first = offsets[index]
        wanted = []
        low = max(0, index - _READ_AHEAD_ROWS // 4)
        for number in range(low, min(len(offsets), index + _READ_AHEAD_ROWS)):
            if number == index or (
                kinds[number] <= RowKind.STDERR
                and number not in cache
                and abs(offsets[number] - first) <= _READ_AHEAD_BYTES
            ):
                wanted.append(number)
        return wanted

    def _keep(self, index: int, row: Row) -> None:
        cache = self._cache
        cache[index] = row
        cache.move_to_end(index)
        if len(cache) > _CACHE_ROWS:
            cache.popitem(last=False)

    @property
    def clock_steps(self) -> int:
        """How many clock-step rows the model holds."""
        return len(self._steps)

    def close(self) -> None:
        """Close the file."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _row_of_line(line: Line, may_be_torn: bool = False) -> Row:
    """The row that shows ``line`` (``may_be_torn``: skipped bytes follow its last entry)."""
    return Row(
        RowKind(int(line.stream)), line.offset, line.timestamp_ns, line.message, line.size,
        complete=line.complete, clipped=line.clipped, may_be_torn=may_be_torn,
    )
