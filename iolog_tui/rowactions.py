"""Acting on the rows a pane shows: copying them as shown, and saving them to a file.

This module owns which rows an action takes (:func:`acting_rows`: the
selection, else the cursor's row), what ``y`` copies (:func:`selected_text`:
those rows as they are drawn but without colour), marking them
(:func:`toggle_marks`), and the export worker (:class:`RowExporter`), which
writes the rows that pass a pane's test (all of them, the selection or the
marked ones: :func:`export_scopes`) with
:func:`~iolog_tui.model.export.export_rows` in a thread and posts
:class:`ExportDone` when it is over.
"""

from __future__ import annotations

import os
from array import array
from bisect import bisect_left
from dataclasses import dataclass

from textual import on, work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from iolog import Stream

from .detail import DetailScreen
from .logview import LogView
from .model.export import ExportFormat, export_rows
from .model.marks import Marks
from .model.mergedexport import export_merged_rows
from .model.mergedrows import MergedModel
from .model.rows import LogModel, RowKind
from .model.search import RowTest, view_index
from .prompts import ExportPrompt, ExportRequest
from .render import clock_step_text, message_plain
from .safetext import safe_label

__all__ = [
    "MAX_COPY_ROWS", "ExportDone", "RowExporter", "acting_rows", "export_scopes", "export_stem",
    "selected_text", "toggle_marks",
]

#: Most rows copied to the clipboard at once.
MAX_COPY_ROWS = 10_000


def acting_rows(view: LogView) -> range:
    """The rows of ``view`` an action takes: the selected ones, else the cursor's (empty: none)."""
    rows = view.rows
    selection = view.selection
    if selection is not None:
        return range(view_index(rows, selection[0]), min(len(rows), view_index(rows, selection[1] + 1)))
    index = view.cursor_index
    return range(0) if index is None else range(index, index + 1)


def selected_text(view: LogView) -> tuple[str, int]:
    """The rows selected in ``view`` (else the cursor's) as they are shown, and how many.

    Escapes stay visible (``␛``, ``\\u202e``...); colours are left out.
    """
    rows = view.rows
    chosen = acting_rows(view)
    first = chosen.start
    last = min(chosen.stop, first + MAX_COPY_ROWS)
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


def toggle_marks(view: LogView, marks: Marks) -> str:
    """Mark the rows an action takes in ``view`` (or unmark them if all are marked); what to say."""
    chosen = acting_rows(view)
    rows = [view.rows.row(index) for index in chosen]
    if not rows:
        return ""
    marked = marks.toggle((row.offset, row.timestamp_ns) for row in rows)
    what = "1 line" if len(rows) == 1 else f"{len(rows):,} lines"
    return f"{'marked' if marked else 'unmarked'} {what} · {len(marks):,} marked"


