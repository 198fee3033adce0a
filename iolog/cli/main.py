"""The ``iolog`` command line: parsing and dispatch to one module per subcommand.

``iolog cat`` (:mod:`iolog.cli.cat`), ``iolog stat`` (:mod:`iolog.cli.stat`),
``iolog write`` and ``iolog record`` (:mod:`iolog.cli.record`); what they
share is in :mod:`iolog.cli.common`.

Exit status: 0 on success, 1 when the input cannot be used (missing file,
not an iolog stream, a device that fails), 2 for a usage error, for
``record`` the command's own status, and for ``write`` and ``record`` 74
when some output went to a rescue file or was lost.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import NoReturn

from ..core.errors import IologError
from .common import PROG, CliError, warn

__all__ = ["main"]


class _ArgumentParser(argparse.ArgumentParser):
    #: Makes the epilog when help is shown (it may need modules a run does not).
    late_epilog: Callable[[], str] | None = None

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")

    def format_help(self) -> str:
        if self.late_epilog is not None:
            self.epilog, self.late_epilog = self.late_epilog(), None
        return super().format_help()


class _HelpFormatter(argparse.HelpFormatter):
    """Help wrapped at spaces only: never ``--no-log-`` / ``prefix`` across two lines.

    Its width is the terminal's, found as :func:`shutil.get_terminal_size`
    finds it, without importing :mod:`shutil` (and with it ``bz2`` and
    ``lzma``): every ``add_argument`` makes a formatter, so every command
    would pay for that import.
    """

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        columns = _columns() - 2 if width is None else width
        super().__init__(prog, indent_increment, max_help_position, columns)

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


class _RawDescriptionHelpFormatter(_HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs kept as written (already wrapped), arguments as above."""


