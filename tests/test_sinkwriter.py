"""SinkWriter: whole frames whatever the sink does; diverted and counted when it fails."""

from __future__ import annotations

import errno
import fcntl
import gc
import io
import itertools
import os
import threading
import time
import weakref
from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from iolog import Entry, InvalidArgumentError, LogWriter, SinkWriter, Stream
from iolog.diversion import DeliveryReport, Diversion, open_rescue_file
from tests.faulty_sink import KINDS, Fault, FaultySink, decode, strict_entries

T0 = 1_700_000_000_000_000_000


def ticking(start: int = T0) -> Callable[[], int]:
    """A clock that moves one nanosecond at every reading (so stamps are unique)."""
    counter = itertools.count(start + 1)
    return lambda: next(counter)


def diverting(
    rescue: FaultySink | None, messages: list[str] | None = None, **options: object
) -> Diversion:
    """A diversion to ``rescue`` (``None``: the rescue file cannot be created), no thread."""

    def open_rescue() -> tuple[FaultySink, str]:
        if rescue is None:
            raise OSError(errno.ENOSPC, "No space left on device")
        return rescue, rescue.name

    return Diversion(
        retry_interval_s=None,
        open_rescue=open_rescue,
        notify=messages.append if messages is not None else None,
        **options,  # type: ignore[arg-type]
    )


def lines(count: int, stream: Stream = Stream.STDOUT, width: int = 30) -> list[bytes]:
    return [(b"%s %04d " % (stream.name.encode(), i)).ljust(width - 1, b".") + b"\n" for i in range(count)]


def write_all(sink_writer: SinkWriter, data: list[bytes], stream: Stream = Stream.STDOUT) -> None:
    writer = LogWriter(sink_writer, stream=stream, clock=ticking())
    for chunk in data:
        writer.write(chunk)
    writer.close()


def merged(*files: FaultySink) -> list[Entry]:
    return sorted((e for f in files for e in strict_entries(bytes(f.data))), key=lambda e: e.timestamp_ns)


# -- what never diverts: short writes and a sink that would block ---------------


def test_short_writes_and_eagain_are_completed_in_place():
    log = FaultySink(
        [
            Fault(0, "short", 3),
            Fault(1, "eagain", 5),
            Fault(2, "none"),
            Fault(3, "short", 1),
            Fault(4, "eagain", 0),
        ]
    )
    sink_writer = SinkWriter(log, diversion=diverting(None))
    data = lines(20)
    write_all(sink_writer, data)
    sink_writer.close()
    assert len(log.met) == 5
    assert [e.message for e in strict_entries(bytes(log.data))] == data
    report = sink_writer.report()
    assert report.complete and report.rescue_path is None and report.written_bytes == sum(map(len, data))


def test_a_nonblocking_pipe_with_a_slow_reader_gets_every_frame():
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETFL, fcntl.fcntl(write_end, fcntl.F_GETFL) | os.O_NONBLOCK)
    received = bytearray()

    def slow_reader() -> None:
        while chunk := os.read(read_end, 3000):
            received.extend(chunk)
            time.sleep(0.0005)

    reader = threading.Thread(target=slow_reader)
    reader.start()
    messages: list[str] = []
    with os.fdopen(write_end, "wb", buffering=0) as sink:
        sink_writer = SinkWriter(sink, diversion=diverting(None, messages))
        data = [b"%d " % i + b"y" * (i % 5000) + b"\n" for i in range(0, 400_000, 997)]
        write_all(sink_writer, data)
        sink_writer.close()
    reader.join(timeout=30)
    os.close(read_end)
    assert b"".join(e.message for e in strict_entries(bytes(received))) == b"".join(data)
    assert sink_writer.report().complete and messages == []


# -- failures: taken back, rescued, held, retried, counted ----------------------


