"""The ``iolog-tui`` command line: arguments, input checks, and sources.

This module owns everything that happens before the UI starts: parsing the
arguments, resolving ``--since``/``--until``, and opening the source. Every
mistake (a missing or unreadable file, a file with no iolog entries at its
start, an invalid time) ends here with one line on stderr and exit status 2,
before the terminal is taken over.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import iolog
from iolog import InvalidArgumentError, IologError, parse_since

from .model.timerange import TimeRange, now_datetime
from .render import TimeFormat
from .safetext import safe_label
from .sources import LogSource, PipePump, SerialPump, temporary_log_path

if TYPE_CHECKING:
    from textual.app import App

__all__ = ["SNIFF_BYTES", "UsageError", "build_parser", "open_source", "run"]

#: A log must show an iolog entry within this many bytes of its start.
#: How much of a file is looked at for an entry before the screen opens.
SNIFF_BYTES = 16 << 20
_PROG = "iolog-tui"


class UsageError(Exception):
    """Bad input from the user: a one-line message, exit status 2."""


class _HelpFormatter(argparse.HelpFormatter):
    """Help wrapped at spaces only: never ``iolog-`` / ``tui`` or ``--no-`` / ``color`` across lines."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return textwrap.fill(" ".join(text.split()), width, initial_indent=indent, subsequent_indent=indent,
                             break_on_hyphens=False)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``iolog-tui``."""
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="View a VMware VIC container log (iolog): stdout and stderr in colour, "
        "by time, following new entries.",
        epilog="Keys: s since, f follow, p split, t time, Ctrl+W wrap, e next error, ? help, q quit. "
        "Try: iolog-tui --demo",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {iolog.__version__}",
                        help="print the version and exit")
    parser.add_argument(
        "source",
        nargs="*",
        metavar="SOURCE",
        help="a log file, '-' for stdin, a serial device or a pyserial URL; several log files, "
        "or a folder of container folders (each with an output.log) or of logs: one view merged by time",
    )
    parser.add_argument("--since", metavar="S", help="show entries at or after S (10m, 1h30m, "
                        "2026-11-25T10:00, RFC 3339, unix seconds)")
    parser.add_argument("--until", metavar="U", help="show entries before U (same forms)")
    parser.add_argument("-f", "--follow", action="store_true", help="follow new entries")
    parser.add_argument(
        "--time",
        choices=[f.value for f in TimeFormat if f is not TimeFormat.HIDDEN],
        default=TimeFormat.UTC.value,
        help="timestamp format (default: utc, docker's format)",
    )
    parser.add_argument("--baud", type=int, metavar="N", help="serial line speed (default 115200)")
    parser.add_argument(
        "--save", metavar="FILE", help="keep every byte received from stdin or a serial source"
    )
    parser.add_argument(
        "--demo", action="store_true", help="watch a built-in container log being written"
    )
    return parser


def resolve_range(
    since: str | None, until: str | None, clock: Callable[[], int]
) -> TimeRange:
    """Parse ``--since``/``--until`` against one "now".

    Raises:
        UsageError: a value is not a time.
    """
    now = now_datetime(clock())
    try:
        since_ns = parse_since(since, now) if since else None
    except InvalidArgumentError as exc:
        raise UsageError(f"--since: {exc}") from exc
    try:
        until_ns = parse_since(until, now) if until else None
    except InvalidArgumentError as exc:
        raise UsageError(f"--until: {exc}") from exc
    if since_ns is not None and until_ns is not None and until_ns <= since_ns:
        raise UsageError(f"--until {until!r} is not later than --since {since!r}")
    return TimeRange(since_ns, until_ns, since or "", until or "")


def check_log_file(path: str) -> None:
    """Make sure ``path`` is a readable file that is an iolog log, before the screen opens.

    An empty file is a valid (empty) log. A file whose first ``SNIFF_BYTES``
    hold no entry but goes on opens anyway: its first entry may lie behind a
    garbage region, which the viewer skips with its progress on screen
    rather than before it.

    Raises:
        UsageError: it is missing, unreadable, a directory, or nothing in
            (its first ``SNIFF_BYTES`` of) it decodes as an entry.
    """
    try:
        iolog.LogFile.check(path, sniff_bytes=SNIFF_BYTES)
    except iolog.NotAnIologFile as exc:
        raise UsageError(f"{exc}; is it a container log from VIC?") from None
    except iolog.SourceError as exc:
        raise UsageError(str(exc)) from None


def _prepare_save(save: str) -> str:
    """Check that the save file can be written; received bytes are appended to it."""
    try:
        with open(save, "ab"):
            pass
    except OSError as exc:
        raise UsageError(f"--save {save}: {exc.strerror or exc}") from None
    return save


def open_source(args: argparse.Namespace) -> LogSource:
    """Turn the arguments into a :class:`LogSource` (a file, or a pumped live source).

    Raises:
        UsageError: the source cannot be used.
    """
    if args.demo:
        from .demo import DemoWriter

        path = _prepare_save(args.save) if args.save else temporary_log_path("iolog-demo-")
        return LogSource(
            path, "demo", live=True, pump=DemoWriter(path), temporary=not args.save
        )
    specs: list[str] = args.source
    if len(specs) > 1 or os.path.isdir(specs[0]):
        return _several_logs(args, specs)
    spec = specs[0]
    if spec == "-":
        return _stdin_source(args.save)
    from iolog import SerialSource

    if SerialSource.is_live_spec(spec):
        source = SerialSource(spec, baud=args.baud or 115200)
        try:
            source.open()
        except IologError as exc:
            raise UsageError(str(exc)) from None
        path = _prepare_save(args.save) if args.save else temporary_log_path("iolog-serial-")
        return LogSource(
            path, source.name, live=True, pump=SerialPump(source, path), temporary=not args.save
        )
    if args.baud is not None:
        raise UsageError(f"--baud applies to a serial source, and {spec} is a file")
    if args.save:
        raise UsageError(f"--save applies to stdin and serial sources, and {spec} is a file")
    check_log_file(spec)
    return LogSource(spec, os.path.basename(spec) or spec)


def _several_logs(args: argparse.Namespace, specs: list[str]) -> LogSource:
    """Several logs, or a folder of them: one view merged by time (as ``iolog cat A B C`` prints them).

    Raises:
        UsageError: a log cannot be used, or a folder holds none.
    """
    if args.baud is not None or args.save:
        raise UsageError("--baud and --save apply to one stdin or serial source, not to several logs")
    from iolog import LogSet, SerialSource

    for spec in specs:
        if spec == "-" or SerialSource.is_live_spec(spec):
            raise UsageError(f"{spec}: stdin and serial sources can only be viewed alone")
    try:
        found = LogSet(specs, quiet=True)
    except Exception as exc:  # noqa: BLE001 - the folder's one-line error (unreadable, ...)
        raise UsageError(str(exc)) from None
    if not found.logs:
        raise UsageError(f"{', '.join(found.folders)}: no logs in it (container folders with an "
                         "output.log, or log files)")
    for log in found.logs:
        check_log_file(log.path)
    logs = tuple((log.path, log.name) for log in found.logs)
    return LogSource(logs[0][0], f"{len(logs)} logs", logs=logs, specs=tuple(specs))


def _stdin_source(save: str | None) -> LogSource:
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("stdin is a terminal; pipe a log in, e.g. cat app.log | iolog-tui -")
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        raise UsageError("reading a log from stdin needs a terminal (/dev/tty) for keys") from None
    data_fd = os.dup(0)
    os.dup2(terminal, 0)  # the UI reads keys from the terminal, the pump reads the pipe
    os.close(terminal)
    path = _prepare_save(save) if save else temporary_log_path("iolog-stdin-")
    return LogSource(path, "stdin", live=True, pump=PipePump(data_fd, path), temporary=not save)


def _check_terminal() -> None:
    """The viewer draws on stdout and reads keys from stdin: both must be a terminal.

    (A log piped in on stdin has been moved off fd 0 by then, see
    :func:`_stdin_source`.)
    """
    if sys.stdout is None or not sys.stdout.isatty():
        raise UsageError("standard output is not a terminal; to print a log, use: iolog cat FILE")
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(
            "standard input is not a terminal, and keys are read from it; "
            "to view a log from a pipe: ... | iolog-tui -"
        )


def run(argv: list[str] | None = None, *, clock: Callable[[], int] = time.time_ns) -> int:
    """Parse ``argv``, check the input, and run the viewer.

    Returns:
        0 after a normal quit, 2 for bad input (after one line on stderr).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.demo and args.source:
            raise UsageError("give either SOURCE or --demo, not both")
        if not args.demo and not args.source:
            raise UsageError(
                "no log given: iolog-tui FILE (or '-' for stdin, or a serial device); "
                "to try it, run: iolog-tui --demo"
            )
        if args.baud is not None and args.baud <= 0:
            raise UsageError(f"--baud {args.baud}: must be a positive number")
        time_range = resolve_range(args.since, args.until, clock)
        source = open_source(args)
        try:
            _check_terminal()
        except UsageError:
            source.close()
            raise
    except UsageError as exc:
        print(f"{_PROG}: error: {safe_label(str(exc))}", file=sys.stderr)
        return 2
    from .viewer import IologApp

    try:
        app = IologApp(
            source,
            time_range=time_range,
            follow=args.follow,
            time_format=TimeFormat(args.time),
            clock=clock,
        )
        _exit_on_signals(app, source)
        app.run()
    finally:
        source.close()
    return 0


#: How long a quit on SIGTERM/SIGHUP may take before the process is ended anyway.
FORCED_EXIT_AFTER_S = 3.0


def _exit_on_signals(app: App[None], source: LogSource) -> None:
    """Quit cleanly (restoring the terminal, removing temporary files) on SIGTERM/SIGHUP.

    After a hangup the terminal is gone, and Textual's shutdown can wait
    forever on output it can no longer write; so a watchdog ends the process
    ``FORCED_EXIT_AFTER_S`` later if it is still there, after closing the
    source (which removes a temporary log).
    """

    def force_exit(signum: int) -> None:
        time.sleep(FORCED_EXIT_AFTER_S)
        try:
            source.close()
        finally:
            os._exit(128 + signum)

    def quit_app(signum: int, frame: object) -> None:
        app.exit()
        threading.Thread(
            target=force_exit, args=(signum,), name="iolog-exit-watchdog", daemon=True
        ).start()

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, quit_app)
