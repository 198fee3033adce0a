"""The viewer's live sources: pumps that fill a file the viewer follows."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from iolog import Entry, SourceState, SourceStatus
from iolog.io import read_events
from iolog_tui.demo import DemoWriter
from iolog_tui.sources import LogSource, PipePump, temporary_log_path


def wait_for(condition, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_pipe_pump_copies_every_byte_and_reports_the_end(tmp_path: Path) -> None:
    read_fd, write_fd = os.pipe()
    path = tmp_path / "stdin.log"
    path.write_bytes(b"")
    statuses: list[SourceStatus] = []
    pump = PipePump(read_fd, str(path))
    pump.start(statuses.append)
    payload = bytes(range(256)) * 300
    os.write(write_fd, payload[:1000])
    wait_for(lambda: path.stat().st_size == 1000)
    writer = threading.Thread(target=os.write, args=(write_fd, payload[1000:]))
    writer.start()
    writer.join()
    os.close(write_fd)
    wait_for(lambda: bool(statuses))
    pump.stop()
    assert path.read_bytes() == payload
    assert [status.state for status in statuses] == [SourceState.ENDED]


def test_temporary_source_is_removed_on_close() -> None:
    path = temporary_log_path("iolog-test-")
    source = LogSource(path, "t", live=True, temporary=True)
    assert os.path.exists(path)
    source.close()
    source.close()
    assert not os.path.exists(path)


def test_demo_writer_thread_writes_until_stopped(tmp_path: Path) -> None:
    path = tmp_path / "demo.log"
    path.write_bytes(b"")
    statuses: list[SourceStatus] = []
    writer = DemoWriter(str(path), speed=50.0)
    writer.start(statuses.append)
    wait_for(lambda: path.stat().st_size > 8000)
    writer.stop()
    size = path.stat().st_size
    time.sleep(0.1)
    assert path.stat().st_size == size  # stopped
    assert statuses and statuses[0].state is SourceState.CONNECTED
    entries = [e for e in read_events(path) if isinstance(e, Entry)]
    assert entries and entries[0].message.endswith(b"pid=1\n")