def test_enospc_in_mid_frame_is_taken_back_and_the_frame_rescued_whole():
    log = FaultySink([Fault(5, "short", 20), Fault(6, "enospc")])
    rescue = FaultySink(name="rescue.iolog")
    messages: list[str] = []
    sink_writer = SinkWriter(log, diversion=diverting(rescue, messages), name="app.log")
    writer = LogWriter(sink_writer, clock=ticking())
    data = lines(12)
    for number, line in enumerate(data):
        writer.write(line)
        if number == 5:  # the sixth line met the failure: the rescue file is named at once
            assert messages == [
                "cannot write app.log (injected enospc)",
                "writing what app.log cannot take to rescue.iolog",
            ]
    writer.close()
    sink_writer.close()
    assert [e.message for e in strict_entries(bytes(log.data))] == data[:5]
    assert [e.message for e in strict_entries(bytes(rescue.data))] == data[5:]
    report = sink_writer.report()
    assert report == DeliveryReport(
        written_bytes=5 * 30,
        rescued_bytes=7 * 30,
        rescue_path="rescue.iolog",
        held_bytes=0,
        lost_bytes=0,
        torn_bytes=0,
        errors=("app.log: injected enospc",),
    )
    assert not report.complete


def test_the_log_is_written_again_once_space_returns():
    log = FaultySink(capacity=200)  # room for four 46-byte frames and a torn one
    rescue = FaultySink(name="rescue.iolog")
    messages: list[str] = []
    sink_writer = SinkWriter(log, diversion=diverting(rescue, messages), name="app.log")
    writer = LogWriter(sink_writer, clock=ticking())
    data = lines(30)
    for line in data[:10]:
        writer.write(line)
    sink_writer.retry()  # still full: the retry fails and nothing moves
    writer.write(data[10])
    log.free(None)
    writer.write(data[11])  # no retry due yet: still diverted
    sink_writer.retry()
    for line in data[12:]:
        writer.write(line)
    writer.close()
    sink_writer.close()
    assert [e.message for e in strict_entries(bytes(log.data))] == data[:4] + data[12:]
    assert [e.message for e in strict_entries(bytes(rescue.data))] == data[4:12]
    assert [e.message for e in merged(log, rescue)] == data
    assert messages[-1] == "app.log can be written again"
    assert sink_writer.report().rescued_bytes == 8 * 30


def test_when_the_rescue_file_fails_too_memory_holds_up_to_its_bound():
    log = FaultySink(capacity=0)
    messages: list[str] = []
    sink_writer = SinkWriter(log, diversion=diverting(None, messages, hold_limit_bytes=500))
    writer = LogWriter(sink_writer, clock=ticking())
    data = lines(30)  # 46-byte frames: ten fit in 500 bytes
    for line in data:
        writer.write(line)
    assert sink_writer.held_bytes == 460
    assert sink_writer.report().lost_bytes == 20 * 30
    log.free(None)
    sink_writer.retry()  # what memory held goes first, in order
    writer.write(b"after\n")
    writer.close()
    sink_writer.close()
    assert [e.message for e in strict_entries(bytes(log.data))] == data[:10] + [b"after\n"]
    report = sink_writer.report()
    assert (report.lost_bytes, report.held_bytes, report.rescue_path) == (600, 0, None)
    assert any("cannot create a rescue file" in m for m in messages)
    assert any("output is being lost" in m for m in messages)


def test_what_is_still_held_at_close_is_counted_lost():
    log = FaultySink(capacity=0)
    rescue = FaultySink([Fault(0, "efbig"), Fault(1, "efbig")], name="r.iolog")
    sink_writer = SinkWriter(log, diversion=diverting(rescue))
    data = lines(5)
    write_all(sink_writer, data)
    sink_writer.retry()
    sink_writer.close()  # the last attempt at the rescue file succeeds
    assert [e.message for e in strict_entries(bytes(rescue.data))] == data
    assert sink_writer.report().lost_bytes == 0
    log = FaultySink(capacity=0)
    sink_writer = SinkWriter(log, diversion=diverting(None))
    write_all(sink_writer, data)
    sink_writer.close()
    assert sink_writer.report().lost_bytes == 5 * 30 and log.data == b""


def test_a_pipe_torn_in_mid_frame_keeps_the_frame_whole_in_the_rescue_file():
    log = FaultySink([Fault(3, "short", 10), Fault(4, "epipe")], seekable=False)
    rescue = FaultySink(name="rescue.iolog")
    messages: list[str] = []
    sink_writer = SinkWriter(log, diversion=diverting(rescue, messages), name="stdout")
    data = lines(8)
    write_all(sink_writer, data)
    sink_writer.close()
    entries, damaged = decode(bytes(log.data))
    assert [e.message for e in entries] == data[:3] and damaged == 10
    assert [e.message for e in strict_entries(bytes(rescue.data))] == data[3:]
    assert sink_writer.report().torn_bytes == 10
    assert any("cannot take back the 10 bytes" in m for m in messages)


