"""Modal screens: the since picker and the key help.

The since picker is a ``ModalScreen[TimeRange | None]``: it parses what is
typed with :func:`iolog.parse_since` as it is typed, shows the resolved time
and where it lands in the log (computed by a worker through the panes'
``locate`` callback, so a big file never blocks typing), and returns the
chosen window through ``dismiss`` (``None`` when cancelled). Its presets
work from the keyboard too: Tab or the arrows onto one, then Enter or Space
applies it.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static
from textual.worker import get_current_worker

from iolog import InvalidArgumentError, format_docker_time, parse_since

from .model.timerange import Landing, TimeRange, now_datetime
from .prompts import SafeInput
from .render import TimeFormat, format_time

__all__ = ["HelpScreen", "SincePicker"]

PRESETS = ("5m", "15m", "1h", "6h", "24h", "all")


class SincePicker(ModalScreen[TimeRange | None]):
    """Pick ``since`` and ``until``, with presets and a live preview.

    Args:
        current: the window in effect (pre-fills the fields).
        now_ns: the clock that durations count back from.
        locate: finds where a since time lands; called in a worker thread
            with a ``progress(done_bytes, total_bytes)`` callback for the time
            index it may have to build first.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "apply", "Apply", show=True, priority=True),
        Binding("space", "apply", "Apply", show=False),
        Binding("left", "preset(-1)", "Preset", show=False),
        Binding("right", "preset(1)", "Preset", show=False),
    ]

    def __init__(
        self,
        current: TimeRange,
        *,
        now_ns: Callable[[], int],
        locate: Callable[[int | None, Callable[[int, int], None]], Landing],
    ) -> None:
        super().__init__()
        self._current = current
        self._now_ns = now_ns
        self._locate = locate
        self._range: TimeRange | None = current
        self._error: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label("Show entries from…", id="picker-title")
            with Horizontal(classes="picker-row"):
                yield Label("since", classes="picker-label")
                yield SafeInput(
                    self._current.since_text,
                    placeholder="10m, 1h30m, 2026-11-25T10:00, unix seconds",
                    id="since",
                )
            with Horizontal(classes="picker-row"):
                yield Label("until", classes="picker-label")
                yield SafeInput(
                    self._current.until_text, placeholder="(open: up to now)", id="until"
                )
            with Horizontal(id="presets"):
                for preset in PRESETS:
                    yield Button(preset, id=f"preset-{preset}", classes="preset", compact=True)
            yield Static(id="preview")
            yield Static(
                "[b]Enter[/] apply   [b]Tab[/] [b]← →[/] presets (Enter, Space: apply one)"
                "   [b]Esc[/] cancel",
                id="picker-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#since", Input).focus()
        self._refresh_preview()

    @on(Input.Changed)
    def _input_changed(self) -> None:
        self._refresh_preview()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()

    @on(Button.Pressed, ".preset")
    def _preset(self, event: Button.Pressed) -> None:
        value = str(event.button.label)
        self.query_one("#since", Input).value = "" if value == "all" else value
        self.query_one("#until", Input).value = ""
        self.query_one("#since", Input).focus()

    def _parse(self) -> TimeRange:
        """The window in the fields. Raises InvalidArgumentError."""
        since_text = self.query_one("#since", Input).value.strip()
        until_text = self.query_one("#until", Input).value.strip()
        now = now_datetime(self._now_ns())
        since_ns = parse_since(since_text, now) if since_text else None
        try:
            until_ns = parse_since(until_text, now) if until_text else None
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"until: {exc}") from exc
        if since_ns is not None and until_ns is not None and until_ns <= since_ns:
            raise InvalidArgumentError("until must be later than since")
        return TimeRange(since_ns, until_ns, since_text, until_text)

    def _refresh_preview(self) -> None:
        preview = self.query_one("#preview", Static)
        try:
            chosen = self._parse()
        except InvalidArgumentError as exc:
            self._range = None
            self._error = str(exc)
            preview.set_class(True, "-error")
            preview.update(Text(str(exc)))
            return
        self._range = chosen
        self._error = None
        preview.set_class(False, "-error")
        preview.update(self._describe(chosen, None))
        self._find_landing(chosen)

    def _describe(self, chosen: TimeRange, landing: Landing | None) -> Text:
        text = Text()
        if chosen.since_ns is None:
            text.append("since  the first entry\n")
        else:
            text.append("since  ")
            text.append(format_docker_time(chosen.since_ns), "bold")
            text.append(f"  ({format_time(chosen.since_ns, TimeFormat.LOCAL, 0)} local)\n")
        if chosen.until_ns is not None:
            text.append("until  ")
            text.append(format_docker_time(chosen.until_ns), "bold")
            text.append(f"  ({format_time(chosen.until_ns, TimeFormat.LOCAL, 0)} local)\n")
        if landing is None:
            text.append("locating in this log…", "italic")
        elif landing.timestamp_ns is None:
            text.append(f"no entry at or after that time ({landing.rows:,} entries in this log)")
            if landing.span is not None:
                earliest, latest = (format_time(bound, TimeFormat.LOCAL, 0) for bound in landing.span)
                if latest[:10] == earliest[:10]:
                    latest = latest[11:]  # the same day
                text.append(f"\nthe log runs from {earliest} to {latest}")
        else:
            stamp = format_time(landing.timestamp_ns, TimeFormat.LOCAL, 0)[11:]
            text.append(f"first entry {stamp}, entry {landing.row + 1:,} of {landing.rows:,}")
        return text

    @work(thread=True, exclusive=True, group="locate")
    def _find_landing(self, chosen: TimeRange) -> None:
        worker = get_current_worker()

        def progress(done_bytes: int, total_bytes: int) -> None:
            if not worker.is_cancelled and total_bytes:
                self.app.call_from_thread(self._show_progress, chosen, done_bytes / total_bytes)

        landing = self._locate(chosen.since_ns, progress)
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._show_landing, chosen, landing)

    def _show_progress(self, chosen: TimeRange, fraction: float) -> None:
        preview = self._preview()
        if preview is not None and chosen == self._range:
            text = self._describe(chosen, None)
            text.append(f" (indexing the log: {fraction:.0%})", "italic")
            preview.update(text)

    def _show_landing(self, chosen: TimeRange, landing: Landing) -> None:
        preview = self._preview()
        if preview is not None and chosen == self._range:
            preview.update(self._describe(chosen, landing))

    def _preview(self) -> Static | None:
        """The preview line, or ``None`` once the picker is closing (a late worker's answer)."""
        return next(iter(self.query("#preview").results(Static)), None)

    def action_apply(self) -> None:
        """Return the window (the focused preset's, if one is), unless a field is invalid."""
        focused = self.focused
        if isinstance(focused, Button) and focused.has_class("preset"):
            value = str(focused.label)
            self.query_one("#since", Input).value = "" if value == "all" else value
            self.query_one("#until", Input).value = ""
            self._refresh_preview()
        if self._range is not None:
            self.workers.cancel_group(self, "locate")
            self.dismiss(self._range)

    def action_preset(self, step: int) -> None:
        """On a preset, the arrows go to the next or the previous one."""
        buttons = list(self.query(".preset").results(Button))
        focused = self.focused
        if isinstance(focused, Button) and focused in buttons:
            buttons[(buttons.index(focused) + step) % len(buttons)].focus()

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """The keys, in one screen.

    Args:
        text: the page (see :func:`iolog_tui.keys.help_text`).
    """

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Label("iolog-tui keys", id="help-title")
            yield Static(self._text, id="help-text")

    def action_close(self) -> None:
        """Back to the log."""
        self.dismiss(None)
