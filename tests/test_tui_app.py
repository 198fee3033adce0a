"""Behaviour of iolog-tui under Pilot: keys, follow, the since picker, split, CLI errors."""

from __future__ import annotations

import asyncio
import functools
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from iolog import LogFile, LogWriter, Stream
from iolog_tui.app import IologApp, main
from iolog_tui.logview import LogView
from iolog_tui.render import TimeFormat, short_time
from iolog_tui.screens import HelpScreen, SincePicker
from iolog_tui.sources import LogSource

from .conftest import NOW_NS, START_NS, StepClock, fixed_now, wait_until

SIZE = (120, 36)
SECOND_NS = 1_000_000_000
MINUTE_NS = 60 * SECOND_NS


def pilot_test(function: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test body to completion (no async plugin needed)."""

    @functools.wraps(function)
    def run(*args: object, **kwargs: object) -> None:
        asyncio.run(function(*args, **kwargs))

    return run


def make_app(path: Path, **options: object) -> IologApp:
    return IologApp(LogSource(str(path), path.name), clock=fixed_now, **options)  # type: ignore[arg-type]


def service_items(count: int) -> list[tuple[Stream, bytes] | bytes]:
    return [
        (Stream.STDERR if n % 5 == 2 else Stream.STDOUT, b"line %d\n" % n) for n in range(count)
    ]


def append_lines(path: Path, texts: list[bytes], stream: Stream = Stream.STDOUT) -> None:
    with open(path, "ab") as sink:
        writer = LogWriter(sink, stream=stream, clock=StepClock(NOW_NS, SECOND_NS))
        for text in texts:
            writer.write(text)
        writer.close()


async def scanned(pilot) -> None:
    await wait_until(pilot, lambda: pilot.app.log_screen.panes.scan_progress is None)


def merged(app: IologApp) -> LogView:
    return app.query_one("#merged", LogView)


@pilot_test
async def test_scroll_keys(write_log) -> None:
    app = make_app(write_log(service_items(200)))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        view = merged(app)
        assert view.scroll_offset.y == 0
        await pilot.press("j", "j", "down")
        assert view.scroll_offset.y == 3
        await pilot.press("k")
        assert view.scroll_offset.y == 2
        await pilot.press("G")
        assert view.scroll_offset.y == view.max_scroll_y > 0
        last_line = view.render_line(view.scrollable_content_region.height - 1).text
        assert last_line.endswith("line 199") or "line 199 " in last_line
        await pilot.press("g")
        assert view.scroll_offset.y == 0
        await pilot.press("pagedown")
        assert view.scroll_offset.y > 20
        await pilot.press("end")
        assert view.at_bottom
        await pilot.press("home")
        assert view.scroll_offset.y == 0


@pilot_test
async def test_time_wrap_help_and_quit_keys(write_log) -> None:
    app = make_app(write_log(service_items(5)))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        seen = [app.log_screen.panes.time_format]
        for _ in range(4):
            await pilot.press("t")
            seen.append(merged(app).time_format)
        assert seen == [
            TimeFormat.UTC, TimeFormat.LOCAL, TimeFormat.RELATIVE, TimeFormat.HIDDEN, TimeFormat.UTC
        ]
        await pilot.press("w")
        assert merged(app).wrap and app.log_screen.panes.has_class("-wrap")
        await pilot.press("w")
        assert not merged(app).wrap
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
    assert app.return_code == 0


@pilot_test
async def test_wrapped_long_row_can_be_scrolled_to_its_end(write_log) -> None:
    long_line = b"word " * 3000 + b"END\n"
    path = write_log([(Stream.STDOUT, b"before\n"), (Stream.STDOUT, long_line),
                      (Stream.STDERR, b"after\n")])
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("w")
        view = merged(app)
        await pilot.press("G")
        await pilot.pause()
        last = view.render_line(view.scrollable_content_region.height - 1).text
        assert "after" in last


@pilot_test
async def test_split_keeps_panes_at_the_same_place(write_log) -> None:
    app = make_app(write_log(service_items(300)))
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert app.log_screen.panes.has_class("-split")
        stdout = app.query_one("#stdout", LogView)
        stderr = app.query_one("#stderr", LogView)
        assert app.focused is stdout
        assert stdout.border_title == f"stdout · {len(app.log_screen.panes.model.stdout):,}"
        for _ in range(50):
            await pilot.press("j")
        await pilot.pause()
        top_offset = stdout.rows.offset(stdout.scroll_offset.y)
        other = stderr.scroll_offset.y
        assert stderr.rows.offset(other) >= top_offset
        assert other == 0 or stderr.rows.offset(other - 1) < top_offset
        await pilot.press("tab")
        assert app.focused is stderr
        await pilot.press("s", "tab")  # in the picker, tab moves between its fields
        assert app.screen.focused is app.screen.query_one("#until")
        await pilot.press("escape")
        assert app.focused is stderr
        await pilot.press("p")
        await pilot.pause()
        assert not app.log_screen.panes.has_class("-split")
        assert app.focused is merged(app)


@pilot_test
async def test_follow_shows_appended_entries_quickly(write_log) -> None:
    path = write_log(service_items(100))
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        assert app.log_screen.panes.following and app.log_screen.panes.has_class("-following")
        view = merged(app)
        assert view.at_bottom
        started = time.monotonic()
        append_lines(path, [b"fresh one\n", b"fresh two\n"])
        await wait_until(pilot, lambda: len(app.log_screen.panes.model) == 102, timeout_s=5)
        elapsed_s = time.monotonic() - started
        assert elapsed_s < 1.0
        assert view.at_bottom
        assert app.log_screen.panes.model.row(101).message == b"fresh two\n"


@pilot_test
async def test_scrolling_up_pauses_and_end_resumes(write_log) -> None:
    path = write_log(service_items(100))
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("k")
        assert not app.log_screen.panes.following
        append_lines(path, [b"new %d\n" % n for n in range(7)])
        await wait_until(pilot, lambda: len(app.log_screen.panes.model) == 107)
        assert app.log_screen.panes.new_rows == 7
        assert "paused · 7 new" in str(app.query_one("#status-right").render())
        assert not merged(app).at_bottom
        await pilot.press("G")
        assert app.log_screen.panes.following and merged(app).at_bottom
        await pilot.press("f")
        assert not app.log_screen.panes.following


@pilot_test
async def test_f_starts_following_a_static_file(write_log) -> None:
    path = write_log(service_items(10))
    with open(path, "ab") as sink:
        sink.write(b"AAAAAAAAAA")  # looks like the start of an unfinished entry
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        assert len(app.log_screen.panes.model) == 11  # ten lines and the unfinished tail
        await pilot.press("f")
        assert app.log_screen.panes.following
        await pilot.pause(0.2)
        assert len(app.log_screen.panes.model) == 10  # the tail is taken back while following


@pilot_test
async def test_follow_restarts_after_truncation(write_log) -> None:
    path = write_log(service_items(50))
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        assert len(app.log_screen.panes.model) == 50
        path.write_bytes(b"")
        append_lines(path, [b"after truncation\n"])
        await wait_until(pilot, lambda: len(app.log_screen.panes.model) == 1, timeout_s=5)
        assert app.log_screen.panes.model.row(0).message == b"after truncation\n"
        assert "truncated" in app.log_screen.panes.source_note


@pilot_test
async def test_follow_reads_the_new_file_after_rotation(write_log, tmp_path: Path) -> None:
    path = write_log(service_items(30))
    app = make_app(path, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        assert len(app.log_screen.panes.model) == 30
        rotated = tmp_path / "app.log.1"
        path.rename(rotated)
        fresh = tmp_path / "fresh.log"
        append_lines(fresh, [b"first of the new file\n", b"second\n"])
        fresh.rename(path)
        await wait_until(pilot, lambda: len(app.log_screen.panes.model) == 2, timeout_s=5)
        assert app.log_screen.panes.model.row(0).message == b"first of the new file\n"
        assert "replaced" in app.log_screen.panes.source_note


@pilot_test
async def test_since_picker_reseeks_through_the_index(write_log) -> None:
    path = write_log(service_items(120), clock=StepClock(START_NS, 30 * SECOND_NS))
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("s")
        assert isinstance(app.screen, SincePicker)
        await pilot.press(*"20m")
        await wait_until(pilot, lambda: "first entry" in str(app.screen.query_one("#preview").render()))
        assert "entry 81 of 120" in str(app.screen.query_one("#preview").render())
        await pilot.press("enter")
        await scanned(pilot)
        since_ns = NOW_NS - 20 * MINUTE_NS
        assert app.log_screen.panes.time_range.since_ns == since_ns
        with LogFile(path) as logfile:
            assert app.log_screen.panes.model.offsets[0] == logfile.seek_time(since_ns)
        assert len(app.log_screen.panes.model) == 40
        assert all((app.log_screen.panes.model.row(i).timestamp_ns or 0) >= since_ns for i in range(40))
        assert "since" in str(app.query_one("#status-left").render())
        await pilot.press("s")
        await pilot.press("ctrl+a", "ctrl+k")  # clear the field: back to everything
        await pilot.press(*"until")
        await pilot.pause()
        assert "-error" in app.screen.query_one("#preview").classes
        await pilot.press("enter")  # an invalid value does not close the picker
        assert isinstance(app.screen, SincePicker)
        await pilot.press("escape")
        assert not isinstance(app.screen, SincePicker)
        assert len(app.log_screen.panes.model) == 40


@pilot_test
async def test_picker_presets_and_until(write_log) -> None:
    path = write_log(service_items(120), clock=StepClock(START_NS, 30 * SECOND_NS))
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("s")
        await pilot.click("#preset-15m")
        assert app.screen.query_one("#since").value == "15m"
        app.screen.query_one("#until").value = "5m"
        await pilot.pause()
        await pilot.press("enter")
        await scanned(pilot)
        assert len(app.log_screen.panes.model) == 20  # 30 s apart: 10:45 <= ts < 10:55
        await pilot.press("s")
        await pilot.click("#preset-all")
        await pilot.press("enter")
        await scanned(pilot)
        assert len(app.log_screen.panes.model) == 120


@pilot_test
async def test_command_line_since_opens_there(write_log) -> None:
    from iolog_tui.cli import resolve_range

    path = write_log(service_items(120), clock=StepClock(START_NS, 30 * SECOND_NS))
    window = resolve_range("10m", None, fixed_now)
    app = make_app(path, time_range=window)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        assert len(app.log_screen.panes.model) == 20


# -- the command line ---------------------------------------------------------


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(argv)
    return status, capsys.readouterr().err


def test_missing_file(tmp_path: Path, capsys) -> None:
    status, err = run_main([str(tmp_path / "nope.log")], capsys)
    assert status == 2
    assert err == f"iolog-tui: error: {tmp_path / 'nope.log'}: no such file\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied(write_log, capsys) -> None:
    path = write_log(service_items(3))
    path.chmod(0)
    status, err = run_main([str(path)], capsys)
    assert status == 2 and "permission denied" in err


def test_directory(tmp_path: Path, capsys) -> None:
    status, err = run_main([str(tmp_path)], capsys)
    assert status == 2 and "is a directory" in err


def test_not_an_iolog_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "plain.txt"
    path.write_bytes(b"just some text\n" * 10_000)
    status, err = run_main([str(path)], capsys)
    assert status == 2
    assert "not an iolog file (no entry in its 150000 bytes)" in err
    assert err.count("\n") == 1


def test_invalid_since(write_log, capsys) -> None:
    status, err = run_main([str(write_log(service_items(3))), "--since", "yesterday"], capsys)
    assert status == 2
    assert err.startswith("iolog-tui: error: --since: ") and err.count("\n") == 1


def test_no_source_hints_at_demo(capsys) -> None:
    status, err = run_main([], capsys)
    assert status == 2 and "iolog-tui --demo" in err


def test_save_needs_a_live_source(write_log, capsys) -> None:
    status, err = run_main([str(write_log(service_items(3))), "--save", "x.log"], capsys)
    assert status == 2 and "--save" in err


def test_python_dash_m_reports_errors_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "iolog_tui", str(tmp_path / "missing.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == f"iolog-tui: error: {tmp_path / 'missing.log'}: no such file\n"
    assert "Traceback" not in result.stderr


def test_until_must_be_later_than_since(write_log, capsys) -> None:
    path = str(write_log(service_items(3)))
    status, err = run_main([path, "--since", "1h", "--until", "2h"], capsys)
    assert status == 2
    assert err == "iolog-tui: error: --until '2h' is not later than --since '1h'\n"


def test_baud_needs_a_serial_source(write_log, capsys) -> None:
    status, err = run_main([str(write_log(service_items(3))), "--baud", "9600"], capsys)
    assert status == 2 and "--baud applies to a serial source" in err


def test_unreachable_serial_url(capsys) -> None:
    status, err = run_main(["socket://127.0.0.1:1"], capsys)
    assert status == 2
    assert err.startswith("iolog-tui: error: socket://127.0.0.1:1: ") and err.count("\n") == 1


def test_a_hangup_ends_the_viewer_and_removes_its_temporary_log(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import threading

    master, slave = os.openpty()
    env = {**os.environ, "TMPDIR": str(tmp_path), "TERM": "xterm-256color"}
    child = subprocess.Popen(
        [sys.executable, "-m", "iolog_tui", "--demo"],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )
    os.close(slave)

    def drain() -> None:
        while True:
            try:
                if not os.read(master, 65536):
                    return
            except OSError:
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob("iolog-demo-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(tmp_path.glob("iolog-demo-*")), "the demo never started"
        time.sleep(1.0)  # let it draw and write for a while
        os.close(master)  # the terminal goes away...
        child.send_signal(signal.SIGHUP)  # ...and says so
        child.wait(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert not list(tmp_path.glob("iolog-demo-*"))


@pilot_test
async def test_an_empty_window_says_when_the_log_runs(write_log) -> None:
    from iolog_tui.cli import resolve_range

    path = write_log(service_items(30), clock=StepClock(START_NS, SECOND_NS))
    late = resolve_range("1s", None, fixed_now)  # after the last entry
    app = make_app(path, time_range=late)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await wait_until(pilot, lambda: "runs from" in merged(app).placeholder)
        assert len(app.log_screen.panes.model) == 0
        time_format = app.log_screen.panes.time_format
        first = short_time(START_NS, time_format, 0)
        last = short_time(START_NS + 29 * SECOND_NS, time_format, 0)
        assert merged(app).placeholder == (
            f"no entries in this time window · the log runs from {first} to {last} · s changes it"
        )


@pilot_test
async def test_the_picker_says_when_the_log_runs_if_nothing_is_that_late(write_log) -> None:
    from iolog_tui.render import format_time

    path = write_log(service_items(30), clock=StepClock(START_NS, SECOND_NS))
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await pilot.press("s", *"10s")  # the log ended an hour ago
        preview = app.screen.query_one("#preview")
        await wait_until(pilot, lambda: "no entry" in str(preview.render()))
        first = format_time(START_NS, TimeFormat.LOCAL, 0)
        last = format_time(START_NS + 29 * SECOND_NS, TimeFormat.LOCAL, 0)[11:]  # the same day
        assert f"the log runs from {first} to {last}" in str(preview.render())


def test_output_that_is_not_a_terminal(write_log, capsys) -> None:
    # Under pytest stdout is captured: the viewer says so instead of drawing into it.
    status, err = run_main([str(write_log(service_items(3)))], capsys)
    assert status == 2
    assert err == (
        "iolog-tui: error: standard output is not a terminal; to print a log, use: iolog cat FILE\n"
    )


def test_a_closed_stdin_is_one_line(write_log) -> None:
    path = write_log(service_items(3))
    shell = f"{sys.executable} -m iolog_tui {path} <&-"
    master, slave = os.openpty()
    try:
        result = subprocess.run(["bash", "-c", shell], stdout=slave, stderr=subprocess.PIPE, timeout=30)
    finally:
        os.close(slave)
        os.close(master)
    assert result.returncode == 2
    assert result.stderr.startswith(b"iolog-tui: error: standard input is not a terminal")
    assert result.stderr.count(b"\n") == 1
