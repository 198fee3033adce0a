"""The viewer never lets a log or a file name drive the terminal.

Each test runs the app on a driver that records everything the app writes
to its terminal (Textual's own escape sequences included) and checks that
record with :func:`~tests.hostile.terminal_violations`, then checks that
the hostile text is on screen in its visible, escaped form. Every path from
a log to the terminal is covered: rows (merged and split, wrapped and not),
the entry detail (text, JSON, binary), search highlights and the status
bar, the export prompt, toasts, the file name and the clipboard (OSC 52),
and text pasted into a prompt.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pytest
from textual import events
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import Input

from iolog import Stream
from iolog.core.format import encode_entry
from iolog_tui.app import IologApp, main
from iolog_tui.detail import DetailScreen, hex_dump
from iolog_tui.prompts import ExportPrompt

from .conftest import START_NS, wait_until
from .hostile import (
    HOSTILE_NAME,
    HOSTILE_NAME_SHOWN,
    terminal_violations,
    visible_text,
    write_hostile_log,
)
from .tui_helpers import SIZE, make_app, pilot_test

SECOND_NS = 1_000_000_000
#: What may be in a clipboard: no control but TAB and LF, no C1, no BiDi control.
_CLIPBOARD_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def record_terminal(app: IologApp) -> list[str]:
    """Run ``app`` (with ``run_test(headless=False)``) on a driver that keeps what it writes."""
    written: list[str] = []

    class RecordingDriver(HeadlessDriver):
        @property
        def is_headless(self) -> bool:
            return False  # so that the app draws, as on a terminal

        def write(self, data: str) -> None:
            written.append(data)

    app.driver_class = RecordingDriver
    return written


def hostile_app(tmp_path: Path) -> tuple[IologApp, list[str]]:
    app = make_app(write_hostile_log(tmp_path / HOSTILE_NAME))
    return app, record_terminal(app)


async def ready(pilot) -> None:
    await wait_until(pilot, lambda: pilot.app.log_screen.panes.scan_progress is None)
    await pilot.pause(0.1)


def assert_safe(written: list[str]) -> str:
    """Fail on anything from the log in the terminal's input; return what is shown."""
    output = "".join(written)
    assert terminal_violations(output) == []
    return visible_text(output)


@pilot_test
async def test_rows_merged_and_split_wrapped_and_not(tmp_path: Path) -> None:
    app, written = hostile_app(tmp_path)
    seen = []
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        # top and bottom of: merged, merged wrapped, split wrapped, split
        for keys in (("g",), ("G",), ("ctrl+w", "g"), ("G",), ("p", "g"), ("G",), ("ctrl+w", "g"), ("G",)):
            await pilot.press(*keys)
            await pilot.pause(0.1)
            seen.append(assert_safe(written))
            written.clear()
    shown = "".join(seen)
    for visible in (
        "osc0 \u241b]0;PWNED-OSC0\u2407 end",
        "osc52 \u241b]52;c;",
        "cursor \u241b[5;5H\u241b[2A\u241b[10CPWNED-CURSOR end",
        "paste \u241b[201~echo PWNED-PASTE\u241b[200~ end",
        "dcs \u241bP+q544e\u241b\\PWNED-DCS end",
        "c1 \\u009b31m \\u009d0;PWNED-C1\\u009c \\u0085 end",
        "c1raw \\x9b31m \\x9d0;PWNED-C1RAW\\x9c end",
        "bidi \\u202eDENWP\\u202c \\u202a\\u202b\\u202d \\u2066iso\\u2069",
        "sep a\\u2028b\\u2029c end",
        "sgr \u241b[8mPWNED-CONCEAL",
        "mixed \u241b[1;8mPWNED-HALF",
        "c0 bell\u2407 bs\u2408\u2408 cr\u240dPWNED-CR nul\u2400 vt\u240b ff\u240c del\u2421 end",
        "wide 日本語のテキスト",
        "before the break\u240aAFTER-THE-BREAK end",
        "split \u241b]2;PWNED-SPLIT\u2407 and green end",
        HOSTILE_NAME_SHOWN,
    ):
        assert visible in shown


def _detail_log(tmp_path: Path, payload: bytes) -> Path:
    path = tmp_path / "detail.log"
    frames = [
        encode_entry(b"INFO  before\n", timestamp_ns=START_NS),
        encode_entry(payload, timestamp_ns=START_NS + SECOND_NS, stream=Stream.STDERR),
        encode_entry(b"INFO  after\n", timestamp_ns=START_NS + 2 * SECOND_NS),
    ]
    path.write_bytes(b"".join(frames))
    return path


_BINARY = ("binary \x9b31m \x9d0;PWNED-C1RAW\x9c \x1b]2;PWNED-OSC2\x07 \xff ".encode("latin-1")
           + "\u202eDENWP \u2028 \u009b".encode())
