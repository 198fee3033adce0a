"""The filter stack and context lines (model): one rule, proved against the simplest reading.

The simplest reading of "does a line pass the filters" is a plain loop over
the lines' texts, searching each for each filter that is on with :mod:`re`;
of context lines, "for each kept index i, mark i-N..i+N" over the rows of
the pane. The properties below hold every path to them: the walk that fills
the filtered view (with the stack's needle), the per-filter counts, the
context layout (built as kept rows and rows arrive in any chunks), the rows a
context view shows, and export.
"""

from __future__ import annotations

import os
import re
import tempfile
from array import array

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iolog import LogWriter, Stream, detect_level
from iolog_tui.model import LogModel
from iolog_tui.model.context import ContextLayout, ContextRows, RowRole
from iolog_tui.model.export import ExportFormat, export_rows
from iolog_tui.model.filterstack import FilterStack, RowFilter, matched_filters, one_search
from iolog_tui.model.levelrows import LevelChoice
from iolog_tui.model.scan import scan_whole_file
from iolog_tui.model.search import Matcher, scan_rows
from iolog_tui.render import message_plain

_WORDS = [
    "ERROR ", "warn ", "INFO ",
    "ab", "Ab", "b", "c", "é", "É", "K", "\u212a", "x1", " ", "a.b", "--", "\\xff",
    # Colour sequences are no text ("a\x1b[1mb" shows "ab"); others are shown escaped.
    "\x1b[1m", "\x1b[31m", "\x1b[0m", "\x1b[5m", "\x07", "31m",
]
_LITERALS = ["a", "ab", "B", "c", "é", "k", "x1", "a.b", "-", "\\x", "31m", "[1m", "b c"]
_REGEXES = [r"a.b", r"^a", r"b$", r"[ab]+c", r"(?:x|y)\d", r"é|k", r"(a)\1", r"(?i)ab", r"c*"]


def _simple_match(row_filter: RowFilter, text: str) -> bool:
    matcher = row_filter.matcher
    pattern = matcher.pattern if matcher.regex else re.escape(matcher.pattern)
    return re.search(pattern, text, 0 if matcher.case_sensitive else re.IGNORECASE) is not None


def simple_kept(
    texts: list[str], filters: tuple[RowFilter, ...], level: LevelChoice = LevelChoice.ALL
) -> list[bool]:
    """The simplest reading: a line is kept when every filter that is on says so, at the level."""
    kept = []
    for text in texts:
        found = detect_level(_raw(text))
        keep = level.minimum is None or (found is not None and found.level >= level.minimum)
        for row_filter in filters:
            if row_filter.enabled and _simple_match(row_filter, text) == row_filter.exclude:
                keep = False
        kept.append(keep)
    return kept


def simple_context(base_rows: int, kept: list[int], lines: int) -> list[tuple[int, RowRole]]:
    """The simplest reading: mark i-N..i+N for each kept i; ``--`` between groups (index -1)."""
    marked = set()
    for index in kept:
        marked.update(range(max(0, index - lines), min(base_rows, index + lines + 1)))
    shown: list[tuple[int, RowRole]] = []
    previous = None
    for index in sorted(marked):
        if previous is not None and index > previous + 1:
            shown.append((-1, RowRole.SEPARATOR))
        shown.append((index, RowRole.KEPT if index in kept else RowRole.CONTEXT))
        previous = index
    return shown


_filters = st.builds(
    lambda regex, literal, pattern, case, exclude, enabled: RowFilter(
        Matcher(pattern if regex else literal, regex=regex, case_sensitive=case), exclude, enabled
    ),
    st.booleans(), st.sampled_from(_LITERALS), st.sampled_from(_REGEXES),
    st.booleans(), st.booleans(), st.booleans(),
)
_texts = st.lists(st.sampled_from(_WORDS), max_size=5).map("".join)
_lines = st.lists(st.tuples(st.sampled_from([Stream.STDOUT, Stream.STDERR]), _texts), max_size=25)


def _write(lines: list[tuple[Stream, str]], folder: str) -> str:
    path = os.path.join(folder, "app.log")
    with open(path, "wb") as sink:
        writers = {stream: LogWriter(sink, stream=stream) for stream in Stream}
        for stream, text in lines:
            writers[stream].write(text.encode().replace(b"\\xff", b"\xff") + b"\n")
        for writer in writers.values():
            writer.close()
    return path


def _raw(text: str) -> bytes:
    """A line's bytes as written (``\\xff`` in a drawn text is the byte 0xff)."""
    return text.encode().replace(b"\\xff", b"\xff")


def _text(text: str) -> str:
    """A line's text as the operator sees it in its row (colours applied, invalid bytes as ``\\xNN``)."""
    return message_plain(_raw(text))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_lines, st.lists(_filters, max_size=4), st.sampled_from([None, 0, 1]), st.integers(0, 3),
       st.sampled_from(LevelChoice))
