"""Trustworthy reading of damaged logs: the fault corpus and hypothesis properties, on the Decoder.

This module owns the hypothesis strategies that build faulted logs, and the
tests that run the fixed corpus (``faultlib.corpus()``) and those strategies
through the decoder's reading paths. The properties, defined exactly in
``tests/faultlib.py``:

* ``lost`` (P1): every intact written entry not adjacent to damage is decoded
  exactly once, at its offset, with its own timestamp, stream and payload.
* ``phantoms`` (P2): no decoded entry that was not written at that offset,
  unless it lies wholly inside a damaged entry's own bytes; none with reserved
  flags set or a timestamp outside ``(0, 2**62)``.
* ``glued`` (P3): no line of ``faultlib.reference_lines`` joins two written
  lines, or a phantom and a real entry.
* ``accounting``: the events cover every input byte exactly once, in order.
* ``same-events``: feeding in chunks or byte by byte gives the events of one feed.

Reading paths: ``whole`` (one feed), ``chunks`` (random splits and entry
boundaries), ``bytes`` (one byte per feed; small cases), ``flush`` (chunks
with ``flush()`` between some of them, as a live source calls it when idle).
To run the same corpus on another reading path, give ``faultlib.check_path``
a function from bytes to events.
"""

from __future__ import annotations

import functools
import random

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from iolog import Entry, Skipped, Stream, Truncated
from tests import faultlib
from tests.faultlib import FAULT_CLASSES, PAYLOAD_KINDS, Case, Event
from tests.wire_vectors import WRITTEN

#: Cases fed one byte at a time must be at most this long.
BYTEWISE_LIMIT = 32 * 1024

