"""``iolog cat``: print a log's messages, like ``docker logs``.

This module owns choosing what ``cat`` reads for its flags (the whole file in
bulk, a time window, the last lines, a pipe, a live device, follow) and
handing the entries to the printer (:mod:`iolog.cli.printer`).
"""

from __future__ import annotations

import argparse
import os
import select
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from ..core.decoder import Decoder, Event, Skipped, Truncated
from ..core.format import Entry, Stream
from ..sources.serial import is_live_spec
from ..sources.status import SourceState, SourceStatus
from .common import (
    PROG,
    CliError,
    Damage,
    check_readable_file,
    parse_window,
    standard_stream,
    tail_count,
    warn,
)
from .printer import Printer

__all__ = ["cat_command"]

#: A pipe quiet this long has what arrived shown (``iolog cat -``).
PIPE_IDLE_S = 0.1
_PIPE_READ_BYTES = 1 << 20

#: Whether an entry is inside the requested time window.
EntryFilter = Callable[[Entry], bool]


def _is_live(spec: str) -> bool:
    if spec == "-":
        return False
    return is_live_spec(spec)


def cat_command(args: argparse.Namespace) -> int:
    since_ns, until_ns = parse_window(args)
    tail = tail_count(args.tail)
    streams = (
        frozenset(Stream)
        if args.stream == "all"
        else frozenset({Stream.STDOUT if args.stream == "stdout" else Stream.STDERR})
    )
    standard_stream("stdout")
    printer = Printer(timestamps=args.timestamps, streams=streams, raw=args.raw)
    damage = Damage()
    name = "stdin" if args.source == "-" else args.source

    def in_window(entry: Entry) -> bool:
        return (since_ns is None or entry.timestamp_ns >= since_ns) and (
            until_ns is None or entry.timestamp_ns < until_ns
        )

    if _is_live(args.source):
        return _cat_live(args, printer, damage, in_window)
    if args.save:
        raise CliError("--save is for live sources (a serial device or URL)", status=2)

    if args.source == "-":
        # A pipe may be live (``tail -f ... | iolog cat -``): what has arrived
        # is shown once the pipe goes quiet, unless only the last lines count.
        events: Iterable[Event] = _pipe_events(
            standard_stream("stdin").fileno(), on_idle=printer.flush if tail is None else None
        )
        if tail is not None:
            events = _last_lines(events, tail, in_window, streams)
        _print_events(events, printer, damage, in_window)
        printer.close()
        if not args.quiet:
            for line in damage.warnings(name):
                warn(line)
        return 0

    check_readable_file(args.source)
    from ..file.logfile import LogFile
    from ..file.windows import window_batches

    with LogFile(args.source) as log:
        if tail is not None and since_ns is None and until_ns is None:
            start = log.tail(tail) if tail > 0 else log.size
            end = log.size
            events = log.events_from(start, end)
            if tail > 0:
                events = _last_lines(events, tail, in_window, streams)
        elif tail is not None:
            end = log.size
            events = _last_lines(
                log.events(since_ns=since_ns, until_ns=until_ns), tail, in_window, streams
            )
        elif not args.follow:
            windowed = since_ns is not None or until_ns is not None
            items = window_batches(log, since_ns=since_ns, until_ns=until_ns) if windowed else log.batches()
            for item in items:  # in bulk
                if isinstance(item, list):
                    _print_events(item, printer, damage, in_window)
                else:
                    printer.batch(item)
            events = ()
            end = log.size
        elif since_ns is not None or until_ns is not None:
            end = log.size
            events = log.events(since_ns=since_ns, until_ns=until_ns)
        else:
            end = log.size
            events = log.events_from(0)
        if args.follow:
            events = _stop_at(events, end)
        _print_events(events, printer, damage, in_window)
        if args.follow:
            printer.flush()
        else:
            printer.close()
        if not args.quiet:
            for line in damage.warnings(name):
                warn(line)
        if not args.follow:
            return 0
        for batch in log.follow(end):
            for event in batch:
                if isinstance(event, SourceStatus):
                    if not args.quiet:
                        warn(f"{PROG}: {name}: {event.message}")
                    continue
                _print_one(event, printer, damage, in_window, name, args.quiet)
            printer.flush()
    return 0


