"""Fault corpus for trustworthy reading: a model writer, fault injection, ground truth, a checker.

This module owns what "reading a damaged log correctly" means, independently of
any reader. It has five parts:

* **The model writer** (:class:`ModelWriter`, :func:`write_log`): VIC's writer
  rules (an entry ends at each newline, which stays in the payload; anything
  longer than 4095 bytes is cut into 4095-byte entries; a trailing partial line
  waits for more bytes, a flush or close), fed by a :class:`Clock` that steps
  forward in small steps and now and then back (NTP corrections), and payload
  generators for every kind a container prints, including payloads that hold
  header-shaped bytes or a whole nested iolog stream (not damage).
* **Fault injection** (:class:`Injector`, :func:`make_case`): the encoded log
  is kept as a list of pieces (each an entry's bytes or foreign bytes), faults
  edit the pieces, and :meth:`Injector.finish` returns a :class:`Case`: the
  damaged bytes and, for every written entry that still has bytes in the file,
  where they are, whether they were changed (*damaged*) and whether they sit
  next to damage (*adjacent*).
* **The reference line assembly** (:func:`reference_lines`): the simplest
  correct way to join decoded entries into logical lines.
* **The checker** (:func:`check`, :func:`check_path`): given a case and the
  events some reading path decoded from its bytes, counts the failures of the
  properties below, with details of the first few. :func:`truth_events` are the
  events of a reader that knows the truth; they meet every property.
* **The fixed corpus** (:func:`corpus`): named concrete cases and seeded cases
  of every fault class, and the decoder's reading paths (:func:`decode_whole`,
  :func:`decode_chunks`, :func:`decode_bytewise`, :func:`decode_with_flushes`).

Definitions (a reader is judged by these):

* A written entry is **damaged** when its own bytes in the file differ from
  what the writer wrote (changed, cut, grown or shortened). An entry whose
  bytes are all overwritten, or all cut away, is gone: it is not in the ground
  truth at all.
* **Damage sites** are: damaged entries, foreign byte ranges (inserted or
  overwriting whole entries), and points where bytes were removed (a torn
  entry cut to nothing, a truncated tail). An entry is **adjacent to damage**
  when it is damaged itself, or it is the nearest entry before or after a damage
  site in file order (foreign bytes in between do not make it less near).
  Forged payloads (header-shaped bytes inside a payload) are not damage.
* **P1 lost**: an intact written entry that is not adjacent to damage must be
  decoded exactly once, at its offset, with its own timestamp, stream and
  payload and zero flags. Entries decoded more than once count as duplicated
  (this is checked for every intact entry).
* **P2 phantoms**: a decoded entry is a phantom unless it is an intact written
  entry at the same offset with the same fields, or its whole byte span lies
  inside the bytes of one damaged written entry (the format cannot tell a
  changed payload, or entries nested in a damaged entry's payload, from real
  ones); a damaged entry read from up to 15 bytes before its start counts as
  itself (a byte dropped from its header shifts the header onto the bytes
  before it). A decoded entry with non-zero flags, or with a timestamp outside
  ``(0, 2**62)``, is always a phantom. A decoded entry that skipped bytes
  follow (:func:`iolog.core.events.may_be_torn`: every reader marks it as
  possibly ending in them) is no phantom when it starts with a damaged written
  entry's own header and bytes: it is that entry, torn, its end completed by
  the damage after it, which no reader can tell from a whole entry before the
  damage. It is counted as ``marked_torn``.
* **P3 glued**: decoded events are joined into lines by
  :func:`reference_lines`; a decoded line is glued when its entries belong to
  two different written lines, or when it holds a phantom and a real entry.
  A decoded entry at a written entry's offset (intact, or damaged and decoded
  from its own header) belongs to that entry's written line. A decoded entry
  found inside a damaged entry's bytes but not at its start (an entry nested
  in its payload) belongs to no known line: it neither glues nor is glued.
  Written lines are computed with the same rule (per stream, an entry
  continues its stream's open line until one ends with ``\\n``) over the
  entries as they lie in the damaged file, in file order, with no breaks at
  damage sites. For the stream and the line end of a damaged entry: if its
  bytes still form a self-consistent entry (a header whose size is exactly its
  payload's length), the changed bytes count, since such a change (a flipped
  payload byte, a flipped stream bit) cannot be detected by any reader; otherwise
  the writer's own stream and line end count, since the damage is visible (a
  size that no longer matches, a cut) and a reader must not join across it.
* **accounting**: the events cover every input byte exactly once, in order:
  each starts where the previous one ended, the first at 0, the last ends at
  the input's length, and damage events are not empty.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import random
import re
import string
import struct
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from iolog import Decoder, Entry, InvalidArgumentError, Skipped, Stream, Truncated
from iolog.core.events import may_be_torn
from iolog.core.format import decode_header, encode_entry, encode_header

__all__ = [
    "ERAS",
    "FAULT_CLASSES",
    "FORGED_KINDS",
    "NOISE_KINDS",
    "PAYLOAD_KINDS",
    "PROPERTIES",
    "ZERO_HEADER",
    "Case",
    "Clock",
    "DecodeFn",
    "Event",
    "Injector",
    "ModelWriter",
    "Plan",
    "RefLine",
    "Report",
    "TruthEntry",
    "Write",
    "Written",
    "check",
    "check_path",
    "claimed_ends",
    "clean_case",
    "corpus",
    "decode_bytewise",
    "decode_chunks",
    "decode_whole",
    "decode_with_flushes",
    "forged_payload",
    "line_groups",
    "make_case",
    "noise_bytes",
    "plan_writes",
    "random_case",
    "random_plan",
    "reference_lines",
    "steady_log",
    "truth_events",
    "write_log",
]

HDR = 16
MAX_SIZE = 4095
#: Timestamps a decoded entry may carry: strictly inside ``(0, 2**62)``.
TIMESTAMP_LIMIT = 1 << 62
#: Where a log's clock starts: 2026-01-01T00:00:00Z, or VIC's test vectors' 1976-01-22T21:15:00Z.
ERAS = {"2026": 1_767_225_600 * 10**9, "1976": 191_193_300 * 10**9}
#: The base64 text of an all-zero header (timestamp 0, size 0, stdout, no flags).
ZERO_HEADER = b"AAAAAAAAAAAAAA=="

FAULT_CLASSES = (
    "noise",
    "zero_hole",
    "zero_headers",
    "torn",
    "forged",
    "size_corrupt",
    "flip",
    "drop",
    "dup",
    "truncate",
    "flags",
    "far_time",
)
PAYLOAD_KINDS = ("text", "multi", "empty", "long", "partial", "binary", "ansi", "utf8", "crlf", "forged")
NOISE_KINDS = ("random", "crlf", "base64", "printable", "boot")
FORGED_KINDS = ("nested", "frame_in_line", "aligned", "header_text", "binary_frames")

_WORDS = (
    "GET POST request response user id=42 status=200 took ms cache miss hit connected "
    "disconnected retry backoff worker queue job done failed warning INFO DEBUG ERROR WARN "
    "payload bytes session token refresh db query rows"
).split()
_SECOND = 10**9
_DAY = 86_400 * _SECOND
_YEAR = 365 * _DAY
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


# -- the model writer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """One entry as the writer wrote it.

    Attributes:
        timestamp_ns: the header's unix nanoseconds.
        stream: the header's stream.
        payload: the payload bytes (at most 4095).
    """

    timestamp_ns: int
    stream: Stream
    payload: bytes

    def encode(self) -> bytes:
        """The entry's bytes on the wire (header and payload)."""
        return encode_entry(self.payload, timestamp_ns=self.timestamp_ns, stream=self.stream)


#: One call on the writer: bytes for a stream, or ``None`` for a flush of that stream.
Write = tuple[Stream, bytes | None]


