"""The rules of what an entry is: what a header is, and what the bytes around one say.

This module owns the acceptance rules that the decoder
(:mod:`iolog.core.decoder`) applies and that the fast walk applies in bulk:

- What a header is (everywhere, :data:`VALID_HEADER`): 13 base64
  characters, one more whose low four bits are zero, then ``==``; the three
  reserved flag bits zero (every known writer writes them zero); a timestamp
  in ``(0, PLAUSIBLE_TIMESTAMP_NS)``, after the epoch (so the base64 of ten
  zero bytes is no header) and before 2116. There is no rule about recent
  years: VIC's own vectors are stamped 1976.
- Times: two timestamps more than :data:`FAR_NS` (about nine years) apart
  are far; an entry far from the entries on both sides of it is damage; an
  NTP step of seconds or days is not.
- A writer ends an entry at each newline (:func:`one_line`): a claim with a
  newline before its last byte is no entry as written. A whole entry
  (:func:`looks_whole`) ends with its one newline; a torn one ends wherever
  the bytes after it happen to.
- Entries written after a tear, inside the torn entry's claim
  (:func:`tear_inside`, :func:`survives`): stamped after it (give or take
  :data:`TEAR_SLACK_NS`) or going on past its claim; a log a program in the
  container printed into a payload was stamped before it and ends with its
  carrier.
- A candidate out of sync (:func:`candidate`) needs a chain: two more
  headers, or one that ends a line, or the end of the input.

Each rule depends only on the bytes at and after a position and on the
time of the previous accepted entry.
"""

from __future__ import annotations

import binascii
import re
import struct

from .format import ENCODED_HEADER_SIZE, MAX_ENTRY_SIZE, b64_chars

__all__ = [
    "FAR_NS",
    "PLAUSIBLE_TIMESTAMP_NS",
    "TEAR_SLACK_NS",
    "VALID_HEADER",
    "candidate",
    "chain_ends_at",
    "chain_inside",
    "far",
    "header_prefix",
    "later_inside",
    "looks_whole",
    "one_line",
    "survives",
    "tear_inside",
]

#: Timestamps in ``(0, PLAUSIBLE_TIMESTAMP_NS)`` (1970 to about 2116) are plausible.
PLAUSIBLE_TIMESTAMP_NS = 1 << 62
#: Two timestamps further apart than this (2**58 ns, about 9.1 years) are "far".
FAR_NS = 1 << 58
#: Entries written after a torn entry are stamped at most this much before it
#: (a clock corrected at the reboot that tore it): one day.
TEAR_SLACK_NS = 86_400 * 1_000_000_000

_HDR = ENCODED_HEADER_SIZE
_MAX_ENTRY_LENGTH = ENCODED_HEADER_SIZE + MAX_ENTRY_SIZE
_ANY = rb"[A-Za-z0-9+/]"
#: A header by the rules above, in one regular expression: character 9 holds
#: the timestamp's two top bits (sign and 2**62), character 11 the flags, and
#: ten ``A`` then ``A``-``D`` is a zero timestamp.
VALID_HEADER = re.compile(
    rb"(?!A{10}[A-D])" + _ANY + rb"{9}[" + b64_chars(0b001100, 0) + rb"]" + _ANY
    + rb"[" + b64_chars(0b000111, 0) + rb"]" + _ANY + rb"[AQgw]=="
)
_UNPACK = struct.Struct("<qH").unpack
_A2B = binascii.a2b_base64
_MATCH = VALID_HEADER.match
_B64_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def looks_whole(payload: bytes) -> bool:
    """Whether an entry followed by garbage looks written whole, not torn.

    A writer ends an entry at its one newline, so a whole entry's payload
    ends with it and holds no other; a torn entry's claimed payload ends
    wherever the bytes after it happen to be.
    """
    return payload[-1:] == b"\n" and payload.count(b"\n") == 1


