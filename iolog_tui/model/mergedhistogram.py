"""The timeline of several logs merged by time: every shown log's entries per bucket, added up.

This module owns the merged view's numbers behind the timeline
(:class:`~iolog_tui.model.mergedrows.MergedModel`). The buckets cover the
union of the shown logs' time spans (or the window chosen); each log is
counted on its own, as one log's timeline counts it (entry by entry when the
log is small, else from its time index, see
:mod:`iolog_tui.model.histogram`), over those same buckets, and the counts
are summed. A bucket's place among the merged rows (for its error and
warning lines, and for going there) is the first merged row at or after its
start time in any log (:func:`~iolog_tui.model.mergedrows.row_at_time`,
each log sought in its own index).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial

from iolog import LogFile

from .histogram import EXACT_MAX_BYTES, Histogram, count_entries, exact_histogram, histogram, window_frame
from .mergedrows import MergedModel, row_at_time
from .navigation import Navigator
from .rows import LogModel

__all__ = ["merged_histogram", "merged_row_at"]


def merged_histogram(
    model: MergedModel,
    buckets: int,
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[Histogram | None, tuple[int, ...]]:
    """The shown logs' entries per bucket, summed, and each bucket's first merged row (in a worker).

    Args:
        model: the merged model (its arrays are read as they are).
        buckets: how many buckets (at least 1).
        since_ns: the window's start; ``None``: the earliest entry of any log shown.
        until_ns: the window's end; ``None``: just after the latest.
        should_stop: polled between logs and buckets; true gives up.

    Returns:
        ``(histogram, edges)``: ``None`` when no shown log has an entry in
        the window (or on giving up); ``edges`` are the merged rows where
        each bucket begins, then where the last ends (empty on giving up).

    Raises:
        OSError: a log cannot be read.
    """
    shown = [own for log, own in enumerate(model.logs) if log not in model.hidden]
    with ExitStack() as stack:
        navigators = {own.path: Navigator(own.path) for own in model.logs}
        for navigator in navigators.values():
            stack.callback(navigator.close)
        counted: list[Callable[[int, int], Histogram | None]] = []
        spans: list[tuple[int, int]] = []
        for own in shown:
            if should_stop():
                return None, ()
            if own.size <= EXACT_MAX_BYTES:
                entries = count_entries(own.path, 0, own.size, since_ns=since_ns, until_ns=until_ns,
                                        should_stop=should_stop)
                if entries is None:
                    return None, ()
                if entries[0]:
                    spans.append((min(entries[0]), max(entries[0])))
                counted.append(partial(_exact_part, entries, buckets))
                continue
            index = navigators[own.path].index(should_stop=should_stop)
            bounds = [(region.min_ts, region.max_ts) for region in index.regions
                      if region.min_ts is not None and region.max_ts is not None]
            if bounds:
                spans.append((min(low for low, _ in bounds), max(high for _, high in bounds)))
            counted.append(partial(_index_part, own, index, buckets))
        if not spans:
            return None, ()
        earliest, latest = min(low for low, _ in spans), max(high for _, high in spans)
        window = window_frame(earliest, latest, buckets, since_ns, until_ns)
        if window is None:
            return None, ()
        start_ns, end_ns, bucket_ns = window
        stdout = [0.0] * buckets
        stderr = [0.0] * buckets
        for count in counted:
            part = count(start_ns, end_ns)
            if part is None:
                continue
            for bucket in range(min(buckets, len(part))):
                stdout[bucket] += part.stdout[bucket]
                stderr[bucket] += part.stderr[bucket]
        result = Histogram(start_ns, bucket_ns, tuple(stdout), tuple(stderr))
        end_row = len(model)
        edges = []
        for bucket in range(buckets + 1):
            if should_stop():
                return result, ()
            edges.append(row_at_time(model, end_row, partial(_seek, navigators, result.bucket_start(bucket))))
        return result, tuple(edges)


def _exact_part(
    entries: tuple[array[int], bytes], buckets: int, start_ns: int, end_ns: int
) -> Histogram | None:
    """One small log's entries, counted one by one, over the merged buckets."""
    return exact_histogram(entries[0], entries[1], buckets, since_ns=start_ns, until_ns=end_ns)


def _index_part(
    own: LogModel, index: LogFile.Summary, buckets: int, start_ns: int, end_ns: int
) -> Histogram | None:
    """One big log's entries, from its time index, over the merged buckets."""
    return histogram(
        index, buckets, since_ns=start_ns, until_ns=end_ns, row_offsets=own.offsets,
        stdout_rows=own.stream_rows[0], stderr_rows=own.stream_rows[1], scanned_to=own.scanned_to,
    )


def _seek(navigators: dict[str, Navigator], when_ns: int, path: str) -> int:
    return navigators[path].seek(when_ns)


def merged_row_at(model: MergedModel, when_ns: int, should_stop: Callable[[], bool] = lambda: False) -> int:
    """The first merged row at or after ``when_ns`` in any log (``len(model)``: none), in a worker."""
    with ExitStack() as stack:
        navigators = {own.path: Navigator(own.path) for own in model.logs}
        for navigator in navigators.values():
            stack.callback(navigator.close)
        return row_at_time(model, len(model),
                           lambda path: navigators[path].seek(when_ns, should_stop=should_stop))
