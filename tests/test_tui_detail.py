"""Entry detail (DetailScreen) under Pilot, and its JSON and hex forms."""

from __future__ import annotations

from iolog_tui.detail import DetailScreen, hex_dump, pretty_json

from .conftest import wait_until
from .tui_helpers import (
    SIZE,
    known_items,
    make_app,
    pilot_test,
    ready,
)


@pilot_test
async def test_detail_shows_the_row_and_copy_takes_the_selection(write_log) -> None:
    app = make_app(write_log(known_items(20)))
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.click("#merged", offset=(10, 2))
        await pilot.click("#merged", offset=(10, 4), shift=True)
        await pilot.press("y")
        assert copied == ["row 002 ok\nrow 003 Timeout\nrow 004 ok\n"]
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        await wait_until(pilot, lambda: app.screen.detail is not None)
        detail = app.screen.detail
        assert detail.message == b"row 002 ok\n" and detail.entries == 1
        assert detail.offset == app.log_screen.panes.model.offsets[2]
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)


def test_pretty_json_and_hex_dump() -> None:
    assert pretty_json(b'{"a": [1, 2]}\n') == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert pretty_json(b"{not json") is None
    assert pretty_json(b"plain") is None
    assert hex_dump(b"AB\x00\xff") == "00000000  41 42 00 ff" + " " * 36 + "  AB.."
