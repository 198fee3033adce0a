"""Hostile container output: payloads that try to drive the operator's terminal.

Every test of terminal safety (``iolog cat`` on a pty, the viewer's rows,
detail, search, toasts, status bar and clipboard) uses this one corpus, and
:func:`terminal_violations` to say what in a terminal's input came from it.
Each payload carries a marker (``PWNED...``) so a test can tell whether its
sequence reached the terminal raw.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from iolog import Stream
from iolog.core.format import encode_entry

from .conftest import START_NS

#: (name, payload): one entry each, as VIC's writer makes them (one line, ends in LF).
PAYLOADS: list[tuple[str, bytes]] = [
    ("osc0-title", b"osc0 \x1b]0;PWNED-OSC0\x07 end"),
    ("osc2-title", b"osc2 \x1b]2;PWNED-OSC2\x1b\\ end"),
    ("osc8-link", b"osc8 \x1b]8;;http://PWNED-OSC8.example/\x1b\\click\x1b]8;;\x1b\\ end"),
    ("osc52-clipboard", b"osc52 \x1b]52;c;" + base64.b64encode(b"echo PWNED-OSC52\n") + b"\x07 end"),
    ("csi-cursor", b"cursor \x1b[5;5H\x1b[2A\x1b[10CPWNED-CURSOR end"),
    ("clear-screen", b"clear \x1b[2J\x1b[3J\x1b[HPWNED-CLEAR end"),
    ("dsr", b"dsr \x1b[6nPWNED-DSR end"),
    ("dcs", b"dcs \x1bP+q544e\x1b\\PWNED-DCS end"),
    ("bracketed-paste", b"paste \x1b[201~echo PWNED-PASTE\x1b[200~ end"),
    ("c1-utf8", "c1 \u009b31m \u009d0;PWNED-C1\u009c \u0085 end".encode()),
    ("c1-raw", b"c1raw \x9b31m \x9d0;PWNED-C1RAW\x9c end"),
    ("bidi", "bidi \u202eDENWP\u202c \u202a\u202b\u202d \u2066iso\u2069 \u2067\u2068 end".encode()),
    ("separators", "sep a\u2028b\u2029c end".encode()),
    ("zero-width", "zw a\u200bb\u200dc\ufeffd e\u0301\u0301 n\u0303 end".encode()),
    ("wide", "wide 日本語のテキスト 🦀 👩\u200d💻 end".encode()),
    ("sgr-hide", b"sgr \x1b[8mPWNED-CONCEAL\x1b[0m \x1b[5mPWNED-BLINK\x1b[0m "
                 b"\x1b[7mPWNED-REVERSE\x1b[0m end"),
    ("sgr-mixed", b"mixed \x1b[1;8mPWNED-HALF\x1b[0m end"),
    ("sgr-colours", b"colours \x1b[31mred\x1b[0m \x1b[1;38;5;208mbold orange\x1b[22;39m "
                    b"\x1b[38:2::0:160:255mblue\x1b[m end"),
    ("c0", b"c0 bell\x07 bs\x08\x08 cr\rPWNED-CR nul\x00 vt\x0b ff\x0c del\x7f end"),
]

#: Raw pieces of the corpus that no terminal may receive (an escape and what follows it).
RAW_SNIPPETS = [
    "\x1b]0;PWNED", "\x1b]2;PWNED", "\x1b]8;;http", "\x1b]52;c;ZWNobyBQV05FRC1PU0M1Mgo=",
    "\x1b[10CPWNED", "\x1b[2J\x1b[3J", "\x1b[HPWNED", "\x1b[6nPWNED", "\x1bP+q",
    "\x1b[201~echo", "\x1b[200~ end", "\x1b[8mPWNED", "\x1b[5mPWNED", "\x1b[7mPWNED",
    "\x1b[1;8mPWNED", "\rPWNED", "\u009b31m", "\u009d0;", "\x1b]2;PWNED-SPLIT",
]

#: One entry with a LF inside it (from a writer other than VIC's) and the text after it.
EMBEDDED_NEWLINE = b"before the break\nAFTER-THE-BREAK end\n"

#: An OSC 2 split across two entries of one line (the first has no LF).
SPLIT_FIRST = b"split \x1b]2;PWNED-"
SPLIT_SECOND = b"SPLIT\x07 and \x1b[3"
SPLIT_THIRD = b"2mgreen\x1b[0m end\n"

#: A file name that sets the terminal title when printed raw (and holds markup).
HOSTILE_NAME = "app[b]\x1b]2;PWNED-NAME\x07\u202e.log"
#: How the viewer shows it.
HOSTILE_NAME_SHOWN = "app[b]\u241b]2;PWNED-NAME\u2407\\u202e.log"

SECOND_NS = 1_000_000_000


def write_hostile_log(path: Path) -> Path:
    """Write the corpus to ``path``: each payload on stdout and on stderr, then the odd ones."""
    timestamp_ns = START_NS
    frames = []
    for _name, payload in PAYLOADS:
        for stream in (Stream.STDOUT, Stream.STDERR):
            frames.append(encode_entry(payload + b"\n", timestamp_ns=timestamp_ns, stream=stream))
            timestamp_ns += SECOND_NS
    frames.append(encode_entry(EMBEDDED_NEWLINE, timestamp_ns=timestamp_ns))
    for part in (SPLIT_FIRST, SPLIT_SECOND, SPLIT_THIRD):
        timestamp_ns += SECOND_NS
        frames.append(encode_entry(part, timestamp_ns=timestamp_ns))
    path.write_bytes(b"".join(frames))
    return path


# -- what a terminal must never receive from the log ------------------------------------------

_SEQUENCE = re.compile(
    r"\x1b(?:"
    r"\[(?P<csi>[0-?]*[ -/]*[@-~])"  # CSI
    r"|\](?P<osc>[^\x07\x1b]*)(?:\x07|\x1b\\)"  # OSC
    r"|(?P<other>.)"  # anything else after ESC
    r")",
    re.DOTALL,
)
_FORBIDDEN_CHARS = re.compile("[\x80-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# C0 but BEL (an OSC's end), TAB, LF, CR and ESC, which are looked at on their own.
_FORBIDDEN_C0 = re.compile("[\x00-\x06\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]")
_SGR_FORBIDDEN = {5, 6, 8}
# The viewer's own OSC: the mouse pointer's shape (kitty's protocol).
_POINTER_SHAPE = re.compile(r"22;[a-z-]+")
# Textual ends each screen line with LF and a cursor move to the next one.
_LF_NOT_BETWEEN_LINES = re.compile(r"\n(?!\x1b\[\d+;\d+H)")
#: ESC + one character that the viewer's own output may hold (keypad modes, charset).
_OWN_SHORT = {"=", ">", "7", "8", "("}


def terminal_violations(output: str, *, allow_lf: bool = False) -> list[str]:
    """Everything in a terminal's input that a log could have put there.

    ``output`` is what a program wrote to its terminal. The program's own
    sequences are allowed: SGR without conceal or blink, cursor moves,
    modes, the pointer shape (OSC 22), and OSC 52 whose clipboard text has no control character but TAB
    and LF, no C1 and no BiDi control. Everything else is a violation: any
    other OSC (title, hyperlink), DCS and the other string sequences, a
    device status request, a bracketed-paste marker, conceal or blink, a C1
    or BiDi character, a C0 control other than ESC, BEL (ending an OSC), TAB
    and CR LF, a LF that does not end a screen line (a cursor move follows
    it) unless ``allow_lf``, and any of :data:`RAW_SNIPPETS`.

    Returns:
        One line per violation (empty when the output is safe).
    """
    problems: list[str] = []
    for match in _SEQUENCE.finditer(output):
        csi, osc, other = match.group("csi"), match.group("osc"), match.group("other")
        if csi is not None:
            final = csi[-1]
            parameters = csi[:-1]
            if final == "m" and not parameters.startswith(("?", ">", "<", "=")):
                codes = _sgr_codes(parameters)
                if codes & _SGR_FORBIDDEN:
                    problems.append(f"SGR {sorted(codes & _SGR_FORBIDDEN)}: {match.group()!r}")
            elif final == "~" and parameters in ("200", "201"):
                problems.append(f"bracketed-paste marker: {match.group()!r}")
            elif final == "n":
                problems.append(f"device status request: {match.group()!r}")
        elif osc is not None:
            if osc.startswith("52;"):
                problems.extend(clipboard_violations(osc))
            elif not _POINTER_SHAPE.fullmatch(osc):
                problems.append(f"OSC {osc[:16]!r}")
        elif other not in _OWN_SHORT:
            problems.append(f"ESC {other!r}")
    stripped = _SEQUENCE.sub("", output)
    for char in sorted(set(_FORBIDDEN_CHARS.findall(stripped))):
        problems.append(f"raw {char!r}")
    for char in sorted(set(_FORBIDDEN_C0.findall(stripped))):
        problems.append(f"raw C0 {char!r}")
    if re.search("\r(?!\n)", stripped):
        problems.append("raw CR")
    if not allow_lf and _LF_NOT_BETWEEN_LINES.search(output):
        problems.append("raw LF inside a line")
    if "\x07" in stripped:
        problems.append("raw BEL")
    for snippet in RAW_SNIPPETS:
        if snippet in output:
            problems.append(f"raw {snippet!r}")
    return problems


def visible_text(output: str) -> str:
    """What a terminal shows of ``output``: its text without the escape sequences."""
    return _SEQUENCE.sub("", output)


def clipboard_violations(osc: str) -> list[str]:
    """What is wrong with the text of an OSC 52 ``52;c;BASE64`` sequence."""
    try:
        text = base64.b64decode(osc.split(";", 2)[2]).decode("utf-8")
    except (IndexError, ValueError):
        return [f"OSC 52 that is not base64 UTF-8: {osc[:20]!r}"]
    bad = sorted(set(re.findall("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", text)))
    return [f"clipboard holds {char!r}" for char in bad]


def _sgr_codes(parameters: str) -> set[int]:
    """The attribute codes of an SGR sequence (colour values skipped)."""
    fields = parameters.replace(":", ";").split(";") if parameters else ["0"]
    codes: set[int] = set()
    index = 0
    while index < len(fields):
        field = fields[index]
        code = int(field) if field.isdigit() else 0
        index += 1
        if code in (38, 48, 58) and index < len(fields):
            index += 2 if fields[index] == "5" else 4
            continue
        codes.add(code)
    return codes
