"""Tests of LogFile.follow with a writer appending from another thread."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

from iolog.core.format import Entry, encode_entry
from iolog.file.logfile import LogFile
from iolog.sources.status import SourceState, SourceStatus

BASE_NS = 1_700_000_000_000_000_000
TIMEOUT_S = 10.0  # generous: the machine may be loaded; latency is benchmarked elsewhere


def _frame(i: int) -> bytes:
    return encode_entry(b"line %d\n" % i, timestamp_ns=BASE_NS + i)


def _collect(batches: Iterator[list[object]], want: int) -> list[object]:
    seen: list[object] = []
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        seen.extend(next(batches))
        if sum(isinstance(e, Entry) for e in seen) + sum(
            isinstance(e, SourceStatus) for e in seen
        ) >= want:
            return seen
    raise AssertionError(f"timed out; got {seen!r}")


def _append(path: str, data: bytes) -> None:
    with open(path, "ab") as out:
        out.write(data)


def test_follow_sees_new_entries_and_completes_partial(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = os.path.join(str(tmp_path), "app.log")
    frame = _frame(1)
    with open(path, "wb") as out:
        out.write(_frame(0) + frame[:10])  # a partial entry at the end
    with LogFile(path) as log:
        batches = log.follow(poll_interval_s=0.01)
        assert next(batches) == []  # idle: the partial entry is not garbage
        writer = threading.Thread(target=lambda: (_append(path, frame[10:]), None))
        writer.start()
        writer.join()
        got = _collect(batches, 1)
        assert [e.message for e in got if isinstance(e, Entry)] == [b"line 1\n"]
        assert not [e for e in got if not isinstance(e, Entry)]
        # Entries written one at a time show up, without waiting for a successor.
        for i in range(2, 6):
            threading.Thread(target=_append, args=(path, _frame(i))).start()
            got = _collect(batches, 1)
            assert [e.message for e in got if isinstance(e, Entry)] == [b"line %d\n" % i]
        batches.close()


def test_follow_detects_truncation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = os.path.join(str(tmp_path), "app.log")
    with open(path, "wb") as out:
        out.write(b"".join(_frame(i) for i in range(10)))
    with LogFile(path) as log:
        batches = log.follow(poll_interval_s=0.01)
        assert next(batches) == []
        with open(path, "wb") as out:  # > file
            out.write(_frame(100))
        got = _collect(batches, 2)
        status = [e for e in got if isinstance(e, SourceStatus)]
        assert status[0].state is SourceState.TRUNCATED and status[0].offset == 0
        assert [e.message for e in got if isinstance(e, Entry)] == [b"line 100\n"]
        batches.close()


def test_follow_rotation_drains_old_then_reads_new(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = os.path.join(str(tmp_path), "app.log")
    with open(path, "wb") as out:
        out.write(_frame(0))
    with LogFile(path) as log:
        batches = log.follow(0, poll_interval_s=0.01)
        got = _collect(batches, 1)
        old = open(path, "ab")  # noqa: SIM115 - a writer still holding the old file
        os.rename(path, path + ".1")
        old.write(_frame(1))  # written after the rename: still in the old file
        old.close()
        with open(path, "wb") as out:
            out.write(_frame(2))
        got = _collect(batches, 3)
        kinds = [
            e.message if isinstance(e, Entry) else e.state  # type: ignore[union-attr]
            for e in got
        ]
        assert kinds == [b"line 1\n", SourceState.REPLACED, b"line 2\n"]
        batches.close()


def test_follow_closes_its_handle(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = os.path.join(str(tmp_path), "app.log")
    with open(path, "wb") as out:
        out.write(_frame(0))
    before = len(os.listdir("/proc/self/fd"))
    with LogFile(path) as log:
        batches = log.follow(poll_interval_s=0.01)
        next(batches)
        batches.close()
    assert len(os.listdir("/proc/self/fd")) == before
