"""What the status bar is told: the panes' state, as the status bar's facts, and the investigation.

The log screen hands these down after every change
(:meth:`~iolog_tui.logscreen.LogScreen.refresh_status`); the status bar
only renders them (:class:`~iolog_tui.statusbar.StatusFacts`), and chooses
between the investigation's full and brief forms by the room it has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .sourcelogs import line_counts, source_names
from .statusbar import StatusFacts

if TYPE_CHECKING:
    from rich.text import Text

    from .filterbar import FilterBar
    from .levelbar import LevelBar
    from .panes import LogPanes
    from .searchbar import SearchBar

__all__ = ["investigation", "status_facts"]



def status_facts(panes: LogPanes, source_label: str) -> StatusFacts:
    """What the status bar is told of ``panes`` (their model, scan and choices) now."""
    model = panes.model
    chosen = panes.time_range
    return StatusFacts(
        source_label=source_label,
        rows=len(model),
        stdout_rows=len(model.stdout),
        stderr_rows=len(model.stderr),
        entryless_bytes=panes.entryless_bytes,
        tailing=panes.tailing,
        following=panes.following,
        new_rows=panes.new_rows,
        since_ns=chosen.since_ns,
        until_ns=chosen.until_ns,
        time_format=panes.time_format,
        source_note=panes.source_note,
        scan_progress=panes.scan_progress,
        index_progress=panes.index_progress,
        skipping=panes.skipping,
        clock_steps=model.clock_steps,
        log_lines=tuple(zip(source_names(model), line_counts(model), strict=True)),
    )


def investigation(
    panes: LogPanes, filters: FilterBar, search: SearchBar, levels: LevelBar, *, brief: bool = False
) -> Text:
    """What the status bar says of the stream choice, the filters, the search and the levels.

    ``brief``: in few cells, for a narrow bar (what the filters look for gives way first).
    """
    text = filters.describe(split=panes.split, rows=panes.active_view().rows, brief=brief)
    text.append_text(search.describe(brief=brief))
    # The level counts are the whole file's: said so when the pane shows some lines only.
    subset = filters.stack.filtering or (filters.stream_choice is not None and not panes.split)
    text.append_text(levels.describe(subset=subset, brief=brief))
    return text
