"""The rule for showing log text on a terminal (:mod:`iolog.core.termsafe`).

Examples first, then properties: for any text, cut anywhere, the pieces hold
no control character, no C1 or BiDi control and no escape sequence but an
allowed SGR one, and do not depend on the cuts.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iolog import terminal_runs, terminal_safe
from iolog.core.termsafe import (
    PieceKind,
    TerminalFilter,
    TerminalPiece,
    sgr_codes,
    terminal_pieces,
    visible_escape,
)

from .hostile import PAYLOADS

# What may never be shown raw (stated here, apart from the code under test).
FORBIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

T, S, E = PieceKind.TEXT, PieceKind.SGR, PieceKind.ESCAPED


def pieces(*items: tuple[PieceKind, str]) -> list[TerminalPiece]:
    return [TerminalPiece(kind, text) for kind, text in items]


# -- examples ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "codes"),
    [
        ("", (0,)),
        ("0", (0,)),
        ("1;31", (1, 31)),
        ("2;22;3;23;4;24", (2, 22, 3, 23, 4, 24)),
        ("39;49;97;107", (39, 49, 97, 107)),
        ("38;5;208", (38, 5, 208)),
        ("48;2;1;2;3", (48, 2, 1, 2, 3)),
        ("38:5:208", (38, 5, 208)),
        ("38:2::10:20:30", (38, 2, 10, 20, 30)),
        ("38:2:10:20:30", (38, 2, 10, 20, 30)),
        ("4:3", (4,)),
        ("4:0", (24,)),
        ("01;031", (1, 31)),
        (";1", (0, 1)),
    ],
)
def test_sgr_codes_allowed(parameters: str, codes: tuple[int, ...]) -> None:
    assert sgr_codes(parameters) == codes


@pytest.mark.parametrize(
    "parameters",
    ["8", "5", "6", "7", "1;8", "28", "27", "9", "53", "58;5;1", "38;5", "38;5;256", "38;2;1;2",
     "38;2;1;2;300", "38;3;1", "38:5", "38:2:1:2", "4:6", "1:2", "999999", "\u00b2", "\u0661"],
)
def test_sgr_codes_forbidden(parameters: str) -> None:
    assert sgr_codes(parameters) is None


def test_visible_escapes() -> None:
    assert [visible_escape(char) for char in "\x00\x07\x1b\x0a\x7f"] == ["␀", "␇", "␛", "␊", "␡"]
    assert visible_escape("\u009b") == "\\u009b"  # a C1 character
    assert visible_escape("\udc9b") == "\\x9b"  # the byte 0x9b, not UTF-8
    assert visible_escape("\u202e") == "\\u202e"
    assert visible_escape("\u2028") == "\\u2028"


def test_pieces_of_a_coloured_hostile_line() -> None:
    text = "\x1b[1;31mERROR\x1b[0m \x1b]2;title\x07 \x1b[8mhidden\x1b[m \u202eevil\r\n"
    assert terminal_pieces(text) == pieces(
        (S, "\x1b[1;31m"), (T, "ERROR"), (S, "\x1b[0m"), (T, " "), (E, "␛"), (T, "]2;title"),
        (E, "␇"), (T, " "), (E, "␛"), (T, "[8mhidden"), (S, "\x1b[m"), (T, " "), (E, "\\u202e"),
        (T, "evil"), (E, "␍␊"),
    )
    assert terminal_pieces(text, keep_newlines=True)[-1] == TerminalPiece(T, "evil\r\n")
    assert terminal_pieces(text, keep_sgr=False)[0] == TerminalPiece(E, "␛")


def test_a_lone_cr_is_escaped_even_where_line_breaks_stay() -> None:
    assert terminal_pieces("a\rb\n", keep_newlines=True) == pieces((T, "a"), (E, "␍"), (T, "b\n"))


def test_a_split_sequence_is_held_until_decided() -> None:
    splitter = TerminalFilter(keep_newlines=True)
    assert splitter.feed("red \x1b[3") == pieces((T, "red "))
    assert splitter.held == "\x1b[3"
    assert splitter.feed("1mx\r") == pieces((S, "\x1b[31m"), (T, "x"))
    assert splitter.feed("\n\x1b") == pieces((T, "\r\n"))
    assert splitter.close() == pieces((E, "␛"))
    # An over-long SGR sequence is not applied, however it arrives.
    long_sgr = "\x1b[" + "1;" * 70 + "1m"
    assert terminal_pieces(long_sgr)[0] == TerminalPiece(E, "␛")
    splitter = TerminalFilter()
    assert splitter.feed(long_sgr[:100]) == []
    assert splitter.feed(long_sgr[100:])[0] == TerminalPiece(E, "␛")


def test_terminal_runs_are_the_pieces_with_their_sgr_codes() -> None:
    text = "a\x1b[31mb\x1b[m\x1b]2;t\x07c\r\nd\u202e"
    assert terminal_runs(text, colours=True, line_breaks=True) == [
        ("a", False, None), ("", False, (31,)), ("b", False, None), ("", False, (0,)),
        ("␛", True, None), ("]2;t", False, None), ("␇", True, None), ("c\r\nd", False, None),
        ("\\u202e", True, None),
    ]
    assert terminal_runs(text) == [
        (piece, kind is E, None) for kind, piece in terminal_pieces(text, keep_sgr=False)
    ]


def test_terminal_safe_for_labels() -> None:
    assert terminal_safe("app.log") == "app.log"
    assert terminal_safe("a\x1b[31mb\x1b]2;t\x07\n\u202e") == "a␛[31mb␛]2;t␇␊\\u202e"


@pytest.mark.parametrize(("name", "payload"), PAYLOADS, ids=[name for name, _ in PAYLOADS])
def test_every_hostile_payload_is_made_safe(name: str, payload: bytes) -> None:
    text = payload.decode("utf-8", "surrogateescape")
    assert_safe_pieces(terminal_pieces(text), text)


# -- properties -------------------------------------------------------------------------------

_ATOMS = [
    "\x1b", "[", "]", ";", ":", "m", "0", "1", "2", "3", "5", "7", "8", "38", "48", "255", "\x07",
    "\x1b\\", "\r", "\n", "\t", "\x00", "\x7f", "\x85", "\x9b", "\x9c", "\u202e", "\u2066", "\u2028",
    "\udc9b", "\udcff", "\ud800", "a", "日", "🦀", "\u0301", "\u200b",
]
texts = st.lists(st.one_of(st.sampled_from(_ATOMS), st.characters()), max_size=40).map("".join)


def assert_safe_pieces(result: list[TerminalPiece], text: str, *, keep_newlines: bool = False) -> None:
    for kind, piece in result:
        if kind is PieceKind.SGR:
            assert re.fullmatch(r"\x1b\[[0-9:;]*m", piece)
            codes = sgr_codes(piece[2:-1])
            assert codes is not None
        else:
            shown = piece.replace("\r\n", "").replace("\n", "") if keep_newlines else piece
            assert FORBIDDEN.search(shown) is None, (kind, piece)
            if kind is PieceKind.ESCAPED:
                assert piece.isprintable()


def merged(result: list[TerminalPiece]) -> list[tuple[PieceKind, str]]:
    """Adjacent text (or escapes) as one piece: the same output, cut differently."""
    out: list[tuple[PieceKind, str]] = []
    for kind, text in result:
        if out and out[-1][0] is kind and kind is not PieceKind.SGR:
            out[-1] = (kind, out[-1][1] + text)
        else:
            out.append((kind, text))
    return out


@given(texts, st.booleans(), st.booleans())
def test_pieces_are_always_safe(text: str, keep_sgr: bool, keep_newlines: bool) -> None:
    result = terminal_pieces(text, keep_sgr=keep_sgr, keep_newlines=keep_newlines)
    assert_safe_pieces(result, text, keep_newlines=keep_newlines)
    if not keep_sgr:
        assert all(kind is not PieceKind.SGR for kind, _ in result)


@given(texts, st.booleans(), st.booleans())
def test_runs_are_safe_and_say_what_the_pieces_say(text: str, colours: bool, line_breaks: bool) -> None:
    runs = terminal_runs(text, colours=colours, line_breaks=line_breaks)
    pieces_ = terminal_pieces(text, keep_sgr=colours, keep_newlines=line_breaks)
    assert len(runs) == len(pieces_)
    for (shown, escaped, codes), (kind, piece) in zip(runs, pieces_, strict=True):
        if kind is PieceKind.SGR:
            assert (shown, escaped, codes) == ("", False, sgr_codes(piece[2:-1]) or (0,))
        else:
            assert (shown, escaped, codes) == (piece, kind is PieceKind.ESCAPED, None)
            kept = shown.replace("\r\n", "").replace("\n", "") if line_breaks else shown
            assert FORBIDDEN.search(kept) is None


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
                             blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")))
def test_text_without_controls_passes_unchanged(text: str) -> None:
    assert "".join(piece.text for piece in terminal_pieces(text)) == text
    assert terminal_safe(text) == text


@given(texts, st.lists(st.integers(0, 40), max_size=6), st.booleans())
def test_pieces_do_not_depend_on_where_the_text_is_cut(
    text: str, cuts: list[int], keep_newlines: bool
) -> None:
    splitter = TerminalFilter(keep_newlines=keep_newlines)
    result: list[TerminalPiece] = []
    start = 0
    for cut in sorted(min(cut, len(text)) for cut in cuts):
        result += splitter.feed(text[start:cut])
        start = cut
    result += splitter.feed(text[start:]) + splitter.close()
    assert merged(result) == merged(terminal_pieces(text, keep_newlines=keep_newlines))


@given(texts)
def test_terminal_safe_leaves_nothing_to_act_on(text: str) -> None:
    safe = terminal_safe(text)
    assert FORBIDDEN.search(safe) is None
    assert terminal_safe(safe) == safe


@given(texts, st.lists(st.integers(0, 40), max_size=6), st.booleans(), st.booleans())
def test_marked_output_is_the_pieces_joined(
    text: str, cuts: list[int], keep_sgr: bool, keep_newlines: bool
) -> None:
    # The fast path iolog cat takes gives what the pieces say, however the text is cut.
    expected = "".join(
        "".join(f"<{char}>" for char in _escapes(piece)) if kind is PieceKind.ESCAPED else piece
        for kind, piece in terminal_pieces(text, keep_sgr=keep_sgr, keep_newlines=keep_newlines)
    )
    splitter = TerminalFilter(keep_sgr=keep_sgr, keep_newlines=keep_newlines)
    marked = []
    start = 0
    for cut in sorted(min(cut, len(text)) for cut in cuts):
        marked.append(splitter.feed_marked(text[start:cut], "<", ">"))
        start = cut
    marked.append(splitter.feed_marked(text[start:], "<", ">"))
    marked.append(splitter.close_marked("<", ">"))
    assert "".join(marked) == expected


def _escapes(run: str) -> list[str]:
    """The visible escapes a run of them is made of (``␛``, ``\\u009b``, ``\\x9b``)."""
    return re.findall(r"\\u[0-9a-f]{4}|\\x[0-9a-f]{2}|.", run)
