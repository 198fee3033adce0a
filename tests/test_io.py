from __future__ import annotations

import io
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iolog import DecodeError, Entry, LogWriter, Stream, read_entries
from iolog.core.format import encode_entry
from iolog.io import LogReader, read_events
from tests.wire_vectors import VECTORS, WRITTEN

T0 = 1_700_000_000_000_000_000


class Clock:
    """A clock that ticks one nanosecond per reading."""

    def __init__(self, start: int = T0) -> None:
        self.now = start

    def __call__(self) -> int:
        self.now += 1
        return self.now


@pytest.mark.parametrize("vector", WRITTEN, ids=lambda v: v.name)
def test_writer_matches_vic_byte_for_byte(vector):
    sink = io.BytesIO()
    with LogWriter(sink, clock=lambda: vector.clock_ns) as writer:
        for chunk in vector.writes:
            assert writer.write(chunk) == len(chunk)
    assert sink.getvalue() == vector.data


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_reader_returns_the_payloads(vector):
    expected = b"".join(vector.messages)
    assert LogReader(io.BytesIO(vector.data)).read() == expected
    reader = LogReader(io.BytesIO(vector.data))
    small = b"".join(iter(lambda: reader.read(7), b""))
    assert small == expected
    assert reader.skipped_bytes == vector.skipped_bytes
    if vector.writes is not None:
        assert expected == b"".join(vector.writes)


def test_reader_timestamps_each_logical_line_once():
    sink = io.BytesIO()
    out = LogWriter(sink, clock=lambda: 1_136_214_245_000_000_007)
    err = LogWriter(sink, stream=Stream.STDERR, clock=lambda: 1_136_214_245_000_000_009)
    out.write(b"a" * 5000 + b"\n")  # two entries, one line
    err.write(b"oops\n")
    out.write(b"end")
    out.close()
    err.close()
    text = LogReader(io.BytesIO(sink.getvalue()), timestamps=True).read()
    stamp_out, stamp_err = b"2006-01-02T15:04:05.000000007Z ", b"2006-01-02T15:04:05.000000009Z "
    assert text == stamp_out + b"a" * 5000 + b"\n" + stamp_err + b"oops\n" + stamp_out + b"end"


def test_vic_style_timestamps_for_short_lines():
    vector = next(v for v in VECTORS if v.name == "stderr-spec")
    lines = LogReader(io.BytesIO(vector.data), timestamps=True).read().splitlines()
    assert lines[1] == b"1976-01-22T21:15:00.000000001Z stderr line"


def test_writer_keeps_partial_line_until_flush():
    sink = io.BytesIO()
    writer = LogWriter(sink, clock=Clock())
    writer.write(b"prompt> ")
    assert sink.getvalue() == b"" and writer.pending == 8
    writer.flush()
    (entry,) = read_entries(io.BytesIO(sink.getvalue()))
    assert entry.message == b"prompt> " and entry.timestamp_ns == T0 + 1
    writer.close()
    assert writer.closed
    with pytest.raises(ValueError):
        writer.write(b"x")


def test_entry_is_stamped_when_it_is_emitted():
    sink = io.BytesIO()
    clock = Clock()
    writer = LogWriter(sink, clock=clock)
    writer.write(b"par")
    clock.now += 1000
    writer.write(b"tial\nnext\n")  # a line's time is when its newline arrived
    clock.now += 1000
    writer.write(b"tail")
    clock.now += 1000
    writer.close()  # the trailing partial line is stamped at close
    got = [(e.message, e.timestamp_ns - T0) for e in read_entries(io.BytesIO(sink.getvalue()))]
    assert got == [(b"partial\n", 1001), (b"next\n", 1002), (b"tail", 3003)]


def test_close_sink_option():
    sink = io.BytesIO()
    LogWriter(sink).close()
    assert not sink.closed
    LogWriter(sink, close_sink=True).close()
    assert sink.closed


class FlakySink(io.RawIOBase):
    """Fails while ``broken`` is set; otherwise writes at most ``limit`` bytes a call."""

    def __init__(self, limit: int = 1 << 30) -> None:
        self.data = bytearray()
        self.broken = False
        self.limit = limit

    def writable(self) -> bool:
        return True

    def write(self, b):  # type: ignore[override]
        if self.broken:
            raise OSError(28, "No space left on device")
        chunk = bytes(b)[: self.limit]
        self.data += chunk
        return len(chunk)


def test_a_failing_sink_loses_nothing():
    sink = FlakySink()
    writer = LogWriter(sink, clock=Clock())
    writer.write(b"one\n")
    sink.broken = True
    with pytest.raises(OSError):
        writer.write(b"two\nthree\n")
    with pytest.raises(OSError):
        writer.flush()
    assert writer.pending > 0
    sink.broken = False
    writer.write(b"four\n")
    writer.close()
    got = [e.message for e in read_entries(io.BytesIO(bytes(sink.data)))]
    assert got == [b"one\n", b"two\n", b"three\n", b"four\n"]


def test_take_unwritten_returns_framed_bytes():
    sink = FlakySink()
    sink.broken = True
    writer = LogWriter(sink, clock=Clock())
    with pytest.raises(OSError):
        writer.write(b"kept\npartial")
    kept = writer.take_unwritten()
    assert [e.message for e in read_entries(io.BytesIO(kept))] == [b"kept\n", b"partial"]
    assert writer.pending == 0