def test_every_path_keeps_the_lines_the_simplest_reading_keeps(
    lines, filters, stream, context, level
) -> None:
    stack = FilterStack(tuple(filters), level)
    texts = [_text(text) for _stream, text in lines]
    expected = simple_kept(texts, stack.filters, level)
    streams = (0, 1) if stream is None else (stream,)
    with tempfile.TemporaryDirectory() as folder:
        path = _write(lines, folder)
        model = LogModel(path)
        try:
            scan_whole_file(path, model)
            assert len(model) == len(lines)
            # The rule itself, on the raw messages.
            messages = [model.row(number).message for number in range(len(model))]
            assert [stack.passes(message) for message in messages] == expected
            # The walk that fills the filtered view, with the stack's needle.
            needle, exact_case = stack.needle
            walked = array("I")
            for batch in scan_rows(path, model.offsets, model.kinds, 0, len(model),
                                   stack.row_test(streams), needle=needle, exact_case=exact_case):
                walked.extend(batch.rows)
            kept_rows = [n for n in range(len(lines)) if expected[n] and int(lines[n][0]) in streams]
            assert list(walked) == kept_rows
            # As the filter's worker walks: any stream, the needle chosen on the file's bytes.
            with open(path, "rb") as log:
                needle, exact_case = stack.needle_in(log.read())
            walked_all = array("I")
            for batch in scan_rows(path, model.offsets, model.kinds, 0, len(model),
                                   stack.row_test(), needle=needle, exact_case=exact_case):
                walked_all.extend(batch.rows)
            assert list(walked_all) == [n for n in range(len(lines)) if expected[n]]
            # Each filter's count: the lines it matches, on or off.
            matched = matched_filters(stack.filters)
            for number, message in enumerate(messages):
                assert matched(message) == [_simple_match(f, texts[number]) for f in stack.filters]
            # Context, from the rows the stream choice shows.
            base = list(range(len(lines))) if stream is None else list(model.stream_rows[stream])
            kept_base = [index for index, row in enumerate(base) if row in kept_rows]
            if context and stack.filtering:
                rows = ContextRows(model, walked, None if stream is None else Stream(stream), context)
                shown = [
                    (-1 if rows.role(i) is RowRole.SEPARATOR else base.index(rows.merged_index(i)),
                     rows.role(i))
                    for i in range(len(rows))
                ]
                assert shown == simple_context(len(base), kept_base, context)
                assert rows.kept_rows == len(kept_base)
                # Export writes what is shown: kept rows and context, not separators.
                flags = rows.shown_flags()
                target = os.path.join(folder, "context.txt")
                export_rows(path, model.offsets, model.kinds, len(model), stack.row_test(streams),
                            target, ExportFormat.TEXT, shown_rows=flags)
                with open(target, "rb") as written:
                    assert written.read().splitlines() == [
                        messages[base[index]].rstrip(b"\n") for index, _role in shown if index >= 0
                    ]
            # Export writes what is shown.
            target = os.path.join(folder, "out.txt")
            export_rows(path, model.offsets, model.kinds, len(model), stack.row_test(streams),
                        target, ExportFormat.TEXT)
            with open(target, "rb") as written:
                exported = written.read().splitlines()
            assert exported == [messages[row].rstrip(b"\n") for row in kept_rows]
        finally:
            model.close()


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 60).flatmap(
        lambda size: st.tuples(
            st.just(size),
            st.lists(st.integers(0, max(0, size - 1)), unique=True).map(sorted)
            if size else st.just([]),
        )
    ),
    st.integers(1, 4),
    st.data(),
)
def test_the_context_layout_built_piece_by_piece_is_the_simplest_marking(sizes, lines, data) -> None:
    base_rows, kept = sizes
    layout = ContextLayout(lines)
    # Rows and kept rows arrive in any chunks (the scan and the filter run on).
    grown = 0
    for index in kept:
        grown = data.draw(st.integers(max(grown, index + 1), max(grown, index + 1, base_rows)))
        layout.add_kept(index)
        layout.grow(grown)
    layout.grow(base_rows)
    shown = list(zip(layout.items, (RowRole(role) for role in layout.roles), strict=True))
    assert shown == simple_context(base_rows, kept, lines)


@pytest.mark.parametrize(
    ("patterns", "text", "found"),
    [
        ((r"(a)\1", "x"), "aa", True),  # a group cannot join the others: searched alone
        ((r"(?i)ab", "zz"), "AB", True),  # neither can a global flag
        (("b", "c"), "xyz", False),
        ((), "anything", False),
    ],
)
def test_one_search_finds_any_of_the_expressions(patterns, text, found) -> None:
    search = one_search([Matcher(pattern, regex=True) for pattern in patterns])
    assert (search(text) is not None) is found


def test_the_stack_changes_by_new_stacks_and_says_what_it_does() -> None:
    stack = FilterStack().added(RowFilter(Matcher("timeout"))).added(
        RowFilter(Matcher("db", regex=True, case_sensitive=True), exclude=True)
    )
    assert [f.describe() for f in stack.filters] == ['keep "timeout"', "hide /db/ Aa"]
    assert stack.passes(b"a TIMEOUT\n") and not stack.passes(b"timeout in db\n")
    assert stack.needle == (b"timeout", False)
    off = stack.toggled(0)
    assert not off.filters[0].enabled and off.passes(b"ok\n") and off.needle == (None, True)
    assert off.toggled(0) == stack and len(stack.removed(1)) == 1
    assert not stack.toggled(0).toggled(1).filtering
    # Its key is what it matches, on or off: the count stays with it.
    assert off.filters[0].key == stack.filters[0].key
