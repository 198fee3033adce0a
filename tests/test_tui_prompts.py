"""The prompts (PatternPrompt, ExportPrompt) alone under Pilot: what they return."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Static

from iolog_tui.model.export import ExportFormat
from iolog_tui.prompts import ExportPrompt, ExportRequest, GotoPrompt, PatternPrompt, PatternRequest

from .tui_helpers import pilot_test


class _Asking(App[None]):
    def __init__(self, prompt: PatternPrompt | ExportPrompt | GotoPrompt) -> None:
        super().__init__()
        self.prompt = prompt
        self.answers: list[PatternRequest | ExportRequest | int | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.prompt, self.answers.append)


@pilot_test
async def test_a_filter_prompt_returns_its_pattern_and_toggles() -> None:
    app = _Asking(PatternPrompt("filter"))
    async with app.run_test() as pilot:
        await pilot.press(*"err.r", "ctrl+r", "ctrl+t", "ctrl+n", "enter")
        await pilot.pause()
    (request,) = app.answers
    assert isinstance(request, PatternRequest) and request.invert
    assert request.matcher is not None
    assert (request.matcher.pattern, request.matcher.regex, request.matcher.case_sensitive) == (
        "err.r", True, True,
    )


@pilot_test
async def test_a_search_cannot_be_inverted_and_empty_clears_it() -> None:
    app = _Asking(PatternPrompt("search"))
    async with app.run_test() as pilot:
        await pilot.press("ctrl+n", "enter")
        await pilot.pause()
    assert app.answers == [PatternRequest(None)]


@pilot_test
async def test_a_bad_regex_keeps_the_prompt_open_and_escape_cancels() -> None:
    app = _Asking(PatternPrompt("search"))
    async with app.run_test() as pilot:
        await pilot.press("ctrl+r", *"(", "enter")
        await pilot.pause()
        assert not app.answers and isinstance(app.screen, PatternPrompt)
        await pilot.press("escape")
        await pilot.pause()
    assert app.answers == [None]


@pilot_test
async def test_the_export_prompt_cycles_formats_and_renames() -> None:
    app = _Asking(ExportPrompt("app-shown.txt", 12))
    async with app.run_test() as pilot:
        await pilot.press("ctrl+f", "ctrl+f", "enter")
        await pilot.pause()
    (request,) = app.answers
    assert isinstance(request, ExportRequest)
    second, third = ExportFormat.TEXT.next(), ExportFormat.TEXT.next().next()
    assert request.export_format is third
    assert request.path == third.rename(second.rename("app-shown.txt"))


@pilot_test
async def test_the_export_prompt_asks_before_overwriting_a_file(tmp_path) -> None:
    existing = tmp_path / "there.txt"
    existing.write_text("keep\n")
    app = _Asking(ExportPrompt(str(existing), 3))
    async with app.run_test() as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert not app.answers and isinstance(app.screen, ExportPrompt)
        hint = str(app.screen.query_one("#prompt-toggles", Static).render())
        assert "exists: Enter again to overwrite it" in hint
        await pilot.press("enter")
        await pilot.pause()
    assert app.answers == [ExportRequest(str(existing), ExportFormat.TEXT)]


@pilot_test
async def test_the_export_prompt_asks_again_for_another_existing_name(tmp_path) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "b.txt").write_text("b\n")
    app = _Asking(ExportPrompt(str(tmp_path / "a.txt"), 3))
    async with app.run_test() as pilot:
        await pilot.press("enter", "ctrl+a", "ctrl+k", *str(tmp_path / "b.txt"), "enter")
        await pilot.pause()
        assert not app.answers and isinstance(app.screen, ExportPrompt)
        await pilot.press("ctrl+a", "ctrl+k", *str(tmp_path / "new.txt"), "enter")
        await pilot.pause()
    assert app.answers == [ExportRequest(str(tmp_path / "new.txt"), ExportFormat.TEXT)]


@pilot_test
async def test_the_export_prompt_offers_the_other_scopes_and_renames_for_them() -> None:
    app = _Asking(ExportPrompt("app-shown.txt", 12, [("selection", 3), ("marked", 2)]))
    async with app.run_test() as pilot:
        await pilot.press("ctrl+o", "ctrl+o", "enter")
        await pilot.pause()
    assert app.answers == [ExportRequest("app-marked.txt", ExportFormat.TEXT, "marked")]


@pilot_test
async def test_the_goto_prompt_reads_a_time_as_the_since_picker_does() -> None:
    from .conftest import NOW_NS

    app = _Asking(GotoPrompt(lambda: NOW_NS))
    async with app.run_test() as pilot:
        await pilot.press(*"1700000000", "enter")
        await pilot.pause()
    assert app.answers == [1_700_000_000 * 1_000_000_000]
