"""What the status bar is told: the panes' state, as the status bar's facts.

The log screen hands these down after every change
(:meth:`~iolog_tui.logscreen.LogScreen.refresh_status`); the status bar
only renders them (:class:`~iolog_tui.statusbar.StatusFacts`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .sourcelogs import line_counts, source_names
from .statusbar import StatusFacts

if TYPE_CHECKING:
    from .panes import LogPanes

__all__ = ["status_facts"]



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
