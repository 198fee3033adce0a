"""The context prompt (``C``): how many rows of context to show around each kept row.

A ``ModalScreen`` docked at the bottom like the other prompts (it uses their
styles), returning the number typed through ``dismiss`` (``None`` when
cancelled; 0 turns context off).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from .prompts import SafeInput

__all__ = ["MAX_CONTEXT_LINES", "ContextPrompt", "parse_context"]

#: The most rows of context asked for (more would show most of any log anyway).
MAX_CONTEXT_LINES = 10_000


def parse_context(text: str) -> int:
    """The number of context rows in ``text``.

    Raises:
        ValueError: not a whole number from 0 to :data:`MAX_CONTEXT_LINES`
            (the message says so).
    """
    text = text.strip()
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"type a number of lines, 0 to {MAX_CONTEXT_LINES:,} (0: no context)")
    lines = int(text)
    if lines > MAX_CONTEXT_LINES:
        raise ValueError(f"at most {MAX_CONTEXT_LINES:,} lines of context")
    return lines


class ContextPrompt(ModalScreen[int | None]):
    """Type N: the rows of context shown before and after each row the filters keep.

    Args:
        current: the number in effect, to start from.
    """

    # Docked at the bottom over the log, as the app's stylesheet places the other prompts.
    DEFAULT_CSS = "ContextPrompt { align: left bottom; background: transparent; }"

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: int = 0) -> None:
        super().__init__()
        self._initial = str(current) if current else ""

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            with Horizontal(id="prompt-row"):
                yield Label("context", id="prompt-sigil")
                yield SafeInput(
                    self._initial, placeholder="lines before and after each kept line (0: none)",
                    id="prompt-input",
                )
            yield Static(id="prompt-toggles")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()
        self._show()

    def _show(self, error: str | None = None) -> None:
        hints = Text(" context lines are dimmed; -- separates groups   ", "dim")
        hints.append("Enter", "bold")
        hints.append(" apply  ", "dim")
        hints.append("Esc", "bold")
        hints.append(" cancel", "dim")
        if error:
            hints.append(f"   {error}", "bold red")
        self.query_one("#prompt-toggles", Static).update(hints)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        text = self.query_one("#prompt-input", Input).value
        try:
            lines = parse_context(text or "0")
        except ValueError as exc:
            self._show(str(exc))
            return
        self.dismiss(lines)

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)
