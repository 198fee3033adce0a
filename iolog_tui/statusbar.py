"""The status bar: what the log screen says about the file, under the panes.

This module owns the words of the bar, not the state they describe. The
log screen hands the bar two attributes: :attr:`StatusBar.facts` (the
file, its rows, the scan, following, the time window, as a
:class:`StatusFacts`) and :attr:`StatusBar.investigation` (what the filter
and search bars say of themselves); the bar renders them into its three
labels: the file on the left, the investigation, and the scan and follow
state on the right.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label

from .render import TimeFormat, format_bytes, short_time
from .safetext import safe_label

__all__ = ["StatusBar", "StatusFacts", "entryless_text"]

_NOTE_CELLS = 44


@dataclass(frozen=True)
class StatusFacts:
    """What the status bar tells about the file and its scan.

    Attributes:
        source_label: the file's name (or stdin, a serial device).
        rows: rows in the model; ``stdout_rows`` and ``stderr_rows`` of them are lines.
        entryless_bytes: the scan found no entry in this many bytes (else ``None``).
        tailing: the file is followed (new rows are read as they are written).
        following: the panes stay at the bottom.
        new_rows: rows that arrived while following was paused.
        since_ns, until_ns: the time window.
        entries_in_file: entries in the whole file, once the index knows.
        time_format: how times are shown.
        source_note: the last thing a live source said.
        scan_progress: fraction of the file scanned, ``None`` once done.
        index_progress: fraction of the time index built, while it is built.
        skipping: while the scan passes over undecodable bytes: where they
            begin, how far it has read.
    """

    source_label: str
    rows: int
    stdout_rows: int
    stderr_rows: int
    entryless_bytes: int | None
    tailing: bool
    following: bool
    new_rows: int
    since_ns: int | None
    until_ns: int | None
    entries_in_file: int | None
    time_format: TimeFormat
    source_note: str
    scan_progress: float | None
    index_progress: float | None
    skipping: tuple[int, int] | None


def entryless_text(count: int, tailing: bool) -> str:
    """What is said of a file in which the scan found no entry in ``count`` bytes."""
    if tailing:
        return f"no entry in {count:,} bytes yet"
    return f"not an iolog file: no entry in {count:,} bytes"


class StatusBar(Horizontal):
    """One line: the file and its rows, the investigation, the scan and follow state.

    Args:
        clock: unix nanoseconds "now" (for times shown in local time).
        id: as for any widget.
    """

    facts: reactive[StatusFacts | None] = reactive(None, init=False)
    """The file, its rows and its scan (set by the log screen)."""
    investigation: reactive[Text] = reactive(Text, init=False)
    """What the stream filter, the filter and the search say (set by the log screen)."""

    def __init__(self, *, clock: Callable[[], int], id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._clock = clock

    def compose(self) -> ComposeResult:
        yield Label(id="status-left")
        yield Label(id="status-investigate")
        yield Label(id="status-right")

    def watch_facts(self, facts: StatusFacts | None) -> None:
        if facts is None or not self.is_mounted:
            return
        self.query_one("#status-left", Label).update(self._left(facts))
        self.query_one("#status-right", Label).update(self._right(facts))

    def watch_investigation(self, text: Text) -> None:
        if self.is_mounted:
            self.query_one("#status-investigate", Label).update(text)

    def _left(self, facts: StatusFacts) -> Text:
        text = Text()
        text.append(f" {safe_label(facts.source_label)} ", "reverse")
        garbage = facts.rows - facts.stdout_rows - facts.stderr_rows
        text.append(f" {facts.rows:,} lines · ")
        text.append("stdout", "bold green")
        text.append(f" {facts.stdout_rows:,} · ")
        text.append("stderr", "bold red")
        text.append(f" {facts.stderr_rows:,}")
        if garbage:
            text.append(f" · {garbage:,} skipped", "dim")
        if facts.entryless_bytes is not None:
            text.append(f" · {entryless_text(facts.entryless_bytes, facts.tailing)}", "bold red")
        window = self._window_text(facts)
        if window:
            text.append(f" · {window}", "bold")
            if facts.entries_in_file is not None:
                text.append(f" · {facts.entries_in_file:,} entries in file", "dim")
        return text

    def _window_text(self, facts: StatusFacts) -> str:
        parts = []
        if facts.since_ns is not None:
            parts.append(f"since {short_time(facts.since_ns, facts.time_format, self._clock())}")
        if facts.until_ns is not None:
            parts.append(f"until {short_time(facts.until_ns, facts.time_format, self._clock())}")
        return " ".join(parts)

    def _right(self, facts: StatusFacts) -> Text:
        text = Text()
        if facts.source_note:
            note = safe_label(facts.source_note)
            if len(note) > _NOTE_CELLS:
                note = note[: _NOTE_CELLS - 1] + "…"
            text.append(note, "italic")
            text.append("  ")
        scanning = facts.scan_progress
        if facts.index_progress is not None and scanning is not None:
            text.append(f"indexing {facts.index_progress:.0%}  ", "bold yellow")
        elif facts.skipping is not None and scanning is not None:
            start, read_to = facts.skipping
            text.append(
                f"skipping unreadable bytes: {format_bytes(read_to - start)} · {scanning:.0%}  ",
                "bold yellow",
            )
        elif scanning is not None:
            text.append(f"scanning {scanning:.0%}  ", "bold yellow")
        if facts.following:
            text.append(" FOLLOW ", "bold reverse green")
        elif facts.tailing:
            text.append(f" paused · {facts.new_rows:,} new ", "bold reverse yellow")
        text.append(f" {facts.time_format.value} ", "dim")
        return text
