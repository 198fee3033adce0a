"""The timeline: entries per time bucket across the shown window, above the log.

This module owns the strip, its state and its two workers. The histogram is
computed in a worker with :mod:`iolog_tui.model.histogram` (exactly for a
small window, from the time index for a big one), again now and then while
the log grows; :class:`Timeline` draws it in two rows of bars, stdout above
in the stdout colour and stderr below in the stderr colour, on one scale,
then a row of error and warning lines per bucket (red where a bucket holds
an error, else yellow; from the level count, see
:func:`~iolog_tui.model.histogram.rows_per_bucket`), with the bucket
holding the top row on screen marked, and a cursor for the keyboard. The
axis gives the scale: the time a column spans and the count of a full bar. A
chosen bucket is found in the file by a second worker (a seek through the
time index), and the strip posts :class:`Timeline.OffsetChosen` once the
viewer has read that far. A view of several logs merged by time counts
every log shown (:mod:`iolog_tui.model.mergedhistogram`), and a chosen
bucket is the first merged row at or after its start.
"""

from __future__ import annotations

import time
from array import array
from dataclasses import dataclass
from typing import ClassVar, Protocol

from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from iolog import format_docker_time

from .logview import LogView
from .model.histogram import (
    EXACT_MAX_BYTES,
    Histogram,
    count_entries,
    exact_histogram,
    histogram,
    rows_per_bucket,
)
from .model.mergedhistogram import merged_histogram, merged_row_at
from .model.mergedrows import MergedModel
from .model.navigation import Navigator
from .model.rows import LogModel
from .model.timerange import TimeRange
from .render import TimeFormat, format_time
from .safetext import safe_label
from .timelineaxis import LABEL_CELLS, axis_text

__all__ = ["LABEL_CELLS", "Timeline"]

#: Least time between two recomputations while the log still grows or is scanned.
RECOMPUTE_EVERY_S = 2.0
_BARS = " ▁▂▃▄▅▆▇█"


class LevelLines(Protocol):
    """Where the error and warning lines are: model rows, increasing (the level bar)."""

    errors: array[int]
    warnings: array[int]


