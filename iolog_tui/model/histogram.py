"""Entries per time bucket: the numbers behind the timeline, without Textual.

This module owns counting. When what is shown spans at most
``EXACT_MAX_BYTES`` of the file, its entries are counted exactly
(:func:`count_entries` reads the headers of that range and
:func:`exact_histogram` buckets them). A bigger window is counted from the
time index (``iolog.LogFile.Summary``: per 64 KiB region, how many
entries and the span of their timestamps), never by reading the log: a
region's entries are spread over the buckets its time span covers, and split
between stdout and stderr by the share of each in the model's rows of that
region (or in the whole file, for a region the viewer has not scanned yet).

Error and warning lines per bucket (:func:`rows_per_bucket`) are counted
from the viewer's level count (model rows, see
:mod:`iolog_tui.model.levelrows`) and the buckets' places in the file: a
bucket holds the rows from the first entry at or after its start time (the
time index's seek) to the next bucket's. Where the clock stepped back a row
is counted in the bucket its place in the file falls in.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from iolog import Entry, LogFile

__all__ = [
    "EXACT_MAX_BYTES",
    "Histogram",
    "count_entries",
    "exact_histogram",
    "histogram",
    "rows_per_bucket",
    "window_frame",
]

#: A shown window spanning at most this many bytes of the file is counted entry by entry.
EXACT_MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Histogram:
    """Entries per time bucket.

    Attributes:
        start_ns: the first bucket's start (unix ns).
        bucket_ns: each bucket's length.
        stdout: entries on stdout per bucket (fractional: regions are spread).
        stderr: entries on stderr per bucket.
    """

    start_ns: int
    bucket_ns: int
    stdout: tuple[float, ...]
    stderr: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.stdout)

    @property
    def end_ns(self) -> int:
        """Where the last bucket ends."""
        return self.start_ns + self.bucket_ns * len(self)

    def bucket_of(self, timestamp_ns: int) -> int | None:
        """The bucket holding ``timestamp_ns``, ``None`` outside the histogram."""
        if not self.start_ns <= timestamp_ns < self.end_ns:
            return None
        return (timestamp_ns - self.start_ns) // self.bucket_ns

    def bucket_start(self, bucket: int) -> int:
        """Where ``bucket`` starts (unix ns)."""
        return self.start_ns + bucket * self.bucket_ns


def rows_per_bucket(edges: Sequence[int], row_offsets: Sequence[int], rows: Sequence[int]) -> tuple[int, ...]:
    """How many of ``rows`` fall in each bucket, a bucket being a range of the file.

    Args:
        edges: where each bucket begins in the file, then where the last ends
            (increasing; one more than there are buckets).
        row_offsets: the model's row offsets (file order).
        rows: model row numbers, increasing (the error lines, say).

    Returns:
        One count per bucket.
    """
    firsts = [bisect_left(row_offsets, edge) for edge in edges]
    below = [bisect_left(rows, first) for first in firsts]
    return tuple(max(0, high - low) for low, high in zip(below, below[1:], strict=False))


def window_frame(
    earliest_ns: int, latest_ns: int, buckets: int, since_ns: int | None, until_ns: int | None
) -> tuple[int, int, int] | None:
    """The window ``(start_ns, end_ns, bucket_ns)`` for entries in ``[earliest_ns, latest_ns]``."""
    start_ns = earliest_ns if since_ns is None else since_ns
    end_ns = latest_ns + 1 if until_ns is None else until_ns
    if since_ns is None and until_ns is not None:
        start_ns = min(start_ns, end_ns - 1)
    if end_ns <= start_ns or buckets < 1:
        return None
    return start_ns, end_ns, max(1, -(-(end_ns - start_ns) // buckets))


def count_entries(
    path: str,
    start: int,
    end: int,
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[array[int], bytes] | None:
    """The timestamps and streams of the entries in ``[start, end)`` of the file, in the window.

    Args:
        path: the log file.
        start: an entry boundary (0, or a row's offset).
        end: where to stop reading.
        since_ns: keep entries at or after this time.
        until_ns: keep entries before this time.
        should_stop: polled between batches; true gives up.

    Returns:
        ``(timestamps_ns, streams)`` (one stream byte per entry), or ``None``
        when ``should_stop`` turned true.

    Raises:
        OSError: the file cannot be read.
    """
    stamps: array[int] = array("q")
    streams = bytearray()
    with LogFile(path, cache=False) as log:
        for item in log.batches(start, end):
            if should_stop():
                return None
            if isinstance(item, list):
                pairs = [(event.timestamp_ns, int(event.stream))
                         for event in item if type(event) is Entry]
            else:
                pairs = list(zip(item.timestamps(), item.streams()[:item.accepted], strict=True))
            for stamp, stream in pairs:
                if (since_ns is None or stamp >= since_ns) and (until_ns is None or stamp < until_ns):
                    stamps.append(stamp)
                    streams.append(stream)
    return stamps, bytes(streams)


def exact_histogram(
    timestamps_ns: Sequence[int],
    streams: Sequence[int],
    buckets: int,
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
) -> Histogram | None:
    """Count entries per time bucket across ``[since_ns, until_ns)``, one by one.

    Args:
        timestamps_ns: each entry's time.
        streams: each entry's stream (0 stdout, 1 stderr).
        buckets: how many buckets (at least 1).
        since_ns: the window's start; ``None``: the earliest entry.
        until_ns: the window's end; ``None``: just after the latest entry.

    Returns:
        The histogram, or ``None`` when the window holds no entry.
    """
    if not timestamps_ns:
        return None
    frame = window_frame(min(timestamps_ns), max(timestamps_ns), buckets, since_ns, until_ns)
    if frame is None:
        return None
    start_ns, end_ns, bucket_ns = frame
    counts = ([0.0] * buckets, [0.0] * buckets)
    for stamp, stream in zip(timestamps_ns, streams, strict=True):
        if start_ns <= stamp < end_ns:
            counts[1 if stream else 0][(stamp - start_ns) // bucket_ns] += 1
    return Histogram(start_ns, bucket_ns, tuple(counts[0]), tuple(counts[1]))


def histogram(
    index: LogFile.Summary,
    buckets: int,
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
    row_offsets: Sequence[int] = (),
    stderr_rows: Sequence[int] = (),
    stdout_rows: Sequence[int] = (),
    scanned_to: int = 0,
) -> Histogram | None:
    """Count the index's entries per time bucket across ``[since_ns, until_ns)``.

    Args:
        index: what the log's complete time index counts.
        buckets: how many buckets (at least 1).
        since_ns: the window's start; ``None``: the earliest entry.
        until_ns: the window's end; ``None``: just after the latest entry.
        row_offsets: the model's row offsets (file order), for the stream split.
        stderr_rows: the model's row numbers of stderr lines, increasing.
        stdout_rows: the model's row numbers of stdout lines, increasing.
        scanned_to: the model has rows for the file up to this offset.

    Returns:
        The histogram, or ``None`` when the window holds no entry.
    """
    regions = index.regions
    spans = [
        (region.min_ts, region.max_ts)
        for region in regions
        if region.min_ts is not None and region.max_ts is not None
    ]
    if not spans:
        return None
    frame = window_frame(min(low for low, _high in spans), max(high for _low, high in spans),
                   buckets, since_ns, until_ns)
    if frame is None:
        return None
    start_ns, end_ns, bucket_ns = frame
    stdout = [0.0] * buckets
    stderr = [0.0] * buckets
    file_share = index.stderr_entries / index.entries if index.entries else 0.0
    for region in regions:
        low = region.min_ts
        if low is None or region.max_ts is None:
            continue
        high = region.max_ts + 1
        if high <= start_ns or low >= end_ns:
            continue
        count = region.entries
        if count <= 0:
            continue
        share = _stderr_share(
            region.start, region.end, row_offsets, stdout_rows, stderr_rows, scanned_to, file_share,
        )
        first = max(low, start_ns)
        last = min(high, end_ns)
        # Spread the region evenly over its time span; the part inside the window counts.
        per_ns = count / (high - low)
        bucket = (first - start_ns) // bucket_ns
        while first < last and bucket < buckets:
            edge = min(last, start_ns + (bucket + 1) * bucket_ns)
            amount = (edge - first) * per_ns if high - low > 1 else float(count)
            stderr[bucket] += amount * share
            stdout[bucket] += amount * (1 - share)
            first = edge
            bucket += 1
    return Histogram(start_ns, bucket_ns, tuple(stdout), tuple(stderr))


def _stderr_share(
    start: int,
    end: int,
    row_offsets: Sequence[int],
    stdout_rows: Sequence[int],
    stderr_rows: Sequence[int],
    scanned_to: int,
    fallback: float,
) -> float:
    """The share of stderr among the model's lines starting in ``[start, end)``."""
    if end > scanned_to or not row_offsets:
        return fallback
    first_row = bisect_left(row_offsets, start)
    end_row = bisect_left(row_offsets, end)
    errors = bisect_left(stderr_rows, end_row) - bisect_left(stderr_rows, first_row)
    outputs = bisect_left(stdout_rows, end_row) - bisect_left(stdout_rows, first_row)
    if errors + outputs == 0:
        return fallback
    return errors / (errors + outputs)
