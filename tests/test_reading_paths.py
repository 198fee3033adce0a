"""Every way of reading a log agrees with one linear decode of the whole file (P4).

The simplest correct reading is :func:`tests.faultlib.reference_lines` over
one :class:`~iolog.Decoder` fed the whole file: these tests check, on logs
with every fault class of :mod:`tests.faultlib`, that the line rule
(:class:`iolog.core.lines.LineState`, entry by entry and in bulk, and
:class:`iolog.core.lines.LineAssembler`), the fast walk, windows, ``--tail``,
``iolog cat`` (plain, ``-t``, ``--stream``, ``--since``/``--until``,
``--tail``), ``iolog stat`` and follow give what that reading gives.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iolog import Decoder, Entry, LogFile, Skipped, SourceStatus, Stream, Truncated, format_docker_time
from iolog.cli.cat import cat_command
from iolog.cli.common import CliError
from iolog.cli.stat import count_file
from iolog.core.lines import LineAssembler, LineState
from iolog.file import tail as tail_module
from iolog.file import walk as walk_module
from iolog.file.readback import read_line, read_lines
from iolog.file.walk import FastBatch, find_quiet, walk
from tests import faultlib
from tests.test_faults import boundaries, faulted_cases

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture,
    ],
)


def _linear(data: bytes) -> list[object]:
    decoder = Decoder()
    return decoder.feed(data) + decoder.close()


def _flat(items: Iterator[FastBatch | list[object]]) -> list[object]:
    out: list[object] = []
    for item in items:
        out += item if isinstance(item, list) else [_copied(item.entry(k)) for k in range(item.accepted)]
    return out


def _copied(entry: Entry) -> Entry:
    """The entry with its own bytes (a transient batch's buffer is overwritten by the next read)."""
    return Entry(entry.timestamp_ns, entry.stream, bytes(entry.message), entry.flags, entry.offset)


def _write(tmp: Path, data: bytes) -> Path:
    path = tmp / f"case-{len(data)}-{random.random()}.log"
    path.write_bytes(data)
    return path


# -- the line rule -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.sampled_from([10, 65, 61, -1])), max_size=60),
    st.tuples(st.booleans(), st.booleans()),
)
def test_line_starts_in_bulk_equal_one_at_a_time(entries, open_lines):
    one = LineState(open_lines)
    expected = bytes(one.entry(stream, b"" if last < 0 else bytes([last])) for stream, last in entries)
    bulk = LineState(open_lines)
    streams = bytes(stream for stream, _ in entries)
    lasts = bytes(61 if last < 0 else last for _, last in entries)  # empty: the header's "="
    assert bulk.starts_in_bulk(streams, lasts) == expected
    assert bulk.open == one.open
    by_runs = LineState(open_lines)  # whichever way starts_in_bulk chose, the other one too
    assert by_runs._starts_by_runs(streams, lasts) == expected
    assert by_runs.open == one.open
    skipped = LineState(open_lines)
    skipped.skip_in_bulk(streams, lambda k: entries[k][1])
    assert skipped.open == one.open


@SETTINGS
@given(faulted_cases())
def test_line_assembler_equals_the_reference(case):
    events = _linear(case.data)
    reference = faultlib.reference_lines(events)
    assembler = LineAssembler()
    lines = assembler.feed(events) + assembler.close()
    lines.sort(key=lambda line: line.offset)
    assert [(line.offset, line.stream, line.message, line.complete) for line in lines] == [
        (ref.offset, ref.stream, ref.message, ref.complete) for ref in reference
    ]


# -- the fast walk -------------------------------------------------------------------------------


