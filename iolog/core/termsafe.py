"""What text from a log may reach a terminal: the one rule, as pieces.

Container output is untrusted: a process in the container can print escape
sequences that set the operator's clipboard (OSC 52) or window title (OSC
0/2), move the cursor, clear the screen, ask the terminal to answer (DSR),
end a bracketed paste, or hide text (SGR 8). This module owns the rule that
every reader showing a log to a person applies (``iolog cat`` to a terminal,
the viewer's rows, labels, toasts and clipboard):

- a complete SGR sequence (``ESC [ params m``) passes when every parameter
  is a colour (30-37, 39, 40-47, 49, 90-97, 100-107, ``38``/``48`` with
  ``;5;n`` or ``;2;r;g;b`` and their ``:`` forms), a weight (bold 1, dim 2,
  normal 22), italic (3, 23), underline (4, 24, ``4:n``) or a reset (0 or
  empty). Italic and underline cannot hide or move text, so they are kept.
  A sequence with any other parameter (conceal 8, blink 5/6, reverse 7...)
  is not applied at all: it is shown, escaped, as text;
- every other control becomes a visible escape: ESC, the C0 controls but
  TAB (and, where line breaks are kept, LF and a CR right before it), DEL,
  the C1 controls U+0080-U+009F, the BiDi embeddings, overrides and
  isolates (U+202A-U+202E, U+2066-U+2069) and the line and paragraph
  separators U+2028/U+2029;
- bytes that are not UTF-8 (decoded with ``surrogateescape``) become
  visible escapes too, so raw C1 bytes such as 0x9b never pass.

A visible escape is printable and unambiguous: a C0 control or DEL is its
Unicode control picture (ESC is ``␛``, LF ``␊``, DEL ``␡``), a byte that is
not UTF-8 is ``\\xNN``, and any other character is ``\\uNNNN`` (a C1 control
U+009B is ``\\u009b``, never confused with a raw 0x9b byte). Callers draw
escapes in a distinct style so they stand apart from text that happens to
look the same.

:class:`TerminalFilter` applies the rule incrementally: an escape sequence
or a CR may be split between two calls (two entries, two flushes), and a
prefix that may still become an allowed SGR sequence is held back until it
is decided, so the pieces never depend on where the text was cut.
"""

from __future__ import annotations

import enum
import functools
import re
from typing import NamedTuple

__all__ = [
    "MAX_SGR_CHARS",
    "PieceKind",
    "TerminalFilter",
    "TerminalPiece",
    "sgr_codes",
    "terminal_pieces",
    "terminal_runs",
    "terminal_safe",
    "visible_escape",
    "visible_text",
]

#: The longest SGR sequence (ESC to ``m``) that is applied; a longer one is shown escaped.
MAX_SGR_CHARS = 128
_SGR_PARAMETER_CHARS = MAX_SGR_CHARS - 3