def test_the_retry_thread_brings_held_frames_to_the_log():
    def no_rescue_file() -> tuple[FaultySink, str]:
        raise OSError(errno.EROFS, "Read-only file system")

    log = FaultySink(capacity=0)
    diversion = Diversion(retry_interval_s=0.01, open_rescue=no_rescue_file)
    sink_writer = SinkWriter(log, diversion=diversion)
    data = lines(5)
    write_all(sink_writer, data)
    assert log.data == b""
    log.free(None)
    deadline = time.monotonic() + 20
    while sink_writer.held_bytes and time.monotonic() < deadline:
        time.sleep(0.005)
    assert [e.message for e in strict_entries(bytes(log.data))] == data  # no write in between
    sink_writer.close()
    assert sink_writer.report().complete


def test_a_diverting_sink_writer_never_raises_and_rescues_to_a_file_in_its_directory(tmp_path):
    log = FaultySink([Fault(3, "enospc")], capacity=None)
    messages: list[str] = []
    with SinkWriter.diverting(log, rescue_dir=str(tmp_path), notify=messages.append, name="app.log",
                              retry_interval_s=None) as sink_writer:
        data = lines(6)
        write_all(sink_writer, data)
    report = sink_writer.report()
    assert report.rescue_path is not None and os.path.dirname(report.rescue_path) == str(tmp_path)
    with open(report.rescue_path, "rb") as rescued:
        assert [e.message for e in strict_entries(rescued.read())] == data[3:]
    assert [e.message for e in strict_entries(bytes(log.data))] == data[:3]
    assert (report.written_bytes, report.rescued_bytes, report.lost_bytes) == (90, 90, 0)
    assert messages[0] == "cannot write app.log (injected enospc)"
    with pytest.raises(InvalidArgumentError):
        SinkWriter.diverting(io.BytesIO(), hold_limit_bytes=-1)


# -- without a diversion: hold and raise, as a file object does -----------------


def test_without_a_diversion_a_frame_torn_on_a_pipe_is_completed_first():
    log = FaultySink([Fault(2, "short", 10), Fault(3, "eio")], seekable=False)
    writer = LogWriter(log, clock=ticking())
    data = lines(6)
    writer.write(data[0])
    writer.write(data[1])
    with pytest.raises(OSError) as caught:
        writer.write(data[2])
    assert caught.value.errno == errno.EIO and writer.pending == 36
    for line in data[3:]:
        writer.write(line)
    writer.close()
    assert [e.message for e in strict_entries(bytes(log.data))] == data
    assert writer.sink_writer.report().torn_bytes == 0


def test_writers_of_one_sink_share_one_sink_writer():
    sink, other = io.BytesIO(), io.BytesIO()
    out, err = LogWriter(sink), LogWriter(sink, stream=Stream.STDERR)
    assert out.sink_writer is err.sink_writer
    assert LogWriter(other).sink_writer is not out.sink_writer
    own = SinkWriter(sink)
    assert LogWriter(own).sink_writer is own
    shared = weakref.ref(out.sink_writer)
    del out, err
    gc.collect()
    assert shared() is None  # it lives as long as a writer uses it


def test_close_sink_closes_what_was_given():
    sink = io.BytesIO()
    sink_writer = SinkWriter(sink, close_sink=True)
    LogWriter(sink_writer, close_sink=True).close()
    assert sink.closed
    with pytest.raises(ValueError):
        sink_writer.emit(Stream.STDOUT, [b"x"], ticking())


@pytest.mark.parametrize(
    "options", [{"hold_limit_bytes": -1}, {"retry_interval_s": 0}, {"retry_interval_s": -2.5}]
)
def test_diversion_rejects_nonsense(options):
    with pytest.raises(InvalidArgumentError):
        Diversion(**options)
    with pytest.raises(InvalidArgumentError):
        SinkWriter(object())  # type: ignore[arg-type]


def test_rescue_files_are_new_and_named_after_the_log(tmp_path):
    first, first_path = open_rescue_file(str(tmp_path), "/var/log/my app.log")
    second, second_path = open_rescue_file(str(tmp_path), "/var/log/my app.log")
    first.close()
    second.close()
    assert first_path != second_path
    assert os.path.basename(first_path).startswith("iolog-rescue-my_app.log-")
    assert first_path.endswith(".iolog") and os.path.getsize(first_path) == 0


