"""The sparse checkpoint index of a log file, and the fast pass that builds it.

This module owns :class:`CheckpointIndex`: every few KiB of a log (at an entry
boundary) it records a checkpoint, the offset where a *region* starts, the
number of entries before it, and the minimum and maximum timestamp of the
entries that start in the region. Four ``array('q')`` columns, 32 bytes per
checkpoint: a 1 GiB log indexed every 64 KiB takes 512 KiB.

What a region's min/max proves. A region whose ``max_ts < since`` or whose
``min_ts >= until`` holds no entry with ``since <= ts < until``, whatever the
order of its timestamps (backward clock jumps included), so a query may skip
it. Nothing else is ever skipped: see :mod:`iolog.file.logfile`.

Why a checkpoint is a safe place to start decoding. Checkpoints are placed
only at offsets where the linear decoder (one :class:`~iolog.core.decoder.Decoder`
fed the file from offset 0) is in sync, expecting a header. A fresh decoder
started there in sync produces exactly the events the linear one does.

The build is one streaming pass of :func:`iolog.file.walk.walk`, which applies
the decoder's own rules without an object per entry, and hands garbage,
torn entries and the end of the file to a real ``Decoder``: so the index
always agrees with the decoder.
"""

from __future__ import annotations

import bisect
import operator
from array import array
from collections.abc import Callable

from ..core.decoder import Event, Skipped, Truncated
from ..core.errors import IndexBuildCancelled
from ..core.format import ENCODED_HEADER_SIZE, MAX_ENTRY_SIZE, Entry
from .walk import _STDERR_BYTE, FastBatch, _timestamps_struct, walk

__all__ = [
    "DEFAULT_CHECKPOINT_EVERY_BYTES",
    "EOF_HORIZON_BYTES",
    "CheckpointIndex",
    "IndexBuildCancelled",
    "extend_index",
]

#: Default distance between checkpoints, in bytes.
DEFAULT_CHECKPOINT_EVERY_BYTES = 64 * 1024

_HDR = ENCODED_HEADER_SIZE
_INT64_MAX = (1 << 63) - 1
_INT64_MIN = -(1 << 63)
_PROGRESS_EVERY_BYTES = 4 << 20
#: How far past an entry the decoder may look before deciding it: the entry
#: (header and payload), a candidate header inside it and that candidate's
#: own entry and successor header. Checkpoints further than this from the end
#: of the indexed bytes do not depend on where the file ended.
EOF_HORIZON_BYTES = 3 * (_HDR + MAX_ENTRY_SIZE) + 2 * _HDR

