"""The viewer never waits for damage, and following takes back what only looked like it.

- the rows before a long run of garbage are handed over, with how far the
  decoder has got through it, before it has passed it (the scan alone, and
  the viewer's first screen and status bar under Pilot, with the codec's
  reads through the garbage slowed down);
- a file in which no entry is found says it is not an iolog file;
- a torn entry at the end of a file that is not followed shows as a
  truncated row and ends the open line, until following shows it was an
  entry still being written.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iolog import Entry, Stream
from iolog.file import walk as walk_module
from iolog_tui.model import LogModel, RowKind
from iolog_tui.model.navigation import Navigator
from tests import faultlib
from tests.test_faults import faulted_cases


def test_the_scan_hands_rows_and_progress_over_while_it_skips_garbage(tmp_path: Path, monkeypatch) -> None:
    """Lines before a long run of garbage come out before the decoder has passed it."""
    from iolog_tui.model import scan
    from iolog_tui.model.scan import RowScanner, scan_file

    from .conftest import NOW_NS

    lines = [faultlib.Written(NOW_NS + n, Stream.STDOUT, b"line %d\n" % n).encode() for n in range(5)]
    garbage = bytes(random.Random(3).randrange(256) for _ in range(400_000))
    path = tmp_path / "holed.log"
    later = faultlib.Written(NOW_NS + 5, Stream.STDOUT, b"line 5\n").encode()  # no clock step
    path.write_bytes(b"".join(lines) + garbage + later)
    monkeypatch.setattr(walk_module, "_SLOW_READ_BYTES", 4096)
    monkeypatch.setattr(walk_module, "_GARBAGE_READ_BYTES", 4096)
    slow = _SlowReads(monkeypatch, after=len(b"".join(lines)), delay_s=0.002)
    monkeypatch.setattr(scan, "FIRST_HANDOVER_S", 0.0)
    monkeypatch.setattr(scan, "HANDOVER_S", 0.01)
    batches = []
    for batch in scan_file(path, RowScanner(0)):
        batches.append((len(batch), batch.read_to, batch.skipping_from, slow.reads))
    skipping = [number for number, batch in enumerate(batches) if batch[2] is not None]
    assert len(skipping) > 5
    first = skipping[0]
    # Every line before the garbage was handed over before the decoder got far into it ...
    assert sum(batch[0] for batch in batches[: first + 1]) == 5
    assert batches[first][3] < slow.reads / 4
    # ... and then how far it has got, from where the garbage begins.
    assert {batches[number][2] for number in skipping} == {len(b"".join(lines))}
    progress = [batches[number][1] for number in skipping]
    assert progress == sorted(progress)
    assert progress[0] < 100_000 and progress[-1] > 300_000
    assert max(batch[1] for batch in batches) <= path.stat().st_size
    assert batches[-1][0] + batches[-2][0] == 2  # then the garbage row and the last line


class _SlowReads:
    """``os.pread`` in the codec's walk, made slow past ``after`` (and counted)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, after: int, delay_s: float) -> None:
        import time

        self.reads = 0
        self.delay_s = delay_s
        real = os.pread

        def pread(fd: int, length: int, offset: int) -> bytes:
            if offset >= after:
                self.reads += 1
                time.sleep(self.delay_s)
            return real(fd, length, offset)

        class _Os:
            def __getattr__(self, name: str) -> object:
                return pread if name == "pread" else getattr(os, name)

        monkeypatch.setattr(walk_module, "os", _Os())


def _pilot(function):  # type: ignore[no-untyped-def]
    """Run an async test body to completion (no async plugin needed)."""
    import asyncio
    import functools

    @functools.wraps(function)
    def run(*args: object, **kwargs: object) -> None:
        asyncio.run(function(*args, **kwargs))

    return run


def _app(path: Path):  # type: ignore[no-untyped-def]
    from iolog_tui.app import IologApp
    from iolog_tui.sources import LogSource

    from .conftest import fixed_now

    return IologApp(LogSource(str(path), path.name), clock=fixed_now)


def _label(app: object, selector: str) -> str:
    from textual.widgets import Label

    return str(app.query_one(selector, Label).render())  # type: ignore[attr-defined]


@_pilot
async def test_the_first_screen_shows_while_a_garbage_region_is_skipped(tmp_path: Path, monkeypatch) -> None:
    from .conftest import NOW_NS, wait_until

    lines = [faultlib.Written(NOW_NS + n, Stream.STDOUT, b"line %d\n" % n).encode() for n in range(5)]
    head = b"".join(lines)
    garbage = bytes(2_000_000)  # a hole of zeros, as a crash leaves in a preallocated file
    path = tmp_path / "holed.log"
    later = faultlib.Written(NOW_NS + 5, Stream.STDOUT, b"line 5\n").encode()  # no clock step
    path.write_bytes(head + garbage + later)
    # The decoder passes over the garbage 4 KiB a read, each read slowed down:
    # seconds of skipping, in a small file.
    monkeypatch.setattr(walk_module, "_SLOW_READ_BYTES", 4096)
    monkeypatch.setattr(walk_module, "_GARBAGE_READ_BYTES", 4096)
    slow = _SlowReads(monkeypatch, after=len(head), delay_s=0.004)
    app = _app(path)
    async with app.run_test(size=(120, 36)) as pilot:
        panes = app.log_screen.panes
        await wait_until(pilot, lambda: len(panes.model) == 5 and panes.skipping is not None)
        await wait_until(pilot, lambda: "skipping unreadable bytes" in _label(app, "#status-right"))
        assert app.log_screen.panes.scan_progress is not None  # the scan has not ended
        assert slow.reads < len(garbage) // 4096 // 2
        view = app.query_one("#merged")
        assert view.render_line(0).text.rstrip().endswith("line 0")
        assert view.render_line(4).text.rstrip().endswith("line 4")
        assert "5 lines" in _label(app, "#status-left")
        slow.delay_s = 0.0
        await wait_until(pilot, lambda: app.log_screen.panes.scan_progress is None)
        assert [RowKind(kind) for kind in app.log_screen.panes.model.kinds] == [RowKind.STDOUT] * 5 + [
            RowKind.SKIPPED, RowKind.STDOUT]
        assert "skipping" not in _label(app, "#status-right")


