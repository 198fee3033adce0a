"""Prompts at the bottom of the screen: search and filter patterns, export targets, a time to go to.

Each is a ``ModalScreen`` docked at the bottom over a transparent
background, so the log stays in sight while typing, and returns what was
chosen through ``dismiss`` (``None`` when cancelled). Their fields are
:class:`SafeInput` s: text pasted into them cannot carry a control
character to the terminal.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from iolog import InvalidArgumentError, parse_since

from .model.export import ExportFormat
from .model.search import Matcher
from .model.timerange import now_datetime
from .safetext import safe_label

__all__ = [
    "ExportPrompt", "ExportRequest", "GotoPrompt", "PatternPrompt", "PatternRequest", "SafeInput",
]


class SafeInput(Input):
    """An ``Input`` whose pasted (or typed) text has every control made visible."""

    def replace(self, text: str, start: int, end: int) -> None:
        """Replace ``start`` to ``end`` with ``text``, made safe (see :func:`safe_label`)."""
        super().replace(safe_label(text), start, end)


@dataclass(frozen=True)
class PatternRequest:
    """A search or filter the user asked for.

    Attributes:
        matcher: what to look for; ``None`` to clear the search or filter
            (Enter on an empty prompt).
        invert: (filters) keep the rows that do *not* match.
    """

    matcher: Matcher | None
    invert: bool = False


class PatternPrompt(ModalScreen[PatternRequest | None]):
    """Type a search (``/``) or filter (``&``) pattern, with toggles.

    Args:
        purpose: ``"search"`` or ``"filter"`` (a filter can be inverted).
        current: the pattern in effect, to start from.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+r", "flip('regex')", "Regex", id="regex"),
        Binding("ctrl+t", "flip('case_sensitive')", "Case", id="match_case"),
        Binding("ctrl+n", "flip('invert')", "Invert", id="invert"),
    ]

    def __init__(self, purpose: str, current: PatternRequest | None = None) -> None:
        super().__init__()
        self.purpose = purpose
        matcher = current.matcher if current is not None else None
        self.regex = matcher.regex if matcher is not None else False
        self.case_sensitive = matcher.case_sensitive if matcher is not None else False
        self.invert = current.invert if current is not None else False
        self._initial = matcher.pattern if matcher is not None else ""

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            with Horizontal(id="prompt-row"):
                yield Label("/" if self.purpose == "search" else "&", id="prompt-sigil")
                yield SafeInput(
                    self._initial,
                    placeholder=(
                        "search: text, or a regular expression with ^R"
                        if self.purpose == "search"
                        else "keep only lines matching… (^N: hide them instead)"
                    ),
                    id="prompt-input",
                )
            yield Static(id="prompt-toggles")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()
        self._show_toggles()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only a filter can be inverted."""
        if action == "flip" and parameters == ("invert",):
            return self.purpose == "filter"
        return True

    def action_flip(self, name: str) -> None:
        """Flip one of regex, case_sensitive or invert."""
        setattr(self, name, not getattr(self, name))
        self._show_toggles()

    def _request(self) -> PatternRequest:
        pattern = self.query_one("#prompt-input", Input).value
        if not pattern:
            return PatternRequest(None)
        matcher = Matcher(pattern, regex=self.regex, case_sensitive=self.case_sensitive)
        return PatternRequest(matcher, self.invert and self.purpose == "filter")

    def _show_toggles(self, error: str | None = None) -> None:
        toggles = [("^R", "regex", self.regex), ("^T", "match case", self.case_sensitive)]
        if self.purpose == "filter":
            toggles.append(("^N", "invert: hide matches", self.invert))
        hints = _key_hints(Text(), toggles, [("Enter", "apply"), ("Esc", "cancel")], error)
        self.query_one("#prompt-toggles", Static).update(hints)

    @on(Input.Changed)
    def _changed(self) -> None:
        self._show_toggles()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        try:
            request = self._request()
        except InvalidArgumentError as exc:
            self._show_toggles(str(exc))
            return
        self.dismiss(request)

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)


@dataclass(frozen=True)
class ExportRequest:
    """Where and how to save what is shown.

    Attributes:
        path: the file to write (replaced if it exists).
        export_format: plain text, text with timestamps, or an iolog file.
        scope: which rows: ``"shown"`` (every row shown), ``"selection"`` or ``"marked"``.
    """

    path: str
    export_format: ExportFormat
    scope: str = "shown"


class ExportPrompt(ModalScreen[ExportRequest | None]):
    """Choose a file name and a format for saving the rows shown.

    A file that exists is overwritten only after a second Enter on its name.

    Args:
        default_path: the file name to offer.
        rows: how many rows will be written (for the prompt).
        scopes: other choices of rows, by name (``"selection"``, ``"marked"``),
            with their row counts; Ctrl+O goes through them.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+f", "next_format", "Format"),
        Binding("ctrl+o", "next_scope", "Rows", id="export_scope"),
    ]

    def __init__(self, default_path: str, rows: int, scopes: Sequence[tuple[str, int]] = ()) -> None:
        super().__init__()
        self._default = default_path
        self._scopes = [("shown", rows), *scopes]
        self._scope = 0
        self.export_format = ExportFormat.TEXT
        self._overwrite: str | None = None

    @property
    def scope(self) -> str:
        """Which rows are to be written (``"shown"``, ``"selection"``, ``"marked"``)."""
        return self._scopes[self._scope][0]

    def action_next_scope(self) -> None:
        """Every row shown → the selection → the marked rows (those there are)."""
        self._scope = (self._scope + 1) % len(self._scopes)
        field = self.query_one("#prompt-input", Input)
        for name, _rows in self._scopes:
            field.value = field.value.replace(f"-{name}.", f"-{self.scope}.")
        self._show()

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            with Horizontal(id="prompt-row"):
                yield Label("save", id="prompt-sigil")
                yield SafeInput(self._default, id="prompt-input")
            yield Static(id="prompt-toggles")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()
        self._show()

    def action_next_format(self) -> None:
        """Cycle text → text with timestamps → iolog → docker JSON."""
        self.export_format = self.export_format.next()
        field = self.query_one("#prompt-input", Input)
        field.value = self.export_format.rename(field.value)
        self._show()

    def _show(self, error: str | None = None) -> None:
        formats = [("", choice.label, choice is self.export_format) for choice in ExportFormat]
        name, rows = self._scopes[self._scope]
        what = {"shown": "lines", "selection": "selected lines", "marked": "marked lines"}[name]
        keys = [("^F", "format"), ("Enter", "save"), ("Esc", "cancel")]
        if len(self._scopes) > 1:
            keys.insert(0, ("^O", "which lines"))
        hints = _key_hints(Text(f" {rows:,} {what} as "), formats, keys, error)
        self.query_one("#prompt-toggles", Static).update(hints)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        path = self.query_one("#prompt-input", Input).value.strip()
        if not path:
            self._show("type a file name")
            return
        if os.path.exists(path) and path != self._overwrite:
            # A second Enter on the same name confirms.
            self._overwrite = path
            self._show(f"{safe_label(path)} exists: Enter again to overwrite it")
            return
        self.dismiss(ExportRequest(path, self.export_format, self.scope))

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)


