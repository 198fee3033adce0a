"""Shared fixtures for the viewer's tests: a fixed time zone and clock, fixture logs.

Only tests that ask for these fixtures are affected; nothing here is autouse.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from iolog import LogWriter, Stream
from iolog_tui.demo import StepClock as DemoStepClock

#: "Now" for every viewer test: 2026-11-25T10:00:00Z.
NOW_NS = 1_795_600_800 * 1_000_000_000
#: Where fixture logs start: one hour before NOW_NS.
START_NS = NOW_NS - 3600 * 1_000_000_000


def fixed_now() -> int:
    """The viewer tests' clock."""
    return NOW_NS


class StepClock(DemoStepClock):
    """The demo's step clock, by default from ``START_NS`` in 1.5 s steps."""

    def __init__(self, start_ns: int = START_NS, step_ns: int = 1_500_000_000) -> None:
        super().__init__(start_ns, step_ns)


@pytest.fixture
def fixed_tz() -> Iterator[str]:
    """Run in a fixed time zone (UTC+05:30, no DST) and restore it afterwards."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    try:
        yield "Asia/Kolkata"
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


LogBuilder = Callable[..., Path]


@pytest.fixture
def write_log(tmp_path: Path) -> LogBuilder:
    """Build a fixture log in ``tmp_path`` from ``(stream, bytes)`` items.

    Items are written through one :class:`LogWriter` per stream with a step
    clock; a ``bytes`` item on its own is written raw (garbage). Returns the path.
    """

    def build(
        items: list[tuple[Stream, bytes] | bytes],
        name: str = "app.log",
        clock: StepClock | None = None,
    ) -> Path:
        path = tmp_path / name
        stamp = clock or StepClock()
        with open(path, "ab") as sink:
            writers = {s: LogWriter(sink, stream=s, clock=stamp) for s in Stream}
            for item in items:
                if isinstance(item, bytes):
                    for writer in writers.values():
                        writer.flush()
                    sink.flush()
                    sink.write(item)
                    continue
                stream, data = item
                writers[stream].write(data)
            for writer in writers.values():
                writer.close()
        return path

    return build


@pytest.fixture
def demo_log(tmp_path: Path) -> Path:
    """The demo's first 60 steps, written at once with a step clock."""
    from iolog_tui.demo import DemoWriter

    path = tmp_path / "demo.log"
    DemoWriter(str(path), clock=StepClock(step_ns=20_000_000_000)).write_steps(60)
    return path


async def wait_until(pilot: object, condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (fail after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the app did not reach the expected state in time")
        await pilot.pause(0.02)  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


@pytest.fixture
def settle() -> Callable[..., object]:
    """``await settle(pilot)``: wait until the app has scanned its file, counted its levels and redrawn."""

    async def run(pilot: object) -> None:
        app = pilot.app  # type: ignore[attr-defined]
        await wait_until(pilot, lambda: app.log_screen.panes.scan_progress is None)
        await wait_until(pilot, lambda: app.log_screen.level_bar.finished)
        await pilot.pause(0.05)  # type: ignore[attr-defined]

    return run


@pytest.fixture(autouse=True, scope="session")
def _private_index_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the tests' saved indexes (and their subprocesses') out of the user's cache."""
    before = os.environ.get("IOLOG_CACHE_DIR")
    os.environ["IOLOG_CACHE_DIR"] = str(tmp_path_factory.mktemp("index-cache"))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("IOLOG_CACHE_DIR", None)
        else:
            os.environ["IOLOG_CACHE_DIR"] = before
