"""The viewer's one gate between untrusted text and the terminal.

Container output is untrusted, and so is a file name. This module owns how
any such string becomes something the viewer may draw, copy or announce:
rows and the entry detail (:func:`safe_text` with colours), the status bar,
toasts, prompts and the timeline's notes (:func:`safe_label`), and the
clipboard (:func:`clipboard_text`). All of them apply the rule of
:func:`iolog.terminal_runs`: SGR colour and weight sequences may style the
text; every other escape sequence, control character, C1 control, BiDi
control, line or paragraph separator and byte that is not UTF-8 is replaced
by a visible escape (``␛``, ``␇``, ``\\u009b``, ``\\u202e``, ``\\xff``...)
drawn dim and reversed, so that it stands apart from the log's own text.
"""

from __future__ import annotations

from rich.ansi import AnsiDecoder
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from iolog import terminal_runs, terminal_safe

__all__ = ["ESCAPE_STYLE", "LINE_BREAK_MARK", "clipboard_text", "safe_label", "safe_text"]

#: How a visible escape is drawn (over the style of the text around it).
ESCAPE_STYLE = Style(dim=True, reverse=True)
#: Drawn where a line break inside one entry is kept as a break (the entry detail).
LINE_BREAK_MARK = "\u240a"


def safe_text(
    text: str,
    *,
    colours: bool = False,
    line_breaks: bool = False,
    tab_size: int | None = None,
    mark: tuple[int, int, Style] | None = None,
) -> Text:
    """Rich text of an untrusted string, safe to draw.

    Args:
        text: the string; bytes that were not UTF-8 as ``surrogateescape``
            surrogates (they are shown as ``\\xNN``).
        colours: apply SGR colour and weight sequences (a log's message);
            else every ESC is shown escaped (a name, a label).
        line_breaks: break the text at each LF, after a visible ``␊`` (the
            entry detail); else a LF is an escape like any other control,
            so one entry stays one row and the text after it stays visible.
        tab_size: expand tabs to this many columns; ``None`` keeps them.
        mark: ``(start, end, style)``: ``text[start:end]`` is drawn in
            ``style`` too (over its colours), as it comes out of the same
            rule (a line's level word).

    Returns:
        Text holding no control character (but LF when ``line_breaks``),
        styled only by allowed SGR sequences and by :data:`ESCAPE_STYLE`.
    """
    result = Text(end="")
    decoder = AnsiDecoder() if colours else None
    style: Style | None = None
    column = 0
    for (piece, escape, codes), marked in _runs(text, colours, line_breaks, mark):
        if marked is not None:
            start = len(result)
            result.append(piece, style)
            column += cell_len(piece)
            result.stylize(marked, start, len(result))
            continue
        if codes is not None:
            assert decoder is not None
            decoder.decode_line(f"\x1b[{';'.join(map(str, codes))}m")
            style = decoder.style or None
            continue
        lines = piece.split("\n") if line_breaks and not escape else [piece]
        last = len(lines) - 1
        for number, line in enumerate(lines):
            crlf = number < last and line.endswith("\r")
            if crlf:
                line = line[:-1]
            if escape:
                result.append(line, _escape_style(style))
                column += cell_len(line)
            elif tab_size is not None and "\t" in line:
                column = _append_expanded(result, line, style, column, tab_size)
            elif line:
                result.append(line, style)
                column += cell_len(line)
            if number < last:
                result.append("\u240d" + LINE_BREAK_MARK if crlf else LINE_BREAK_MARK, _escape_style(style))
                result.append("\n")
                column = 0
    return result


def _runs(
    text: str, colours: bool, line_breaks: bool, mark: tuple[int, int, Style] | None
) -> list[tuple[tuple[str, bool, tuple[int, ...] | None], Style | None]]:
    """The rule's runs of ``text``; the plain text of the mark's span with the mark's style.

    With a mark the three parts go through the rule one by one: a level word
    is letters (or a syslog ``<3>``), so no escape sequence can start before
    it and end inside it, and the runs are those of the whole text.
    """
    if mark is None:
        return [(run, None) for run in terminal_runs(text, colours=colours, line_breaks=line_breaks)]
    start, end, style = mark
    runs: list[tuple[tuple[str, bool, tuple[int, ...] | None], Style | None]] = []
    for part, marked in ((text[:start], None), (text[start:end], style), (text[end:], None)):
        for run in terminal_runs(part, colours=colours, line_breaks=line_breaks):
            shown, escape, codes = run
            plain = codes is None and not escape and "\t" not in shown and "\n" not in shown
            runs.append((run, marked if plain else None))
    return runs


def _escape_style(style: Style | None) -> Style:
    return ESCAPE_STYLE if style is None else style + ESCAPE_STYLE


def _append_expanded(result: Text, line: str, style: Style | None, column: int, tab_size: int) -> int:
    """Append ``line`` with its tabs expanded from ``column``; return the column after it."""
    for number, part in enumerate(line.split("\t")):
        if number:
            spaces = tab_size - column % tab_size
            result.append(" " * spaces, style)
            column += spaces
        if part:
            result.append(part, style)
            column += cell_len(part)
    return column


def safe_label(text: str) -> str:
    """An untrusted string as plain text for a label, a toast or a prompt.

    Every control character, escape sequence, BiDi control and line break
    becomes a visible escape; nothing is applied.
    """
    return terminal_safe(text)


def clipboard_text(text: str) -> str:
    """Text as it may go to the clipboard (OSC 52): lines of :func:`safe_label` text.

    The LFs between lines and the TABs stay; nothing else below U+0020, no
    DEL, no C1 control and no BiDi control is left, so pasting the text
    cannot end a bracketed paste or run anything.
    """
    return "\n".join(terminal_safe(line) for line in text.split("\n"))