@pytest.fixture
def small_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads, batches and slow reads far smaller than a case, so their edges are met."""
    monkeypatch.setattr(walk_module, "_READ_BYTES", 20_000)
    monkeypatch.setattr(walk_module, "_BATCH_BYTES", 3_000)
    monkeypatch.setattr(walk_module, "_SLOW_READ_BYTES", 777)
    monkeypatch.setattr(walk_module, "_GARBAGE_READ_BYTES", 1999)


@SETTINGS
@given(faulted_cases(), st.data())
def test_walk_equals_the_decoder(tmp_path_factory, small_walk, case, data):
    path = _write(tmp_path_factory.mktemp("walk"), case.data)
    stop = data.draw(st.integers(0, len(case.data)))
    fd = os.open(path, os.O_RDONLY)
    try:
        events = _linear(case.data)
        assert _flat(walk(fd, 0, len(case.data))) == events
        assert _flat(walk(fd, 0, len(case.data), stop=stop)) == [e for e in events if e.offset < stop]
    finally:
        os.close(fd)


@SETTINGS
@given(faulted_cases(), st.data())
def test_transient_walk_equals_the_decoder(tmp_path_factory, small_walk, case, data):
    # Each batch used before the next is asked for, as cat does: with the C
    # speed-up the reads go into one reused buffer, whose old bytes must never show.
    path = _write(tmp_path_factory.mktemp("walk"), case.data)
    stop = data.draw(st.integers(0, len(case.data)))
    fd = os.open(path, os.O_RDONLY)
    try:
        events = _linear(case.data)
        for end, expected in ((None, events), (stop, [e for e in events if e.offset < stop])):
            walked = _flat(walk(fd, 0, len(case.data), stop=end, transient=True))
            assert walked == expected
    finally:
        os.close(fd)


def test_payloads_of_equals_signs_are_walked_as_decoded(tmp_path: Path) -> None:
    # Each "==" in a payload could end a header inside it: every entry is
    # checked once (this took minutes when each "==" checked its entry again).
    data = b"".join(
        faultlib.Written(1_767_225_600_000_000_000 + k, Stream(k % 2), b"=" * 4094 + b"\n").encode()
        for k in range(64)
    )
    path = _write(tmp_path, data)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert _flat(walk(fd, 0, len(data))) == _linear(data)
    finally:
        os.close(fd)


# -- garbage passed over without reading it ---------------------------------------------------


def _without_equals(size: int, seed: int) -> bytes:
    """Noise or zeros with no ``=`` byte (as a hole of zeros, or a serial line's noise)."""
    if seed % 3 == 0:
        return bytes(size)
    return random.Random(seed).randbytes(size).replace(b"=", b"A")


@SETTINGS
@given(faulted_cases(), st.data())
def test_garbage_passed_over_decodes_as_if_fed(case, data):
    at = data.draw(st.one_of(st.sampled_from(boundaries(case)), st.integers(0, len(case.data))))
    span = _without_equals(data.draw(st.integers(1, 5000)), data.draw(st.integers(0, 2**32)))
    whole = case.data[:at] + span + case.data[at:]
    span = _quiet_reach(whole, at, len(span), data.draw(st.integers(0, 15)))
    cut = data.draw(st.integers(0, at))
    fed = at + data.draw(st.integers(0, len(span)))  # the decoder meets the garbage first
    decoder = Decoder()
    events = decoder.feed(whole[:cut]) + decoder.feed(whole[cut:fed])
    rest = whole[fed : at + len(span)]
    if not decoder.pass_over(len(rest), rest[-15:]):
        events += decoder.feed(rest)
    events += decoder.feed(whole[at + len(span) :]) + decoder.close()
    assert events == _linear(whole)


def _quiet_reach(whole: bytes, at: int, length: int, more: int) -> bytes:
    """The ``=``-free span at ``at``, reaching up to ``more`` bytes into what follows
    (the start of a header, whose ``==`` comes later)."""
    end = at + length
    while more and end < len(whole) and whole[end] != 61:
        end += 1
        more -= 1
    return whole[at:end]


@SETTINGS
@given(faulted_cases(), st.data())
def test_walk_passes_over_quiet_spans_as_if_read(tmp_path_factory, small_walk, case, data):
    at = data.draw(st.one_of(st.sampled_from(boundaries(case)), st.integers(0, len(case.data))))
    span = _without_equals(data.draw(st.integers(1, 9000)), data.draw(st.integers(0, 2**32)))
    whole = case.data[:at] + span + case.data[at:]
    span = _quiet_reach(whole, at, len(span), data.draw(st.integers(0, 15)))
    path = _write(tmp_path_factory.mktemp("quiet"), whole)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert _flat(walk(fd, 0, len(whole), quiet=((at, at + len(span)),))) == _linear(whole)
    finally:
        os.close(fd)


@settings(SETTINGS, max_examples=200)
@given(st.binary(max_size=300), st.data())
def test_find_quiet_is_the_plain_search(tmp_path_factory, data_bytes, data):
    noisy = data_bytes.replace(b"=", b"") if data.draw(st.booleans()) else data_bytes
    start = data.draw(st.integers(0, len(noisy)))
    end = data.draw(st.integers(start, len(noisy)))
    path = _write(tmp_path_factory.mktemp("findquiet"), noisy)
    fd = os.open(path, os.O_RDONLY)
    try:
        buffer = bytearray(data.draw(st.integers(1, 40)))  # "==" straddles reads
        got = walk_module.find_quiet(fd, start, end, buffer)
    finally:
        os.close(fd)
    assert got == (b"==" not in noisy[start:end], b"=" not in noisy[start:end])


# -- windows and tail ----------------------------------------------------------------------------


def _window_reference(events: list[object], since: int | None, until: int | None) -> list[object]:
    return [
        e
        for e in events
        if not isinstance(e, Entry)
        or ((since is None or e.timestamp_ns >= since) and (until is None or e.timestamp_ns < until))
    ]


@SETTINGS
@given(faulted_cases(), st.data())
def test_windows_equal_the_linear_filter(tmp_path_factory, case, data):
    events = _linear(case.data)
    stamps = sorted(e.timestamp_ns for e in events if isinstance(e, Entry)) or [0]
    since = data.draw(st.one_of(st.none(), st.sampled_from(stamps)))
    until = data.draw(st.one_of(st.none(), st.sampled_from(stamps)))
    path = _write(tmp_path_factory.mktemp("window"), case.data)
    every = data.draw(st.sampled_from([64, 1024, 65536]))
    with LogFile(path, checkpoint_every_bytes=every, cache=False) as log:
        got = list(log.events(since_ns=since, until_ns=until))
    expected = _window_reference(events, since, until)
    assert [e for e in got if isinstance(e, Entry)] == [e for e in expected if isinstance(e, Entry)]
    # Lines are the same too: every damage among the window's entries is read.
    assert faultlib.reference_lines(got) == faultlib.reference_lines(expected)


def _tail_reference(events: list[object], count: int, streams: frozenset[int]) -> list[Entry]:
    lines = [line for line in faultlib.reference_lines(events) if int(line.stream) in streams]
    wanted = {offset for line in (lines[-count:] if count else []) for offset in line.entry_offsets}
    return [e for e in events if isinstance(e, Entry) and e.offset in wanted]


@settings(SETTINGS, max_examples=25)
@given(faulted_cases(max_writes=120), st.integers(0, 40), st.sampled_from([(0,), (1,), (0, 1)]))
def test_tail_equals_the_last_lines(tmp_path_factory, case, count, stream_choice):
    streams = frozenset(stream_choice)
    path = _write(tmp_path_factory.mktemp("tail"), case.data)
    with LogFile(path, cache=False) as log:
        got = [e for e in log.tail_events(count, streams, block_bytes=0) if isinstance(e, Entry)]
    assert got == _tail_reference(_linear(case.data), count, streams)


@settings(SETTINGS, max_examples=6)
@given(faulted_cases(max_writes=60), st.data())
def test_tail_across_holes_equals_the_last_lines(tmp_path_factory, case, data):
    """Holes of whole blocks are searched once, not decoded, and not read again."""
    at = data.draw(st.sampled_from(sorted({0, len(case.data) // 2, len(case.data)})))
    hole = 3 << 20
    kind = data.draw(st.sampled_from(["sparse", "zeros", "lone equals"]))
    filler = bytearray(hole)
    if kind == "lone equals":  # no header ends in the hole, but it is not free of "="
        filler[:: 100_003] = b"=" * len(filler[:: 100_003])
    path = _write(tmp_path_factory.mktemp("tailhole"), b"")
    with open(path, "wb") as out:
        out.write(case.data[:at])
        if kind == "sparse":
            out.truncate(at + hole)
            out.seek(at + hole)
        else:
            out.write(filler)
        out.write(case.data[at:])
    whole = case.data[:at] + bytes(filler) + case.data[at:]
    count = data.draw(st.integers(1, 30))
    with LogFile(path, cache=False) as log:
        start = log.tail(count, block_bytes=0)
        got = list(log.tail_events(count, block_bytes=0))
    if start.offset < at and kind != "lone equals":
        assert start.quiet, "the hole the tail crossed was found"
    events = _linear(whole)
    wanted = {e.offset for e in _tail_reference(events, count, frozenset({0, 1}))}
    entries = [e for e in events if isinstance(e, Entry) and e.offset in wanted]
    assert [e for e in got if isinstance(e, Entry)] == entries
    first = min(wanted, default=len(whole))
    assert [e for e in got if not isinstance(e, Entry)] == [
        e for e in events if not isinstance(e, Entry) and e.offset > first
    ]


@settings(SETTINGS, max_examples=40)
@given(st.data())
def test_hole_checks_split_over_threads_equal_one_check(tmp_path_factory, data):
    """A long check split in two halves finds what one check finds, "==" across the middle included."""
    size = data.draw(st.integers(2, 4096))
    content = bytearray(size)
    for at in data.draw(st.lists(st.integers(0, size - 1), max_size=3)):
        content[at] = ord("=")
    path = _write(tmp_path_factory.mktemp("holecheck"), bytes(content))
    start = data.draw(st.integers(0, size - 1))
    end = data.draw(st.integers(start + 1, size))
    fd = os.open(path, os.O_RDONLY)
    scanner = tail_module._HoleScanner(fd)
    try:
        with mock.patch.object(tail_module, "_SPLIT_BYTES", 0):
            split = scanner.check(start, end)
        assert split == find_quiet(fd, start, end, bytearray(64))
        assert scanner.pool is not None or (os.cpu_count() or 1) < 2
    finally:
        scanner.close()
        os.close(fd)


# -- iolog cat and stat, in process ----------------------------------------------------------


@contextmanager
def _captured() -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdout, sys.stderr
    wrappers = io.TextIOWrapper(out, write_through=True), io.TextIOWrapper(err, write_through=True)
    sys.stdout, sys.stderr = wrappers
    try:
        yield out, err
    finally:
        sys.stdout, sys.stderr = saved
        for wrapper in wrappers:
            wrapper.flush()
            wrapper.detach()


def _cat(path: Path, **flags: object) -> tuple[bytes, bytes]:
    args = argparse.Namespace(
        source=[str(path)], timestamps=False, since=None, until=None, tail=None, follow=False,
        stream="all", baud=115200, save=None, no_reconnect=False, quiet=True, raw=True,
        format="text", no_log_prefix=False, no_color=False,
    )
    for name, value in flags.items():
        setattr(args, name, value)
    with _captured() as (out, err):
        try:
            assert cat_command(args) == 0
        except CliError:
            return NOT_A_LOG
    return out.getvalue(), err.getvalue()


#: What ``_cat`` gives for a file in which nothing decodes as an entry.
NOT_A_LOG = (b"", b"not an iolog file")


def _expect(events: list[object], data: bytes, printed: tuple[bytes, bytes]) -> tuple[bytes, bytes]:
    """``printed``, unless nothing in a non-empty file decodes as an entry (an error then)."""
    if data and not any(isinstance(e, (Entry, Truncated)) for e in events):
        return NOT_A_LOG
    return printed


def _printed(events: list[object], *, timestamps: bool, streams: frozenset[int]) -> tuple[bytes, bytes]:
    """What cat prints for these events, by the reference rule (damage ends an open line)."""
    outs = [bytearray(), bytearray()]
    open_lines = [False, False]
    for event in events:
        if isinstance(event, Entry):
            stream = int(event.stream)
            if stream in streams:
                if timestamps and not open_lines[stream]:
                    outs[stream] += format_docker_time(event.timestamp_ns).encode() + b" "
                outs[stream] += event.message
            open_lines[stream] = not event.message.endswith(b"\n")
        elif isinstance(event, (Skipped, Truncated)):
            for stream in (0, 1):
                if open_lines[stream] and stream in streams:
                    outs[stream] += b"\n"
            open_lines = [False, False]
    return bytes(outs[0]), bytes(outs[1])


@SETTINGS
@given(faulted_cases(), st.booleans(), st.sampled_from(["all", "stdout", "stderr"]))
def test_cat_prints_the_linear_decode(tmp_path_factory, case, timestamps, stream):
    path = _write(tmp_path_factory.mktemp("cat"), case.data)
    streams = frozenset({0, 1} if stream == "all" else {0 if stream == "stdout" else 1})
    events = _linear(case.data)
    expected = _expect(events, case.data, _printed(events, timestamps=timestamps, streams=streams))
    assert _cat(path, timestamps=timestamps, stream=stream) == expected


@pytest.fixture
def many_reads(small_walk: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads a few times the longest entry, so that a case takes many of them."""
    monkeypatch.setattr(walk_module, "_READ_BYTES", 9_000)


@SETTINGS
@given(faulted_cases(), st.booleans(), st.sampled_from(["all", "stdout", "stderr"]))
def test_cat_in_small_reads_prints_the_linear_decode(tmp_path_factory, many_reads, case, timestamps, stream):
    # Many reads into cat's one reused buffer (with the C speed-up), damage across their edges.
    path = _write(tmp_path_factory.mktemp("cat"), case.data)
    streams = frozenset({0, 1} if stream == "all" else {0 if stream == "stdout" else 1})
    events = _linear(case.data)
    expected = _expect(events, case.data, _printed(events, timestamps=timestamps, streams=streams))
    assert _cat(path, timestamps=timestamps, stream=stream) == expected


def _unix(timestamp_ns: int) -> str:
    """Unix seconds, exactly (``--since`` takes nanoseconds as a fraction)."""
    return f"{timestamp_ns // 10**9}.{timestamp_ns % 10**9:09d}"


@SETTINGS
@given(faulted_cases(), st.data())
def test_cat_window_prints_the_linear_filter(tmp_path_factory, case, data):
    events = _linear(case.data)
    stamps = sorted(e.timestamp_ns for e in events if isinstance(e, Entry)) or [0]
    since = data.draw(st.sampled_from(stamps))
    until = data.draw(st.one_of(st.none(), st.sampled_from(stamps)))
    timestamps = data.draw(st.booleans())
    path = _write(tmp_path_factory.mktemp("catwin"), case.data)
    expected = _expect(events, case.data, _printed(
        _window_reference(events, since, until), timestamps=timestamps, streams=frozenset({0, 1})
    ))
    got = _cat(path, timestamps=timestamps, since=_unix(since),
               until=None if until is None else _unix(until))
    assert got == expected


@settings(SETTINGS, max_examples=25)
@given(faulted_cases(max_writes=80), st.integers(1, 30), st.sampled_from(["all", "stdout", "stderr"]))
def test_cat_tail_prints_the_last_lines(tmp_path_factory, case, count, stream):
    path = _write(tmp_path_factory.mktemp("cattail"), case.data)
    streams = frozenset({0, 1} if stream == "all" else {0 if stream == "stdout" else 1})
    events = _linear(case.data)
    wanted = {e.offset for e in _tail_reference(events, count, streams)}
    kept = [e for e in events if not isinstance(e, Entry) or e.offset in wanted]
    first = min(wanted) if wanted else None
    kept = [e for e in kept if isinstance(e, Entry) or (first is not None and e.offset > first)]
    expected = _expect(events, case.data, _printed(kept, timestamps=True, streams=streams))
    assert _cat(path, tail=str(count), stream=stream, timestamps=True) == expected


@SETTINGS
@given(faulted_cases())
def test_stat_counts_the_linear_decode(tmp_path_factory, case):
    events = _linear(case.data)
    entries = [e for e in events if isinstance(e, Entry)]
    counts = count_file(str(_write(tmp_path_factory.mktemp("stat"), case.data)))
    assert counts.stdout_entries == sum(1 for e in entries if e.stream is Stream.STDOUT)
    assert counts.stderr_entries == sum(1 for e in entries if e.stream is Stream.STDERR)
    assert counts.payload_bytes == sum(len(e.message) for e in entries)
    assert counts.lines == len(faultlib.reference_lines(events))
    assert counts.complete_lines == sum(1 for line in faultlib.reference_lines(events) if line.complete)
    assert counts.damage.skipped_bytes == sum(e.length for e in events if isinstance(e, Skipped))


# -- follow: a growing file, read as it arrives ------------------------------------------------


@settings(SETTINGS, max_examples=30)
@given(faulted_cases(), st.data())
def test_follow_reads_what_arrives_as_the_decoder_does(tmp_path_factory, case, data):
    path = _write(tmp_path_factory.mktemp("follow"), b"")
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(case.data)), max_size=8))))
    events: list[object] = []
    with LogFile(path, cache=False) as log:
        follower = log.follow(0, poll_interval_s=0)
        written = 0
        for cut in [*cuts, len(case.data)]:
            with open(path, "ab") as out:
                out.write(case.data[written:cut])
            written = cut
            for _ in range(3):  # read what arrived, then idle polls (flushes)
                events += next(follower)
        follower.close()
    # Accepted early at a flush or not, every property of a good reading holds.
    report = faultlib.check(case, [e for e in events if not isinstance(e, SourceStatus)])
    assert {"lost", "phantoms", "glued"}.isdisjoint(report.failed()), report.describe()


# -- reading lines back by offset ----------------------------------------------------------------


@SETTINGS
@given(faulted_cases(), st.data())
def test_lines_read_back_by_offset_are_the_reference_lines(tmp_path_factory, case, data):
    reference = faultlib.reference_lines(_linear(case.data))
    chosen = []
    if reference:
        chosen = data.draw(st.lists(st.sampled_from(reference), unique_by=lambda line: line.offset))
    path = _write(tmp_path_factory.mktemp("readback"), case.data)
    fd = os.open(path, os.O_RDONLY)
    try:
        got = list(read_lines(fd, [line.offset for line in chosen]))
        for line in chosen[:3]:
            one = read_line(fd, line.offset)
            assert one is not None and (one.message, one.complete) == (line.message, line.complete)
    finally:
        os.close(fd)
    expected = sorted(chosen, key=lambda line: line.offset)
    assert [(line.offset, line.stream, line.message, line.complete) for line in got] == [
        (line.offset, line.stream, line.message, line.complete) for line in expected
    ]
