"""Level words in rows (render.message_text with levels): the same safe text, the word coloured."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.style import Style
from rich.text import Text

from iolog import Level, detect_level
from iolog_tui.render import level_style, message_text

_PIECES = [b"ERROR", b"error", b"WARN", b"warning", b"DEBUG", b"INFO", b"<3>", b"level=warn", b"\x1b[31m",
           b"\x1b[0m", b"\x1b]0;x\x07", b"\t", b" ", b"\xff", b"\xe2\x80\xae", b"\x9b", b"ok", b"2026-11-25 ",
           b"[",
           b"]", b":", b"\xc3\xa9"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map(b"".join))
def test_levels_change_only_the_level_words_style(message: bytes) -> None:
    plain = message_text(message)
    coloured = message_text(message, levels=True)
    assert coloured.plain == plain.plain  # the same safe text: nothing more is shown, nothing less
    span = detect_level(message)
    style = None if span is None else level_style(span.level)
    where = range(0)
    if style is not None:
        assert span is not None
        word = message[span.start:span.end].decode("utf-8", "surrogateescape")
        start = coloured.plain.find(word)
        while start >= 0 and not _styled(coloured, start, style):
            start = coloured.plain.find(word, start + 1)
        assert start >= 0, "the level word is coloured"
        where = range(start, start + len(word))
    for index in range(len(plain.plain)):
        expected = _style_at(plain, index)
        if index in where:
            assert style is not None
            expected = expected + style
        assert _style_at(coloured, index) == expected, index


def _style_at(text: Text, index: int) -> Style:
    styles = [part.style for part in text.spans if part.start <= index < part.end]
    return Style.combine([Style(), *styles])  # type: ignore[list-item]


def _styled(text: Text, index: int, style: Style) -> bool:
    return any(part.style == style and part.start == index for part in text.spans)


def test_the_colours() -> None:
    assert level_style(Level.ERROR) == level_style(Level.FATAL)
    assert str(level_style(Level.ERROR)) == "bold red"
    assert str(level_style(Level.WARN)) == "bold yellow"
    assert str(level_style(Level.DEBUG)) == "dim" and str(level_style(Level.TRACE)) == "dim"
    assert level_style(Level.INFO) is None
    text = message_text(b"2026-11-25 10:00:00 ERROR db down\n", levels=True)
    shown = [(text.plain[part.start:part.end], str(part.style)) for part in text.spans]
    assert shown == [("ERROR", "bold red")]
    # A plain line on stderr has no level: it is not coloured for being there.
    assert message_text(b"Traceback (most recent call last):\n", levels=True).spans == []
