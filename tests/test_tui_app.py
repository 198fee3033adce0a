"""The iolog-tui command and its app (IologApp): the command line, its errors, the log screen first."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iolog_tui.app import main

from .conftest import START_NS, StepClock, fixed_now
from .tui_helpers import SECOND_NS, SIZE, make_app, pilot_test, scanned, service_items


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


def test_a_directory_without_logs(tmp_path: Path, capsys) -> None:
    # A folder is a folder of logs (merged by time); one that holds none says so.
    status, err = run_main([str(tmp_path)], capsys)
    assert status == 2 and "no logs in it" in err


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