# Everything that is not plain text: C0 but TAB, DEL, C1, the line and
# paragraph separators, BiDi embeddings/overrides/isolates, surrogates (bytes
# that were not UTF-8, or a broken string).
_SPECIAL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SGR = re.compile(rf"\x1b\[([0-9:;]{{0,{_SGR_PARAMETER_CHARS}}})m")
# What may still grow into an allowed SGR sequence at the end of the text.
_SGR_PREFIX = re.compile(rf"\x1b(?:\[[0-9:;]{{0,{_SGR_PARAMETER_CHARS}}})?\Z")
# For marked output: an SGR-shaped sequence (group 1: its parameters), or one
# character that is never shown raw; with line breaks kept, LF and CR LF are not.
_SGR_OR_SPECIAL = re.compile(rf"\x1b\[([0-9:;]{{0,{_SGR_PARAMETER_CHARS}}})m|{_SPECIAL.pattern}")
_SGR_OR_SPECIAL_KEEPING_LINES = re.compile(
    rf"\x1b\[([0-9:;]{{0,{_SGR_PARAMETER_CHARS}}})m|\r(?!\n)"
    "|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

# Single parameters that may be applied: reset, weight, italic, underline, colours.
_SIMPLE_CODES = frozenset(
    {0, 1, 2, 22, 3, 23, 4, 24, 39, 49}
    | set(range(30, 38))
    | set(range(40, 48))
    | set(range(90, 98))
    | set(range(100, 108))
)
_EXTENDED_COLOUR = (38, 48)


class PieceKind(enum.Enum):
    """What a :class:`TerminalPiece` holds."""

    TEXT = "text"
    """Text to show as it is (no control characters, no escape sequences)."""
    SGR = "sgr"
    """One complete SGR sequence whose every parameter is allowed (see :func:`sgr_codes`)."""
    ESCAPED = "escaped"
    """The visible escapes of one or more control characters or bytes."""


class TerminalPiece(NamedTuple):
    """A piece of text, classified for a terminal.

    Attributes:
        kind: what it is.
        text: the text to show; for ``SGR`` the sequence as it came.
    """

    kind: PieceKind
    text: str


def visible_escape(char: str) -> str:
    """The visible, printable form of one character that must not reach a terminal.

    Args:
        char: one character (a control, a BiDi control, a separator, or a
            surrogate from ``surrogateescape`` decoding).

    Returns:
        ``␀``-``␟`` for a C0 control, ``␡`` for DEL, ``\\xNN`` for a byte
        that was not UTF-8, ``\\uNNNN`` for any other character.
    """
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def sgr_codes(parameters: str) -> tuple[int, ...] | None:
    """Check the parameters of an SGR sequence and put them in ``;`` form.

    Args:
        parameters: what is between ``ESC [`` and ``m`` (digits, ``;`` and ``:``).

    Returns:
        The codes, with colon forms rewritten in semicolon form (``38:2::1:2:3``
        becomes ``38, 2, 1, 2, 3``; ``4:3`` becomes ``4`` and ``4:0`` ``24``),
        or ``None`` when any parameter is not allowed, in which case the
        sequence must not be applied at all.
    """
    fields = parameters.split(";")
    codes: list[int] = []
    index = 0
    while index < len(fields):
        field = fields[index]
        index += 1
        if ":" in field:
            extended = _colon_form(field.split(":"))
            if extended is None:
                return None
            codes.extend(extended)
            continue
        code = _number(field)
        if code is None:
            return None
        if code in _EXTENDED_COLOUR:
            kind = _number(fields[index]) if index < len(fields) else None
            if kind == 5 and index + 1 < len(fields):
                colour = _number(fields[index + 1])
                if colour is None or colour > 255:
                    return None
                codes.extend((code, 5, colour))
                index += 2
                continue
            if kind == 2 and index + 3 < len(fields):
                rgb = [_number(value) for value in fields[index + 1 : index + 4]]
                if any(value is None or value > 255 for value in rgb):
                    return None
                codes.extend((code, 2, *(value or 0 for value in rgb)))
                index += 4
                continue
            return None
        if code not in _SIMPLE_CODES:
            return None
        codes.append(code)
    return tuple(codes)


@functools.lru_cache(maxsize=4096)
def _sgr_allowed(parameters: str) -> bool:
    """Whether an SGR sequence with these parameters may be applied (cached: logs repeat them)."""
    return sgr_codes(parameters) is not None


def _number(field: str) -> int | None:
    """A decimal parameter of up to five ASCII digits (empty is 0), else ``None``."""
    if not field:
        return 0
    if len(field) > 5 or not (field.isascii() and field.isdigit()):
        return None
    return int(field)


def _colon_form(parts: list[str]) -> tuple[int, ...] | None:
    """``38:5:n``, ``38:2:[id]:r:g:b`` (or ``38:2:r:g:b``), the same for 48, and ``4:n``."""
    head = _number(parts[0])
    if head == 4 and len(parts) == 2:
        style = _number(parts[1])
        if style is None or style > 5:
            return None
        return (4,) if style else (24,)
    if head not in _EXTENDED_COLOUR or len(parts) < 3:
        return None
    kind = _number(parts[1])
    values = [_number(value) for value in parts[2:]]
    if any(value is None or value > 255 for value in values):
        return None
    if kind == 5 and len(values) == 1:
        return (head, 5, values[0] or 0)
    if kind == 2 and len(values) in (3, 4):
        red, green, blue = values[-3:]
        return (head, 2, red or 0, green or 0, blue or 0)
    return None


class TerminalFilter:
    """Split text into pieces safe for a terminal, a chunk at a time.

    Args:
        keep_sgr: apply allowed SGR sequences (``SGR`` pieces); when false
            every ESC is escaped (labels, file names).
        keep_newlines: LF, and CR right before LF, pass as text (``iolog
            cat`` to a terminal); when false they are escaped too (one row,
            one label).
    """

    def __init__(self, *, keep_sgr: bool = True, keep_newlines: bool = False) -> None:
        self._keep_sgr = keep_sgr
        self._keep_newlines = keep_newlines
        self._held = ""

    @property
    def held(self) -> str:
        """Text held back: the start of what may become an SGR sequence, or a CR."""
        return self._held

    def feed(self, text: str) -> list[TerminalPiece]:
        """Classify ``text``, which continues what was fed before.

        Returns:
            The pieces decided so far; a possible start of an allowed SGR
            sequence (or a CR that a LF may follow) at the end is held back.
        """
        return self._split(self._held + text, final=False)

    def close(self) -> list[TerminalPiece]:
        """The end of the text: whatever is held back is decided (escaped)."""
        return self._split(self._held, final=True)

    def feed_marked(self, text: str, before: str, after: str) -> str:
        """Like :meth:`feed`, as one string: each visible escape between ``before`` and ``after``.

        The pieces joined (``TEXT`` and ``SGR`` as they are), each escaped
        character (not each run of them) marked, only faster for long runs
        of text: what ``iolog cat`` writes.
        """
        text = self._held + text
        self._held = ""
        tail = _SGR_PREFIX.search(text, max(0, len(text) - MAX_SGR_CHARS)) if self._keep_sgr else None
        if tail is not None:
            self._held = text[tail.start() :]
            text = text[: tail.start()]
        elif self._keep_newlines and text.endswith("\r"):
            self._held = "\r"
            text = text[:-1]
        return self._marked(text, before, after)

    def close_marked(self, before: str, after: str) -> str:
        """Like :meth:`close`, as one string (see :meth:`feed_marked`)."""
        text, self._held = self._held, ""
        return self._marked(text, before, after)

    def _marked(self, text: str, before: str, after: str) -> str:
        keep_sgr = self._keep_sgr

        def replace(match: re.Match[str]) -> str:
            parameters = match.group(1)
            if parameters is None:
                return before + visible_escape(match.group()) + after
            if keep_sgr and _sgr_allowed(parameters):
                return match.group()
            return before + "\u241b" + after + match.group()[1:]

        pattern = _SGR_OR_SPECIAL_KEEPING_LINES if self._keep_newlines else _SGR_OR_SPECIAL
        return pattern.sub(replace, text)

    def _split(self, text: str, *, final: bool) -> list[TerminalPiece]:
        self._held = ""
        pieces = _Pieces()
        keep_sgr = self._keep_sgr
        keep_newlines = self._keep_newlines
        position = 0
        end = len(text)
        search = _SPECIAL.search
        while position < end:
            match = search(text, position)
            if match is None:
                pieces.add(PieceKind.TEXT, text[position:])
                break
            start = match.start()
            if start > position:
                pieces.add(PieceKind.TEXT, text[position:start])
            char = text[start]
            position = start + 1
            if char == "\x1b" and keep_sgr:
                sgr = _SGR.match(text, start)
                if sgr is not None and _sgr_allowed(sgr.group(1)):
                    pieces.add(PieceKind.SGR, sgr.group())
                    position = sgr.end()
                    continue
                if sgr is None and not final and _SGR_PREFIX.match(text, start):
                    self._held = text[start:]
                    break
            elif keep_newlines and char == "\n":
                pieces.add(PieceKind.TEXT, char)
                continue
            elif keep_newlines and char == "\r":
                if position < end and text[position] == "\n":
                    pieces.add(PieceKind.TEXT, "\r\n")
                    position += 1
                    continue
                if position == end and not final:
                    self._held = char
                    break
            pieces.add(PieceKind.ESCAPED, visible_escape(char))
        return pieces.done()


class _Pieces:
    """Pieces being collected: consecutive text, or escapes, make one piece."""

    def __init__(self) -> None:
        self._kinds: list[PieceKind] = []
        self._parts: list[list[str]] = []

    def add(self, kind: PieceKind, text: str) -> None:
        if self._kinds and self._kinds[-1] is kind and kind is not PieceKind.SGR:
            self._parts[-1].append(text)
        else:
            self._kinds.append(kind)
            self._parts.append([text])

    def done(self) -> list[TerminalPiece]:
        return [
            TerminalPiece(kind, "".join(parts)) for kind, parts in zip(self._kinds, self._parts, strict=True)
        ]


def terminal_pieces(
    text: str, *, keep_sgr: bool = True, keep_newlines: bool = False
) -> list[TerminalPiece]:
    """Split a whole text into pieces safe for a terminal (see :class:`TerminalFilter`).

    Args:
        text: the text; bytes that were not UTF-8 as ``surrogateescape`` surrogates.
        keep_sgr: apply allowed SGR sequences; else escape every ESC.
        keep_newlines: let LF (and CR LF) pass; else escape them.

    Returns:
        Consecutive pieces whose texts, for ``TEXT`` and ``ESCAPED``, are
        all there is to show.
    """
    splitter = TerminalFilter(keep_sgr=keep_sgr, keep_newlines=keep_newlines)
    return splitter.feed(text) + splitter.close()


def terminal_runs(
    text: str, *, colours: bool = False, line_breaks: bool = False
) -> list[tuple[str, bool, tuple[int, ...] | None]]:
    """A whole text as runs safe to draw, in order: the one call a renderer needs.

    Args:
        text: the text; bytes that were not UTF-8 as ``surrogateescape`` surrogates.
        colours: apply allowed SGR sequences (a log's message); else every
            ESC is shown escaped (a name, a label).
        line_breaks: let LF (and CR LF) pass; else they are shown escaped.

    Returns:
        ``(text, escaped, sgr)`` runs. A run to show has ``sgr`` ``None``:
        its ``text`` holds no control character (but LF and a CR before it
        when ``line_breaks``), and when ``escaped`` it is visible escapes
        (``␛``, ``\\xff``, ``\\u202e``...) to draw apart from the log's own
        text. A run with ``sgr`` (and ``text`` ``""``) is an allowed SGR
        sequence, its codes in ``;`` form (see :func:`sgr_codes`; an empty
        sequence is the reset ``(0,)``), to apply to the runs after it.
    """
    runs: list[tuple[str, bool, tuple[int, ...] | None]] = []
    for kind, piece in terminal_pieces(text, keep_sgr=colours, keep_newlines=line_breaks):
        if kind is PieceKind.SGR:
            runs.append(("", False, sgr_codes(piece[2:-1]) or (0,)))
        else:
            runs.append((piece, kind is PieceKind.ESCAPED, None))
    return runs


def terminal_safe(text: str) -> str:
    """``text`` with every control, escape sequence and line break made visible.

    For labels, file names, messages and anything else shown as plain text:
    no SGR sequence is applied, and the result has no control character at all.
    """
    if _SPECIAL.search(text) is None:
        return text
    return "".join(
        piece.text for piece in terminal_pieces(text, keep_sgr=False, keep_newlines=False)
    )


def _escaped_chars(shown: str) -> list[int]:
    """The length of each visible escape in an ``ESCAPED`` piece (one per character it stands for)."""
    lengths: list[int] = []
    position = 0
    while position < len(shown):
        if shown[position] != "\\":
            length = 1  # a control picture
        else:
            length = 4 if shown[position + 1] == "x" else 6  # \xNN, \uNNNN
        lengths.append(length)
        position += length
    return lengths


def visible_text(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """The text a person sees of one line of a log, and where its own text came from.

    The rule applied as a row draws a message (colours kept, line breaks
    escaped): allowed SGR sequences are not text and are left out; every
    other control, escape sequence and byte that is not UTF-8 is its visible
    escape. What is matched, searched for or judged in a line (its level) is
    judged on this text, so that it is what the operator sees.

    Args:
        text: the line (without its line break); bytes that were not UTF-8
            as ``surrogateescape`` surrogates.

    Returns:
        ``(visible, runs)``: the visible text, and for each run of the
        line's own text in it (not an escape) ``(visible_start,
        text_start, length)`` in characters, in order.
    """
    if _SPECIAL.search(text) is None:
        return text, [(0, 0, len(text))]
    shown: list[str] = []
    runs: list[tuple[int, int, int]] = []
    visible_at = 0
    text_at = 0
    for kind, piece in terminal_pieces(text, keep_sgr=True, keep_newlines=False):
        if kind is PieceKind.SGR:
            text_at += len(piece)
            continue
        shown.append(piece)
        if kind is PieceKind.TEXT:
            runs.append((visible_at, text_at, len(piece)))
            text_at += len(piece)
        else:
            text_at += len(_escaped_chars(piece))
        visible_at += len(piece)
    return "".join(shown), runs
