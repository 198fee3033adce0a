"""Unit tests of searching and filtering rows (no Textual app): matcher, scanner, views."""

from __future__ import annotations

import random
import re
from array import array
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iolog import InvalidArgumentError, LogFile, Stream
from iolog_tui.model import MAX_ROW_BYTES, LogModel, RowKind
from iolog_tui.model.export import line_entries
from iolog_tui.model.search import (
    FilteredRows,
    Matcher,
    RowLine,
    iter_lines,
    message_string,
    scan_rows,
    view_index,
)

from .conftest import StepClock
from .test_tui_model import load


def brute_force(model: LogModel, matcher: Matcher) -> list[int]:
    """Row numbers whose drawn message matches, row by row through the model."""
    return [
        number
        for number in range(len(model))
        if model.kinds[number] <= RowKind.STDERR and matcher.matches(model.row(number).message)
    ]


def scanned(
    model: LogModel, matcher: Matcher, start: int = 0, end: int | None = None, *,
    prefilter: bool = False,
) -> list[int]:
    rows: list[int] = []
    stop = len(model) if end is None else end
    for batch in scan_rows(
        model.path, model.offsets, model.kinds, start, stop, lambda _k, m: matcher.matches(m),
        needle=matcher.needle if prefilter else None, exact_case=matcher.case_sensitive,
    ):
        rows.extend(batch.rows)
    return rows


def small_reads(patch: pytest.MonkeyPatch, read_bytes: int = 300, batch_bytes: int = 100,
                slow_bytes: int = 50) -> None:
    """Make the codec's walk read and batch a few entries at a time, so a scan
    meets the edges of reads and batches (lines across them, a batch that
    starts inside a line) in a small log."""
    from iolog.file import walk

    patch.setattr(walk, "_READ_BYTES", read_bytes)
    patch.setattr(walk, "_BATCH_BYTES", batch_bytes)
    patch.setattr(walk, "_SLOW_READ_BYTES", slow_bytes)
    patch.setattr(walk, "_GARBAGE_READ_BYTES", slow_bytes)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """:func:`small_reads` for one test."""
    small_reads(monkeypatch)


def test_plain_text_ignores_case_and_is_not_a_regex() -> None:
    matcher = Matcher("error.")
    assert matcher.matches(b"an ERROR. happened\n")
    assert not matcher.matches(b"an errors happened\n")
    assert not Matcher("Error", case_sensitive=True).matches(b"an error\n")
    assert Matcher(r"err(or)?\s+\d+", regex=True).matches(b"ERR 42\n")
    assert not Matcher(r"^x$", regex=True).matches(b"x y\n")
    assert Matcher(r"^x$", regex=True).matches(b"x\n")  # the newline is not part of the text


_ASCII_TEXT = st.text(st.sampled_from("aAbBkKsSzZ 09.*\\\r\n\t=\x00\x7f"), max_size=12)


@settings(max_examples=300, deadline=None)
@given(_ASCII_TEXT.filter(bool), st.one_of(_ASCII_TEXT, st.text(max_size=12)), st.booleans(), st.data())
def test_plain_patterns_on_ascii_messages_match_as_the_expression(
    pattern: str, text: str, case_sensitive: bool, data: st.DataObject
) -> None:
    # matches() compares ASCII bytes for a plain ASCII pattern: the same answer
    # as the expression searched in the message as text.
    if data.draw(st.booleans()):  # the pattern itself, its case changed, at the end or inside
        swapped = pattern.swapcase() if data.draw(st.booleans()) else pattern
        text = text + swapped + data.draw(st.sampled_from(["", "x", "\n"]))
    message = text.encode("utf-8") + data.draw(st.sampled_from([b"", b"\n", b"\r\n", b"\n\n", b"\r"]))
    matcher = Matcher(pattern, case_sensitive=case_sensitive)
    flags = 0 if case_sensitive else re.IGNORECASE
    expected = re.search(re.escape(pattern), message_string(message), flags) is not None
    assert matcher.matches(message) == expected


def test_plain_patterns_see_no_line_end() -> None:
    # The text searched ends before "\n" or "\r\n": a pattern holding it fails there.
    for pattern in ("a\n", "a\r", "a\r\n", "\n", "A"):
        for message in (b"a\n", b"xa\r\n", b"a\r", b"a\n\n", b"a\r\n\n", b"\n", b"a"):
            for case_sensitive in (False, True):
                flags = 0 if case_sensitive else re.IGNORECASE
                expected = re.search(re.escape(pattern), message_string(message), flags) is not None
                assert Matcher(pattern, case_sensitive=case_sensitive).matches(message) == expected


