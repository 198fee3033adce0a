"""The C merge of several logs' lines and its pure-Python twins give identical results.

``line_spans``, ``running_max``, ``merge_runs`` and ``gather_lines`` (in
``iolog/_speedups_merge.c``) are run beside their twins
(:func:`iolog.file.wholelines.line_spans_python`,
:func:`iolog.core.mergespans.running_max_python` and ``merge_runs_python``,
:func:`iolog.cli.spangather.gather_lines_python`) on hypothesis-made
columns: header records with any times and flags, line starts anywhere,
keys with many ties, lines of several segments, empty lines, runs in any
order. Indices out of range, short columns and wrong types must raise,
never crash (CI runs this module under AddressSanitizer and
UndefinedBehaviorSanitizer). Skipped when the extension is not built.
"""

from __future__ import annotations

import struct
from array import array

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iolog import _native
from iolog.cli.spangather import Lane, gather_lines_python
from iolog.core.mergespans import merge_runs_python, running_max_python
from iolog.file.wholelines import line_spans_python

NATIVE = _native.BUILT
pytestmark = pytest.mark.skipif(NATIVE is None, reason="the C speed-up is not built (no C compiler?)")
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
INT64 = st.integers(-(1 << 63), (1 << 63) - 1)
T0 = 1_795_600_800 * 1_000_000_000


def _int64s(values: list[int]) -> bytes:
    return array("q", values).tobytes()


def _both(name: str, python_twin, *args):
    """The twin's result or exception type, and the C function's."""
    results = []
    for function in (python_twin, getattr(NATIVE, name)):
        try:
            results.append(function(*args))
        except ValueError:
            results.append(ValueError)
    return results


@SETTINGS
@given(st.lists(st.tuples(INT64, st.integers(0, 0xFFFF), st.integers(0, 1)), max_size=40), st.data())
def test_line_spans_equal(records, data):
    raw = b"".join(struct.pack("<qHxx", stamp, bits) for stamp, bits, _ in records)
    starts_line = bytes(start for _, _, start in records)
    count = len(records)
    first = data.draw(st.integers(0, count + 1))
    stop = data.draw(st.integers(first - 1, count + 1))
    which = data.draw(st.sampled_from([0, 1, 2, 2, 3, -1]))
    python, native = _both("line_spans", line_spans_python, raw, starts_line, first, stop, which)
    assert python == native


@SETTINGS
@given(st.lists(INT64, max_size=40), st.one_of(st.none(), INT64))
def test_running_max_equal(stamps, initial):
    python, native = _both("running_max", running_max_python, _int64s(stamps), initial)
    assert python == native


@st.composite
def lanes_of_keys(draw: st.DrawFn) -> list[tuple[bytes, int, int]]:
    lanes = []
    for _ in range(draw(st.integers(0, 6))):
        keys = sorted(draw(st.lists(st.integers(0, 12), max_size=15)))  # few values: ties
        first = draw(st.integers(0, len(keys)))
        stop = draw(st.integers(first, len(keys)))
        lanes.append((_int64s(keys), first, stop))
    return lanes


@SETTINGS
@given(lanes_of_keys())
def test_merge_runs_equal(lanes):
    python, native = _both("merge_runs", merge_runs_python, lanes)
    assert python == native


