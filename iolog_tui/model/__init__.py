"""The viewer's model: what it knows of a log file, without Textual.

Modules, each owning one concept:

- :mod:`~iolog_tui.model.rows`: rows (logical lines, skipped garbage, a
  truncated tail), the row model :class:`LogModel` and the batches that
  grow it;
- :mod:`~iolog_tui.model.scan`: a file read into rows (the scan);
- :mod:`~iolog_tui.model.search`: what matches a pattern, and testing rows
  for it (the fast walk is :mod:`~iolog_tui.model.blockmatch`);
- :mod:`~iolog_tui.model.count`: testing rows as they arrive (the
  background search count and the filter);
- :mod:`~iolog_tui.model.filterstack`: the stack of filters, and the one
  rule of which lines pass it;
- :mod:`~iolog_tui.model.context`: the rows shown around kept rows
  (context lines);
- :mod:`~iolog_tui.model.levelrows`: error and warning lines (their
  background count) and the level filter's choice;
- :mod:`~iolog_tui.model.navigation`: seeking by time and following;
- :mod:`~iolog_tui.model.timerange`: the time window a user chose;
- :mod:`~iolog_tui.model.histogram`: entries (and error and warning lines)
  per time bucket;
- :mod:`~iolog_tui.model.export`: saving the rows shown;
- :mod:`~iolog_tui.model.cursor`: a pane's cursor and selection, as model rows;
- :mod:`~iolog_tui.model.marks`: the marked rows, by byte offset.

Which thread owns what. The UI thread owns every :class:`LogModel` and
is the only one that changes it: :meth:`LogModel.apply` appends a
:class:`RowBatch` (taking back at most a provisional truncated tail), and
:meth:`LogModel.reset` replaces its arrays with new, empty ones under a new
``generation``. Workers never write to a model, a widget or a reactive. A
worker produces new arrays or batches (a :class:`RowBatch`, the rows a test
passed, a histogram) and posts them; the UI thread applies them, after
checking that they belong to the model's current ``generation``. A worker
may read a model's arrays below a length it took, and stops once the
model's ``generation`` is no longer the one it started with.
"""

from __future__ import annotations

from .rows import MAX_ROW_BYTES, LogModel, Row, RowBatch, RowKind, RowView

__all__ = ["MAX_ROW_BYTES", "LogModel", "Row", "RowBatch", "RowKind", "RowView"]
