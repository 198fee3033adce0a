"""The status bar: what the log screen says about the file, under the panes.

This module owns the words of the bar, not the state they describe. The
log screen hands the bar two attributes: :attr:`StatusBar.facts` (the
file, its rows, the scan, following, the time window, as a
:class:`StatusFacts`) and :attr:`StatusBar.investigation` (what the filter
and search bars say of themselves); the bar renders them into its three
labels: the file on the left, the investigation, and the scan and follow
state on the right.

Units: a *line* is a logical line; skipped garbage and a truncated tail are
*skipped regions*, not lines (entries are the detail's and ``iolog stat`` 's
unit). The time window comes first, abbreviated to fit (``since 10:02``,
``10:02–10:40``), so that it stays readable at 80 columns. When the bar is
too narrow for all it has to say, what gives way is, in order: what the
filters look for (the investigation's brief form: ``3 filters  12 of 40
lines``), then the words of the left part (the file's name cut, ``out`` and
``err`` for stdout and stderr), then those of the right but the follow state,
and last, with filters on (which say how many lines they keep of how many),
the left's counts of the lines; the time window and the follow state stay. What a live
source says (rotated, truncated, disconnected) is not kept on the bar: it
goes to a notification, once, and to the history of notices (``M``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label

from .render import TimeFormat, format_bytes, short_time, source_style
from .safetext import safe_label

__all__ = ["StatusBar", "StatusFacts", "entryless_text", "logs_text", "window_text"]

#: How long a source's notice stays on screen.
NOTICE_TIMEOUT_S = 8.0
#: The file's name is cut to this many cells when the bar is narrow.
_COMPACT_LABEL_CELLS = 14


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
        time_format: how times are shown.
        source_note: the last thing a live source said (notified once when it changes).
        scan_progress: fraction of the file scanned, ``None`` once done.
        index_progress: fraction of the time index built, while it is built.
        skipping: while the scan passes over undecodable bytes: where they
            begin, how far it has read.
        clock_steps: where the clock stepped back (separator rows).
        log_lines: in a view of several logs, each log's name and its lines
            (empty for one log).
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
    time_format: TimeFormat
    source_note: str
    scan_progress: float | None
    index_progress: float | None
    skipping: tuple[int, int] | None
    clock_steps: int = 0
    log_lines: tuple[tuple[str, int], ...] = ()


def _whole(text: str, zone: str) -> str:
    return text.replace("T", " ").rstrip("Z") + zone  # 2026-11-25 10:02:03Z


def _day_and_time(text: str, _zone: str) -> str:
    return text[5:10] + " " + text[11:19]  # 11-25 10:02:03


def _seconds(text: str, _zone: str) -> str:
    return text[11:19]  # 10:02:03


def _minutes(text: str, _zone: str) -> str:
    return text[11:16]  # 10:02


#: The time window's forms, from the longest (:func:`short_time` 's text in, the form out).
_CUTS: tuple[Callable[[str, str], str], ...] = (_whole, _day_and_time, _seconds, _minutes)


def window_text(
    since_ns: int | None, until_ns: int | None, time_format: TimeFormat, now_ns: int, *, cells: int
) -> str:
    """The time window in at most ``cells`` cells if it can be: ``since 2026-11-25 10:02:03``,
    ``since 11-25 10:02:03``, ``since 10:02:03``, ``since 10:02``; both ends as ``10:02–10:40``.

    The shortest form is given when none fits (a window is never left out).
    """
    if since_ns is None and until_ns is None:
        return ""
    ends = [None if moment is None else short_time(moment, time_format, now_ns)
            for moment in (since_ns, until_ns)]
    zone = "Z" if time_format is TimeFormat.UTC else ""
    forms: list[str] = []
    for cut in _CUTS:
        since, until = (None if end is None else cut(end, zone) for end in ends)
        if since is not None and until is not None:
            forms.append(f"since {since} until {until}" if len(forms) < 2 else f"{since}–{until}")
        else:
            forms.append(f"since {since}" if since is not None else f"until {until}")
    for form in forms:
        if len(form) <= cells:
            return form
    return forms[-1]


def logs_text(log_lines: tuple[tuple[str, int], ...], cells: int) -> Text:
    """Each log's lines, in its colour: `` web 30 · db 15``, names cut (``we… 30``) to fit ``cells``."""
    names = [safe_label(name) for name, _count in log_lines]
    longest = max((len(name) for name in names), default=0)
    for width in range(longest, 0, -1):
        cut = [name if len(name) <= width else name[: max(1, width - 1)] + "…" for name in names]
        text = Text()
        for log, (name, (_name, count)) in enumerate(zip(cut, log_lines, strict=True)):
            text.append(" · " if log else " ")
            text.append(name, source_style(log))
            text.append(f" {count:,}")
        if text.cell_len <= cells:
            break
    return text


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
    brief_investigation: Text | None = None
    """The same in few cells (set by the log screen before :attr:`investigation`), for a narrow bar."""
    filtered: bool = False
    """The investigation says how many of the lines the filters keep (set with it)."""

    def __init__(self, *, clock: Callable[[], int], id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._clock = clock
        self._note = ""

    def compose(self) -> ComposeResult:
        yield Label(id="status-left")
        yield Label(id="status-investigate")
        yield Label(id="status-right")

    def watch_facts(self, facts: StatusFacts | None) -> None:
        if facts is None or not self.is_mounted:
            return
        if facts.source_note != self._note:
            self._note = facts.source_note
            if facts.source_note:
                self.notify(safe_label(facts.source_note), severity="warning", timeout=NOTICE_TIMEOUT_S,
                            markup=False)
        self._lay_out()

    def tell(self, investigation: Text, brief: Text, *, filtered: bool) -> None:
        """What the bars say (and in few cells); ``filtered``: it says how many lines the filters keep."""
        self.brief_investigation = brief
        self.filtered = filtered
        self.investigation = investigation

    def watch_investigation(self, _text: Text) -> None:
        self._lay_out()

    def on_resize(self) -> None:
        self.call_after_refresh(self._lay_out)

    def _lay_out(self) -> None:
        """Say everything in the width there is: the filters' words give way first, then the left's."""
        facts = self.facts
        if facts is None or not self.is_mounted:
            return
        right = self._right(facts)
        investigations = [self.investigation]
        if self.brief_investigation is not None:
            investigations.append(self.brief_investigation)
        brief = investigations[-1]
        width = self.size.width or 1_000
        # From the most said to the least: the filters' words go first, then the left's words, the
        # right's words but the follow state, then (with filters on, which say how many lines
        # they keep of how many) the left's counts of the file's lines.
        compact_right = self._right(facts, compact=True)
        choices = [(self._left(facts), investigation, right) for investigation in investigations]
        choices += [(self._left(facts, compact=True), brief, right),
                    (self._left(facts, compact=True), brief, compact_right)]
        if facts.log_lines:  # several logs: their total, without each one's count
            choices.append((self._left(facts, compact=True, per_log=False), brief, compact_right))
        if self.filtered:  # the filters say how many of the lines they keep: the left need not
            choices.append((self._left(facts, minimal=True), brief, compact_right))
        chosen = choices[-1]
        for choice in choices:
            if sum(part.cell_len for part in choice) <= width:
                chosen = choice
                break
        left, investigation, right = chosen
        self.query_one("#status-left", Label).update(left)
        self.query_one("#status-investigate", Label).update(investigation)
        self.query_one("#status-right", Label).update(right)

    def _left(self, facts: StatusFacts, *, compact: bool = False, minimal: bool = False,
              per_log: bool = True) -> Text:
        """The file, the time window and the lines; ``compact``: in fewer words; ``minimal``: the file
        and the window only (with filters on, they say how many of the lines they keep); ``per_log``:
        each of several logs' lines."""
        compact = compact or minimal
        text = Text()
        label = safe_label(facts.source_label)
        if compact and len(label) > _COMPACT_LABEL_CELLS:
            label = label[: _COMPACT_LABEL_CELLS - 1] + "…"
        text.append(f" {label} ", "reverse")
        room = 11 if compact else max(11, self.size.width // 3 - len(label) - 4)
        window = window_text(facts.since_ns, facts.until_ns, facts.time_format, self._clock(), cells=room)
        lines = facts.stdout_rows + facts.stderr_rows
        if minimal and lines and facts.entryless_bytes is None:
            if window:
                text.append(f" {window} ", "bold")
            return text
        if window:
            text.append(f" {window} ", "bold")
            text.append("·")
        if facts.log_lines and per_log:
            text.append_text(logs_text(facts.log_lines, max(12, self.size.width // 3)))
            text.append(" ·")
        skipped = facts.rows - lines - facts.clock_steps
        text.append(f" {lines:,} line{'s' if lines != 1 else ''} · ")
        text.append("out" if compact else "stdout", "bold green")
        text.append(f" {facts.stdout_rows:,} · ")
        text.append("err" if compact else "stderr", "bold red")
        text.append(f" {facts.stderr_rows:,}")
        if skipped:
            regions = "" if compact else f" region{'s' if skipped != 1 else ''}"
            text.append(f" · {skipped:,} skipped{regions}", "dim")
        if facts.clock_steps:
            steps = facts.clock_steps
            text.append(f" · {steps:,} clock step{'s' if steps != 1 else ''}", "bold yellow")
        if facts.entryless_bytes is not None:
            text.append(f" · {entryless_text(facts.entryless_bytes, facts.tailing)}", "bold red")
        text.append(" ")
        return text

    def _right(self, facts: StatusFacts, *, compact: bool = False) -> Text:
        """The scan, following or paused, the time format; ``compact``: no time format, no "0 new"."""
        text = Text()
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
            new = f" · {facts.new_rows:,} new" if facts.new_rows or not compact else ""
            text.append(f" paused{new} ", "bold reverse yellow")
        if not compact:
            text.append(f" {facts.time_format.value} ", "dim")
        return text
