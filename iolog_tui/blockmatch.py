"""Deciding a block of rows straight from its raw bytes, testing only lines that may pass.

This module owns the fast path of :func:`iolog_tui.search.scan_rows`. The
first header of every row in a block is checked at once (one list of slices
joined, then ``translate``, ``struct`` and ``map`` calls on the whole): a row
whose first entry is a whole line ending where the next row starts (the
common case) is *simple*. The needle is looked for across the block's bytes,
and a simple row is tested only when a hit falls in it. The other rows
(lines of several entries, whose parts a needle may straddle and whose
entries may lie among the other stream's; rows followed by entries that
start no row) are walked header by header and their lines tested whole if
their bytes, joined, may hold the needle. Whatever it cannot vouch for
(garbage rows, a header out of shape, a line still open at the end of the
bytes read) it leaves to the caller's exact path by returning ``None``.
"""

from __future__ import annotations

import binascii
import functools
import re
import struct
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from itertools import chain, repeat
from operator import eq, itemgetter, sub

from iolog.core.format import ENCODED_HEADER_SIZE, HEADER_PATTERN

from .model import MAX_ROW_BYTES

__all__ = ["rows_passing"]

_HDR = ENCODED_HEADER_SIZE
#: From the byte before a row (its edge) to the payload of its first entry.
_EDGE_TO_PAYLOAD = _HDR + 1
_UNPACK_HEADER = struct.Struct("<qH").unpack
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_ALPHABET_AND_PAD = _ALPHABET + b"="
_VALUE = {char: value for value, char in enumerate(_ALPHABET)}
# A header's 12th character holds the low six bits of its 9th byte: the
# stream (bit 3) and the flags (bits 0-2).
#: 12th characters with no flag set.
_NO_FLAGS = bytes(char for char in _ALPHABET if not _VALUE[char] & 7)
#: 12th character -> its stream (2 for a character outside the alphabet).
_STREAM_OF = bytes((_VALUE[char] >> 3) & 1 if char in _VALUE else 2 for char in range(256))
_IS_NEWLINE = bytes(1 if char == 10 else 0 for char in range(256))
_LINE_KINDS = b"\x00\x01"
#: Characters 11-14 of 64 headers in a row (they hold the entry's size).
_SIZE_KEYS_64 = struct.Struct("10x4s2x" * 64)
#: Entry lengths (header and payload) by header characters 11-14, learned as met.
_ENTRY_LENGTHS: dict[bytes, int] = {}
#: At most this many are kept (bounded against hostile input).
_ENTRY_LENGTHS_LIMIT = 1 << 16

_RowTest = Callable[[int, bytes], bool]


def rows_passing(
    raw: bytes,
    base: int,
    offsets: array[int],
    kinds: array[int],
    start_row: int,
    end_row: int,
    test: _RowTest,
    needle: bytes | None,
    exact_case: bool,
) -> array[int] | None:
    """The rows of ``[start_row, end_row)`` that pass ``test``, decided from raw bytes.

    Lines are paired with rows as :func:`iolog_tui.search.iter_lines` pairs
    them, and a line of several entries is tested on at most
    ``MAX_ROW_BYTES`` of its message.

    Args:
        raw: the file from ``base``, at least up to row ``end_row``'s offset,
            and past it by a margin for the continuations of open lines.
        base: the file offset of ``raw[0]``: row ``start_row``'s offset.
        offsets: file offset of each row's first entry (``end_row`` must be
            below ``len(offsets)``).
        kinds: :class:`~iolog_tui.model.RowKind` of each row (an ``array("B")``).
        start_row: the first row to decide.
        end_row: one past the last row to decide.
        test: ``test(kind, message)`` says whether a line row passes; with a
            ``needle`` it must fail every all-ASCII message without it.
        needle: bytes every passing all-ASCII message holds (lower case
            unless ``exact_case``); ``None`` tests every line.
        exact_case: the needle is to be found as it is, not in lowered bytes.

    Returns:
        The passing row numbers, increasing; ``None`` when the block is not
        a clean run of line entries (the caller decodes it instead).
    """
    count = end_row - start_row
    if count <= 0 or end_row >= len(offsets) or kinds.typecode != "B":
        return None
    row_kinds = kinds[start_row:end_row].tobytes()
    if row_kinds.translate(None, _LINE_KINDS):
        return None  # garbage or a truncated tail among the rows
    # Row k's bytes are raw[edges[k] + 1 : edges[k + 1] + 1]; its last byte
    # is raw[edges[k + 1]].
    edges = list(map(sub, offsets[start_row:end_row + 1], repeat(base + 1)))
    span = edges[-1] + 1
    if edges[0] != -1 or span > len(raw):
        return None
    simple = _simple_rows(raw, edges, row_kinds)
    if simple is None:
        return None
    hits = _Hits(raw, needle, exact_case) if needle else None
    passed = array("I")
    append = passed.append
    if hits is None:
        number = simple.find(1)
        while number >= 0:
            if test(row_kinds[number], raw[edges[number] + _EDGE_TO_PAYLOAD:edges[number + 1] + 1]):
                append(start_row + number)
            number = simple.find(1, number + 1)
    else:
        find = hits.find
        position = 0
        number = 0
        while True:
            hit = find(position, span)
            if hit < 0:
                break
            number = bisect_right(edges, hit - 1, number) - 1  # the row the hit starts in
            position = edges[number + 1] + 1  # the next hit to look for is in a later row
            if simple[number]:
                if test(row_kinds[number], raw[edges[number] + _EDGE_TO_PAYLOAD:position]):
                    append(start_row + number)
            else:  # for the walk, which finds out what the hit belongs to
                hits.first_in_row.append(hit)
                hits.row_ends.append(position)
        hits.scanned = span
    if simple.count(1) == count:
        return passed
    walked = _walk_lines(raw, edges, simple, row_kinds, test, hits)
    if walked is None:
        return None
    if walked:
        passed.extend([start_row + number for number in walked])
        return array("I", sorted(passed))
    return passed


