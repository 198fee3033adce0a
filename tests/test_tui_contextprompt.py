"""The context prompt (ContextPrompt, ``C``) alone under Pilot: the number it returns."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Static

from iolog_tui.contextprompt import MAX_CONTEXT_LINES, ContextPrompt, parse_context

from .tui_helpers import known_items, make_app, pilot_test, ready


class _Asking(App[None]):
    def __init__(self, prompt: ContextPrompt) -> None:
        super().__init__()
        self.prompt = prompt
        self.answers: list[int | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.prompt, self.answers.append)


@pytest.mark.parametrize(("text", "lines"), [("3", 3), (" 0 ", 0), ("10000", 10_000)])
def test_a_number_of_lines_is_read(text: str, lines: int) -> None:
    assert parse_context(text) == lines


@pytest.mark.parametrize("text", ["", "-1", "two", "1.5", "١", str(MAX_CONTEXT_LINES + 1)])
def test_anything_else_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match="lines"):
        parse_context(text)


@pilot_test
async def test_enter_returns_the_number_and_a_bad_one_says_why() -> None:
    app = _Asking(ContextPrompt(2))
    async with app.run_test() as pilot:
        await pilot.press("ctrl+a", "ctrl+k", *"x", "enter")
        await pilot.pause()
        assert app.answers == []
        hints = str(app.screen.query_one("#prompt-toggles", Static).render())
        assert "type a number of lines" in hints
        await pilot.press("backspace", "5", "enter")
        await pilot.pause()
    assert app.answers == [5]


@pilot_test
async def test_an_empty_prompt_turns_context_off_and_esc_changes_nothing() -> None:
    app = _Asking(ContextPrompt(3))
    async with app.run_test() as pilot:
        await pilot.press("ctrl+a", "ctrl+k", "enter")
        await pilot.pause()
        app.push_screen(ContextPrompt(0), app.answers.append)
        await pilot.pause()
        await pilot.press("7", "escape")
        await pilot.pause()
    assert app.answers == [0, None]


@pilot_test
async def test_in_the_viewer_it_is_docked_at_the_bottom_over_the_log(write_log) -> None:
    app = make_app(write_log(known_items(40)))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, ContextPrompt)
        assert app.screen.query_one("#prompt").region.y >= 18  # the log stays in sight above