def tear_inside(buf: bytes, pos: int, end: int, timestamp_ns: int) -> int:
    """Where the entries written after a torn entry start, when they lie inside its claim.

    A torn entry whose claimed size happens to end on a later header passes
    the successor test with the entries written after the tear inside its
    claim. It is told from an entry whose payload merely holds iolog bytes (a
    container printing a log, a header in a line of text) by time and by
    place. Entries written after a tear are stamped no earlier than the torn
    one, and not far after it (a header stamped so is taken for one), or,
    when their chain ends exactly where its claim does, at most
    :data:`TEAR_SLACK_NS` before it (a clock corrected at the reboot), or
    stamped like the entry at its end when that one is further back (a clock
    stepped back by more at the reboot: a printed log cannot know that
    time), and after the torn entry's own bytes. Whatever a program in the container prints
    was stamped, if at all, before the line that carries it, and a payload
    that is itself a log starts with a header. A claim that holds a newline
    before its end is more than the one line a writer puts in an entry: a
    chain that starts right after that line and ends where the claim does
    was written after it, even stamped before it (a clock stepped back, by
    less than :data:`FAR_NS`).

    Args:
        buf: the bytes.
        pos: the entry's header.
        end: where its claim ends.
        timestamp_ns: the entry's time.

    Returns:
        The start of the first such entry inside the payload, or ``-1``.
    """
    find = buf.find
    first = pos + _HDR
    equals = find(b"==", first + _HDR - 2, end)
    if equals < 0:
        return -1
    payload_is_log: bool | None = None
    # A claim with a newline before its last byte holds more than the one line
    # a writer puts in an entry: its size is wrong, and a chain that starts
    # right after that line and fills the rest was written after it, even
    # stamped before it (a clock stepped back).
    after_line = find(b"\n", first, end - 1) + 1
    # The clock stepped back by more than the slack at the reboot: the entry
    # at the claim's end is stamped that far before it, and the chain that
    # fills the claim near that entry (within the slack either side: the
    # clock may step back by a little too).
    successor_ts: int | None = None
    if end + _HDR <= len(buf) and _MATCH(buf, end) is not None:
        successor_ts = _UNPACK(_A2B(buf[end : end + _HDR]))[0]
        if timestamp_ns - successor_ts <= TEAR_SLACK_NS:
            successor_ts = None
    while equals >= 0:
        cand = equals - (_HDR - 2)
        if _MATCH(buf, cand) is not None:
            inner_ts = _UNPACK(_A2B(buf[cand : cand + _HDR]))[0]
            if timestamp_ns <= inner_ts <= timestamp_ns + FAR_NS:
                return cand
            stepped_back = cand == after_line and timestamp_ns - inner_ts <= FAR_NS
            with_successor = successor_ts is not None and abs(successor_ts - inner_ts) <= TEAR_SLACK_NS
            if (
                cand > first
                and (stepped_back or with_successor or inner_ts >= timestamp_ns - TEAR_SLACK_NS)
                and chain_ends_at(buf, cand, end)
            ):
                if stepped_back:
                    return cand
                if payload_is_log is None:
                    payload_is_log = chain_ends_at(buf, first, end)
                if not payload_is_log:
                    return cand
        equals = find(b"==", equals + 1, end)
    return -1


def one_line(buf: bytes, pos: int, end: int) -> bool:
    """Is the claim of the header at ``pos`` (up to ``end``, or what has arrived of it)
    at most one line, as a writer makes an entry: no newline before its last byte?"""
    return buf.find(b"\n", pos + _HDR, min(end, len(buf) + 1) - 1) < 0


def _after_first_line(buf: bytes, pos: int, cand: int) -> bool:
    """Does ``cand`` follow the first newline of the claim of the header at ``pos``?"""
    return cand > pos + _HDR and buf.find(b"\n", pos + _HDR, cand) == cand - 1


