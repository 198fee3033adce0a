"""Measure iolog-tui's search on a big log: time to the first match and to the full count.

Runs the viewer headless (120x36) on a log (1 GiB by default, generated into
``benchmarks/data/`` if missing), types a search as soon as the first
screenful is drawn, and prints JSON with what it measured:

- ``first_match_s``: from Enter to the first match near the view being shown;
- ``full_count_s``: from Enter to the count being complete (this includes
  waiting for the viewer's own scan of the file, which the count follows);
- ``matches``: the count; ``key_latency_max_s``: the slowest of a few
  scroll keys pressed while counting, from the key being sent to the pane
  having moved (the UI must stay responsive).

Keys are sent as the terminal driver sends them, not with ``Pilot.press``:
that waits for the whole process to go idle (up to a second, twice), which
it never is while a worker counts, so it would time its own waiting.

With ``--while-scanning`` the search is typed as soon as the first rows
are there, through the terminal driver as well, so the count runs beside the
viewer's own scan of the file; it reports ``scanning_at_enter``,
``scan_done_s`` (from the first rows to the end of the scan) and
``full_count_s`` (from Enter), and no key latencies.

With ``--scan`` it times the count alone, without the viewer (whose own
scan of the file bounds ``full_count_s`` from below): the model is built
first, then :func:`~iolog_tui.model.search.scan_rows` tests every row for the
pattern, with the pattern's needle (``scan_s``) and, for comparison, with
every line tested (``every_line_s``, what a regular expression costs).

Usage::

    python benchmarks/bench_search.py [--log PATH] [--size 256M] [--pattern TEXT] [--scan | --while-scanning]

``--size`` is the size of the log generated when ``--log`` does not exist.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

from textual import events

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LOG = os.path.join(HERE, "data", "big-plain.log")


async def measure_while_scanning(path: str, pattern: str) -> dict[str, object]:
    """Type the search at the first rows, while the viewer still scans the file, and time the count."""
    from iolog_tui.app import IologApp
    from iolog_tui.sources import LogSource

    app = IologApp(LogSource(path, os.path.basename(path)))
    result: dict[str, object] = {"log_bytes": os.path.getsize(path), "pattern": pattern}
    async with app.run_test(size=(120, 36)):
        panes = app.log_screen.panes
        while not len(panes.model):
            await asyncio.sleep(0.005)
        first_rows = time.perf_counter()
        send(app, "slash", "/")
        while getattr(app.focused, "value", None) is None and time.perf_counter() - first_rows < 5:
            await asyncio.sleep(0.005)  # the search field has the focus
        for char in pattern:
            send(app, "space" if char == " " else char, char)
        while getattr(app.focused, "value", None) != pattern and time.perf_counter() - first_rows < 5:
            await asyncio.sleep(0.005)
        bar = app.log_screen.search_bar
        result["scanning_at_enter"] = panes.scan_progress is not None
        start = time.perf_counter()
        send(app, "enter")
        scan_done = None if result["scanning_at_enter"] else start
        while not bar.finished and time.perf_counter() - start < 120:
            await asyncio.sleep(0.005)
            if scan_done is None and panes.scan_progress is None:
                scan_done = time.perf_counter()
        result["scan_done_s"] = round((scan_done or time.perf_counter()) - first_rows, 3)
        result["full_count_s"] = round(time.perf_counter() - start, 3)
        result["matches"] = len(bar.matches)
    return result


async def measure(path: str, pattern: str) -> dict[str, object]:
    """Run the viewer on ``path``, search for ``pattern``, and time it."""
    from iolog_tui.app import IologApp
    from iolog_tui.sources import LogSource

    app = IologApp(LogSource(path, os.path.basename(path)))
    result: dict[str, object] = {"log_bytes": os.path.getsize(path), "pattern": pattern}
    async with app.run_test(size=(120, 36)) as pilot:
        while not len(app.log_screen.panes.model):
            await pilot.pause(0.01)
        await pilot.press("slash", *pattern)
        start = time.perf_counter()
        send(app, "enter")
        while app.log_screen.search_bar.current is None and not app.log_screen.search_bar.finished:
            await asyncio.sleep(0.001)
        result["first_match_s"] = round(time.perf_counter() - start, 3)
        bar = app.log_screen.search_bar
        finished_at: list[float] = []

        async def watch_count() -> None:  # the count's end, while the keys are timed
            while not bar.finished:
                await asyncio.sleep(0.005)
            finished_at.append(time.perf_counter())

        watcher = asyncio.create_task(watch_count())
        view = app.log_screen.panes.active_view()
        latencies = []
        for key in ("j", "j", "k", "pagedown", "pageup", "k"):
            # A key has answered when the cursor or the view has moved.
            where = (view.cursor_index, view.scroll_offset.y)
            before = time.perf_counter()
            send(app, key)
            while (view.cursor_index, view.scroll_offset.y) == where and time.perf_counter() - before < 30:
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - before)
            await asyncio.sleep(0.2)
        result["key_latency_max_s"] = round(max(latencies), 3)
        await watcher
        result["full_count_s"] = round(finished_at[0] - start, 3)
        result["matches"] = len(app.log_screen.search_bar.matches)
    return result


def measure_scan(path: str, pattern: str) -> dict[str, object]:
    """Build the model of ``path``, then time counting ``pattern`` with ``scan_rows`` alone."""
    from iolog_tui.model import LogModel
    from iolog_tui.model.scan import scan_whole_file
    from iolog_tui.model.search import Matcher, scan_rows

    model = LogModel(path)
    scan_whole_file(path, model)
    size_bytes = os.path.getsize(path)
    result: dict[str, object] = {"log_bytes": size_bytes, "pattern": pattern, "rows": len(model)}
    matcher = Matcher(pattern)
    matches = matcher.matches

    def test(_kind: int, message: bytes) -> bool:
        return matches(message)

    for label, needle in (("scan", matcher.needle), ("every_line", None)):
        start = time.perf_counter()
        count = 0
        for batch in scan_rows(model.path, model.offsets, model.kinds, 0, len(model), test,
                               needle=needle, exact_case=matcher.case_sensitive):
            count += len(batch.rows)
        elapsed_s = time.perf_counter() - start
        result[f"{label}_s"] = round(elapsed_s, 3)
        result[f"{label}_mb_per_s"] = round(size_bytes / elapsed_s / 1e6, 1)
        result["matches"] = count
    model.close()
    return result


def send(app: object, key: str, character: str | None = None) -> None:
    """Send ``key`` the way the terminal driver does, without waiting for anything."""
    event = events.Key(key, character if character is not None else key if len(key) == 1 else None)
    event.set_sender(app)  # type: ignore[arg-type]
    app._driver.send_message(event)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, make the log if needed, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", default=DEFAULT_LOG)
    parser.add_argument("--size", default="1G", help="size of the log generated if --log is missing")
    parser.add_argument("--pattern", default="timeout")
    parser.add_argument("--scan", action="store_true", help="time the count alone, without the viewer")
    parser.add_argument("--while-scanning", action="store_true",
                        help="type the search at the first rows, while the viewer still scans")
    args = parser.parse_args(argv)
    if not os.path.exists(args.log):
        sys.path.insert(0, HERE)
        from generate import generate, parse_size  # type: ignore[import-not-found]

        os.makedirs(os.path.dirname(args.log), exist_ok=True)
        generate(args.log, parse_size(args.size))
    if args.scan:
        result = measure_scan(args.log, args.pattern)
    elif args.while_scanning:
        result = asyncio.run(measure_while_scanning(args.log, args.pattern))
    else:
        result = asyncio.run(measure(args.log, args.pattern))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