def _columns() -> int:
    """The terminal's width: ``$COLUMNS``, else stdout's terminal, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def _fill(text: str) -> str:
    return textwrap.fill(text, 79, break_on_hyphens=False)


def _build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog=PROG,
        description="Read and write VMware VIC container-VM logs (iolog format).",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(
        dest="subcommand", metavar="COMMAND", parser_class=_ArgumentParser, title="commands"
    )
    commands.required = True

    cat = commands.add_parser(
        "cat",
        aliases=["logs"],
        help="print logs' messages, like docker logs (alias: logs)",
        description=_fill(
            "Print the messages of a log: stdout entries on stdout, stderr entries on stderr, like "
            "`docker logs`. Several logs, or a folder of them, are merged by time and each line is "
            "prefixed with its log's name, like `docker compose logs`."
        ),
        epilog=_CAT_EPILOG,
        formatter_class=_RawDescriptionHelpFormatter,
    )
    cat.add_argument(
        "source",
        metavar="SOURCE",
        nargs="+",
        help="a log file, - for stdin, a serial device or pyserial URL (socket://host:port, alone); "
        "or several log files, or folders of container folders holding an output.log (or of log "
        "files), merged",
    )
    cat.add_argument(
        "-t", "--timestamps", action="store_true", help="lead each line with its time (docker's format)"
    )
    cat.add_argument(
        "--since", metavar="S", help="only entries at or after S (10m, 1h30m, RFC 3339, unix seconds)"
    )
    cat.add_argument(
        "--until",
        metavar="U",
        help="only entries before U (same forms as --since); with -f, following ends once an entry "
        "at or past U is seen or the clock passes U",
    )
    cat.add_argument(
        "-n",
        "--tail",
        metavar="N",
        help="only the last N lines of each log ('all', or a negative number, for every line)",
    )
    cat.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="keep printing new entries as they are written (waits for a log that does not exist "
        "yet; in a folder, for logs that appear in it)",
    )
    cat.add_argument(
        "--stream", choices=("stdout", "stderr", "all"), default="all", help="which stream to print"
    )
    cat.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (the default), or json: one docker json-file record per line, all on stdout, "
        "for log shippers",
    )
    cat.add_argument(
        "--no-log-prefix", action="store_true", help="do not lead merged lines with their log's name"
    )
    cat.add_argument(
        "--no-color", action="store_true", help="do not colour the logs' names on a terminal"
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
    cat.add_argument(
        "--raw",
        action="store_true",
        help="write the messages' bytes unchanged even to a terminal (by default escape "
        "sequences other than colours, and control characters, are shown escaped there)",
    )

    st = commands.add_parser(
        "stat",
        help="summarise a log",
        description="Count a log's entries, streams, lines, levels, time range and damage.",
        formatter_class=_HelpFormatter,
    )
    st.add_argument("source", metavar="SOURCE", help="a log file, or - for stdin")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.add_argument(
        "--levels",
        action="store_true",
        help="count lines per level too (ERROR, WARN, ...; reads every line's text, several times slower)",
    )
    st.add_argument("-q", "--quiet", action="store_true", help="no warnings")

    write = commands.add_parser(
        "write",
        help="frame stdin as a log",
        description=_fill("Frame standard input as iolog entries, appended to FILE or written to stdout."),
        formatter_class=_RawDescriptionHelpFormatter,
    )
    _epilog_when_shown(
        write,
        [
            ("0", "every byte reached the log"),
            _INCOMPLETE,
            ("1", "the log cannot be opened"),
            ("2", "usage error"),
        ],
    )
    write.add_argument(
        "--stream",
        choices=("stdout", "stderr"),
        default="stdout",
        help="the entries' stream (default stdout)",
    )
    write.add_argument("-o", "--output", metavar="FILE", help="append to FILE instead of stdout")
    _add_output_options(write)

    record = commands.add_parser(
        "record",
        help="run a command and log its output",
        description=_fill(
            "Run CMD with separate stdout and stderr pipes and write both into one log with the "
            "right stream bits, appended to FILE or written to stdout."
        ),
        formatter_class=_RawDescriptionHelpFormatter,
    )
    _epilog_when_shown(
        record,
        [
            ("CMD's", "every byte reached the log: CMD's own status (128+N if signal N ended it)"),
            _INCOMPLETE,
            ("1", "the log cannot be opened"),
            ("2", "usage error"),
            ("126, 127", "CMD cannot be run, or is not found"),
        ],
    )
    record.add_argument("-o", "--output", metavar="FILE", help="append the log to FILE (default: stdout)")
    record.add_argument(
        "--append", action="store_true", help="append to FILE (the default; kept for old scripts)"
    )
    _add_output_options(record)
    record.add_argument("--serial", metavar="DEV", help="write the log to a serial device or URL")
    record.add_argument(
        "--baud",
        type=int,
        default=115200,
        metavar="N",
        help="serial baud rate with --serial (default 115200)",
    )
    record.add_argument(
        "command",
        nargs=argparse.REMAINDER,
        metavar="-- CMD [ARGS...]",
        help="the command to run and its arguments, after --",
    )
    return parser


_CAT_EPILOG = _fill(
    "Merged logs are named by their folder for a container's output.log, else by the file name "
    "without its extension; lines keep their order within each log and are merged by the time of "
    "their first entry, the log given first winning a tie. --tail counts lines per log."
)


def _when_the_log_fails() -> str:
    from ..diversion import DEFAULT_HOLD_LIMIT_BYTES  # the writing side: loaded for this help only

    return _fill(
        "When the log cannot be written (a full disk, a file size limit, an I/O error, a closed "
        "pipe), no entry is torn and nothing is stopped: what the log cannot take goes, as whole "
        "entries, to a rescue file whose path is printed at once (in --rescue-dir, else $TMPDIR or "
        f"/tmp); if that fails too, up to {DEFAULT_HOLD_LIMIT_BYTES >> 20} MiB waits in memory while "
        "both are retried every second, and whatever is finally lost is counted. A log that can be "
        "written again is used again."
    )

_INCOMPLETE = (
    "74",
    "some output went to the rescue file or was lost; one line on stderr says how many bytes went where",
)


def _epilog(statuses: list[tuple[str, str]]) -> str:
    """The failure paragraph and an exit status table, wrapped for a terminal."""
    width = max(len(code) for code, _ in statuses) + 2
    rows = [
        textwrap.fill(text, 79, initial_indent=f"  {code:<{width}}", subsequent_indent=" " * (width + 2),
                      break_on_hyphens=False)
        for code, text in statuses
    ]
    return _when_the_log_fails() + "\n\nexit status:\n" + "\n".join(rows)


def _epilog_when_shown(parser: argparse.ArgumentParser, statuses: list[tuple[str, str]]) -> None:
    """Give ``parser`` (an ``_ArgumentParser``) the :func:`_epilog` of ``statuses`` when its help is shown."""
    assert isinstance(parser, _ArgumentParser)
    parser.late_epilog = lambda: _epilog(statuses)


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--truncate", action="store_true", help="replace FILE instead of appending to it")
    parser.add_argument(
        "--rescue-dir", metavar="DIR", help="where a rescue file goes if the log fails (default: $TMPDIR)"
    )


def _version() -> str:
    from iolog import __version__

    return __version__


_Command = Callable[[argparse.Namespace], int]


def _cmd_cat() -> _Command:
    from .cat import cat_command

    return cat_command


def _cmd_stat() -> _Command:
    from .stat import stat_command

    return stat_command


def _cmd_write() -> _Command:
    from .record import write_command

    return write_command


def _cmd_record() -> _Command:
    from .record import record_command

    return record_command


#: Each subcommand's function, imported when it runs.
_COMMANDS: dict[str, Callable[[], _Command]] = {
    "cat": _cmd_cat, "logs": _cmd_cat, "stat": _cmd_stat, "write": _cmd_write, "record": _cmd_record,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``iolog`` command line.

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` by default.

    Returns:
        The exit status.
    """
    if sys.stderr is None:  # closed (2>&-): nowhere to report, but no crash either
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    # Parsing and the command's imports make thousands of objects that live
    # as long as the program and hold no garbage: the collector waits until
    # they are made and, when this is the program (no argv given: the
    # objects are all ours), is told to leave them alone (gc.freeze) rather
    # than scan them again and again while the command runs.
    collecting = gc.isenabled()
    gc.disable()
    try:
        args = _build_parser().parse_args(argv)
        command = _COMMANDS[args.subcommand]()
    finally:
        if argv is None:
            gc.freeze()
        if collecting:
            gc.enable()
    try:
        return _run(command, args)
    finally:
        _forget_interrupted_exec()


def _forget_interrupted_exec() -> None:
    """Undo CPython's note of a stop that arrived while it ran code from a string.

    Ctrl-C (or SIGTERM, SIGHUP) can arrive while a module imported on the
    way (``sources.follow`` as following starts) makes its dataclasses,
    whose methods CPython builds by ``exec`` of a string. CPython then
    notes the ``KeyboardInterrupt`` as unhandled, even though it is handled
    here, and under ``python -m iolog`` it exits by SIGINT (status -2 or
    130) after this returns 0. Running one more string, an empty one,
    clears that note; elsewhere it does nothing.
    """
    exec("")  # noqa: S102 - an empty string: see above


def _run(command: _Command, args: argparse.Namespace) -> int:
    """Run a subcommand; turn its failures into one line on stderr and an exit status."""
    try:
        return command(args)
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
