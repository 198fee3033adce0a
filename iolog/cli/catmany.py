"""``iolog cat A B C`` and ``iolog cat DIR``: several logs merged by time, like ``docker compose logs``.

This module owns reading several logs at once: each is read as ``cat``
reads one (:func:`~iolog.cli.reading.file_items`: ``--since``, ``--until``,
``--tail N`` per log), its entries gathered into whole lines in its own order
(:class:`~iolog.file.wholelines.WholeLines`), the lines of all merged by
time (:class:`~iolog.core.merge.Merger`) and printed prefixed with each
log's name, or as JSON records (:class:`~iolog.cli.lineprinter.LinePrinter`).

The merge reads whichever log holds it back, a batch at a time, so memory
holds about a batch of each log whatever their sizes. Whole logs (without
``-f``) go in bulk: each batch's lines are spans of its buffer
(:meth:`~iolog.file.wholelines.WholeLines.batch_spans`), merged as runs
(:class:`~iolog.core.mergespans.SpanMerger`) and printed in one gather per
merge (:meth:`~iolog.cli.lineprinter.LinePrinter.spans`); following, JSON
records and text to two terminals go line by line
(:class:`~iolog.core.merge.Merger`), by the same rule. Damage is reported per
log, naming it, after what was read (and at once while following).

``-f`` then follows every log: each poll, what arrived in all of them is
printed in time order; a folder is looked at again every second for logs
that appear in it, and a log named on the command line that does not exist
yet is waited for. With ``--until``, a log is followed until an entry at or
past that time is seen in it, and the whole command ends when every log has
ended or the clock passes it. Stopping (Ctrl-C, SIGTERM, SIGHUP) prints what
was received first.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..core.decoder import Event
from ..core.format import Entry, Stream
from ..core.merge import LineChunk, Merger
from ..core.mergespans import LineSpans, SpanMerger
from ..file.logfile import LogFile
from ..file.readbuffers import ReadBuffers
from ..file.wholelines import WholeLines
from ..sources.status import SourceState, SourceStatus
from .common import PROG, CliError, Damage, check_readable_file, warn
from .lineprinter import LinePrinter
from .readahead import ReadAhead
from .reading import EntryFilter, file_items
from .sources import LogSet, NamedLog

__all__ = ["cat_many"]

#: Sleep between polls of the followed logs when none had anything new.
POLL_S = 0.05
#: How often a followed folder is looked at for new logs.
RESCAN_S = 1.0


@dataclass
class _Source:
    """One log being read: its file, its lines, its damage, its follower."""

    named: NamedLog
    number: int
    streams: frozenset[int]
    file: LogFile | None = None
    lines: WholeLines = field(init=False)
    damage: Damage = field(default_factory=Damage)
    follower: Iterator[list[Event | SourceStatus]] | None = None
    ended: bool = False
    waiting_said: bool = False

    def __post_init__(self) -> None:
        self.lines = WholeLines(self.streams)


@dataclass
class _Options:
    since_ns: int | None
    until_ns: int | None
    tail: int | None
    streams: frozenset[Stream]
    in_window: EntryFilter
    follow: bool
    quiet: bool


def cat_many(
    args: argparse.Namespace,
    *,
    since_ns: int | None,
    until_ns: int | None,
    tail: int | None,
    streams: frozenset[Stream],
    in_window: EntryFilter,
) -> int:
    """Run ``iolog cat`` over several logs (or a folder of them).

    Raises:
        CliError: a log cannot be read, or no log was found.
    """
    logs = LogSet(list(args.source), quiet=args.quiet)
    options = _Options(since_ns, until_ns, tail, streams, in_window, args.follow, args.quiet)
    if not logs.logs and not (args.follow and logs.folders):
        raise CliError(f"{', '.join(logs.folders)}: no logs in it (container folders with an "
                       "output.log, or log files)")
    _allow_open_files(len(logs.logs))
    wanted = frozenset(int(stream) for stream in streams)
    sources = [_Source(named, number, wanted) for number, named in enumerate(logs.logs)]
    for source in sources:
        _open(source, options)
    printer = LinePrinter(
        [source.named.name for source in sources],
        prefix=not args.no_log_prefix,
        timestamps=args.timestamps,
        json=args.format == "json",
        attrs=True,
        raw=args.raw,
        no_color=args.no_color,
    )
    if not sources and not args.quiet:
        warn(f"{PROG}: {', '.join(logs.folders)}: no logs yet; waiting for them (Ctrl-C to stop)")
    merger = Merger(len(sources))
    try:
        if args.follow or not printer.bulk:
            ends = _print_merged(sources, merger, printer, options)
        else:
            _print_spans(sources, printer, options)
        printer.flush()
        for source in sources:
            _report(source, options.quiet)
        if args.follow:
            _follow(sources, ends, logs, merger, printer, options)
    finally:
        printer.close()
        for source in sources:
            if source.follower is not None:
                source.follower.close()  # type: ignore[attr-defined]
            if source.file is not None:
                source.file.close()
    return 0


def _open(source: _Source, options: _Options) -> None:
    """Open a log, or (following) note that it is waited for; fail with one line otherwise."""
    path = source.named.path
    if options.follow and not os.path.exists(path):
        if not options.quiet:
            warn(f"{PROG}: {path}: does not exist yet; waiting for it (Ctrl-C to stop)")
        source.waiting_said = True
        return
    check_readable_file(path)
    try:
        source.file = LogFile(path)
    except OSError as error:
        raise CliError(f"{path}: {error.strerror or error}") from None


def _chunks(source: _Source, options: _Options, end: int | None) -> Iterator[LineChunk]:
    """The lines of a log read as ``cat`` reads it, whole, in its order; damage counted."""
    assert source.file is not None
    lines = source.lines
    for item in file_items(source.file, since_ns=options.since_ns, until_ns=options.until_ns,
                           tail=options.tail, streams=options.streams, end=end):
        if isinstance(item, list):
            chunk = _events_chunk(source, options, item)
        else:
            chunk = lines.batch(item)
            source.damage.shown_batch(item, options.streams)
        if chunk is not None:
            yield chunk
    if end is None:
        chunk = lines.close()  # the end of the input: open lines as they are
        if chunk is not None:
            yield chunk


def _events_chunk(source: _Source, options: _Options, events: list[Event]) -> LineChunk | None:
    """A list of the decoder's events: its damage counted, its entries in the window as lines."""
    damage = source.damage
    for event in events:
        if isinstance(event, Entry):
            damage.shown(event, options.streams, options.in_window(event))
        else:
            damage.add(event)
    return source.lines.events(event for event in events
                               if not isinstance(event, Entry) or options.in_window(event))