def test_invalid_patterns_are_one_clear_error() -> None:
    with pytest.raises(InvalidArgumentError, match="regular expression"):
        Matcher("(unclosed", regex=True)
    with pytest.raises(InvalidArgumentError):
        Matcher("")


def test_spans_skip_empty_matches_and_describe() -> None:
    matcher = Matcher("a*", regex=True)
    assert list(matcher.spans("baab")) == [(1, 3)]
    assert Matcher("GET").describe() == '"GET"'
    assert Matcher("x+", regex=True, case_sensitive=True).describe() == "/x+/ Aa"


def test_invalid_utf8_is_searched_as_escapes() -> None:
    assert Matcher(r"\xff").matches(b"bad \xff byte\n")
    assert Matcher("café").matches("CAFÉ au lait\n".encode())


def test_scan_finds_exactly_the_matching_rows(write_log) -> None:
    items: list[tuple[Stream, bytes] | bytes] = []
    for number in range(500):
        stream = Stream.STDERR if number % 7 == 3 else Stream.STDOUT
        word = b"needle" if number % 13 == 0 else b"hay"
        items.append((stream, b"line %d %s\n" % (number, word)))
        if number == 100:
            items.append(b"\x00garbage between entries\n")
        if number == 200:  # a line split over entries, interleaved with the other stream
            items.append((Stream.STDOUT, b"long start "))
            items.append(b"")  # flush: a partial entry
            items.append((Stream.STDERR, b"stderr in between\n"))
            items.append((Stream.STDOUT, b"ne"))
            items.append(b"")
            items.append((Stream.STDOUT, b"edle end\n"))
        if number == 300:
            items.append((Stream.STDOUT, b"x" * 9000 + b"needle\n"))
    model = load(write_log(items))
    matcher = Matcher("NEEDLE")
    expected = brute_force(model, matcher)
    assert len(expected) == 500 // 13 + 1 + 2
    assert scanned(model, matcher) == expected
    # Any sub-range gives the matches in it (a line begun before the range is not counted).
    assert scanned(model, matcher, 150, 420) == [row for row in expected if 150 <= row < 420]


def test_the_needle_rules_out_lines_but_never_a_match(write_log, small_batches) -> None:
    items: list[tuple[Stream, bytes] | bytes] = []
    for number in range(300):
        stream = Stream.STDERR if number % 7 == 3 else Stream.STDOUT
        items.append((stream, b"line %d %s\n" % (number, b"Needle" if number % 29 == 0 else b"hay")))
        if number == 100:  # the needle straddles two entries, with the other stream between
            items.extend([(Stream.STDOUT, b"start ne"), b"", (Stream.STDERR, b"between\n"),
                          (Stream.STDOUT, b"edle end\n")])
        if number == 150:  # a line longer than an entry
            items.append((Stream.STDERR, b"y" * 5000 + b"NEEDLE\n"))
        if number == 200:  # not ASCII: searched as text, never ruled out on bytes
            items.append((Stream.STDOUT, "ne\u017fdle and \xff\n".encode()))
        if number == 250:
            items.append(b"\x00garbage")
    model = load(write_log(items))
    for matcher in (Matcher("needle"), Matcher("Needle", case_sensitive=True), Matcher("nee.le", regex=True)):
        expected = brute_force(model, matcher)
        assert expected
        assert scanned(model, matcher, prefilter=True) == expected
        assert scanned(model, matcher, 40, 260, prefilter=True) == [r for r in expected if 40 <= r < 260]
    # Most blocks hold no needle: their lines of one entry are not even tested.
    tested: list[bytes] = []
    needle = Matcher("needle")

    def counting(kind: int, message: bytes) -> bool:
        tested.append(message)
        return needle.matches(message)

    def run(prefilter: bytes | None) -> list[int]:
        rows: list[int] = []
        for batch in scan_rows(model.path, model.offsets, model.kinds, 0, len(model), counting,
                               needle=prefilter, exact_case=False):
            rows.extend(batch.rows)
        return rows

    every = run(None)
    all_tested = len(tested)
    tested.clear()
    assert run(needle.needle) == every == brute_force(model, needle)
    # Only lines that hold the needle (or bytes beyond ASCII) were tested.
    assert len(tested) < all_tested // 20
    assert all(b"needle" in message.lower() or not message.isascii() for message in tested)


