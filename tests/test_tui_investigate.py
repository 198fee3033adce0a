"""Behaviour of search, filters, detail, copy and export under Pilot, on logs of known content."""

from __future__ import annotations

from pathlib import Path

from iolog import Stream, read_entries
from iolog_tui.detail import DetailScreen, hex_dump, pretty_json
from iolog_tui.logview import LogView
from iolog_tui.model.search import message_string

from .conftest import wait_until
from .test_tui_app import SIZE, make_app, pilot_test


def known_items(count: int = 300) -> list[tuple[Stream, bytes] | bytes]:
    """Every 10th row says "timeout"; every 4th is on stderr."""
    items: list[tuple[Stream, bytes] | bytes] = []
    for number in range(count):
        stream = Stream.STDERR if number % 4 == 1 else Stream.STDOUT
        word = b"Timeout" if number % 10 == 3 else b"ok"
        items.append((stream, b"row %03d %s\n" % (number, word)))
    return items


def shown_messages(view: LogView) -> list[str]:
    return [message_string(view.rows.row(index).message) for index in range(len(view.rows))]


async def ready(pilot) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: app.log_screen.panes.scan_progress is None)


async def search(pilot, text: str) -> None:
    app = pilot.app
    await pilot.press("slash")
    await pilot.press(*text)
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.log_screen.search_bar.finished)


async def filter_rows(pilot, text: str, *, invert: bool = False) -> None:
    app = pilot.app
    await pilot.press("ampersand")
    await pilot.press(*text)
    if invert:
        await pilot.press("ctrl+n")
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.log_screen.filter_bar.finished)


@pilot_test
async def test_search_counts_and_steps_through_matches(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await search(pilot, "timeout")
        assert list(app.log_screen.search_bar.matches) == [n for n in range(300) if n % 10 == 3]
        assert app.log_screen.search_bar.current == 3
        assert "match 1 of 30" in app.log_screen.investigate_status().plain
        await pilot.press("n", "n")
        assert app.log_screen.search_bar.current == 23
        assert "match 3 of 30" in app.log_screen.investigate_status().plain
        await pilot.press("N")
        assert app.log_screen.search_bar.current == 13
        await pilot.press("G")  # jump to the end, then n wraps to the first match
        await pilot.press("N")
        assert app.log_screen.search_bar.current == 293
        await pilot.press("n")
        assert app.log_screen.search_bar.current == 3
        view = app.query_one("#merged", LogView)
        assert view.selection == (3, 3)


@pilot_test
async def test_search_case_and_regex_toggles(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"timeout", "ctrl+t", "enter")
        await wait_until(pilot, lambda: app.log_screen.search_bar.finished)
        assert len(app.log_screen.search_bar.matches) == 0
        assert "no match" in app.log_screen.investigate_status().plain
        await pilot.press("slash", "ctrl+a", "ctrl+k", *r"row 0\d5", "ctrl+r", "ctrl+t", "enter")
        await wait_until(pilot, lambda: app.log_screen.search_bar.finished)
        assert list(app.log_screen.search_bar.matches) == [5, 15, 25, 35, 45, 55, 65, 75, 85, 95]
        await pilot.press("escape")  # ends the search
        assert app.log_screen.search_bar.request is None


@pilot_test
async def test_filter_and_stream_filter_show_the_right_rows(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.query_one("#merged", LogView)
        await filter_rows(pilot, "timeout")
        assert shown_messages(view) == [f"row {n:03d} Timeout" for n in range(300) if n % 10 == 3]
        assert "30 of 300 rows" in app.log_screen.investigate_status().plain
        await pilot.press("2")  # stderr only: rows 1, 5, 9, ... that also say timeout
        assert shown_messages(view) == [
            f"row {n:03d} Timeout" for n in range(300) if n % 10 == 3 and n % 4 == 1
        ]
        await pilot.press("3")
        await filter_rows(pilot, "\b" * 7 + "ok", invert=True)  # hide the "ok" rows
        assert len(view.rows) == 30
        await pilot.press("ampersand", "ctrl+a", "ctrl+k", "enter")  # empty: no filter
        await pilot.press("1")
        assert len(view.rows) == len(app.log_screen.panes.model.stdout) == 225


@pilot_test
async def test_search_within_a_filter_counts_only_shown_rows(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("1")  # stdout only
        await search(pilot, "timeout")
        expected = [n for n in range(300) if n % 10 == 3 and n % 4 != 1]
        assert list(app.log_screen.search_bar.matches) == expected


@pilot_test
async def test_filter_applies_to_new_entries_while_following(write_log) -> None:
    from .test_tui_app import append_lines

    path = write_log(known_items(40))
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(app.log_screen.panes.model) == 40)
        await pilot.press("ampersand", *"timeout", "enter")
        view = app.query_one("#merged", LogView)
        await wait_until(pilot, lambda: len(view.rows) == 4)
        append_lines(path, [b"new timeout here\n", b"new fine line\n", b"another TIMEOUT\n"])
        await wait_until(pilot, lambda: len(view.rows) == 6)
        assert shown_messages(view)[-2:] == ["new timeout here", "another TIMEOUT"]


@pilot_test
async def test_export_writes_exactly_what_is_shown(write_log, tmp_path: Path) -> None:
    items = known_items()
    items.append((Stream.STDOUT, b"x" * 5000 + b" Timeout in a long line\n"))
    app = make_app(write_log(items))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await filter_rows(pilot, "timeout")
        view = app.query_one("#merged", LogView)
        shown = shown_messages(view)
        assert len(shown) == 31
        for keys, name in (((), "plain.txt"), (("ctrl+f",), "stamped.txt"),
                           (("ctrl+f", "ctrl+f"), "copy.log")):
            target = tmp_path / name
            await pilot.press("e", *keys, "ctrl+a", "ctrl+k", *str(target), "enter")
            await wait_until(pilot, lambda target=target: app.log_screen.last_export is not None
                             and app.log_screen.last_export.path == str(target))
            assert app.log_screen.last_export.error is None and app.log_screen.last_export.rows == 31
        assert (tmp_path / "plain.txt").read_text().splitlines() == shown
        stamped = (tmp_path / "stamped.txt").read_text().splitlines()
        assert [line.split(" ", 1)[1] for line in stamped] == shown
        assert stamped[0].startswith("2026-11-25T") and stamped[0].split(" ")[0].endswith("Z")
        entries = list(read_entries(tmp_path / "copy.log"))
        assert b"".join(e.message for e in entries).decode().splitlines() == shown
        assert len(entries) == 32  # the long line is two entries, as in the original


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
