"""iolog-tui: time to first screen and peak memory on a 1 KiB and a 1 GiB log; JSON only.

For each log (generated once into benchmarks/data/ by ``generate.py``) a fresh
Python process starts the viewer headless (Textual's test driver, 120x36) and
reports:

* ``first_screen_s``: from process launch (interpreter start-up and imports
  included) to the first frame that draws a row of the log;
* ``scan_done_s``: until every row of the file is known (the scrollbar is exact);
* ``key_latency_ms``: how long a key press (``j``, one every 50 ms, after a
  ``g``: the log opens at its end) took to move the cursor while the file was
  still being scanned: median and maximum (``null`` if the scan ended before
  the first press);
* ``peak_rss_mib``: the process's peak resident memory (``ru_maxrss``) at the end;
* ``follow_latency_ms`` (the small log, on a copy): the viewer open at the
  end of the log, one line is appended at a time (20 times, 0.2 s apart); how
  long until its row is on screen: median and maximum.

``bench_viewers.py`` measures iolog-tui beside toolong and lnav in a real
terminal (tmux), on the same log and its plain-text twin.

Usage: ``python benchmarks/bench_tui.py [--big 1G] [--small 1K]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import generate, parse_size  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

# Runs in the child process; prints one JSON object.
_PROBE = r"""
import asyncio, json, resource, sys, time
launched_wall = float(sys.argv[2])
started = time.perf_counter() - (time.time() - launched_wall)
from textual import events
from iolog_tui.app import IologApp
from iolog_tui.logview import LogView
from iolog_tui.sources import LogSource

first_row_drawn = []
_render_line = LogView.render_line

def render_line(self, y):
    strip = _render_line(self, y)
    if not first_row_drawn and y == 0 and len(self.rows) and strip.text.strip():
        first_row_drawn.append(time.perf_counter())
    return strip

LogView.render_line = render_line

async def main():
    app = IologApp(LogSource(sys.argv[1], "bench"))
    result = {}
    async with app.run_test(size=(120, 36)) as pilot:
        view = app.query_one("#merged")
        while not first_row_drawn:
            await asyncio.sleep(0.001)
        result["first_screen_s"] = round(first_row_drawn[0] - started, 3)
        latencies = []
        # The log opens at its end; the presses move the cursor down from the first row.
        app.post_message(events.Key("g", "g"))
        while view.cursor_index not in (0, None) and app.log_screen.panes.scan_progress is not None:
            await asyncio.sleep(0.0005)
        while app.log_screen.panes.scan_progress is not None and not view.cursor_on_last:
            before = view.cursor_index
            pressed = time.perf_counter()
            app.post_message(events.Key("j", "j"))
            while view.cursor_index == before and time.perf_counter() - pressed < 10:
                await asyncio.sleep(0.0005)
            moved = (time.perf_counter() - pressed) * 1000
            latencies.append(moved)
            await asyncio.sleep(0.05)
        latencies.sort()
        result["key_latency_ms"] = None if not latencies else {
            "presses": len(latencies),
            "median": round(latencies[len(latencies) // 2], 1),
            "max": round(latencies[-1], 1),
        }
        result["scan_done_s"] = round(time.perf_counter() - started, 3)
        result["rows"] = len(app.log_screen.panes.model)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["peak_rss_mib"] = round(peak_kib / 1024, 1)
    print(json.dumps(result))

asyncio.run(main())
"""


def _ensure(name: str, size: int) -> str:
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        os.makedirs(DATA, exist_ok=True)
        if size < 1 << 20:
            _write_small(path + ".tmp", size)
        else:
            generate(path + ".tmp", size, seed=5)
        os.replace(path + ".tmp", path)
    return path


def _write_small(path: str, size: int) -> None:
    """A log of about ``size`` bytes through LogWriter (generate.py writes 8192 lines at least)."""
    from iolog import LogWriter, Stream

    clock = iter(range(1_767_225_600_000_000_000, 1 << 62, 250_000_000))
    with open(path, "wb") as sink:
        out = LogWriter(sink, clock=lambda: next(clock))
        err = LogWriter(sink, stream=Stream.STDERR, clock=lambda: next(clock))
        number = 0
        while sink.tell() < size:
            writer = err if number % 4 == 3 else out
            writer.write(b"%04d GET /api/v1/items status=200 took 12ms\n" % number)
            number += 1


# Runs in the child process on a copy of a log; appends lines; prints one JSON object.
_FOLLOW_PROBE = r"""
import asyncio, json, sys, time
from iolog import LogWriter
from iolog_tui.app import IologApp
from iolog_tui.sources import LogSource

async def main():
    path = sys.argv[1]
    app = IologApp(LogSource(path, "bench"))
    async with app.run_test(size=(120, 36)) as pilot:
        panes = app.log_screen.panes
        while panes.scan_progress is not None or not len(panes.model):
            await asyncio.sleep(0.01)
        latencies = []
        with open(path, "ab") as sink:
            writer = LogWriter(sink)
            for number in range(20):
                before = len(panes.model)
                appended = time.perf_counter()
                writer.write(b"appended line %d\n" % number)
                sink.flush()
                view = app.query_one("#merged")
                while (len(panes.model) == before or view.cursor_index != len(panes.model) - 1) \
                        and time.perf_counter() - appended < 10:
                    await asyncio.sleep(0.001)
                latencies.append((time.perf_counter() - appended) * 1000)
                await asyncio.sleep(0.2)
    latencies.sort()
    print(json.dumps({"samples": len(latencies), "median": round(latencies[len(latencies) // 2], 1),
                      "max": round(latencies[-1], 1)}))

asyncio.run(main())
"""


def measure_follow(path: str) -> dict[str, object]:
    """Follow latency on a copy of ``path`` (the log itself is not changed)."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        copy = os.path.join(folder, "follow.log")
        shutil.copyfile(path, copy)
        result = subprocess.run([sys.executable, "-c", _FOLLOW_PROBE, copy],
                                capture_output=True, text=True, check=True, timeout=600)
    measured: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def measure_iolog_tui(path: str) -> dict[str, object]:
    """Run the probe on ``path`` in a fresh interpreter."""
    launched = time.perf_counter()
    # The child measures from this moment (interpreter start-up included).
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, path, repr(time.time())],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    measured: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    measured["wall_s"] = round(time.perf_counter() - launched, 3)
    return measured


def main(argv: list[str] | None = None) -> int:
    """Generate the logs if needed, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", default="1G", help="size of the big log (default 1G)")
    parser.add_argument("--small", default="1K", help="size of the small log (default 1K)")
    args = parser.parse_args(argv)
    report: dict[str, object] = {"terminal": "headless 120x36", "iolog_tui": {}}
    for label, size_text in (("small", args.small), ("big", args.big)):
        size = parse_size(size_text)
        path = _ensure(f"tui-{size}.log", size)
        entry = {"size_bytes": os.path.getsize(path), **measure_iolog_tui(path)}
        if label == "small":
            entry["follow_latency_ms"] = measure_follow(path)
        report["iolog_tui"][label] = entry  # type: ignore[index]
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
