"""A line's level is judged on the text a person sees (:func:`iolog.core.termsafe.visible_text`).

Colour sequences are no text: a level word right after one (``\\x1b[33mWARN``)
is found, and a line has the level of the same line without them, in every
path (``detect_level``, ``count_levels`` for ``iolog stat``, the viewer's
coloured word). Any other escape is judged as it is shown (its visible
escape), so the simplest reading is: the level of the visible text.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from iolog.core.levels import SCAN_BYTES, count_levels, detect_level, line_levels
from iolog.core.termsafe import visible_text
from iolog_tui.model.levelrows import level_of
from iolog_tui.render import level_style, message_text

# Allowed SGR sequences, none of them bold, dim, red or yellow (the level words' own styles).
SGRS = [b"\x1b[32m", b"\x1b[0m", b"\x1b[m", b"\x1b[4m", b"\x1b[38;5;33m", b"\x1b[44m", b"\x1b[3m",
        b"\x1b[38:2::1:2:3m", b"\x1b[36;44m", b"\x1b[39;49m"]
_SGR = re.compile(rb"\x1b\[[0-9:;]*m")

# Lines in the shapes the detector knows, and prose.
LINES = [
    b"ERROR db down", b"WARN something", b"2026-11-25 10:00:00.123 [main] WARN c.e.App - slow",
    b"2026-11-25T10:00:00Z\tinfo\tmain.go:12\tstarted", b"[error] connect() failed", b"Error: no such file",
    b'time="2026-11-25T10:00:00Z" level=warning msg="disk"', b'{"level":"error","msg":"x"}',
    b"E1125 10:00:00.123456       1 controller.go:42] sync failed", b"<3>disk failed", b"<14>ok",
    b"10:00AM WRN retrying", b"ERROR:root:boom", b"no error here", b"stack trace:", b"I think so",
    b"2026-11-25 10:00:00 | CRITICAL | app:main:12 - gone", b"debug: tick", b"(trace) deep",
]
line_shapes = st.one_of(
    st.sampled_from(LINES),
    st.lists(st.sampled_from([b"ERROR", b"error", b"Warn", b"INFO", b"debug", b" ", b"\t", b"[", b"]", b":",
                              b"level=", b"err", b"2026-11-25 ", b"<4>", b"x", b"|", b"E1125 10:00:00"]),
             max_size=12).map(b"".join),
)


@st.composite
def with_colours(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """A plain line and the same line with colour sequences put anywhere in it (and maybe a LF)."""
    line = draw(line_shapes)
    places = draw(st.lists(st.tuples(st.integers(0, len(line)), st.sampled_from(SGRS)), max_size=5))
    coloured = line
    for place, sgr in sorted(places, reverse=True):
        coloured = coloured[:place] + sgr + coloured[place:]
    ending = draw(st.sampled_from([b"", b"\n"]))
    return line + ending, coloured + ending


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(with_colours())
def test_colour_sequences_change_no_level(lines: tuple[bytes, bytes]) -> None:
    plain, coloured = lines
    expected = detect_level(plain)
    found = detect_level(coloured)
    assert (found is None) == (expected is None), lines
    assert count_levels([coloured]) == count_levels([plain])
    assert line_levels([coloured]) == [found]
    assert level_of(coloured) == level_of(plain)
    if found is None or expected is None:
        return
    assert found.level == expected.level
    # The span is the same word, with whatever colour sequences are inside it.
    assert _SGR.sub(b"", coloured[found.start:found.end]) == plain[expected.start:expected.end]
    assert not coloured[found.start:found.end].startswith(b"\x1b")


@settings(max_examples=500, deadline=None, derandomize=True)
@given(with_colours())
def test_the_viewer_colours_the_word_the_rule_found(lines: tuple[bytes, bytes]) -> None:
    plain, coloured = lines
    found = detect_level(coloured)
    style = None if found is None else level_style(found.level)
    text = message_text(coloured, levels=True)
    marked = "".join(text.plain[part.start:part.end] for part in text.spans if part.style == style)
    if style is None:
        return
    assert found is not None
    expected = detect_level(plain)
    assert expected is not None
    assert marked == plain[expected.start:expected.end].decode()


def shown_bytes(line: bytes) -> bytes:
    """The simplest reading of what a person sees of a line: the rule's visible text of it, as bytes."""
    if line.endswith(b"\n"):
        line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
    visible, _runs = visible_text(line.decode("utf-8", "surrogateescape"))
    return visible.encode()


ESCAPES = [b"\x1b[31m", b"\x1b[0m", b"\x1b[5m", b"\x1b[8m", b"\x1b]0;title\x07", b"\x1b[2J", b"\x1b", b"\x07",
           b"\r", b"\x00", b"\x7f", b"\xff", b"\xc2\x9b", b"\xe2\x80\xae", b"\xc3\xa9", b"\x1b[1;3"]


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(st.lists(st.one_of(line_shapes, st.sampled_from(ESCAPES)), max_size=8).map(b"".join),
       st.sampled_from([b"", b"\n", b"\r\n"]))
def test_a_line_has_the_level_of_its_visible_text(line: bytes, ending: bytes) -> None:
    line += ending
    shown = shown_bytes(line)
    reference = detect_level(shown)  # printable text: read as it is
    found = detect_level(line)
    assert (found is None) == (reference is None), line
    assert count_levels([line]) == {None if found is None else found.level: 1}
    if found is None or reference is None:
        return
    assert found.level == reference.level
    word = line[found.start:found.end]
    assert shown_bytes(word) == shown[reference.start:reference.end]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.integers(0, 3 * SCAN_BYTES), st.sampled_from(SGRS), st.sampled_from([b"ERROR", b"level=warn"]))
def test_long_lines_are_read_to_the_same_visible_head(filler: int, sgr: bytes, word: bytes) -> None:
    # Colour sequences in bulk before the level (many bytes that show nothing).
    line = sgr * (filler // len(sgr)) + b" x " + word + b" done"
    shown = shown_bytes(line)
    reference = detect_level(shown)
    found = detect_level(line)
    assert (None if found is None else found.level) == (None if reference is None else reference.level)
    assert count_levels([line]) == {None if found is None else found.level: 1}


def test_examples() -> None:
    for line, word in [
        (b"\x1b[33mWARN something\n", b"WARN"),
        (b"\x1b[1;31mERROR\x1b[0m boom\n", b"ERROR"),
        (b"2026-11-25 10:00:00 \x1b[32mINFO\x1b[0m started", b"INFO"),
        (b"level=\x1b[31merror\x1b[0m msg=x", b"error"),
    ]:
        found = detect_level(line)
        assert found is not None and line[found.start:found.end] == word
    # Text that is shown escaped is judged as it is shown: "\x1b[5m" is not applied, so "m" joins ERROR.
    assert detect_level(b"\x1b[5mERROR x") is None
