"""The notices shown so far, and the small screen that lists them (``M``).

This module owns the history of the viewer's notices: every toast (a file
rotated or truncated, a source disconnected, bytes that are not an iolog
file, a copy or a save) is kept, already made safe to show, with the time it
was shown; :class:`NoticeScreen` lists them, the newest last. The history
is bounded (:data:`MAX_NOTICES`): the oldest go first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from .render import TimeFormat, short_time

__all__ = ["MAX_NOTICES", "Notice", "NoticeLog", "NoticeScreen"]

#: How many notices the history keeps.
MAX_NOTICES = 200

_SEVERITY_STYLES = {"information": "", "warning": "bold yellow", "error": "bold red"}


@dataclass(frozen=True)
class Notice:
    """One notice: when (unix ns), how serious (Textual's severity), and what it said (safe text)."""

    time_ns: int
    severity: str
    message: str


class NoticeLog:
    """The notices shown so far, the oldest first (at most :data:`MAX_NOTICES`).

    Args:
        clock: unix nanoseconds "now".
    """

    def __init__(self, clock: Callable[[], int]) -> None:
        self._clock = clock
        self._notices: deque[Notice] = deque(maxlen=MAX_NOTICES)

    def add(self, message: str, severity: str) -> None:
        """Keep a notice (``message`` already safe to show)."""
        self._notices.append(Notice(self._clock(), severity, message))

    def __iter__(self) -> Iterator[Notice]:
        return iter(list(self._notices))

    def __len__(self) -> int:
        return len(self._notices)


class NoticeScreen(ModalScreen[None]):
    """The notices so far, the newest last.

    Args:
        notices: the history.
        time_format: how times are shown (UTC, else local).
        now_ns: the present.
    """

    BINDINGS = [Binding("escape,q,M", "close", "Close")]

    def __init__(self, notices: Iterable[Notice], *, time_format: TimeFormat, now_ns: int) -> None:
        super().__init__()
        self._notices = list(notices)
        self._time_format = time_format
        self._now_ns = now_ns

    def compose(self) -> ComposeResult:
        with Vertical(id="notices"):
            yield Label(f"Messages ({len(self._notices):,})", id="notices-title")
            with VerticalScroll(id="notices-list"):
                yield Static(self.listing(), id="notices-text")

    def on_mount(self) -> None:
        self.query_one("#notices-list", VerticalScroll).scroll_end(animate=False)

    def listing(self) -> Text:
        """The notices as shown: a time, then the message (warnings yellow, errors red)."""
        if not self._notices:
            return Text("No messages yet.", "dim")
        text = Text()
        for number, notice in enumerate(self._notices):
            if number:
                text.append("\n")
            when = short_time(notice.time_ns, self._time_format, self._now_ns)
            text.append(f"{when[11:19] if len(when) >= 19 else when}  ", "dim")
            text.append(notice.message, _SEVERITY_STYLES.get(notice.severity, ""))
        return text

    def action_close(self) -> None:
        """Back to the log."""
        self.dismiss(None)
