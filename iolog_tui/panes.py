"""The log panes: merged, split by stream or by log, wrapped, timed, following; and their scan.

One :class:`~iolog_tui.model.LogModel` (of one log, or of several merged by
time: :mod:`~iolog_tui.sourcelogs`) backs three :class:`~iolog_tui.logview.LogView` s
(every row; stdout; stderr) and one per log of several (:mod:`~iolog_tui.logsplit`).
A scan worker (:func:`~iolog_tui.scanjob.run_scan`, a thread) decodes the file
from the chosen start (found through the time index for a "since"), posts
:class:`~iolog_tui.messages.RowsFound` batches, and when following reads what
is appended; a truncated or replaced file starts a new scan. The panes apply
batches on the UI thread; the scan messages then go on up to the screen.

The panes keep their cursors in step with following: while the cursor of
the pane worked in is on the last row, a growing file moves it on. One pane
at a time has selected rows; the marks (:class:`~iolog_tui.model.marks.Marks`)
are shared by every pane.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.worker import get_current_worker

from iolog import SourceState, SourceStatus

from .cursors import drop_other_selections, settle_cursor, show_row
from .logsplit import LogSplit, pane_rows
from .logview import LogView
from .messages import IndexProgress, RowsFound, ScanFailed, ScanFinished, SourceChanged
from .model.marks import Marks
from .model.mergedrows import MergedModel
from .model.navigation import Navigator
from .model.rows import RowView
from .model.search import Matcher
from .model.timerange import Landing, TimeRange
from .placeholder import placeholder_text
from .render import TimeFormat, match_highlighter
from .safetext import safe_label
from .sourcelogs import joined_names, landing_in_logs, model_of, scan_job, source_names
from .sources import LogSource
from .splitmodes import keep_in_step, next_pane, next_split, show_panes
from .statusbar import entryless_text

__all__ = ["FIRST_PAINT_WAIT_S", "LogPanes"]

#: Longest a scan waits for the first screenful to be drawn before going on.
FIRST_PAINT_WAIT_S = 1.0


class LogPanes(Horizontal):
    """The log's panes and the scan that fills them.

    Args:
        source: the file to show and, for a live source, its pump.
        time_range: the initial since/until window.
        follow: start following the file.
        time_format: how timestamps are shown at first.
        clock: unix nanoseconds "now" (for durations and relative times).
        id: as for any widget.
    """

    split: reactive[bool] = reactive(False)
    """stdout and stderr in two panes."""
    by_log: reactive[bool] = reactive(False)
    """One pane per log (several logs; never with ``split``)."""
    following: reactive[bool] = reactive(False)
    """Stay at the bottom as rows arrive (false while paused)."""
    time_format: reactive[TimeFormat] = reactive(TimeFormat.UTC)
    """How timestamps are shown."""
    wrap: reactive[bool] = reactive(False)
    """Wrap long lines."""

    def __init__(
        self,
        source: LogSource,
        *,
        time_range: TimeRange,
        follow: bool,
        time_format: TimeFormat,
        clock: Callable[[], int],
        id: str | None = None,  # noqa: A002 - Textual's name
    ) -> None:
        super().__init__(id=id)
        self.source = source
        self.clock = clock
        self.model = model_of(source)
        self.navigator = Navigator(source.path)
        """The file's time index and follower (a new one when the file is replaced)."""
        self.time_range = time_range
        self.tailing = True
        """The file is followed: new rows are read as they are written (always, since the viewer is live)."""
        self.new_rows = 0
        """Rows that arrived while following was paused."""
        self.scan_progress: float | None = 0.0
        """Fraction of the file scanned, ``None`` once done."""
        self.index_progress: float | None = None
        """Fraction of the time index built, while it is being built."""
        self.skipping: tuple[int, int] | None = None
        """While the scan passes over undecodable bytes: where they begin, how far it has read."""
        self.entryless_bytes: int | None = None
        """The scan found no entry at all in this many bytes (the file is not a log)."""
        self.source_note = ""
        """The last thing a live source said (connected, disconnected...)."""
        self.marks = Marks()
        """The marked rows, shared by every pane (by byte offset: they outlast filters and windows)."""
        self._start_follow = follow or source.live or time_range.since_ns is None
        self._ui_ready = False
        self._painted = threading.Event()
        self._undecided: set[LogView] = set()
        merged = self.model if isinstance(self.model, MergedModel) else None
        self.log_split = LogSplit(merged, now_ns=clock, id="log-split")
        """The panes of the split by log (none for one log)."""
        self.set_reactive(LogPanes.time_format, time_format)

    def compose(self) -> ComposeResult:
        now = self.clock
        yield from (
            LogView(self.model.merged, now_ns=now, id="merged"),
            LogView(self.model.stdout, now_ns=now, id="stdout", classes="stream-pane"),
            LogView(self.model.stderr, now_ns=now, id="stderr", classes="stream-pane"),
        )
        yield self.log_split

    def _prepare(self, view: LogView) -> None:
        view.marks = self.marks
        view.painter.show_sources(source_names(self.model))
        view.time_format = self.time_format
        view.wrap = self.wrap

    @property
    def views(self) -> list[LogView]:
        """Every pane (shown or not)."""
        return list(self.query(LogView))

    @property
    def visible_views(self) -> list[LogView]:
        """The panes on screen now."""
        if self.split:
            return [self.query_one("#stdout", LogView), self.query_one("#stderr", LogView)]
        if self.by_log:
            return [*self.log_split.shown_panes()]
        return [self.query_one("#merged", LogView)]

    def active_view(self) -> LogView:
        """The pane the user is working in (focused, else the first shown)."""
        focused = self.screen.focused
        if isinstance(focused, LogView) and focused.display:
            return focused
        return self.visible_views[0]

    def on_mount(self) -> None:
        self._ui_ready = True
        for view in self.views:
            self._prepare(view)
        self.query_one("#merged", LogView).focus()
        if self.source.pump is not None:
            self.source.pump.start(self._pump_status)
        self.following = self._start_follow
        self._start_scan()
        self.set_interval(1.0, self._tick)

    def on_unmount(self) -> None:
        self.workers.cancel_node(self)
        self.source.close()
        self.navigator.close()
        self.model.close()

    def _pump_status(self, status: SourceStatus) -> None:
        """From the pump's thread: hand a status over to the UI thread."""
        self.post_message(SourceChanged(-1, status))

    def _tick(self) -> None:
        if self.time_format is TimeFormat.RELATIVE:
            for view in self.visible_views:
                view.restyle()
        if self.scan_progress is None and self.navigator.entry_count() is not None:
            # Counts stay current as the file grows.
            self.run_worker(self.navigator.catch_up, thread=True, exclusive=True, group="catch-up",
                            exit_on_error=False)

    # -- scanning -------------------------------------------------------------------

    def _start_scan(self, *, reopen: bool = False) -> None:
        generation = self.model.reset(reopen=reopen)
        if self.source.logs:
            self.marks.clear()  # several logs: a row's place is its number, which a new scan gives anew
        self._painted = threading.Event()
        self.new_rows = 0
        self.scan_progress = 0.0
        self.skipping = None
        self.entryless_bytes = None
        for view in self.views:
            view.reset()
        self._scan(generation, self.time_range)
        self.refresh_panes()

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False)
    def _scan(self, generation: int, time_range: TimeRange) -> None:
        worker = get_current_worker()
        painted = self._painted
        scan_job(self.source, self.navigator)(
            generation,
            since_ns=time_range.since_ns, until_ns=time_range.until_ns,
            post=self.post_message, cancelled=lambda: worker.is_cancelled,
            tailing=lambda: self.tailing,
            first_batch_shown=lambda: painted.wait(timeout=FIRST_PAINT_WAIT_S),
        )

    @on(RowsFound)
    def _rows_found(self, message: RowsFound) -> None:
        before = len(self.model)
        if not self.model.apply(message.batch):
            return
        if message.batch.early:
            # Taken only to free the scan's arrays: the rows are drawn with the
            # next batch, due within the scan's interval (one redraw per interval).
            message.stop()
            return
        if not self._painted.is_set():
            self.call_after_refresh(self._painted.set)
        batch = message.batch
        if joined := joined_names(batch):  # a followed folder gained logs
            for view in self.views:
                view.painter.show_sources(source_names(self.model))
            self.run_worker(self.log_split.add_logs(self._prepare))
            self.notify(f"{', '.join(map(safe_label, joined))} joined the view", timeout=5)
        if self.scan_progress is not None and message.total_bytes:
            self.scan_progress = min(1.0, batch.read_to / message.total_bytes)
            skipping_from = batch.skipping_from
            self.skipping = None if skipping_from is None else (skipping_from, batch.read_to)
        elif not self.following and self.tailing:
            self.new_rows += max(0, len(self.model) - before)
        if self.entryless_bytes is not None and self._line_rows():
            self.entryless_bytes = None
        for view in self.views:
            view.stick_to_bottom = self.following
            view.rows_changed()
        self.refresh_panes()

    def _line_rows(self) -> int:
        return len(self.model.stdout) + len(self.model.stderr)

    @on(ScanFinished)
    def _scan_finished(self, message: ScanFinished) -> None:
        if message.generation == self.model.generation:
            self.scan_progress = None
            self.index_progress = None
            self.skipping = None
            size = self.model.size
            if size and not self._line_rows() and self.time_range.is_all:
                # The check before opening looks only at the file's start.
                self.entryless_bytes = size
                if not self.source.live:
                    self.notify(entryless_text(size, False), severity="warning", timeout=8)
            self.refresh_panes()

    @on(IndexProgress)
    def _index_progress(self, message: IndexProgress) -> None:
        if message.generation == self.model.generation and message.total_bytes:
            self.index_progress = message.done_bytes / message.total_bytes

    @on(ScanFailed)
    def _scan_failed(self, message: ScanFailed) -> None:
        if message.generation == self.model.generation:
            self.scan_progress = None
            self.source_note = message.reason
            self.refresh_panes()

    @on(SourceChanged)
    def _source_changed(self, message: SourceChanged) -> None:
        status = message.status
        self.source_note = "" if status.state is SourceState.CONNECTED else status.message
        if message.generation == self.model.generation and status.state in (
            SourceState.TRUNCATED,
            SourceState.REPLACED,
        ):
            # The time index describes the old contents: start a fresh one.
            stale, self.navigator = self.navigator, Navigator(self.source.path)
            threading.Thread(target=stale.close, name="iolog-close-index", daemon=True).start()
            self.marks.clear()  # their offsets now mean other rows
            self._start_scan(reopen=True)

    def apply_time_range(self, chosen: TimeRange) -> None:
        """Show only rows in ``chosen``: re-seek through the index and rescan.

        With a since the cursor starts at the since point; without one, at the
        end, following.
        """
        self.time_range = chosen
        self.following = chosen.since_ns is None
        self._start_scan()

    def locate(
        self, since_ns: int | None, progress: Callable[[int, int], None] | None = None
    ) -> Landing:
        """Where ``since_ns`` lands in the whole log, or in every log (called in a worker thread)."""
        if self.source.logs:
            return landing_in_logs(self.model, since_ns, progress)
        return self.navigator.landing(since_ns, len(self.model), progress=progress)

    # -- follow, split, wrap, time ----------------------------------------------------

    def follow(self) -> None:
        """Follow the file: stay at the bottom as entries arrive."""
        self.tailing = True
        self.following = True

    def watch_following(self, following: bool) -> None:
        self.set_class(following, "-following")
        self.refresh_bindings()
        if following:
            self.new_rows = 0
        for view in self.views if self._ui_ready else []:
            view.stick_to_bottom = following
            if following:
                view.rows_changed()

    def next_split(self) -> None:
        """Merged → split by stream → (several logs) split by log → merged."""
        logs = len(self.model.logs) if isinstance(self.model, MergedModel) else 1
        split, by_log = next_split(self.split, self.by_log, logs)
        self.set_reactive(LogPanes.split, split)
        self.set_reactive(LogPanes.by_log, by_log)
        self._switched()

    def _switched(self) -> None:
        self.set_class(self.split, "-split")
        self.set_class(self.by_log, "-by-log")
        self.refresh_bindings()
        if self._ui_ready:
            if self.by_log:
                self.log_split.lay_out()
            merged = self.query_one("#merged", LogView)
            show_panes(self.visible_views, self.screen.focused, merged, lambda: self.following)
            self.refresh_panes()

    watch_split = watch_by_log = _switched

    def other_pane(self) -> None:
        """Move focus to the next pane of the split."""
        next_pane(self.visible_views, self.screen.focused).focus()

    def watch_time_format(self, time_format: TimeFormat) -> None:
        for view in self.views if self._ui_ready else []:
            view.time_format = time_format

    def watch_wrap(self, wrap: bool) -> None:
        self.set_class(wrap, "-wrap")
        for view in self.views if self._ui_ready else []:
            view.wrap = wrap

    # -- scrolling ----------------------------------------------------------------------

    @on(LogView.Scrolled)
    def _view_scrolled(self, message: LogView.Scrolled) -> None:
        view = message.view
        view.clamp_cursor()  # the wheel takes the cursor along (a selection stays put)
        self._moved(view)

    @on(LogView.CursorMoved)
    def _cursor_moved(self, message: LogView.CursorMoved) -> None:
        view = message.view
        self._undecided.discard(view)
        if view.selection is not None:
            drop_other_selections(self.views, view)
        self.refresh_bindings()
        self._moved(view)

    def _moved(self, view: LogView) -> None:
        """The user moved ``view``: follow while its cursor is on the last row; keep the split in step."""
        following = self.tailing and view.cursor_on_last and view.selection is None
        if following != self.following:
            self.following = following
        if (self.split or self.by_log) and not self.following:
            keep_in_step(view, self.visible_views)

    def jump_to_offset(self, offset: int) -> None:
        """Put the first row at or after file ``offset`` at the top of the panes shown, with the cursor."""
        if self.following:
            self.following = False
        for view in self.visible_views:
            index = view.rows.index_at_offset(offset)
            view.quiet_scroll_to(index)
            view.move_cursor(index, announce=False)
        if self.tailing and self.active_view().cursor_on_last:
            self.following = True

    def put_cursor(self, view: LogView, model_row: int) -> None:
        """Put ``view``'s cursor on the first row it shows at or after ``model_row``, well in sight."""
        show_row(view, model_row)
        self.following = self.tailing and view.cursor_on_last
        self.refresh_bindings()

    def install_rows(self, rows_for: Callable[[LogView], RowView], *, complete: bool = True) -> None:
        """Give every pane the rows ``rows_for`` says it shows now, keeping its cursor.

        Args:
            rows_for: the rows of a pane.
            complete: those rows are all there (else a filter is still deciding them).
        """
        for view in self.views:
            view.rows = pane_rows(view, rows_for(view))
            view.reset(keep_cursor=True)
            if view.cursor.row is not None and not self.following:
                self._undecided.add(view)
            view.rows_changed()
            if self.following:
                view.call_after_refresh(view.quiet_scroll_to, view.max_scroll_y)
        self.rows_changed(complete=complete)
        if self.by_log:  # the source filter may have changed the logs shown
            self.log_split.lay_out()

    def rows_changed(self, *, complete: bool = False) -> None:
        """The rows the panes show grew (a filter passed more; ``complete``: all of them)."""
        for view in self.views:
            view.rows_changed()
        for view in list(self._undecided):
            self._decide_cursor(view, complete=complete)

    def _decide_cursor(self, view: LogView, *, complete: bool) -> None:
        """Once the pane's rows say whether its cursor's row is shown: keep it, or move it with a note."""
        note = settle_cursor(view, complete=complete)
        if note is None:
            return
        self._undecided.discard(view)
        if note and view.display:
            self.notify(note, timeout=3)
        self.refresh_bindings()

    def highlight(self, matcher: Matcher | None) -> None:
        """Style every match of ``matcher`` in every pane (``None``: no highlights)."""
        highlighter = None
        if matcher is not None:
            style = self.active_view().get_component_rich_style("log-view--match")
            highlighter = match_highlighter(matcher.spans, style)
        for view in self.views:
            view.highlighter = highlighter
            view.restyle()

    # -- the selection ---------------------------------------------------------------------

    @property
    def has_selection(self) -> bool:
        """Some pane has selected rows."""
        return any(view.selection is not None for view in self.views)

    def select(self, view: LogView, first: int, last: int) -> None:
        """Select model rows ``first`` to ``last`` in ``view``, the cursor on ``last`` (nothing elsewhere)."""
        drop_other_selections(self.views, view)
        view.cursor.row = first
        view.cursor.place(last, extend=True)
        view.reveal_cursor()
        view.refresh()
        self.refresh_bindings()

    def clear_selection(self, *, redraw: bool = True) -> None:
        """Select nothing but the cursor's row (the footer drops Esc if nothing else is left)."""
        for view in self.views:
            view.cursor.anchor = None
            if redraw:
                view.refresh()
        self.refresh_bindings()

    # -- what an empty pane says, and the split panes' titles -------------------------------

    def refresh_panes(self) -> None:
        """Redraw what depends on the scan: an empty pane's words, the split panes' titles."""
        if not self._ui_ready:
            return
        placeholders = {filtered: self._placeholder(filtered=filtered) for filtered in (False, True)}
        model = self.model
        for view in self.views:
            # A pane whose stream has lines, all of them hidden by the filters.
            stream_lines = len(model.stdout) + len(model.stderr) if view.rows.stream is None else len(
                model.stdout if int(view.rows.stream) == 0 else model.stderr)
            placeholder = placeholders[bool(stream_lines) and type(view.rows) is not RowView]
            if view.placeholder != placeholder:
                view.placeholder = placeholder
                view.refresh()
        if self.split:
            self.query_one("#stdout", LogView).border_title = f"stdout · {len(self.model.stdout):,}"
            self.query_one("#stderr", LogView).border_title = f"stderr · {len(self.model.stderr):,}"
        if self.by_log:
            self.log_split.retitle()

    def _placeholder(self, *, filtered: bool = False) -> str:
        """What an empty pane says (``filtered``: the filters hide every line it has)."""
        # The log's span helps only when the window holds nothing at all
        # (not when just one stream's pane is empty); else skip the work.
        span = None if len(self.model) or self.time_range.is_all else self.navigator.time_span()
        return placeholder_text(
            scanning=self.scan_progress is not None, time_range=self.time_range, span=span,
            tailing=self.tailing, time_format=self.time_format, now_ns=self.clock(), filtered=filtered,
        )

