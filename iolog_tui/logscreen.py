"""The log screen: it composes the viewer's widgets, holds every key, and routes messages.

This module owns the wiring, not the state. The widgets own theirs (the
panes, the filter, search and level bars, the timeline, the status bar:
see ARCHITECTURE.md). Messages go up to this screen, which hands state down
as attributes: after every change it gives the status bar its facts and the
bars and the timeline what they read from the panes
(:meth:`LogScreen.refresh_status`). The screen holds the one list of keys
that act on the log (:data:`~iolog_tui.keys.LOG_BINDINGS`: the footer, the
help page and the command palette are made from them). Row actions
(detail, copy, export, marks: :mod:`~iolog_tui.rowactions`) act on the
cursor's line or the selection of the pane worked in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from .contextprompt import ContextPrompt
from .cursors import next_mark
from .filterbar import FilterBar
from .filterlist import FilterListScreen
from .gototime import TimeJump
from .keyfooter import KeyFooter
from .keys import LOG_BINDINGS, help_text, palette_entries
from .levelbar import LevelBar
from .logview import LogView
from .messages import IndexProgress, RowsFound, ScanFailed, ScanFinished, SourceChanged
from .model.filterstack import FilterStack, RowFilter
from .model.levelrows import LineLevel
from .model.timerange import TimeRange
from .panes import LogPanes
from .prompts import GotoPrompt, PatternPrompt, PatternRequest
from .render import TimeFormat
from .rowactions import ExportDone, RowExporter, detail_for, selected_text, toggle_marks
from .screens import HelpScreen, SincePicker
from .searchbar import SearchBar
from .sources import LogSource
from .statusbar import StatusBar
from .statusfacts import investigation, status_facts
from .timeline import Timeline

__all__ = ["LogScreen"]

_INVESTIGATE_ACTIONS = {
    "search", "next_match", "previous_match", "filter", "streams", "detail", "copy",
    "export", "escape", "timeline", "filter_list", "context", "level_step", "levels",
    "mark", "next_mark", "goto",
}
_VIEW_ACTIONS = {"since", "follow", "split", "time_format", "wrap", "help"}


class LogScreen(Screen[None]):
    """One iolog file: merged or split by stream, by time, following.

    Args:
        source: the file to show and, for a live source, its pump.
        time_range: the initial since/until window.
        follow: start following the file.
        time_format: how timestamps are shown at first.
        clock: unix nanoseconds "now" (for durations and relative times).

    Raises:
        OSError: the file cannot be opened.
    """

    BINDINGS = LOG_BINDINGS

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
        self.clock = clock
        self.source = source
        self.panes = LogPanes(
            source, time_range=time_range or TimeRange(), follow=follow, time_format=time_format,
            clock=clock, id="panes",
        )
        """The panes and the scan."""
        model = self.panes.model
        self.level_bar = LevelBar(model)
        """Error and warning lines: their count, e/w, the level filter."""
        self.timeline = Timeline(model, self.panes.navigator, self.level_bar, id="timeline")
        """Entries per time bucket (T)."""
        self.status_bar = StatusBar(clock=clock, id="statusbar")
        """The line under the panes."""
        self.filter_bar = FilterBar(model)
        """The stream choice and the row filter."""
        self.search_bar = SearchBar(model)
        """The search and its count."""
        self.level_bar.busy = lambda: self.search_bar.counting
        self.exporter = RowExporter()
        """Saves the rows shown to a file."""
        self.time_jump = TimeJump(self.panes)
        """Goes to a time (ctrl+g)."""
        self.mounted = asyncio.Event()
        """Set once the screen's widgets are mounted and the scan has started."""
        self._generation_seen = -1

    def compose(self) -> ComposeResult:
        yield self.timeline
        yield self.panes
        yield self.status_bar
        yield self.filter_bar
        yield self.search_bar
        yield self.level_bar
        yield self.exporter
        yield self.time_jump
        yield KeyFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.refresh_status()
        self.mounted.set()

    def commands(self) -> list[tuple[str, str, str]]:
        """The command palette's entries: title, help (with the key), action."""
        return palette_entries(self.BINDINGS)

    # -- attributes down ------------------------------------------------------------------

    def refresh_status(self) -> None:
        """Hand the panes' state down to the other widgets, and redraw what depends on it."""
        if not self.is_mounted:
            return
        panes = self.panes
        scanning = panes.scan_progress is not None
        for bar in (self.filter_bar, self.search_bar, self.level_bar):
            bar.scanning = scanning
            bar.tailing = panes.tailing
        timeline = self.timeline
        timeline.navigator = panes.navigator
        timeline.time_range = panes.time_range
        timeline.scanning = scanning
        timeline.tailing = panes.tailing
        timeline.time_format = panes.time_format
        timeline.marked_ns = panes.marks.times()
        panes.refresh_panes()
        self.status_bar.facts = status_facts(panes, self.source.label)
        self._mark_position()

    def investigate_status(self, *, brief: bool = False) -> Text:
        """What the status bar says of the stream choice, the filters, the search and the levels."""
        return investigation(self.panes, self.filter_bar, self.search_bar, self.level_bar, brief=brief)

    def refresh_investigation(self) -> None:
        """Redraw what the status bar says about filters and the search."""
        if self.is_mounted:
            self.status_bar.tell(self.investigate_status(), self.investigate_status(brief=True),
                                 filtered=self.filter_bar.stack.filtering)

    def _mark_position(self) -> None:
        self.timeline.mark_cursor_of(self.panes.active_view())

    # -- messages up ----------------------------------------------------------------------

    @on(RowsFound)
    def _rows_found(self) -> None:
        self.refresh_status()
        self.timeline.rows_arrived()
        if self.panes.model.generation != self._generation_seen:
            self._generation_seen = self.panes.model.generation
            self._restart_investigation()
        self.refresh_investigation()

    @on(ScanFinished)
    def _scan_finished(self) -> None:
        self.refresh_status()
        self.refresh_investigation()

    @on(IndexProgress)
    @on(ScanFailed)
    @on(SourceChanged)
    def _panes_changed(self) -> None:
        self.refresh_status()

    @on(LogView.Scrolled)
    @on(LogView.CursorMoved)
    def _scrolled(self) -> None:
        facts = self.status_bar.facts
        if facts is None or facts.following != self.panes.following:
            self.refresh_status()  # scrolling paused or resumed following
        else:
            self._mark_position()  # a key's fast path: the status bar says the same

    @on(Timeline.Ready)
    def _timeline_ready(self) -> None:
        self._mark_position()

    @on(Timeline.OffsetChosen)
    def _offset_chosen(self, message: Timeline.OffsetChosen) -> None:
        self.panes.jump_to_offset(message.offset)
        self.refresh_status()

    @on(Timeline.Left)
    def _timeline_left(self) -> None:
        self.panes.active_view().focus()

    @on(FilterBar.Passed)
    def _filter_passed(self, message: FilterBar.Passed) -> None:
        if message.batch.rows or message.finished:
            self.panes.rows_changed(complete=message.finished)
        if message.finished:
            self.panes.refresh_panes()  # an empty pane says why it is empty
        self.refresh_investigation()

    @on(SearchBar.MatchChosen)
    @on(LevelBar.LineChosen)
    def _match_chosen(self, message: SearchBar.MatchChosen | LevelBar.LineChosen) -> None:
        self.panes.put_cursor(message.view, message.row)
        self.refresh_investigation()
        self.refresh_status()

    @on(SearchBar.Near)
    @on(SearchBar.Counted)
    @on(SearchBar.Found)
    @on(LevelBar.Counted)
    def _search_went_on(self) -> None:
        self.refresh_investigation()

    def _restart_investigation(self) -> None:
        """The model started over (new time window, file replaced): filter and search again."""
        self.panes.clear_selection(redraw=False)
        self.level_bar.restart()
        if self.filter_bar.restart():
            self._install_rows()
        if self.search_bar.request is not None:
            self._start_search(self.search_bar.request, from_row=0)

    def _install_rows(self) -> None:
        bar = self.filter_bar
        self.panes.install_rows(bar.rows_for, complete=not bar.stack.filtering or bar.finished)
        self.panes.refresh_panes()
        self.refresh_investigation()

    def _shown_rows_changed(self) -> None:
        """The stream or the filter changed what the panes show: search them again."""
        if self.search_bar.request is not None:
            self._start_search(self.search_bar.request)

    # -- keys -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide keys that do nothing now (the footer shows only the rest)."""
        panes = self.panes
        modal = isinstance(self.app.screen, (SincePicker, HelpScreen))
        if action in ("quit", "close_help"):  # over a modal screen, q is its own
            return self.app.screen is self if action == "quit" else isinstance(self.app.screen, HelpScreen)
        if action == "other_pane":
            return (panes.split or panes.by_log) and not modal
        if action == "follow" and panes.following:
            return False
        if action == "pause":
            return panes.following and not modal
        if action in _VIEW_ACTIONS:
            return not modal
        if action not in _INVESTIGATE_ACTIONS:
            return True
        if self.app.screen is not self:
            return False
        if action in ("next_match", "previous_match"):
            return self.search_bar.request is not None
        if action == "escape":
            return self.search_bar.counting or self.search_bar.request is not None or panes.has_selection
        return True

    def action_follow(self) -> None:
        """Follow the file: stay at the bottom as entries arrive."""
        self.panes.follow()
        self.refresh_status()

    def action_pause(self) -> None:
        """Stop at the current place; new entries are counted."""
        self.panes.following = False
        self.refresh_status()

    def action_split(self) -> None:
        """Cycle merged → split by stream → split by log (several logs) → merged."""
        self.panes.next_split()
        self.refresh_status()

    def action_other_pane(self) -> None:
        """Move focus to the other pane of the split."""
        self.panes.other_pane()

    def action_time_format(self) -> None:
        """Cycle UTC → local → relative → hidden."""
        self.panes.time_format = self.panes.time_format.next()
        self.refresh_status()

    def action_wrap(self) -> None:
        """Toggle wrapping of long lines."""
        self.panes.wrap = not self.panes.wrap
        self.refresh_status()

    def action_quit(self) -> None:
        """Leave the viewer."""
        self.app.exit()

    def action_close_help(self) -> None:
        """Close the help page (its own q does this; the footer names it here)."""
        if isinstance(self.app.screen, HelpScreen):
            self.app.screen.dismiss(None)

    def action_help(self) -> None:
        """Show the keys."""
        keys = (*self.BINDINGS, *LogView.BINDINGS, *Timeline.BINDINGS, *PatternPrompt.BINDINGS)
        bindings = [binding for binding in keys if isinstance(binding, Binding)]
        page = help_text(bindings, {"command_palette": self.app.COMMAND_PALETTE_BINDING})
        self.app.push_screen(HelpScreen(page))

    def action_since(self) -> None:
        """Open the since picker; apply its window when it closes."""
        self.app.push_screen(
            SincePicker(self.panes.time_range, now_ns=self.clock, locate=self.panes.locate),
            self._apply_range,
        )

    def _apply_range(self, chosen: TimeRange | None) -> None:
        if chosen is None or chosen == self.panes.time_range:
            return
        self.apply_time_range(chosen)

    def apply_time_range(self, chosen: TimeRange) -> None:
        """Show only rows in ``chosen``: re-seek through the index and rescan."""
        self.panes.apply_time_range(chosen)
        self.refresh_status()

    def action_timeline(self) -> None:
        """Show the timeline and put the keyboard on it, or hide it."""
        self.refresh_status()
        if not self.timeline.toggle():
            self.panes.active_view().focus()

    # -- the stream choice and the filter ----------------------------------------------------

    def action_streams(self, which: str) -> None:
        """Show only stdout, only stderr, or both in the merged pane."""
        if self.panes.split:
            self.panes.split = False
            self.refresh_status()
        if self.filter_bar.choose_streams(which):
            self._install_rows()
            self._shown_rows_changed()

    def action_filter(self) -> None:
        """Ask for a filter pattern (``&``) and add it to the stack."""
        self.app.push_screen(PatternPrompt("filter"), self._filter_chosen)

    def _filter_chosen(self, request: PatternRequest | None) -> None:
        if request is not None and request.matcher is not None:
            self.apply_filters(self.filter_bar.stack.added(RowFilter(request.matcher, request.invert)))

    def action_clear_filter(self) -> None:
        """Remove every filter: show every row again."""
        self.apply_filters(FilterStack())

    def apply_filters(self, stack: FilterStack) -> None:
        """Show only the rows ``stack`` keeps (an empty stack: every row)."""
        self.filter_bar.apply(stack)
        self._install_rows()
        self._shown_rows_changed()

    def action_filter_list(self) -> None:
        """Show the filters with their counts, to turn them off, remove or clear them."""
        self.app.push_screen(FilterListScreen(self.filter_bar, self.apply_filters))

    def action_context(self) -> None:
        """Ask how many rows of context to show around each kept row (0: none)."""
        self.app.push_screen(ContextPrompt(self.filter_bar.context_lines), self._context_chosen)

    def _context_chosen(self, lines: int | None) -> None:
        if lines is not None and self.filter_bar.set_context(lines):
            self._install_rows()

    def action_levels(self) -> None:
        """Cycle the level filter (``L``): all lines → warnings and worse → errors only."""
        self.apply_filters(self.filter_bar.stack.with_level(self.level_bar.cycle()))

    def action_level_step(self, which: str, forward: bool) -> None:
        """Go to the next or previous error line (``e``, ``E``) or warning line (``w``, ``W``)."""
        self.level_bar.step(self.panes.active_view(), LineLevel(which), forward=forward)

    # -- the search --------------------------------------------------------------------------

    def action_search(self) -> None:
        """Ask for a search pattern (``/``); an empty one ends the search."""
        self.app.push_screen(PatternPrompt("search", self.search_bar.request), self._search_chosen)

    def _search_chosen(self, request: PatternRequest | None) -> None:
        if request is None:
            return
        if request.matcher is None:
            self.clear_search()
        else:
            self._start_search(request)

    def _start_search(self, request: PatternRequest, *, from_row: int | None = None) -> None:
        view = self.panes.active_view()
        start = from_row
        if start is None:
            start = view.cursor.row if view.cursor.row is not None else len(self.panes.model)
        self.panes.highlight(request.matcher)
        self.search_bar.start(request, view, self.filter_bar.shown_test(view), start)
        self.refresh_investigation()

    def clear_search(self) -> None:
        """End the search: no highlights, no count."""
        self.search_bar.clear()
        self.panes.clear_selection(redraw=False)
        self.panes.highlight(None)
        self.refresh_investigation()

    def action_next_match(self) -> None:
        """Go to the next match (``n``), wrapping to the first at the end."""
        self.search_bar.step(forward=True, fallback=self.panes.active_view())

    def action_previous_match(self) -> None:
        """Go to the previous match (``N``), wrapping to the last at the top."""
        self.search_bar.step(forward=False, fallback=self.panes.active_view())

    def action_escape(self) -> None:
        """Stop the match count; else end the search; else clear the selection."""
        if self.search_bar.counting:
            self.search_bar.stop_count()
        elif self.search_bar.request is not None:
            self.clear_search()
        else:
            self.panes.clear_selection()
        self.refresh_bindings()
        self.refresh_investigation()

    # -- the rows: detail, copy, export ------------------------------------------------------

    def action_detail(self) -> None:
        """Show everything about the cursor's row."""
        view = self.panes.active_view()
        index = view.cursor_index
        if index is None:
            return
        view.reveal_cursor()
        shown = detail_for(view, self.panes.model, self.clock())
        if isinstance(shown, str):
            self.notify(shown, timeout=4)
        else:
            self.app.push_screen(shown)

    def action_copy(self) -> None:
        """Copy the selected rows (else the cursor's row) to the clipboard."""
        view = self.panes.active_view()
        view.reveal_cursor()
        text, count = selected_text(view)
        if not count:
            self.notify("nothing to copy: no line here", timeout=2)
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"copied {count:,} line{'s' if count != 1 else ''} to the clipboard", timeout=2)

    def action_export(self) -> None:
        """Save rows to a file: every row shown (context lines too), the selection or the marked rows."""
        view = self.panes.active_view()
        self.exporter.ask(view, self.panes.marks, self.filter_bar.shown_test(view),
                          self.filter_bar.shown_model_rows(view.rows))

    def action_mark(self) -> None:
        """Mark the cursor's row (or the selected rows), or unmark them."""
        note = toggle_marks(self.panes.active_view(), self.panes.marks)
        for view in self.panes.views:
            view.restyle()
        self.refresh_status()
        if note:
            self.notify(note, timeout=2)

    def action_next_mark(self, forward: bool = True) -> None:
        """The cursor to the next marked row shown (``forward=False``: the previous one)."""
        note = next_mark(self.panes.active_view(), self.panes.marks, forward=forward)
        if note:
            self.notify(note, timeout=2)

    def action_goto(self) -> None:
        """Ask for a time and put the cursor on the first line at or after it (every row stays shown)."""
        self.app.push_screen(GotoPrompt(self.clock), self.time_jump.go)

    @property
    def last_export(self) -> ExportDone | None:
        """How the last export ended."""
        return self.exporter.last