class GotoPrompt(ModalScreen[int | None]):
    """Ask for a time to go to (``10m``, RFC 3339, unix seconds, local time), as the since picker reads it.

    Returns the time in unix nanoseconds; what cannot be read is said on
    the line under the field, and the prompt stays.

    Args:
        now_ns: the clock that durations count back from.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, now_ns: Callable[[], int]) -> None:
        super().__init__()
        self._now_ns = now_ns

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            with Horizontal(id="prompt-row"):
                yield Label("go to", id="prompt-sigil")
                yield SafeInput(placeholder="a time: 10m, 2026-11-25T10:00, unix seconds", id="prompt-input")
            yield Static(id="prompt-toggles")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()
        self._show()

    def _show(self, error: str | None = None) -> None:
        if error:  # alone on the line, so that it fits
            hints = Text(f" {error}", "bold red")
        else:
            hints = _key_hints(Text(" every line stays shown "), [], [("Enter", "go"), ("Esc", "cancel")])
        self.query_one("#prompt-toggles", Static).update(hints)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        text = self.query_one("#prompt-input", Input).value.strip()
        if not text:
            self._show("type a time")
            return
        try:
            when_ns = parse_since(text, now_datetime(self._now_ns()))
        except InvalidArgumentError as exc:
            self._show(str(exc))
            return
        self.dismiss(when_ns)

    def action_cancel(self) -> None:
        """Close without moving."""
        self.dismiss(None)


def _key_hints(
    text: Text, choices: Sequence[tuple[str, str, bool]], keys: Sequence[tuple[str, str]],
    error: str | None = None,
) -> Text:
    """The line under a prompt: its choices, its keys, and why the last Enter failed.

    Args:
        text: what the line starts with (it is appended to and returned).
        choices: ``(key, label, chosen)``: a check box each, ``[x] label`` when
            chosen, after its key (``""``: none).
        keys: ``(key, what it does)``, such as ``("Esc", "cancel")``.
        error: shown last, in red (``None`` or ``""``: nothing).

    Returns:
        ``text``, with the hints appended.
    """
    for key, label, chosen in choices:
        if key:
            text.append(f" {key} ", "bold")
        text.append(f"[{'x' if chosen else ' '}] {label}  ", "bold" if chosen else "dim")
    # One space before the first key and two after each hint but the last: the
    # snapshots hold this spacing.
    last = len(keys) - 1
    for number, (key, action) in enumerate(keys):
        text.append(key if number else f" {key}", "bold")
        text.append(f" {action}  " if number < last else f" {action}", "dim")
    if error:
        text.append(f"   {error}", "bold red")
    return text