class Clock:
    """A writer's clock: small forward steps, now and then a step back (an NTP correction).

    Args:
        rng: the source of randomness.
        start_ns: the first reading.
        back_probability: chance that a reading steps back (by seconds to days).
    """

    def __init__(self, rng: random.Random, start_ns: int, back_probability: float = 0.03) -> None:
        self._rng = rng
        self._now = start_ns
        self._back = back_probability
        self._first = True

    def __call__(self) -> int:
        """The next reading."""
        rng = self._rng
        if self._first:
            self._first = False
        elif rng.random() < self._back:
            unit = rng.choice((_SECOND, 60 * _SECOND, 3600 * _SECOND, _DAY))
            self._now -= rng.randint(1, 30) * unit + rng.randrange(_SECOND)
        else:
            self._now += max(1_000, int(rng.expovariate(1 / 40_000_000)))
        return self._now


class ModelWriter:
    """VIC's writer for both streams, recording the entries it writes (in write order).

    Mirrors ``iolog.LogWriter``: each write reads the clock once; an entry is
    stamped with the reading taken when its first byte was written.
    """

    def __init__(self, clock: Callable[[], int]) -> None:
        self.entries: list[Written] = []
        self._clock = clock
        self._partial = {s: bytearray() for s in Stream}
        self._partial_ts = {s: 0 for s in Stream}

    def write(self, stream: Stream, data: bytes) -> None:
        """Write bytes to one stream; complete lines and full 4095-byte chunks become entries."""
        if not data:
            return
        now = self._clock()
        partial = self._partial[stream]
        if not partial:
            self._partial_ts[stream] = now
        partial += data
        stamp = self._partial_ts[stream]
        start = 0
        while True:
            newline = partial.find(b"\n", start, start + MAX_SIZE)
            if newline >= 0:
                end = newline + 1
            elif len(partial) - start >= MAX_SIZE:
                end = start + MAX_SIZE
            else:
                break
            self.entries.append(Written(stamp, stream, bytes(partial[start:end])))
            stamp = now
            start = end
        if start:
            del partial[:start]
            self._partial_ts[stream] = now

    def flush(self, stream: Stream | None = None) -> None:
        """Write the partial line of one stream (or of both, stdout first) as an entry."""
        for s in (stream,) if stream is not None else tuple(Stream):
            partial = self._partial[s]
            if partial:
                self.entries.append(Written(self._partial_ts[s], s, bytes(partial)))
                partial.clear()

    def close(self) -> None:
        """Flush both streams."""
        self.flush()


def write_log(writes: Iterable[Write], clock: Callable[[], int]) -> list[Written]:
    """Run writes through a :class:`ModelWriter` and close it; return the entries written."""
    writer = ModelWriter(clock)
    for stream, data in writes:
        if data is None:
            writer.flush(stream)
        else:
            writer.write(stream, data)
    writer.close()
    return writer.entries


def _words(rng: random.Random, low: int, high: int) -> bytes:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(low, high))).encode()


def _text_line(rng: random.Random) -> bytes:
    return b"%s worker=%d %s" % (rng.choice((b"INFO", b"WARN", b"ERROR", b"DEBUG")),
                                 rng.randrange(64), _words(rng, 2, 12))


def forged_payload(rng: random.Random, kind: str, near_ns: int) -> bytes:
    """Bytes a container might print that hold header-shaped bytes (never damage).

    Kinds (``FORGED_KINDS``): ``nested`` a whole iolog stream (as when a container
    prints a log file); ``frame_in_line`` a text line with an encoded entry in it;
    ``aligned`` a line holding a header whose size ends exactly where the line
    ends (so the claimed payload ends on the next real header); ``header_text``
    lines of base64 headers, the all-zero one among them; ``binary_frames``
    nested entries without newlines, longer than one entry, ending in a newline.
    Their times are two years before ``near_ns``.
    """
    # What a program in the container prints was stamped (if ever) before the
    # line that carries it: here, well before any reading of the log's clock
    # (which starts at ``near_ns`` and may step back by days).
    stamp = near_ns - 2 * 365 * _DAY - rng.randrange(_DAY)
    if kind == "nested":
        out = bytearray()
        for i in range(rng.randint(2, 6)):
            message = _text_line(rng) + (b"\n" if rng.random() < 0.8 else b"")
            out += encode_entry(message, timestamp_ns=stamp + i * 1000, stream=rng.choice(list(Stream)))
        return bytes(out)
    if kind == "frame_in_line":
        inner = encode_entry(_words(rng, 1, 5), timestamp_ns=stamp, stream=rng.choice(list(Stream)))
        return b"frame: " + inner + b" ok\n"
    if kind == "aligned":
        prefix = _words(rng, 0, 3)
        filler = _words(rng, 1, 30).replace(b"\n", b" ") + b"\n"
        header = encode_header(len(filler), timestamp_ns=stamp, stream=rng.choice(list(Stream)))
        return prefix + header + filler
    if kind == "header_text":
        lines = [ZERO_HEADER]
        for _ in range(rng.randint(0, 4)):
            size = rng.randrange(0, 64)
            lines.append(encode_header(size, timestamp_ns=stamp + rng.randrange(10**9)))
        rng.shuffle(lines)
        return b"\n".join(lines) + b"\n"
    if kind == "binary_frames":
        out, length = bytearray(), rng.randint(4200, 9000)
        while len(out) < length:
            message = _words(rng, 1, 40)
            out += encode_entry(message, timestamp_ns=stamp + len(out), stream=rng.choice(list(Stream)))
        return bytes(out) + b"\n"
    raise ValueError(f"unknown forged kind {kind!r}")


