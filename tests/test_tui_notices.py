"""The notices history (NoticeLog) and its screen (NoticeScreen, key M) under Pilot."""

from __future__ import annotations

from textual.widgets import Static

from iolog_tui.notices import MAX_NOTICES, NoticeLog, NoticeScreen

from .conftest import NOW_NS, wait_until
from .tui_helpers import SIZE, known_items, make_app, pilot_test, ready


def test_the_log_keeps_the_newest_notices() -> None:
    log = NoticeLog(lambda: NOW_NS)
    for number in range(MAX_NOTICES + 5):
        log.add(f"notice {number}", "information")
    assert len(log) == MAX_NOTICES
    assert [notice.message for notice in log][0] == "notice 5"


@pilot_test
async def test_M_lists_every_notice_made_safe_and_closes(write_log) -> None:
    app = make_app(write_log(known_items(20)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.notify("file rotated\x1b]0;pwn\x07", severity="warning", markup=False)
        app.notify("copied 3 rows to the clipboard")
        await pilot.press("M")
        await wait_until(pilot, lambda: isinstance(app.screen, NoticeScreen))
        listed = str(app.screen.query_one("#notices-text", Static).render())
        assert "file rotated␛]0;pwn␇" in listed and "copied 3 rows" in listed
        assert "\x1b" not in listed
        await pilot.press("M")
        await wait_until(pilot, lambda: not isinstance(app.screen, NoticeScreen))


@pilot_test
async def test_no_notice_yet(write_log) -> None:
    app = make_app(write_log(known_items(5)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("M")
        await wait_until(pilot, lambda: isinstance(app.screen, NoticeScreen))
        assert "No messages yet" in str(app.screen.query_one("#notices-text", Static).render())
