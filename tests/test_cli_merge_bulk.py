"""``iolog cat A B C`` in bulk prints exactly the simplest correct reading of the merge.

The simplest correct reading: decode each log linearly (:class:`iolog.Decoder`),
keep the entries in the time window (``since <= time < until``) and every
damage event, assemble the lines (:func:`tests.faultlib.reference_lines`),
keep those of the streams asked for and, with ``--tail N``, the last N of
each log; then merge greedily: repeatedly the line whose first entry's time
is the smallest among the logs' next lines, the log given first on a tie
(:mod:`iolog.core.merge`'s rule). Printed as text (``NAME | `` padded to
the longest name, ``-t``'s docker time, a newline ending a line cut short;
stdout's lines to stdout and stderr's to stderr) or as docker JSON records.

The logs are random: times from a few values (ties across logs), clocks
that step back, lines split over entries (long lines, partial writes, the
other stream's entries in between), damage in one log, logs that start and
end at different times. stdout and stderr are real files, once the same
file and once two, so both ways the bulk printer writes are taken, with
the C speed-up and with its pure-Python twins.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iolog import Decoder, Entry, Stream, _native, format_docker_time
from iolog.cli.cat import cat_command
from iolog.core.dockerjson import json_record
from iolog.core.format import encode_entry
from tests import faultlib

T0 = 1_795_600_800 * 1_000_000_000  # 2026-11-25T10:00:00Z
NAMES = ("web", "db-primary", "q")
IMPLEMENTATIONS = [pytest.param(None, id="python")] + (
    [pytest.param(_native.BUILT, id="c")] if _native.BUILT is not None else []
)

# One written piece: (time step, stream, kind). Kinds: a line; a partial write the next
# piece of the same stream continues; an empty entry; a long line (two entries).
piece = st.tuples(st.integers(-3, 3), st.integers(0, 1),
                  st.sampled_from(["line", "line", "part", "empty", "long"]))


@st.composite
def logs(draw: st.DrawFn) -> list[bytes]:
    """Two or three logs; one may hold garbage or a torn tail."""
    count = draw(st.integers(2, 3))
    damaged = draw(st.integers(-1, count - 1))
    result = []
    for number in range(count):
        clock = T0 + draw(st.integers(0, 6))  # logs start at different times
        frames = [encode_entry(b"first %d\n" % number, timestamp_ns=clock)]
        for step, (jump, stream, kind) in enumerate(draw(st.lists(piece, max_size=14))):
            clock = max(T0, clock + jump)  # a few values: ties; negative steps: the clock steps back
            text = b"%s %d.%d" % (NAMES[number].encode(), number, step)
            if kind == "line":
                payloads = [text + b"\n"]
            elif kind == "part":
                payloads = [text]
            elif kind == "empty":
                payloads = [b""]
            else:
                payloads = [text + b"x" * (4095 - len(text)), b" end\n"]
            frames += [encode_entry(payload, timestamp_ns=clock, stream=Stream(stream))
                       for payload in payloads]
        if number == damaged:
            at = draw(st.integers(1, len(frames)))
            if draw(st.booleans()):
                frames.insert(at, b"garbage, no header here\n")
            else:
                frames = frames[:at] + [encode_entry(b"torn entry\n", timestamp_ns=clock)[:-4]]
        result.append(b"".join(frames))
    return result


def _events(data: bytes) -> list[object]:
    decoder = Decoder()
    return decoder.feed(data) + decoder.close()


def _reference(
    data: bytes, *, since: int | None, until: int | None, streams: frozenset[int], tail: int | None
) -> list[faultlib.RefLine]:
    kept = [
        event for event in _events(data)
        if not isinstance(event, Entry)
        or ((since is None or event.timestamp_ns >= since) and (until is None or event.timestamp_ns < until))
    ]
    lines = [line for line in faultlib.reference_lines(kept) if int(line.stream) in streams]
    if tail is not None:
        lines = lines[-tail:] if tail else []
    return lines


def _greedy(sources: list[list[faultlib.RefLine]]) -> list[tuple[int, faultlib.RefLine]]:
    heads = [0] * len(sources)
    merged = []
    while True:
        waiting = [(lines[heads[n]].timestamp_ns, n)
                   for n, lines in enumerate(sources) if heads[n] < len(lines)]
        if not waiting:
            return merged
        _, number = min(waiting)
        merged.append((number, sources[number][heads[number]]))
        heads[number] += 1


def _expected(
    merged: list[tuple[int, faultlib.RefLine]], names: list[str], *, json: bool, prefix: bool, stamps: bool
) -> list[tuple[int, bytes]]:
    """``(output, bytes)`` per line: 0 for stdout, 1 for stderr."""
    width = max(len(name) for name in names)
    printed = []
    for number, line in merged:
        if json:
            record = json_record(line.message, line.stream, line.timestamp_ns, {"source": names[number]})
            printed.append((0, record))
            continue
        text = line.message if line.message.endswith(b"\n") else line.message + b"\n"
        if stamps:
            text = format_docker_time(line.timestamp_ns).encode() + b" " + text
        if prefix:
            text = f"{names[number]:<{width}} | ".encode() + text
        printed.append((int(line.stream), text))
    return printed


@contextmanager
def _outputs(folder: Path, same: bool) -> Iterator[tuple[Path, Path]]:
    """stdout and stderr as real files: one file for both, or two."""
    out_path, err_path = folder / "out", folder / ("out" if same else "err")
    saved = sys.stdout, sys.stderr
    files = [open(out_path, "wb")]  # noqa: SIM115 (closed below)
    if not same:
        files.append(open(err_path, "wb"))  # noqa: SIM115
    wrappers = [io.TextIOWrapper(file, write_through=True) for file in files]
    sys.stdout, sys.stderr = wrappers[0], wrappers[-1]
    try:
        yield out_path, err_path
    finally:
        sys.stdout, sys.stderr = saved
        for wrapper in wrappers:
            wrapper.flush()
            wrapper.close()


def _unix(timestamp_ns: int) -> str:
    return f"{timestamp_ns // 10**9}.{timestamp_ns % 10**9:09d}"


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=logs(), choices=st.data())
def test_merged_output_is_the_greedy_merge_of_the_reference_lines(
    tmp_path_factory, implementation, data, choices
):
    folder = tmp_path_factory.mktemp("bulk")
    paths = []
    for number, content in enumerate(data):
        path = folder / f"{NAMES[number]}.log"
        path.write_bytes(content)
        paths.append(path)
    times = sorted({T0 + offset for offset in range(-1, 30)})
    since = choices.draw(st.one_of(st.none(), st.sampled_from(times)), label="since")
    until = choices.draw(st.one_of(st.none(), st.sampled_from(times)), label="until")
    tail = choices.draw(st.one_of(st.none(), st.integers(0, 6)), label="tail")
    stream = choices.draw(st.sampled_from(["all", "stdout", "stderr"]), label="stream")
    json = choices.draw(st.booleans(), label="json")
    stamps = choices.draw(st.booleans(), label="-t")
    prefix = choices.draw(st.booleans(), label="prefix")
    same = choices.draw(st.booleans(), label="one file for stdout and stderr")
    streams = frozenset({0, 1} if stream == "all" else {0 if stream == "stdout" else 1})

    names = [path.stem for path in paths]
    merged = _greedy([_reference(content, since=since, until=until, streams=streams, tail=tail)
                      for content in data])
    expected = _expected(merged, names, json=json, prefix=prefix, stamps=stamps)

    args = argparse.Namespace(
        source=[str(path) for path in paths], timestamps=stamps,
        since=None if since is None else _unix(since), until=None if until is None else _unix(until),
        tail=None if tail is None else str(tail),
        follow=False, stream=stream, baud=115200, save=None, no_reconnect=False, quiet=True, raw=True,
        format="json" if json else "text", no_log_prefix=not prefix, no_color=True,
    )
    with _native.use(implementation), _outputs(folder, same) as (out_path, err_path):
        assert cat_command(args) == 0
    if same or json:
        assert out_path.read_bytes() == b"".join(text for _, text in expected)
    else:
        assert out_path.read_bytes() == b"".join(text for output, text in expected if output == 0)
        assert err_path.read_bytes() == b"".join(text for output, text in expected if output == 1)
    if not same:
        os.remove(err_path)