#: Entry-detail payloads: (form, payload, texts the panel must show).
DETAIL_CASES = [
    (
        "text",
        b"text \x1b]2;PWNED-OSC2\x07 \xc2\x9b31m \xe2\x80\xaebidi \x1b[8mPWNED-CONCEAL\x1b[0m"
        b" \x1b[6n first\nAFTER-THE-BREAK \x1b[31mred\x1b[0m\n",
        ["text \u241b]2;PWNED-OSC2\u2407 \\u009b31m \\u202ebidi \u241b[8mPWNED-CONCEAL \u241b[6n first\u240a",
         "AFTER-THE-BREAK red"],
    ),
    (
        "json",
        json.dumps(
            {"msg": "\u009b31m \u009d0;PWNED-C1\u009c", "bidi": "\u202eDENWP\u2066", "sep": "a\u2028b",
             "del": "x\x7f", "esc": "\x1b]2;PWNED-OSC2\x07"},
            ensure_ascii=False,
        ).encode() + b"\n",
        ['"msg": "\\u009b31m \\u009d0;PWNED-C1\\u009c"', '"bidi": "\\u202eDENWP\\u2066"',
         '"sep": "a\\u2028b"', '"del": "x\u2421"', '"esc": "\\u001b]2;PWNED-OSC2\\u0007"'],
    ),
    (
        # Not UTF-8 (raw C1 bytes, 0xff), with UTF-8 BiDi and C1 characters among them.
        "binary",
        _BINARY + b"\n",
        ["hex dump", *hex_dump(_BINARY).splitlines(), "binary \\x9b31m \\x9d0;PWNED-C1RAW\\x9c"],
    ),
]


@pytest.mark.parametrize(("payload", "expected"), [case[1:] for case in DETAIL_CASES],
                         ids=[case[0] for case in DETAIL_CASES])
@pilot_test
async def test_entry_detail(tmp_path: Path, payload: bytes, expected: list[str]) -> None:
    app = make_app(_detail_log(tmp_path, payload))
    written = record_terminal(app)
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.click("#merged", offset=(12, 1))
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.detail is not None
        )
        await pilot.pause(0.1)
        shown = assert_safe(written)
    for text in expected:
        assert text in shown


@pilot_test
async def test_search_highlights_and_status(tmp_path: Path) -> None:
    app, written = hostile_app(tmp_path)
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("g", "slash", *"PWNED", "enter")
        await wait_until(pilot, lambda: app.log_screen.search_bar.finished)
        await pilot.press("n", "n")
        await pilot.pause(0.1)
        # A pattern is shown as text in the status bar and toasts, never as markup.
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"[b]nothing", "enter")
        await wait_until(pilot, lambda: app.log_screen.search_bar.finished)
        await pilot.pause(0.1)
        shown = assert_safe(written)
    assert 'match 3 of 27' in shown
    assert "no match for \"[b]nothing\"" in shown


@pilot_test
async def test_export_prompt_and_its_toast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app, written = hostile_app(tmp_path)
    monkeypatch.chdir(tmp_path)
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportPrompt))
        await pilot.pause(0.1)
        prompt = assert_safe(written)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.log_screen.last_export is not None)
        await pilot.pause(0.2)
        toast = assert_safe(written)
        toasts = [notification.message for notification in app._notifications]  # noqa: SLF001
    name = HOSTILE_NAME_SHOWN.replace(".log", "-shown.txt")
    assert name in prompt
    # The toast gives the full path (on screen it wraps over lines), the name as shown.
    assert "saved 40 lines to" in toast
    assert toasts == [f"saved 40 lines to {os.path.join(os.getcwd(), name)}"]
    assert (tmp_path / name).exists()  # the name as shown, not the hostile one


@pilot_test
async def test_file_name_in_status_bar_and_command_palette(tmp_path: Path) -> None:
    app, written = hostile_app(tmp_path)
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"copy")
        await pilot.pause(0.3)
        shown = assert_safe(written)
    assert HOSTILE_NAME_SHOWN in shown
    assert "Copy lines" in shown


@pilot_test
async def test_copy_puts_the_rows_as_shown_on_the_clipboard(tmp_path: Path) -> None:
    app, written = hostile_app(tmp_path)
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        copies = []
        # The first row (the cursor's), then every row, selected from the first with shift+down.
        rows = len(app.log_screen.panes.model)
        for keys in (("g",), ("g", *["shift+down"] * rows)):
            await pilot.press(*keys, "y")
            await pilot.pause(0.2)
            copies.append(app.clipboard)
        output = "".join(written)
        assert_safe(written)
    osc52 = re.findall(r"\x1b\]52;c;([^\x07]*)\x07", output)
    sent = [base64.b64decode(payload).decode() for payload in osc52]
    assert sent == copies
    copied = "".join(copies)
    assert _CLIPBOARD_FORBIDDEN.search(copied) is None
    lines = copied.splitlines()
    assert "osc2 \u241b]2;PWNED-OSC2\u241b\\ end" in lines
    assert "paste \u241b[201~echo PWNED-PASTE\u241b[200~ end" in lines
    assert "bidi \\u202eDENWP\\u202c \\u202a\\u202b\\u202d \\u2066iso\\u2069 \\u2067\\u2068 end" in lines
    assert "before the break\u240aAFTER-THE-BREAK end" in lines
    assert "colours red bold orange blue end" in lines  # colours are not text


@pilot_test
async def test_text_pasted_into_a_prompt_is_shown_safely(tmp_path: Path) -> None:
    app, written = hostile_app(tmp_path)
    hostile = "x\x1b]2;PWNED-PASTE\x07\u202ey"
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        for key, field in (("slash", "#prompt-input"), ("s", "#since")):
            await pilot.press(key)
            await pilot.pause(0.1)
            app.screen.query_one(field).post_message(events.Paste(hostile))
            await pilot.pause(0.2)
            assert app.screen.query_one(field, Input).value.endswith("x\u241b]2;PWNED-PASTE\u2407\\u202ey")
            await pilot.press("escape")
            await pilot.pause(0.1)
        assert_safe(written)


def test_an_error_names_a_hostile_file_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / HOSTILE_NAME)]) == 2  # no such file
    err = capsys.readouterr().err
    assert terminal_violations(err, allow_lf=True) == []
    assert HOSTILE_NAME_SHOWN + ": no such file" in err
