"""One log's rows in a view of several logs merged by time: a pane of the split by log.

This module owns :class:`LogRows`, the rows of one log among the rows a
merged pane would show (its stream choice and filters included), in merged
order. Both kinds of base grow only at the end within one generation of the
model: without filters the log's own rows (``merged_of[log]``), under a
filter the filter's passing rows. So the log's rows are picked once, as the
base grows, and picked anew when the model starts over.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left

from .context import ContextRows, RowRole
from .mergedrows import LogsView, MergedModel
from .rows import Row, RowView

__all__ = ["LogRows"]


class LogRows(RowView):
    """The rows of log ``log`` among ``base``'s, in ``base``'s order.

    Args:
        base: the rows a merged pane shows (all, one stream's, or a filter's).
        log: the log's number in the merged model.
    """

    model: MergedModel

    def __init__(self, base: RowView, log: int) -> None:
        assert isinstance(base.model, MergedModel)
        super().__init__(base.model, base.stream)
        self.base = base
        self.log = log
        self._rows: array[int] = array("I")
        self._seen = 0
        self._generation = base.model.generation

    def _sync(self) -> array[int]:
        """The model rows of this log in the base, picked as far as the base goes now."""
        model = self.model
        if model.generation != self._generation:
            self._generation, self._rows, self._seen = model.generation, array("I"), 0
        base = self.base
        if isinstance(base, LogsView):  # no filter: the log's own rows, of the stream chosen
            own = model.merged_of[self.log] if self.log < len(model.merged_of) else array("I")
            stream = base.stream
            kinds = model.kinds
            picked = own[self._seen:] if stream is None else (
                row for row in own[self._seen:] if kinds[row] == int(stream))
            self._seen = len(own)
        else:
            end = len(base)
            context = base if isinstance(base, ContextRows) else None
            logs = model.row_logs
            picked = (
                row for row in map(base.merged_index, range(self._seen, end))
                if logs[row] == self.log
            ) if context is None else (
                base.merged_index(index) for index in range(self._seen, end)
                if context.role(index) is not RowRole.SEPARATOR and logs[base.merged_index(index)] == self.log
            )
            self._seen = end
        self._rows.extend(picked)
        return self._rows

    def __len__(self) -> int:
        return len(self._sync())

    def merged_index(self, index: int) -> int:
        """The model row number of this pane's row ``index``."""
        return self._sync()[index]

    def offset(self, index: int) -> int:
        """The place of this pane's row ``index`` (a merged row's place is its number)."""
        return self.merged_index(index)

    def row(self, index: int) -> Row:
        """This pane's row ``index``, read from its log (cached)."""
        return self.model.row(self.merged_index(index))

    def index_at_offset(self, offset: int) -> int:
        """The first row of this pane at or after place ``offset`` (may be ``len``)."""
        return bisect_left(self._sync(), offset)

    def index_of(self, model_row: int) -> int:
        """The first row of this pane at or after model row ``model_row`` (may be ``len``)."""
        return bisect_left(self._sync(), model_row)
