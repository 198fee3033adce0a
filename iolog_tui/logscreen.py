"""The log screen: panes, status bar, keys and the scan worker.

This module owns the viewer's one screen. It holds one
:class:`~iolog_tui.model.rows.LogModel`; a scan worker (a thread, running
:func:`~iolog_tui.scanjob.run_scan`) decodes the file from the chosen start
(found through the time index for ``--since``), posts
:class:`~iolog_tui.messages.RowsFound` batches, and then, when following,
keeps reading what is appended. The screen applies batches on the UI thread
and tells the panes to redraw; nothing else touches the disk on the UI
thread except reading the few rows on screen.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Footer, Label
from textual.worker import get_current_worker

from iolog import SourceState, SourceStatus, format_docker_time

from .logview import LogView
from .messages import IndexProgress, RowsFound, ScanFailed, ScanFinished, SourceChanged
from .model.navigation import Navigator
from .model.rows import LogModel
from .model.timerange import Landing, TimeRange
from .render import TimeFormat, format_bytes, format_time
from .safetext import safe_label
from .scanjob import run_scan
from .screens import HelpScreen, SincePicker
from .sources import LogSource
from .timeline import Timeline, TimelineLayer

__all__ = ["LogScreen"]

_NOTE_CELLS = 44
#: Longest a scan waits for the first screenful to be drawn before going on.
FIRST_PAINT_WAIT_S = 1.0


class LogScreen(TimelineLayer):
    """One iolog file: merged or split by stream, by time, following.

    Args:
        source: the file to show and, for a live source, its pump.
        time_range: the initial since/until window.
        follow: start following the file.
        time_format: how timestamps are shown at first.
        clock: unix nanoseconds "now" (for durations and relative times).
    """

    BINDINGS = [
        Binding("s", "since", "Since"),
        Binding("f", "follow", "Follow"),
        Binding("f", "pause", "Pause"),
        Binding("p", "split", "Split"),
        Binding("t", "time_format", "Time"),
        Binding("w", "wrap", "Wrap"),
        Binding("tab", "other_pane", "Other pane", priority=True),
        Binding("question_mark", "help", "Help"),
        Binding("q", "app.quit", "Quit"),
    ]

    split: reactive[bool] = reactive(False)
    """stdout and stderr in two panes."""
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
        time_range: TimeRange | None = None,
        follow: bool = False,
        time_format: TimeFormat = TimeFormat.UTC,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        super().__init__()
        self.source = source
        self.clock = clock
        self.model = LogModel(source.path)
        self.navigator = Navigator(source.path)
        self.time_range = time_range or TimeRange()
        self.tailing = follow or source.live
        """The file is being followed (new rows are read as they are written)."""
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
        self._start_follow = follow or source.live
        self._ui_ready = False
        self._painted = threading.Event()
        self.mounted = asyncio.Event()
        """Set once the screen's widgets are mounted and its scan has started."""
        self.set_reactive(LogScreen.time_format, time_format)

    # -- layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        now = self.clock
        yield Timeline(id="timeline")
        with Horizontal(id="panes"):
            yield LogView(self.model.merged, now_ns=now, id="merged")
            yield LogView(self.model.stdout, now_ns=now, id="stdout", classes="stream-pane")
            yield LogView(self.model.stderr, now_ns=now, id="stderr", classes="stream-pane")
        with Horizontal(id="statusbar"):
            yield Label(id="status-left")
            yield Label(id="status-investigate")
            yield Label(id="status-right")
        yield Footer(show_command_palette=False)

    @property
    def views(self) -> list[LogView]:
        """Every pane (shown or not)."""
        return list(self.query(LogView))

    @property
    def visible_views(self) -> list[LogView]:
        """The panes on screen now."""
        if self.split:
            return [self.query_one("#stdout", LogView), self.query_one("#stderr", LogView)]
        return [self.query_one("#merged", LogView)]

    def on_mount(self) -> None:
        self._ui_ready = True
        for view in self.views:
            view.time_format = self.time_format
        self.query_one("#merged", LogView).focus()
        if self.source.pump is not None:
            self.source.pump.start(self._pump_status)
        self.following = self._start_follow
        self._start_scan()
        self._refresh_status()
        self.set_interval(1.0, self._tick)
        self.mounted.set()

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

    # -- scanning -------------------------------------------------------------------

    def _start_scan(self, *, reopen: bool = False) -> None:
        generation = self.model.reset(reopen=reopen)
        self._painted = threading.Event()
        self.new_rows = 0
        self.scan_progress = 0.0
        self.skipping = None
        self.entryless_bytes = None
        for view in self.views:
            view.reset()
        self._scan(generation, self.time_range)

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False)
    def _scan(self, generation: int, time_range: TimeRange) -> None:
        worker = get_current_worker()
        painted = self._painted
        run_scan(
            self.source.path, self.navigator, generation,
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
        if not self._painted.is_set():
            self.call_after_refresh(self._painted.set)
        batch = message.batch
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
        self._refresh_status()

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
                if not self.tailing:
                    self.notify(self._entryless_text(), severity="warning", timeout=8)
            self._refresh_status()

    @on(IndexProgress)
    def _index_progress(self, message: IndexProgress) -> None:
        if message.generation == self.model.generation and message.total_bytes:
            self.index_progress = message.done_bytes / message.total_bytes
            self._refresh_status()

    @on(ScanFailed)
    def _scan_failed(self, message: ScanFailed) -> None:
        if message.generation == self.model.generation:
            self.scan_progress = None
            self.source_note = message.reason
            self._refresh_status()

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
            self._start_scan(reopen=True)
        self._refresh_status()

    # -- follow, split and scrolling --------------------------------------------------

    def watch_following(self, following: bool) -> None:
        self.set_class(following, "-following")
        self.refresh_bindings()
        if following:
            self.new_rows = 0
        for view in self.views if self._ui_ready else []:
            view.stick_to_bottom = following
            if following:
                view.quiet_scroll_to(view.max_scroll_y)
                view.refresh()
        self._refresh_status()

    def watch_split(self, split: bool) -> None:
        self.set_class(split, "-split")
        self.refresh_bindings()
        if not self._ui_ready:
            return
        focused = self.focused
        if split:
            merged = self.query_one("#merged", LogView)
            offset = self._top_offset(merged)
            target = self.query_one("#stderr" if _is(focused, "stderr") else "#stdout", LogView)
            for view in self.visible_views:
                self._align(view, offset)
            target.focus()
        else:
            source = focused if isinstance(focused, LogView) else None
            merged = self.query_one("#merged", LogView)
            self._align(merged, self._top_offset(source) if source else None)
            merged.focus()
        self._refresh_status()

    def _top_offset(self, view: LogView | None) -> int | None:
        if view is None or not len(view.rows):
            return None
        return view.rows.offset(min(view.top_row, len(view.rows) - 1))

    def _align(self, view: LogView, offset: int | None) -> None:
        view.call_after_refresh(self._align_now, view, offset)

    def _align_now(self, view: LogView, offset: int | None) -> None:
        if self.following:
            view.quiet_scroll_to(view.max_scroll_y)
        elif offset is not None:
            view.quiet_scroll_to(view.rows.index_at_offset(offset))

    @on(LogView.Scrolled)
    def _view_scrolled(self, message: LogView.Scrolled) -> None:
        view = message.view
        if self.following and not view.at_bottom:
            self.following = False
        elif self.tailing and not self.following and view.at_bottom:
            self.following = True
        if self.split and not self.following:
            offset = self._top_offset(view)
            for other in self.visible_views:
                if other is not view and offset is not None:
                    other.quiet_scroll_to(other.rows.index_at_offset(offset))

    # -- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide keys that do nothing now (the footer shows only the rest)."""
        if action == "other_pane":
            return self.split and not isinstance(self.app.screen, (SincePicker, HelpScreen))
        if action == "follow" and self.following:
            return False
        if action == "pause":
            return self.following and not isinstance(self.app.screen, (SincePicker, HelpScreen))
        if action in ("since", "follow", "split", "time_format", "wrap", "help"):
            return not isinstance(self.app.screen, (SincePicker, HelpScreen))
        return super().check_action(action, parameters)

    def action_follow(self) -> None:
        """Follow the file: stay at the bottom as entries arrive."""
        self.tailing = True
        self.following = True

    def action_pause(self) -> None:
        """Stop at the current place; new entries are counted."""
        self.following = False

    def action_split(self) -> None:
        """Toggle the stdout/stderr split."""
        self.split = not self.split

    def action_other_pane(self) -> None:
        """Move focus to the other pane of the split."""
        stdout = self.query_one("#stdout", LogView)
        stderr = self.query_one("#stderr", LogView)
        (stderr if self.focused is stdout else stdout).focus()

    def action_time_format(self) -> None:
        """Cycle UTC → local → relative → hidden."""
        self.time_format = self.time_format.next()

    def watch_time_format(self, time_format: TimeFormat) -> None:
        for view in self.views if self._ui_ready else []:
            view.time_format = time_format
        self._refresh_status()

    def action_wrap(self) -> None:
        """Toggle wrapping of long lines."""
        self.wrap = not self.wrap

    def watch_wrap(self, wrap: bool) -> None:
        self.set_class(wrap, "-wrap")
        for view in self.views if self._ui_ready else []:
            view.wrap = wrap
        self._refresh_status()

    def action_help(self) -> None:
        """Show the keys."""
        self.app.push_screen(HelpScreen())

    def action_since(self) -> None:
        """Open the since picker; apply its window when it closes."""
        self.app.push_screen(
            SincePicker(self.time_range, now_ns=self.clock, locate=self.locate),
            self._apply_range,
        )

    def _apply_range(self, chosen: TimeRange | None) -> None:
        if chosen is None or chosen == self.time_range:
            return
        self.apply_time_range(chosen)

    def apply_time_range(self, chosen: TimeRange) -> None:
        """Show only rows in ``chosen``: re-seek through the index and rescan."""
        self.time_range = chosen
        self._start_scan()
        self._refresh_status()

    def locate(
        self, since_ns: int | None, progress: Callable[[int, int], None] | None = None
    ) -> Landing:
        """Where ``since_ns`` lands in the whole log (called in a worker thread)."""
        offset = 0 if since_ns is None else self.navigator.seek(since_ns, progress=progress)
        position = self.navigator.entries_before(offset, progress=progress)
        total = self.navigator.entry_count()
        entry = self.navigator.first_entry(offset)
        return Landing(
            position,
            len(self.model) if total is None else total,
            None if entry is None else entry.timestamp_ns,
            self.navigator.time_span(),
        )

    # -- status bar -------------------------------------------------------------------------

    def _refresh_status(self) -> None:
        if not self._ui_ready:
            return
        try:
            left = self.query_one("#status-left", Label)
            right = self.query_one("#status-right", Label)
        except Exception:  # noqa: BLE001 - not composed yet
            return
        left.update(self._status_left())
        right.update(self._status_right())
        placeholder = self._placeholder()
        for view in self.views:
            if view.placeholder != placeholder:
                view.placeholder = placeholder
                view.refresh()
        if self.split:
            stdout = self.query_one("#stdout", LogView)
            stderr = self.query_one("#stderr", LogView)
            stdout.border_title = f"stdout · {len(self.model.stdout):,}"
            stderr.border_title = f"stderr · {len(self.model.stderr):,}"

    def _placeholder(self) -> str:
        """What an empty pane says."""
        if self.scan_progress is not None:
            return "reading…"
        if not self.time_range.is_all:
            # The log's span helps only when the window holds nothing at all
            # (not when just one stream's pane is empty); else skip the work.
            span = None if len(self.model) else self.navigator.time_span()
            if span is None:
                return "no entries in this time window · s changes it"
            earliest, latest = (self._short_time(timestamp_ns) for timestamp_ns in span)
            return f"no entries in this time window · the log runs from {earliest} to {latest} · s changes it"
        if self.tailing:
            return "waiting for entries…"
        return "no entries · f follows the file for new ones"

    def _status_left(self) -> Text:
        model = self.model
        text = Text()
        text.append(f" {safe_label(self.source.label)} ", "reverse")
        lines = len(model)
        out_count = len(model.stdout)
        err_count = len(model.stderr)
        garbage = lines - out_count - err_count
        text.append(f" {lines:,} lines · ")
        text.append("stdout", "bold green")
        text.append(f" {out_count:,} · ")
        text.append("stderr", "bold red")
        text.append(f" {err_count:,}")
        if garbage:
            text.append(f" · {garbage:,} skipped", "dim")
        if self.entryless_bytes is not None:
            text.append(f" · {self._entryless_text()}", "bold red")
        window = self._window_text()
        if window:
            text.append(f" · {window}", "bold")
            total = self.navigator.entry_count()
            if total is not None:
                text.append(f" · {total:,} entries in file", "dim")
        return text

    def _entryless_text(self) -> str:
        count = self.entryless_bytes or 0
        if self.tailing:
            return f"no entry in {count:,} bytes yet"
        return f"not an iolog file: no entry in {count:,} bytes"

    def _window_text(self) -> str:
        chosen = self.time_range
        parts = []
        if chosen.since_ns is not None:
            parts.append(f"since {self._short_time(chosen.since_ns)}")
        if chosen.until_ns is not None:
            parts.append(f"until {self._short_time(chosen.until_ns)}")
        return " ".join(parts)

    def _short_time(self, timestamp_ns: int) -> str:
        if self.time_format is TimeFormat.UTC:
            return format_docker_time(timestamp_ns)[:19] + "Z"
        return format_time(timestamp_ns, TimeFormat.LOCAL, self.clock())[:19]

    def _status_right(self) -> Text:
        text = Text()
        if self.source_note:
            note = safe_label(self.source_note)
            if len(note) > _NOTE_CELLS:
                note = note[: _NOTE_CELLS - 1] + "…"
            text.append(note, "italic")
            text.append("  ")
        if self.index_progress is not None and self.scan_progress is not None:
            text.append(f"indexing {self.index_progress:.0%}  ", "bold yellow")
        elif self.skipping is not None and self.scan_progress is not None:
            start, read_to = self.skipping
            text.append(
                f"skipping unreadable bytes: {format_bytes(read_to - start)}"
                f" · {self.scan_progress:.0%}  ",
                "bold yellow",
            )
        elif self.scan_progress is not None:
            text.append(f"scanning {self.scan_progress:.0%}  ", "bold yellow")
        if self.following:
            text.append(" FOLLOW ", "bold reverse green")
        elif self.tailing:
            text.append(f" paused · {self.new_rows:,} new ", "bold reverse yellow")
        text.append(f" {self.time_format.value} ", "dim")
        return text


def _is(widget: object, widget_id: str) -> bool:
    return getattr(widget, "id", None) == widget_id