def test_short_writes_are_completed():
    sink = FlakySink(limit=5)
    with LogWriter(sink, clock=Clock()) as writer:
        writer.write(b"a somewhat longer line\n")
    assert [e.message for e in read_entries(io.BytesIO(bytes(sink.data)))] == [
        b"a somewhat longer line\n"
    ]


def test_two_writers_on_one_sink_never_tear_frames():
    sink = io.BytesIO()
    writers = [LogWriter(sink, stream=s, clock=Clock()) for s in Stream]
    lines = 2000

    def run(writer: LogWriter) -> None:
        for i in range(lines):
            writer.write(f"{writer.stream.name} {i} ".encode() + b"x" * (i % 50) + b"\n")

    threads = [threading.Thread(target=run, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for writer in writers:
        writer.close()
    events = list(read_events(io.BytesIO(sink.getvalue())))
    assert all(isinstance(e, Entry) for e in events)
    for stream in Stream:
        got = [e.message for e in events if isinstance(e, Entry) and e.stream is stream]
        assert got == [f"{stream.name} {i} ".encode() + b"x" * (i % 50) + b"\n" for i in range(lines)]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=10000), st.lists(st.integers(min_value=0, max_value=5000), max_size=12))
def test_write_read_round_trip_any_chunking(payload, cuts):
    sink = io.BytesIO()
    writer = LogWriter(sink, clock=Clock())
    start = 0
    for cut in sorted(cuts):
        writer.write(payload[start:cut])
        start = max(start, cut)
    writer.write(payload[start:])
    writer.close()
    assert LogReader(io.BytesIO(sink.getvalue())).read() == payload
    for entry in read_entries(io.BytesIO(sink.getvalue())):
        assert len(entry.message) <= 4095
        assert b"\n" not in entry.message[:-1]


def test_read_entries_window_is_a_linear_filter(tmp_path):
    stamps = [10, 20, 30, 5, 25, 40]  # a backward jump after 30
    data = b"".join(encode_entry(b"%d\n" % t, timestamp_ns=t) for t in stamps)
    path = tmp_path / "log"
    path.write_bytes(data)
    for source in (path, str(path)):
        got = [e.timestamp_ns for e in read_entries(source, since_ns=20, until_ns=40)]
        assert got == [20, 30, 25]
    got = [e.timestamp_ns for e in read_entries(io.BytesIO(data), since_ns=20, until_ns=40)]
    assert got == [20, 30, 25]
    assert [e.timestamp_ns for e in read_entries(io.BytesIO(data), until_ns=11)] == [10, 5]


def test_read_entries_strict_raises_on_garbage():
    data = b"junk" + encode_entry(b"x\n", timestamp_ns=1)
    assert [e.message for e in read_entries(io.BytesIO(data))] == [b"x\n"]
    with pytest.raises(DecodeError) as info:
        list(read_entries(io.BytesIO(data), strict=True))
    assert (info.value.offset, info.value.length) == (0, 4)


def test_check_log_file(tmp_path):
    from iolog import NotAnIologFile
    from iolog.core.errors import describe_os_error
    from iolog.file.opening import check_log_file

    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    assert check_log_file(empty) == 0
    good = tmp_path / "good.log"
    good.write_bytes(b"boot noise" + encode_entry(b"x\n", timestamp_ns=1))
    assert check_log_file(good) == good.stat().st_size
    text = tmp_path / "text.txt"
    text.write_bytes(b"plain text\n" * 10000)
    with pytest.raises(NotAnIologFile, match="not an iolog file"):
        check_log_file(text)
    late = tmp_path / "late.log"  # an entry behind garbage of any size: a log
    late.write_bytes(b"x" * 70000 + encode_entry(b"late\n", timestamp_ns=1))
    assert check_log_file(late) == late.stat().st_size
    assert check_log_file(late, sniff_bytes=100) == late.stat().st_size  # not all read: it may be
    starting = tmp_path / "starting.log"  # its first entry still being written
    starting.write_bytes(encode_entry(b"still being written\n", timestamp_ns=1)[:20])
    assert check_log_file(starting) == 20
    for path, phrase in ((tmp_path / "missing", "no such file"), (tmp_path, "is a directory")):
        with pytest.raises(OSError) as info:
            check_log_file(path)
        assert describe_os_error(info.value) == phrase


def test_check_log_says_every_failure_in_one_iolog_error(tmp_path):
    from iolog import IologError, LogFile, NotAnIologFile, SourceError

    check_log = LogFile.check

    good = tmp_path / "good.log"
    good.write_bytes(encode_entry(b"x\n", timestamp_ns=1))
    assert check_log(good) == good.stat().st_size
    text = tmp_path / "text.txt"
    text.write_bytes(b"plain text\n" * 100)
    with pytest.raises(NotAnIologFile, match="not an iolog file"):
        check_log(text)
    for path, phrase in ((tmp_path / "missing", "no such file"), (tmp_path, "is a directory")):
        with pytest.raises(SourceError) as info:
            check_log(path)
        assert isinstance(info.value, IologError)
        assert str(info.value) == f"{path}: {phrase}"
