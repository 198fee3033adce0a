"""Regenerate the README screenshots of iolog-tui (SVG), deterministically.

Usage (from the repository root)::

    python screenshots/make.py

Each picture is the viewer running headless at 120x36 on a log written by
the demo script with a fixed clock, in a fixed time zone and with a fixed
"now", so running this again gives the same files unless the viewer changed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from iolog import LogWriter, Stream
from iolog_tui.app import IologApp
from iolog_tui.demo import DemoWriter, StepClock
from iolog_tui.sources import LogSource

HERE = Path(__file__).resolve().parent
SIZE = (120, 36)
#: "Now" in the pictures: 2026-11-25T10:00:00Z.
NOW_NS = 1_795_600_800 * 1_000_000_000
START_NS = NOW_NS - 3600 * 1_000_000_000


Steps = Callable[[IologApp, object], Awaitable[None]]


async def settle(app: IologApp, pilot: object) -> None:
    """Wait until the scan and the level count are done and the screen redrawn."""
    deadline = time.monotonic() + 30
    while app.log_screen.panes.scan_progress is not None and time.monotonic() < deadline:
        await pilot.pause(0.02)  # type: ignore[attr-defined]
    while not app.log_screen.level_bar.finished and time.monotonic() < deadline:
        await pilot.pause(0.02)  # type: ignore[attr-defined]
    await pilot.pause(0.1)  # type: ignore[attr-defined]


def keys(*pressed: str, then: float = 0.1) -> Steps:
    """Steps: settle, press keys, wait a little."""

    async def run(app: IologApp, pilot: object) -> None:
        await settle(app, pilot)
        await pilot.press(*pressed)  # type: ignore[attr-defined]
        await pilot.pause(then)  # type: ignore[attr-defined]

    return run


async def picker(app: IologApp, pilot: object) -> None:
    """Open the since picker and type a duration; wait for the preview."""
    await settle(app, pilot)
    await pilot.press("s", *"25m")  # type: ignore[attr-defined]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if "first entry" in str(app.screen.query_one("#preview").render()):
            break
        await pilot.pause(0.02)  # type: ignore[attr-defined]
    await pilot.pause(0.1)  # type: ignore[attr-defined]


def paused_with_new(path: Path) -> Steps:
    """Follow, scroll up, then let new entries arrive."""

    async def run(app: IologApp, pilot: object) -> None:
        await settle(app, pilot)
        await pilot.press("k", "k", "k", "k", "k")  # type: ignore[attr-defined]
        before = len(app.log_screen.panes.model)
        with open(path, "ab") as sink:
            writer = LogWriter(sink, stream=Stream.STDERR, clock=StepClock(NOW_NS, 10**9))
            for number in range(9):
                writer.write(b"WARN  queue depth %d above threshold\n" % (100 + number))
            writer.close()
        deadline = time.monotonic() + 10
        while len(app.log_screen.panes.model) < before + 9 and time.monotonic() < deadline:
            await pilot.pause(0.02)  # type: ignore[attr-defined]
        await pilot.pause(0.1)  # type: ignore[attr-defined]

    return run


async def shoot(
    name: str, path: Path, steps: Steps, source: LogSource | None = None, **options: object
) -> None:
    """Run the app on ``path`` (or ``source``), apply ``steps``, save ``screenshots/<name>.svg``."""
    source = source or LogSource(str(path), "orders-api.log")
    app = IologApp(source, clock=lambda: NOW_NS, **options)  # type: ignore[arg-type]
    async with app.run_test(size=SIZE) as pilot:
        await steps(app, pilot)
        svg = app.export_screenshot(title=f"iolog-tui — {name}")
    (HERE / f"{name}.svg").write_text(svg, encoding="utf-8")
    print(f"wrote screenshots/{name}.svg")


def container_logs(directory: Path) -> LogSource:
    """Three containers' logs in a datastore's folders, their lines interleaving in time."""
    logs = {
        "web": (0, 2, [(Stream.STDERR, b"WARN  upstream slow: GET /api/orders took %d ms\n" % (900 + n))
                       if n % 7 == 5
                       else (Stream.STDOUT, b"INFO  GET /api/orders/%d 200 %d ms\n" % (n, 3 + n % 9))
                       for n in range(60)]),
        "db-primary": (7, 3, [(Stream.STDOUT, b"LOG:  checkpoint complete: wrote %d buffers\n" % (40 + 3 * n))
                              for n in range(40)]),
        "worker": (1, 5, [(Stream.STDERR, b"ERROR job %d failed: connection reset by peer\n" % n)
                          if n % 4 == 2 else (Stream.STDOUT, b"job %d done in %d.%d s\n" % (n, n % 4, n % 10))
                          for n in range(24)]),
    }
    found = []
    for name, (start_s, step_s, items) in sorted(logs.items()):
        path = directory / "vms" / name / "output.log"
        path.parent.mkdir(parents=True)
        clock = StepClock(NOW_NS - 120 * 10**9 + start_s * 10**9, step_s * 10**9)
        with open(path, "ab") as sink:
            writers = {stream: LogWriter(sink, stream=stream, clock=clock) for stream in Stream}
            for stream, data in items:
                writers[stream].write(data)
            for writer in writers.values():
                writer.close()
        found.append((str(path), name))
    return LogSource(found[0][0], "vms", logs=tuple(found), specs=(str(directory / "vms"),))


def demo_log(directory: Path) -> Path:
    """The demo script's first 90 steps with a 40 s step clock."""
    path = directory / "orders-api.log"
    DemoWriter(str(path), clock=StepClock(START_NS, 40 * 10**9)).write_steps(90)
    return path


async def main() -> None:
    """Write every screenshot."""
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        path = demo_log(directory)
        await shoot("merged", path, settle)
        await shoot("split", path, keys("p"))
        await shoot("local-time-wrapped", path, keys("t", "ctrl+w", "g"))
        await shoot("since-picker", path, picker)
        await shoot("since-applied", path, keys("s", *"25m", "enter", then=0.5))
        await shoot("help", path, keys("question_mark"))
        await shoot("levels-timeline", path, keys("T", "escape", "e", "e", then=0.8))
        followed = directory / "followed.log"
        followed.write_bytes(path.read_bytes())
        await shoot("following-paused", followed, paused_with_new(followed), follow=True)
        vms = container_logs(directory)
        await shoot("several-logs", Path(vms.path), settle, source=vms)
        await shoot("split-by-log", Path(vms.path), keys("p", "p"), source=vms)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
