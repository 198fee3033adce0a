"""Shared Pilot helpers of the viewer's tests: the app on a log, waiting for it, typing in it."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from iolog import Decoder, Entry, LogWriter, Stream
from iolog_tui.app import IologApp
from iolog_tui.logview import LogView
from iolog_tui.model.search import message_string
from iolog_tui.sources import LogSource

from .conftest import NOW_NS, StepClock, fixed_now, wait_until

SIZE = (120, 36)
SECOND_NS = 1_000_000_000
MINUTE_NS = 60 * SECOND_NS


def pilot_test(function: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test body to completion (no async plugin needed)."""

    @functools.wraps(function)
    def run(*args: object, **kwargs: object) -> None:
        asyncio.run(function(*args, **kwargs))

    return run


def make_app(path: Path, **options: object) -> IologApp:
    return IologApp(LogSource(str(path), path.name), clock=fixed_now, **options)  # type: ignore[arg-type]


def service_items(count: int) -> list[tuple[Stream, bytes] | bytes]:
    return [
        (Stream.STDERR if n % 5 == 2 else Stream.STDOUT, b"line %d\n" % n) for n in range(count)
    ]


#: What :func:`latest_entry_ns` has read of a log: its path -> (device, inode, bytes read, the last
#: of them, the latest entry time).
_READ: dict[str, tuple[int, int, int, bytes, int]] = {}
_CHECKED_BYTES = 64


def latest_entry_ns(path: Path) -> int:
    """The latest entry time in the log (``NOW_NS`` if none is later), reading only what is new.

    The bytes read before are not read again while the file is the same one
    and has only grown (the last bytes read are still there): the entries
    appended since are decoded from where the last reading ended.
    """
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return NOW_NS
    start, tail, latest = 0, b"", NOW_NS
    with open(path, "rb") as log:
        known = _READ.get(str(path))
        if known is not None and known[:2] == (status.st_dev, status.st_ino) and known[2] <= status.st_size:
            log.seek(known[2] - len(known[3]))
            if log.read(len(known[3])) == known[3]:
                start, tail, latest = known[2], known[3], known[4]
        log.seek(start)
        data = log.read(status.st_size - start)
    decoder = Decoder()
    events = decoder.feed(data) + decoder.close()
    latest = max([latest, *(event.timestamp_ns for event in events if isinstance(event, Entry))])
    tail = (tail + data)[-_CHECKED_BYTES:]
    _READ[str(path)] = (status.st_dev, status.st_ino, start + len(data), tail, latest)
    return latest


def append_lines(path: Path, texts: list[bytes], stream: Stream = Stream.STDOUT) -> None:
    """Append lines as a growing log gets them: a second apart, after the log's latest entry."""
    last = latest_entry_ns(path)
    with open(path, "ab") as sink:
        writer = LogWriter(sink, stream=stream, clock=StepClock(max(NOW_NS, last + SECOND_NS), SECOND_NS))
        for text in texts:
            writer.write(text)
        writer.close()


async def scanned(pilot) -> None:
    await wait_until(pilot, lambda: pilot.app.log_screen.panes.scan_progress is None)


def merged(app: IologApp) -> LogView:
    return app.query_one("#merged", LogView)


def known_items(count: int = 300) -> list[tuple[Stream, bytes] | bytes]:
    """Every 10th row says "timeout"; every 4th is on stderr."""
    items: list[tuple[Stream, bytes] | bytes] = []
    for number in range(count):
        stream = Stream.STDERR if number % 4 == 1 else Stream.STDOUT
        word = b"Timeout" if number % 10 == 3 else b"ok"
        items.append((stream, b"row %03d %s\n" % (number, word)))
    return items


def shown_messages(view: LogView) -> list[str]:
    return [message_string(view.rows.row(index).message) for index in range(len(view.rows))]


async def ready(pilot) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: app.log_screen.panes.scan_progress is None)


async def search(pilot, text: str) -> None:
    app = pilot.app
    await pilot.press("slash")
    await pilot.press(*text)
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.log_screen.search_bar.finished)


async def filter_rows(pilot, text: str, *, invert: bool = False) -> None:
    app = pilot.app
    await pilot.press("ampersand")
    await pilot.press(*text)
    if invert:
        await pilot.press("ctrl+n")
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.log_screen.filter_bar.finished)
