"""One batch of the fast walk: header to header in a buffer, the decoder's rules in bulk.

This module owns the step that :func:`iolog.file.walk.walk` repeats over
each buffer it reads: walk from header to header reading only each header's
size characters (through a lookup table), then decide how many of the
entries walked the decoder accepts as they are, in bulk, by its own rules
(:mod:`iolog.core.rules`): the header's shape, zero flags and a plausible
timestamp (a few ``translate``, ``count`` and ``struct`` calls for the whole
batch); times within :data:`~iolog.core.rules.FAR_NS` of the previous
accepted entry's or of the successor's; and no header-shaped bytes inside a
payload that make an entry a torn one (those few entries are checked one by
one with :func:`~iolog.core.rules.tear_inside`). An entry is accepted only
when its successor's header passes too, the decoder's own test in sync.

The step has a C twin (``walk_batch`` in :mod:`iolog._speedups`, chosen by
:mod:`iolog._native`): it walks and checks the same way without an object
per entry and reports the entries whose payload holds a header, which are
given to :func:`~iolog.core.rules.tear_inside` here, so that rule stays in
Python. Both give the same starts, count, records and time.
"""

from __future__ import annotations

import binascii
import functools
import re
import struct
from array import array
from collections.abc import Callable, Sequence

from .. import _native
from ..core.format import ENCODED_HEADER_SIZE, MAX_ENTRY_SIZE, b64_chars, entry_length_from_size_chars
from ..core.rules import FAR_NS, PLAUSIBLE_TIMESTAMP_NS, VALID_HEADER, tear_inside

__all__ = ["BatchStep", "batch_step", "offsets_array", "timestamps_struct", "walk_batch_python"]

_HDR = ENCODED_HEADER_SIZE
_MAX_ENTRY_LENGTH = ENCODED_HEADER_SIZE + MAX_ENTRY_SIZE
#: Cached entry lengths by header characters 10-13; bounded against hostile input.
_LENGTH_CACHE_LIMIT = 1 << 16
_LENGTH_CACHE: dict[bytes, int] = {}
#: Header character 11 with the three flag bits zero.
_NO_FLAG_CHARS = b64_chars(0b000111, 0)
_FLAGGED = re.compile(b"[^" + _NO_FLAG_CHARS + b"]")
_TIMESTAMP = struct.Struct("<q")

#: ``(buf, i, batch_end, limit, previous_ts) -> (starts, accepted, raw, last_ts)``.
BatchStep = Callable[[bytes, int, int, int, "int | None"], "tuple[Sequence[int], int, bytes, int | None]"]


@functools.lru_cache(maxsize=32)
def timestamps_struct(count: int) -> struct.Struct:
    """Unpacks ``count`` 12-byte records (a header with ``==`` read as ``AA``)."""
    return struct.Struct("<" + "q4x" * count)


def offsets_array(starts: Sequence[int]) -> array[int]:
    """``starts`` as an ``array('q')`` (the form the C functions take), without a copy if it is one."""
    if isinstance(starts, array) and starts.typecode == "q":
        return starts
    return array("q", starts)


def batch_step() -> BatchStep:
    """The batch step to use now: the C one when :mod:`iolog._native` says so, else Python's."""
    native = _native.speedups
    if native is None:
        return walk_batch_python
    walk_batch = native.walk_batch

    def step(buf: bytes, i: int, batch_end: int, limit: int, prev: int | None) -> tuple[
        Sequence[int], int, bytes, int | None
    ]:
        data, accepted, raw, last_ts, suspects = walk_batch(buf, i, batch_end, limit, prev)
        starts = array("q")
        starts.frombytes(data)
        for number in suspects:  # their payloads hold a header: torn entries?
            stamp = _TIMESTAMP.unpack_from(raw, 12 * number)[0]
            if tear_inside(buf, starts[number], starts[number + 1], stamp) >= 0:
                accepted = number
                raw = raw[: 12 * number]
                last_ts = _TIMESTAMP.unpack_from(raw, 12 * (number - 1))[0] if number else prev
                break
        return starts, accepted, raw, last_ts

    return step


def walk_batch_python(
    buf: bytes, i: int, batch_end: int, limit: int, prev: int | None
) -> tuple[list[int], int, bytes, int | None]:
    """One batch of the walk, in Python: the reference for the C ``walk_batch``.

    Walks from ``i`` header to header while starts are below ``batch_end``
    (at most ``limit``, the last place a whole header fits in ``buf``), then
    adds the next start (the last entry's successor) if it is at most
    ``limit``; a start whose size characters cannot be a header's ends the
    walk there.

    Returns:
        ``(starts, accepted, raw, last_ts)``: the starts walked, how many of
        their entries the decoder accepts as they are, the decoded headers of
        those (12 bytes each), and the last accepted time (``prev`` if none).
    """
    lengths = _LENGTH_CACHE
    learn = entry_length_from_size_chars
    batch_end = min(batch_end, limit)
    starts: list[int] = []
    append = starts.append
    while True:
        try:
            # Unrolled: each step advances at most one maximal entry, so four
            # steps from at most ``safe`` all start below ``batch_end``.
            safe = batch_end - 3 * _MAX_ENTRY_LENGTH - 1
            while i <= safe:
                append(i)
                i += lengths[buf[i + 10 : i + 14]]
                append(i)
                i += lengths[buf[i + 10 : i + 14]]
                append(i)
                i += lengths[buf[i + 10 : i + 14]]
                append(i)
                i += lengths[buf[i + 10 : i + 14]]
            while i < batch_end:
                append(i)
                i += lengths[buf[i + 10 : i + 14]]
            if i <= limit:
                append(i)
            break
        except KeyError:
            key = buf[i + 10 : i + 14]
            length = learn(key)
            if length is None:
                break  # the last start's header is malformed
            if len(lengths) < _LENGTH_CACHE_LIMIT:
                lengths[key] = length
            i += length
    accepted, raw, last_ts = _accepted(buf, starts, prev)
    return starts, accepted, raw, last_ts


