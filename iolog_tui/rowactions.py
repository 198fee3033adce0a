"""Acting on the rows a pane shows: copying them as shown, and saving them to a file.

This module owns what ``y`` copies (:func:`selected_text`: the selected rows,
else those on screen, as they are drawn but without colour) and the export
worker (:class:`RowExporter`), which writes the rows that pass a pane's test
with :func:`~iolog_tui.model.export.export_rows` in a thread and posts
:class:`ExportDone` when it is over.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from textual import on, work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from .logview import LogView
from .model.export import ExportFormat, export_rows
from .model.rows import LogModel, RowKind
from .model.search import RowTest, view_index
from .prompts import ExportRequest
from .render import clock_step_text, message_plain
from .safetext import safe_label

__all__ = ["MAX_COPY_ROWS", "ExportDone", "RowExporter", "export_stem", "selected_text"]

#: Most rows copied to the clipboard at once.
MAX_COPY_ROWS = 10_000


def selected_text(view: LogView) -> tuple[str, int]:
    """The rows selected in ``view`` (else those on screen) as they are shown, and how many.

    Escapes stay visible (``␛``, ``\\u202e``...); colours are left out.
    """
    rows = view.rows
    if view.selection is not None:
        first = view_index(rows, view.selection[0])
        last = view_index(rows, view.selection[1] + 1)
    else:
        first = view.top_row
        last = first + view.scrollable_content_region.height
    last = min(last, len(rows), first + MAX_COPY_ROWS)
    lines = []
    for index in range(first, last):
        row = rows.row(index)
        if row.kind == RowKind.CLOCK_STEP:
            lines.append(f"[{clock_step_text(row.length)}]")
        elif row.kind > RowKind.STDERR:
            what = "skipped" if row.kind == RowKind.SKIPPED else "truncated"
            lines.append(f"[{row.length:,} bytes {what}]")
        else:
            lines.append(message_plain(row.message))
    return "\n".join(lines) + ("\n" if lines else ""), len(lines)


def export_stem(path: str) -> str:
    """The log's file name without its extension, safe to show (``log`` if none)."""
    return safe_label(os.path.splitext(os.path.basename(path))[0]) or "log"


@dataclass
class ExportDone(Message):
    """An export finished (``error`` says why it failed)."""

    path: str
    rows: int
    error: str | None = None


class RowExporter(Widget):
    """Saves rows to a file in a worker, and says how it went (a toast)."""

    DEFAULT_CSS = "RowExporter { display: none; }"

    def __init__(self) -> None:
        super().__init__()
        self.last: ExportDone | None = None
        """How the last export ended."""

    def export(
        self, model: LogModel, end_row: int, request: ExportRequest, shown: RowTest,
        shown_rows: bytearray | None = None,
    ) -> None:
        """Write the rows of ``model`` below ``end_row`` that pass ``shown`` as ``request`` asks.

        ``shown_rows``: a flag per model row, the rows to write instead (context lines shown).
        """
        self._export(model, request.path, request.export_format, end_row, shown, shown_rows)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(
        self, model: LogModel, target: str, export_format: ExportFormat, end_row: int, shown: RowTest,
        shown_rows: bytearray | None,
    ) -> None:
        worker = get_current_worker()
        try:
            count = export_rows(
                model.path, model.offsets, model.kinds, end_row, shown, target, export_format,
                should_stop=lambda: worker.is_cancelled, shown_rows=shown_rows,
            )
        except OSError as exc:
            self.post_message(ExportDone(target, 0, exc.strerror or str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(ExportDone(target, count))

    @on(ExportDone)
    def _done(self, message: ExportDone) -> None:
        self.last = message
        where = safe_label(os.path.abspath(message.path))
        if message.error:
            self.notify(f"cannot save {where}: {message.error}", severity="error", markup=False)
        else:
            self.notify(f"saved {message.rows:,} rows to {where}", timeout=4, markup=False)
