"""Searching matches what the operator sees: every path against the simplest reading.

The simplest reading of "a line matches a search" is the expression searched
in the text its row shows (:func:`iolog_tui.render.message_plain`: colour
sequences applied, so no text; every other escape as its visible escape).
``foo bar`` is found in ``foo \\x1b[1mbar``, and ``31m`` is not found in a
line whose only "31m" is in a colour sequence. The paths: the matcher on a
message, the search count's walk (the codec's bulk step, with its needle,
in C or in its Python twin), and the stack of filters
(``tests/test_tui_filterstack.py`` holds the filter paths to the same reading).
"""

from __future__ import annotations

import os
import re
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iolog import LogWriter, Stream
from iolog_tui.model import LogModel
from iolog_tui.model.filterstack import FilterStack, RowFilter, matched_filters
from iolog_tui.model.scan import scan_whole_file
from iolog_tui.model.search import Matcher, message_string, scan_rows
from iolog_tui.render import message_plain

_PIECES = [b"foo", b"bar", b" ", b"FOO", b"31m", b"[1m", b"x", b"\x1b[1m", b"\x1b[31m", b"\x1b[0m", b"\x1b[m",
           b"\x1b[38;5;2m", b"\x1b[5m", b"\x1b", b"\x07", b"\r", b"\xff", b"\xc3\xa9", b"\xe2\x80\xae", b"\t"]
_PATTERNS = ["foo bar", "foobar", "31m", "[1m", "o b", "FOO", "x", "\\xff", "é", "␛", "␛[5m", "\x07", "\t"]
_REGEXES = [r"foo\s+bar", r"^foo", r"bar$", r"31m", r"o.b", r"\x1b", r"[^ -~]"]

messages = st.lists(st.sampled_from(_PIECES), max_size=10).map(b"".join)
matchers = st.one_of(
    st.builds(Matcher, st.sampled_from(_PATTERNS), st.just(False), st.booleans()),
    st.builds(Matcher, st.sampled_from(_REGEXES), st.just(True), st.booleans()),
)


def seen(matcher: Matcher, message: bytes) -> bool:
    """The simplest reading: the expression in the text the row shows."""
    pattern = matcher.pattern if matcher.regex else re.escape(matcher.pattern)
    flags = 0 if matcher.case_sensitive else re.IGNORECASE
    return re.search(pattern, message_plain(message), flags) is not None


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(messages, st.sampled_from([b"", b"\n", b"\r\n"]), matchers)
def test_a_message_matches_as_it_is_shown(message: bytes, ending: bytes, matcher: Matcher) -> None:
    message += ending
    expected = seen(matcher, message)
    assert matcher.matches(message) == expected, (message, matcher)
    assert message_string(message) == message_plain(message)
    for exclude in (False, True):
        stack = FilterStack((RowFilter(matcher, exclude),))
        assert stack.passes(message) == (expected != exclude)
    assert matched_filters([RowFilter(matcher), RowFilter(Matcher("zz"))])(message) == [
        expected, seen(Matcher("zz"), message)]


def test_examples() -> None:
    assert Matcher("foo bar").matches(b"foo \x1b[1mbar\n")
    assert not Matcher("31m").matches(b"\x1b[31mred\x1b[0m\n")
    assert Matcher("31m").matches(b"\x1b[5m31m\n")  # not applied: shown as "␛[5m31m"
    assert Matcher("[5m").matches(b"\x1b[5mblink\n")


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(list(Stream)), messages), min_size=1, max_size=30), matchers)
def test_the_search_walk_finds_the_lines_the_simplest_reading_finds(lines, matcher: Matcher) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "app.log")
        with open(path, "wb") as sink:
            writers = {stream: LogWriter(sink, stream=stream) for stream in Stream}
            for stream, message in lines:
                writers[stream].write(message + b"\n")
            for writer in writers.values():
                writer.close()
        model = LogModel(path)
        try:
            scan_whole_file(path, model)
            assert len(model) == len(lines)
            expected = [number for number, (_stream, message) in enumerate(lines) if seen(matcher, message)]
            found = []
            for batch in scan_rows(path, model.offsets, model.kinds, 0, len(model),
                                   lambda _kind, message: matcher.matches(message), needle=matcher.needle,
                                   exact_case=matcher.case_sensitive):
                found.extend(batch.rows)
            assert found == expected
        finally:
            model.close()


@settings(max_examples=400, deadline=None)
@given(messages)
def test_the_searched_text_is_the_rule_s_visible_text(message: bytes) -> None:
    """The viewer's searched text (through ``terminal_runs``) is the codec's rule, ``visible_text``."""
    from iolog.core.termsafe import visible_text

    assert message_string(message) == visible_text(message.decode("utf-8", "surrogateescape"))[0]
