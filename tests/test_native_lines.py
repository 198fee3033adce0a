"""The C twins of the bulk line steps (``line_rows``, ``number_streams``, ``line_hits``) on hostile bytes.

Each is run beside its pure-Python reference (:mod:`iolog.file.walklines`,
:mod:`iolog.file.walkhits`) on the fast walk's batches over the fault corpus
and hypothesis-made hostile bytes, and on arbitrary buffers, offsets and
header records that no walk would make; the whole passes built on them
(:meth:`iolog.LogFile.line_runs`, :meth:`iolog.LogFile.find_lines`) are run with each
implementation and against the simplest reading (the decoder's events and
the line rule, entry by entry). CI runs this module under AddressSanitizer
and UndefinedBehaviorSanitizer with ``tests/test_native.py``.
"""

from __future__ import annotations

import struct
from array import array
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iolog import Entry, LineState, LogFile
from iolog.core.decoder import Decoder
from iolog.file.walkhits import line_hits_python
from iolog.file.walklines import line_rows_python, number_streams_python
from tests.test_faults import faulted_cases
from tests.test_native import (
    _EDGE_TIMES,
    _NEAR_NS,
    NATIVE,
    SETTINGS,
    _batches,
    _write,
    both,
    corpus,
    hostile_bytes,
    small_walk,
)

pytestmark = pytest.mark.skipif(NATIVE is None, reason="the C speed-up is not built (no C compiler?)")
__all__ = ["small_walk"]  # the fixture, used by name

_inputs = st.one_of(hostile_bytes, faulted_cases().map(lambda case: case.data))
_bounds = st.one_of(st.none(), st.sampled_from(_EDGE_TIMES), st.integers(_NEAR_NS - 10**9, _NEAR_NS + 10**9),
                    st.integers(-(1 << 70), 1 << 70))
_needles = st.one_of(st.none(), st.sampled_from([b"", b"a", b"ab", b"ba=", b"line", b"LINE", b"==", b"\n",
                                                 b"later line", b"x" * 30, b"\xff", b"a==b\n"]),
                     st.binary(max_size=4))


# -- one batch at a time ---------------------------------------------------------------------------


@SETTINGS
@given(_inputs, st.booleans(), st.booleans(), _bounds, _bounds, _needles, st.booleans())
def test_the_line_steps_are_the_same_on_walked_batches(
    data: bytes, open_out: bool, open_err: bool, since: int | None, until: int | None,
    needle: bytes | None, exact_case: bool,
) -> None:
    assert NATIVE is not None
    for batch in _batches(data):
        args = (batch.buf, batch.starts, batch.raw, batch.accepted)
        starts = array("q", batch.starts)
        expected = line_rows_python(*args, batch.base, open_out, open_err, since, until)
        got = NATIVE.line_rows(batch.buf, starts, batch.raw, batch.accepted, batch.base, open_out,
                               open_err, since, until)
        assert got == expected
        expected_hits = line_hits_python(*args, open_out, open_err, needle, exact_case)
        got_hits = NATIVE.line_hits(batch.buf, starts, batch.raw, batch.accepted, open_out, open_err,
                                    needle, exact_case)
        assert got_hits == expected_hits


@st.composite
def arbitrary_batches(draw: st.DrawFn) -> tuple[bytes, list[int], bytes, int]:
    """Any bytes, any entry offsets a header apart or more, any header records: what no walk makes."""
    gaps = draw(st.lists(st.integers(16, 60), max_size=30))
    first = draw(st.integers(0, 20))
    starts = [first]
    for gap in gaps:
        starts.append(starts[-1] + gap)
    size = draw(st.integers(starts[-1], starts[-1] + 20))
    if draw(st.booleans()):
        buf = draw(st.binary(min_size=size, max_size=size))
    else:  # few letters: needles found often, across entries too
        buf = bytes(draw(st.lists(st.sampled_from(b"abAB=\n\xff\x1b"), min_size=size, max_size=size)))
    pieces = bytearray(buf)
    if draw(st.booleans()):  # payloads all ASCII, headers anything
        for start, end in zip(starts, starts[1:], strict=False):
            pieces[start + 16 : end] = bytes(byte & 0x7F for byte in pieces[start + 16 : end])
    if draw(st.booleans()):  # some newlines where lines end
        for end in starts[1:]:
            if draw(st.booleans()):
                pieces[end - 1] = 10
    buf = bytes(pieces)
    count = len(gaps)
    records = [(draw(st.one_of(st.sampled_from(_EDGE_TIMES), st.integers(-(1 << 63), (1 << 63) - 1))),
                draw(st.integers(0, 0xFFFF))) for _ in range(count)]
    raw = b"".join(struct.pack("<qHxx", stamp, bits) for stamp, bits in records)
    return buf, starts, raw, count