# -- two writer threads, faults met by either ------------------------------------


def test_two_writer_threads_on_a_failing_sink_keep_frames_whole_and_in_time_order():
    log = FaultySink(
        [
            Fault(3, "short", 7, thread="out"),
            Fault(4, "enospc", thread="out"),
            Fault(6, "eagain", 3, thread="err"),
            Fault(9, "short", 30, thread="err"),
            Fault(10, "efbig", thread="err"),
            Fault(30, "none"),
            Fault(60, "eio", thread="out"),
        ]
    )
    rescue = FaultySink([Fault(2, "efbig", thread="err"), Fault(5, "short", 2, thread="out")], name="r.iolog")
    sink_writer = SinkWriter(log, diversion=diverting(rescue, hold_limit_bytes=3000))
    clock = ticking()
    count = 400
    expected = {stream: lines(count, stream) for stream in Stream}

    def run(stream: Stream) -> None:
        writer = LogWriter(sink_writer, stream=stream, clock=clock)
        for number, line in enumerate(expected[stream]):
            writer.write(line)
            if number % 40 == 39:
                sink_writer.retry()
        writer.close()

    threads = [threading.Thread(target=run, args=(s,), name=s.name.lower()[3:]) for s in Stream]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sink_writer.close()
    assert {thread for _, thread in log.met} == {"out", "err"} and len(log.met) == 7
    log_entries, rescue_entries = strict_entries(bytes(log.data)), strict_entries(bytes(rescue.data))
    for entries in (log_entries, rescue_entries):  # each file's order is its time order
        stamps = [e.timestamp_ns for e in entries]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    found = merged(log, rescue)
    missing = 0
    for stream in Stream:
        got = [e.message for e in found if e.stream is stream]
        assert got == [line for line in expected[stream] if line in set(got)]  # in order
        missing += sum(len(line) for line in expected[stream] if line not in set(got))
    report = sink_writer.report()
    assert report.lost_bytes == missing
    assert report.written_bytes + report.rescued_bytes + report.lost_bytes == 2 * count * 30


# -- properties: any failure pattern ---------------------------------------------

_PAYLOADS = st.one_of(
    st.binary(max_size=300).map(lambda b: b.replace(b"=", b"-")),  # no header look-alikes
    st.sampled_from([b"line\n", b"a\nb\nc", b"x" * 5000, b"\n", b"tail"]),
)
_WRITE = st.tuples(st.just("write"), st.sampled_from(list(Stream)), _PAYLOADS)
_OPS = st.lists(
    st.one_of(
        _WRITE,
        _WRITE,  # mostly writes
        _WRITE,
        st.tuples(st.just("flush"), st.sampled_from(list(Stream)), st.just(b"")),
        st.tuples(
            st.sampled_from(["retry", "free log", "free rescue"]), st.just(Stream.STDOUT), st.just(b"")
        ),
    ),
    min_size=1,
    max_size=30,
)
_CAPACITY = st.none() | st.integers(0, 400) | st.integers(0, 6000)  # a tiny file system, until freed
_FAULTS = st.lists(
    st.builds(Fault, at=st.integers(0, 10), kind=st.sampled_from(KINDS), size=st.integers(1, 60)),
    max_size=8,
)


def _run(
    ops: list[tuple[str, Stream, bytes]], target: io.BytesIO | SinkWriter, *files: FaultySink
) -> None:
    clock = ticking()
    writers = {stream: LogWriter(target, stream=stream, clock=clock) for stream in Stream}
    for kind, stream, payload in ops:
        if kind == "write":
            writers[stream].write(payload)
        elif kind == "flush":
            writers[stream].flush()
        elif kind == "retry" and isinstance(target, SinkWriter):
            target.retry()
        elif kind.startswith("free") and files:
            files[kind == "free rescue"].free(None)
    for writer in writers.values():
        writer.close()


