"""Snapshot tests of iolog-tui: one class per screen state.

Every picture is made with a fixed time zone (``fixed_tz``), a fixed "now"
(``NOW_NS``), a fixed terminal size and fixture logs written with a step
clock, so it is the same on every run. Update with ``pytest --snapshot-update``
after checking the new pictures by eye.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iolog import LogWriter, Stream
from iolog.core.format import encode_header
from iolog_tui.app import IologApp
from iolog_tui.model.timerange import TimeRange
from iolog_tui.render import TimeFormat
from iolog_tui.sources import LogSource

from .conftest import NOW_NS, START_NS, StepClock, fixed_now, wait_until

SIZE = (120, 36)
SECOND_NS = 1_000_000_000

pytestmark = pytest.mark.usefixtures("fixed_tz")


def make_app(path: Path, **options: object) -> IologApp:
    """The app on ``path`` with the tests' clock."""
    return IologApp(LogSource(str(path), path.name), clock=fixed_now, **options)  # type: ignore[arg-type]


def mixed_items(count: int = 40) -> list[tuple[Stream, bytes] | bytes]:
    """A plain service log: stdout requests, an occasional stderr warning."""
    items: list[tuple[Stream, bytes] | bytes] = []
    for number in range(count):
        if number % 6 == 4:
            items.append((Stream.STDERR, b"WARN  cache miss ratio high: %d%%\n" % (40 + number)))
        else:
            items.append((Stream.STDOUT, b"INFO  GET /api/v1/items/%d 200 %dms\n" % (number, number)))
    return items


class TestMerged:
    def test_merged(self, snap_compare, demo_log, settle) -> None:
        assert snap_compare(make_app(demo_log), run_before=settle, terminal_size=SIZE)


class TestSplit:
    def test_split(self, snap_compare, demo_log, settle) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("p")
            await pilot.pause(0.1)

        assert snap_compare(make_app(demo_log), run_before=run_before, terminal_size=SIZE)


class TestTimeFormats:
    @pytest.mark.parametrize("presses", [1, 2, 3], ids=["local", "relative", "hidden"])
    def test_time_format(self, snap_compare, demo_log, settle, presses: int) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press(*["t"] * presses)
            await pilot.pause(0.1)

        assert snap_compare(make_app(demo_log), run_before=run_before, terminal_size=SIZE)


class TestSincePicker:
    def test_open_with_preview(self, snap_compare, write_log, settle) -> None:
        path = write_log(mixed_items(60), clock=StepClock(step_ns=60 * SECOND_NS))

        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("s")
            await pilot.press(*"30m")
            app = pilot.app
            await wait_until(pilot, lambda: "first entry" in str(app.screen.query_one("#preview").render()))

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)


class TestSinceApplied:
    def test_since_applied(self, snap_compare, write_log, settle) -> None:
        path = write_log(mixed_items(60), clock=StepClock(step_ns=60 * SECOND_NS))

        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("s")
            await pilot.press(*"30m")
            await pilot.press("enter")
            await pilot.pause(0.05)
            await settle(pilot)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)


class TestInvalidSince:
    def test_invalid_since(self, snap_compare, write_log, settle) -> None:
        path = write_log(mixed_items(20))

        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("s")
            await pilot.press(*"yesterday")
            await pilot.press("enter")
            await pilot.pause(0.1)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)


def append_entries(path: Path, first: int, count: int) -> None:
    """Append ``count`` stdout lines stamped after the fixture's last one."""
    clock = StepClock(START_NS + 3000 * SECOND_NS + first * SECOND_NS, SECOND_NS)
    with open(path, "ab") as sink:
        writer = LogWriter(sink, clock=clock)
        for number in range(first, first + count):
            writer.write(b"INFO  appended line %d\n" % number)
        writer.close()


class TestFollow:
    def test_new_entries_arrive(self, snap_compare, write_log, settle) -> None:
        path = write_log(mixed_items(40))

        async def run_before(pilot) -> None:
            app = pilot.app
            await settle(pilot)
            before = len(app.log_screen.panes.model)
            append_entries(path, 0, 5)
            await wait_until(pilot, lambda: len(app.log_screen.panes.model) == before + 5)

        app = make_app(path, follow=True)
        assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


