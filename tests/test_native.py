"""The C speed-up and its pure-Python twins give identical results, on hostile bytes too.

Every function of :mod:`iolog._speedups` is run beside the Python code it
mirrors (the reference) on the fault corpus (``tests/faultlib.py``), on
faulted logs from ``tests/test_faults.py``'s strategy, and on
hypothesis-made hostile bytes (header-shaped fragments, headers with any
fields, claims past the end, runs of ``=``, noise); whole passes (the walk,
``iolog stat`` and ``iolog cat`` counts and output, the checkpoint index) are
run once with each implementation through :func:`iolog._native.use`, and so
are ``--tail``'s backward blocks and reading lines back by offset. Bad
arguments must raise, never crash. Skipped when the extension is not built
(no C compiler): the rest of the suite then runs the pure-Python code.
"""

from __future__ import annotations

import binascii
import functools
import os
import random
import struct
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iolog import Decoder, Entry, LogFile, _native, format_docker_time
from iolog.cli.printer import gather_python
from iolog.cli.stat import count_file
from iolog.core.lines import LineState
from iolog.file import walk as walk_module
from iolog.file.readback import read_lines
from iolog.file.walk import FastBatch, walk
from iolog.file.walkbatch import batch_step, walk_batch_python
from tests import faultlib
from tests.test_faults import faulted_cases

NATIVE = _native.BUILT
pytestmark = pytest.mark.skipif(NATIVE is None, reason="the C speed-up is not built (no C compiler?)")

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
T = TypeVar("T")
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NEAR_NS = 1_767_225_600_000_000_000
#: Timestamps that sit on the rules' edges: zero, negative, far apart, 2**62.
_EDGE_TIMES = [0, 1, -1, _NEAR_NS, _NEAR_NS + 1, _NEAR_NS - (1 << 58), _NEAR_NS + (1 << 58) + 1,
               (1 << 62) - 1, 1 << 62, (1 << 63) - 1, -(1 << 63), 220_924_800_000_000_000]


def both(run: Callable[[], T]) -> tuple[T, T]:
    """``run()`` with the pure-Python twins, then with the C speed-up."""
    with _native.use(None):
        python = run()
    with _native.use(NATIVE):
        native = run()
    return python, native


# -- hostile bytes -------------------------------------------------------------------------------


def _header(timestamp_ns: int, bits: int) -> bytes:
    """The 16 characters of a header with these fields (the time wraps to int64)."""
    wrapped = (timestamp_ns + (1 << 63)) % (1 << 64) - (1 << 63)
    return binascii.b2a_base64(struct.pack("<qH", wrapped, bits), newline=False)


@st.composite
def header_fields(draw: st.DrawFn) -> tuple[int, int]:
    """A timestamp and a size/stream/flags word: mostly an entry's, sometimes on the rules' edges."""
    size = draw(st.one_of(st.integers(0, 64), st.integers(0, 4095)))
    stream = draw(st.integers(0, 1))
    if draw(st.integers(0, 9)) < 7:
        return draw(st.integers(_NEAR_NS - 10**12, _NEAR_NS + 10**12)), size << 4 | stream << 3
    timestamp_ns = draw(st.one_of(st.sampled_from(_EDGE_TIMES), st.integers(-(1 << 63), (1 << 63) - 1)))
    flags = draw(st.sampled_from([0, 0, 1, 4, 7]))
    return timestamp_ns, size << 4 | stream << 3 | flags