def chain_ends_at(buf: bytes, at: int, end: int) -> bool:
    """Do entries of one line each chain from ``at`` to exactly ``end``?"""
    find = buf.find
    while at < end:
        if at + _HDR > end or _MATCH(buf, at) is None:
            return False
        after = at + _HDR + (_UNPACK(_A2B(buf[at : at + _HDR]))[1] >> 4)
        if after <= end and find(b"\n", at + _HDR, after - 1) >= 0:  # no entry (see one_line)
            return False
        at = after
    return at == end


def header_prefix(tail: bytes) -> bool:
    """Can these bytes (fewer than a header's) be the start of a header?"""
    return all(
        char in (_B64_CHARS if at < _HDR - 3 else b"AQgw" if at == _HDR - 3 else b"=")
        for at, char in enumerate(tail)
    )


def far(one: int, other: int) -> bool:
    return one - other > FAR_NS or other - one > FAR_NS


def survives(
    buf: bytes, cand: int, end: int, n: int, final: bool, eager: bool, claimer_ts: int | None,
    prev: int | None, *, claimer: int | None = None,
) -> bool | None:
    """Is the header at ``cand`` the start of a chain of entries written after ``end``'s claimer?

    A log printed by a program in the container can hold chains of
    header-shaped bytes, even across the entries that carry it. The chain
    counts when it goes on for a whole entry's length past ``end`` (a
    printed chain breaks where the payload carrying it ends). It counts
    too when its first time is no more than :data:`TEAR_SLACK_NS` before
    the claimer's (entries written after a tear are stamped after it, give
    or take a clock corrected at a reboot; a printed log was stamped
    before, though not :data:`FAR_NS` before: a claimer so far after its
    chain is noise; a chain that starts right after the first line of the
    claim of the header at ``claimer`` follows that line, so a clock
    stepped back is allowed) and it passes ``end`` by two headers, holds
    three before it breaks (more damage inside the claim), or ends exactly
    where the input does.
    """
    timestamp_ns = _UNPACK(_A2B(buf[cand : cand + _HDR]))[0]
    near_prev = prev is not None and not far(timestamp_ns, prev)
    recent = claimer_ts is not None and (
        timestamp_ns >= claimer_ts - TEAR_SLACK_NS
        or claimer_ts - timestamp_ns > FAR_NS  # a claimer that far after: no writer's (noise)
        or (claimer is not None and _after_first_line(buf, claimer, cand))
    )
    at = cand
    successor_ts: int | None = None
    headers = 1
    past = 0  # headers found at or after ``end``
    while True:
        after = at + _HDR + (_UNPACK(_A2B(buf[at : at + _HDR]))[1] >> 4)
        if not one_line(buf, at, after):  # no entry: the chain breaks here
            if at > cand and recent and headers >= 3:
                break
            return False
        at = after
        if at == n and (at >= end or end > n):
            if not (final or eager):
                return None
            # For a live source the end is provisional: a printed log ending
            # there (stamped before its carrier) is not yet proof enough.
            if recent and (final or claimer_ts is None or timestamp_ns >= claimer_ts):
                break
            return False
        if at + _HDR > n:
            if not final:
                return None
            if recent and (past >= 2 or headers >= 3):
                break
            return False
        if _MATCH(buf, at) is None:
            if recent and headers >= 3:
                break
            return False
        headers += 1
        if successor_ts is None:
            successor_ts = _UNPACK(_A2B(buf[at : at + _HDR]))[0]
        if at >= end:
            past += 1
            if at >= end + _MAX_ENTRY_LENGTH or (past >= 2 and recent):
                break
    return near_prev or prev is None and successor_ts is None or (
        successor_ts is not None and not far(timestamp_ns, successor_ts)
    )


