"""The sparse checkpoint index of a log file, and the fast pass that builds it.

This module owns :class:`CheckpointIndex`: every few KiB of a log (at an
entry the linear decoder accepts) it records a checkpoint, the offset where a
*region* starts, how many entries (and stderr entries) come before it, the
time of the entry just before it and of its own first entry, how many
damage events come before it, and the minimum and maximum timestamp of the
entries that start in the region. Eight ``array('q')`` columns, 64 bytes per
checkpoint: a 1 GiB log indexed every 64 KiB takes 1 MiB.

What a region's min/max proves. A region whose ``max_ts < since`` or whose
``min_ts >= until`` holds no entry with ``since <= ts < until``, whatever the
order of its timestamps (backward clock jumps included), so a query may skip
it, unless it holds damage (which ends lines and is reported). Nothing else
is ever skipped: see :mod:`iolog.file.logfile`.

Why a checkpoint is a safe place to start decoding. Checkpoints are placed
only at entries that the linear decoder (one :class:`~iolog.core.decoder.Decoder`
fed the file from offset 0) accepts. The decoder's decisions depend only on
the bytes ahead and on the time of the previous entry, which the checkpoint
keeps: a fresh decoder started there in sync with that time
(``previous_ts``) produces exactly the events the linear one does. For the
same reason an index can be cut back to any checkpoint (:meth:`rewind`, for a
file that grew) and built on from there.

The index is built by :mod:`iolog.file.indexbuild` (one pass of the fast
walk), which hands what the walk yields to :meth:`CheckpointIndex.account`.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Sequence

from .. import _native
from ..core.decoder import Event
from ..core.format import ENCODED_HEADER_SIZE, MAX_ENTRY_SIZE, Entry
from .walk import FastBatch, SpanStats
from .walkbatch import offsets_array

__all__ = ["DEFAULT_CHECKPOINT_EVERY_BYTES", "EOF_HORIZON_BYTES", "CheckpointIndex"]

#: Default distance between checkpoints, in bytes.
DEFAULT_CHECKPOINT_EVERY_BYTES = 64 * 1024

_HDR = ENCODED_HEADER_SIZE
_INT64_MAX = (1 << 63) - 1
_INT64_MIN = -(1 << 63)
#: How far past an entry the decoder may look before deciding it: the entry
#: (header and payload), a candidate header inside it and that candidate's
#: own entry and successor header. Checkpoints further than this from the end
#: of the indexed bytes do not depend on where the file ended.
EOF_HORIZON_BYTES = 3 * (_HDR + MAX_ENTRY_SIZE) + 2 * _HDR

class CheckpointIndex:
    """A sparse index of a log file: regions with their entry numbers and time bounds.

    Region ``i`` spans ``[offsets[i], offsets[i + 1])`` (the last one ends at
    :attr:`end_offset`) and holds the entries whose header starts in it;
    ``entry_numbers[i]`` entries (``stderr_numbers[i]`` on stderr) come before
    it; ``prev_ts[i]`` is the time of the entry before it and ``first_ts[i]``
    that of its first entry; ``min_ts[i]``/``max_ts[i]`` bound their
    timestamps. A region with no entry (the end of a file, after damage) has
    ``INT64_MAX``/``INT64_MIN`` bounds, and ``INT64_MIN`` stands for "none"
    in ``prev_ts`` and ``first_ts``.

    Attributes:
        offsets: region start offsets, increasing; ``offsets[0] == 0``.
        entry_numbers: entries before each region.
        stderr_numbers: stderr entries before each region.
        damage_numbers: damage events (skipped runs, a truncated tail) before each region.
        prev_ts: the time of the last entry before each region.
        first_ts: the time of each region's first entry.
        min_ts: smallest timestamp in each region.
        max_ts: largest timestamp in each region.
        end_offset: bytes of the file the index covers.
        complete: the index covers the whole file as it was when built
            (``False`` for the partial index a time seek leaves behind).
        entry_count: entries in ``[0, end_offset)``.
        stderr_count: of which on stderr.
        damage_count: damage events in ``[0, end_offset)``.
        last_ts: timestamp of the last entry, ``None`` if there is none.
        checkpoint_every_bytes: the target distance between checkpoints.
        built_for_size: the file size the last build pass treated as the end.
    """

    COLUMNS = (
        "offsets", "entry_numbers", "stderr_numbers", "damage_numbers", "prev_ts", "first_ts", "min_ts",
        "max_ts",
    )

    def __init__(self, checkpoint_every_bytes: int = DEFAULT_CHECKPOINT_EVERY_BYTES) -> None:
        if checkpoint_every_bytes < 1:
            raise ValueError(f"checkpoint_every_bytes must be >= 1, got {checkpoint_every_bytes}")
        self.checkpoint_every_bytes = checkpoint_every_bytes
        self.offsets = array("q")
        self.entry_numbers = array("q")
        self.stderr_numbers = array("q")
        self.damage_numbers = array("q")
        self.prev_ts = array("q")
        self.first_ts = array("q")
        self.min_ts = array("q")
        self.max_ts = array("q")
        self.end_offset = 0
        self.complete = False
        self.entry_count = 0
        self.stderr_count = 0
        self.damage_count = 0
        self.last_ts: int | None = None
        self.built_for_size = 0
        # The open region (not yet in the arrays) while building.
        self._open_start = 0
        self._open_number = 0
        self._open_stderr = 0
        self._open_damage = 0
        self._open_prev = _INT64_MIN
        self._open_first = _INT64_MIN
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
        """Memory held by the columns, in bytes."""
        return sum(column.itemsize * len(column) for column in self._columns())

    def _columns(self) -> list[array[int]]:
        return [getattr(self, name) for name in self.COLUMNS]

    def region(self, number: int) -> tuple[int, int]:
        """The byte range ``[start, end)`` of region ``number``.

        Raises:
            IndexError: no such region.
        """
        start = self.offsets[number]
        end = self.offsets[number + 1] if number + 1 < len(self.offsets) else self._open_start
        return start, end

    def damaged(self, number: int) -> bool:
        """Whether region ``number`` holds damage (a skipped run or a truncated tail)."""
        after = (
            self.damage_numbers[number + 1] if number + 1 < len(self.offsets) else self._open_damage
        )
        return after > self.damage_numbers[number]

    def previous_ts(self, offset: int) -> int | None:
        """The time of the entry before the checkpoint at ``offset`` (``None``: none).

        ``offset`` must be a checkpoint (a region's start) or :attr:`end_offset`.
        """
        if offset == self._open_start or offset >= self.end_offset:
            stamp = self._open_prev if offset == self._open_start else self.last_ts
        else:
            stamp = self.prev_ts[bisect.bisect_left(self.offsets, offset)]
        return None if stamp is None or stamp == _INT64_MIN else stamp

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
        return self._boundary_at_or_before(min(self.end_offset, self.built_for_size - EOF_HORIZON_BYTES))

    def _boundary_at_or_before(self, limit: int) -> int:
        """The last region start (the open region's included) at or before ``limit``, or 0."""
        if self._open_start <= limit:
            return self._open_start
        count = bisect.bisect_right(self.offsets, limit)
        return self.offsets[count - 1] if count >= 1 else 0

    def rewind(self, file_size: int) -> None:
        """Keep only what still describes the file, now ``file_size`` long.

        An index of a file that shrank is emptied; after growth it is cut
        back to its last checkpoint that the old end could not have decided
        (see :meth:`trusted_end`) and left incomplete, so that building on
        reads only from there.
        """
        if file_size == self.built_for_size:
            return
        if file_size < self.built_for_size:
            self.__init__(self.checkpoint_every_bytes)  # type: ignore[misc]
            return
        limit = self.built_for_size - EOF_HORIZON_BYTES
        if not self.complete and self.end_offset <= limit:
            self.built_for_size = file_size  # partial work far from the old end: all of it holds
            return
        keep = self._boundary_at_or_before(min(self.end_offset, limit))
        if keep == 0:
            self.__init__(self.checkpoint_every_bytes)  # type: ignore[misc]
            return
        if keep != self._open_start:
            number = bisect.bisect_left(self.offsets, keep)
            values = [column[number] for column in self._columns()]
            for column in self._columns():
                del column[number:]
            (self._open_start, self._open_number, self._open_stderr, self._open_damage,
             self._open_prev) = values[:5]
        self._open_first, self._open_min, self._open_max = _INT64_MIN, _INT64_MAX, _INT64_MIN
        self.entry_count = self._open_number
        self.stderr_count = self._open_stderr
        self.damage_count = self._open_damage
        self.last_ts = None if self._open_prev == _INT64_MIN else self._open_prev
        self.end_offset = self._open_start
        self.complete = False
        self.built_for_size = file_size

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
        but the bounds of all of them.

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
        entry and it holds no damage (which ends lines, and is reported);
        adjacent candidate regions are merged. Each range starts at a
        checkpoint (see :meth:`previous_ts` for where to start decoding).

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
            if (max_ts[number] < low or (high is not None and min_ts[number] >= high)) and not (
                self.damaged(number)
            ):
                continue
            if ranges and ranges[-1][1] == start:
                ranges[-1] = (ranges[-1][0], end)
            else:
                ranges.append((start, end))
        return ranges

    # -- building ------------------------------------------------------------

    def _close_region(self, boundary: int) -> None:
        """Append the open region and open a new, empty one at ``boundary``."""
        for column, value in zip(
            self._columns(),
            (self._open_start, self._open_number, self._open_stderr, self._open_damage, self._open_prev,
             self._open_first, self._open_min, self._open_max),
            strict=True,
        ):
            column.append(value)
        self._open_start = boundary
        self._open_number = self.entry_count
        self._open_stderr = self.stderr_count
        self._open_damage = self.damage_count
        self._open_prev = _INT64_MIN if self.last_ts is None else self.last_ts
        self._open_first = _INT64_MIN
        self._open_min = _INT64_MAX
        self._open_max = _INT64_MIN

    def _account(
        self,
        base: int,
        starts: Sequence[int],
        count: int,
        stats: Callable[[int, int], SpanStats],
        stop_since_ns: int | None,
    ) -> int:
        """Count ``count`` consecutive accepted entries.

        Args:
            base: absolute offset that ``starts`` are relative to.
            starts: the entries' header offsets (at least ``count``).
            count: how many entries.
            stats: ``stats(first, last)`` gives the times and streams of
                entries ``[first, last)`` (:meth:`FastBatch.span_stats`).
            stop_since_ns: see :func:`~iolog.file.indexbuild.extend_index`.

        Returns:
            The number of entries counted: all of them, or fewer when a region
            whose maximum reaches ``stop_since_ns`` was just closed (the
            caller then stops, in sync, at the next entry's start).
        """
        every = self.checkpoint_every_bytes
        done = 0
        while done < count:
            limit = self._open_start + every - base
            split = bisect.bisect_left(starts, limit, done, count)
            if self.entry_count == self._open_number and split == done:
                split = done + 1  # a region holds at least its first entry
            if split > done:
                segment = stats(done, split)
                if self.entry_count == self._open_number:
                    self._open_first = segment.first_ts
                if segment.min_ts < self._open_min:
                    self._open_min = segment.min_ts
                if segment.max_ts > self._open_max:
                    self._open_max = segment.max_ts
                self.entry_count += split - done
                self.stderr_count += segment.stderr_entries
                self.last_ts = segment.last_ts
                done = split
            if done < count:
                reached = stop_since_ns is not None and self._open_max >= stop_since_ns
                self._close_region(base + starts[done])
                if reached:
                    break
        return done

    def _account_in_c(self, batch: FastBatch, stop_since_ns: int | None) -> int:
        """:meth:`_account` of a whole batch in C (``index_regions``): the closed regions in bulk."""
        native = _native.speedups
        assert native is not None
        state = (
            self._open_start, self._open_number, self._open_stderr, self._open_damage, self._open_prev,
            self._open_first, self._open_min, self._open_max, self.entry_count, self.stderr_count,
            self.damage_count, self.last_ts,
        )
        counted, rows, state = native.index_regions(
            offsets_array(batch.starts), batch.raw, batch.accepted, batch.base, self.checkpoint_every_bytes,
            state, stop_since_ns,
        )
        for column, data in zip(self._columns(), rows, strict=True):
            column.frombytes(data)
        (self._open_start, self._open_number, self._open_stderr, self._open_damage, self._open_prev,
         self._open_first, self._open_min, self._open_max, self.entry_count, self.stderr_count,
         self.damage_count, self.last_ts) = state
        return counted

    def account(self, item: FastBatch | list[Event], stop_since_ns: int | None = None) -> bool:
        """Count what the walk yielded next, and move :attr:`end_offset` past it.

        Args:
            item: a batch, or a list of the decoder's events, from
                :func:`iolog.file.walk.walk`, continuing at :attr:`end_offset`.
            stop_since_ns: see :func:`~iolog.file.indexbuild.extend_index`.

        Returns:
            False when a region reaching ``stop_since_ns`` was closed (then
            :attr:`end_offset` is that region's end, an entry start).
        """
        if isinstance(item, FastBatch):
            if _native.speedups is not None:
                counted = self._account_in_c(item, stop_since_ns)
            else:
                counted = self._account(item.base, item.starts, item.accepted, item.span_stats, stop_since_ns)
            self.end_offset = item.base + item.starts[counted]
            return counted == item.accepted
        for event in item:
            if isinstance(event, Entry):
                offset = event.offset if event.offset is not None else 0
                stamp = event.timestamp_ns
                one = SpanStats(stamp, stamp, stamp, stamp, int(event.stream), 0)
                if not self._account(0, [offset], 1, _always(one), stop_since_ns):
                    self.end_offset = offset
                    return False
                self.end_offset = offset + _HDR + len(event.message)
            else:
                self.damage_count += 1
                self.end_offset = event.end_offset
        return True

    def finish(self, size: int) -> None:
        """Close the open region at ``size``: the index now covers the file up to ``size``, complete."""
        if self._open_start < size or not len(self.offsets):
            self._close_region(size)
        self.end_offset = size
        self.complete = True


def _always(stats: SpanStats) -> Callable[[int, int], SpanStats]:
    """The stats of a single entry, for :meth:`CheckpointIndex._account`."""
    return lambda first, last: stats
