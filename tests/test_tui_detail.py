"""Entry detail (DetailScreen) under Pilot, and its JSON and hex forms."""

from __future__ import annotations

import json

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Static

from iolog import Stream
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
        assert detail.message == b"row 004 ok\n" and detail.entries == 1  # the cursor's row
        assert detail.offset == app.log_screen.panes.model.offsets[4]
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)


def test_pretty_json_and_hex_dump() -> None:
    assert pretty_json(b'{"a": [1, 2]}\n') == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert pretty_json(b"{not json") is None
    assert pretty_json(b"plain") is None
    assert hex_dump(b"AB\x00\xff") == "00000000  41 42 00 ff" + " " * 36 + "  AB.."


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
@pilot_test
async def test_a_long_json_message_is_shown_whole_and_end_and_pgdn_reach_its_end(write_log, size) -> None:
    fields = {f"key{number:03d}": f"value {number:03d} " + "x" * 20 for number in range(130)}
    fields["last"] = "THE END"
    message = json.dumps(fields).encode() + b"\n"
    assert len(message) > 4500
    app = make_app(write_log([(Stream.STDOUT, b"before\n"), (Stream.STDOUT, message)]))
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await pilot.click("#merged", offset=(10, 1))
        await pilot.press("enter")
        await wait_until(pilot, lambda: getattr(app.screen, "detail", None) is not None)
        await pilot.pause()
        body = app.screen.query_one("#detail-body", VerticalScroll)
        shown = str(app.screen.query_one("#detail-message", Static).render())
        assert '"last": "THE END"' in shown and shown.count("key") == 130
        assert body.max_scroll_y > 0 and body.scroll_offset.y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert 0 < body.scroll_offset.y
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_offset.y == body.max_scroll_y
        assert "THE&#160;END" in app.export_screenshot()
        await pilot.press("home")
        await pilot.pause()
        assert body.scroll_offset.y == 0



@pilot_test
async def test_enter_on_skipped_bytes_shows_them_as_a_safe_hex_dump(write_log) -> None:
    from iolog_tui.detail import MAX_HEX_BYTES

    noise = b"\x1b]2;PWNED\x07 boot noise \x00\xff" + bytes(range(256)) * 80  # about 20 KiB
    path = write_log([(Stream.STDOUT, b"before\n"), noise, (Stream.STDOUT, b"after\n")])
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.query_one("#merged")
        await pilot.press("g", "j", "enter")
        assert isinstance(app.screen, DetailScreen)
        def shown_now() -> str:
            return str(app.screen.query_one("#detail-message", Static).render())

        await wait_until(pilot, lambda: "bytes (hex" in shown_now())
        shown = shown_now()
        fields = str(app.screen.query_one("#detail-fields", Static).render())
        skipped = view.rows.row(1).length
        assert f"{skipped:,} bytes" in fields
        assert f"the first {MAX_HEX_BYTES:,}; {skipped - MAX_HEX_BYTES:,} more not shown" in shown
        assert "1b 5d 32 3b 50 57 4e 45 44 07" in shown and ".]2;PWNED." in shown
        assert "\x1b" not in shown and "\x07" not in shown


@pilot_test
async def test_the_line_before_skipped_bytes_says_it_may_be_torn(write_log) -> None:
    path = write_log([(Stream.STDOUT, b"before\n"), (Stream.STDOUT, b"last words\n"), b"\r\nboot noise\r\n",
                      (Stream.STDOUT, b"after\n")])
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)

        def fields() -> str:
            return str(app.screen.query_one("#detail-fields", Static).render())

        for row, torn in ((0, False), (1, True), (3, False)):
            await pilot.press("g", *["j"] * row, "enter")
            assert isinstance(app.screen, DetailScreen)
            await wait_until(pilot, lambda: "offset" in fields())
            assert ("it may be torn, its end noise" in fields()) is torn, fields()
            await pilot.press("escape")
