"""Throughput of ``iolog cat`` beside a plain ``cat`` of the same file; JSON only.

Generates (once, into benchmarks/data/) a log of at least 256 MiB with
stdout and stderr mixed, then times, in one run and on the same file:

* ``cat FILE`` (the floor: reading the bytes),
* ``iolog cat FILE`` (decode and print the payloads, split by stream),
* ``iolog cat -t FILE`` (the same with docker timestamps),
* both again with stdout and stderr apart (``_apart``): stderr goes to a
  scratch file instead of /dev/null, so the two streams no longer reach the
  same place and are printed to their own outputs.

Each command runs as a subprocess with stdout (and, unless apart, stderr) to
/dev/null; the best of ``--repeat`` runs is reported as MB/s (10^6 bytes per second of the
file's size) and as a ratio to ``cat``.

Usage: ``python benchmarks/bench_cat.py [--size 256M] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import generate, parse_size  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def _ensure(size: int) -> str:
    path = os.path.join(DATA, f"cat-{size}.log")
    if not os.path.exists(path):
        os.makedirs(DATA, exist_ok=True)
        generate(path + ".tmp", size, seed=2)
        os.replace(path + ".tmp", path)
    return path


def _best_seconds(command: list[str], repeat: int, *, apart: bool = False) -> float:
    best = float("inf")
    scratch = os.path.join(DATA, "bench-cat-stderr.out")
    for _ in range(repeat):
        with open(scratch if apart else os.devnull, "wb") as stderr:
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=stderr, check=True)
            best = min(best, time.perf_counter() - start)
    if apart:
        os.unlink(scratch)
    return best


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="256M", help="log size (at least 256M for the report)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    path = _ensure(parse_size(args.size))
    size = os.path.getsize(path)
    iolog = [sys.executable, "-m", "iolog", "cat", "-q"]
    commands = {
        "cat": [shutil.which("cat") or "cat", path],
        "iolog_cat": [*iolog, path],
        "iolog_cat_timestamps": [*iolog, "-t", path],
    }
    seconds = {name: _best_seconds(command, args.repeat) for name, command in commands.items()}
    for name in ("iolog_cat", "iolog_cat_timestamps"):
        seconds[name + "_apart"] = _best_seconds(commands[name], args.repeat, apart=True)
    report = {
        "file_bytes": size,
        "repeat": args.repeat,
        "seconds": {name: round(value, 3) for name, value in seconds.items()},
        "mb_per_s": {name: round(size / value / 1e6, 1) for name, value in seconds.items()},
        "slowdown_vs_cat": {
            name: round(value / seconds["cat"], 1) for name, value in seconds.items() if name != "cat"
        },
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