def _span_reader(source: _Source, options: _Options, buffers: ReadBuffers) -> Iterator[list[LineSpans]]:
    """The lines of a whole log read as ``cat`` reads it, as spans, in its order; damage counted."""
    assert source.file is not None
    lines = source.lines
    for item in file_items(source.file, since_ns=options.since_ns, until_ns=options.until_ns,
                           tail=options.tail, streams=options.streams, end=None, buffers=buffers):
        if isinstance(item, list):
            chunk = _events_chunk(source, options, item)
            spans = [] if chunk is None else [LineSpans.of_chunk(chunk)]
        else:
            spans = lines.batch_spans(item)
            source.damage.shown_batch(item, options.streams)
        if spans:
            yield spans
    chunk = lines.close()  # the end of the input: open lines as they are
    if chunk is not None:
        yield [LineSpans.of_chunk(chunk)]


def _print_spans(sources: list[_Source], printer: LinePrinter, options: _Options) -> None:
    """Print the whole logs, merged, in bulk: each batch's lines as spans, each merge in one gather.

    The logs are read a few batches ahead in a second thread (:class:`~iolog.cli.readahead.ReadAhead`).
    """
    merger = SpanMerger(len(sources))
    buffers = ReadBuffers()  # the read-ahead thread's: the logs' batches wait for the merge
    readers = ReadAhead([None if source.file is None else _span_reader(source, options, buffers)
                         for source in sources])
    try:
        while (number := merger.wanted()) is not None:
            spans = readers.next(number)
            if spans is None:
                merger.finish(number)
            else:
                for part in spans:
                    merger.add(number, part)
            printer.spans(merger.take())
    finally:
        readers.close()


def _print_merged(
    sources: list[_Source], merger: Merger, printer: LinePrinter, options: _Options
) -> list[int | None]:
    """Print what the logs hold now, merged; return where following each one starts."""
    ends: list[int | None] = [None] * len(sources)
    readers: list[Iterator[LineChunk] | None] = []
    for source in sources:
        if source.file is None:
            readers.append(None)
            continue
        end = source.file.live_end() if options.follow else None
        ends[source.number] = end
        readers.append(_chunks(source, options, end))
    for source in sources:
        if readers[source.number] is None:
            merger.finish(source.number)
    while (number := merger.wanted()) is not None:
        reader = readers[number]
        chunk = next(reader, None) if reader is not None else None
        if chunk is None:
            merger.finish(number)
        else:
            merger.add(number, chunk)
        printer.lines(merger.take())
    return ends