def _payload(rng: random.Random, kind: str, near_ns: int) -> bytes:
    """Bytes of one write of the given payload kind (see ``PAYLOAD_KINDS``)."""
    if kind == "text":
        return _text_line(rng) + b"\n"
    if kind == "multi":
        return b"".join(_text_line(rng) + b"\n" for _ in range(rng.randint(2, 5)))
    if kind == "empty":
        return b"\n"
    if kind == "long":
        size = rng.randint(MAX_SIZE + 1, 3 * MAX_SIZE + 200)
        body = (_words(rng, 8, 8) + b" ") * (size // 40 + 2)
        return body[:size].replace(b"\n", b" ") + b"\n"
    if kind == "partial":
        return _text_line(rng)
    if kind == "binary":
        return rng.randbytes(rng.randint(1, 300)) + b"\n"
    if kind == "ansi":
        color = rng.choice((b"31", b"32", b"1;33", b"0"))
        return b"\x1b[" + color + b"m" + _text_line(rng) + b"\x1b[0m\n"
    if kind == "utf8":
        return rng.choice(("héllo wörld ✓ ", "日本語のログ ", "emoji 🚀 ", "Ωμέγα ")).encode() * rng.randint(
            1, 40
        ) + b"\n"
    if kind == "crlf":
        return _text_line(rng) + b"\r\n"
    if kind == "forged":
        return forged_payload(rng, rng.choice(FORGED_KINDS), near_ns)
    raise ValueError(f"unknown payload kind {kind!r}")


#: A write plan: for each write, its stream and its kind (a ``PAYLOAD_KINDS`` item, or ``flush``).
Plan = Sequence[tuple[Stream, str]]


def plan_writes(rng: random.Random, plan: Plan, near_ns: int = ERAS["2026"]) -> list[Write]:
    """Turn a plan into writes with generated bytes (a ``partial`` is sometimes flushed at once)."""
    writes: list[Write] = []
    for stream, kind in plan:
        if kind == "flush":
            writes.append((stream, None))
            continue
        writes.append((stream, _payload(rng, kind, near_ns)))
        if kind == "partial" and rng.random() < 0.5:
            writes.append((stream, None))
    return writes


def random_plan(
    rng: random.Random, count: int, kinds: Sequence[str] = PAYLOAD_KINDS
) -> list[tuple[Stream, str]]:
    """A random plan of ``count`` writes, about a third of them to stderr, a few flushes."""
    plan = []
    for _ in range(count):
        stream = Stream.STDERR if rng.random() < 0.3 else Stream.STDOUT
        kind = "flush" if rng.random() < 0.05 else rng.choice(kinds)
        plan.append((stream, kind))
    return plan


def clean_case(rng: random.Random, plan: Plan, era: str = "2026") -> list[Written]:
    """Entries written for a plan, with a realistic clock starting in the given era."""
    start = ERAS[era] + rng.randrange(_DAY)
    return write_log(plan_writes(rng, plan, start), Clock(rng, start))


# -- noise ---------------------------------------------------------------------------------------

_B64 = string.ascii_letters + string.digits + "+/"
_HEADER_AT = re.compile(rb"(?=[A-Za-z0-9+/]{13}[AQgw]==)")


def noise_bytes(rng: random.Random, kind: str, length: int) -> bytes:
    """``length`` bytes of boot noise of one kind (see ``NOISE_KINDS``).

    ``random`` any bytes; ``crlf`` runs of CR and LF; ``base64`` lines of base64
    text, some of them exactly header-shaped (16 characters ending ``==``);
    ``printable`` printable text; ``boot`` firmware and kernel console lines.
    """
    if length <= 0:
        return b""
    if kind == "random":
        return rng.randbytes(length)
    out = bytearray()
    while len(out) < length:
        if kind == "crlf":
            out += rng.choice((b"\r\n", b"\n", b"\r", b"\r\r\n"))
        elif kind == "base64":
            if rng.random() < 0.4:
                out += base64.b64encode(rng.randbytes(10))
            else:
                out += base64.b64encode(rng.randbytes(rng.randint(4, 57)))
            out += rng.choice((b"\n", b"\r\n"))
        elif kind == "printable":
            out += "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 80))).encode()
        elif kind == "boot":
            out += rng.choice(
                (
                    b"[    0.%06d] Linux version 5.10.0 (gcc 10.2)\r\n" % rng.randrange(10**6),
                    b"SeaBIOS (version 1.14.0)\r\n",
                    b"\x1b[0m\x1b[2J\x1b[H",
                    b"Booting from Hard Disk...\r\n",
                    b"[  OK  ] Started Journal Service.\r\n",
                    b"".join(rng.choice(_B64).encode() for _ in range(rng.randint(10, 70))) + b"==\r\n",
                )
            )
        else:
            raise ValueError(f"unknown noise kind {kind!r}")
    return bytes(out[:length])


# -- fault injection -----------------------------------------------------------------------------


@dataclass
class _Piece:
    """A run of bytes in the file: an entry's (``entry`` set), foreign, or a removal mark."""

    data: bytes
    entry: int | None = None
    fault: str | None = None
    cut: bool = False


@dataclass(frozen=True)
class TruthEntry:
    """A written entry that still has bytes in the damaged file.

    Attributes:
        index: its position in :attr:`Case.written`.
        written: what the writer wrote.
        offset: where its bytes start in the damaged file.
        data: its bytes as they lie in the damaged file.
        damaged: ``data`` differs from what was written.
        adjacent: damaged, or the nearest entry before or after a damage site.
        line: id of the written logical line it belongs to (see the module's definitions).
    """

    index: int
    written: Written
    offset: int
    data: bytes
    damaged: bool
    adjacent: bool
    line: int

    @property
    def end(self) -> int:
        """Offset just past its bytes."""
        return self.offset + len(self.data)


@dataclass(frozen=True)
class Case:
    """A damaged log and its ground truth.

    Attributes:
        name: a name for reports.
        data: the damaged file's bytes.
        written: every entry the writer wrote (including any no longer in the file).
        truth: the written entries that still have bytes in the file, in file order.
        faults: the fault classes applied, in order.
        notes: what each fault did, for debugging.
    """

    name: str
    data: bytes
    written: tuple[Written, ...]
    truth: tuple[TruthEntry, ...]
    faults: tuple[str, ...]
    notes: tuple[str, ...]

    def __repr__(self) -> str:
        return (
            f"Case({self.name!r}, {len(self.data)} bytes, {len(self.truth)} entries, "
            f"faults={list(self.faults)}, notes={list(self.notes)})"
        )

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        """Show the short repr in hypothesis' reports, not every field."""
        printer.text(repr(self))  # type: ignore[attr-defined]


def _read_header(data: bytes) -> tuple[int, int, Stream, int] | None:
    """(timestamp, size, stream, flags) of a header at the start of ``data``, if there is one."""
    try:
        header = decode_header(data[:HDR])
    except InvalidArgumentError:
        return None
    return header.timestamp_ns, header.size, header.stream, header.flags


def _reencode(data: bytes, **changes: int) -> bytes | None:
    """``data`` with its header re-encoded with some fields changed, or None if it has no header."""
    fields = _read_header(data)
    if fields is None:
        return None
    timestamp_ns, size, stream, flags = fields
    timestamp_ns = changes.get("timestamp_ns", timestamp_ns)
    size = changes.get("size", size)
    flags = changes.get("flags", flags)
    packed = struct.pack("<qH", timestamp_ns, size << 4 | int(stream) << 3 | flags)
    return binascii.b2a_base64(packed, newline=False) + data[HDR:]


class Injector:
    """Applies faults to an encoded log, keeping track of where every written entry's bytes are.

    Args:
        written: the entries of the clean log, in file order.
        rng: the source of randomness for faults whose parameters are not given.
        hole_sizes: the (least, greatest) size of a zero hole.
        noise_sizes: the (least, greatest) length of inserted noise.

    Every fault method takes its parameters as optional arguments; those not
    given are drawn from ``rng``. An ``entry`` argument is an index into the
    written entries; an ``at`` argument is a piece boundary (see :meth:`boundary_before`).
    """

    def __init__(
        self,
        written: Sequence[Written],
        rng: random.Random,
        *,
        hole_sizes: tuple[int, int] = (4096, 65536),
        noise_sizes: tuple[int, int] = (1, 2000),
    ) -> None:
        self.written: list[Written] = list(written)
        self.pieces: list[_Piece] = [_Piece(w.encode(), entry=i) for i, w in enumerate(self.written)]
        self.rng = rng
        self.hole_sizes = hole_sizes
        self.noise_sizes = noise_sizes
        self.faults: list[str] = []
        self.notes: list[str] = []

    # -- geometry ---------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """The damaged file's current length."""
        return sum(len(p.data) for p in self.pieces)

    def starts(self) -> list[int]:
        """Offset of every piece."""
        out, pos = [], 0
        for piece in self.pieces:
            out.append(pos)
            pos += len(piece.data)
        return out

    def entry_pieces(self) -> list[int]:
        """Indices of the pieces that hold an entry's bytes, in file order."""
        return [i for i, p in enumerate(self.pieces) if p.entry is not None]

    def piece_of(self, entry: int) -> int:
        """Index of the piece holding a written entry's bytes."""
        for i, piece in enumerate(self.pieces):
            if piece.entry == entry:
                return i
        raise KeyError(f"entry {entry} has no bytes in the file")

    def boundary_before(self, entry: int | None) -> int:
        """The piece boundary just before a written entry (``None``: the end of the file)."""
        return len(self.pieces) if entry is None else self.piece_of(entry)

    def _locate(self, offset: int) -> tuple[int, int]:
        """(piece index, offset inside it) of a byte of the file."""
        pos = 0
        for i, piece in enumerate(self.pieces):
            if pos <= offset < pos + len(piece.data):
                return i, offset - pos
            pos += len(piece.data)
        raise IndexError(offset)

    def _set(self, index: int, data: bytes) -> None:
        """Give a piece new bytes; an entry left with no bytes is gone (a removal mark stays)."""
        piece = self.pieces[index]
        if not data:
            self.pieces[index] = _Piece(b"", fault=piece.fault, cut=True)
        else:
            piece.data = data

    def _choose_entry(self, predicate: Callable[[int], bool] = lambda i: True) -> int | None:
        """A random piece index among entry pieces satisfying ``predicate``."""
        choices = [i for i in self.entry_pieces() if predicate(i)]
        return self.rng.choice(choices) if choices else None

    def _header_ok(self, index: int) -> bool:
        return _read_header(self.pieces[index].data) is not None

    # -- primitive edits --------------------------------------------------------------------

    def insert(self, at: int, data: bytes, fault: str) -> None:
        """Insert foreign bytes at a piece boundary (0 = start, ``len(pieces)`` = end)."""
        self.pieces.insert(at, _Piece(data, fault=fault))

    def overwrite(self, offset: int, data: bytes, fault: str) -> None:
        """Overwrite file bytes from ``offset`` with ``data`` (clipped at the end of the file).

        Entries partly overwritten stay (damaged); entries wholly overwritten are gone.
        """
        end = offset + len(data)
        pieces, pos = [], 0
        for piece in self.pieces:
            start, stop = pos, pos + len(piece.data)
            pos = stop
            if stop <= offset or start >= end or not piece.data:
                pieces.append(piece)
                continue
            lo, hi = max(offset, start), min(end, stop)
            new = piece.data[: lo - start] + data[lo - offset : hi - offset] + piece.data[hi - start :]
            if piece.entry is not None and lo == start and hi == stop:
                self.notes.append(f"{fault}: entry #{piece.entry} wholly overwritten")
                pieces.append(_Piece(new, fault=fault))
                continue
            piece.data = new
            pieces.append(piece)
        self.pieces = pieces

    def truncate_at(self, offset: int) -> None:
        """Cut the file at ``offset``."""
        if offset >= self.size:
            return
        index, inner = self._locate(offset)
        del self.pieces[index + 1 :]
        self._set(index, self.pieces[index].data[:inner])
        self.pieces.append(_Piece(b"", fault="truncate", cut=True))

    # -- fault classes ----------------------------------------------------------------------

    def apply(self, fault: str) -> None:
        """Apply one fault of a class, with random parameters."""
        if fault not in FAULT_CLASSES:
            raise ValueError(f"unknown fault class {fault!r}")
        getattr(self, fault)()

    def _record(self, fault: str, note: str) -> None:
        self.faults.append(fault)
        self.notes.append(f"{fault}: {note}")

    def _random_boundary(self, *, end: bool = False) -> int:
        return self.rng.randint(0, len(self.pieces) if end else max(0, len(self.pieces) - 1))

    def noise(self, at: int | None = None, kind: str | None = None, length: int | None = None) -> None:
        """Insert boot noise before the first entry or between entries."""
        rng = self.rng
        at = self._random_boundary() if at is None else at
        kind = kind or rng.choice(NOISE_KINDS)
        length = rng.randint(*self.noise_sizes) if length is None else length
        self.insert(at, noise_bytes(rng, kind, length), "noise")
        self._record("noise", f"{length} bytes of {kind} noise at piece {at}")

    def zero_hole(self, size: int | None = None, *, at: int | None = None, offset: int | None = None) -> None:
        """A run of zero bytes: inserted at a boundary (``at``) or overwriting from ``offset``."""
        rng = self.rng
        if size is None:
            low, high = self.hole_sizes
            size = int(low * (high / low) ** rng.random()) if high > low else low
        if at is None and offset is None:
            if rng.random() < 0.5 or not self.size:
                at = self._random_boundary(end=True)
            else:
                offset = rng.randrange(self.size)
        if at is not None:
            self.insert(at, bytes(size), "zero_hole")
            self._record("zero_hole", f"{size} zero bytes inserted at piece {at}")
        else:
            assert offset is not None
            self.overwrite(offset, bytes(size), "zero_hole")
            self._record("zero_hole", f"{size} zero bytes written over offset {offset}")

    def zero_headers(self, count: int | None = None, *, at: int | None = None, flags: int = 0,
                     timestamp_ns: int = 0) -> None:
        """Insert ``count`` size-0 headers as text (all zero by default; ``flags`` sets reserved bits)."""
        rng = self.rng
        at = self._random_boundary() if at is None else at
        count = rng.choice((1, 1, 2, 5, rng.randint(1, 5000))) if count is None else count
        header = encode_header(0, timestamp_ns=timestamp_ns, flags=flags)
        self.insert(at, header * count, "zero_headers")
        self._record("zero_headers", f"{count} x {header.decode()} at piece {at}")

    def torn(self, entry: int | None = None, keep: int | None = None, then: str | None = None) -> None:
        """Cut an entry after ``keep`` bytes; what follows is the next entries, or noise then entries.

        ``then``: ``next`` (the next entries follow), ``exact`` (``keep`` chosen so
        that the entry's claimed size ends exactly on a later header, when there
        is one), ``noise`` (noise follows, long enough that the claimed payload
        ends inside it when possible).
        """
        rng = self.rng
        index = self._choose_entry() if entry is None else self.piece_of(entry)
        if index is None:
            return
        piece = self.pieces[index]
        then = then or rng.choice(("next", "next", "exact", "noise"))
        length = len(piece.data)
        if then == "exact" and keep is None:
            keep = self._exact_keep(index)
            if keep is None:
                then = "next"
        if keep is None:
            keep = rng.choice(
                (rng.randrange(length), rng.randrange(min(length, HDR + 1)), min(HDR, length - 1))
            )
        keep = max(0, min(keep, length - 1))
        fields = _read_header(piece.data)
        claimed_end = HDR + fields[1] if fields is not None and keep >= HDR else None
        note = f"entry #{piece.entry} ({length} bytes) cut after {keep}, then {then}"
        self._set(index, piece.data[:keep])
        if then == "noise":
            need = max(0, claimed_end - keep) if claimed_end is not None else 0
            size = rng.randint(need + 1, need + 200) if need else rng.randint(1, 400)
            kind = rng.choice(NOISE_KINDS)
            self.insert(index + 1, noise_bytes(rng, kind, size), "torn")
            note += f" ({size} bytes of {kind})"
        self._record("torn", note)

    def _exact_keep(self, index: int) -> int | None:
        """A ``keep`` for entry piece ``index`` whose claimed end lands on a later entry's header."""
        options = self.exact_keeps(index)
        return self.rng.choice(options)[0] if options else None

    def exact_keeps(self, index: int) -> list[tuple[int, int]]:
        """Ways to tear entry piece ``index`` so that its claimed end lands on a later entry's header.

        Returns:
            ``(keep, swallowed)`` pairs: cut after ``keep`` bytes (the header
            kept whole), and the claimed payload then covers ``swallowed`` entries.
        """
        data = self.pieces[index].data
        fields = _read_header(data)
        if fields is None:
            return []
        claimed = HDR + fields[1]
        options, distance, swallowed = [], 0, 0
        for j in range(index + 1, len(self.pieces)):
            if j > index + 1:
                distance += len(self.pieces[j - 1].data)
                swallowed += self.pieces[j - 1].entry is not None
            piece = self.pieces[j]
            if piece.entry is not None and _read_header(piece.data) is not None:
                keep = claimed - distance
                if HDR <= keep < len(data):
                    options.append((keep, swallowed))
            if distance > claimed:
                break
        return options

    def forged(self, at: int | None = None, kind: str | None = None, stream: Stream | None = None) -> None:
        """Insert entries, written by the model writer, whose payloads hold header-shaped bytes.

        They go at a boundary where their stream has no open line, so that no
        written line is changed. They are not damage.
        """
        rng = self.rng
        stream = rng.choice(list(Stream)) if stream is None else stream
        kind = kind or rng.choice(FORGED_KINDS)
        open_at = self._closed_boundaries(stream)
        if at is None:
            at = rng.choice(open_at)
        elif at not in open_at:
            raise ValueError(f"stream {stream.name} has an open line at piece {at}")
        # Stamped like their neighbours (a lone entry far from both is the
        # far_time fault, not this one).
        stamps = [self.written[p.entry].timestamp_ns for p in self.pieces if p.entry is not None]
        before = [self.written[p.entry].timestamp_ns for p in self.pieces[:at] if p.entry is not None]
        near = before[-1] if before else (stamps[0] - 1_000_000 if stamps else ERAS["2026"])
        clock = Clock(rng, near + 1000, back_probability=0)
        new = write_log([(stream, forged_payload(rng, kind, near))], clock)
        for k, w in enumerate(new):
            self.written.append(w)
            self.pieces.insert(at + k, _Piece(w.encode(), entry=len(self.written) - 1))
        self._record("forged", f"{len(new)} {stream.name} entries of {kind} at piece {at}")

    def _closed_boundaries(self, stream: Stream) -> list[int]:
        """Boundaries where ``stream`` has no open line (its last entry so far ended a line)."""
        out, open_line = [], False
        for i, piece in enumerate(self.pieces):
            if not open_line:
                out.append(i)
            if piece.entry is not None and self.written[piece.entry].stream == stream:
                open_line = not self.written[piece.entry].payload.endswith(b"\n")
        if not open_line:
            out.append(len(self.pieces))
        return out

    def size_corrupt(
        self, entry: int | None = None, size: int | None = None, mode: str | None = None
    ) -> None:
        """Re-encode an entry's header with another size.

        ``mode``: ``inside`` (the claimed end falls inside later bytes), ``exact``
        (onto a later entry's header), ``past_end`` (past the end of the file).
        """
        rng = self.rng
        mode = mode or ("given" if size is not None else rng.choice(("inside", "exact", "past_end")))
        total, starts = self.size, self.starts()
        if entry is not None:
            index: int | None = self.piece_of(entry)
        elif mode == "past_end":
            index = self._choose_entry(lambda i: self._header_ok(i) and total - starts[i] - HDR < MAX_SIZE)
        else:
            index = self._choose_entry(self._header_ok)
        if index is None:
            return
        data = self.pieces[index].data
        fields = _read_header(data)
        if fields is None:
            return
        current, start = fields[1], starts[index]
        if size is None:
            candidates: list[int] = []
            if mode == "exact":
                candidates = [
                    starts[j] - start - HDR
                    for j in self.entry_pieces()
                    if j > index + 1 and 0 <= starts[j] - start - HDR <= MAX_SIZE
                    and starts[j] - start - HDR != current
                ]
            elif mode == "past_end" and total - start - HDR < MAX_SIZE:
                candidates = [rng.randint(total - start - HDR + 1, MAX_SIZE)]
            if not candidates:
                mode = "inside"
                candidates = [s for s in (rng.randrange(MAX_SIZE + 1) for _ in range(8)) if s != current]
            size = rng.choice(candidates) if candidates else (current + 1) % (MAX_SIZE + 1)
        new = _reencode(data, size=size)
        assert new is not None
        self._set(index, new)
        self._record("size_corrupt", f"entry #{self.pieces[index].entry} size {current} -> {size} ({mode})")

    def flip(self, offset: int | None = None, value: int | None = None) -> None:
        """Change one byte: flip a random bit, or set a random other value."""
        rng = self.rng
        if not self.size:
            return
        offset = rng.randrange(self.size) if offset is None else offset
        index, inner = self._locate(offset)
        data = self.pieces[index].data
        old = data[inner]
        if value is None:
            value = old ^ (1 << rng.randrange(8)) if rng.random() < 0.5 else rng.choice(
                [b for b in range(256) if b != old]
            )
        self._set(index, data[:inner] + bytes((value,)) + data[inner + 1 :])
        self._record("flip", f"byte at {offset} {old:#04x} -> {value:#04x}{self._where(index)}")

    def drop(self, offset: int | None = None) -> None:
        """Remove one byte."""
        if not self.size:
            return
        offset = self.rng.randrange(self.size) if offset is None else offset
        index, inner = self._locate(offset)
        data = self.pieces[index].data
        self._set(index, data[:inner] + data[inner + 1 :])
        self._record("drop", f"byte at {offset} dropped{self._where(index)}")

    def dup(self, offset: int | None = None) -> None:
        """Duplicate one byte."""
        if not self.size:
            return
        offset = self.rng.randrange(self.size) if offset is None else offset
        index, inner = self._locate(offset)
        data = self.pieces[index].data
        self._set(index, data[: inner + 1] + data[inner:])
        self._record("dup", f"byte at {offset} duplicated{self._where(index)}")

    def truncate(self, offset: int | None = None) -> None:
        """Cut the file at an offset (default: anywhere, biased towards its last entries)."""
        rng = self.rng
        total = self.size
        if offset is None:
            offset = rng.randrange(total + 1) if rng.random() < 0.5 else max(0, total - rng.randint(1, 5000))
        self.truncate_at(offset)
        self._record("truncate", f"file cut at {offset} of {total}")

    def flags(self, entry: int | None = None, flags: int | None = None) -> None:
        """Re-encode an entry's header with non-zero reserved flags."""
        index = self._choose_entry(self._header_ok) if entry is None else self.piece_of(entry)
        if index is None:
            return
        flags = self.rng.randint(1, 7) if flags is None else flags
        new = _reencode(self.pieces[index].data, flags=flags)
        if new is None:
            return
        self._set(index, new)
        self._record("flags", f"entry #{self.pieces[index].entry} flags {flags}")

    def far_time(self, entry: int | None = None, timestamp_ns: int | None = None) -> None:
        """Re-encode an entry's header with an absurd timestamp (0, negative, past 2116, 50+ years off)."""
        rng = self.rng
        index = self._choose_entry(self._header_ok) if entry is None else self.piece_of(entry)
        if index is None:
            return
        data = self.pieces[index].data
        fields = _read_header(data)
        if fields is None:
            return
        if timestamp_ns is None:
            years = rng.randint(50, 200) * _YEAR * rng.choice((-1, 1))
            timestamp_ns = rng.choice(
                (
                    0,
                    rng.randint(_INT64_MIN, -1),
                    rng.randint(TIMESTAMP_LIMIT, _INT64_MAX),
                    max(_INT64_MIN, min(_INT64_MAX, fields[0] + years)),
                )
            )
        new = _reencode(data, timestamp_ns=timestamp_ns)
        assert new is not None
        self._set(index, new)
        self._record("far_time", f"entry #{self.pieces[index].entry} timestamp {fields[0]} -> {timestamp_ns}")

    def _where(self, index: int) -> str:
        piece = self.pieces[index]
        if piece.entry is not None:
            return f" (entry #{piece.entry})"
        return f" ({piece.fault} bytes)"

    # -- ground truth -----------------------------------------------------------------------

    def finish(self, name: str) -> Case:
        """The damaged bytes and their ground truth."""
        pieces = self.pieces
        # Damaged: bytes differ from what was written (a later fault may have restored them).
        damaged = {
            p.entry for p in pieces if p.entry is not None and p.data != self.written[p.entry].encode()
        }
        is_entry = [p.entry is not None for p in pieces]
        is_site = [p.entry is None or p.entry in damaged for p in pieces]
        adjacent: set[int] = set()
        previous: int | None = None  # the last entry piece seen
        after_site = False  # a site was seen since that entry
        for i in range(len(pieces)):
            if is_site[i] and previous is not None:
                adjacent.add(previous)
            if is_entry[i]:
                if after_site:
                    adjacent.add(i)
                previous, after_site = i, False
            if is_site[i]:
                after_site = True
                if is_entry[i]:
                    adjacent.add(i)
        truth: list[TruthEntry] = []
        open_lines: dict[Stream, int] = {}
        next_line = 0
        pos = 0
        for i, piece in enumerate(pieces):
            if piece.entry is not None:
                written = self.written[piece.entry]
                stream, ends = _line_role(written, piece.data, piece.entry in damaged)
                line = open_lines.get(stream)
                if line is None:
                    line, next_line = next_line, next_line + 1
                if ends:
                    open_lines.pop(stream, None)
                else:
                    open_lines[stream] = line
                truth.append(
                    TruthEntry(piece.entry, written, pos, piece.data, piece.entry in damaged, i in adjacent,
                               line)
                )
            pos += len(piece.data)
        return Case(
            name,
            b"".join(p.data for p in pieces),
            tuple(self.written),
            tuple(truth),
            tuple(self.faults),
            tuple(self.notes),
        )


def _line_role(written: Written, data: bytes, damaged: bool) -> tuple[Stream, bool]:
    """(stream, ends a line) of an entry in the ground truth's line grouping.

    A damaged entry whose bytes are still a self-consistent entry counts as its
    bytes say (an undetectable change); any other damaged entry counts as written.
    """
    if damaged:
        fields = _read_header(data)
        if fields is not None and fields[1] == len(data) - HDR:
            return fields[2], data.endswith(b"\n") and len(data) > HDR
    return written.stream, written.payload.endswith(b"\n")


def make_case(
    name: str,
    written: Sequence[Written],
    faults: Sequence[str],
    rng: random.Random,
    *,
    hole_sizes: tuple[int, int] = (4096, 65536),
    noise_sizes: tuple[int, int] = (1, 2000),
) -> Case:
    """Apply faults of the given classes, with random parameters, to a clean log."""
    injector = Injector(written, rng, hole_sizes=hole_sizes, noise_sizes=noise_sizes)
    for fault in faults:
        injector.apply(fault)
    return injector.finish(name)


def random_case(
    rng: random.Random,
    faults: Sequence[str],
    *,
    name: str = "random",
    writes: tuple[int, int] = (10, 60),
    hole_sizes: tuple[int, int] = (4096, 65536),
) -> Case:
    """A random clean log (both streams, every payload kind, either era) with the given faults."""
    plan = random_plan(rng, rng.randint(*writes))
    written = clean_case(rng, plan, rng.choice(list(ERAS)))
    return make_case(name, written, faults, rng, hole_sizes=hole_sizes)


# -- the fixed corpus ----------------------------------------------------------------------------


def steady_log(
    writes: Sequence[Write], start_ns: int = ERAS["2026"], step_ns: int = 1_000_000
) -> list[Written]:
    """Entries written for explicit writes, with a clock that steps ``step_ns`` per write."""
    ticks = iter(range(start_ns, start_ns + step_ns * (len(writes) + 1), step_ns))
    return write_log(writes, lambda: next(ticks))


def _lines(count: int, tag: str = "line", stream: Stream = Stream.STDOUT) -> list[Write]:
    return [(stream, f"{tag} {i}: status=200 took {i * 7 % 1000} ms\n".encode()) for i in range(count)]


def corpus(seeds_per_class: int = 3) -> list[Case]:
    """The fixed corpus: concrete cases from bug reports, then seeded random cases of every fault class.

    Concrete cases (entry numbers count from 0):

    * ``a-zero-header-between-lines``: ``AAAAAAAAAAAAAA==`` between two real lines.
    * ``b-flagged-size0-headers-*``: thousands of flagged size-0 headers after a good entry.
    * ``c-size-past-end-*``: a header whose size runs past the end of the file, 40 good entries after it.
    * ``d-entry-between-*-noise``: a good entry with noise on both sides.
    * ``e-torn-claimed-end-on-later-header``: a torn entry whose claimed size ends exactly on a
      later header, five entries on; ``...-clock-back-6-days``: the same, the clock stepped back
      six days at the tear.
    * ``f-torn-then-noise-*``: a torn entry followed by noise that its claimed payload ends in.
    * ``g-newline-lost-*``: an entry that lost its newline (size shortened by one, or its last
      byte dropped), more lines of its stream after it.
    * ``h-reboot-*``: the last line before a reboot, boot noise, the new writer's entries.
    * ``i-zero-hole-*``: a zero hole after a good entry.
    * ``j-nested-payload-then-*``: an entry whose payload holds two nested entries, then damage.
    * ``k-claimed-end-in-last-15-bytes``: two payload bytes dropped from the second-last entry,
      so that its claimed end falls inside the last entry's header, less than 16 bytes from the end.
    * ``m-dup-in-header-then-entries``: a header byte duplicated so that the bytes one further on
      look like a header whose size runs past the end, 24 entries after it.
    """
    cases: list[Case] = []

    inj = Injector(steady_log(_lines(6)), random.Random(1))
    inj.zero_headers(1, at=inj.boundary_before(3))
    cases.append(inj.finish("a-zero-header-between-lines"))

    written = steady_log(_lines(10))
    inj = Injector(written, random.Random(2))
    inj.zero_headers(3000, at=inj.boundary_before(3), flags=1, timestamp_ns=written[2].timestamp_ns)
    cases.append(inj.finish("b-flagged-size0-headers-x3000"))
    inj = Injector(written, random.Random(2))
    inj.zero_headers(5000, at=inj.boundary_before(3), flags=7)
    cases.append(inj.finish("b-flagged-size0-zero-time-x5000"))

    inj = Injector(steady_log(_lines(100)), random.Random(3))
    inj.size_corrupt(entry=59, size=MAX_SIZE, mode="past_end")
    cases.append(inj.finish("c-size-past-end-then-40-entries"))
    interleaved = [w for pair in zip(_lines(50), _lines(50, "err", Stream.STDERR), strict=True) for w in pair]
    inj = Injector(steady_log(interleaved), random.Random(3))
    inj.size_corrupt(entry=40, size=3000, mode="past_end")
    cases.append(inj.finish("c-size-past-end-both-streams"))

    for kind in ("boot", "base64", "random"):
        inj = Injector(steady_log(_lines(10)), random.Random(4))
        inj.noise(at=inj.boundary_before(4), kind=kind, length=300)
        inj.noise(at=inj.boundary_before(5), kind=kind, length=300)
        cases.append(inj.finish(f"d-entry-between-{kind}-noise"))

    writes = _lines(3) + [(Stream.STDOUT, b"x" * MAX_SIZE + b" tail of a long line\n")] + _lines(30, "after")
    inj = Injector(steady_log(writes), random.Random(5))
    torn_index = inj.piece_of(3)
    keep = min(inj.exact_keeps(torn_index), key=lambda option: abs(option[1] - 5))[0]
    inj.torn(entry=3, keep=keep, then="next")
    cases.append(inj.finish("e-torn-claimed-end-on-later-header"))
    # The entries written after the tear continue a line (no newline) and are
    # stamped six days before the torn entry: the clock was set back at the reboot.
    continued: list[Write] = [(Stream.STDOUT, b"continued %d, " % i) for i in range(2)]
    stepped = steady_log([*_lines(3), (Stream.STDOUT, b"y" * 3000 + b"\n")]) + steady_log(
        [*(w for write in continued for w in (write, (Stream.STDOUT, None))), *_lines(30, "after")],
        start_ns=ERAS["2026"] - 6 * 86_400 * _SECOND,
    )
    inj = Injector(stepped, random.Random(5))
    keep = next(option[0] for option in inj.exact_keeps(inj.piece_of(3)) if option[1] == 2)
    inj.torn(entry=3, keep=keep, then="next")
    cases.append(inj.finish("e-torn-claimed-end-on-later-header-clock-back-6-days"))

    for kind, entry in (("boot", 5), ("printable", 3)):
        inj = Injector(steady_log(_lines(3) + [(Stream.STDOUT, b"y" * 5000 + b"\n")] + _lines(12)),
                       random.Random(6))
        inj.torn(entry=entry, keep=40, then="noise")
        cases.append(inj.finish(f"f-torn-then-{kind}-noise"))

    mixed = steady_log(_lines(8) + _lines(4, "err", Stream.STDERR) + _lines(4, "more"))
    inj = Injector(mixed, random.Random(7))
    inj.size_corrupt(entry=3, size=len(inj.written[3].payload) - 1)
    cases.append(inj.finish("g-newline-lost-size-minus-one"))
    inj = Injector(mixed, random.Random(7))
    inj.drop(offset=inj.starts()[inj.piece_of(3)] + len(inj.pieces[inj.piece_of(3)].data) - 1)
    cases.append(inj.finish("g-newline-lost-last-byte-dropped"))

    before = steady_log(_lines(10, "before"))
    after = steady_log(_lines(10, "after"), start_ns=ERAS["2026"] - 3600 * _SECOND)
    inj = Injector(before + after, random.Random(8))
    inj.noise(at=inj.boundary_before(10), kind="boot", length=1500)
    cases.append(inj.finish("h-reboot-after-last-line"))
    partial = steady_log([*_lines(9, "before"), (Stream.STDOUT, b"last words, no newline")])
    inj = Injector(partial + after, random.Random(8))
    inj.noise(at=inj.boundary_before(10), kind="boot", length=1500)
    cases.append(inj.finish("h-reboot-after-partial-line"))

    for size, label in ((65536, "64k"), (1 << 20, "1m")):
        inj = Injector(steady_log(_lines(10)), random.Random(9))
        inj.zero_hole(size, at=inj.boundary_before(5))
        cases.append(inj.finish(f"i-zero-hole-after-entry-{label}"))

    nested = encode_entry(b"nested one, no newline", timestamp_ns=ERAS["2026"]) + encode_entry(
        b"nested two\n", timestamp_ns=ERAS["2026"] + 1
    )
    with_nested = steady_log([*_lines(4), (Stream.STDOUT, nested), *_lines(6, "after")])
    inj = Injector(with_nested, random.Random(10))
    inj.noise(at=inj.boundary_before(5), kind="printable", length=200)
    cases.append(inj.finish("j-nested-payload-then-noise"))
    inj = Injector(with_nested, random.Random(10))
    inj.zero_hole(4096, at=inj.boundary_before(5))
    cases.append(inj.finish("j-nested-payload-then-zero-hole"))

    last_short = steady_log([*_lines(6), (Stream.STDOUT, b"hello there\n"), (Stream.STDOUT, b"\n")])
    inj = Injector(last_short, random.Random(11))
    start = inj.starts()[inj.piece_of(6)]
    inj.drop(offset=start + HDR + 2)
    inj.drop(offset=start + HDR + 2)
    cases.append(inj.finish("k-claimed-end-in-last-15-bytes"))

    inj = Injector(steady_log(_lines(40)), random.Random(12))
    inj.dup(offset=inj.starts()[inj.piece_of(15)] + 13)
    cases.append(inj.finish("m-dup-in-header-then-entries"))

    for era in ERAS:
        cases.append(random_case(random.Random(era), [], name=f"clean-{era}", writes=(20, 40)))
    for k, fault in enumerate(FAULT_CLASSES):
        for seed in range(seeds_per_class):
            rng = random.Random(1000 * k + seed)
            cases.append(random_case(rng, [fault], name=f"{fault}-{seed}", writes=(8, 30)))
    for seed in range(2 * seeds_per_class):
        rng = random.Random(90_000 + seed)
        faults = [rng.choice(FAULT_CLASSES) for _ in range(rng.randint(2, 3))]
        cases.append(random_case(rng, faults, name=f"mixed-{seed}", writes=(8, 30)))
    return cases


# -- decoding paths ------------------------------------------------------------------------------

Event = Entry | Skipped | Truncated
DecodeFn = Callable[[bytes], list[Event]]


def claimed_ends(data: bytes) -> list[int]:
    """Where each header-shaped run in ``data`` says its entry ends (split points that tempt a reader)."""
    ends = set()
    for match in _HEADER_AT.finditer(data):
        fields = _read_header(data[match.start() : match.start() + HDR])
        if fields is not None and match.start() + HDR + fields[1] <= len(data):
            ends.add(match.start() + HDR + fields[1])
    return sorted(ends)


def truth_events(case: Case) -> list[Event]:
    """The events of a reader that knows the ground truth: every intact entry, all else ``Skipped``.

    They satisfy every property by construction; a check of them shows that the
    properties can be met on a case.
    """
    events: list[Event] = []
    pos = 0
    for truth in case.truth:
        if truth.damaged:
            continue
        if truth.offset > pos:
            events.append(Skipped(pos, truth.offset - pos))
        w = truth.written
        events.append(Entry(w.timestamp_ns, w.stream, w.payload, 0, truth.offset))
        pos = truth.end
    if len(case.data) > pos:
        events.append(Skipped(pos, len(case.data) - pos))
    return events


def decode_whole(data: bytes) -> list[Event]:
    """Decode with one ``feed`` and ``close``."""
    decoder = Decoder()
    return [*decoder.feed(data), *decoder.close()]


def decode_chunks(data: bytes, cuts: Iterable[int]) -> list[Event]:
    """Decode feeding the bytes split at the given offsets (any order, duplicates allowed)."""
    decoder = Decoder()
    events: list[Event] = []
    start = 0
    for cut in sorted(set(cuts)):
        if start < cut <= len(data):
            events += decoder.feed(data[start:cut])
            start = cut
    events += decoder.feed(data[start:])
    return events + decoder.close()


def decode_bytewise(data: bytes) -> list[Event]:
    """Decode feeding one byte at a time."""
    decoder = Decoder()
    events: list[Event] = []
    for i in range(len(data)):
        events += decoder.feed(data[i : i + 1])
    return events + decoder.close()


def decode_with_flushes(data: bytes, cuts: Iterable[int], flush_at: Iterable[int]) -> list[Event]:
    """Decode in chunks split at ``cuts``, calling ``flush()`` after the chunks that end at ``flush_at``."""
    decoder = Decoder()
    flushes = set(flush_at)
    events: list[Event] = []
    start = 0
    for cut in sorted(set(cuts) | flushes):
        if start < cut <= len(data):
            events += decoder.feed(data[start:cut])
            start = cut
        if cut in flushes:
            events += decoder.flush()
    events += decoder.feed(data[start:])
    return events + decoder.close()


# -- reference line assembly ---------------------------------------------------------------------


@dataclass(frozen=True)
class RefLine:
    """A logical line as the simplest correct reading assembles it.

    Attributes:
        stream: the stream of its entries.
        offset: the offset of its first entry.
        timestamp_ns: the timestamp of its first entry.
        entry_offsets: the offsets of its entries, in order.
        message: their payloads joined.
        complete: it ends with a newline.
    """

    stream: Stream
    offset: int | None
    timestamp_ns: int
    entry_offsets: tuple[int | None, ...]
    message: bytes
    complete: bool


def line_groups(events: Sequence[object]) -> list[list[int]]:
    """Indices of the entry events of each logical line, lines ordered by their first entry.

    Per stream, an entry continues its stream's open line if the previous entry
    of that stream did not end with ``\\n`` and no ``Skipped``/``Truncated``
    event came in between; a damage event ends the open lines of both streams.
    """
    groups: list[list[int]] = []
    open_lines: dict[Stream, int] = {}
    for i, event in enumerate(events):
        if isinstance(event, Entry):
            line = open_lines.get(event.stream)
            if line is None:
                line = len(groups)
                groups.append([])
            groups[line].append(i)
            if event.message.endswith(b"\n"):
                open_lines.pop(event.stream, None)
            else:
                open_lines[event.stream] = line
        elif isinstance(event, (Skipped, Truncated)):
            open_lines.clear()
    return groups


def reference_lines(events: Sequence[object]) -> list[RefLine]:
    """Assemble decoded events into logical lines (see :func:`line_groups` for the rule)."""
    lines = []
    for group in line_groups(events):
        entries = [_entry(events[i]) for i in group]
        message = b"".join(e.message for e in entries)
        lines.append(
            RefLine(
                stream=entries[0].stream,
                offset=entries[0].offset,
                timestamp_ns=entries[0].timestamp_ns,
                entry_offsets=tuple(e.offset for e in entries),
                message=message,
                complete=message.endswith(b"\n"),
            )
        )
    return lines


def _entry(event: object) -> Entry:
    assert isinstance(event, Entry)
    return event


# -- the checker ---------------------------------------------------------------------------------

#: The property names a :class:`Report` counts.
PROPERTIES = ("lost", "phantoms", "glued", "accounting")
_MAX_DETAILS = 4  # per kind of failure


@dataclass
class Report:
    """What a reading path got wrong on one case.

    Attributes:
        entries_checked: intact written entries not adjacent to damage (P1's denominator).
        lost: of those, how many were not decoded exactly (P1).
        duplicated: extra decodings of intact entries (P1).
        lost_adjacent: intact entries adjacent to damage not decoded (not a failure; for information).
        marked: decoded entries that skipped bytes follow, which every reader marks as
            possibly torn (for information).
        marked_torn: of those, the torn written entries whose end the damage completed
            (P2 holds for them because of the mark; for information).
        phantoms: decoded entries that were never written there (P2).
        glued: decoded lines joining two written lines, or a phantom and real entries (P3).
        accounting: gaps, overlaps, empty damage events, or a wrong end in the events' byte coverage.
        details: descriptions of the first few failures of each kind.
    """

    entries_checked: int = 0
    lost: int = 0
    duplicated: int = 0
    lost_adjacent: int = 0
    marked: int = 0
    marked_torn: int = 0
    phantoms: int = 0
    glued: int = 0
    accounting: int = 0
    details: list[str] = field(default_factory=list)

    def failed(self) -> list[str]:
        """Names of the properties that failed (``lost`` includes duplicates)."""
        counts = {
            "lost": self.lost + self.duplicated,
            "phantoms": self.phantoms,
            "glued": self.glued,
            "accounting": self.accounting,
        }
        return [name for name in PROPERTIES if counts[name]]

    @property
    def ok(self) -> bool:
        """No property failed."""
        return not self.failed()

    def describe(self) -> str:
        """Counts and the first failures, for an assertion message."""
        head = (
            f"lost={self.lost} duplicated={self.duplicated} phantoms={self.phantoms} glued={self.glued} "
            f"accounting={self.accounting} "
            f"(checked {self.entries_checked}, lost_adjacent={self.lost_adjacent})"
        )
        return "\n  ".join([head, *self.details])

    def _detail(self, text: str) -> None:
        """Keep ``text`` unless its kind (its words up to the colon) already has its share."""
        kind = text.split(":", 1)[0]
        if sum(d.startswith(kind + ":") for d in self.details) < _MAX_DETAILS:
            self.details.append(text)


def _show(event: object) -> str:
    if isinstance(event, Entry):
        message = event.message if len(event.message) <= 48 else event.message[:48] + b"..."
        return (
            f"Entry(offset={event.offset}, ts={event.timestamp_ns}, {event.stream.name}, "
            f"flags={event.flags}, size={len(event.message)}, {message!r})"
        )
    return repr(event)


_PHANTOM = -1  # a phantom: belongs to no written line and spoils any line it is in
_INSIDE = -2  # found inside a damaged entry's bytes, not at its start: its line is unknown


def _owner_name(owner: int) -> str:
    return {_PHANTOM: "phantom", _INSIDE: "inside-damaged"}.get(owner, f"line {owner}")


def check(case: Case, events: Sequence[object]) -> Report:
    """Check decoded events against a case's ground truth (see the module's definitions)."""
    report = Report()
    intact = {t.offset: t for t in case.truth if not t.damaged}
    torn = {t.offset: t for t in case.truth if t.damaged}
    damaged = sorted((t.offset, t.end, t.line) for t in case.truth if t.damaged)
    damaged_starts = [d[0] for d in damaged]
    found: Counter[int] = Counter()
    owner: dict[int, int] = {}  # event index -> written line id, _PHANTOM or _INSIDE

    for i, event in enumerate(events):
        if not isinstance(event, Entry):
            continue
        plausible = event.flags == 0 and 0 < event.timestamp_ns < TIMESTAMP_LIMIT
        marked = i + 1 < len(events) and may_be_torn(event.end_offset, events[i + 1])
        truth = intact.get(event.offset) if event.offset is not None else None
        if (
            plausible
            and truth is not None
            and truth.written.timestamp_ns == event.timestamp_ns
            and truth.written.stream == event.stream
            and truth.written.payload == event.message
        ):
            found[truth.offset] += 1
            owner[i] = truth.line
            report.marked += marked
            continue
        report.marked += marked
        own = torn.get(event.offset) if marked and plausible and event.offset is not None else None
        if own is not None:  # a torn entry, its end completed by the damage after it
            kept = own.end - own.offset - HDR
            w = own.written
            if (
                kept >= 0
                and case.data[own.offset : own.offset + HDR] == w.encode()[:HDR]  # its header, untouched
                and (event.timestamp_ns, event.stream) == (w.timestamp_ns, w.stream)  # read as written
                and event.message[:kept] == w.payload[:kept]  # then its own bytes, as written
            ):
                owner[i] = own.line
                report.marked_torn += 1
                continue
        if plausible and event.offset is not None:
            # Inside a damaged entry's bytes: its own bytes, or the entry
            # itself read from up to 15 bytes early (a byte dropped from its
            # header shifts the header onto the bytes before it).
            k = bisect.bisect_right(damaged_starts, event.offset + HDR - 1) - 1
            if (
                k >= 0
                and event.offset + HDR > damaged[k][0]
                and event.offset + HDR + len(event.message) <= damaged[k][1]
            ):
                owner[i] = damaged[k][2] if event.offset <= damaged[k][0] else _INSIDE
                continue
        owner[i] = _PHANTOM
        report.phantoms += 1
        report._detail(f"P2 phantom: {_show(event)}")

    for truth in case.truth:
        if truth.damaged:
            continue
        count = found[truth.offset]
        if count > 1:
            report.duplicated += count - 1
            report._detail(f"P1 duplicated: {count}x entry #{truth.index} at {truth.offset}")
        if truth.adjacent:
            report.lost_adjacent += int(count == 0)
            continue
        report.entries_checked += 1
        if count == 0:
            report.lost += 1
            w = truth.written
            report._detail(
                f"P1 lost: entry #{truth.index} at {truth.offset} ts={w.timestamp_ns} {w.stream.name} "
                f"size={len(w.payload)} {w.payload[:48]!r}"
            )

    for group in line_groups(events):
        owners = {owner[i] for i in group}
        real = owners - {_PHANTOM, _INSIDE}
        if len(real) > 1 or (_PHANTOM in owners and real):
            report.glued += 1
            parts = [f"{_owner_name(owner[i])}@{_entry(events[i]).offset}" for i in group]
            if len(parts) > 8:
                parts[4:-3] = [f"... {len(parts) - 7} more ..."]
            report._detail("P3 glued: " + " + ".join(parts))

    pos = 0
    for event in events:
        if isinstance(event, Entry):
            start, length = event.offset, HDR + len(event.message)
        elif isinstance(event, (Skipped, Truncated)):
            start, length = event.offset, event.length
            if length <= 0:
                report.accounting += 1
                report._detail(f"accounting: empty {event!r}")
        else:
            report.accounting += 1
            report._detail(f"accounting: unknown event {event!r}")
            continue
        if start is None:
            report.accounting += 1
            report._detail(f"accounting: no offset: {_show(event)}")
            continue
        if start != pos:
            report.accounting += 1
            kind = "gap" if start > pos else "overlap"
            report._detail(f"accounting: {kind} at {pos}: next is {_show(event)}")
        pos = start + length
    if pos != len(case.data):
        report.accounting += 1
        report._detail(f"accounting: events end at {pos}, input is {len(case.data)} bytes")
    return report


def check_path(case: Case, decode_fn: DecodeFn) -> Report:
    """Decode a case's bytes with one reading path (``decode_fn(bytes) -> events``) and check them.

    The events must carry absolute offsets (entries' ``offset``, damage events'
    ``offset`` and ``length``) so that they can be matched with the ground truth.
    """
    return check(case, decode_fn(case.data))