def _simple_rows(raw: bytes, edges: list[int], row_kinds: bytes) -> bytes | None:
    """One byte per row: 1 if the row is simple, else 0; ``None`` if a header is bad.

    A row is simple when its first entry is a whole line (it ends in a
    newline) and ends where the next row starts: nothing else lies in its
    bytes. The first header of every row must have the format's shape (as
    ``HEADER_PATTERN``), no flag, and the stream of its row.
    """
    count = len(row_kinds)
    firsts = edges[:-1]
    nexts = edges[1:]
    heads = b"".join([raw[edge + 1:edge + _EDGE_TO_PAYLOAD] for edge in firsts])
    if len(heads) != _HDR * count or heads.count(b"=") != 2 * count:
        return None
    equals = b"=" * count
    if heads[14::_HDR] != equals or heads[15::_HDR] != equals:
        return None
    if heads.translate(None, _ALPHABET_AND_PAD) or heads[13::_HDR].translate(None, b"AQgw"):
        return None
    flags_and_stream = heads[11::_HDR]
    if flags_and_stream.translate(None, _NO_FLAGS) or flags_and_stream.translate(_STREAM_OF) != row_kinds:
        return None
    entry_lengths = _entry_lengths(heads, count)
    lasts = bytes(itemgetter(*nexts)(raw)) if count > 1 else raw[nexts[0]:nexts[0] + 1]
    whole_lines = lasts.translate(_IS_NEWLINE)
    spans = list(map(sub, nexts, firsts))
    if entry_lengths == spans:
        return whole_lines
    fits = bytes(map(eq, entry_lengths, spans))
    both = int.from_bytes(fits, "little") & int.from_bytes(whole_lines, "little")
    return both.to_bytes(count, "little")


def _entry_lengths(heads: bytes, count: int) -> list[int]:
    """The length (header and payload) of each entry whose good header is in ``heads``."""
    full = count - count % 64
    keys = list(chain.from_iterable(_SIZE_KEYS_64.iter_unpack(memoryview(heads)[:_HDR * full])))
    keys.extend(_size_keys(count - full).unpack_from(heads, _HDR * full))
    lengths = _ENTRY_LENGTHS
    try:
        return list(map(lengths.__getitem__, keys))
    except KeyError:
        pass
    for key in keys:
        if key not in lengths:
            if len(lengths) >= _ENTRY_LENGTHS_LIMIT:
                return [lengths.get(key) or _entry_length(key) for key in keys]
            lengths[key] = _entry_length(key)
    return list(map(lengths.__getitem__, keys))


@functools.lru_cache(maxsize=64)
def _size_keys(count: int) -> struct.Struct:
    """Unpacks characters 11-14 of ``count`` headers in a row."""
    return struct.Struct("10x4s2x" * count)


def _entry_length(key: bytes) -> int:
    """Header characters 11-14 (in the alphabet, the last in ``AQgw``) -> entry length.

    They hold the header's bits 60-83: its 9th and 10th bytes (bits 64-79)
    are a little-endian ``size << 4 | stream << 3 | flags``.
    """
    value = 0
    for char in key:
        value = value << 6 | _VALUE[char]
    ninth = value >> 12 & 0xFF
    tenth = value >> 4 & 0xFF
    return _HDR + ((ninth | tenth << 8) >> 4)


