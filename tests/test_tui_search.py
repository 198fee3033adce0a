"""Unit tests of searching and filtering rows (no Textual app): matcher, scanner, views."""

from __future__ import annotations

import random
from array import array
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iolog import InvalidArgumentError, Stream
from iolog_tui.model import LogModel, RowKind
from iolog_tui.search import FilteredRows, Matcher, iter_lines, scan_rows, view_index

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


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Scan in blocks of a few rows; returns a list that counts the blocks decoded."""
    from iolog_tui import search

    monkeypatch.setattr(search, "_BLOCK_BYTES", 60)
    monkeypatch.setattr(search, "_MARGIN_BYTES", 40)
    decoded: list[int] = []
    decode = search._decode_block

    def counting(*args: object) -> object:
        decoded.append(1)
        return decode(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(search, "_decode_block", counting)
    return decoded


def test_plain_text_ignores_case_and_is_not_a_regex() -> None:
    matcher = Matcher("error.")
    assert matcher.matches(b"an ERROR. happened\n")
    assert not matcher.matches(b"an errors happened\n")
    assert not Matcher("Error", case_sensitive=True).matches(b"an error\n")
    assert Matcher(r"err(or)?\s+\d+", regex=True).matches(b"ERR 42\n")
    assert not Matcher(r"^x$", regex=True).matches(b"x y\n")
    assert Matcher(r"^x$", regex=True).matches(b"x\n")  # the newline is not part of the text


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


def test_the_needle_rules_out_blocks_but_never_a_match(write_log, small_blocks) -> None:
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
        small_blocks.clear()
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
    assert len(tested) < all_tested // 2


def test_scan_stops_after_the_first_match(write_log) -> None:
    model = load(write_log([(Stream.STDOUT, b"x %d\n" % n) for n in range(100)]))
    batches = list(
        scan_rows(model.path, model.offsets, model.kinds, 10, 100,
                  lambda _k, m: m.startswith(b"x 5"), stop_after=1)
    )
    found = [row for batch in batches for row in batch.rows]
    assert [model.row(row).message for row in found] == [b"x 50\n"]


def test_lines_come_back_in_row_order_with_their_entries(write_log) -> None:
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
    lines = [item for item in iter_lines(path, model.offsets, model.kinds, 0, len(model))
             if not isinstance(item, int)]
    assert [line.row for line in lines] == list(range(len(model)))
    assert [line.message for line in lines] == [model.row(n).message for n in range(len(model))]
    assert [len(line.entries) for line in lines] == [2, 1, 1, 1]


@settings(max_examples=40, deadline=None)
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
    from iolog_tui import search

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "_BLOCK_BYTES", rng.randint(20, 120))
        patch.setattr(search, "_MARGIN_BYTES", rng.randint(0, 80))
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
