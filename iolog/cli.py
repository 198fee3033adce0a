"""The ``iolog`` command: ``cat``, ``stat``, ``write`` and ``record``.

This module owns the command line: argument parsing, turning every bad
input into one clear line on stderr and a non-zero exit (never a
traceback), and choosing what ``cat`` prints. The work itself is done by
the library: the decoder, :class:`~iolog.logfile.LogFile` for time
navigation and follow, and the serial module for live devices. The printer
lives in :mod:`iolog.cli_print`, ``stat`` in :mod:`iolog.cli_stat`, and
``write`` and ``record`` in :mod:`iolog.cli_record`.

Exit status: 0 on success, 1 when the input cannot be used (missing file,
not an iolog stream, a device that fails), 2 for a usage error, and for
``record`` the command's own status.
"""

from __future__ import annotations

import argparse
import os
import select
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, NoReturn, TextIO

from .cli_print import Printer
from .decoder import Decoder, Event, Skipped, Truncated
from .errors import IologError
from .format import Entry, Stream
from .io import (
    NotAnIologFile,
    check_log_file,
    describe_os_error,
)
from .serial import is_live_spec
from .sources import SourceState, SourceStatus
from .timespec import parse_since

__all__ = ["main"]

PROG = "iolog"
#: A pipe quiet this long has what arrived shown (``iolog cat -``).
PIPE_IDLE_S = 0.1
_PIPE_READ_BYTES = 1 << 20

#: Whether an entry is inside the requested time window.
EntryFilter = Callable[[Entry], bool]


class CliError(Exception):
    """A failure to report as one line (``iolog: error: ...``) and exit 1."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog=PROG,
        description="Read and write VMware VIC container-VM logs (iolog format).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="subcommand", metavar="COMMAND", parser_class=_ArgumentParser)
    commands.required = True

    cat = commands.add_parser(
        "cat",
        help="print a log's messages, like docker logs",
        description="Print the messages of a log: stdout entries on stdout, stderr entries on "
        "stderr, like `docker logs`. SOURCE is a file, - for stdin, a serial device or a "
        "pyserial URL (socket://host:port).",
    )
    cat.add_argument("source", metavar="SOURCE")
    cat.add_argument("-t", "--timestamps", action="store_true", help="prefix each line with its time")
    cat.add_argument(
        "--since", metavar="S", help="only entries at or after S (10m, 1h30m, RFC 3339, unix seconds)"
    )
    cat.add_argument("--until", metavar="U", help="only entries before U (same forms as --since)")
    cat.add_argument("-n", "--tail", metavar="N", help="only the last N lines ('all' for every line)")
    cat.add_argument(
        "-f", "--follow", action="store_true", help="keep printing new entries as they are written"
    )
    cat.add_argument(
        "--stream", choices=("stdout", "stderr", "all"), default="all", help="which stream to print"
    )
    cat.add_argument(
        "--baud", type=int, default=115200, metavar="N", help="serial baud rate (default 115200)"
    )
    cat.add_argument(
        "--save", metavar="FILE", help="append every byte received from a live source to FILE"
    )
    cat.add_argument(
        "--no-reconnect", action="store_true", help="exit when a live source disconnects"
    )
    cat.add_argument("-q", "--quiet", action="store_true", help="no warnings about skipped bytes")

    st = commands.add_parser(
        "stat", help="summarise a log", description="Count a log's entries, streams and damage."
    )
    st.add_argument("source", metavar="SOURCE")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.add_argument("-q", "--quiet", action="store_true", help="no warnings")

    write = commands.add_parser(
        "write",
        help="frame stdin as a log",
        description="Frame standard input as iolog entries, appended to FILE or written to stdout.",
    )
    write.add_argument("--stream", choices=("stdout", "stderr"), default="stdout")
    write.add_argument("-o", "--output", metavar="FILE", help="append to FILE instead of stdout")

    record = commands.add_parser(
        "record",
        help="run a command and log its output",
        description="Run CMD with separate stdout and stderr pipes and write both into one log "
        "with the right stream bits. Exits with CMD's status.",
    )
    record.add_argument("-o", "--output", metavar="FILE", help="the log file (default: stdout)")
    record.add_argument("--append", action="store_true", help="append to FILE instead of replacing it")
    record.add_argument("--serial", metavar="DEV", help="write the log to a serial device or URL")
    record.add_argument("--baud", type=int, default=115200, metavar="N")
    record.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]")
    return parser


def _version() -> str:
    from . import __version__

    return __version__


# -- output ---------------------------------------------------------------


@dataclass
class _Damage:
    """Skipped and truncated bytes met while reading, for warnings and stat."""

    skipped_regions: int = 0
    skipped_bytes: int = 0
    first_skip_offset: int | None = None
    truncated: list[tuple[int, int]] = field(default_factory=list)

    def add(self, event: Skipped | Truncated) -> None:
        if isinstance(event, Truncated):
            self.truncated.append((event.offset, event.length))
            return
        self.skipped_regions += 1
        self.skipped_bytes += event.length
        if self.first_skip_offset is None:
            self.first_skip_offset = event.offset

    def warnings(self, name: str) -> list[str]:
        lines = []
        if self.skipped_bytes:
            regions = "region" if self.skipped_regions == 1 else "regions"
            lines.append(
                f"{PROG}: warning: {name}: skipped {self.skipped_bytes} undecodable bytes in "
                f"{self.skipped_regions} {regions} (first at offset {self.first_skip_offset})"
            )
        for offset, length in self.truncated:
            lines.append(
                f"{PROG}: warning: {name}: incomplete entry at the end "
                f"({length} bytes at offset {offset})"
            )
        return lines


def standard_stream(name: str) -> TextIO:
    """``sys.stdin`` or ``sys.stdout``; fail with one line when it is closed (``<&-``)."""
    stream: TextIO | None = getattr(sys, name)
    if stream is None:
        raise CliError(f"standard {'input' if name == 'stdin' else 'output'} is closed")
    return stream


def warn(message: str) -> None:
    """Print one line on stderr (warnings and errors)."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# -- sources --------------------------------------------------------------