def _pipe_events(fd: int, *, on_idle: Callable[[], None] | None) -> Iterator[Event]:
    """Decode a pipe (or any stdin) as bytes arrive, not a whole read at a time.

    When no byte has come for ``PIPE_IDLE_S``, the decoder is flushed (the
    newest entry shows without waiting for its successor) and ``on_idle`` is
    called, so that what was printed reaches the terminal.
    """
    decoder = Decoder()
    while True:
        try:
            ready, _, _ = select.select([fd], [], [], PIPE_IDLE_S)
        except (OSError, ValueError):
            ready = [fd]  # not selectable (a file on some systems): just read
        if not ready:
            yield from decoder.flush()
            if on_idle is not None:
                on_idle()
            select.select([fd], [], [])  # then wait as long as it takes
            continue
        chunk = os.read(fd, _PIPE_READ_BYTES)
        if not chunk:
            break
        yield from decoder.feed(chunk)
    yield from decoder.close()


def _stop_at(events: Iterable[Event], end: int) -> Iterator[Event]:
    """Pass events that start before ``end`` (follow takes over from there)."""
    for event in events:
        if isinstance(event, Truncated) and event.offset < end:
            return  # still being written: follow completes it
        start = event.offset if event.offset is not None else 0
        if start >= end:
            return
        yield event


def _print_one(
    event: Event | SourceStatus,
    printer: Printer,
    damage: Damage,
    in_window: EntryFilter,
    name: str,
    quiet: bool,
) -> None:
    """Print one event of a followed source; warn at once about damage."""
    if isinstance(event, Entry):
        if in_window(event):
            printer.entry(event)
    elif isinstance(event, (Skipped, Truncated)):
        if not quiet:
            single = Damage()
            single.add(event)
            printer.flush()
            for line in single.warnings(name):
                warn(line)
        damage.add(event)


def _print_events(
    events: Iterable[Event], printer: Printer, damage: Damage, in_window: EntryFilter
) -> None:
    for event in events:
        if isinstance(event, Entry):
            if in_window(event):
                printer.entry(event)
        else:
            damage.add(event)


def _last_lines(
    events: Iterable[Event], count: int, in_window: EntryFilter, streams: frozenset[Stream]
) -> Iterator[Event]:
    """The entries of the last ``count`` logical lines (and damage events)."""
    lines: deque[list[Entry]] = deque(maxlen=count or None)
    open_lines: dict[Stream, list[Entry]] = {}
    damage: list[Event] = []
    for event in events:
        if not isinstance(event, Entry):
            damage.append(event)
            continue
        if event.stream not in streams or not in_window(event):
            continue
        line = open_lines.get(event.stream)
        if line is None:
            line = open_lines[event.stream] = []
            if count:
                lines.append(line)
        line.append(event)
        if event.message.endswith(b"\n"):
            del open_lines[event.stream]
    if count == 0:
        lines.clear()
    yield from damage
    for line in lines:
        yield from line


def _cat_live(
    args: argparse.Namespace, printer: Printer, damage: Damage, in_window: EntryFilter
) -> int:
    from ..sources.live import live_events
    from ..sources.serial import SerialSource

    save: BinaryIO | None = None
    if args.save:
        try:
            save = open(args.save, "ab")  # noqa: SIM115 - closed below
        except OSError as error:
            raise CliError(f"--save {args.save}: {error.strerror or error}") from None
    source = SerialSource(args.source, baud=args.baud, reconnect=not args.no_reconnect)
    try:
        source.open()
        for batch in live_events(source.chunks(), save=save):
            for event in batch:
                if isinstance(event, SourceStatus):
                    if event.state is not SourceState.CONNECTED or not args.quiet:
                        printer.flush()
                        warn(f"{PROG}: {args.source}: {event.message}")
                    continue
                _print_one(event, printer, damage, in_window, args.source, args.quiet)
            printer.flush()
        printer.close()
    finally:
        source.close()
        if save is not None:
            save.close()
    return 0
