"""The footer is rebuilt only when its keys change, and always shows what a plain footer would."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from iolog_tui.keyfooter import KeyFooter

from .tui_helpers import SIZE, make_app, pilot_test, ready, service_items

#: Keys that change what the footer shows (a selection, following, the split) and keys that do not.
_KEYS = ("j", "k", "shift+down", "shift+up", "escape", "f", "p", "g", "G", "tab")


def _shown(footer: Footer) -> list[tuple[str, str, bool]]:
    return [(key.key, key.description, key.disabled) for key in footer.query(FooterKey)]


def _plain(screen: Screen[object]) -> list[tuple[str, str, bool]]:
    """What a footer shows now, read plainly: per action, its first active binding shown (no groups here)."""
    first: dict[str, tuple[str, str, bool]] = {}
    for _node, binding, enabled, _tooltip in screen.active_bindings.values():
        if binding.show:
            assert binding.group is None
            first.setdefault(binding.action, (binding.key, binding.description, not enabled))
    return list(first.values())


async def _settled(pilot) -> None:
    for _ in range(3):  # the footer is rebuilt after the refresh that follows the change
        await pilot.pause()


@pilot_test
async def test_moving_the_cursor_keeps_the_footer_and_a_selection_brings_esc(write_log) -> None:
    app = make_app(write_log(service_items(80)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("g")
        await _settled(pilot)
        footer = app.log_screen.query_one(KeyFooter)
        keys = list(footer.query(FooterKey))
        await pilot.press(*"jjjjk")
        await _settled(pilot)
        assert list(footer.query(FooterKey)) == keys  # the same widgets: nothing rebuilt
        assert "Stop/clear" not in [key.description for key in keys]
        await pilot.press("shift+down")
        await _settled(pilot)
        assert "Stop/clear" in [description for _key, description, _off in _shown(footer)]
        await pilot.press("escape")
        await _settled(pilot)
        assert "Stop/clear" not in [description for _key, description, _off in _shown(footer)]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_KEYS), min_size=1, max_size=10))
def test_the_footer_shows_what_a_plain_footer_would_after_any_keys(write_log, keys: list[str]) -> None:
    async def run() -> None:
        app = make_app(write_log(service_items(40)))
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            footer = app.log_screen.query_one(KeyFooter)
            for key in keys:
                await pilot.press(key)
                await _settled(pilot)
                assert _shown(footer) == _plain(app.log_screen), keys

    asyncio.run(run())