@st.composite
def hostile_pieces(draw: st.DrawFn) -> bytes:
    """One piece of hostile input."""
    kind = draw(st.sampled_from(["entry", "entry", "entry", "header", "shaped", "equals", "noise",
                                 "nested", "short", "torn"]))
    if kind == "torn":  # cut short, then entries written later (a claim may end on one of them)
        timestamp_ns, bits = draw(header_fields())
        written = draw(st.integers(0, min(bits >> 4, 40)))
        later = b"".join(
            _header(timestamp_ns + draw(st.integers(-(10**15), 10**6)), len(line) << 4 | (bits & 8)) + line
            for line in draw(st.lists(st.sampled_from([b"a\n", b"later line\n", b"", b"=="]), max_size=4))
        )
        return _header(timestamp_ns, bits) + b"t" * written + later
    if kind in ("entry", "header", "nested"):
        timestamp_ns, bits = draw(header_fields())
        header = _header(timestamp_ns, bits)
        if kind == "header":
            return header
        size = bits >> 4
        if kind == "nested":  # a payload that is itself a log (its own claim may not fit)
            size = min(size, 400)  # the reference's tear_inside is quadratic within one payload
            header = _header(timestamp_ns, size << 4 | (bits & 15))
            inner = _header(timestamp_ns + draw(st.integers(-5, 5)), 5 << 4) + b"abcd\n"
            return header + (inner * (size // len(inner) + 1))[:size]
        payload = draw(st.sampled_from([b"x", b"line\n", b"=", b"==", b"a==b\n", b"\n\n", b"",
                                        b"\x1b[1ma\n"]))
        return header + (payload * (size // max(len(payload), 1) + 1))[:size]
    if kind == "shaped":  # 16 characters of header shape, any of them
        raw = draw(st.binary(min_size=13, max_size=13))
        body = bytes(_ALPHABET[byte % 64] for byte in raw)
        return body + draw(st.sampled_from([b"A", b"Q", b"g", b"w", b"B", b"="])) + b"=="
    if kind == "equals":
        return b"=" * draw(st.integers(1, 40))
    if kind == "short":
        return _header(_NEAR_NS, 4000 << 4)  # claims past the end of most inputs
    return draw(st.binary(max_size=80))


hostile_bytes = st.lists(hostile_pieces(), max_size=40).map(b"".join)


@functools.cache
def corpus() -> list[faultlib.Case]:
    """The fault corpus (each case once)."""
    return faultlib.corpus(2)


def _entry_starts(data: bytes) -> list[int]:
    decoder = Decoder()
    return [event.offset or 0 for event in decoder.feed(data) + decoder.close() if isinstance(event, Entry)]


# -- the batch step ------------------------------------------------------------------------------


def _step_both(buf: bytes, i: int, batch_end: int, limit: int, prev: int | None) -> None:
    python = walk_batch_python(buf, i, batch_end, limit, prev)
    with _native.use(NATIVE):
        starts, accepted, raw, last_ts = batch_step()(buf, i, batch_end, limit, prev)
    assert isinstance(starts, array)
    native = (list(starts), accepted, raw, last_ts)
    assert native == python, f"walk_batch differs at i={i} batch_end={batch_end} prev={prev}"


def _step_cases(data: bytes, rng: random.Random) -> Iterator[tuple[int, int, int, int | None]]:
    limit = len(data) - 16
    starts = _entry_starts(data)
    places = [0, *starts[:3], *rng.sample(starts, min(len(starts), 3)),
              *[rng.randrange(len(data) + 1) for _ in range(2)]]
    for i in places:
        prev = rng.choice([None, _NEAR_NS, rng.choice(_EDGE_TIMES)])
        yield i, limit, limit, prev
        yield i, rng.randrange(-16, len(data) + 16), limit, prev
        if limit > 0:
            yield i, limit, rng.randrange(limit + 1), prev


@pytest.mark.parametrize("case", corpus(), ids=lambda case: case.name)
def test_the_batch_step_is_the_same_on_the_fault_corpus(case: faultlib.Case) -> None:
    rng = random.Random(case.name)
    for i, batch_end, limit, prev in _step_cases(case.data, rng):
        _step_both(case.data, i, batch_end, limit, prev)


@SETTINGS
@given(hostile_bytes, st.integers(0, 2**32 - 1).map(random.Random))
def test_the_batch_step_is_the_same_on_hostile_bytes(data: bytes, rng: random.Random) -> None:
    for i, batch_end, limit, prev in _step_cases(data, rng):
        _step_both(data, i, batch_end, limit, prev)


@SETTINGS
@given(st.binary(max_size=600), st.integers(0, 2**32 - 1).map(random.Random))
def test_the_batch_step_is_the_same_on_random_bytes(data: bytes, rng: random.Random) -> None:
    for i, batch_end, limit, prev in _step_cases(data, rng):
        _step_both(data, i, batch_end, limit, prev)


@SETTINGS
@given(faulted_cases(), st.integers(0, 2**32 - 1).map(random.Random))
def test_the_batch_step_is_the_same_on_faulted_logs(case: faultlib.Case, rng: random.Random) -> None:
    for i, batch_end, limit, prev in _step_cases(case.data, rng):
        _step_both(case.data, i, batch_end, limit, prev)


def test_a_payload_holding_a_torn_entrys_successor_is_left_to_tear_inside() -> None:
    # A torn entry (40 bytes claimed, 7 written) whose claim happens to end on
    # a later header: the entries written after the tear start inside its
    # claim, stamped after it, so it is not accepted as it is.
    torn = _header(_NEAR_NS, 40 << 4) + b"cut sho"
    after = _header(_NEAR_NS + 5, 17 << 4) + b"written later ok\n"
    assert len(torn) + len(after) == 16 + 40  # the next header is where the claim ends
    tail = _header(_NEAR_NS + 6, 3 << 4) + b"ok\n" + _header(_NEAR_NS + 7, 1 << 4) + b"\n"
    data = torn + after + tail
    assert walk_batch_python(data, 0, len(data) - 16, len(data) - 16, None)[1] == 0
    _step_both(data, 0, len(data) - 16, len(data) - 16, None)
    # The same bytes printed by a program (stamped before their carrier) do not tear it.
    printed = _header(_NEAR_NS, 40 << 4) + b"cut sho" + _header(_NEAR_NS - 10**15, 17 << 4)
    data = printed + b"written later ok\n" + tail
    _step_both(data, 0, len(data) - 16, len(data) - 16, None)


@pytest.mark.parametrize("offset", range(0, 140, 1))
def test_a_header_inside_a_payload_is_found_wherever_it_lies(offset: int) -> None:
    # The C scan looks at 64 bytes at a time from the batch's first byte: an
    # inner header's "==" at every place, straddling those blocks too.
    inner = _header(_NEAR_NS + 1, 0)
    payload = b"x" * offset + inner + b"y\n"
    first = _header(_NEAR_NS, 4 << 4) + b"one\n"
    data = first + _header(_NEAR_NS, len(payload) << 4) + payload + _header(_NEAR_NS + 2, 3 << 4) + b"ok\n"
    data += _header(_NEAR_NS + 3, 300 << 4) + b"z" * 299 + b"\n" + _header(_NEAR_NS + 4, 0)
    expected = walk_batch_python(data, 0, len(data) - 16, len(data) - 16, None)
    assert expected[1] == 1  # the second entry is torn: its successor is inside it
    _step_both(data, 0, len(data) - 16, len(data) - 16, None)


@pytest.mark.parametrize("gap", [(1 << 58) - 1, 1 << 58, (1 << 58) + 1])
def test_times_exactly_far_ns_apart_are_near(gap: int) -> None:
    stamps = [_NEAR_NS, _NEAR_NS + gap, _NEAR_NS + 3 * gap, _NEAR_NS + 6 * gap]
    data = b"".join(_header(stamp, 2 << 4) + b"a\n" for stamp in stamps)
    for prev in (None, _NEAR_NS - gap, _NEAR_NS):
        _step_both(data, 0, len(data) - 16, len(data) - 16, prev)
        _step_both(data, 18, len(data) - 16, len(data) - 16, prev)


@pytest.mark.parametrize("stamps", [
    [(1 << 62) - 3, (1 << 62) - 2, (1 << 62) - 1, 1 << 62, (1 << 62) - 1],
    [(1 << 62) - 1, 1 << 62, (1 << 62) + 1, (1 << 62) - 2],
    [3, 2, 1, 0, 1, 2],
    [1, 0, -1, 1, 2],
], ids=["top", "past-top", "bottom", "zero"])
def test_times_on_the_plausible_edges(stamps: list[int]) -> None:
    # Timestamps in (0, 2**62) only: both ends, between near neighbours.
    data = b"".join(_header(stamp, 2 << 4) + b"a\n" for stamp in stamps)
    for prev in (None, stamps[0], (1 << 62) - 5):
        for i in range(0, len(data) - 16, 18):
            _step_both(data, i, len(data) - 16, len(data) - 16, prev)
    inner = _header((1 << 62) - 1, 0) + _header(1 << 62, 0)  # inside a payload too
    data = _header((1 << 62) - 9, (len(inner) + 4) << 4) + b"ab" + inner + b"c\n"
    data += _header((1 << 62) - 8, 2 << 4) + b"d\n" + _header((1 << 62) - 7, 0)
    _step_both(data, 0, len(data) - 16, len(data) - 16, None)


@pytest.mark.parametrize(("value", "pure"), [("1", True), ("yes", True), ("0", False), ("", False)])
def test_iolog_pure_python_forces_the_twins(value: str, pure: bool) -> None:
    import subprocess
    import sys

    probe = "import iolog._native as n; print(n.speedups is None, n.BUILT is None)"
    env = {**os.environ, "IOLOG_PURE_PYTHON": value}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.split() == [str(pure), "False"]


# -- whole passes, each implementation -------------------------------------------------------------


def _flat(items: Iterator[FastBatch | list[Any]]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        out += item if isinstance(item, list) else [item.entry(k) for k in range(item.accepted)]
    return out


@pytest.fixture
def small_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads, batches and slow reads far smaller than a case, so their edges are met."""
    monkeypatch.setattr(walk_module, "_READ_BYTES", 20_000)
    monkeypatch.setattr(walk_module, "_BATCH_BYTES", 3_000)
    monkeypatch.setattr(walk_module, "_SLOW_READ_BYTES", 777)


def _write(folder: Path, data: bytes) -> Path:
    path = folder / f"case-{len(data)}-{random.random()}.log"
    path.write_bytes(data)
    return path


def _passes(path: Path) -> tuple[object, ...]:
    """What every full pass makes of a file: events, stat's counts, the index, a window."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        events = _flat(walk(handle.fileno(), 0, size))
    counts = count_file(str(path))
    counts_seen = {key: value for key, value in vars(counts).items() if key not in ("damage", "line_state")}
    with LogFile(path, checkpoint_every_bytes=1024, cache=False) as log:
        index = log.build_index()
        columns = tuple(list(getattr(index, name)) for name in index.COLUMNS)
        stamps = sorted(event.timestamp_ns for event in events if isinstance(event, Entry)) or [0]
        since = stamps[len(stamps) // 2]
        window = list(log.events(since_ns=since))
    seeks = []
    for stamp in stamps[:: max(1, len(stamps) // 5)]:
        with LogFile(path, checkpoint_every_bytes=512, cache=False) as log:  # a partial index, stopped early
            found = log.seek_time(stamp)
            partial = log._file_index.index
            seeks.append((found, partial.end_offset, partial.entry_count, partial.last_ts,
                          tuple(list(getattr(partial, name)) for name in partial.COLUMNS)))
    tails = []
    with LogFile(path, cache=False) as log:
        for count, streams in ((1, frozenset({0, 1})), (7, frozenset({1})), (40, frozenset({0}))):
            start = log.tail(count, streams, block_bytes=700)
            tails.append((start, _flat(log.tail_batches(count, streams, block_bytes=700))))
    with open(path, "rb") as handle:
        lines = list(read_lines(handle.fileno(), _line_starts(events)[::3], span_bytes=5000))
    return events, counts_seen, counts.line_state.open, columns, window, seeks, tails, lines


def _line_starts(events: list[Any]) -> list[int]:
    """The offsets of the entries that start lines (the line rule over ``events``)."""
    state = LineState()
    starts = []
    for event in events:
        if not isinstance(event, Entry):
            state.damage()
        elif state.entry(int(event.stream), event.message) and event.offset is not None:
            starts.append(event.offset)
    return starts


@pytest.mark.parametrize("case", corpus(), ids=lambda case: case.name)
def test_full_passes_are_the_same_on_the_fault_corpus(tmp_path: Path, small_walk: None,
                                                      case: faultlib.Case) -> None:
    path = _write(tmp_path, case.data)
    python, native = both(lambda: _passes(path))
    assert native == python


@settings(SETTINGS, max_examples=60)
@given(st.one_of(hostile_bytes, faulted_cases().map(lambda case: case.data)))
def test_full_passes_are_the_same_on_hostile_bytes(tmp_path_factory: pytest.TempPathFactory,
                                                   small_walk: None, data: bytes) -> None:
    path = _write(tmp_path_factory.mktemp("native"), data)
    python, native = both(lambda: _passes(path))
    assert native == python


# -- the line rule, per-entry bytes, spans -----------------------------------------------------------


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 255)), max_size=200), st.booleans(),
       st.booleans())
def test_line_starts_are_the_same(entries: list[tuple[int, int]], open_out: bool, open_err: bool) -> None:
    streams = bytes(stream for stream, _ in entries)
    lasts = bytes(last for _, last in entries)

    def run() -> tuple[bytes, list[bool]]:
        state = LineState((open_out, open_err))
        return state.starts_in_bulk(streams, lasts), state.open

    python, native = both(run)
    assert native == python


def _batches(data: bytes) -> list[FastBatch]:
    """The fast walk's batches over ``data`` (written to a pipe-free temporary file)."""
    import tempfile

    with tempfile.TemporaryFile() as handle:
        handle.write(data)
        handle.flush()
        with _native.use(None):
            return [item for item in walk(handle.fileno(), 0, len(data)) if isinstance(item, FastBatch)]


@SETTINGS
@given(st.one_of(hostile_bytes, faulted_cases().map(lambda case: case.data)), st.data())
def test_batch_helpers_are_the_same(data: bytes, draw: st.DataObject) -> None:
    for batch in _batches(data):
        count = batch.accepted
        first = draw.draw(st.integers(0, count - 1))
        last = draw.draw(st.integers(first + 1, count))
        python, native = both(
            lambda batch=batch, first=first, last=last: (batch.last_bytes(), batch.span_stats(first, last))
        )
        assert native == python
        flags = bytes(draw.draw(st.lists(st.integers(0, 1), min_size=count, max_size=count)))
        for which in (0, 1, 2):
            for stamp_lines in (None, flags):
                expected = gather_python(batch, first, last, which, stamp_lines)
                assert NATIVE is not None
                got = NATIVE.gather(batch.buf, array("q", batch.starts), batch.raw, first, last, which,
                                    stamp_lines)
                assert got == expected, f"gather differs for which={which}"


@SETTINGS
@given(st.lists(st.tuples(st.one_of(st.sampled_from(_EDGE_TIMES), st.integers(-(1 << 63), (1 << 63) - 1)),
                          st.integers(0, 0xFFFF)), min_size=1, max_size=50), st.data())
def test_span_stats_are_the_same_for_any_records(records: list[tuple[int, int]], draw: st.DataObject) -> None:
    raw = b"".join(struct.pack("<qHxx", stamp, bits) for stamp, bits in records)
    batch = FastBatch(0, b"", [], len(records), raw)
    first = draw.draw(st.integers(0, len(records) - 1))
    last = draw.draw(st.integers(first + 1, len(records)))
    python, native = both(lambda: batch.span_stats(first, last))
    assert native == python


@SETTINGS
@given(st.one_of(st.sampled_from(_EDGE_TIMES), st.integers(-(1 << 63), (1 << 63) - 1),
                 st.integers(0, 1 << 62)))
def test_docker_time_is_format_docker_time(timestamp_ns: int) -> None:
    assert NATIVE is not None
    assert NATIVE.docker_time(timestamp_ns) == format_docker_time(timestamp_ns).encode("ascii")


# -- iolog cat's output, each implementation -------------------------------------------------------


def _cat_output(path: Path, timestamps: bool, stream: str, tmp: Path) -> tuple[bytes, bytes]:
    """``iolog cat`` on ``path`` in a child process (real stdout and stderr files)."""
    import subprocess
    import sys

    out, err = tmp / "out", tmp / "err"
    command = [sys.executable, "-m", "iolog", "cat", "-q", "--stream", stream, str(path)]
    if timestamps:
        command.insert(4, "-t")
    results = []
    for pure in ("1", ""):
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            subprocess.run(command, stdout=stdout, stderr=stderr, check=True,
                           env={**os.environ, "IOLOG_PURE_PYTHON": pure, "IOLOG_CACHE_DIR": "off"})
        results.append((out.read_bytes(), err.read_bytes()))
    assert results[0] == results[1], "iolog cat differs between the implementations"
    return results[0]


@pytest.mark.parametrize("timestamps", [False, True], ids=["plain", "stamped"])
def test_iolog_cat_writes_the_same_bytes(tmp_path: Path, timestamps: bool) -> None:
    cases = [case for case in corpus() if len(case.data) < 200_000][:12]
    data = b"".join(case.data for case in cases)
    path = _write(tmp_path, data)
    for stream in ("all", "stderr"):
        out, err = _cat_output(path, timestamps, stream, tmp_path)
        assert out or err or stream != "all"


def test_printer_batches_are_the_same_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_reading_paths import _cat

    data = b"".join(case.data for case in corpus() if len(case.data) < 100_000)
    path = _write(tmp_path, data)
    for timestamps in (False, True):
        python, native = both(lambda timestamps=timestamps: _cat(path, timestamps=timestamps))
        assert native == python


# -- hostile arguments: an error, never a crash -----------------------------------------------------------


def test_bad_arguments_raise() -> None:
    native = NATIVE
    assert native is not None
    buf = _header(_NEAR_NS, 2 << 4) + b"a\n" + _header(_NEAR_NS, 2 << 4) + b"b\n"
    good = array("q", [0, 18, 36])
    raw = b"\0" * 24
    with pytest.raises(ValueError):
        native.walk_batch(buf, -1, 10, len(buf) - 16, None)
    with pytest.raises(ValueError):
        native.walk_batch(buf, 0, 10, len(buf), None)
    with pytest.raises(TypeError):
        native.walk_batch("text", 0, 0, 0, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        native.walk_batch(buf, 0, 10, len(buf) - 16, "soon")  # type: ignore[arg-type]
    bad_starts = ([0, 18, 99], [0, 40, 36], [-5, 18, 36], [0], [0, 10, 36])
    for starts in map(functools.partial(array, "q"), bad_starts):
        with pytest.raises(ValueError):
            native.last_bytes(buf, starts, 2)
        with pytest.raises(ValueError):
            native.gather(buf, starts, raw, 0, 2, 2)
    with pytest.raises(TypeError):
        native.last_bytes(buf, array("i", [0, 18, 36]), 2)
    with pytest.raises(TypeError):
        native.last_bytes(buf, [0, 18, 36], 2)
    with pytest.raises(ValueError):
        native.gather(buf, good, raw[:12], 0, 2, 2)
    with pytest.raises(ValueError):
        native.gather(buf, good, raw, 0, 2, 3)
    with pytest.raises(ValueError):
        native.gather(buf, good, raw, 0, 2, 2, b"\1")
    with pytest.raises(ValueError):
        native.gather(buf, good, raw, 1, 0, 2)
    with pytest.raises(ValueError):
        native.line_starts(b"\0\2", b"\n\n", False, False)
    with pytest.raises(ValueError):
        native.line_starts(b"\0", b"\n\n", False, False)
    for first, last in ((0, 0), (-1, 1), (0, 3)):
        with pytest.raises(ValueError):
            native.span_stats(raw, first, last)
    assert native.walk_batch(b"", 0, 0, -16, 7) == (b"", 0, b"", 7, [])
    assert native.walk_batch(buf, 0, len(buf), len(buf) - 16, 1 << 80)[1] == 1