class CheckpointIndex:
    """A sparse index of a log file: regions with their entry numbers and time bounds.

    Region ``i`` spans ``[offsets[i], offsets[i + 1])`` (the last one ends at
    :attr:`end_offset`) and holds the entries whose header starts in it;
    ``entry_numbers[i]`` entries come before it; ``min_ts[i]``/``max_ts[i]``
    bound their timestamps (``INT64_MAX``/``INT64_MIN`` for a region with no
    entry). Offsets are entry boundaries where the linear decoder is in sync.

    Attributes:
        offsets: region start offsets, increasing; ``offsets[0] == 0``.
        entry_numbers: entries before each region.
        min_ts: smallest timestamp in each region.
        max_ts: largest timestamp in each region.
        end_offset: bytes of the file the index covers.
        complete: the index covers the whole file as it was when built
            (``False`` for the partial index a time seek leaves behind).
        entry_count: entries in ``[0, end_offset)``.
        stdout_count: of which on stdout.
        stderr_count: of which on stderr.
        skipped_bytes: undecodable bytes skipped.
        truncated_bytes: bytes of an incomplete entry at the end.
        backward_jumps: times a timestamp was smaller than its predecessor's.
        first_ts: timestamp of the first entry, ``None`` if there is none.
        last_ts: timestamp of the last entry, ``None`` if there is none.
        checkpoint_every_bytes: the target distance between checkpoints.
        built_for_size: the file size the last build pass treated as the end.
    """

    def __init__(self, checkpoint_every_bytes: int = DEFAULT_CHECKPOINT_EVERY_BYTES) -> None:
        if checkpoint_every_bytes < 1:
            raise ValueError(f"checkpoint_every_bytes must be >= 1, got {checkpoint_every_bytes}")
        self.checkpoint_every_bytes = checkpoint_every_bytes
        self.offsets = array("q")
        self.entry_numbers = array("q")
        self.min_ts = array("q")
        self.max_ts = array("q")
        self.end_offset = 0
        self.complete = False
        self.entry_count = 0
        self.stderr_count = 0
        self.skipped_bytes = 0
        self.truncated_bytes = 0
        self.backward_jumps = 0
        self.first_ts: int | None = None
        self.last_ts: int | None = None
        self.built_for_size = 0
        # The open region (not yet in the arrays) while building.
        self._open_start = 0
        self._open_number = 0
        self._open_min = _INT64_MAX
        self._open_max = _INT64_MIN

    def __len__(self) -> int:
        """Number of checkpoints (regions)."""
        return len(self.offsets)

    def __repr__(self) -> str:
        return (
            f"CheckpointIndex(checkpoints={len(self)}, entries={self.entry_count}, "
            f"end_offset={self.end_offset}, complete={self.complete})"
        )

    @property
    def stdout_count(self) -> int:
        """Entries on stdout."""
        return self.entry_count - self.stderr_count

    @property
    def nbytes(self) -> int:
        """Memory held by the four columns, in bytes."""
        return sum(
            column.itemsize * len(column)
            for column in (self.offsets, self.entry_numbers, self.min_ts, self.max_ts)
        )

    def region(self, number: int) -> tuple[int, int]:
        """The byte range ``[start, end)`` of region ``number``.

        Raises:
            IndexError: no such region.
        """
        start = self.offsets[number]
        end = self.offsets[number + 1] if number + 1 < len(self.offsets) else self._open_start
        return start, end

    def trusted_end(self, file_size: int) -> int:
        """The offset up to which the regions describe a file now ``file_size`` long.

        The index of a file that has not changed size describes all of it.
        After the file grew, the regions near the old end may have been
        decided by where the file ended then (a torn tail, say), so only those
        ending at least ``EOF_HORIZON_BYTES`` before the old end are trusted.
        A file that shrank is not described at all (0).

        Args:
            file_size: the file's current size.

        Returns:
            An offset that is a region boundary (or 0).
        """
        if file_size < self.built_for_size:
            return 0
        if file_size == self.built_for_size:
            return self._open_start  # the end of the last closed region
        limit = min(self.end_offset, self.built_for_size - EOF_HORIZON_BYTES)
        count = bisect.bisect_right(self.offsets, limit)
        # Regions 0..count-2 end at offsets[1..count-1] <= limit.
        return self.offsets[count - 1] if count >= 1 else 0

    def first_region_reaching(self, since_ns: int, upto: int | None = None) -> int | None:
        """The first region holding an entry with ``timestamp_ns >= since_ns``.

        Args:
            since_ns: unix nanoseconds.
            upto: consider only regions ending at or before this offset.

        Returns:
            The region number, or ``None`` if no considered region qualifies.
        """
        max_ts = self.max_ts
        for number in range(len(self.offsets)):
            if upto is not None and self.region(number)[1] > upto:
                return None
            if max_ts[number] >= since_ns:
                return number
        return None

    def time_span(self) -> tuple[int, int] | None:
        """The earliest and the latest timestamp of the entries indexed so far.

        With clock jumps these are not the first and last entries' times
        (:attr:`first_ts`, :attr:`last_ts`) but the bounds of all of them.

        Returns:
            ``(earliest_ns, latest_ns)``, or ``None`` before the first entry.
        """
        earliest = min(self._open_min, min(self.min_ts, default=_INT64_MAX))
        latest = max(self._open_max, max(self.max_ts, default=_INT64_MIN))
        if self.entry_count == 0 or earliest > latest:
            return None
        return earliest, latest

    def candidate_ranges(
        self, since_ns: int | None, until_ns: int | None, upto: int | None = None
    ) -> list[tuple[int, int]]:
        """Byte ranges that may hold an entry with ``since_ns <= ts < until_ns``.

        A region is left out only when its bounds prove it holds no such
        entry; adjacent candidate regions are merged.

        Args:
            since_ns: lower bound (inclusive), or ``None``.
            until_ns: upper bound (exclusive), or ``None``.
            upto: consider only regions ending at or before this offset
                (see :meth:`trusted_end`).

        Returns:
            ``[(start, end), ...]`` in file order, disjoint and not adjacent.
        """
        ranges: list[tuple[int, int]] = []
        min_ts = self.min_ts
        max_ts = self.max_ts
        low = _INT64_MIN if since_ns is None else since_ns
        high = None if until_ns is None else until_ns
        for number in range(len(self.offsets)):
            start, end = self.region(number)
            if upto is not None and end > upto:
                break
            if max_ts[number] < low or (high is not None and min_ts[number] >= high):
                continue
            if ranges and ranges[-1][1] == start:
                ranges[-1] = (ranges[-1][0], end)
            else:
                ranges.append((start, end))
        return ranges

    # -- building ------------------------------------------------------------

    def _close_region(self, boundary: int) -> None:
        """Append the open region and open a new, empty one at ``boundary``."""
        self.offsets.append(self._open_start)
        self.entry_numbers.append(self._open_number)
        self.min_ts.append(self._open_min)
        self.max_ts.append(self._open_max)
        self._open_start = boundary
        self._open_number = self.entry_count
        self._open_min = _INT64_MAX
        self._open_max = _INT64_MIN

    def _account(
        self,
        base: int,
        starts: list[int],
        timestamps: tuple[int, ...] | list[int],
        stream_bytes: bytes,
        stop_since_ns: int | None,
    ) -> int:
        """Count a batch of accepted entries.

        Args:
            base: absolute offset that ``starts`` are relative to.
            starts: the entries' header offsets (at least as many as timestamps).
            timestamps: the entries' timestamps.
            stream_bytes: raw header byte 8 of each entry (bit 3: stderr).
            stop_since_ns: see :func:`extend_index`.

        Returns:
            The number of entries counted: all of them, or fewer when a region
            whose maximum reaches ``stop_since_ns`` was just closed (the
            caller then stops, in sync, at the next entry's start).
        """
        count = len(timestamps)
        if not count:
            return 0
        every = self.checkpoint_every_bytes
        done = 0
        while done < count:
            limit = self._open_start + every - base
            split = bisect.bisect_left(starts, limit, done, count)
            if self.entry_count == self._open_number and split == done:
                split = done + 1  # a region holds at least its first entry
            if split > done:
                segment = timestamps[done:split]
                low = min(segment)
                high = max(segment)
                if low < self._open_min:
                    self._open_min = low
                if high > self._open_max:
                    self._open_max = high
                self.entry_count += split - done
                done = split
            if done < count:
                reached = stop_since_ns is not None and self._open_max >= stop_since_ns
                self._close_region(base + starts[done])
                if reached:
                    break
        if not done:
            return 0
        counted = timestamps if done == count else timestamps[:done]
        if self.last_ts is None:
            self.first_ts = counted[0]
        elif counted[0] < self.last_ts:
            self.backward_jumps += 1
        if done > 1 and list(counted) != sorted(counted):
            self.backward_jumps += sum(map(operator.gt, counted, counted[1:]))
        self.last_ts = counted[-1]
        self.stderr_count += stream_bytes[:done].translate(_STDERR_BYTE).count(1)
        return done

    def account(self, item: FastBatch | list[Event], stop_since_ns: int | None = None) -> bool:
        """Count what the walk yielded next, and move :attr:`end_offset` past it.

        Args:
            item: a batch, or a list of the decoder's events, from
                :func:`iolog.file.walk.walk`, continuing at :attr:`end_offset`.
            stop_since_ns: see :func:`extend_index`.

        Returns:
            False when a region reaching ``stop_since_ns`` was closed (then
            :attr:`end_offset` is that region's end, an entry start).
        """
        if isinstance(item, FastBatch):
            base, _, starts, accepted, raw = item
            timestamps = _timestamps_struct(accepted).unpack(raw)
            counted = self._account(base, starts, timestamps, raw[8::12], stop_since_ns)
            self.end_offset = base + starts[counted]
            return counted == accepted
        for event in item:
            if isinstance(event, Entry):
                if not self._account_one(event, stop_since_ns):
                    self.end_offset = event.offset if event.offset is not None else 0
                    return False
                self.end_offset = event.end_offset or self.end_offset
            elif isinstance(event, Truncated):
                self.truncated_bytes += event.length
                self.end_offset = event.end_offset
            elif isinstance(event, Skipped):
                self.skipped_bytes += event.length
                self.end_offset = event.end_offset
        return True

    def _account_one(self, entry: Entry, stop_since_ns: int | None) -> bool:
        """Count one entry from the decoder; ``False`` if it was not counted (stop)."""
        offset = entry.offset if entry.offset is not None else 0
        stream_byte = b"\x08" if entry.stream else b"\x00"
        return bool(self._account(0, [offset], [entry.timestamp_ns], stream_byte, stop_since_ns))