class _Hits:
    """Where a block's bytes hold the needle, or bytes beyond ASCII.

    A message with bytes beyond ASCII is searched as text (invalid bytes as
    ``\\xNN``, some letters folding to ASCII ones), so it may match without
    holding the needle: such bytes count as hits too.

    Attributes:
        first_in_row: where the first hit in the bytes of each row that is
            not simple starts (for rows with any), once the block's bytes up
            to ``scanned`` have been searched.
        row_ends: where the bytes of each of these rows end.
        scanned: how far ``first_in_row`` accounts for every hit.
    """

    def __init__(self, raw: bytes, needle: bytes, exact_case: bool) -> None:
        self.haystack = raw if exact_case else raw.lower()
        self.needle = needle
        self.pattern = None if raw.isascii() else _needle_or_non_ascii(needle)
        self.first_in_row: list[int] = []
        self.row_ends: list[int] = []
        self.scanned = 0

    def find(self, start: int, end: int) -> int:
        """Where the first hit within ``[start, end)`` of the block starts, -1 if none."""
        if self.pattern is None:
            return self.haystack.find(self.needle, start, end)
        found = self.pattern.search(self.haystack, start, end)
        return -1 if found is None else found.start()

    def within(self, start: int, end: int) -> bool:
        """Whether the block's bytes ``[start, end)`` (in rows that are not simple) hold a hit."""
        if end <= self.scanned:
            # The last row whose first hit starts before `end`: no hit
            # unless its bytes reach `start`.
            index = bisect_left(self.first_in_row, end) - 1
            if index < 0 or self.row_ends[index] <= start:
                return False
        return self.find(start, end) >= 0

    def in_parts(self, parts: list[tuple[int, int]]) -> bool:
        """Whether the block's bytes ``[start, end)`` of each part, joined, hold a hit."""
        within = self.within
        for start, end in parts:
            if within(start, end):
                return True
        # A needle across parts lies within `reach` bytes on either side of
        # the last part boundary it crosses.
        needle = self.needle
        reach = len(needle) - 1
        haystack = self.haystack
        before = b""
        for start, end in parts:
            if before and needle in before + haystack[start:min(end, start + reach)]:
                return True
            before = (before + haystack[max(start, end - reach):end])[-reach:] if reach else b""
        return False


@functools.lru_cache(maxsize=16)
def _needle_or_non_ascii(needle: bytes) -> re.Pattern[bytes]:
    """The needle or any byte beyond ASCII."""
    return re.compile(re.escape(needle) + rb"|[\x80-\xff]")


def _walk_lines(
    raw: bytes,
    edges: list[int],
    simple: bytes,
    row_kinds: bytes,
    test: _RowTest,
    hits: _Hits | None,
) -> list[int] | None:
    """Test the lines of the rows that are not simple, walking their entries one by one.

    Each such row's bytes are walked from header to header: its first entry
    starts its line; a later entry continues the open line of its stream, if
    any (else it starts no row: it continues a line begun before the block,
    or lies outside the time window). Lines still open after the last row
    are followed past it. A line is tested only if ``hits`` finds a hit in
    its payloads, joined. Returns row numbers relative to the block, or
    ``None`` if anything is unexpected.
    """
    a2b = binascii.a2b_base64
    unpack = _UNPACK_HEADER
    shape = HEADER_PATTERN.match
    size_of_raw = len(raw)
    open_parts: list[list[tuple[int, int]] | None] = [None, None]
    open_rows = [0, 0]
    passed: list[int] = []

    def walk(position: int, limit: int, first_row: int) -> int:
        """Walk entries from ``position``; return where the walk stopped (-1: it could not).

        With ``first_row`` at 0 or more, the entries of ``[position, limit)``,
        the first of which starts that row; with -1, entries that start no
        row, for as long as a line is open.
        """
        number = first_row
        while position < limit if first_row >= 0 else open_parts != [None, None]:
            if position + _HDR > size_of_raw or shape(raw, position) is None:
                return -1
            _timestamp_ns, bits = unpack(a2b(raw[position:position + _HDR]))
            if bits & 7:
                return -1
            stream = (bits >> 3) & 1
            payload_start = position + _HDR
            position = payload_start + (bits >> 4)
            if position > size_of_raw:
                return -1
            ends = position > payload_start and raw[position - 1] == 10
            if number >= 0:  # the row's first entry
                if row_kinds[number] != stream:
                    return -1
                if not ends:
                    open_parts[stream] = [(payload_start, position)]
                    open_rows[stream] = number
                elif (hits is None or hits.within(payload_start, position)) and test(
                    stream, raw[payload_start:position]
                ):
                    passed.append(number)
                number = -1
                continue
            parts = open_parts[stream]
            if parts is None:
                continue
            parts.append((payload_start, position))
            if ends:
                open_parts[stream] = None
                if hits is None or hits.in_parts(parts):
                    message = b"".join([raw[start:end] for start, end in parts])[:MAX_ROW_BYTES]
                    if test(stream, message):
                        passed.append(open_rows[stream])
        return position

    number = simple.find(0)
    while number >= 0:
        limit = edges[number + 1] + 1
        if walk(edges[number] + 1, limit, number) != limit:
            return None  # a header out of shape, or entries running past the next row
        number = simple.find(0, number + 1)
    if walk(edges[-1] + 1, 0, -1) < 0:
        return None  # a line still open at the end of the bytes read
    return passed