def chain_inside(
    buf: bytes, pos: int, end: int, n: int, final: bool, eager: bool, claimer_ts: int | None,
    prev: int | None, *, scan: int, expected: bool = False,
) -> tuple[int | None, int]:
    """Where the first chain inside the claim ``(pos, end)`` that goes on past ``end`` starts.

    A chain written after a torn entry goes on past the torn entry's claim
    (:func:`survives`); header-shaped bytes in a payload (a log printed by a
    program in the container) end inside it or run into what follows it.
    Candidates lie wholly inside the claim: a header that straddles its end
    may be the shifted remains of a damaged successor.

    Args:
        scan: where to look from (an earlier, undecided search stopped there).
        expected: the header at ``pos`` is where the entry before it ends,
            so a claim of it holding more than one line is a wrong size,
            not a payload.

    Returns:
        ``(found, stopped)``: the chain's index, ``-1`` if there is none, or
        ``None`` when more data is needed, and then where to resume.
    """
    find = buf.find
    limit = min(n, end)
    claimer = pos if expected else None
    equals = find(b"==", scan + _HDR - 2, limit)
    while equals >= 0:
        cand = equals - (_HDR - 2)
        if _MATCH(buf, cand) is not None:
            ok = survives(buf, cand, end, n, final, eager, claimer_ts, prev, claimer=claimer)
            if ok is None:
                return None, cand
            if ok:
                return cand, cand
        equals = find(b"==", equals + 1, limit)
    if end > n and not (final or eager):
        return None, max(pos + 1, min(limit, n - _HDR + 1))  # a header may still start at the end
    return -1, limit


def later_inside(buf: bytes, cand: int, n: int, prev: int | None) -> int:
    """At close: an acceptable header inside the cut-off claim at ``cand`` that is not its own.

    The chain of headers from the claim's first payload byte is the
    entry's own payload (a log printed into it); an entry that starts
    elsewhere in the claim, with its own chain, was written after it.

    Returns:
        Its index, or ``-1``.
    """
    own = set()
    at = cand + _HDR
    while at + _HDR <= n and _MATCH(buf, at) is not None:
        own.add(at)
        at += _HDR + (_UNPACK(_A2B(buf[at : at + _HDR]))[1] >> 4)
    find = buf.find
    equals = find(b"==", cand + 2 * _HDR - 1)
    while equals >= 0:
        inner = equals - (_HDR - 2)
        if (
            inner not in own
            and _MATCH(buf, inner) is not None
            and candidate(buf, inner, n, True, False, prev)
        ):
            return inner
        equals = find(b"==", equals + 1)
    return -1


def candidate(buf: bytes, cand: int, n: int, final: bool, eager: bool, prev: int | None) -> bool | None:
    """Can an entry be accepted at ``cand`` (a header, out of sync)? ``None``: not decidable yet.

    Yes when two more headers follow it in a chain (noise full of base64
    text holds pairs of header-shaped lines), or one that looks whole
    before more damage, or the chain ends where the input does, with
    plausible times; or, with no header after it, when it looks whole and
    its time is near the last entry's. At close, or at a settled flush,
    the end is taken as it is.
    """
    timestamp_ns, bits = _UNPACK(_A2B(buf[cand : cand + _HDR]))
    end = cand + _HDR + (bits >> 4)
    if not one_line(buf, cand, end):
        return False
    near_prev = prev is not None and not far(timestamp_ns, prev)
    ended = final
    if end + _HDR <= n:
        if _MATCH(buf, end) is not None:
            successor_ts, successor_bits = _UNPACK(_A2B(buf[end : end + _HDR]))
            if not (near_prev or not far(timestamp_ns, successor_ts)):
                return False
            after = end + _HDR + (successor_bits >> 4)
            if after <= n and looks_whole(buf[end + _HDR : after]):
                return True  # one more header, whose entry ends a line
            if after + _HDR <= n:
                return _MATCH(buf, after) is not None  # two more headers
            if after == n:
                return True if final or eager else None
            return True if ended else None
        return (prev is None or near_prev) and looks_whole(buf[cand + _HDR : end])
    if end <= n:
        plausible = prev is None or near_prev
        payload = buf[cand + _HDR : end]
        if ended:
            return plausible and (end == n or looks_whole(payload) or header_prefix(buf[end:n]))
        if eager and end == n and plausible and looks_whole(payload):
            return True
        return None
    return False if ended else None
