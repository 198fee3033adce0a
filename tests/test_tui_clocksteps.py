"""Clock-step rows: a separator before each line whose time is earlier than the line row before it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from iolog import Decoder, Stream
from iolog.core.format import encode_entry
from iolog_tui.model.rows import LogModel, RowKind
from iolog_tui.model.scan import RowScanner, scan_whole_file
from iolog_tui.render import clock_step_text, format_step

BASE_NS = 1_795_600_000 * 1_000_000_000

_entries = st.lists(
    st.tuples(
        st.sampled_from([Stream.STDOUT, Stream.STDERR]),
        st.integers(-5, 60).map(lambda seconds: BASE_NS + seconds * 1_000_000_000),
        st.sampled_from([b"line\n", b"part ", b"x\n", b"end\n"]),
    ),
    max_size=60,
)


def _bytes(entries: list[tuple[Stream, int, bytes]], garbage_at: int | None) -> bytes:
    parts = [encode_entry(message, timestamp_ns=stamp, stream=stream) for stream, stamp, message in entries]
    if garbage_at is not None and parts:
        parts.insert(garbage_at % len(parts), b"\x00garbage bytes\x00" * 3)
    return b"".join(parts)


def _check(model: LogModel) -> None:
    """The simplest reading: a step row is before line row i exactly where time[i] < time[i-1]."""
    previous_ns = None
    step_before: int | None = None
    for number in range(len(model)):
        row = model.row(number)
        if row.kind == RowKind.CLOCK_STEP:
            assert step_before is None, "two steps in a row"
            step_before = row.length
            assert model.offsets[number] == model.offsets[number + 1] - 1
            continue
        if row.kind > RowKind.STDERR:
            continue
        assert row.timestamp_ns is not None
        stepped = previous_ns is not None and row.timestamp_ns < previous_ns
        assert (step_before is not None) == stepped, (number, previous_ns, row.timestamp_ns)
        if stepped:
            assert previous_ns is not None
            assert step_before == previous_ns - row.timestamp_ns
        step_before = None
        previous_ns = row.timestamp_ns
    assert step_before is None
    assert model.clock_steps == sum(1 for kind in model.kinds if kind == RowKind.CLOCK_STEP)
    assert list(model.offsets) == sorted(set(model.offsets))


@settings(max_examples=60, deadline=None)
@given(_entries, st.one_of(st.none(), st.integers(0, 100)),
       st.one_of(st.none(), st.integers(0, 30)))
def test_the_scan_puts_a_step_exactly_where_time_goes_back(entries, garbage_at, since_s) -> None:
    data = _bytes(entries, garbage_at)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "steps.log"
        path.write_bytes(data)
        model = LogModel(path)
        try:
            since_ns = None if since_s is None else BASE_NS + since_s * 1_000_000_000
            scan_whole_file(path, model, since_ns=since_ns)
            _check(model)
            # The decoder's events, one entry at a time, make the same rows as the fast walk.
            scanner = RowScanner(model.generation, since_ns=since_ns)
            decoder = Decoder()
            for start in range(0, len(data), 7):
                scanner.feed(decoder.feed(data[start : start + 7]))
            scanner.feed(decoder.close())
            batch = scanner.take(len(data))
            kinds = [kind for kind in batch.kinds if kind != RowKind.TRUNCATED]
            assert [kind for kind in model.kinds if kind != RowKind.TRUNCATED] == kinds
        finally:
            model.close()


def test_a_step_is_told_in_sensible_units() -> None:
    # The viewer's one rule for durations (tests/test_tui_durations.py), two units at most.
    assert format_step(45_000_000_000) == "45s"
    assert format_step(45_250_000_000) == "45.3s"
    assert format_step(850_000) == "850µs"
    assert format_step(12_300_000) == "12ms"
    assert format_step(192 * 1_000_000_000) == "3m12s"
    assert format_step((2 * 3600 + 5 * 60) * 1_000_000_000) == "2h05m"
    assert format_step((3 * 86400 + 4 * 3600) * 1_000_000_000) == "3d04h"
    assert clock_step_text(45_000_000_000) == "── clock stepped back 45s ──"


@settings(max_examples=40, deadline=None)
@given(st.lists(_entries, min_size=2, max_size=4), st.integers(1, 3))
def test_a_step_between_runs_of_the_walk_is_found(runs, descend) -> None:
    """Garbage splits the walk into runs; each run starts earlier than the one before ends."""
    parts = []
    for number, run in enumerate(runs):
        shift = -number * descend * 70 * 1_000_000_000  # every later run is earlier
        parts.append(b"".join(encode_entry(message, timestamp_ns=stamp + shift, stream=stream)
                              for stream, stamp, message in run))
    data = b"\x00garbage bytes\x00".join(parts)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "runs.log"
        path.write_bytes(data)
        model = LogModel(path)
        try:
            scan_whole_file(path, model)
            _check(model)
        finally:
            model.close()


def test_a_run_that_starts_earlier_than_the_last_line_gets_a_step_first() -> None:
    """Where one batch of the walk ends and the next begins, the clock may have stepped back."""
    from array import array

    from iolog.file.walklines import LineRun

    scanner = RowScanner(0)
    scanner.feed_run(LineRun(array("q", [0, 40]), b"\x00\x00", 2, 80, (1, -2), BASE_NS, BASE_NS + 9))
    scanner.feed_run(LineRun(array("q", [80, 120]), b"\x00\x01", 2, 160, (0, 1), BASE_NS + 4, BASE_NS + 5))
    batch = scanner.take(160)
    assert list(batch.kinds) == [0, 0, RowKind.CLOCK_STEP, 0, 1]
    assert list(batch.offsets) == [0, 40, 79, 80, 120]
    assert batch.steps == {79: 5}