@st.composite
def gather_cases(draw: st.DrawFn) -> tuple[list[Lane], bytes]:
    lanes: list[Lane] = []
    for number in range(draw(st.integers(1, 4))):
        skip = draw(st.sampled_from([0, 16]))
        pieces = st.sampled_from([b"", b"a", b"line\n", b"\n", b"part", b"x\ny"])
        segments = draw(st.lists(pieces, max_size=12))
        data = bytearray()
        bounds = [0]
        for segment in segments:
            data += b"H" * skip + segment
            bounds.append(len(data))
        lines = []
        for _ in range(draw(st.integers(0, 8))):
            first = draw(st.integers(0, len(segments)))
            lines.append((first, draw(st.integers(first, len(segments)))))
        stamps = [T0 + draw(st.integers(-(10**12), 10**12)) for _ in lines]
        streams = bytes(draw(st.integers(0, 1)) for _ in lines)
        prefix = draw(st.sampled_from([b"", b"web | ", b"\x1b[36mdb | \x1b[0m"]))
        lanes.append((bytes(data), skip, array("q", bounds), _int64s([f for f, _ in lines]),
                      _int64s([s for _, s in lines]), _int64s(stamps), streams, prefix + b"%d" % number))
    runs = []
    for _ in range(draw(st.integers(0, 10))):
        number = draw(st.integers(0, len(lanes) - 1))
        count = len(lanes[number][6])
        first = draw(st.integers(0, count))
        runs += [number, first, draw(st.integers(first, count))]
    return lanes, _int64s(runs)


@SETTINGS
@given(gather_cases(), st.sampled_from([0, 1, 2]), st.booleans())
def test_gather_lines_equal(case, which, stamped):
    lanes, runs = case
    python, native = _both("gather_lines", gather_lines_python, lanes, runs, which, stamped)
    assert python == native


@SETTINGS
@given(gather_cases(), st.sampled_from(["bounds", "end", "firsts", "stops", "skip", "stamps", "run"]),
       st.sampled_from([-1, 1 << 40, -(1 << 62), (1 << 63) - 1]))
def test_gather_lines_refuses_what_is_out_of_range(case, field, bad):
    lanes = list(case[0])
    data, skip, bounds, firsts, stops, stamps, streams, prefix = lanes[0]
    # Line 0 of lane 0 is one segment of at least a byte past its header, and the runs print it.
    data += b"H" * skip + b"z\n"
    bounds = array("q", [*bounds, len(data)])
    segment = len(bounds) - 2
    firsts, stops = _int64s([segment]) + firsts[8:], _int64s([segment + 1]) + stops[8:]
    if not streams:
        stamps, streams = _int64s([T0]), b"\0"
    lanes[0] = (data, skip, bounds, firsts, stops, stamps, streams, prefix)
    runs = _int64s([0, 0, 1])
    assert NATIVE.gather_lines(lanes, runs, 2, True).endswith(b"z\n")  # whole, it prints
    bounds = array("q", bounds)
    if field == "bounds":
        bounds[segment] = bad
    elif field == "end":
        bounds[segment + 1] = bad
    elif field == "firsts":
        firsts = _int64s([bad]) + firsts[8:]
    elif field == "stops":
        stops = _int64s([bad]) + stops[8:]
    elif field == "skip":
        skip = max(abs(bad), 1 << 20)  # more than the segment holds
    elif field == "stamps":
        stamps = stamps[:-1]
    else:
        runs = _int64s([0, 0, bad])
    lanes[0] = (data, skip, bounds, firsts, stops, stamps, streams, prefix)
    with pytest.raises(ValueError):
        NATIVE.gather_lines(lanes, runs, 2, True)


def test_bad_arguments_raise():
    with pytest.raises(TypeError):
        NATIVE.merge_runs(((b"", 0, 0),))
    with pytest.raises(TypeError):
        NATIVE.merge_runs([[b"", 0, 0]])
    with pytest.raises(ValueError):
        NATIVE.merge_runs([(b"1234567", 0, 0)])
    with pytest.raises(ValueError):
        NATIVE.merge_runs([(_int64s([1, 2]), 1, 3)])
    with pytest.raises(ValueError):
        NATIVE.running_max(b"123", None)
    with pytest.raises(TypeError):
        NATIVE.gather_lines([(b"",)], b"", 2, False)
    with pytest.raises(TypeError):
        NATIVE.gather_lines([(b"", 0, [0], b"", b"", b"", b"", b"")], b"", 2, False)
    with pytest.raises(ValueError):
        NATIVE.gather_lines([], b"12345678", 2, False)
    with pytest.raises(ValueError):
        NATIVE.gather_lines([], b"", 3, False)
    with pytest.raises(ValueError):
        NATIVE.line_spans(b"", b"", 0, 1, 2)
