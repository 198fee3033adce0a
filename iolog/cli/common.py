"""What every ``iolog`` subcommand shares: one-line errors, warnings, damage reports.

This module owns turning failures into one clear line on stderr and an exit
status (:class:`CliError`), the damage summary printed after reading
(:class:`Damage`), and the checks that every command makes of its input
(a readable log file, a time window, a line count).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from ..core.decoder import Skipped, Truncated
from ..core.events import may_be_torn
from ..core.format import Entry, Stream

if TYPE_CHECKING:
    from ..file.walk import FastBatch
from ..core.errors import NotAnIologFile, describe_os_error

__all__ = [
    "PROG",
    "CliError",
    "Damage",
    "check_readable_file",
    "parse_window",
    "standard_stream",
    "tail_count",
    "warn",
]

PROG = "iolog"


class CliError(Exception):
    """A failure to report as one line (``iolog: error: ...``) and exit 1."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Damage:
    """Skipped and truncated bytes met while reading, for warnings and stat."""

    skipped_regions: int = 0
    skipped_bytes: int = 0
    first_skip_offset: int | None = None
    truncated: list[tuple[int, int]] = field(default_factory=list)
    #: Skipped regions right after a line shown, which may be torn (see ``may_be_torn``).
    torn_regions: int = 0
    first_torn_offset: int | None = None
    #: Where the last entry shown ends (``None`` when something else came after it).
    entry_end: int | None = None

    def add(self, event: Skipped | Truncated) -> None:
        torn = may_be_torn(self.entry_end, event)
        self.entry_end = None
        if isinstance(event, Truncated):
            self.truncated.append((event.offset, event.length))
            return
        self.skipped_regions += 1
        self.skipped_bytes += event.length
        if self.first_skip_offset is None:
            self.first_skip_offset = event.offset
        if torn:
            self.torn_regions += 1
            if self.first_torn_offset is None:
                self.first_torn_offset = event.offset

    def shown(self, entry: Entry, streams: frozenset[Stream], shown: bool = True) -> None:
        """Note an entry read: whether it was shown, as part of a line of ``streams``."""
        self.entry_end = entry.end_offset if shown and entry.stream in streams else None

    def shown_batch(self, batch: FastBatch, streams: frozenset[Stream]) -> None:
        """Note a fast-walk batch shown whole (of ``streams``): where its last entry ends."""
        if batch.accepted:
            self.shown(batch.entry(batch.accepted - 1), streams)
        else:
            self.entry_end = None

    def one(self, event: Skipped | Truncated) -> Damage:
        """Count ``event`` here, and return a count of it alone (to warn of it at once)."""
        single = Damage(entry_end=self.entry_end)
        single.add(event)
        self.add(event)
        return single

    def warnings(self, name: str) -> list[str]:
        lines = []
        if self.skipped_bytes:
            regions = "region" if self.skipped_regions == 1 else "regions"
            lines.append(
                f"{PROG}: warning: {name}: skipped {self.skipped_bytes} undecodable bytes in "
                f"{self.skipped_regions} {regions} (first at offset {self.first_skip_offset})"
            )
        if self.torn_regions:
            many = self.torn_regions > 1
            lines.append(
                f"{PROG}: warning: {name}: the {'lines' if many else 'line'} right before "
                f"{self.torn_regions} skipped {'regions' if many else 'region'} may be torn: "
                f"{'their ends' if many else 'its end'} may be noise "
                f"(the first ends at offset {self.first_torn_offset})"
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
    """Print one line on stderr (warnings and errors).

    File and device names in it may hold anything: controls and escape
    sequences are shown escaped (see :func:`~iolog.core.termsafe.terminal_safe`).
    """
    from ..core.termsafe import terminal_safe  # loaded when there is something to say

    sys.stderr.write(terminal_safe(message) + "\n")
    sys.stderr.flush()


def check_readable_file(path: str) -> int:
    """Fail with one line unless ``path`` is a readable iolog file; return its size."""
    try:
        from ..file.opening import check_log_file  # the reading side: loaded when a file is read

        return check_log_file(path)
    except NotAnIologFile as error:
        raise CliError(str(error)) from None
    except OSError as error:
        raise CliError(f"{path}: {describe_os_error(error)}") from None


def parse_window(args: argparse.Namespace) -> tuple[int | None, int | None]:
    if args.since is None and args.until is None:
        return None, None
    from ..core.timespec import parse_since  # loaded when a window is given

    try:
        since_ns = parse_since(args.since) if args.since is not None else None
        until_ns = parse_since(args.until) if args.until is not None else None
    except ValueError as error:
        raise CliError(str(error), status=2) from None
    return since_ns, until_ns


def tail_count(value: str | None) -> int | None:
    """``--tail``: a number of lines, or ``None`` for all (``all`` or a negative number, as docker takes)."""
    if value is None or value == "all":
        return None
    try:
        count = int(value)
    except ValueError:
        raise CliError(
            f"invalid --tail {value!r}: expected a number of lines, or 'all' (or -1) for every line",
            status=2,
        ) from None
    return None if count < 0 else count
