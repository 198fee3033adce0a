"""One log or several: the model and the scan job a source needs, and its logs' names.

This module owns the choice between the two kinds of view the panes show:
one log (:class:`~iolog_tui.model.rows.LogModel`, scanned by
:func:`~iolog_tui.scanjob.run_scan`) or several logs merged by time
(:class:`~iolog_tui.model.mergedrows.MergedModel`, scanned by
:func:`~iolog_tui.mergejob.run_merged_scan`), so the panes treat both alike.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from .mergejob import run_merged_scan
from .model.mergedrows import MergedModel
from .model.mergescan import MergedRowBatch
from .model.navigation import Navigator
from .model.rows import LogModel, RowBatch
from .model.timerange import Landing
from .scanjob import run_scan
from .sources import LogSource

__all__ = ["joined_names", "landing_in_logs", "line_counts", "model_of", "scan_job", "source_names"]


def model_of(source: LogSource) -> LogModel:
    """The row model of ``source``: its one log's, or its logs' merged.

    Raises:
        OSError: a log cannot be opened.
    """
    if source.logs:
        return MergedModel([path for path, _name in source.logs], [name for _path, name in source.logs])
    return LogModel(source.path)


def scan_job(source: LogSource, navigator: Navigator) -> Callable[..., None]:
    """The scan worker's job for ``source``: call it with the generation and the job's keywords."""
    if source.logs:
        return partial(run_merged_scan, source.logs, specs=source.specs)
    return partial(run_scan, source.path, navigator)


def source_names(model: LogModel) -> list[str]:
    """The names of a merged view's logs (its source column); empty for one log."""
    return list(model.names) if isinstance(model, MergedModel) else []


def line_counts(model: LogModel) -> list[int]:
    """How many lines of each of a merged view's logs it holds; empty for one log."""
    return model.lines_per_log() if isinstance(model, MergedModel) else []


def joined_names(batch: RowBatch) -> list[str]:
    """The names of the logs that joined the view with ``batch`` (a followed folder gained them)."""
    return [name for _path, name in batch.new_logs] if isinstance(batch, MergedRowBatch) else []


def landing_in_logs(
    model: LogModel, since_ns: int | None, progress: Callable[[int, int], None] | None
) -> Landing:
    """Where ``since_ns`` lands in every log of a merged view, added up (called in a worker thread).

    The since picker's preview: the entries before it in all the logs, of
    all their entries; the earliest entry at or after it; the logs' span.
    """
    assert isinstance(model, MergedModel)
    row = rows = 0
    first: int | None = None
    spans: list[tuple[int, int]] = []
    for own in model.logs:
        navigator = Navigator(own.path)
        try:
            landing = navigator.landing(since_ns, len(own), progress=progress)
        finally:
            navigator.close()
        row, rows = row + landing.row, rows + landing.rows
        if landing.timestamp_ns is not None:
            first = landing.timestamp_ns if first is None else min(first, landing.timestamp_ns)
        if landing.span is not None:
            spans.append(landing.span)
    span = (min(low for low, _ in spans), max(high for _, high in spans)) if spans else None
    return Landing(row, rows, first, span)