def test_scan_stops_after_the_first_match(write_log) -> None:
    model = load(write_log([(Stream.STDOUT, b"x %d\n" % n) for n in range(100)]))
    batches = list(
        scan_rows(model.path, model.offsets, model.kinds, 10, 100,
                  lambda _k, m: m.startswith(b"x 5"), stop_after=1)
    )
    found = [row for batch in batches for row in batch.rows]
    assert [model.row(row).message for row in found] == [b"x 50\n"]


def test_lines_come_back_in_row_order(write_log) -> None:
    path = write_log(
        [
            (Stream.STDOUT, b"a1 "),
            b"",  # flush: "a1 " becomes an entry of its own
            (Stream.STDERR, b"b\n"),
            (Stream.STDOUT, b"a2\n"),
            (Stream.STDERR, b"c\n"),
            (Stream.STDOUT, b"open at the end"),
        ]
    )
    model = load(path)
    items = list(iter_lines(path, model.offsets, model.kinds, 0, len(model)))
    lines = [item for item in items if not isinstance(item, int)]
    assert items[-1] == len(model)
    assert [item.row for item in lines] == list(range(len(model)))
    assert [item.line.message for item in lines] == [model.row(n).message for n in range(len(model))]
    assert [item.line.message for item in lines] == [b"a1 a2\n", b"b\n", b"c\n", b"open at the end"]
    assert [item.line.entries for item in lines] == [2, 1, 1, 1]
    assert [item.line.complete for item in lines] == [True, True, True, False]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), needle=st.sampled_from(["ab", "B", "a b", "zz", "bA", "as"]),
       exact=st.booleans())
def test_scan_agrees_with_a_row_by_row_check(
    tmp_path_factory, seed: int, needle: str, exact: bool
) -> None:
    rng = random.Random(seed)
    path = Path(tmp_path_factory.mktemp("logs")) / "random.log"
    from iolog import LogWriter

    clock = StepClock()
    with open(path, "wb") as sink:
        writers = {s: LogWriter(sink, stream=s, clock=clock) for s in Stream}
        for _ in range(rng.randint(1, 60)):
            chance = rng.random()
            if chance < 0.2:  # a partial entry (or, sometimes, junk between entries)
                for writer in writers.values():
                    writer.flush()
                if chance < 0.05:
                    sink.write(b"\x01junk")
                continue
            text = "".join(rng.choice("abAB zs\n\u017f") for _ in range(rng.randint(1, 12)))
            writers[rng.choice(list(Stream))].write(text.encode())
        for writer in writers.values():
            writer.close()
    model = load(path)
    matcher = Matcher(needle, case_sensitive=exact)
    expected = brute_force(model, matcher)
    assert scanned(model, matcher) == expected

    with pytest.MonkeyPatch.context() as patch:
        small_reads(patch, rng.randint(60, 400), rng.randint(20, 200), rng.randint(17, 100))
        assert scanned(model, matcher, prefilter=True) == expected


def test_filtered_rows_behave_like_a_row_view(write_log) -> None:
    model = load(write_log([(Stream.STDOUT, b"row %d\n" % n) for n in range(20)]))
    view = FilteredRows(model, array("I", [2, 5, 11]))
    assert len(view) == 3
    assert view.row(1).message == b"row 5\n"
    assert view.offset(2) == model.offsets[11]
    assert view.index_at_offset(model.offsets[6]) == 2
    assert view_index(view, 5) == 1
    assert view_index(view, 12) == 3
    assert view_index(model.merged, 7) == 7


# The search count's walk (iolog_tui.model.blockmatch) against testing every line read back.

#: Payload pieces: letters in both cases, base64 characters (as in headers),
#: "==" (as ends a header), newlines inside a payload, a byte that is not
#: UTF-8 (searched as "\xff"), and letters that fold to ASCII ones.
_PIECES = [b"a", b"b", b"A", b"B", b" ", b"z", b"Q", b"w", b"7", b"/", b"+", b"==", b"\n",
           b"\r\n", b"\xff", "\u017f".encode(), "\u212a".encode(), b"x", b"s", b"k",
           # Colour sequences (no text: "a \x1b[1mb" reads "a b"), and ones shown escaped.
           b"\x1b[1m", b"\x1b[31m", b"\x1b[0m", b"\x1b[5m", b"\x07", b"\x1b"]


