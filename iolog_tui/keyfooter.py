"""The footer: the keys that do something now, drawn again only when they change.

This module owns when the footer under the log screen is rebuilt. Textual's
footer rebuilds all its keys (a widget per key, mounted anew) whenever a
widget says the keys may have changed (``refresh_bindings``), and the panes
say so at every cursor move, since a selection brings ``Esc``. Rebuilding
costs the interpreter about as much as a screenful of rows, once per key
press, while the scan competes for it; :class:`KeyFooter` first compares
the keys it would show with the keys it shows, and rebuilds only when they
differ. What it shows is the footer's own choice, unchanged.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

__all__ = ["KeyFooter", "shown_keys"]

#: What a footer is composed from: per active key, its binding, whether it is enabled, its tooltip.
ShownKeys = tuple[tuple[str, Binding, bool, str], ...]


def shown_keys(screen: Screen[object]) -> ShownKeys:
    """The keys active on ``screen`` now, in order, shown or not (a footer is composed from them)."""
    return tuple(
        (key, binding, enabled, tooltip)
        for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
    )


class KeyFooter(Footer):
    """A footer that is rebuilt only when the keys it shows change."""

    def __init__(self, *, show_command_palette: bool = True) -> None:
        super().__init__(show_command_palette=show_command_palette)
        self._composed: ShownKeys | None = None

    def compose(self) -> ComposeResult:
        keys = shown_keys(self.screen)
        widgets = list(super().compose())
        # Nothing composed (the keys not ready yet): compare with nothing next time.
        self._composed = keys if widgets else None
        yield from widgets

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Rebuild when the keys shown differ from the keys that would be shown now."""
        if self._composed is not None and screen is self.screen and shown_keys(screen) == self._composed:
            return
        super().bindings_changed(screen)
