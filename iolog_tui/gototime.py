"""Go to a time (``ctrl+g``): the cursor to the first line at or after it, every row still shown.

This module owns that jump. Unlike a since, which hides the rows before
it, it only moves the cursor: the time is found with the exact seek of
:class:`~iolog_tui.model.navigation.Navigator` (the first entry, in file
order, at or after the time, as a linear reading would find it, clock steps
and all) in a worker thread (several logs: each in its own index, the
earliest of their rows), and the cursor of the pane worked in goes to
the first row it shows at or after that entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on, work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from iolog import IologError, format_docker_time

from .model.mergedrows import MergedModel, row_at_time
from .model.navigation import Navigator
from .panes import LogPanes

__all__ = ["TimeJump"]


class TimeJump(Widget):
    """Finds a time in the log and puts the cursor there.

    Args:
        panes: the panes whose cursor moves.
    """

    DEFAULT_CSS = "TimeJump { display: none; }"

    @dataclass
    class Found(Message):
        """The first entry at or after ``when_ns`` is at ``offset`` (the file's size: none)."""

        when_ns: int
        offset: int
        size: int

    def __init__(self, panes: LogPanes) -> None:
        super().__init__()
        self.panes = panes
        self.last_note = ""
        """What the last jump said (empty when it found its line)."""

    def go(self, when_ns: int | None) -> None:
        """Move the cursor to the first line at or after ``when_ns`` (in a worker; ``None``: stay)."""
        if when_ns is not None:
            self._seek(when_ns)

    @work(thread=True, exclusive=True, group="goto", exit_on_error=False)
    def _seek(self, when_ns: int) -> None:
        worker = get_current_worker()
        navigator = self.panes.navigator
        model = self.panes.model
        try:
            if isinstance(model, MergedModel):  # each log sought in its own index: a merged row's place
                end_row = len(model)
                cancelled = lambda: worker.is_cancelled  # noqa: E731
                found = row_at_time(model, end_row, lambda path: _seek(path, when_ns, cancelled))
                self.post_message(self.Found(when_ns, found, end_row))
                return
            offset = navigator.seek(when_ns, should_stop=lambda: worker.is_cancelled)
        except (OSError, IologError):
            return
        if not worker.is_cancelled:
            self.post_message(self.Found(when_ns, offset, self.panes.model.size))

    @on(Found)
    def _found(self, message: Found) -> None:
        panes = self.panes
        view = panes.active_view()
        rows = view.rows
        if not len(rows):
            return
        index = rows.index_at_offset(message.offset)
        note = ""
        if index >= len(rows):
            when = format_docker_time(message.when_ns)[:19]
            where = "in the log" if message.offset >= message.size else "shown"
            note = f"no line at or after {when} {where}: the cursor is on the last line"
            index = len(rows) - 1
        panes.put_cursor(view, rows.merged_index(index))
        self.last_note = note
        if note:
            self.notify(note, timeout=4)
        view.post_message(view.CursorMoved(view))


def _seek(path: str, when_ns: int, cancelled: Callable[[], bool]) -> int:
    """The offset of ``path``'s first entry at or after ``when_ns`` (one log of several)."""
    navigator = Navigator(path)
    try:
        return navigator.seek(when_ns, should_stop=cancelled)
    finally:
        navigator.close()
