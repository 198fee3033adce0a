"""The iolog-tui application: the stylesheet, the command palette and the log screen.

This module owns the :class:`~textual.app.App`. It is small on purpose:
everything about the log lives in :class:`~iolog_tui.logscreen.LogScreen`,
its first screen. The app keeps the terminal's other two doors: every toast
and every copy to the clipboard (OSC 52) passes through
:mod:`~iolog_tui.safetext` here, so no control character from a log or a
file name can reach them.

It also gives its workers room: Textual runs a thread worker in the event
loop's default executor, which Python sizes to the cores (six threads on
two). The viewer's counts follow a growing file and so never end: the
scan, the level count, the search count and one per batch of filters
added. Past six of them a new worker (a filter's walk) would wait forever
for a thread, so the app gives the loop an executor of
:data:`WORKER_THREADS` threads before any worker starts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import Screen

from .keys import APP_BINDINGS
from .logchoice import choose_logs, relook
from .logscreen import LogScreen
from .model.timerange import TimeRange
from .notices import NoticeLog, NoticeScreen
from .render import TimeFormat
from .safetext import clipboard_text, safe_label
from .sources import LogSource

__all__ = ["WORKER_THREADS", "IologApp"]

#: Threads for the app's workers, most of which last as long as the file is followed.
WORKER_THREADS = 64


class IologApp(App[None]):
    """View one iolog file: merged or split by stream, by time, following.

    Args:
        source: the file to show and, for a live source, its pump.
        time_range: the initial since/until window.
        follow: start following the file.
        time_format: how timestamps are shown at first.
        clock: unix nanoseconds "now" (for durations and relative times).

    Raises:
        OSError: the file cannot be opened.
    """

    BINDINGS = APP_BINDINGS
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    TITLE = "iolog-tui"

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
        self.log_screen = LogScreen(
            source, time_range=time_range, follow=follow, time_format=time_format, clock=clock
        )
        """The screen showing the log (the first on the stack)."""
        self.notices = NoticeLog(clock)
        """Every notice shown so far (``M`` lists them)."""

    def get_default_screen(self) -> Screen[Any]:
        """The log screen is the first screen."""
        return self.log_screen

    def on_load(self) -> None:
        """Before any worker starts: threads enough for every worker that follows the file."""
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="iolog-tui-worker")
        )

    async def on_mount(self) -> None:
        """Wait until the log screen's widgets are mounted (before the first key)."""
        await self.log_screen.mounted.wait()

    # -- the terminal's other doors: the clipboard and toasts ------------------------------

    def copy_to_clipboard(self, text: str) -> None:
        """Copy ``text`` (OSC 52), every control in it but TAB and LF made visible."""
        super().copy_to_clipboard(clipboard_text(text))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a toast, with every control character in it made visible.

        Callers that put a file name or a pattern in a toast pass
        ``markup=False`` too, so that brackets in it are not markup.
        """
        self.notices.add(safe_label(message), severity)
        super().notify(
            safe_label(message), title=safe_label(title), severity=severity, timeout=timeout,
            markup=markup,
        )

    def action_messages(self) -> None:
        """List the notices shown so far (``M``)."""
        if not isinstance(self.screen, NoticeScreen):
            panes = self.log_screen.panes
            self.push_screen(NoticeScreen(self.notices, time_format=panes.time_format, now_ns=panes.clock()))

    def action_choose_logs(self) -> None:
        """The source filter (``o``): which of several logs the panes show; then filter and count again."""
        screen = self.log_screen
        if self.screen is screen:
            choose_logs(self, screen.panes.model, partial(relook, screen))

    # -- command palette -----------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Command palette entries for everything the viewer does (see :meth:`LogScreen.commands`)."""
        yield from super().get_system_commands(screen)
        log = self.log_screen
        for title, help_text, action in log.commands():
            yield SystemCommand(title, help_text, partial(log.run_action, action))