def export_scopes(view: LogView, marks: Marks) -> dict[str, array[int]]:
    """What export can write, by name: ``"shown"`` (``None`` rows: all), the selection, the marked rows.

    Returns:
        For each scope but "shown", the model rows it holds, in order; a
        scope with no rows is left out.
    """
    scopes: dict[str, array[int]] = {}
    selection = view.selection
    rows = view.rows
    if selection is not None:
        scopes["selection"] = array("I", (rows.merged_index(index) for index in acting_rows(view)))
    offsets = rows.model.offsets
    marked = array("I")
    for offset in marks:
        row = bisect_left(offsets, offset)
        if row < len(offsets) and offsets[row] == offset:
            marked.append(row)
    if marked:
        scopes["marked"] = marked
    return scopes


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

    def ask(
        self, view: LogView, marks: Marks, shown: RowTest, shown_rows: bytearray | None = None
    ) -> None:
        """Ask where to save which rows of ``view`` (every row shown, the selection, the marked ones).

        ``shown_rows``: a flag per model row, the rows shown when context lines are.
        """
        model = view.rows.model
        scopes = export_scopes(view, marks)

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self.export(model, len(model), request, shown, scopes.get(request.scope), shown_rows)

        counts = [(name, len(rows)) for name, rows in scopes.items()]
        shown_count = len(view.rows) if shown_rows is None else sum(shown_rows)
        prompt = ExportPrompt(f"{export_stem(model.path)}-shown.txt", shown_count, counts)
        self.app.push_screen(prompt, chosen)

    def export(
        self, model: LogModel, end_row: int, request: ExportRequest, shown: RowTest,
        only: array[int] | None = None, shown_rows: bytearray | None = None,
    ) -> None:
        """Write the rows of ``model`` below ``end_row`` that pass ``shown`` as ``request`` asks.

        Args:
            only: write these model rows, all of them (the selection, the marked rows).
            shown_rows: a flag per model row, the rows to write instead of
                those passing ``shown`` (context lines shown).
        """
        if isinstance(model, MergedModel):  # several logs: as iolog cat prints them (prefixes, attrs)
            self._export_merged(model, end_row, request, shown, only, shown_rows)
            return
        offsets, kinds = model.offsets, model.kinds  # a worker reads them below end_row
        if only is not None:
            offsets = array("q", (offsets[row] for row in only if row < end_row))
            kinds = array("B", (kinds[row] for row in only if row < end_row))
            end_row = len(offsets)
            shown, shown_rows = _every_line, None
        self._export(model.path, offsets, kinds, end_row, request.path, request.export_format, shown,
                     shown_rows)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(
        self, path: str, offsets: array[int], kinds: array[int], end_row: int, target: str,
        export_format: ExportFormat, shown: RowTest, shown_rows: bytearray | None,
    ) -> None:
        worker = get_current_worker()
        try:
            count = export_rows(
                path, offsets, kinds, end_row, shown, target, export_format,
                should_stop=lambda: worker.is_cancelled, shown_rows=shown_rows,
            )
        except OSError as exc:
            self.post_message(ExportDone(target, 0, exc.strerror or str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(ExportDone(target, count))

    @work(thread=True, group="export", exit_on_error=False)
    def _export_merged(
        self, model: MergedModel, end_row: int, request: ExportRequest, shown: RowTest,
        only: array[int] | None, shown_rows: bytearray | None,
    ) -> None:
        worker = get_current_worker()
        try:
            count = export_merged_rows(model, end_row, shown, request.path, request.export_format, only=only,
                                       shown_rows=shown_rows, should_stop=lambda: worker.is_cancelled)
        except OSError as exc:
            self.post_message(ExportDone(request.path, 0, exc.strerror or str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(ExportDone(request.path, count))

    @on(ExportDone)
    def _done(self, message: ExportDone) -> None:
        self.last = message
        where = safe_label(os.path.abspath(message.path))
        if message.error:
            self.notify(f"cannot save {where}: {message.error}", severity="error", markup=False)
        else:
            self.notify(f"saved {message.rows:,} lines to {where}", timeout=4, markup=False)


def _every_line(_kind: int, _message: bytes) -> bool:
    """Every line passes (rows chosen one by one: the selection, the marks)."""
    return True


def detail_for(view: LogView, model: LogModel, now_ns: int) -> DetailScreen | str:
    """The detail screen of the cursor's row of ``view`` (a clock step: a note instead)."""
    index = view.cursor_index
    assert index is not None
    row = view.rows.merged_index(index)
    kind, offset = model.kinds[row], model.offsets[row]
    if kind == RowKind.CLOCK_STEP:
        return clock_step_text(model.row(row).length)
    shown = model.row(row)
    skipped = shown.length if kind > RowKind.STDERR else None
    if not isinstance(model, MergedModel):
        return DetailScreen(model.path, offset, Stream(min(kind, 1)), now_ns=now_ns, skipped=skipped,
                            may_be_torn=shown.may_be_torn)
    log = model.row_logs[row]  # read back from the row's own log
    return DetailScreen(model.logs[log].path, model.own_offset(row), Stream(min(kind, 1)), now_ns=now_ns,
                        skipped=skipped, source=model.names[log], may_be_torn=shown.may_be_torn)