def _accepted(buf: bytes, starts: list[int], prev: int | None) -> tuple[int, bytes, int | None]:
    """How many entries at ``starts`` the decoder accepts as they are, in bulk.

    Entry ``k`` is accepted when headers ``k`` and ``k + 1`` are headers by
    the decoder's rules, its time is near the previous entry's or its
    successor's, and no torn entry hides its successor inside its claim.

    Returns:
        ``(accepted, raw, last_ts)``: the count, the decoded headers of the
        accepted entries (12 bytes each), and the last accepted time.
    """
    count = len(starts)
    if count < 2:
        return 0, b"", prev
    headers = b"".join([buf[start : start + _HDR] for start in starts])
    good = count if _all_good(headers) else _good_prefix(headers)
    bad_flag = _FLAGGED.search(headers[11 : _HDR * good : _HDR])
    if bad_flag is not None:
        good = bad_flag.start()
    if good < 2:
        return 0, b"", prev
    raw = binascii.a2b_base64(headers[: good * _HDR].replace(b"==", b"AA"))
    stamps: tuple[int, ...] = timestamps_struct(good).unpack(raw)
    earliest, latest = min(stamps), max(stamps)
    if earliest <= 0 or latest >= PLAUSIBLE_TIMESTAMP_NS:
        good = next(k for k, stamp in enumerate(stamps) if not 0 < stamp < PLAUSIBLE_TIMESTAMP_NS)
        if good < 2:
            return 0, b"", prev
        stamps = stamps[:good]
        earliest, latest = min(stamps), max(stamps)
    accepted = good - 1
    if latest - earliest > FAR_NS or (
        prev is not None and (prev - earliest > FAR_NS or latest - prev > FAR_NS)
    ):
        accepted = _plausible_prefix(stamps, prev)
    region_end = starts[accepted]
    if accepted and buf.count(b"==", starts[0], region_end) != accepted:
        accepted = _untorn_prefix(buf, starts, accepted, stamps)
    if not accepted:
        return 0, b"", prev
    return accepted, raw[: 12 * accepted], stamps[accepted - 1]


def _plausible_prefix(stamps: tuple[int, ...], prev: int | None) -> int:
    """How many leading entries have a time near their predecessor's or successor's."""
    accepted = 0
    for number in range(len(stamps) - 1):
        stamp = stamps[number]
        near_prev = prev is not None and abs(stamp - prev) <= FAR_NS
        if not (near_prev or abs(stamp - stamps[number + 1]) <= FAR_NS):
            break
        prev = stamp
        accepted += 1
    return accepted


def _untorn_prefix(buf: bytes, starts: list[int], accepted: int, stamps: tuple[int, ...]) -> int:
    """How many leading entries have no torn entry's successor hidden in their claim."""
    find = buf.find
    region_end = starts[accepted]
    number = 0
    equals = find(b"==", starts[0] + _HDR)
    while 0 <= equals < region_end:
        while starts[number + 1] <= equals:
            number += 1
        if equals >= starts[number] + 2 * _HDR - 2:
            if tear_inside(buf, starts[number], starts[number + 1], stamps[number]) >= 0:
                return number
            # Each entry once (a payload of "=" holds thousands of "=="), on to the next payload.
            equals = find(b"==", starts[number + 1] + _HDR)
            continue
        equals = find(b"==", equals + 1)
    return accepted


def _all_good(headers: bytes) -> bool:
    """Do all 16-byte headers in ``headers`` match ``HEADER_PATTERN``?

    Characters 10-13 were checked by the size lookup. The rest: every ``=``
    is at positions 14 and 15, and with those read as ``A`` the text decodes
    to exactly 12 bytes a header (a character outside the alphabet would be
    dropped or rejected by ``a2b_base64``).
    """
    count = len(headers) // _HDR
    if headers.count(b"=") != 2 * count:
        return False
    equals = b"=" * count
    if headers[14::_HDR] != equals or headers[15::_HDR] != equals:
        return False
    try:
        return len(binascii.a2b_base64(headers.replace(b"==", b"AA"))) == 12 * count
    except binascii.Error:
        return False


def _good_prefix(headers: bytes) -> int:
    """How many 16-byte headers at the start of ``headers`` are headers by the decoder's rules."""
    match = VALID_HEADER.match
    good = 0
    for start in range(0, len(headers), _HDR):
        if match(headers, start) is None:
            break
        good += 1
    return good
