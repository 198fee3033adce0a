"""``iolog cat``: print a log's messages, like ``docker logs``.

This module owns choosing what ``cat`` reads for its flags (the whole file in
bulk, a time window, the last lines, a pipe or any other stream, a live
device, follow) and handing the entries and the damage to the printer
(:mod:`iolog.cli.printer`). Every reading decision (entries, lines, windows,
tail) is the library's; nothing here decides what an entry or a line is.

Stopping (Ctrl-C, SIGTERM, SIGHUP) never loses what was received: the
decoder is closed and its last entries printed before exit.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import stat
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import BinaryIO

from ..core.decoder import Decoder, Event
from ..core.format import Entry, Stream
from ..core.lines import LineState
from ..file.walk import FastBatch
from ..sources.serialport import is_live_spec
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
#: Quiet for this long more, a last line without its newline is shown too.
SETTLED_S = 0.4
#: How often ``-f`` looks for a file that does not exist yet.
WAIT_POLL_S = 0.2
_PIPE_READ_BYTES = 1 << 20

#: Whether an entry is inside the requested time window.
EntryFilter = Callable[[Entry], bool]


def cat_command(args: argparse.Namespace) -> int:
    """Run ``iolog cat``."""
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

    with _stopped_by_signals():
        if _is_live(args.source):
            return _cat_live(args, printer, damage, in_window)
        if args.save:
            raise CliError("--save is for live sources (a serial device or URL)", status=2)
        stream_fd = _stream_source(args.source)
        if stream_fd is not None:
            # A pipe may be live (``tail -f ... | iolog cat -``): what has
            # arrived is shown once it goes quiet, unless only the last lines count.
            try:
                events: Iterable[Event] = _stream_events(
                    stream_fd, on_idle=printer.flush if tail is None else None
                )
                if tail is not None:
                    events = _last_lines(events, tail, in_window, streams)
                _print_events(events, printer, damage, in_window)
            finally:
                printer.close()
                if stream_fd != 0:
                    os.close(stream_fd)
            _report(damage, name, args.quiet)
            return 0
        if args.follow:
            _wait_for_file(args.source, args.quiet)
        check_readable_file(args.source)
        _cat_file(args, printer, damage, in_window, since_ns, until_ns, tail, streams)
    return 0


def _cat_file(
    args: argparse.Namespace,
    printer: Printer,
    damage: Damage,
    in_window: EntryFilter,
    since_ns: int | None,
    until_ns: int | None,
    tail: int | None,
    streams: frozenset[Stream],
) -> None:
    """``cat`` of a log file: in bulk, a window, the last lines; then follow."""
    from ..file.logfile import LogFile
    from ..file.windows import window_batches

    name = args.source
    with LogFile(name) as log:
        # With -f, what is still being written at the end is left to follow.
        end = log.live_end() if args.follow else None
        windowed = since_ns is not None or until_ns is not None
        wanted = frozenset(int(stream) for stream in streams)
        try:
            if tail is not None and windowed:
                events = _last_lines(
                    _stop_at(log.events(since_ns=since_ns, until_ns=until_ns), end), tail, in_window, streams
                )
                _print_events(events, printer, damage, in_window)
            else:
                items: Iterable[FastBatch | list[Event]] = (
                    log.tail_batches(tail, wanted) if tail is not None
                    else window_batches(log, since_ns=since_ns, until_ns=until_ns) if windowed
                    else log.batches()
                )
                for item in items:  # in bulk
                    if isinstance(item, list):
                        _print_events(_stop_at(item, end), printer, damage, in_window)
                    elif end is None or item.base + item.starts[item.accepted] <= end:
                        printer.batch(item)
                    else:
                        entries: list[Event] = [item.entry(k) for k in range(item.accepted)]
                        _print_events(_stop_at(entries, end), printer, damage, in_window)
        finally:
            if args.follow:
                printer.flush()
            else:
                printer.close()
        _report(damage, name, args.quiet)
        if end is None:
            return
        try:
            for batch in log.follow(end):
                _print_batch(batch, printer, damage, in_window, name, args.quiet)
                printer.flush()
        finally:
            printer.close()


def _is_live(spec: str) -> bool:
    if spec == "-":
        return False
    return is_live_spec(spec)


def _stream_source(spec: str) -> int | None:
    """A descriptor to read once as a stream (stdin, a FIFO, a device that is no serial port)."""
    if spec == "-":
        return standard_stream("stdin").fileno()
    try:
        mode = os.stat(spec).st_mode
    except OSError:
        return None
    if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        return None
    try:
        return os.open(spec, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise CliError(f"{spec}: {error.strerror or error}") from None


def _wait_for_file(path: str, quiet: bool) -> None:
    """``-f``: wait, saying so once, for a file that does not exist (or cannot be read) yet."""
    said = False
    while True:
        try:
            with open(path, "rb"):
                return
        except IsADirectoryError:
            return  # a directory is an error, not something to wait for
        except OSError as error:
            if not said and not quiet:
                reason = "does not exist" if isinstance(error, FileNotFoundError) else (
                    error.strerror or str(error)).lower()
                warn(f"{PROG}: {path}: {reason} yet; waiting for it (Ctrl-C to stop)")
            said = True
        time.sleep(WAIT_POLL_S)


def _stream_events(fd: int, *, on_idle: Callable[[], None] | None) -> Iterator[Event]:
    """Decode a pipe (or any stream) as bytes arrive, not a whole read at a time.

    When no byte has come for ``PIPE_IDLE_S``, the decoder is flushed (the
    newest whole entry shows without waiting for its successor; after
    ``SETTLED_S`` more, a line without its newline too) and ``on_idle`` is
    called, so that what was printed reaches the terminal. When stopped
    (Ctrl-C), the decoder is closed and its last events given first.
    """
    decoder = Decoder()
    try:
        while True:
            try:
                ready, _, _ = select.select([fd], [], [], PIPE_IDLE_S)
            except (OSError, ValueError):
                ready = [fd]  # not selectable (a file on some systems): just read
            if not ready:
                yield from decoder.flush()
                if on_idle is not None:
                    on_idle()
                if not select.select([fd], [], [], SETTLED_S)[0]:
                    yield from decoder.flush(settled=True)  # a line without a newline, too
                    if on_idle is not None:
                        on_idle()
                    select.select([fd], [], [])  # then wait as long as it takes
                continue
            chunk = os.read(fd, _PIPE_READ_BYTES)
            if not chunk:
                break
            yield from decoder.feed(chunk)
    except KeyboardInterrupt:
        yield from decoder.close()
        raise
    yield from decoder.close()


def _stop_at(events: Iterable[Event], end: int | None) -> Iterator[Event]:
    """Pass the events that start before ``end`` (follow takes over from there)."""
    for event in events:
        if end is not None and (event.offset if event.offset is not None else 0) >= end:
            return
        yield event


def _print_batch(
    batch: list[Event | SourceStatus],
    printer: Printer,
    damage: Damage,
    in_window: EntryFilter,
    name: str,
    quiet: bool,
) -> None:
    """Print a batch of a followed or live source; say at once what happened to it."""
    for event in batch:
        if isinstance(event, SourceStatus):
            if event.state is not SourceState.CONNECTED or not quiet:
                printer.flush()
                warn(f"{PROG}: {name}: {event.message}")
            continue
        if isinstance(event, Entry):
            if in_window(event):
                printer.entry(event)
            continue
        printer.damage()
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
            printer.damage()
            damage.add(event)


def _report(damage: Damage, name: str, quiet: bool) -> None:
    if not quiet:
        for line in damage.warnings(name):
            warn(line)


def _last_lines(
    events: Iterable[Event], count: int, in_window: EntryFilter, streams: frozenset[Stream]
) -> Iterator[Event]:
    """The entries of the last ``count`` logical lines of ``streams`` among ``events``.

    For a source read once in order (a pipe, a time window). Lines are those
    of :class:`~iolog.core.lines.LineState` over the entries in the window,
    counted where they begin; each is given whole, followed by the damage
    that ended it, if any. Memory holds the last ``count`` lines.
    """
    state = LineState()
    lines: deque[tuple[list[Entry], list[Event]]] = deque(maxlen=count or None)
    open_lines: list[tuple[list[Entry], list[Event]] | None] = [None, None]
    for event in events:
        if not isinstance(event, Entry):
            state.damage()
            for stream in (0, 1):
                line = open_lines[stream]
                if line is not None:
                    line[1].append(event)  # the damage that ended it
                open_lines[stream] = None
            continue
        if not in_window(event) or event.stream not in streams:
            continue
        stream = int(event.stream)
        if state.entry(stream, event.message):
            line = open_lines[stream] = ([], [])
            if count:
                lines.append(line)
        line = open_lines[stream]
        if line is not None:
            line[0].append(event)
            if not state.open[stream]:
                open_lines[stream] = None
    for entries, ender in lines:
        yield from entries
        yield from ender


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
            _print_batch(batch, printer, damage, in_window, args.source, args.quiet)
            printer.flush()
    finally:
        printer.close()
        source.close()
        if save is not None:
            save.close()
    return 0


class _Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled as Ctrl-C: the decoders drain before exit."""


class _stopped_by_signals:
    """Within it, SIGTERM and SIGHUP stop ``cat`` as Ctrl-C does (main thread only)."""

    def __enter__(self) -> None:
        self._previous: dict[int, object] = {}
        for number in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if number is None:
                continue
            try:
                self._previous[number] = signal.signal(number, _raise_stopped)
            except ValueError:  # not the main thread
                pass

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise _Stopped()