def _report(source: _Source, quiet: bool) -> None:
    if not quiet:
        for line in source.damage.warnings(source.named.path):
            warn(line)
    source.damage = Damage(entry_end=source.damage.entry_end)  # following goes on from there


def _follow(
    sources: list[_Source],
    ends: list[int | None],
    logs: LogSet,
    merger: Merger,
    printer: LinePrinter,
    options: _Options,
) -> None:
    """``-f``: print what arrives in every log, in time order at each poll."""
    until_ns = options.until_ns
    if until_ns is not None:
        if time.time_ns() >= until_ns:
            return
        for source in sources:
            if source.file is not None and _reached(source.file, until_ns):
                source.ended = True
    for source in sources:
        if source.file is not None and not source.ended:
            source.follower = source.file.follow(ends[source.number], poll_interval_s=0)
    next_scan = time.monotonic() + RESCAN_S
    try:
        while True:
            busy = False
            for source in list(sources):
                if source.ended:
                    continue
                if source.follower is None:
                    _start_waiting(source, options)
                    continue
                batch = next(source.follower)
                if batch:
                    busy = True
                    _take(source, batch, merger, printer, options)
            printer.lines(merger.take(everything=True))
            printer.flush()
            if until_ns is not None and (
                time.time_ns() >= until_ns or (sources and all(source.ended for source in sources))
            ):
                return
            if logs.folders and time.monotonic() >= next_scan:
                next_scan = time.monotonic() + RESCAN_S
                for named in logs.rescan():
                    number = merger.add_source()
                    printer.add_source(named.name)
                    source = _Source(named, number, sources[0].streams if sources else
                                     frozenset(int(stream) for stream in options.streams))
                    sources.append(source)
                    _start_waiting(source, options, offset=0)
            if not busy:
                time.sleep(POLL_S)
    except KeyboardInterrupt:
        # Stopped: what each log's decoder holds is printed first.
        for source in sources:
            if source.follower is not None and not source.ended:
                try:
                    rest = source.follower.throw(KeyboardInterrupt())  # type: ignore[attr-defined]
                except (KeyboardInterrupt, StopIteration):
                    rest = []
                _take(source, rest, merger, printer, options)
            chunk = source.lines.close()
            if chunk is not None:
                merger.add(source.number, chunk)
        printer.lines(merger.take(everything=True))
        raise


def _start_waiting(source: _Source, options: _Options, offset: int = 0) -> None:
    """Start following a log that did not exist (or just appeared) once it can be opened."""
    try:
        source.file = LogFile(source.named.path)
    except OSError:
        return  # not yet
    source.follower = source.file.follow(offset, poll_interval_s=0)


def _take(
    source: _Source,
    batch: list[Event | SourceStatus],
    merger: Merger,
    printer: LinePrinter,
    options: _Options,
) -> None:
    """A followed log's new events: lines to the merger, damage and news said at once."""
    events: list[Event] = []
    until_ns = options.until_ns
    for event in batch:
        if isinstance(event, SourceStatus):
            if event.state is not SourceState.CONNECTED or not options.quiet:
                printer.lines(merger.take(everything=True))
                printer.flush()
                warn(f"{PROG}: {source.named.path}: {event.message}")
            continue
        if isinstance(event, Entry):
            if until_ns is not None and event.timestamp_ns >= until_ns:
                source.ended = True
            shown = options.in_window(event)
            if shown:
                events.append(event)
            source.damage.shown(event, options.streams, shown)
            continue
        events.append(event)
        single = source.damage.one(event)
        if not options.quiet:
            printer.lines(merger.take(everything=True))
            printer.flush()
            for line in single.warnings(source.named.path):
                warn(line)
    chunk = source.lines.events(events)
    if chunk is not None:
        merger.add(source.number, chunk)


def _reached(log: LogFile, until_ns: int) -> bool:
    """Whether the log already holds an entry at or past ``until_ns`` (its follow is over)."""
    span = log.build_index().time_span()
    return span is not None and span[1] >= until_ns


def _allow_open_files(count: int) -> None:
    """Raise the soft limit of open files if ``count`` logs need more (each holds one)."""
    try:
        import resource
    except ImportError:  # not on this system
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = count * 2 + 64
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass
