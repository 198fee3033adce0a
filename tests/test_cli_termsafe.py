"""``iolog cat`` and terminals: the byte sanitiser, and the command on a pty and on pipes.

To a terminal (stdout or stderr a TTY) the messages pass through
:class:`~iolog.cli.termsafe.TerminalSanitizer`: colours stay, every other
escape and control is shown visibly, and ``--raw`` turns that off. To a pipe
or a file the bytes are unchanged, as ``docker logs`` writes them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import tty
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iolog import Stream
from iolog.cli.termsafe import ESCAPE_END, ESCAPE_START, TerminalSanitizer
from iolog.core.format import encode_entry
from iolog.core.termsafe import sgr_codes

from .hostile import (
    EMBEDDED_NEWLINE,
    HOSTILE_NAME,
    PAYLOADS,
    SPLIT_FIRST,
    SPLIT_SECOND,
    SPLIT_THIRD,
    terminal_violations,
    write_hostile_log,
)

# What may never be shown raw (stated here, apart from the code under test).
FORBIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
ALLOWED_SGR_CODES = (
    {0, 1, 2, 22, 3, 23, 4, 24, 39, 49}
    | set(range(30, 38)) | set(range(40, 48)) | set(range(90, 98)) | set(range(100, 108))
)


# -- iolog cat's byte sanitiser ---------------------------------------------------------------

_BYTE_ATOMS = [
    b"\x1b", b"[", b"]", b";", b":", b"m", b"3", b"1", b"8", b"38", b"5", b"\x07", b"\r", b"\n", b"\t",
    b"\x00", b"\x7f", b"\x9b", b"\x9d", b"\xc2", b"\xc2\x9b", b"\xe2\x80", b"\xae", b"\xe2\x80\xae",
    b"\xff", "日".encode(), "🦀".encode()[:3], "🦀".encode()[3:], b"a", b" ",
]
byte_strings = st.one_of(
    st.binary(max_size=60),
    st.lists(st.sampled_from(_BYTE_ATOMS), max_size=40).map(b"".join),
)


def assert_safe_for_a_terminal(output: bytes) -> None:
    """What ``iolog cat`` writes to a terminal: UTF-8, only allowed SGR, no other control."""
    text = output.decode("utf-8")  # never a raw byte that is not UTF-8 (0x9b...)
    marks = (ESCAPE_START.decode(), ESCAPE_END.decode())
    for sgr in re.finditer(r"\x1b\[([0-9:;]*)m", text):
        if sgr.group() not in marks:
            codes = sgr_codes(sgr.group(1))
            assert codes is not None and all(
                code in ALLOWED_SGR_CODES or code in (38, 48) for code in _attribute_codes(codes)
            ), sgr.group()
    rest = re.sub(r"\x1b\[[0-9:;]*m", "", text).replace("\r\n", "").replace("\n", "")
    assert FORBIDDEN.search(rest) is None, rest


def _attribute_codes(codes: tuple[int, ...]) -> list[int]:
    out = []
    index = 0
    while index < len(codes):
        out.append(codes[index])
        index += (3 if codes[index + 1] == 5 else 5) if codes[index] in (38, 48) else 1
    return out


def sanitise(data: bytes, cuts: list[int] = ()) -> bytes:  # type: ignore[assignment]
    sanitizer = TerminalSanitizer()
    out = []
    start = 0
    for cut in sorted(min(cut, len(data)) for cut in cuts):
        out.append(sanitizer.feed(data[start:cut]))
        start = cut
    out.append(sanitizer.feed(data[start:]))
    out.append(sanitizer.close())
    return b"".join(out)


@settings(max_examples=300)
@given(byte_strings, st.lists(st.integers(0, 60), max_size=8))
def test_sanitised_bytes_are_safe_and_independent_of_cuts(data: bytes, cuts: list[int]) -> None:
    whole = sanitise(data)
    assert_safe_for_a_terminal(whole)
    # A run of escapes cut in two is two reverse-video runs: the same on screen.
    joined = ESCAPE_END + ESCAPE_START
    assert sanitise(data, cuts).replace(joined, b"") == whole.replace(joined, b"")


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
                             blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
       .map(lambda text: text.encode()), st.lists(st.integers(0, 60), max_size=8))
def test_valid_utf8_without_controls_passes_unchanged(data: bytes, cuts: list[int]) -> None:
    coloured = b"\x1b[1;31m" + data + b"\x1b[0m\tx\r\n" + data + b"\n"
    assert sanitise(coloured, cuts) == coloured


def test_sanitiser_examples() -> None:
    mark = ESCAPE_START.decode() + "{}" + ESCAPE_END.decode()
    assert sanitise(b"\x1b[31mred\x1b[0m\n") == b"\x1b[31mred\x1b[0m\n"
    assert sanitise(b"a\x1b]2;t\x07b\n").decode() == (
        "a" + mark.format("␛") + "]2;t" + mark.format("␇") + "b\n"
    )
    assert sanitise(b"\x9b\xc2\x9b\xe2\x80\xae\n").decode() == mark.format("\\x9b\\u009b\\u202e") + "\n"
    assert sanitise(b"\xe2\x80").decode() == mark.format("\\xe2\\x80")  # cut short at the end
    sanitizer = TerminalSanitizer()
    assert sanitizer.feed(b"x\x1b[3") == b"x"
    assert sanitizer.feed(b"2mgreen\xe6\x97") == b"\x1b[32mgreen"
    assert sanitizer.feed(b"\xa5\n") == "日\n".encode()
    assert sanitizer.close() == b""


# -- iolog cat on a pty and on pipes ----------------------------------------------------------

#: The hostile log's messages, as the log holds them, per stream (and in file order).
STDOUT_BYTES = b"".join(payload + b"\n" for _name, payload in PAYLOADS) + EMBEDDED_NEWLINE + (
    SPLIT_FIRST + SPLIT_SECOND + SPLIT_THIRD
)
STDERR_BYTES = b"".join(payload + b"\n" for _name, payload in PAYLOADS)
ALL_BYTES = b"".join(payload + b"\n" + payload + b"\n" for _name, payload in PAYLOADS) + (
    EMBEDDED_NEWLINE + SPLIT_FIRST + SPLIT_SECOND + SPLIT_THIRD
)


class Terminal:
    """A pty in raw mode (no newline translation) and everything written to it."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.received = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: every writer closed its end
                return
            if not chunk:
                return
            self.received.extend(chunk)

    def close(self) -> bytes:
        """Stop (the program has exited) and return what it wrote."""
        os.close(self.slave)
        self._reader.join(timeout=10)
        os.close(self.master)
        return bytes(self.received)


