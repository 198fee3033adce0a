"""The last N logical lines of a log file, read backwards in fixed-size blocks.

This module owns ``--tail``: finding where the last ``count`` lines of the
chosen streams start, exactly as the line rule of :mod:`iolog.core.lines`
applied to one linear decode of the whole file says, at a cost that follows
those lines and the bytes between them, not the size of the file.

How. Blocks of :data:`BLOCK_BYTES` are decoded from the end backwards, each
by a decoder that resynchronises at the block's start; its events are
trusted from its first entry :data:`TRUST_MARGIN_BYTES` past that start (by
then a decoder that started inside a payload holding header-shaped bytes has
met the real entries again), and the block before is decoded up to exactly
there, so that the blocks tile the file; where they meet, both decoders must
agree that an entry starts. Within a block the line rule decides every entry
but the first of each stream (before any damage), which starts a line or not
depending on what came before: those wait, and the block before settles
them. A block in which no entry starts past the margin holds damage, which
ends every line; one with no ``==`` at all (a zero hole, noise, or a hole of
a sparse file, found with ``SEEK_DATA`` without reading it) is not decoded,
and when it holds no ``=`` at all, reading the lines forwards passes over it
without reading it again. Past the first such block, whole runs of blocks
(doubling up to :data:`_SPRINT_BLOCKS`) are checked at once, split over two
threads: the answer is the one block by block would give. Reading stops once
the last ``count`` line starts are settled. Memory holds one block and the line starts found, never the
lines; the lines are then read forwards in bulk (:func:`tail_batches`).

If two blocks ever disagree on where an entry starts (a decoder tricked for
longer than the margin), the answer is computed by one forward pass instead.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.decoder import Decoder, Event
from ..core.format import ENCODED_HEADER_SIZE, MAX_ENTRY_SIZE, Entry
from ..core.lines import LineState
from .walk import LOOKAHEAD_BYTES, FastBatch, find_quiet, walk

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

__all__ = ["BLOCK_BYTES", "TRUST_MARGIN_BYTES", "TailStart", "find_tail", "tail_batches", "tail_events"]

#: Bytes decoded per block (blocks never grow).
BLOCK_BYTES = 1 << 20
#: A decoder started inside a block is trusted from its first entry this far in.
TRUST_MARGIN_BYTES = LOOKAHEAD_BYTES
#: The smallest block the method works with.
MIN_BLOCK_BYTES = 2 * TRUST_MARGIN_BYTES + ENCODED_HEADER_SIZE + MAX_ENTRY_SIZE
_SCAN_BYTES = 1 << 20  # bytes searched per read for a header
_SPRINT_BLOCKS = 64  # most blocks checked at once inside a hole
_SPLIT_BYTES = 8 << 20  # a check this long is split over two threads
_FEED_BYTES = 64 << 10  # bytes per feed of a block's decoder
_STREAM_BYTES = (b"\x00", b"\x01")
#: Stream bytes -> 1 for the stream's own entries, else 0.
_IS_STREAM = (bytes([1]) + bytes(255), bytes([0, 1]) + bytes(254))
_RUN = re.compile(b"\x01+")


@dataclass(frozen=True)
class TailStart:
    """Where the last lines start.

    Attributes:
        offset: the first entry of the first of the last lines (an entry the
            linear decoder accepts), or the file's size when there is none.
        line_starts: for stdout and stderr, the first line start at or after
            ``offset``, or ``None``: entries of that stream before it continue
            lines that began earlier.
        quiet: spans after ``offset`` found to hold no ``=`` byte (holes):
            reading the lines passes over them without reading them again.
    """

    offset: int
    line_starts: tuple[int | None, int | None]
    quiet: tuple[tuple[int, int], ...] = ()


@dataclass
class _Block:
    """What a block says about lines, with what came before it unknown.

    ``boundary`` is where its trusted part begins: the block before is
    decoded up to there. ``checked`` says whether an entry starts there.
    """

    boundary: int
    checked: bool = True
    starts: list[tuple[int, int]] = field(default_factory=list)  # settled (offset, stream)
    undecided: list[int | None] = field(default_factory=lambda: [None, None])
    known: list[bool] = field(default_factory=lambda: [False, False])
    open_at_end: list[bool] = field(default_factory=lambda: [False, False])


def find_tail(
    fd: int, size: int, count: int, streams: frozenset[int], *, block_bytes: int = BLOCK_BYTES
) -> TailStart:
    """Where the last ``count`` lines of ``streams`` start in the file open as ``fd``.

    Args:
        fd: the log, open for reading.
        size: its size (the end of the input).
        count: how many lines.
        streams: which streams' lines count (0 stdout, 1 stderr).
        block_bytes: bytes per block (at least :data:`MIN_BLOCK_BYTES`).

    Returns:
        A :class:`TailStart`.

    Raises:
        OSError: reading failed.
    """
    if count <= 0 or size <= 0:
        return TailStart(size, (None, None))
    block_bytes = max(block_bytes, MIN_BLOCK_BYTES)
    scanner = _HoleScanner(fd)
    try:
        return _find_tail(fd, size, count, streams, block_bytes, scanner)
    finally:
        scanner.close()


def _find_tail(
    fd: int, size: int, count: int, streams: frozenset[int], block_bytes: int, scanner: _HoleScanner
) -> TailStart:
    collected: list[tuple[int, int]] = []  # settled starts of the blocks read, in order
    pending: list[int | None] = [None, None]
    quiet: list[tuple[int, int]] = []  # found backwards
    end = size
    check = False  # whether an entry must start at ``end`` (false at the end of the file)
    start = size
    sprint = 2  # blocks checked at once after a quiet block
    while True:
        start = max(0, min(start, end) - block_bytes)
        no_header = False
        if end - start > ENCODED_HEADER_SIZE + MAX_ENTRY_SIZE:
            # Every header holds "==" at its 15th byte: none ends here, none starts in the block.
            span = (start + ENCODED_HEADER_SIZE - 2, min(size, end + ENCODED_HEADER_SIZE))
            no_header, no_equals = scanner.check(*span)
            if no_equals:
                _add_quiet(quiet, span)
        if no_header:
            block = _Block(boundary=start, checked=False, known=[True, True])
        else:
            decoded = _decode_block(fd, start, end, size, check)
            if decoded is None:
                return _forward_tail(fd, size, count, streams)
            block = decoded
        for stream in (0, 1):
            waiting_at = pending[stream]
            if waiting_at is not None and block.known[stream]:
                if not block.open_at_end[stream]:
                    bisect.insort(collected, (waiting_at, stream))
                pending[stream] = None
        collected[:0] = [item for item in block.starts if item[1] in streams]
        for stream in streams:
            if block.undecided[stream] is not None:
                pending[stream] = block.undecided[stream]
        if start == 0:
            for stream in (0, 1):  # nothing before the file's start: a first entry starts a line
                waiting_at = pending[stream]
                if waiting_at is not None:
                    bisect.insort(collected, (waiting_at, stream))
            return _answer(collected, count, size, quiet)
        waiting = [offset for offset in pending if offset is not None]
        settled = len(collected) - (bisect.bisect_right(collected, (max(waiting), 2)) if waiting else 0)
        if settled >= count:
            return _answer(collected, count, size, quiet)
        del collected[: max(0, len(collected) - count - 2)]
        end = block.boundary
        check = block.checked
        if no_header:
            # Inside a hole: a quiet block settles nothing and leaves nothing
            # pending, so a run of quiet blocks is the same as one.
            passed = _pass_quiet_blocks(scanner, end, size, block_bytes, sprint, quiet)
            sprint = min(2 * sprint, _SPRINT_BLOCKS) if passed < end else 2
            end = start = passed


class _HoleScanner:
    """:func:`find_quiet` over long spans, split over two threads (reading releases the GIL)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffers = (bytearray(_SCAN_BYTES), bytearray(_SCAN_BYTES))
        self.pool: ThreadPoolExecutor | None = None
        self.split = (os.cpu_count() or 1) >= 2  # two cores to split a long check over

    def check(self, start: int, end: int) -> tuple[bool, bool]:
        """``find_quiet`` of ``[start, end)``."""
        if end - start < _SPLIT_BYTES or not self.split:
            return find_quiet(self.fd, start, end, self.buffers[0])
        if self.pool is None:
            from concurrent.futures import ThreadPoolExecutor  # threads: loaded when a span is split

            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="iolog-tail")
        middle = (start + end) // 2
        upper = self.pool.submit(find_quiet, self.fd, middle, end, self.buffers[1])
        # The halves overlap by one byte, so a "==" across the middle is found.
        lower = find_quiet(self.fd, start, middle + 1, self.buffers[0])
        higher = upper.result()
        return lower[0] and higher[0], lower[1] and higher[1]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def _pass_quiet_blocks(
    scanner: _HoleScanner, end: int, size: int, block_bytes: int, blocks: int, quiet: list[tuple[int, int]]
) -> int:
    """Where block by block reading would stand after the quiet blocks of a run of
    ``blocks`` blocks before ``end``: the run's start when none of them holds a
    header end, else ``end`` (the blocks are then read one by one). The run stops
    short of the file's first block, which is always decoded."""
    blocks = min(blocks, (end - 1) // block_bytes)
    if blocks < 2 or block_bytes <= ENCODED_HEADER_SIZE + MAX_ENTRY_SIZE:
        return end
    low = end - blocks * block_bytes
    span = (low + ENCODED_HEADER_SIZE - 2, min(size, end + ENCODED_HEADER_SIZE))
    no_header, no_equals = scanner.check(*span)
    if not no_header:
        return end
    if no_equals:
        _add_quiet(quiet, span)
    return low


def _answer(
    collected: list[tuple[int, int]], count: int, size: int, quiet: Sequence[tuple[int, int]] = ()
) -> TailStart:
    if not collected:
        return TailStart(size, (None, None))
    last = collected[-count:]
    first_of: list[int | None] = [None, None]
    for offset, stream in last:
        if first_of[stream] is None:
            first_of[stream] = offset
    offset = last[0][0]
    after = tuple(span for span in reversed(quiet) if span[1] > offset)
    return TailStart(offset, (first_of[0], first_of[1]), after)


def _add_quiet(quiet: list[tuple[int, int]], span: tuple[int, int]) -> None:
    """Add a span found before the others, joining it to the one it overlaps."""
    if quiet and span[1] >= quiet[-1][0]:
        quiet[-1] = (span[0], max(span[1], quiet[-1][1]))
    else:
        quiet.append(span)


def _decode_block(fd: int, start: int, end: int, size: int, check: bool) -> _Block | None:
    """Decode ``[start, end)`` and summarise the lines of its trusted part.

    Returns:
        The summary, or ``None`` when an entry must start at ``end`` and the
        decoder says otherwise.
    """
    margin = 0 if start == 0 else start + TRUST_MARGIN_BYTES
    block = _Block(boundary=start if start == 0 else end)
    state = LineState((True, True))  # unknown: a stream's first entry is undecided
    trusted = start == 0
    stood_at: int | None = None
    for item in _events(fd, start, end, size):
        if isinstance(item, int):
            stood_at = item
            break
        if isinstance(item, FastBatch):
            first = 0
            if not trusted:
                while first < item.accepted and item.base + item.starts[first] < margin:
                    first += 1
                if first == item.accepted:
                    continue
                trusted = True
                block.boundary = item.base + item.starts[first]
            _batch(block, state, item, first)
            continue
        for event in item:
            if not trusted:
                if type(event) is not Entry or (event.offset or 0) < margin:
                    continue
                trusted = True
                block.boundary = event.offset or 0
            if type(event) is Entry:
                _entry(block, state, int(event.stream), event.offset or 0, event.message)
            else:
                state.damage()
                block.known = [True, True]
    if check and stood_at is not None and stood_at != end:
        return None
    if not trusted:
        # No entry starts past the margin: the rest of the block is damage;
        # the block before reads up to the margin.
        block = _Block(boundary=margin, checked=False, known=[True, True])
        return block
    block.open_at_end = list(state.open)
    return block


def _entry(block: _Block, state: LineState, stream: int, offset: int, payload: bytes) -> None:
    if not block.known[stream]:
        block.known[stream] = True
        block.undecided[stream] = offset
        state.open[stream] = payload[-1:] != b"\n"
        return
    if state.entry(stream, payload):
        block.starts.append((offset, stream))


def _batch(block: _Block, state: LineState, batch: FastBatch, first: int) -> None:
    flags = batch.streams()[first:]
    lasts = batch.last_bytes()[first:]
    base = batch.base
    starts = batch.starts
    for stream in (0, 1):
        if not block.known[stream]:
            number = flags.find(_STREAM_BYTES[stream])
            if number >= 0:
                block.known[stream] = True
                block.undecided[stream] = base + starts[first + number]
    mask = state.starts_in_bulk(flags, lasts)
    position = mask.find(1)
    while position >= 0:
        offset = base + starts[first + position]
        stream = flags[position]
        if offset != block.undecided[stream]:
            block.starts.append((offset, stream))
        position = mask.find(1, position + 1)


def _events(fd: int, start: int, end: int, size: int) -> Iterator[FastBatch | list[Event] | int]:
    """The events starting in ``[start, end)``, decoded from ``start``; then where the
    decoder stands at ``end`` (the first event at or after it, or where it is in sync
    or garbage began), when that is known."""
    if start == 0:
        stood = yield from walk(fd, 0, size, stop=end)
        yield stood
        return
    decoder = Decoder(offset=start, resync=True)
    read_at = start
    while True:
        chunk = os.pread(fd, min(_FEED_BYTES, size - read_at), read_at) if read_at < size else b""
        read_at += len(chunk)
        events = decoder.feed(chunk) if chunk else decoder.close()
        kept = [event for event in events if (event.offset or 0) < end]
        yield kept
        if len(kept) < len(events):
            yield events[len(kept)].offset or 0
            return
        if not chunk:
            yield size
            return
        if decoder.offset >= end:
            yield decoder.offset
            return
        if (decoder.in_sync and kept and type(kept[-1]) is Entry
                and decoder.offset >= start + TRUST_MARGIN_BYTES):
            stood = yield from walk(fd, decoder.offset, size, stop=end, previous_ts=decoder.previous_ts)
            yield stood
            return
        if not decoder.in_sync and read_at >= end + LOOKAHEAD_BYTES:
            return  # garbage runs past the block: nothing before ``end`` is left to decide


def _forward_tail(fd: int, size: int, count: int, streams: frozenset[int]) -> TailStart:
    """The answer from one forward pass over the whole file (keeps a few more than ``count`` starts)."""
    state = LineState()
    collected: list[tuple[int, int]] = []
    for item in walk(fd, 0, size):
        if isinstance(item, FastBatch):
            flags = item.streams()
            mask = state.starts_in_bulk(flags, item.last_bytes())
            position = mask.find(1)
            while position >= 0:
                if flags[position] in streams:
                    collected.append((item.base + item.starts[position], flags[position]))
                position = mask.find(1, position + 1)
        else:
            for event in item:
                if state.event(event) and type(event) is Entry and int(event.stream) in streams:
                    collected.append((event.offset or 0, int(event.stream)))
        if len(collected) > 4 * count + 64:
            del collected[: len(collected) - count]
    return _answer(collected, count, size)


def tail_batches(
    fd: int, size: int, count: int, streams: frozenset[int], *, block_bytes: int = BLOCK_BYTES
) -> Iterator[FastBatch | list[Event]]:
    """The last ``count`` lines of ``streams``, in bulk where the walk finds entries in bulk.

    Entries of other streams, and entries that continue a line begun before
    the last lines, are left out; ``Skipped``/``Truncated`` events after the
    first of the last lines are given (they end lines, and are reported).
    Holes that :func:`find_tail` crossed are not read again.

    Raises:
        OSError: reading failed.
    """
    start = find_tail(fd, size, count, streams, block_bytes=block_bytes)
    if start.offset >= size:
        return
    # Entries of stream s are given from firsts[s] on (never when None).
    firsts = tuple(start.line_starts[s] if s in streams else None for s in (0, 1))
    for item in walk(fd, start.offset, size, trusted_first=True, quiet=start.quiet):
        if isinstance(item, FastBatch):
            yield from _given_parts(item, firsts)
            continue
        given: list[Event] = []
        for event in item:
            if type(event) is Entry:
                first = firsts[int(event.stream)]
                if first is None or (event.offset or 0) < first:
                    continue
            given.append(event)
        yield given


def _given_parts(batch: FastBatch, firsts: tuple[int | None, ...]) -> Iterator[FastBatch]:
    """The runs of ``batch`` whose entries are given (entries of stream s from ``firsts[s]`` on)."""
    count = batch.accepted
    froms = [count if first is None else bisect.bisect_left(batch.starts, first - batch.base, 0, count)
             for first in firsts]
    if froms == [0, 0]:
        yield batch
        return
    flags = batch.streams()
    given = 0
    for stream in (0, 1):
        is_stream = bytes(froms[stream]) + flags[froms[stream] :].translate(_IS_STREAM[stream])
        given |= int.from_bytes(is_stream, "big")
    for run in _RUN.finditer(given.to_bytes(count, "big")):
        yield batch.part(run.start(), run.end())


def tail_events(
    fd: int, size: int, count: int, streams: frozenset[int], *, block_bytes: int = BLOCK_BYTES
) -> Iterator[Event]:
    """The events of the last ``count`` lines of ``streams``, and the damage among them
    (:func:`tail_batches`, an event at a time).

    Raises:
        OSError: reading failed.
    """
    for item in tail_batches(fd, size, count, streams, block_bytes=block_bytes):
        if isinstance(item, list):
            yield from item
        else:
            for number in range(item.accepted):
                yield item.entry(number)