def extend_index(
    index: CheckpointIndex,
    fd: int,
    size: int,
    *,
    stop_since_ns: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    count_read: Callable[[int], None] | None = None,
) -> None:
    """Continue building ``index`` over the file open as ``fd``, up to ``size``.

    The pass starts at ``index.end_offset`` (a region boundary, in sync) and
    runs to ``size``, treated as the end of the file; then the index is
    ``complete``. With ``stop_since_ns`` it stops earlier, right after closing
    the first region whose maximum timestamp is ``>= stop_since_ns``, leaving a
    partial index whose ``end_offset`` is that region's end.

    Args:
        index: the index to extend; must not be ``complete``.
        fd: a file descriptor open for reading (read with ``os.pread``).
        size: the file size to index up to.
        stop_since_ns: stop at the first region reaching this time.
        progress: called as ``progress(done_bytes, size)`` every few MiB.
        should_stop: polled every few MiB; when it returns true the pass stops
            at an in-sync offset (the partial index is kept) and raises.
        count_read: called with the length of each read (for accounting).

    Raises:
        IndexBuildCancelled: ``should_stop`` returned true.
        ValueError: the index is already complete.
        OSError: reading failed.
    """
    if index.complete:
        raise ValueError("the index is already complete")
    index.built_for_size = size
    if should_stop is not None and should_stop():
        raise IndexBuildCancelled(f"index build cancelled at offset {index.end_offset}")
    next_check = index.end_offset + _PROGRESS_EVERY_BYTES
    for item in walk(fd, index.end_offset, size, count_read=count_read):
        if not index.account(item, stop_since_ns):
            return
        if index.end_offset >= next_check:
            next_check = index.end_offset + _PROGRESS_EVERY_BYTES
            if progress is not None:
                progress(index.end_offset, size)
            if should_stop is not None and should_stop():
                raise IndexBuildCancelled(f"index build cancelled at offset {index.end_offset}")
    if index._open_start < size or not len(index.offsets):
        index._close_region(size)
    index.end_offset = size
    index.complete = True
    if progress is not None:
        progress(size, size)
