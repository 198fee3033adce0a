"""The keys are told once: the help page and the palette are made from the bindings."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from iolog_tui.app import IologApp
from iolog_tui.keys import COMMANDS, LOG_BINDINGS, help_text, palette_entries, show_key
from iolog_tui.logscreen import LogScreen
from iolog_tui.logview import LogView
from iolog_tui.prompts import PatternPrompt
from iolog_tui.timeline import Timeline

EXTRA = {"command_palette": "ctrl+p"}


def _bindings(first: list[Binding] | None = None) -> list[Binding]:
    keys = [*(first or []), *LOG_BINDINGS, *LogView.BINDINGS, *Timeline.BINDINGS, *PatternPrompt.BINDINGS]
    return [binding for binding in keys if isinstance(binding, Binding)]


def test_keys_are_shown_as_people_read_them() -> None:
    assert [show_key(key) for key in ("slash", "ctrl+r", "down", "G", "question_mark", "pagedown")] == [
        "/", "Ctrl+R", "↓", "G", "?", "PgDn",
    ]


def test_every_key_of_the_log_screen_is_on_the_help_page() -> None:
    page = help_text(_bindings(), EXTRA)
    for binding in LOG_BINDINGS:
        assert isinstance(binding, Binding)
        assert show_key(binding.key) in page, binding


def test_the_help_page_follows_the_bindings() -> None:
    moved = Binding("S", "since", "Since")
    page = help_text(_bindings([moved]), EXTRA)
    assert "\n  S   since picker" in page
    assert "\n  s   since picker" in help_text(_bindings(), EXTRA)


def test_a_key_the_help_names_needs_a_binding() -> None:
    without = [binding for binding in _bindings() if binding.action != "wrap"]
    with pytest.raises(KeyError):
        help_text(without, EXTRA)


def test_every_palette_entry_is_an_action_of_the_log_screen_with_its_key() -> None:
    entries = palette_entries(LOG_BINDINGS)
    assert [entry[0] for entry in entries] == [title for _action, title, _help in COMMANDS]
    for _title, help_line, action in entries:
        owner, _dot, name = action.rpartition(".")
        home = IologApp if owner == "app" else LogScreen
        assert callable(getattr(home, f"action_{name.partition('(')[0]}", None)), action
        bound = [b for b in LOG_BINDINGS if isinstance(b, Binding) and b.action == action]
        if bound:
            assert help_line.endswith(f"({show_key(bound[0].key)})")
    assert ("Show stdout only", "Only stdout in the merged pane (1)", "streams('stdout')") in entries
