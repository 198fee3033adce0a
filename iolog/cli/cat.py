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
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, Protocol

from ..core.decoder import Decoder, Event
from ..core.format import Entry, Stream
from ..file.walk import FastBatch
from ..sources.serialport import is_live_spec
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
from .output import stopped_by_signals
from .printer import Printer
from .reading import EntryFilter, file_items, last_lines, window_filter

if TYPE_CHECKING:
    from ..file.logfile import LogFile
    from ..sources.status import SourceStatus

__all__ = ["cat_command"]

#: A pipe quiet this long has what arrived shown (``iolog cat -``).
PIPE_IDLE_S = 0.1
#: Quiet for this long more, a last line without its newline is shown too.
SETTLED_S = 0.4
#: How often ``-f`` looks for a file that does not exist yet.
WAIT_POLL_S = 0.2
_PIPE_READ_BYTES = 1 << 20

def cat_command(args: argparse.Namespace) -> int:
    """Run ``iolog cat`` (and its alias ``iolog logs``)."""
    since_ns, until_ns = parse_window(args)
    tail = tail_count(args.tail)
    streams = (
        frozenset(Stream)
        if args.stream == "all"
        else frozenset({Stream.STDOUT if args.stream == "stdout" else Stream.STDERR})
    )
    standard_stream("stdout")
    in_window = window_filter(since_ns, until_ns)
    sources: list[str] = list(args.source)
    if len(sources) > 1 or os.path.isdir(sources[0]):
        for spec in sources:
            if spec != "-" and _is_live(spec):
                raise CliError(f"{spec}: a serial device or URL can only be read alone", status=2)
        if args.save:
            raise CliError("--save is for live sources (a serial device or URL)", status=2)
        from .catmany import cat_many

        with stopped_by_signals():
            return cat_many(
                args, since_ns=since_ns, until_ns=until_ns, tail=tail, streams=streams, in_window=in_window
            )
    source = sources[0]
    printer = _printer(args, source, streams)
    damage = Damage()
    name = "stdin" if source == "-" else source

    with stopped_by_signals():
        if _is_live(source):
            return _cat_live(args, source, printer, damage, in_window, streams, until_ns)
        if args.save:
            raise CliError("--save is for live sources (a serial device or URL)", status=2)
        stream_fd = _stream_source(source)
        if stream_fd is not None:
            # A pipe may be live (``tail -f ... | iolog cat -``): what has
            # arrived is shown once it goes quiet, unless only the last lines count.
            try:
                events: Iterable[Event] = _stream_events(
                    stream_fd, on_idle=printer.flush if tail is None else None
                )
                if tail is not None:
                    events = last_lines(events, tail, in_window, streams)
                _print_events(events, printer, damage, in_window, streams)
            finally:
                printer.close()
                if stream_fd != 0:
                    os.close(stream_fd)
            _report(damage, name, args.quiet)
            return 0
        if args.follow:
            _wait_for_file(source, args.quiet)
        check_readable_file(source)
        _cat_file(args, source, printer, damage, in_window, since_ns, until_ns, tail, streams)
    return 0


class _EntryPrinter(Protocol):
    """What ``cat`` prints one log's entries with: docker's output, or whole lines as JSON."""

    def batch(self, batch: FastBatch) -> None: ...
    def entry(self, entry: Entry) -> None: ...
    def damage(self) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


def _printer(args: argparse.Namespace, source: str, streams: frozenset[Stream]) -> _EntryPrinter:
    if args.format == "json":
        from .lineprinter import LinePrinter, SourceLinePrinter  # whole lines: only for JSON

        lines = LinePrinter([source], json=True, raw=args.raw)
        return SourceLinePrinter(lines, streams)
    return Printer(timestamps=args.timestamps, streams=streams, raw=args.raw)