@settings(max_examples=600, deadline=None)  # about one in five meets a hard failure
@example(  # a pipe keeps a header of a torn 4095-byte frame; a shorter whole one follows
    ops=[("write", Stream.STDOUT, b"x" * 5000), ("free log", Stream.STDOUT, b"")],
    log_faults=[],
    rescue_faults=[],
    seekable=False,
    rescue_opens=False,
    hold_limit=921,
    log_capacity=16,
    rescue_capacity=None,
)
@given(
    ops=_OPS,
    log_faults=_FAULTS,
    rescue_faults=_FAULTS,
    seekable=st.booleans(),
    rescue_opens=st.booleans(),
    hold_limit=st.integers(0, 3000),
    log_capacity=_CAPACITY,
    rescue_capacity=_CAPACITY,
)
def test_any_failure_pattern_loses_nothing_uncounted(
    ops, log_faults, rescue_faults, seekable, rescue_opens, hold_limit, log_capacity, rescue_capacity
):
    reference = io.BytesIO()
    _run(ops, reference)
    expected = {e.timestamp_ns: (e.stream, e.message) for e in strict_entries(reference.getvalue())}
    for stream in Stream:  # the reference holds every byte written, per stream
        written = b"".join(p for kind, s, p in ops if kind == "write" and s is stream)
        assert b"".join(m for s, m in expected.values() if s is stream) == written

    log = FaultySink(log_faults, seekable=seekable, capacity=log_capacity)
    rescue = FaultySink(rescue_faults, name="rescue.iolog", capacity=rescue_capacity)
    messages: list[str] = []
    sink_writer = SinkWriter(
        log, diversion=diverting(rescue if rescue_opens else None, messages, hold_limit_bytes=hold_limit)
    )
    _run(ops, sink_writer, log, rescue)
    sink_writer.close()
    report = sink_writer.report()

    log_entries, damaged = decode(bytes(log.data))
    # A torn frame whose claim later bytes happen to complete (a retry of the
    # same frame after a pipe took part of it) reads as an entry no writer
    # made: its bytes are the torn ones.
    made = [e for e in log_entries if expected.get(e.timestamp_ns) == (e.stream, e.message)]
    damaged += sum(16 + len(e.message) for e in log_entries if e not in made)
    log_entries = made
    # Whole entries on the log that a reader did not find: only possible behind
    # the part of a frame that a pipe took before failing (it cannot be taken
    # back), when the decoder does not see past it (the reading side's concern).
    hidden = report.written_bytes - sum(len(e.message) for e in log_entries)
    if seekable or not report.torn_bytes:
        assert damaged == report.torn_bytes == hidden == 0
    else:
        assert damaged >= report.torn_bytes and hidden >= 0
        assert (damaged - report.torn_bytes - hidden) % 16 == 0  # their headers
    rescue_entries = strict_entries(bytes(rescue.data))
    seen: set[int] = set()
    for entries in (log_entries, rescue_entries):
        stamps = [e.timestamp_ns for e in entries]
        assert stamps == sorted(stamps)  # each file in emission order
        for entry in entries:
            assert expected[entry.timestamp_ns] == (entry.stream, entry.message)
            assert entry.timestamp_ns not in seen
            seen.add(entry.timestamp_ns)
    missing = sum(len(message) for ts, (_, message) in expected.items() if ts not in seen)
    assert report.lost_bytes == missing - hidden and report.held_bytes == 0
    assert report.rescued_bytes == sum(len(e.message) for e in rescue_entries)
    assert report.complete == (not rescue_entries and not report.lost_bytes)
    if rescue_entries:
        assert "writing what faulty.log cannot take to rescue.iolog" in messages


@settings(max_examples=200, deadline=None)
@given(ops=_OPS, faults=_FAULTS, seekable=st.booleans())
def test_without_a_diversion_retrying_gives_the_bytes_of_a_sink_that_never_failed(ops, faults, seekable):
    reference = io.BytesIO()
    _run(ops, reference)
    log = FaultySink(faults, seekable=seekable)
    clock = ticking()
    writers = {stream: LogWriter(log, stream=stream, clock=clock) for stream in Stream}
    for kind, stream, payload in ops:
        try:
            if kind == "write":
                writers[stream].write(payload)
            elif kind == "flush":
                writers[stream].flush()
        except OSError as error:
            assert error.errno in (errno.ENOSPC, errno.EFBIG, errno.EIO, errno.EPIPE)
    sink_writer = writers[Stream.STDOUT].sink_writer
    for writer in writers.values():
        try:
            writer.close()  # a partial line becomes an entry, held if the sink fails
        except OSError:
            pass
    for _ in range(len(faults) + 1):
        try:
            sink_writer.flush()
            break
        except OSError:
            pass
    assert bytes(log.data) == reference.getvalue()