SETTINGS = settings(
    derandomize=True,
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    # No explain phase: tracing every line of a failing example costs seconds per failing test.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)


# -- strategies ----------------------------------------------------------------------------------


@st.composite
def clean_logs(
    draw: st.DrawFn, max_writes: int = 30, kinds: tuple[str, ...] = (*PAYLOAD_KINDS, "flush")
) -> list[faultlib.Written]:
    """Entries of a clean log: both streams, the given payload kinds, either era."""
    plan = draw(
        st.lists(st.tuples(st.sampled_from(list(Stream)), st.sampled_from(kinds)), min_size=2,
                 max_size=max_writes)
    )
    era = draw(st.sampled_from(sorted(faultlib.ERAS)))
    seed = draw(st.integers(0, 2**32 - 1))
    return faultlib.clean_case(random.Random(seed), plan, era)


@st.composite
def faulted_cases(
    draw: st.DrawFn,
    classes: tuple[str, ...] = FAULT_CLASSES,
    max_faults: int = 3,
    max_writes: int = 30,
    kinds: tuple[str, ...] = (*PAYLOAD_KINDS, "flush"),
    hole_sizes: tuple[int, int] = (4096, 65536),
) -> Case:
    """A clean log with 1 to ``max_faults`` faults of the given classes."""
    written = draw(clean_logs(max_writes, kinds))
    faults = draw(st.lists(st.sampled_from(classes), min_size=1, max_size=max_faults))
    seed = draw(st.integers(0, 2**32 - 1))
    return faultlib.make_case("hypothesis", written, faults, random.Random(seed), hole_sizes=hole_sizes)


def small_cases() -> st.SearchStrategy[Case]:
    """Faulted logs small enough to feed one byte at a time."""
    kinds = ("text", "multi", "empty", "partial", "binary", "crlf", "forged", "flush")
    return faulted_cases(max_writes=10, kinds=kinds, hole_sizes=(4096, 4096)).filter(
        lambda case: len(case.data) <= BYTEWISE_LIMIT
    )


def boundaries(case: Case) -> list[int]:
    """Where the case's written entries start and end in the damaged file."""
    return sorted({t.offset for t in case.truth} | {t.end for t in case.truth} | {len(case.data)})


@st.composite
def split_points(draw: st.DrawFn, case: Case) -> list[int]:
    """Offsets to split the input at: random ones, entry boundaries, and ends that headers claim."""
    points = draw(st.lists(st.integers(0, len(case.data)), max_size=30))
    for choices in (boundaries(case), faultlib.claimed_ends(case.data)):
        if choices:
            points += draw(st.lists(st.sampled_from(choices), max_size=20))
    return sorted(set(points))


def _assert_ok(case: Case, events: list[Event]) -> None:
    report = faultlib.check(case, events)
    ok = report.ok
    shown = f"\ndata={case.data!r}" if len(case.data) <= 1500 else ""
    assert ok, f"{case!r}\n{report.describe()}{shown}"


# -- the model itself: what the properties stand on ----------------------------------------------


@pytest.mark.parametrize("vector", WRITTEN, ids=lambda v: v.name)
def test_model_writer_writes_what_vics_writer_wrote(vector):
    assert vector.writes is not None and vector.clock_ns is not None
    clock_ns = vector.clock_ns
    written = faultlib.write_log([(Stream.STDOUT, w) for w in vector.writes], lambda: clock_ns)
    assert b"".join(w.encode() for w in written) == vector.data


@SETTINGS
@given(faulted_cases())
def test_ground_truth_describes_the_damaged_bytes(case):
    offsets = [t.offset for t in case.truth]
    assert offsets == sorted(offsets)
    for truth in case.truth:
        assert case.data[truth.offset : truth.end] == truth.data
        assert truth.damaged == (truth.data != truth.written.encode())
        assert not truth.damaged or truth.adjacent
    if set(case.faults) <= {"forged"}:
        assert not any(t.adjacent for t in case.truth)


@SETTINGS
@given(faulted_cases())
def test_the_properties_can_be_met(case):
    report = faultlib.check(case, faultlib.truth_events(case))
    assert report.ok, report.describe()


@SETTINGS
@given(clean_logs(), st.data())
def test_clean_logs_read_exactly_on_every_path(written, data):
    case = faultlib.make_case("clean", written, [], random.Random(0))
    whole = faultlib.decode_whole(case.data)
    assert whole == [
        Entry(t.written.timestamp_ns, t.written.stream, t.written.payload, 0, t.offset) for t in case.truth
    ]
    cuts = data.draw(split_points(case))
    assert faultlib.decode_chunks(case.data, cuts) == whole
    flushes = data.draw(split_points(case))
    _assert_ok(case, faultlib.decode_with_flushes(case.data, cuts, flushes))


def _lines_case() -> Case:
    writes = [(Stream.STDOUT, b"one\n"), (Stream.STDOUT, b"two\n"), (Stream.STDERR, b"err\n")]
    return faultlib.make_case("three", faultlib.steady_log(writes), [], random.Random(0))


def test_checker_counts_a_missing_entry_as_lost_and_a_gap():
    case = _lines_case()
    events = faultlib.decode_whole(case.data)
    report = faultlib.check(case, [events[0], events[2]])
    assert (report.lost, report.accounting) == (1, 1)


def test_checker_counts_a_changed_entry_as_lost_and_phantom():
    case = _lines_case()
    events = faultlib.decode_whole(case.data)
    first = events[0]
    assert isinstance(first, Entry)
    changed = Entry(first.timestamp_ns, first.stream, b"One\n", 0, first.offset)
    report = faultlib.check(case, [changed, *events[1:]])
    assert (report.lost, report.phantoms, report.accounting) == (1, 1, 0)


def test_checker_counts_flags_and_implausible_times_as_phantoms():
    case = _lines_case()
    events = faultlib.decode_whole(case.data)
    first = events[0]
    assert isinstance(first, Entry)
    for bad in (Entry(first.timestamp_ns, first.stream, first.message, 1, first.offset),
                Entry(0, first.stream, first.message, 0, first.offset)):
        assert faultlib.check(case, [bad, *events[1:]]).phantoms == 1


def test_checker_counts_duplicates():
    case = _lines_case()
    events = faultlib.decode_whole(case.data)
    report = faultlib.check(case, [events[0], events[0], *events[1:]])
    assert (report.duplicated, report.accounting) == (1, 1)


def test_checker_counts_a_phantom_joined_to_a_real_line_as_glued():
    case = _lines_case()
    events = faultlib.decode_whole(case.data)
    phantom = Entry(1, Stream.STDOUT, b"", 0, 0)  # size 0: no newline, continues into "one\n"
    report = faultlib.check(case, [phantom, *events])
    assert (report.phantoms, report.glued) == (1, 1)


def test_a_newline_lost_in_an_undetectable_flip_is_not_glue():
    written = faultlib.steady_log([(Stream.STDOUT, b"one\n"), (Stream.STDOUT, b"two\n")])
    injector = faultlib.Injector(written, random.Random(0))
    injector.flip(offset=len(written[0].encode()) - 1, value=ord("X"))
    case = injector.finish("flip-newline")
    report = faultlib.check_path(case, faultlib.decode_whole)
    assert report.ok, report.describe()
    assert len(faultlib.reference_lines(faultlib.decode_whole(case.data))) == 1


def test_a_newline_lost_to_a_shorter_size_is_glue_when_joined():
    written = faultlib.steady_log([(Stream.STDOUT, b"one\n"), (Stream.STDOUT, b"two\n")])
    injector = faultlib.Injector(written, random.Random(0))
    injector.size_corrupt(entry=0, size=3)
    case = injector.finish("size-minus-one")
    first = written[0]
    joined = [Entry(first.timestamp_ns, first.stream, b"one", 0, 0),
              Entry(written[1].timestamp_ns, Stream.STDOUT, b"two\n", 0, 20)]
    report = faultlib.check(case, joined)
    assert (report.glued, report.phantoms, report.lost, report.accounting) == (1, 0, 0, 1)


def _torn_then_noise() -> Case:
    """Entry 1 torn after 3 payload bytes; boot noise completes its claim with a newline."""
    written = faultlib.steady_log([(Stream.STDOUT, b"one\n"), (Stream.STDOUT, b"twenty two\n"),
                                   (Stream.STDOUT, b"three\n")])
    injector = faultlib.Injector(written, random.Random(0))
    injector.torn(entry=1, keep=faultlib.HDR + 3, then="next")
    injector.insert(injector.piece_of(1) + 1, b"abcdefg\n####", "torn")
    return injector.finish("torn-then-completing-noise")


def test_a_torn_entry_that_noise_completes_is_marked_and_no_phantom():
    case = _torn_then_noise()
    events = faultlib.decode_whole(case.data)
    torn = events[1]
    assert isinstance(torn, Entry) and torn.message == b"tweabcdefg\n"  # what the bytes say
    assert events[2] == Skipped(torn.end_offset, 4)
    report = faultlib.check(case, events)
    assert report.ok, report.describe()
    assert (report.marked, report.marked_torn, report.phantoms) == (1, 1, 0)


def test_an_unmarked_or_foreign_entry_before_damage_is_still_a_phantom():
    case = _torn_then_noise()
    events = faultlib.decode_whole(case.data)
    torn = events[1]
    assert isinstance(torn, Entry)
    # Without the skipped bytes after it, nothing marks it: a phantom.
    unmarked = [*events[:2], Skipped(torn.end_offset + 1, 3), *events[3:]]
    assert faultlib.check(case, unmarked).phantoms == 1
    # Marked, but not the torn entry's own header: a phantom.
    other = Entry(torn.timestamp_ns + 1, torn.stream, torn.message, 0, torn.offset)
    assert faultlib.check(case, [events[0], other, *events[2:]]).phantoms == 1


def test_a_marked_entry_with_a_changed_header_or_changed_bytes_is_a_phantom():
    """The mark excuses only the torn entry's own header and bytes, as written."""
    lines = [(Stream.STDOUT, b"line %d\n" % i) for i in range(3)]
    # Its size field changed (3 -> 16), so that its claim takes in the noise after it.
    written = faultlib.steady_log([*lines, (Stream.STDOUT, b"abc"), (Stream.STDOUT, None),
                                   (Stream.STDOUT, b"def\n")])
    injector = faultlib.Injector(written, random.Random(1))
    injector.size_corrupt(entry=3, size=16)
    injector.insert(injector.piece_of(3) + 1, b"BOOT garbage\n\x00\x00\xff", "noise")
    resized = injector.finish("size-into-noise")
    # Torn after five bytes, one of which flipped, and noise completing its claim.
    written = faultlib.steady_log([*lines, (Stream.STDOUT, b"abcdefgh\n"), (Stream.STDOUT, b"after\n")])
    injector = faultlib.Injector(written, random.Random(1))
    injector.torn(entry=3, keep=faultlib.HDR + 5, then="next")
    injector.insert(injector.piece_of(3) + 1, b"XYZ\n\x00\xff\x00", "noise")
    injector.flip(offset=injector.starts()[injector.piece_of(3)] + faultlib.HDR + 1, value=ord("Q"))
    flipped = injector.finish("torn-flipped-then-noise")
    for case, message in ((resized, b"abcBOOT garbage\n"), (flipped, b"aQcdeXYZ\n")):
        events = faultlib.decode_whole(case.data)
        assert [e.message for e in events if isinstance(e, Entry)][3] == message
        report = faultlib.check(case, events)
        assert (report.marked, report.marked_torn, report.phantoms) == (1, 0, 1), report.describe()


def test_reference_lines_join_per_stream_and_break_at_damage():
    events = [
        Entry(10, Stream.STDOUT, b"a", 0, 0),
        Entry(11, Stream.STDERR, b"E\n", 0, 17),
        Entry(12, Stream.STDOUT, b"b\n", 0, 35),
        Entry(13, Stream.STDOUT, b"c", 0, 53),
        Skipped(70, 3),
        Entry(14, Stream.STDOUT, b"d\n", 0, 73),
        Truncated(91, 5),
    ]
    lines = faultlib.reference_lines(events)
    assert [(line.stream, line.message, line.complete, line.entry_offsets, line.timestamp_ns)
            for line in lines] == [
        (Stream.STDOUT, b"ab\n", True, (0, 35), 10),
        (Stream.STDERR, b"E\n", True, (17,), 11),
        (Stream.STDOUT, b"c", False, (53,), 13),
        (Stream.STDOUT, b"d\n", True, (73,), 14),
    ]


def test_corpus_is_deterministic():
    assert [(c.name, c.data) for c in faultlib.corpus(1)] == [(c.name, c.data) for c in faultlib.corpus(1)]


# -- the fixed corpus on the decoder -------------------------------------------------------------

CORPUS = {case.name: case for case in faultlib.corpus()}
PATHS = ("whole", "chunks", "bytes", "flush")


@functools.cache
def _events(name: str, path: str) -> list[Event]:
    case = CORPUS[name]
    rng = random.Random(f"{name}/{path}")
    points = [rng.randrange(len(case.data) + 1) for _ in range(24)]
    for choices in (boundaries(case), faultlib.claimed_ends(case.data)):
        points += rng.sample(choices, min(len(choices), 24))
    if path == "whole":
        return faultlib.decode_whole(case.data)
    if path == "chunks":
        return faultlib.decode_chunks(case.data, points)
    if path == "bytes":
        return faultlib.decode_bytewise(case.data)
    flushes = rng.sample(points, len(points) // 2)
    return faultlib.decode_with_flushes(case.data, points, flushes)


@functools.cache
def _report(name: str, path: str) -> faultlib.Report:
    return faultlib.check(CORPUS[name], _events(name, path))


def _corpus_items() -> list[tuple[str, str, str]]:
    items = []
    for name, case in CORPUS.items():
        for path in PATHS:
            if path == "bytes" and len(case.data) > BYTEWISE_LIMIT:
                continue
            props = [*faultlib.PROPERTIES]
            if path in ("chunks", "bytes"):
                props.append("same-events")
            items += [(name, path, prop) for prop in props]
    return items


@pytest.mark.parametrize(("name", "path", "prop"), _corpus_items(), ids=lambda x: x)
def test_corpus(name: str, path: str, prop: str) -> None:
    if prop == "same-events":
        assert _events(name, path) == _events(name, "whole")
        return
    report = _report(name, path)
    ok = prop not in report.failed()
    assert ok, f"{CORPUS[name]!r}\n{report.describe()}"


# -- hypothesis: faulted logs on the decoder -----------------------------------------------------


@pytest.mark.parametrize("fault", FAULT_CLASSES)
@settings(SETTINGS, max_examples=40)
@given(data=st.data())
def test_each_fault_class_whole(fault, data):
    case = data.draw(faulted_cases(classes=(fault,), max_faults=2))
    _assert_ok(case, faultlib.decode_whole(case.data))


@pytest.mark.parametrize("fault", FAULT_CLASSES)
@settings(SETTINGS, max_examples=30)
@given(data=st.data())
def test_each_fault_class_flush(fault, data):
    case = data.draw(faulted_cases(classes=(fault,), max_faults=2))
    cuts = data.draw(split_points(case))
    flushes = data.draw(st.lists(st.sampled_from(cuts), max_size=len(cuts))) if cuts else []
    _assert_ok(case, faultlib.decode_with_flushes(case.data, cuts, flushes))


@SETTINGS
@given(faulted_cases())
def test_faults_whole(case):
    _assert_ok(case, faultlib.decode_whole(case.data))


@SETTINGS
@given(faulted_cases(), st.data())
def test_faults_chunks(case, data):
    events = faultlib.decode_chunks(case.data, data.draw(split_points(case)))
    assert events == faultlib.decode_whole(case.data)
    _assert_ok(case, events)


@SETTINGS
@given(faulted_cases(), st.data())
def test_faults_flush(case, data):
    cuts = data.draw(split_points(case))
    flushes = data.draw(st.lists(st.sampled_from(cuts), max_size=len(cuts))) if cuts else []
    _assert_ok(case, faultlib.decode_with_flushes(case.data, cuts, flushes))


@settings(SETTINGS, max_examples=40)
@given(small_cases())
def test_faults_bytewise(case):
    events = faultlib.decode_bytewise(case.data)
    assert events == faultlib.decode_whole(case.data)
    _assert_ok(case, events)

