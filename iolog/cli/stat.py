"""``iolog stat``: what a log holds, counted without an object per entry.

This module owns the summary that ``iolog stat`` prints: entries per stream,
payload bytes, complete lines, the first and last timestamps, how often time
went backwards, and the damage met on the way. A file is counted from the
fast header walk (:meth:`~iolog.file.logfile.LogFile.batches`), a batch of
entries at a time; standard input, which cannot be walked, entry by entry.
Both give the same counts.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from ..core.decoder import Event
from ..core.format import Entry, format_docker_time
from ..core.lines import LineState
from ..core.termsafe import terminal_safe
from ..file.walk import FastBatch
from ..io import read_events
from .common import CliError, Damage, check_readable_file, standard_stream
from .levelcounts import LevelCounts

__all__ = ["LogCounts", "stat_command"]

_HEADER_BYTES = 16
_EVENTS_PER_SLICE = 4096


@dataclass
class LogCounts:
    """Running totals over a log's events, in file order."""

    stdout_entries: int = 0
    stderr_entries: int = 0
    payload_bytes: int = 0
    lines: int = 0
    complete_lines: int = 0
    first_ns: int | None = None
    last_ns: int | None = None
    backward: int = 0
    read_bytes: int = 0
    damage: Damage = field(default_factory=Damage)
    line_state: LineState = field(default_factory=LineState)
    levels: LevelCounts | None = None  # lines per level, when asked for

    @property
    def entries(self) -> int:
        """Entries of both streams."""
        return self.stdout_entries + self.stderr_entries

    def add_batch(self, batch: FastBatch) -> None:
        """Count a batch from the fast walk in bulk."""
        count = batch.accepted
        if not count:
            return
        if self.levels is not None:
            self.levels.add_batch(batch)
        starts = batch.starts
        end = starts[count]  # where the batch's last entry ends
        span = batch.span_stats()
        self.stderr_entries += span.stderr_entries
        self.stdout_entries += count - span.stderr_entries
        self.payload_bytes += end - starts[0] - _HEADER_BYTES * count
        last_bytes = batch.last_bytes()
        self.complete_lines += last_bytes.count(10)
        self.lines += self.line_state.starts_in_bulk(batch.streams(), last_bytes).count(1)
        if self.first_ns is None:
            self.first_ns = span.first_ts
        elif span.first_ts < self.last_ns:  # type: ignore[operator]
            self.backward += 1
        self.backward += span.backward_steps
        self.last_ns = span.last_ts
        self.read_bytes = self.damage.entry_end = batch.base + end

    def add_events(self, events: Iterable[Event]) -> None:
        """Count events one at a time (where the walk met damage, or a pipe).

        A pipe's events come in slices, so that no more than a slice is held.
        """
        iterator = iter(events)
        while chunk := list(itertools.islice(iterator, _EVENTS_PER_SLICE)):
            self._add_events(chunk)

    def _add_events(self, events: list[Event]) -> None:
        if self.levels is not None:
            self.levels.add_events(events)
        for event in events:
            if isinstance(event, Entry):
                if event.stream:
                    self.stderr_entries += 1
                else:
                    self.stdout_entries += 1
                self.payload_bytes += len(event.message)
                self.lines += self.line_state.entry(event.stream, event.message)
                if event.message.endswith(b"\n"):
                    self.complete_lines += 1
                timestamp_ns = event.timestamp_ns
                if self.first_ns is None:
                    self.first_ns = timestamp_ns
                elif timestamp_ns < self.last_ns:  # type: ignore[operator]
                    self.backward += 1
                self.last_ns = timestamp_ns
                self.read_bytes = event.offset + _HEADER_BYTES + len(event.message)  # type: ignore[operator]
                self.damage.entry_end = self.read_bytes  # every line counts: the last one's end
            else:
                self.line_state.damage()
                self.damage.add(event)
                self.read_bytes = event.offset + event.length

    def report(self, source: str, file_bytes: int) -> dict[str, object]:
        """The summary ``iolog stat`` prints, keyed as in its JSON."""
        first_ns, last_ns = self.first_ns, self.last_ns
        return {
            "source": source,
            "file_bytes": file_bytes,
            "entries": self.entries,
            "stdout_entries": self.stdout_entries,
            "stderr_entries": self.stderr_entries,
            "payload_bytes": self.payload_bytes,
            "lines": self.lines,
            "complete_lines": self.complete_lines,
            "first_timestamp": format_docker_time(first_ns) if first_ns is not None else None,
            "last_timestamp": format_docker_time(last_ns) if last_ns is not None else None,
            "first_timestamp_ns": first_ns,
            "last_timestamp_ns": last_ns,
            "backward_timestamps": self.backward,
            "skipped_regions": self.damage.skipped_regions,
            "skipped_bytes": self.damage.skipped_bytes,
            "maybe_torn_lines": self.damage.torn_regions,
            "truncated_tail_bytes": sum(length for _, length in self.damage.truncated),
            **(self.levels.report() if self.levels is not None else {}),
        }


def count_file(path: str, *, levels: bool = False) -> LogCounts:
    """Count a log file through the fast header walk (and its lines per level, if ``levels``).

    Raises:
        OSError: the file cannot be read.
    """
    from ..file.logfile import LogFile

    counts = LogCounts(levels=LevelCounts() if levels else None)
    with LogFile(path) as log:
        for item in log.batches():
            if isinstance(item, list):
                counts.add_events(item)
            else:
                counts.add_batch(item)
    return counts


def stat_command(args: argparse.Namespace) -> int:
    """Run ``iolog stat``: print the summary of a log file or of stdin."""
    if args.source != "-":
        size = check_readable_file(args.source)
        counts = count_file(args.source, levels=args.levels)
    else:
        stdin: BinaryIO = standard_stream("stdin").buffer
        counts = LogCounts(levels=LevelCounts() if args.levels else None)
        counts.add_events(read_events(stdin))
        size = counts.read_bytes
    if counts.entries == 0 and counts.damage.skipped_bytes:
        raise CliError(f"{args.source}: not an iolog file (no valid entry in {size} bytes)")
    report = counts.report(args.source, size)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    width = max(len(key) for key in report)
    for key, value in report.items():
        shown = "-" if value is None else terminal_safe(str(value))  # the source may be any name
        print(f"{key.replace('_', ' '):<{width}}  {shown}")
    return 0
