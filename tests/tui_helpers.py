"""Shared Pilot helpers of the viewer's tests: the app on a log, waiting for it, typing in it."""

from __future__ import annotations

import asyncio
import functools
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


def append_lines(path: Path, texts: list[bytes], stream: Stream = Stream.STDOUT) -> None:
    """Append lines as a growing log gets them: a second apart, after the log's last entry."""
    decoder = Decoder()
    events = decoder.feed(Path(path).read_bytes() if Path(path).exists() else b"") + decoder.close()
    last = max((event.timestamp_ns for event in events if isinstance(event, Entry)), default=NOW_NS)
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
