from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from iolog import Stream
from iolog.cli.stat import LogCounts, count_file
from iolog.core.format import encode_entry
from iolog.io import read_events

T0 = 1_700_000_000_000_000_000

entry_strategy = st.tuples(
    st.integers(min_value=-(10**12), max_value=10**12),  # offsets from T0: time goes back too
    st.sampled_from(list(Stream)),
    st.one_of(
        st.binary(max_size=60),  # empty entries, partial lines, binary
        st.binary(max_size=60).map(lambda text: text + b"\n"),
        st.just(b"x" * 4095),
    ),
)


def _build(entries: list[tuple[int, Stream, bytes]], garbage: list[tuple[int, bytes]]) -> bytes:
    chunks = [
        encode_entry(message, timestamp_ns=T0 + delta, stream=stream) for delta, stream, message in entries
    ]
    for position, junk in sorted(garbage, reverse=True):
        chunks.insert(min(position, len(chunks)), junk)
    return b"".join(chunks)


def _slow_counts(data: bytes) -> LogCounts:
    counts = LogCounts()
    counts.add_events(read_events(io.BytesIO(data)))
    return counts


@settings(max_examples=150, deadline=None)
@given(
    entries=st.lists(entry_strategy, max_size=300),
    garbage=st.lists(
        st.tuples(st.integers(min_value=0, max_value=300), st.binary(min_size=1, max_size=40)), max_size=3
    ),
    torn=st.integers(min_value=0, max_value=15),
)
def test_bulk_counts_equal_counting_every_event(tmp_path_factory, entries, garbage, torn):
    data = _build(entries, garbage)
    if torn:
        data += encode_entry(b"torn\n", timestamp_ns=T0)[:torn]
    path: Path = tmp_path_factory.mktemp("stat") / "log"
    path.write_bytes(data)
    fast = count_file(str(path))
    slow = _slow_counts(data)
    assert fast.report("log", len(data)) == slow.report("log", len(data))
    assert fast.read_bytes == slow.read_bytes


def test_bulk_counts_a_long_clean_log(tmp_path):
    entries = [
        (T0 + (i * 7919) % 10_000, Stream(i % 3 == 0), b"line %d\n" % i if i % 5 else b"part ")
        for i in range(50_000)
    ]
    data = _build(entries, [])
    path = tmp_path / "long.log"
    path.write_bytes(data)
    fast = count_file(str(path))
    assert fast.report("log", len(data)) == _slow_counts(data).report("log", len(data))
    assert fast.backward > 0 and fast.entries == 50_000


def test_stat_counts_lines_per_level_and_stderr_alone_is_no_error(tmp_path):
    import json
    import subprocess
    import sys

    path = tmp_path / "app.log"
    path.write_bytes(b"".join([
        encode_entry(b"ERROR db down\n", timestamp_ns=T0, stream=Stream.STDOUT),
        encode_entry(b"connection refused\n", timestamp_ns=T0 + 1, stream=Stream.STDERR),
        encode_entry(b'level=warn msg="slow"\n', timestamp_ns=T0 + 2, stream=Stream.STDERR),
        encode_entry(b"INFORMATION about ", timestamp_ns=T0 + 3, stream=Stream.STDOUT),
        encode_entry(b"errors mid-sentence\n", timestamp_ns=T0 + 4, stream=Stream.STDOUT),
        encode_entry(b"<3>disk failed\n", timestamp_ns=T0 + 5, stream=Stream.STDOUT),
    ]))
    plain = json.loads(subprocess.run([sys.executable, "-m", "iolog", "stat", "--json", str(path)],
                                      capture_output=True, check=True).stdout)
    assert not any(key.startswith("level_") for key in plain)  # counted only when asked for
    command = [sys.executable, "-m", "iolog", "stat", "--levels"]
    shown_json = subprocess.run([*command, "--json", str(path)], capture_output=True, check=True).stdout
    report = json.loads(shown_json)
    levels = {key: value for key, value in report.items() if key.startswith("level_")}
    assert levels == {"level_fatal": 0, "level_error": 2, "level_warn": 1, "level_info": 0, "level_debug": 0,
                      "level_trace": 0, "level_none": 2}
    text = subprocess.run([*command, str(path)], capture_output=True, check=True).stdout.decode()
    assert "level error" in text and "level none" in text
    shown = {line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1] for line in text.splitlines()}
    assert shown["level error"] == "2" and shown["level warn"] == "1" and shown["level none"] == "2"


def test_a_line_past_the_hold_limit_is_counted_once_by_its_level():
    from iolog import LogWriter
    from iolog.cli.levelcounts import LevelCounts
    from iolog.file.wholelines import HOLD_LIMIT_BYTES

    data = io.BytesIO()
    with LogWriter(data) as writer:
        writer.write(b"ERROR " + b"x" * (HOLD_LIMIT_BYTES + 5000) + b"\n")
        writer.write(b"level=warn done\n")
    counts = LogCounts(levels=LevelCounts())
    counts.add_events(read_events(io.BytesIO(data.getvalue())))
    report = counts.report("-", len(data.getvalue()))
    assert report["lines"] == 2
    assert (report["level_error"], report["level_warn"], report["level_none"]) == (1, 1, 0)