@SETTINGS
@given(arbitrary_batches(), st.booleans(), st.booleans(), _bounds, _bounds, _needles, st.booleans(),
       st.integers(0, 1 << 40))
def test_the_line_steps_are_the_same_on_any_buffer(
    batch: tuple[bytes, list[int], bytes, int], open_out: bool, open_err: bool, since: int | None,
    until: int | None, needle: bytes | None, exact_case: bool, base: int,
) -> None:
    assert NATIVE is not None
    buf, starts, raw, count = batch
    python, native = both(
        lambda: line_rows_python(buf, starts, raw, count, base, open_out, open_err, since, until)
    )
    assert native == python
    got = NATIVE.line_rows(buf, array("q", starts), raw, count, base, open_out, open_err, since, until)
    assert got == python
    expected_hits = line_hits_python(buf, starts, raw, count, open_out, open_err, needle, exact_case)
    got_hits = NATIVE.line_hits(buf, array("q", starts), raw, count, open_out, open_err, needle, exact_case)
    assert got_hits == expected_hits


_HEADERS = b"\xffAAAAAAAAAAAAAAA", b"\x1bAAAAAAAAAAAAAAA", b"AAAAAAAAAAAAAAab", b"abAAAAAAAAAAAAAA", b"A" * 16


@pytest.mark.parametrize("header", _HEADERS)
@pytest.mark.parametrize("payloads", [[b"abc\n", b"zz\n"], [b"ab", b"c\n"], [b"\n", b"", b"ab\n"],
                                      [b"a\xff\n", b"b\n"], [b"xa", b"b\n"], [b"a\x1b[1mb\n", b"zz\n"],
                                      [b"0123456789abcdef\x1b\n", b"\x1b\n"]])
@pytest.mark.parametrize("needle", [b"ab", b"b\n", b"zz", b"AB", b"\xff", b""])
def test_the_line_hits_step_looks_in_payloads_only(
    header: bytes, payloads: list[bytes], needle: bytes
) -> None:
    """A needle, a byte beyond ASCII or an ESC in a header, or across two entries, is no hit."""
    assert NATIVE is not None
    buf = b"".join(header + payload for payload in payloads)
    starts = [0]
    for payload in payloads:
        starts.append(starts[-1] + 16 + len(payload))
    raw = bytes(12 * len(payloads))
    for exact_case in (True, False):
        expected = line_hits_python(buf, starts, raw, len(payloads), False, False, needle, exact_case)
        got = NATIVE.line_hits(buf, array("q", starts), raw, len(payloads), False, False, needle, exact_case)
        assert got == expected


@SETTINGS
@given(st.binary(max_size=300).map(lambda data: bytes(byte & 1 for byte in data)),
       st.one_of(st.integers(0, 1000), st.integers((1 << 32) - 400, (1 << 32) + 10)))
def test_numbering_streams_is_the_same(streams: bytes, first: int) -> None:
    assert NATIVE is not None
    try:
        expected: Any = number_streams_python(streams, first)
    except OverflowError:
        expected = OverflowError
    try:
        got: Any = NATIVE.number_streams(streams, first)
    except OverflowError:
        got = OverflowError
    assert got == expected


# -- whole passes ----------------------------------------------------------------------------------


def _runs(path: Path, since: int | None, until: int | None) -> list[tuple[int, int]]:
    """``(offset, stream)`` of every kept line, from ``LogFile.line_runs`` and the events between."""
    state = LineState()
    rows: list[tuple[int, int]] = []
    with LogFile(path, cache=False) as log:
        for item in log.line_runs(0, state, since_ns=since, until_ns=until):
            if isinstance(item, list):
                for event in item:
                    if state.event(event) and _in(event.timestamp_ns, since, until):  # type: ignore[union-attr]
                        rows.append((event.offset or 0, int(event.stream)))  # type: ignore[union-attr]
            else:
                rows.extend(zip(item.offsets, item.streams, strict=True))
                for stream in (0, 1):
                    last = item.last_kept[stream]
                    assert last == -2 or last == -1 or item.streams[last] == stream
    return rows


