"""The status bar (StatusBar) alone: it renders the facts and the text it is given."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Label

from iolog_tui.render import TimeFormat
from iolog_tui.statusbar import StatusBar, StatusFacts

from .conftest import START_NS
from .tui_helpers import pilot_test

FACTS = StatusFacts(
    source_label="app.log", rows=12, stdout_rows=8, stderr_rows=3, entryless_bytes=None,
    tailing=False, following=False, new_rows=0, since_ns=None, until_ns=None,
    time_format=TimeFormat.UTC, source_note="", scan_progress=None,
    index_progress=None, skipping=None,
)


class _Bar(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar(clock=lambda: START_NS, id="statusbar")


def _said(app: App[None], part: str) -> str:
    return str(app.query_one(f"#status-{part}", Label).render())


@pilot_test
async def test_the_bar_renders_the_facts_it_is_given() -> None:
    app = _Bar()
    async with app.run_test(size=(120, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.facts = FACTS
        await pilot.pause()
        assert _said(app, "left") == " app.log  11 lines · stdout 8 · stderr 3 · 1 skipped region "
        assert _said(app, "right") == " utc "
        bar.facts = replace(FACTS, tailing=True, new_rows=7, scan_progress=0.25,
                            since_ns=START_NS, source_note="\x1b[31mgone")
        await pilot.pause()
        # The whole of it would not fit in 120 cells: the left's words give way, not its counts.
        assert _said(app, "left") == " app.log  since 09:00 · 11 lines · out 8 · err 3 · 1 skipped "
        # What the source said is a notification (made safe), not a part of the bar.
        assert _said(app, "right") == "scanning 25%   paused · 7 new  utc "
        assert [notice.message for notice in app._notifications] == ["␛[31mgone"]
        bar.facts = replace(FACTS, following=True, index_progress=0.5, scan_progress=0.1)
        await pilot.pause()
        assert _said(app, "right") == "indexing 50%   FOLLOW  utc "
        bar.investigation = Text(" / timeout match 1 of 2")
        await pilot.pause()
        assert _said(app, "investigate") == " / timeout match 1 of 2"


@pilot_test
async def test_a_file_without_entries_and_bytes_skipped() -> None:
    app = _Bar()
    async with app.run_test(size=(120, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.facts = replace(FACTS, rows=0, stdout_rows=0, stderr_rows=0, entryless_bytes=5000,
                            skipping=(100, 4196), scan_progress=0.5)
        await pilot.pause()
        assert "not an iolog file: no entry in 5,000 bytes" in _said(app, "left")
        assert _said(app, "right").startswith("skipping unreadable bytes: 4.0 KiB · 50%")


@pilot_test
async def test_at_80_columns_the_filters_words_give_way_first() -> None:
    """A long filter description: the brief form, then fewer words; counts, window and follow state stay."""
    app = _Bar()
    async with app.run_test(size=(80, 3)) as pilot:
        bar = app.query_one(StatusBar)
        long = Text(' filter  "GET /api/v1/items/7 from the load balancer" · 9 of 50 lines   '
                    "in file 0 errors · 9 warnings  ")
        brief = Text(" filter 9/50 lines  file 0 err · 9 warn ")
        bar.facts = replace(FACTS, since_ns=START_NS, following=True, tailing=True)
        bar.filtered = True
        bar.brief_investigation = brief
        bar.investigation = long
        await pilot.pause()
        said = [_said(app, part) for part in ("left", "investigate", "right")]
        assert said[1] == brief.plain
        assert "since 09:00" in said[0] and "FOLLOW" in said[2]
        assert sum(len(part) for part in said) <= 80
        # With room, everything is said.
        await pilot.resize_terminal(240, 3)
        await pilot.pause(0.1)
        assert _said(app, "investigate") == long.plain
        assert _said(app, "left").startswith(" app.log  since 2026-11-25 09:00:00Z · 11 lines · stdout 8")
        # Without filters the left keeps its counts of the lines, in fewer words.
        await pilot.resize_terminal(80, 3)
        await pilot.pause(0.1)
        bar.filtered = False
        bar.brief_investigation = Text(" 0 err · 9 warn ")
        bar.investigation = Text(" 0 errors · 9 warnings  ")
        await pilot.pause()
        # Only the left's tail may be cut.
        said = [_said(app, part) for part in ("left", "investigate", "right")]
        assert said[0].startswith(" app.log  since 09:00 · 11 lines · out 8 · err 3")
        assert said[1:] == [" 0 err · 9 warn ", " FOLLOW "]