def _is_live(spec: str) -> bool:
    if spec == "-":
        return False
    return is_live_spec(spec)


def _check_readable_file(path: str) -> int:
    """Fail with one line unless ``path`` is a readable iolog file; return its size."""
    try:
        return check_log_file(path)
    except NotAnIologFile as error:
        raise CliError(str(error)) from None
    except OSError as error:
        raise CliError(f"{path}: {describe_os_error(error)}") from None


def _window(args: argparse.Namespace) -> tuple[int | None, int | None]:
    try:
        since_ns = parse_since(args.since) if args.since is not None else None
        until_ns = parse_since(args.until) if args.until is not None else None
    except ValueError as error:
        raise CliError(str(error), status=2) from None
    return since_ns, until_ns


def _tail_count(value: str | None) -> int | None:
    if value is None or value == "all":
        return None
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 0:
        raise CliError(f"invalid --tail {value!r}: expected a number of lines or 'all'", status=2)
    return count


# -- commands -------------------------------------------------------------


def _cmd_cat(args: argparse.Namespace) -> int:
    since_ns, until_ns = _window(args)
    tail = _tail_count(args.tail)
    streams = (
        frozenset(Stream)
        if args.stream == "all"
        else frozenset({Stream.STDOUT if args.stream == "stdout" else Stream.STDERR})
    )
    standard_stream("stdout")
    printer = Printer(timestamps=args.timestamps, streams=streams)
    damage = _Damage()
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
        printer.flush()
        if not args.quiet:
            for line in damage.warnings(name):
                warn(line)
        return 0

    _check_readable_file(args.source)
    from .logfile import LogFile
    from .window import window_batches

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
        printer.flush()
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
    damage: _Damage,
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
            single = _Damage()
            single.add(event)
            printer.flush()
            for line in single.warnings(name):
                warn(line)
        damage.add(event)


def _print_events(
    events: Iterable[Event], printer: Printer, damage: _Damage, in_window: EntryFilter
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
    args: argparse.Namespace, printer: Printer, damage: _Damage, in_window: EntryFilter
) -> int:
    from .serial import SerialSource, live_events

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
    finally:
        source.close()
        if save is not None:
            save.close()
    return 0


def _cmd_stat(args: argparse.Namespace) -> int:
    from .cli_stat import stat_command

    return stat_command(args)


def _cmd_write(args: argparse.Namespace) -> int:
    from .cli_record import write_command

    return write_command(args)


def _cmd_record(args: argparse.Namespace) -> int:
    from .cli_record import record_command

    return record_command(args)


_COMMANDS = {"cat": _cmd_cat, "stat": _cmd_stat, "write": _cmd_write, "record": _cmd_record}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``iolog`` command line.

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` by default.

    Returns:
        The exit status.
    """
    if sys.stderr is None:  # closed (2>&-): nowhere to report, but no crash either
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    args = _build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.subcommand](args)
    except CliError as error:
        warn(f"{PROG}: error: {error}")
        return error.status
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        # The reader went away (`iolog cat big.log | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except IologError as error:
        warn(f"{PROG}: error: {error}")
        return 1
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        warn(f"{PROG}: error: {where}{error.strerror or error}")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
