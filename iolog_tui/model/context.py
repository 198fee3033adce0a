"""Context lines: the rows shown around each row a filter keeps, as ``grep -C N`` shows them.

This module owns which rows a pane shows with context on, without knowing
anything of Textual. The rows are those of the pane without the filters
(every row, or one stream's lines: context follows the stream choice); for
each kept row at index ``i`` of those, the rows ``i - N`` to ``i + N`` are
shown, the kept ones as matches and the others dimmed as context, with one
separator row between two groups that are not adjacent (``grep`` 's
``--``). :class:`ContextLayout` builds that list as kept rows arrive (in
increasing order, while the filter runs) and as the pane's rows grow (the
rows after the last kept row, while following); :class:`ContextRows` shows
it with the interface of :class:`~iolog_tui.model.rows.RowView`.
"""

from __future__ import annotations

import enum
from array import array
from bisect import bisect_left

from iolog import Stream

from .rows import LogModel, Row, RowKind, RowView

__all__ = ["ContextLayout", "ContextRows", "RowRole", "row_role"]

#: What a separator row holds, as copied (``grep`` prints the same).
SEPARATOR_TEXT = b"--\n"


class RowRole(enum.IntEnum):
    """What a shown row is: kept by the filters, context around one, or a separator."""

    KEPT = 0
    CONTEXT = 1
    SEPARATOR = 2


class ContextLayout:
    """The rows shown with ``lines`` of context, built as kept rows and rows arrive.

    Indices are those of the pane's rows without the filters (the *base*).

    Args:
        lines: rows of context before and after each kept row (at least 1).
    """

    def __init__(self, lines: int) -> None:
        self.lines = lines
        self.items: array[int] = array("i")
        """Each shown row's base index; -1 for a separator."""
        self.roles: array[int] = array("B")
        """Each shown row's :class:`RowRole`."""
        self.kept = 0
        """Kept rows added so far."""
        self._shown_to = 0  # every base row below it is shown or passed over
        self._context_to = 0  # the last kept row's context ends below it

    def add_kept(self, index: int) -> None:
        """Base row ``index`` is kept (above every kept row added before; it exists)."""
        self.kept += 1
        if index < self._shown_to:
            # Shown already, as the context after the previous kept row.
            self.roles[len(self.items) - (self._shown_to - index)] = RowRole.KEPT
        else:
            self._show_context(min(self._context_to, index))
            start = max(self._shown_to, index - self.lines)
            if start > self._shown_to and self.items:
                self.items.append(-1)
                self.roles.append(RowRole.SEPARATOR)
            self._shown_to = start
            self._show_context(index)
            self.items.append(index)
            self.roles.append(RowRole.KEPT)
            self._shown_to = index + 1
        self._context_to = max(self._context_to, index + self.lines + 1)

    def grow(self, base_rows: int) -> None:
        """The base has ``base_rows`` rows now: show those within the last kept row's context."""
        self._show_context(min(self._context_to, base_rows))

    def _show_context(self, end: int) -> None:
        start = self._shown_to
        if end > start:
            self.items.extend(range(start, end))
            self.roles.frombytes(bytes([RowRole.CONTEXT]) * (end - start))
            self._shown_to = end


class ContextRows(RowView):
    """A pane's rows under the filters with context lines (see :class:`ContextLayout`).

    The layout follows ``kept`` (the filter's passing model rows, growing)
    and the pane's rows as they grow. Like
    :class:`~iolog_tui.model.search.FilteredRows`, it is empty once the model
    starts over.

    Args:
        model: the model the rows live in.
        kept: model row numbers the filters keep, increasing (only read).
        stream: the stream the pane shows, ``None`` for every row.
        lines: rows of context before and after each kept row (at least 1).
    """

    def __init__(self, model: LogModel, kept: array[int], stream: Stream | None, lines: int) -> None:
        super().__init__(model, stream)
        self.kept = kept
        self.generation = model.generation
        self.layout = ContextLayout(lines)
        self._base_rows = -1

    def _sync(self) -> ContextLayout:
        """Bring the layout up to the kept rows and the pane's rows there are now."""
        layout = self.layout
        kept = self.kept
        base_rows = RowView.__len__(self)
        if layout.kept == len(kept) and base_rows == self._base_rows:
            return layout
        if self.stream is None:
            for number in range(layout.kept, len(kept)):
                layout.add_kept(kept[number])
        else:
            lines = self.model.stream_rows[int(self.stream)]
            at = 0
            for number in range(layout.kept, len(kept)):
                at = bisect_left(lines, kept[number], at)
                layout.add_kept(at)
        layout.grow(base_rows)
        self._base_rows = base_rows
        return layout

    def __len__(self) -> int:
        if self.model.generation != self.generation:
            return 0
        return len(self._sync().items)

    @property
    def kept_rows(self) -> int:
        """How many of the rows shown are kept (the others are context and separators)."""
        return len(self.kept) if self.model.generation == self.generation else 0

    def shown_flags(self) -> bytearray:
        """A flag per model row: shown (kept or context), for export."""
        flags = bytearray(len(self.model))
        if self.model.generation != self.generation:
            return flags
        items = self._sync().items
        lines = None if self.stream is None else self.model.stream_rows[int(self.stream)]
        for base in items:
            if base >= 0:
                flags[base if lines is None else lines[base]] = 1
        return flags

    def role(self, index: int) -> RowRole:
        """What shown row ``index`` is."""
        return RowRole(self._sync().roles[index])

    def _base_index(self, index: int) -> int:
        items = self._sync().items
        base = items[index]
        if base < 0:  # a separator stands for the row after it
            base = items[index + 1]
        return base

    def merged_index(self, index: int) -> int:
        """The model row number of shown row ``index`` (a separator: the row after it)."""
        return RowView.merged_index(self, self._base_index(index))

    def offset(self, index: int) -> int:
        """File offset of shown row ``index``."""
        return self.model.offsets[self.merged_index(index)]

    def row(self, index: int) -> Row:
        """Shown row ``index``, read from the file (cached); a separator is ``--``."""
        if self._sync().items[index] < 0:
            return Row(RowKind.STDOUT, self.offset(index), None, SEPARATOR_TEXT, 0)
        return self.model.row(self.merged_index(index))

    def index_at_offset(self, offset: int) -> int:
        """The first shown row at or after file ``offset`` (may be ``len``)."""
        return bisect_left(range(len(self)), offset, key=self.offset)

    def index_of(self, model_row: int) -> int:
        """The first shown row at or after model row ``model_row`` (may be ``len``)."""
        return bisect_left(range(len(self)), model_row, key=self.merged_index)


def row_role(rows: RowView, index: int) -> RowRole:
    """What row ``index`` of ``rows`` is: kept, unless context is on and says otherwise."""
    return rows.role(index) if isinstance(rows, ContextRows) else RowRole.KEPT
