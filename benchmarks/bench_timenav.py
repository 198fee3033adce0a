"""Measure time navigation against the budgets of issue 3; print JSON only.

Generates (once, into benchmarks/data/) 1 GiB and 1 MiB logs, each plain and
with backward clock jumps, then measures:

* ``iolog cat --since S`` (S near the end) and ``iolog cat --tail 100`` as
  subprocesses: wall time 1 GiB vs 1 MiB and bytes read (``rchar`` from the
  child's ``/proc/self/io``, minus the same command's ``rchar`` on 1 MiB);
* the full index build (MB/s) and its peak RSS above the interpreter's
  baseline, in a child process (plus the whole RSS of the helper process
  that indexes the second half of a large file);
* follow latency: a writer appends 200 entries to a log followed by
  ``iolog cat -f``; latency is write to line-on-stdout.

Usage: ``python benchmarks/bench_timenav.py [--size 1G] [--entries 200]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import generate, parse_size  # noqa: E402

from iolog.core.format import encode_entry  # noqa: E402
from iolog.file.logfile import LogFile  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
MIB = 1 << 20

# Runs the CLI in-process and reports this process's read bytes on stderr.
_RUNNER = (
    "import atexit, runpy, sys\n"
    "def report():\n"
    "    sys.stderr.write('\\nRCHAR ' + open('/proc/self/io').read().split()[1] + '\\n')\n"
    "atexit.register(report)\n"
    "sys.argv = ['iolog'] + sys.argv[1:]\n"
    "runpy.run_module('iolog', run_name='__main__')\n"
)

_INDEX_CHILD = (
    "import resource, sys, time\n"
    "from iolog.file.logfile import LogFile\n"
    "log = LogFile(sys.argv[1], cache=False)\n"
    "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "start = time.perf_counter()\n"
    "index = log.build_index()\n"
    "elapsed = time.perf_counter() - start\n"
    "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "peak += helper  # the second half's helper process, counted whole\n"
    "print(elapsed, (peak - base) * 1024, index.nbytes, index.entry_count)\n"
)


def _ensure(name: str, size: int, jumps: bool) -> str:
    path = os.path.join(DATA, name)
    if not os.path.exists(path) or os.path.getsize(path) < size:
        os.makedirs(DATA, exist_ok=True)
        generate(path + ".tmp", size, jumps=jumps, seed=1)
        os.replace(path + ".tmp", path)
    return path


def _run_cat(args: list[str], repeat: int = 3, cache: str | None = None) -> tuple[float, int]:
    """Best wall time of ``iolog cat ARGS`` and its rchar.

    ``cache`` is the index cache folder: ``None`` runs every time on a fresh
    file (no saved index is read or written); a folder gets one unmeasured
    warm-up run that saves the index, so the measured runs use it.
    """
    env = {**os.environ, "IOLOG_CACHE_DIR": cache or "off"}
    if cache is not None:
        subprocess.run(
            [sys.executable, "-m", "iolog", "cat", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env,
        )
    best = float("inf")
    rchar = 0
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _RUNNER, "cat", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=True,
            env=env,
        )
        best = min(best, time.perf_counter() - start)
        rchar = int(done.stderr.decode().rsplit("RCHAR ", 1)[1].split()[0])
    return best, rchar


def _since_arg(path: str) -> str:
    """A --since value a little before the end (about the last 100 entries)."""
    with LogFile(path) as log:
        entry = next(log.entries_from(log.tail(100).offset))
    return f"{entry.timestamp_ns // 1_000_000_000}.{entry.timestamp_ns % 1_000_000_000:09d}"


def _compare(
    big: str,
    small: str,
    extra: Callable[[str], list[str]],
    label: str,
    cache: str | None = None,
) -> dict[str, object]:
    big_s, big_rchar = _run_cat([*extra(big), big], cache=cache)
    small_s, small_rchar = _run_cat([*extra(small), small], cache=cache)
    ratio = big_s / small_s
    # The interpreter's own reads (imports): the same command on an empty log.
    empty = os.path.join(DATA, "empty.log")
    open(empty, "wb").close()
    _, baseline_rchar = _run_cat([*extra(small), empty], repeat=1)
    file_bytes = max(0, big_rchar - baseline_rchar)
    return {
        "command": f"iolog cat {label}",
        "index": "saved by an earlier run" if cache else "none (a fresh file)",
        "wall_s_1GiB": round(big_s, 3),
        "wall_s_1MiB": round(small_s, 3),
        "ratio": round(ratio, 2),
        "ratio_budget_met": ratio < 3,
        "bytes_read_1GiB_approx": file_bytes,
        "bytes_read_budget_met": file_bytes < MIB,
    }


def _index_build(path: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _INDEX_CHILD, path], capture_output=True, check=True, text=True
    ).stdout.split()
    elapsed, peak, nbytes, entries = float(out[0]), int(out[1]), int(out[2]), out[3]
    rate = os.path.getsize(path) / elapsed / 1e6
    return {
        "file": os.path.basename(path),
        "seconds": round(elapsed, 2),
        "mb_per_s": round(rate, 1),
        "rate_budget_met": rate >= 250,
        "peak_rss_above_baseline_mib": round(peak / MIB, 1),
        "memory_budget_met": peak < 64 * MIB,
        "index_bytes": nbytes,
        "entries": int(entries),
    }


def _follow_latency(count: int) -> dict[str, object]:
    path = os.path.join(DATA, "follow.log")
    with open(path, "wb") as out:
        out.write(encode_entry(b"start\n", timestamp_ns=time.time_ns()))
    child = subprocess.Popen(
        [sys.executable, "-m", "iolog", "cat", "-f", path],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    written: dict[int, float] = {}
    latencies: list[float] = []
    ready = threading.Event()

    def read() -> None:
        for line in child.stdout:  # type: ignore[union-attr]
            now = time.perf_counter()
            if line.startswith(b"start"):
                ready.set()
                continue
            number = int(line.split()[1])
            latencies.append(now - written[number])
            if len(latencies) == count:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(30)
    with open(path, "ab", buffering=0) as out:
        for number in range(count):
            frame = encode_entry(b"entry %d\n" % number, timestamp_ns=time.time_ns())
            written[number] = time.perf_counter()
            out.write(frame)
            time.sleep(0.02)
    reader.join(30)
    child.terminate()
    child.wait()
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("inf")
    return {
        "entries": len(latencies),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "budget_met": len(latencies) == count and p95 < 0.1,
    }


def main() -> int:
    """Run every measurement and print one JSON document."""
    parser = argparse.ArgumentParser(description="time navigation benchmarks")
    parser.add_argument("--size", default="1G")
    parser.add_argument("--entries", type=int, default=200)
    args = parser.parse_args()
    size = parse_size(args.size)
    results: dict[str, object] = {"size_bytes": size, "cli": "python -m iolog cat"}
    for kind, jumps in (("plain", False), ("jumps", True)):
        big = _ensure(f"big-{kind}.log", size, jumps)
        small = _ensure(f"small-{kind}.log", MIB, jumps)
        since = {path: _since_arg(path) for path in (big, small)}
        results[f"since_{kind}"] = _compare(
            big, small, lambda p, since=since: ["--since", since[p]], "--since S"
        )
        cache = os.path.join(DATA, "index-cache")
        results[f"since_{kind}_indexed"] = _compare(
            big, small, lambda p, since=since: ["--since", since[p]], "--since S", cache=cache
        )
        results[f"tail_{kind}"] = _compare(big, small, lambda p: ["--tail", "100"], "--tail 100")
        results[f"index_{kind}"] = _index_build(big)
    results["follow"] = _follow_latency(args.entries)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