class Timeline(Widget, can_focus=True):
    """A strip of entries per time bucket; click a bucket (or Enter on it) to go there.

    Args:
        model: the rows shown (their offsets and streams refine the index's counts).
        navigator: the file's time index.
        levels: the error and warning lines found so far.
        id: as for any widget.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "move(-1)", "Earlier", show=False, id="earlier"),
        Binding("right,l", "move(1)", "Later", show=False, id="later"),
        Binding("home,g", "move(-100000)", "First", show=False, id="first"),
        Binding("end,G", "move(100000)", "Last", show=False, id="last"),
        Binding("enter", "choose", "Go there"),
        Binding("escape", "leave", "Back to the log"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--stdout",
        "timeline--stderr",
        "timeline--error",
        "timeline--warning",
        "timeline--label",
        "timeline--position",
        "timeline--cursor",
    }

    @dataclass
    class Chosen(Message):
        """A bucket was clicked or chosen: show the entries from ``since_ns``."""

        since_ns: int

    @dataclass
    class Left(Message):
        """The user asked to go back to the log (Esc)."""

    @dataclass
    class OffsetChosen(Message):
        """Show the rows from file ``offset`` on: the first entry of the chosen bucket."""

        offset: int

    @dataclass
    class Ready(Message):
        """A histogram was computed for the model generation ``generation``."""

        generation: int
        histogram: Histogram | None
        note: str = ""
        edges: tuple[int, ...] = ()

    @dataclass
    class Found(Message):
        """A chosen bucket's first entry (in file order) is at ``offset``."""

        generation: int
        offset: int

    def __init__(
        self, model: LogModel, navigator: Navigator, levels: LevelLines, *,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(id=id)
        self.model = model
        self.levels = levels
        """The error and warning lines (read when drawing)."""
        self.edges: tuple[int, ...] = ()
        """Where each bucket begins in the file, then where the last ends (for the level row)."""
        self.navigator = navigator
        """The file's time index (set again by the log screen when the file is replaced)."""
        self.time_range = TimeRange()
        """The window shown (set by the log screen)."""
        self.scanning = True
        """The viewer still scans the file (set by the log screen)."""
        self.tailing = False
        """The file is followed (set by the log screen)."""
        self.histogram: Histogram | None = None
        """What is drawn; ``None`` until computed."""
        self.note = ""
        """What the strip says instead of bars (indexing, no entries)."""
        self.position_ns: int | None = None
        """The time of the top row on screen, marked on the strip."""
        self.cursor: int | None = None
        """The bucket chosen with the keyboard."""
        self.marked_ns: list[int] = []
        """The times of the marked rows (set by the log screen): a mark under their buckets."""
        self.time_format = TimeFormat.UTC
        """How the axis shows times (set by the log screen)."""
        self._computed_at = 0.0
        self._worker: Worker[None] | None = None
        self._key: tuple[int, int, frozenset[int]] | None = None
        self._pending: tuple[int, int] | None = None
        self._drawn_levels = (0, 0)

    @property
    def shown(self) -> bool:
        """The strip is on screen."""
        return self.has_class("-shown")

    def toggle(self) -> bool:
        """Show the strip (and put the keyboard on it) or hide it; returns whether shown."""
        shown = not self.shown
        self.set_class(shown, "-shown")
        if shown:
            self._key = None
            # Count once the strip has its width (it had none while hidden).
            self.call_after_refresh(self.update_strip)
            self.focus()
        return shown

    def on_mount(self) -> None:
        self.set_interval(0.5, self.update_strip)

    @property
    def buckets(self) -> int:
        """How many buckets fit across the strip."""
        return max(1, self.content_region.width - LABEL_CELLS)

    def show(self, histogram: Histogram | None, note: str = "", edges: tuple[int, ...] = ()) -> None:
        """Draw ``histogram`` (or ``note`` when there is none); ``edges``: its buckets in the file."""
        self.histogram = histogram
        self.edges = edges
        self.note = note
        if histogram is not None and self.cursor is not None:
            self.cursor = min(self.cursor, len(histogram) - 1)
        self.refresh()

    def mark(self, position_ns: int | None) -> None:
        """Mark the bucket holding ``position_ns``."""
        if position_ns != self.position_ns:
            self.position_ns = position_ns
            self.refresh()

    def mark_cursor_of(self, view: LogView) -> None:
        """Mark the bucket holding the cursor's row of ``view`` (while the strip is shown)."""
        if not self.shown:
            return
        index = view.cursor_index
        self.mark(None if index is None else view.rows.row(index).timestamp_ns)

    def _position_bucket(self) -> int | None:
        if self.histogram is None or self.position_ns is None:
            return None
        return self.histogram.bucket_of(self.position_ns)

    def render(self) -> Text:
        """Four lines: stdout bars, stderr bars, error and warning lines, and the time axis."""
        label = self.get_component_rich_style("timeline--label")
        width = self.content_region.width
        hist = self.histogram
        if hist is None:
            note = safe_label(self.note) or "timeline: reading the index…"
            text = Text(" " * LABEL_CELLS + note, label)
            text.append("\n\n\n")
            return text
        position = self._position_bucket()
        cursor = self.cursor if self.has_focus else None
        marked = self.get_component_rich_style("timeline--position")
        chosen = self.get_component_rich_style("timeline--cursor")
        text = Text(no_wrap=True, overflow="crop")
        top = max(max(hist.stdout, default=0.0), max(hist.stderr, default=0.0)) or 1.0
        errors, warnings = self._level_counts(hist)
        error_style = self.get_component_rich_style("timeline--error")
        warning_style = self.get_component_rich_style("timeline--warning")
        level_totals = [error + warning for error, warning in zip(errors, warnings, strict=True)]
        level_top = max(level_totals, default=0)
        rows = [("stdout", hist.stdout, top, [self.get_component_rich_style("timeline--stdout")] * len(hist)),
                ("stderr", hist.stderr, top, [self.get_component_rich_style("timeline--stderr")] * len(hist)),
                ("levels", level_totals, level_top or 1,
                 [error_style if error else warning_style for error in errors])]
        for name, counts, row_top, styles in rows:
            text.append(f"{name:<{LABEL_CELLS - 1}} ", label)
            for bucket, count in enumerate(counts):
                level = 0 if count <= 0 else max(1, round(count / row_top * (len(_BARS) - 1)))
                # The cursor and the marker change the background only: bars keep their colour.
                cell_style = styles[bucket]
                if bucket == cursor:
                    cell_style = cell_style + Style(bgcolor=chosen.bgcolor)
                elif bucket == position:
                    cell_style = cell_style + Style(bgcolor=marked.bgcolor)
                text.append(_BARS[level], cell_style)
            text.append("\n")
        scale = (round(top) if max(hist.stdout + hist.stderr, default=0) else 0, level_top)
        text.append(self._axis(hist, width, position, cursor, label, scale))
        return text

    def _level_counts(self, hist: Histogram) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Error and warning lines per bucket (none until the buckets' places are known)."""
        levels = self.levels
        self._drawn_levels = (len(levels.errors), len(levels.warnings))
        if len(self.edges) != len(hist) + 1:
            empty = (0,) * len(hist)
            return empty, empty
        offsets = self.model.offsets
        return (rows_per_bucket(self.edges, offsets, levels.errors),
                rows_per_bucket(self.edges, offsets, levels.warnings))

    def _axis(
        self, hist: Histogram, width: int, position: int | None, cursor: int | None, label: Style,
        scale: tuple[int, int],
    ) -> Text:
        """The axis line: the window's ends, the marked bucket, marks, the cursor's time or the scale."""
        return axis_text(
            hist, width - LABEL_CELLS, position, cursor, self._stamp, scale=scale, label=label,
            marked=self.get_component_rich_style("timeline--position"), marks=self.marked_ns,
        )

    def _stamp(self, timestamp_ns: int) -> str:
        if self.time_format is TimeFormat.LOCAL:
            return format_time(timestamp_ns, TimeFormat.LOCAL, 0)[:19]
        return format_docker_time(timestamp_ns)[:19] + "Z"

    # -- choosing a bucket ------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        """Go to the clicked bucket."""
        offset = event.get_content_offset(self)
        hist = self.histogram
        if offset is None or hist is None:
            return
        bucket = offset.x - LABEL_CELLS
        if 0 <= bucket < len(hist):
            self.cursor = bucket
            self.refresh()
            self.post_message(self.Chosen(hist.bucket_start(bucket)))

    def on_focus(self) -> None:
        """Start the cursor at the marked bucket."""
        if self.cursor is None:
            self.cursor = self._position_bucket() or 0
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, step: int) -> None:
        """Move the cursor ``step`` buckets (clamped to the strip)."""
        hist = self.histogram
        if hist is None:
            return
        start = self.cursor if self.cursor is not None else (self._position_bucket() or 0)
        self.cursor = max(0, min(len(hist) - 1, start + step))
        self.refresh()

    def action_choose(self) -> None:
        """Go to the bucket under the cursor."""
        hist = self.histogram
        if hist is not None and self.cursor is not None:
            self.post_message(self.Chosen(hist.bucket_start(self.cursor)))

    def action_leave(self) -> None:
        """Back to the log."""
        self.post_message(self.Left())


    # -- computing the histogram ------------------------------------------------

    def update_strip(self) -> None:
        """Recompute when the window, the width or the log changed; redraw when the level count grew."""
        if not self.shown or self.content_region.width <= LABEL_CELLS:
            return
        if (len(self.levels.errors), len(self.levels.warnings)) != self._drawn_levels:
            self.refresh()
        # A merged view counts the logs shown: choosing others counts again.
        hidden: frozenset[int] = getattr(self.model, "hidden", frozenset())
        key = (self.model.generation, self.buckets, hidden)
        growing = self.scanning or self.tailing
        now = time.monotonic()
        if key == self._key:
            # The same window, grown: count again now and then, never cutting a count short
            # (the first one builds the index, which a restart would throw away).
            busy = self._worker is not None and self._worker.is_running
            if busy or not growing or now - self._computed_at < RECOMPUTE_EVERY_S:
                return
        self._key = key
        self._computed_at = now
        chosen = self.time_range
        self._worker = self._compute(
            key[0], key[1], chosen.since_ns, chosen.until_ns, self._exact_range()
        )

    def rows_arrived(self) -> None:
        """The scan added rows: go to a bucket waiting for them; count a new window."""
        pending = self._pending
        if pending is not None and (self.model.scanned_to >= pending[1] or not self.scanning):
            self._pending = None
            self._go(*pending)
        if self.shown and self._key is not None and self._key[0] != self.model.generation:
            self.update_strip()

    def _exact_range(self) -> tuple[int, int] | None:
        """The file range to count entry by entry, or ``None`` for the index's estimate.

        A small file is read whole; a bigger one when the shown rows, once
        scanned, span at most ``EXACT_MAX_BYTES``.
        """
        model = self.model
        size = model.size
        if size <= EXACT_MAX_BYTES:
            return 0, size
        if not self.scanning and not self.tailing and len(model.offsets):
            start = model.offsets[0]
            if model.scanned_to - start <= EXACT_MAX_BYTES:
                return start, model.scanned_to
        return None

    @work(thread=True, exclusive=True, group="timeline", exit_on_error=False)
    def _compute(
        self,
        generation: int,
        buckets: int,
        since_ns: int | None,
        until_ns: int | None,
        exact_range: tuple[int, int] | None,
    ) -> None:
        worker = get_current_worker()
        navigator = self.navigator
        if isinstance(self.model, MergedModel):  # every log shown, counted on its own and summed
            try:
                merged, edges = merged_histogram(self.model, buckets, since_ns=since_ns, until_ns=until_ns,
                                                 should_stop=lambda: worker.is_cancelled)
            except Exception as exc:  # noqa: BLE001 - said on the strip, never a crash
                if not worker.is_cancelled:
                    self.post_message(self.Ready(generation, None, f"timeline: {exc}"))
                return
            if not worker.is_cancelled:
                self.post_message(self.Ready(generation, merged, "" if merged else "no entries", edges))
            return
        if exact_range is not None:
            try:
                entries = count_entries(
                    navigator.path, *exact_range, since_ns=since_ns, until_ns=until_ns,
                    should_stop=lambda: worker.is_cancelled,
                )
            except OSError as exc:
                self.post_message(self.Ready(generation, None, f"timeline: {exc}"))
                return
            if entries is not None and not worker.is_cancelled:
                result = exact_histogram(*entries, buckets, since_ns=since_ns, until_ns=until_ns)
                edges = self._edges(result, worker)
                self.post_message(self.Ready(generation, result, "" if result else "no entries", edges))
            return

        def progress(done_bytes: int, total_bytes: int) -> None:
            if total_bytes:
                note = f"timeline: indexing the log {done_bytes / total_bytes:.0%}…"
                self.post_message(self.Ready(generation, None, note))

        try:
            index = navigator.index(progress=progress, should_stop=lambda: worker.is_cancelled)
        except Exception as exc:  # noqa: BLE001 - said on the strip, never a crash
            if not worker.is_cancelled:
                self.post_message(self.Ready(generation, None, f"timeline: {exc}"))
            return
        model = self.model
        result = histogram(
            index, buckets, since_ns=since_ns, until_ns=until_ns, row_offsets=model.offsets,
            stdout_rows=model.stream_rows[0], stderr_rows=model.stream_rows[1],
            scanned_to=model.scanned_to if self.scanning else index.end_offset,
        )
        edges = self._edges(result, worker)
        if not worker.is_cancelled:
            self.post_message(self.Ready(generation, result, "" if result else "no entries", edges))

    def _edges(self, hist: Histogram | None, worker: Worker[None]) -> tuple[int, ...]:
        """Where each bucket of ``hist`` begins in the file, then where the last ends (in a worker)."""
        if hist is None:
            return ()
        seek = self.navigator.seek
        edges = []
        try:
            for bucket in range(len(hist) + 1):
                if worker.is_cancelled:
                    return ()
                edges.append(seek(hist.bucket_start(bucket), should_stop=lambda: worker.is_cancelled))
        except Exception:  # noqa: BLE001 - the level row stays empty, never a crash
            return ()
        return tuple(edges)

    @on(Ready)
    def _ready(self, message: Ready) -> None:
        if message.generation != self.model.generation:
            return
        if message.histogram is None and self.histogram is not None and not message.note.startswith("no"):
            return
        self.show(message.histogram, message.note, message.edges)

    # -- going to a chosen bucket -----------------------------------------------------

    @on(Chosen)
    def _chosen(self, message: Chosen) -> None:
        self._seek(self.model.generation, message.since_ns)

    @work(thread=True, exclusive=True, group="timeline-seek", exit_on_error=False)
    def _seek(self, generation: int, since_ns: int) -> None:
        model = self.model
        if isinstance(model, MergedModel):  # a merged row's place is its number
            self.post_message(self.Found(generation, merged_row_at(model, since_ns)))
            return
        offset = self.navigator.seek(since_ns)
        self.post_message(self.Found(generation, offset))

    @on(Found)
    def _found(self, message: Found) -> None:
        if message.generation != self.model.generation:
            return
        merged = isinstance(self.model, MergedModel)  # its rows are found among those read
        if self.scanning and self.model.scanned_to < message.offset and not merged:
            self._pending = (message.generation, message.offset)
            self.notify("going there once the viewer has read that far…", timeout=2)
            return
        self._go(message.generation, message.offset)

    def _go(self, generation: int, offset: int) -> None:
        if generation == self.model.generation:
            self.post_message(self.OffsetChosen(offset))