@_pilot
async def test_a_file_without_any_entry_says_so(tmp_path: Path) -> None:
    from .conftest import wait_until

    path = tmp_path / "noise.bin"
    path.write_bytes(bytes(random.Random(9).randrange(256) for _ in range(50_000)))
    app = _app(path)
    notes: list[str] = []
    app.notify = lambda message, **_options: notes.append(message)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: app.log_screen.panes.scan_progress is None)
        await pilot.pause(0.05)
        # The viewer watches the file for entries still to come; the toast says what it is now.
        assert "no entry in 50,000 bytes" in _label(app, "#status-left")
    assert notes == ["not an iolog file: no entry in 50,000 bytes"]


def test_following_takes_back_a_torn_tail_and_the_line_end_it_made(tmp_path: Path) -> None:
    """A torn entry at the end is shown as truncated, and ends the open line, only
    until following shows it was an entry still being written."""
    import queue
    import threading

    from iolog.core.format import encode_entry
    from iolog_tui.messages import RowsFound, ScanFinished
    from iolog_tui.scanjob import run_scan

    from .conftest import NOW_NS

    begun = encode_entry(b"a1 ", timestamp_ns=NOW_NS, stream=Stream.STDOUT)
    other = encode_entry(b"x\n", timestamp_ns=NOW_NS + 1, stream=Stream.STDERR)
    path = tmp_path / "growing.log"
    path.write_bytes(begun + other[:17])  # the stderr entry is being written
    model = LogModel(path)
    messages: queue.Queue[object] = queue.Queue()
    follow, stop = threading.Event(), threading.Event()
    navigator = Navigator(str(path))
    worker = threading.Thread(target=run_scan, args=(str(path), navigator, model.reset()), kwargs={
        "since_ns": None, "until_ns": None, "post": messages.put, "cancelled": stop.is_set,
        "tailing": follow.is_set})
    worker.start()

    def apply_until(done) -> None:  # type: ignore[no-untyped-def]
        for _ in range(200):
            message = messages.get(timeout=5)
            if isinstance(message, RowsFound):
                model.apply(message.batch)
            if done(message):
                return
        raise AssertionError("the scan did not get there")

    try:
        apply_until(lambda message: isinstance(message, ScanFinished))
        assert [RowKind(kind) for kind in model.kinds] == [RowKind.STDOUT, RowKind.TRUNCATED]
        assert (model.row(0).message, model.row(0).complete) == (b"a1 ", False)
        follow.set()
        with open(path, "ab") as sink:
            sink.write(other[17:] + encode_entry(b"a2\n", timestamp_ns=NOW_NS + 2, stream=Stream.STDOUT))
        apply_until(lambda _message: len(model) == 2 and model.kinds[1] == RowKind.STDERR
                    and model.row(0).complete)
    finally:
        stop.set()
        worker.join(timeout=5)
        navigator.close()
    assert [(RowKind(model.kinds[n]), model.row(n).message) for n in range(len(model))] == [
        (RowKind.STDOUT, b"a1 a2\n"), (RowKind.STDERR, b"x\n")]
    model.close()


def _torn_firsts(data: bytes) -> set[int]:
    """The simplest reading: first offsets of the lines whose last entry skipped bytes follow."""
    from iolog.core.events import may_be_torn

    events = faultlib.decode_whole(data)
    marked = {i for i, event in enumerate(events[:-1])
              if isinstance(event, Entry) and may_be_torn(event.end_offset, events[i + 1])}
    return {events[group[0]].offset for group in faultlib.line_groups(events) if marked & set(group)}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=faulted_cases(max_writes=20), batch_bytes=st.sampled_from([64, 512, 1 << 16]))
def test_the_rows_a_torn_line_may_end_in_are_marked(tmp_path_factory, monkeypatch, case, batch_bytes) -> None:
    """A line row is marked "may be torn" exactly when skipped bytes follow its last entry,
    however the scan's batches fall (rows read between batches are read again)."""
    from iolog_tui.model import scan
    from iolog_tui.model.scan import RowScanner, scan_file
    from iolog_tui.rowpainter import TORN_NOTE

    monkeypatch.setattr(scan, "FIRST_BATCH_BYTES", batch_bytes)
    monkeypatch.setattr(scan, "BATCH_BYTES", batch_bytes)
    path = tmp_path_factory.mktemp("torn") / "case.log"
    path.write_bytes(case.data)
    model = LogModel(path)
    try:
        generation = model.reset()
        for batch in scan_file(path, RowScanner(generation)):
            model.apply(batch)
            for number in range(len(model)):
                model.row(number)  # cached before the rows after it are known
        rows = [model.row(number) for number in range(len(model))]
    finally:
        model.close()
    assert {row.offset for row in rows if row.may_be_torn} == _torn_firsts(case.data)
    painter_notes = {row.offset for row in rows if row.kind <= RowKind.STDERR
                     and _painted(row).endswith(TORN_NOTE)}
    assert painter_notes == _torn_firsts(case.data)


def _painted(row) -> str:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.style import Style

    from iolog_tui.rowpainter import RowPainter

    return RowPainter(lambda _name: Style(), Console, lambda: 0).text(row).plain