class TestPaused:
    def test_paused_with_new_entries(self, snap_compare, write_log, settle) -> None:
        path = write_log(mixed_items(60))

        async def run_before(pilot) -> None:
            app = pilot.app
            await settle(pilot)
            await pilot.press("k", "k", "k")
            before = len(app.log_screen.panes.model)
            append_entries(path, 0, 12)
            await wait_until(pilot, lambda: len(app.log_screen.panes.model) == before + 12)

        app = make_app(path, follow=True)
        assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


class TestHelp:
    def test_help(self, snap_compare, demo_log, settle) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("question_mark")
            await pilot.pause(0.1)

        assert snap_compare(make_app(demo_log), run_before=run_before, terminal_size=SIZE)


class TestGarbage:
    def test_skipped_and_truncated_rows(self, snap_compare, write_log, settle) -> None:
        items = mixed_items(8)
        items.insert(3, b"\x00\x01boot noise before the writer opened the port\r\n")
        path = write_log(items)
        with open(path, "ab") as sink:  # a torn last entry
            sink.write(encode_header(200, timestamp_ns=NOW_NS - SECOND_NS) + b"cut short")

        assert snap_compare(make_app(path), run_before=settle, terminal_size=SIZE)


class TestWrap:
    def test_long_line_wrapped(self, snap_compare, write_log, settle) -> None:
        long_line = b"DEBUG config " + b"".join(b"key%03d=value%03d " % (n, n) for n in range(300))
        path = write_log(
            [(Stream.STDOUT, b"INFO  before\n"), (Stream.STDOUT, long_line + b"\n"),
             (Stream.STDERR, b"WARN  after\n")]
        )

        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("ctrl+w")
            await pilot.pause(0.1)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)


class TestAnsi:
    def test_colours_and_control_characters(self, snap_compare, write_log, settle) -> None:
        path = write_log(
            [
                (Stream.STDOUT, b"\x1b[32mINFO\x1b[0m  \x1b[1mbold\x1b[0m \x1b[4munderline\x1b[0m\n"),
                (
                    Stream.STDOUT,
                    b"\x1b[38;5;208m256-colour orange\x1b[0m \x1b[38;2;80;160;255mtruecolour\x1b[0m\n",
                ),
                (Stream.STDERR, b"\x1b[1;31mERROR\x1b[0m \x1b[41;97m on red \x1b[0m\n"),
                (Stream.STDOUT, b"bell\x07 backspace\x08 cr\rclear\x1b[2J title\x1b]0;pwned\x07 del\x7f\n"),
                (Stream.STDERR, b"invalid utf-8: \xff\xfe \xc3\x28 ok: caf\xc3\xa9 \xe2\x9c\x93\n"),
                (Stream.STDOUT, b"tab\tseparated\tcolumns\n"),
            ]
        )
        assert snap_compare(make_app(path), run_before=settle, terminal_size=SIZE)


class TestEmpty:
    def test_empty_log(self, snap_compare, tmp_path, settle) -> None:
        path = tmp_path / "empty.log"
        path.write_bytes(b"")
        assert snap_compare(make_app(path), run_before=settle, terminal_size=SIZE)


class TestCommandLineSince:
    def test_since_from_command_line(self, snap_compare, write_log, settle) -> None:
        path = write_log(mixed_items(60), clock=StepClock(step_ns=60 * SECOND_NS))
        window = TimeRange(since_ns=NOW_NS - 1200 * SECOND_NS, since_text="20m")
        app = make_app(path, time_range=window, time_format=TimeFormat.LOCAL)
        assert snap_compare(app, run_before=settle, terminal_size=SIZE)


class TestLightTheme:
    def test_split_on_light_theme(self, snap_compare, demo_log, settle) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            pilot.app.theme = "textual-light"
            await pilot.press("p")
            await pilot.pause(0.1)

        assert snap_compare(make_app(demo_log), run_before=run_before, terminal_size=SIZE)