def _cat_file(
    args: argparse.Namespace,
    name: str,
    printer: _EntryPrinter,
    damage: Damage,
    in_window: EntryFilter,
    since_ns: int | None,
    until_ns: int | None,
    tail: int | None,
    streams: frozenset[Stream],
) -> None:
    """``cat`` of a log file: in bulk, a window, the last lines; then follow."""
    from ..file.logfile import LogFile

    with LogFile(name) as log:
        # With -f, what is still being written at the end is left to follow.
        end = log.live_end() if args.follow else None
        try:
            # The docker printer copies what it prints before it asks for more.
            transient = isinstance(printer, Printer)
            for item in file_items(
                log, since_ns=since_ns, until_ns=until_ns, tail=tail, streams=streams, end=end,
                transient=transient,
            ):
                if isinstance(item, list):
                    _print_events(item, printer, damage, in_window, streams)
                else:
                    printer.batch(item)
                    damage.shown_batch(item, streams)
        finally:
            if args.follow:
                printer.flush()
            else:
                printer.close()
        _report(damage, name, args.quiet)
        if end is None:
            return
        if until_ns is not None and _past(until_ns, log):
            printer.close()
            return
        try:
            for batch in log.follow(end):
                _print_batch(batch, printer, damage, in_window, streams, name, args.quiet)
                printer.flush()
                if until_ns is not None and _past(until_ns, batch=batch):
                    return
        finally:
            printer.close()


def _past(until_ns: int, log: LogFile | None = None, batch: Sequence[object] = ()) -> bool:
    """``-f --until``: whether following is over (the clock, or an entry seen, is at or past it)."""
    if time.time_ns() >= until_ns:
        return True
    if log is not None:
        span = log.build_index().time_span()
        if span is not None and span[1] >= until_ns:
            return True
    return any(isinstance(event, Entry) and event.timestamp_ns >= until_ns for event in batch)


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


def _print_batch(
    batch: list[Event | SourceStatus],
    printer: _EntryPrinter,
    damage: Damage,
    in_window: EntryFilter,
    streams: frozenset[Stream],
    name: str,
    quiet: bool,
) -> None:
    """Print a batch of a followed or live source; say at once what happened to it."""
    from ..sources.status import SourceState, SourceStatus  # loaded with what follows or is live

    for event in batch:
        if isinstance(event, SourceStatus):
            if event.state is not SourceState.CONNECTED or not quiet:
                printer.flush()
                warn(f"{PROG}: {name}: {event.message}")
            continue
        if isinstance(event, Entry):
            _print_entry(event, printer, damage, in_window, streams)
            continue
        printer.damage()
        single = damage.one(event)
        if not quiet:
            printer.flush()
            for line in single.warnings(name):
                warn(line)


def _print_entry(
    entry: Entry, printer: _EntryPrinter, damage: Damage, in_window: EntryFilter, streams: frozenset[Stream]
) -> None:
    """Print an entry in the window; note where the last entry shown ends (it may be torn)."""
    shown = in_window(entry)
    if shown:
        printer.entry(entry)
    damage.shown(entry, streams, shown)


def _print_events(
    events: Iterable[Event], printer: _EntryPrinter, damage: Damage, in_window: EntryFilter,
    streams: frozenset[Stream],
) -> None:
    for event in events:
        if isinstance(event, Entry):
            _print_entry(event, printer, damage, in_window, streams)
        else:
            printer.damage()
            damage.add(event)


def _report(damage: Damage, name: str, quiet: bool) -> None:
    if not quiet:
        for line in damage.warnings(name):
            warn(line)


def _cat_live(
    args: argparse.Namespace,
    spec: str,
    printer: _EntryPrinter,
    damage: Damage,
    in_window: EntryFilter,
    streams: frozenset[Stream],
    until_ns: int | None,
) -> int:
    from ..sources.live import live_events
    from ..sources.serial import SerialSource

    save: BinaryIO | None = None
    if args.save:
        try:
            save = open(args.save, "ab")  # noqa: SIM115 - closed below
        except OSError as error:
            raise CliError(f"--save {args.save}: {error.strerror or error}") from None
    source = SerialSource(spec, baud=args.baud, reconnect=not args.no_reconnect)
    try:
        source.open()
        for batch in live_events(source.chunks(), save=save):
            _print_batch(batch, printer, damage, in_window, streams, spec, args.quiet)
            printer.flush()
            if until_ns is not None and _past(until_ns, batch=batch):
                break
    finally:
        printer.close()
        source.close()
        if save is not None:
            save.close()
    return 0