def _in(stamp: int, since: int | None, until: int | None) -> bool:
    return (since is None or stamp >= since) and (until is None or stamp < until)


def _simplest_lines(data: bytes, since: int | None, until: int | None) -> list[tuple[int, int]]:
    """The same, from the decoder's events one at a time."""
    decoder = Decoder()
    state = LineState()
    rows = []
    for event in [*decoder.feed(data), *decoder.close()]:
        if state.event(event) and isinstance(event, Entry) and _in(event.timestamp_ns, since, until):
            rows.append((event.offset or 0, int(event.stream)))
    return rows


def _found(path: Path, needle: bytes | None, exact_case: bool) -> list[tuple[int, int, bytes]]:
    with LogFile(path, cache=False) as log:
        return sorted(
            line
            for hits in log.find_lines(0, needle, exact_case=exact_case, max_bytes=50, span_bytes=3000)
            for line in zip(hits.offsets, hits.streams, hits.messages, strict=True)
        )


@pytest.mark.parametrize("case", corpus(), ids=lambda case: case.name)
def test_line_passes_are_the_same_on_the_fault_corpus(tmp_path: Path, small_walk: None, case: Any) -> None:
    path = _write(tmp_path, case.data)
    stamp = _NEAR_NS + 5 * 10**9
    python, native = both(lambda: (_runs(path, None, None), _runs(path, stamp, None),
                                   _found(path, None, True), _found(path, b"line", False)))
    assert native == python
    assert python[0] == _simplest_lines(case.data, None, None)
    assert python[1] == _simplest_lines(case.data, stamp, None)


@SETTINGS
@given(_inputs, _bounds, _bounds, _needles, st.booleans())
def test_line_passes_are_the_same_on_hostile_bytes(
    tmp_path_factory: pytest.TempPathFactory, small_walk: None, data: bytes, since: int | None,
    until: int | None, needle: bytes | None, exact_case: bool,
) -> None:
    path = _write(tmp_path_factory.mktemp("lines"), data)
    python, native = both(lambda: (_runs(path, since, until), _found(path, needle, exact_case)))
    assert native == python
    assert python[0] == _simplest_lines(data, since, until)
    # Every line that holds the needle (or a byte beyond ASCII, or an ESC) is found; no needle: every line.
    every = {(offset, stream): message for offset, stream, message in _found(path, None, True)}
    found = {(offset, stream) for offset, stream, _ in python[1]}
    for place, message in every.items():
        folded = message if exact_case else message.lower()
        if needle is None or not message.isascii() or b"\x1b" in message or needle in folded:
            assert place in found


# -- hostile arguments -----------------------------------------------------------------------------


def test_bad_arguments_to_the_line_steps_raise() -> None:
    native = NATIVE
    assert native is not None
    buf = b"A" * 16 + b"a\n" + b"A" * 16 + b"b\n"
    raw = b"\0" * 24
    for starts in ([0, 18, 99], [0, 40, 36], [-5, 18, 36], [0], [0, 10, 36]):
        with pytest.raises(ValueError):
            native.line_rows(buf, array("q", starts), raw, 2, 0, False, False, None, None)
        with pytest.raises(ValueError):
            native.line_hits(buf, array("q", starts), raw, 2, False, False, b"a", True)
    good = array("q", [0, 18, 36])
    with pytest.raises(ValueError):
        native.line_rows(buf, good, raw[:12], 2, 0, False, False, None, None)
    with pytest.raises(ValueError):
        native.line_rows(buf, good, raw, 2, -1, False, False, None, None)
    with pytest.raises(ValueError):
        native.line_rows(buf, good, raw, 2, (1 << 63) - 10, False, False, None, None)
    with pytest.raises(TypeError):
        native.line_rows(buf, good, raw, 2, 0, False, False, "soon", None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        native.line_hits(buf, good, raw[:12], 2, False, False, None, True)
    with pytest.raises(TypeError):
        native.line_hits(buf, good, raw, 2, False, False, "a", True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        native.line_hits(buf, [0, 18, 36], raw, 2, False, False, None, True)
    with pytest.raises(ValueError):
        native.number_streams(b"\0\2", 0)
    with pytest.raises(OverflowError):
        native.number_streams(b"\0", -1)
    assert native.line_rows(b"", array("q", [0]), b"", 0, 0, True, False, None, None) == (
        b"", b"", 0, True, False, -2, -2)
    assert native.number_streams(b"", 1 << 40) == (b"", b"")