@st.composite
def raw_logs(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    """A log written frame by frame: lines of one or several entries, the
    streams interleaved, empty and full-size entries, now and then an entry
    with a reserved flag set or garbage between entries. Returns the bytes
    and each entry's time."""
    from iolog.core.format import MAX_ENTRY_SIZE, encode_entry, encode_header

    out: list[bytes] = []
    stamps: list[int] = []
    stamp = 1_700_000_000_000_000_000
    for _ in range(draw(st.integers(1, 40))):
        stamp += draw(st.integers(1, 3)) * 1_000_000_000
        choice = draw(st.integers(0, 99))
        stream = draw(st.sampled_from(list(Stream)))
        if choice < 3:
            out.append(draw(st.sampled_from([b"\x01junk", b"AAAAAAAAAAAAAAA==x", b"\n"])))
            continue
        payload = b"".join(draw(st.lists(st.sampled_from(_PIECES), max_size=10)))
        if draw(st.integers(0, 19)) == 0:  # a long line's part
            payload = (payload or b"y") * (MAX_ENTRY_SIZE // max(1, len(payload)))
            payload = payload[:MAX_ENTRY_SIZE - 1]
        if draw(st.booleans()):
            payload += b"\n"
        if choice < 5:
            out.append(encode_header(len(payload), timestamp_ns=stamp, stream=stream, flags=1) + payload)
        else:
            out.append(encode_entry(payload, timestamp_ns=stamp, stream=stream))
        stamps.append(stamp)
    out.append(encode_entry(b"end\n", timestamp_ns=stamp + 1, stream=Stream.STDOUT))
    return b"".join(out), stamps


def _model_of(tmp_path_factory, data: bytes, **window: int | None) -> LogModel:
    path = Path(tmp_path_factory.mktemp("logs")) / "frames.log"
    path.write_bytes(data)
    return load(path, **window)


def _every_line(lines: list[RowLine], test) -> list[int]:
    """The rows that pass, each line (read back with iolog.read_lines) tested on its own."""
    return [item.row for item in lines if test(int(item.line.stream), item.line.message)]


def _scan(model: LogModel, test, start: int, end: int, needle: bytes | None, exact: bool) -> list[int]:
    rows: list[int] = []
    for batch in scan_rows(model.path, model.offsets, model.kinds, start, end, test,
                           needle=needle, exact_case=exact):
        rows.extend(batch.rows)
    return rows


def _counting(matcher: Matcher, tested: list[bytes]):
    def test(_kind: int, message: bytes) -> bool:
        tested.append(message)
        return matcher.matches(message)

    return test


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(log=raw_logs(), data=st.data())
def test_the_fast_path_agrees_with_testing_every_line(tmp_path_factory, log, data) -> None:
    raw, stamps = log
    window: dict[str, int | None] = {}
    if stamps and data.draw(st.integers(0, 3)) == 0:  # a time window: entries that start no row
        window["since_ns"] = data.draw(st.sampled_from(stamps))
        window["until_ns"] = data.draw(st.sampled_from([None, *stamps]))
    model = _model_of(tmp_path_factory, raw, **window)
    lines = [item for item in iter_lines(model.path, model.offsets, model.kinds, 0, len(model),
                                         max_bytes=MAX_ROW_BYTES) if not isinstance(item, int)]
    # A pattern cut out of the file (in a header's base64, across a header
    # and its payload, across two entries, in a payload) or out of a line
    # of several entries, across the boundary of two of its parts.
    split = [item.line for item in lines if item.line.entries > 1]
    source_of_pattern = data.draw(st.integers(0, 9))
    if source_of_pattern == 0:  # found only in text that is not ASCII
        source = data.draw(st.sampled_from([b"s", b"K", b"xff", b"\\xff", b"ff"]))
    elif split and source_of_pattern > 3:
        line = data.draw(st.sampled_from(split))
        with LogFile(model.path, cache=False) as log:
            parts = [entry.message for entry in line_entries(line, log)]
        cut = data.draw(st.integers(1, len(parts) - 1))
        boundary = sum(len(part) for part in parts[:cut])
        source = line.message[max(0, boundary - data.draw(st.integers(1, 3))):
                              boundary + data.draw(st.integers(1, 3))]
    else:
        at = data.draw(st.integers(0, max(0, len(raw) - 1)))
        source = raw[at:at + data.draw(st.integers(1, 6))]
    cut_text = source.decode("ascii", "ignore") or "a"
    if data.draw(st.booleans()):
        cut_text = cut_text.swapcase()
    exact = data.draw(st.booleans())
    matcher = Matcher(cut_text, case_sensitive=exact)
    regex = Matcher(re.escape(cut_text) + "|zz", regex=True, case_sensitive=exact)

    def passes(_kind: int, message: bytes) -> bool:
        return matcher.matches(message)

    def misses(_kind: int, message: bytes) -> bool:  # an inverted filter: no needle
        return not matcher.matches(message)

    def stderr_regex(kind: int, message: bytes) -> bool:
        return kind == RowKind.STDERR and regex.matches(message)

    expected = _every_line(lines, passes)
    inverted = _every_line(lines, misses)
    by_regex = _every_line(lines, stderr_regex)
    start = data.draw(st.integers(0, len(model)))
    end = data.draw(st.integers(start, len(model)))
    with pytest.MonkeyPatch.context() as patch:
        if data.draw(st.booleans()):
            small_reads(patch, data.draw(st.sampled_from([200, 5000, 20_000])),
                        data.draw(st.sampled_from([1, 40, 4200])), data.draw(st.sampled_from([17, 500])))
        assert _scan(model, passes, 0, len(model), matcher.needle, exact) == expected
        assert _scan(model, passes, start, end, matcher.needle, exact) == [
            row for row in expected if start <= row < end]
        assert _scan(model, misses, 0, len(model), None, exact) == inverted
        assert _scan(model, stderr_regex, start, end, None, exact) == [
            row for row in by_regex if start <= row < end]


def test_a_hit_in_a_continuation_belongs_to_its_line_not_to_the_row_it_lies_in(write_log) -> None:
    items: list[tuple[Stream, bytes] | bytes] = [
        (Stream.STDOUT, b"first\n"),
        (Stream.STDOUT, b"begun "), b"",  # an open line ...
        (Stream.STDERR, b"in between\n"),  # ... a row between its parts ...
        (Stream.STDOUT, b"the needle\n"),  # ... and its end, in that row's bytes
        (Stream.STDERR, b"nee"), b"",  # a needle across parts, with a row between
        (Stream.STDOUT, b"plain\n"),
        (Stream.STDERR, b"dle\n"),
        (Stream.STDOUT, b"needle alone\n"),
        (Stream.STDOUT, b"last\n"),
    ]
    model = load(write_log(items))
    assert len(model) == 7
    tested: list[bytes] = []
    matcher = Matcher("NEEDLE")
    found = _scan(model, _counting(matcher, tested), 0, len(model), matcher.needle, False)
    assert found == [1, 3, 5] == brute_force(model, matcher)
    # Only lines that hold the needle were tested.
    assert sorted(tested) == [b"begun the needle\n", b"needle\n", b"needle alone\n"]


def test_only_lines_that_hold_the_needle_are_tested(write_log) -> None:
    items: list[tuple[Stream, bytes] | bytes] = []
    for number in range(400):
        stream = Stream.STDERR if number % 5 == 0 else Stream.STDOUT
        items.append((stream, b"line %d %s\n" % (number, b"Needle" if number % 17 == 0 else b"hay")))
        if number % 50 == 7:  # long lines, split into entries
            items.append((stream, b"z" * 9000 + b"needle\n"))
    items.append((Stream.STDOUT, b"the last row\n"))
    model = load(write_log(items))
    tested: list[bytes] = []
    matcher = Matcher("needle")
    rows = _scan(model, _counting(matcher, tested), 0, len(model), matcher.needle, False)
    assert rows == brute_force(model, matcher)
    assert len(rows) == 400 // 17 + 1 + 8
    assert len(tested) == len(rows)  # a line without the needle is never tested


def test_garbage_or_a_flagged_header_among_the_rows(tmp_path) -> None:
    from iolog.core.format import encode_entry, encode_header

    entries = [encode_entry(b"row %d needle\n" % n, timestamp_ns=10**18 + n, stream=Stream.STDOUT)
               for n in range(6)]
    flagged = encode_header(7, timestamp_ns=10**18, stream=Stream.STDOUT, flags=2) + b"needle\n"
    matcher = Matcher("needle")
    for middle in (b"\x00garbage\n", flagged):
        path = tmp_path / "log"
        path.write_bytes(b"".join(entries[:3]) + middle + b"".join(entries[3:]))
        model = load(path)
        assert RowKind.SKIPPED in model.kinds
        assert scanned(model, matcher, prefilter=True) == brute_force(model, matcher)
        assert len(brute_force(model, matcher)) == 6


def test_a_filtered_view_is_empty_once_its_model_starts_over(write_log) -> None:
    model = load(write_log([(Stream.STDOUT, b"a\n"), (Stream.STDOUT, b"b\n"), (Stream.STDERR, b"c\n")]))
    rows = FilteredRows(model, array("I", [0, 2]))
    assert len(rows) == 2 and view_index(rows, 1) == 1 and rows.index_at_offset(0) == 0
    model.reset()
    assert len(rows) == 0 and view_index(rows, 1) == 0 and rows.index_at_offset(0) == 0
