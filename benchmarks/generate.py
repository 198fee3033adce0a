"""Generate realistic iolog files fast, for benchmarks and manual testing.

Lines are 40-300 bytes of log-like text with some long lines (split into
4095-byte entries, as VIC's writer does), stdout and stderr mixed, one entry
per line, timestamps a few hundred microseconds apart; optionally with
backward clock jumps (as after NTP corrections: some 80 per GiB, each up to
5 s back). Frames are built in bulk:
the headers of a block of entries are packed with one ``struct`` call and
base64-encoded with one ``b2a_base64`` call, so 1 GiB takes seconds.

Usage::

    python benchmarks/generate.py --size 1G [--jumps] [--seed N] out.log

or, from Python, ``generate(path, size_bytes, jumps=False, seed=0)``.
"""

from __future__ import annotations

import argparse
import binascii
import random
import struct
import sys
from collections.abc import Iterator

__all__ = ["START_NS", "generate", "generate_bytes", "generate_split", "parse_size"]

#: Timestamp of the first entry (2026-01-01T00:00:00Z).
START_NS = 1_767_225_600_000_000_000
_MAX = 4095
_BLOCK_LINES = 8192
_WORDS = (
    b"GET POST request response user id=42 status=200 took ms cache miss hit "
    b"connected disconnected retry backoff worker queue job done failed warning "
    b"INFO DEBUG ERROR WARN payload bytes session token refresh db query rows"
).split()


def parse_size(text: str) -> int:
    """Parse ``1G``, ``512M``, ``64K`` or a plain byte count."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def _line_pool(rng: random.Random, count: int) -> list[bytes]:
    """Distinct log-like lines; most 40-300 bytes, a few long ones."""
    pool = []
    for number in range(count):
        if rng.random() < 0.01:
            length = rng.randint(4096, 12000)
        else:
            length = rng.randint(40, 300)
        words = b" ".join(rng.choice(_WORDS) for _ in range(length // 4 + 1))
        line = (b"%06d " % number + words)[: length - 1] + b"\n"
        pool.append(line)
    return pool


def generate_bytes(
    size_bytes: int,
    *,
    jumps: bool = False,
    seed: int = 0,
    start_ns: int = START_NS,
) -> bytes:
    """Return a log of at least ``size_bytes`` bytes (whole entries), in memory."""
    chunks = list(_blocks(size_bytes, jumps=jumps, seed=seed, start_ns=start_ns))
    return b"".join(chunks)


def _blocks(size_bytes: int, *, jumps: bool, seed: int, start_ns: int) -> Iterator[bytes]:
    for block, _files in _line_blocks(size_bytes, jumps=jumps, seed=seed, start_ns=start_ns, files=0):
        yield block


def _line_blocks(
    size_bytes: int, *, jumps: bool, seed: int, start_ns: int, files: int
) -> Iterator[tuple[bytes, list[bytes]]]:
    """Blocks of the log, and (with ``files``) the same lines dealt out at random to that many logs."""
    rng = random.Random(seed)
    pool = _line_pool(rng, 4096)
    # Split the pool's lines into entry payloads once.
    pool_entries = [
        [line[start : start + _MAX] for start in range(0, len(line), _MAX)] for line in pool
    ]
    written = 0
    timestamp = start_ns
    pack_cache: dict[int, struct.Struct] = {}
    while written < size_bytes:
        payloads: list[bytes] = []
        bits: list[int] = []
        stamps: list[int] = []
        owners: list[int] = []
        for _ in range(_BLOCK_LINES):
            stream_bit = 8 if rng.random() < 0.3 else 0
            timestamp += rng.randint(50_000, 900_000)
            if jumps and rng.random() < 0.00002:
                # An NTP correction steps the clock back by up to a few
                # seconds; about one in 50,000 lines (some 80 per GiB).
                timestamp -= rng.randint(100, 5_000) * 1_000_000
            owner = rng.randrange(files) if files else 0
            for payload in pool_entries[rng.randrange(len(pool_entries))]:
                payloads.append(payload)
                bits.append(len(payload) << 4 | stream_bit)
                stamps.append(timestamp)
                owners.append(owner)
        frames = _frames(payloads, bits, stamps, pack_cache)
        block = b"".join(frames)
        written += len(block)
        parts = [b"".join([frame for frame, owner in zip(frames, owners, strict=True) if owner == number])
                 for number in range(files)]
        yield block, parts


def _frames(payloads: list[bytes], bits: list[int], stamps: list[int],
            pack_cache: dict[int, struct.Struct]) -> list[bytes]:
    """Each entry's header and payload, the headers packed and encoded in bulk."""
    count = len(payloads)
    packer = pack_cache.get(count)
    if packer is None:
        packer = pack_cache[count] = struct.Struct("<" + "qH2x" * count)
    flat = [value for pair in zip(stamps, bits, strict=True) for value in pair]
    # Each header packed as 12 bytes (10 and two zero bytes) encodes to
    # 16 characters ending in "AA"; the canonical header ends in "==".
    text = binascii.b2a_base64(packer.pack(*flat), newline=False)
    return [text[i : i + 14] + b"==" + payload for i, payload in zip(range(0, len(text), 16), payloads,
                                                                      strict=True)]


def generate_split(path: str, part_paths: list[str], size_bytes: int, *, seed: int = 0) -> int:
    """Write a log of about ``size_bytes`` to ``path`` and the same lines dealt out to ``part_paths``.

    Each line goes whole to one part chosen at random, so the parts hold
    together exactly the lines of ``path``, each in time order, interleaved
    in time with the others (as the logs of containers running side by side).

    Returns:
        The number of bytes written to ``path``.
    """
    written = 0
    outs = [open(part, "wb") for part in part_paths]  # noqa: SIM115 - closed below
    try:
        with open(path, "wb") as out:
            for block, parts in _line_blocks(size_bytes, jumps=False, seed=seed, start_ns=START_NS,
                                             files=len(part_paths)):
                out.write(block)
                written += len(block)
                for part_out, part in zip(outs, parts, strict=True):
                    part_out.write(part)
    finally:
        for part_out in outs:
            part_out.close()
    return written


def generate(path: str, size_bytes: int, *, jumps: bool = False, seed: int = 0) -> int:
    """Write a log of about ``size_bytes`` bytes to ``path``.

    Returns:
        The number of bytes written.
    """
    written = 0
    with open(path, "wb") as out:
        for block in _blocks(size_bytes, jumps=jumps, seed=seed, start_ns=START_NS):
            out.write(block)
            written += len(block)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1M", help="target size: 1G, 512M, 64K, bytes")
    parser.add_argument("--jumps", action="store_true", help="add backward clock jumps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("output")
    args = parser.parse_args(argv)
    written = generate(args.output, parse_size(args.size), jumps=args.jumps, seed=args.seed)
    print(f"wrote {written} bytes to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