def run_cat(*args: str, stdout: str = "tty", stderr: str = "tty", stdin: bytes | None = None
            ) -> tuple[bytes, bytes]:
    """Run ``iolog cat ARGS`` with stdout and stderr each a ``"tty"``, the ``"same"`` tty, or a ``"pipe"``."""
    terminals: dict[str, Terminal] = {}
    out_target: int
    if stdout == "tty":
        terminals["out"] = Terminal()
        out_target = terminals["out"].slave
    else:
        out_target = subprocess.PIPE
    if stderr == "same":
        err_target = out_target
    elif stderr == "tty":
        terminals["err"] = Terminal()
        err_target = terminals["err"].slave
    else:
        err_target = subprocess.PIPE
    result = subprocess.run(
        [sys.executable, "-m", "iolog", "cat", *args], input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        stdout=out_target, stderr=err_target, env={**os.environ, "TZ": "UTC"}, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = terminals["out"].close() if "out" in terminals else result.stdout
    err = terminals["err"].close() if "err" in terminals else result.stderr or b""
    return out, err


@pytest.fixture
def hostile_log(tmp_path: Path) -> Path:
    return write_hostile_log(tmp_path / "hostile.log")


def assert_shown_safely(output: bytes) -> str:
    """No violation in a terminal's input; return the text it shows (reverse-video marks gone)."""
    text = output.decode("utf-8")
    assert terminal_violations(text, allow_lf=True) == []
    return text.replace(ESCAPE_START.decode(), "").replace(ESCAPE_END.decode(), "")


@pytest.mark.parametrize(
    "args", [(), ("-t",), ("--tail", "100"), ("--since", "2000-01-01")],
    ids=["bulk", "timestamps", "tail", "since"],
)
def test_cat_to_one_terminal_shows_escapes_and_keeps_colours(
    hostile_log: Path, args: tuple[str, ...]
) -> None:
    out, _ = run_cat(*args, str(hostile_log), stderr="same")
    shown = assert_shown_safely(out)
    for visible in (
        "osc0 ␛]0;PWNED-OSC0␇ end",
        "osc2 ␛]2;PWNED-OSC2␛\\ end",
        "osc52 ␛]52;c;ZWNobyBQV05FRC1PU0M1Mgo=␇ end",
        "cursor ␛[5;5H␛[2A␛[10CPWNED-CURSOR end",
        "clear ␛[2J␛[3J␛[HPWNED-CLEAR end",
        "dsr ␛[6nPWNED-DSR end",
        "paste ␛[201~echo PWNED-PASTE␛[200~ end",
        "c1 \\u009b31m \\u009d0;PWNED-C1\\u009c \\u0085 end",
        "c1raw \\x9b31m \\x9d0;PWNED-C1RAW\\x9c end",
        "bidi \\u202eDENWP\\u202c",
        "sep a\\u2028b\\u2029c end",
        "sgr ␛[8mPWNED-CONCEAL\x1b[0m ␛[5mPWNED-BLINK\x1b[0m ␛[7mPWNED-REVERSE\x1b[0m end",
        "c0 bell␇ bs␈␈ cr␍PWNED-CR nul␀ vt␋ ff␌ del␡ end",
        "zw a\u200bb\u200dc\ufeffd e\u0301\u0301 n\u0303 end",  # valid UTF-8 passes unchanged
        "wide 日本語のテキスト 🦀 👩\u200d💻 end",
        # colours pass, the colon form too; a sequence split over two entries is one
        "colours \x1b[31mred\x1b[0m \x1b[1;38;5;208mbold orange\x1b[22;39m "
        "\x1b[38:2::0:160:255mblue\x1b[m end",
        "before the break\nAFTER-THE-BREAK end\n",
        "split ␛]2;PWNED-SPLIT␇ and \x1b[32mgreen\x1b[0m end",
    ):
        assert visible in shown


def test_cat_to_two_terminals_sanitises_each(hostile_log: Path) -> None:
    out, err = run_cat(str(hostile_log), stdout="tty", stderr="tty")
    shown_out, shown_err = assert_shown_safely(out), assert_shown_safely(err)
    assert "split ␛]2;PWNED-SPLIT␇ and \x1b[32mgreen" in shown_out
    assert "osc2 ␛]2;PWNED-OSC2␛\\ end" in shown_err and "split" not in shown_err


def test_cat_raw_to_a_terminal_writes_the_bytes_unchanged(hostile_log: Path) -> None:
    out, _ = run_cat("--raw", str(hostile_log), stderr="same")
    assert out == ALL_BYTES


def test_cat_to_pipes_writes_the_bytes_unchanged(hostile_log: Path) -> None:
    out, err = run_cat(str(hostile_log), stdout="pipe", stderr="pipe")
    assert (out, err) == (STDOUT_BYTES, STDERR_BYTES)


def test_cat_sanitises_only_the_output_that_is_a_terminal(hostile_log: Path) -> None:
    out, err = run_cat(str(hostile_log), stdout="pipe", stderr="tty")
    assert out == STDOUT_BYTES
    assert "osc2 ␛]2;PWNED-OSC2␛\\ end" in assert_shown_safely(err)


def test_cat_from_a_pipe_to_a_terminal(hostile_log: Path) -> None:
    out, _ = run_cat("-", stderr="same", stdin=hostile_log.read_bytes())
    assert "split ␛]2;PWNED-SPLIT␇ and \x1b[32mgreen" in assert_shown_safely(out)


def test_cat_warning_shows_a_hostile_file_name_escaped(tmp_path: Path) -> None:
    path = tmp_path / HOSTILE_NAME
    path.write_bytes(b"noise" + encode_entry(b"ok\n", timestamp_ns=10**18, stream=Stream.STDOUT))
    out, err = run_cat(str(path), stdout="pipe", stderr="tty")
    assert out == b"ok\n"
    shown = assert_shown_safely(err)
    assert "app[b]␛]2;PWNED-NAME␇\\u202e.log: skipped 5 undecodable bytes" in shown


def test_stat_shows_a_hostile_file_name_escaped(tmp_path: Path) -> None:
    path = write_hostile_log(tmp_path / HOSTILE_NAME)
    result = subprocess.run([sys.executable, "-m", "iolog", "stat", str(path)], capture_output=True,
                            timeout=60, env={**os.environ, "TZ": "UTC"})
    assert result.returncode == 0
    text = result.stdout.decode()
    assert terminal_violations(text, allow_lf=True) == []
    assert "app[b]␛]2;PWNED-NAME␇\\u202e.log" in text
