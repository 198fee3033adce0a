"""Level detection (``iolog.core.levels``) per line, and ``iolog stat`` with its level counts; JSON only.

Two sets of lines, each whole logical lines held in memory before timing:

* ``generated``: every line of a generated log (benchmarks/data/, made once;
  40-300-byte lines of random words, some of them level words in capitals
  at any place, some long lines), as ``iolog stat`` and the viewer meet it;
* ``formats``: lines in the shapes of common loggers (log4j/logback,
  loguru, zap console, logrus logfmt, zap/pino JSON, klog, nginx, syslog
  priority, Python's default, plain prose), mixed.

For each: ``detect_level`` on every line (level and span, as the viewer
colours it) and ``count_levels`` (levels only, as ``stat`` counts), best of
``--repeat``, as ns per line and MB/s. Then ``iolog stat`` and ``iolog stat
--levels`` of the generated log as subprocesses, and stat's counting in
this process with and without the levels, interleaved:
``stat_levels_ratio`` is the cost of the levels.

Usage: ``python benchmarks/bench_levels.py [--size 256M] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from generate import generate, parse_size  # noqa: E402

from iolog.cli.stat import LogCounts, count_file  # noqa: E402
from iolog.core.levels import count_levels, detect_level  # noqa: E402
from iolog.file.logfile import LogFile  # noqa: E402
from iolog.file.wholelines import WholeLines  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

_FORMATS = [
    "2026-11-25 10:00:{s:02d}.123 [http-nio-8080-exec-{n}] {LEVEL} c.e.app.Service - {msg}",
    "2026-11-25 10:00:{s:02d}.123 | {LEVEL:<8} | app.main:run:{n} - {msg}",
    "2026-11-25T10:00:{s:02d}.000Z\t{level}\tapp/main.go:{n}\t{msg}",
    'time="2026-11-25T10:00:{s:02d}Z" level={level} msg="{msg}" n={n}',
    '{{"level":"{level}","ts":1795600800.{n},"caller":"main.go:{n}","msg":"{msg}"}}',
    "{K}1125 10:00:{s:02d}.123456       1 controller.go:{n}] {msg}",
    "2026/11/25 10:00:{s:02d} [{level}] {n}#0: *{n} {msg}",
    "<{pri}>{msg}",
    "{LEVEL}:root:{msg}",
    "{msg} after {n} retries",
]
_LEVELS = ["error", "warn", "info", "debug", "info", "info"]
_KLOG = {"error": "E", "warn": "W", "info": "I", "debug": "I"}
_PRI = {"error": 3, "warn": 4, "info": 6, "debug": 7}
_WORDS = "request response user session token cache queue worker connected retry backoff rows".split()


def _format_lines(count: int, seed: int = 3) -> list[bytes]:
    rng = random.Random(seed)
    lines = []
    for number in range(count):
        level = rng.choice(_LEVELS)
        msg = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 20)))
        line = rng.choice(_FORMATS).format(s=number % 60, n=number, LEVEL=level.upper(), level=level, msg=msg,
                                           K=_KLOG[level], pri=_PRI[level])
        lines.append(line.encode() + b"\n")
    return lines


def _log_lines(size: int) -> tuple[str, list[bytes]]:
    path = os.path.join(DATA, f"levels-{size}.log")
    if not os.path.exists(path):
        os.makedirs(DATA, exist_ok=True)
        generate(path + ".tmp", size, seed=4)
        os.replace(path + ".tmp", path)
    lines: list[bytes] = []
    whole = WholeLines()
    with LogFile(path, cache=False) as log:
        for item in log.batches():
            chunk = whole.events(item) if isinstance(item, list) else whole.batch(item)
            if chunk is not None:
                lines += chunk.texts
    last = whole.close()
    if last is not None:
        lines += last.texts
    return path, lines


def _stat_counts(path: str, levels: bool) -> LogCounts:
    """What ``iolog stat`` counts of ``path``, with or without ``--levels``."""
    return count_file(path, levels=levels)


def _best(function: object, lines: list[bytes], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function(lines)  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def _report(lines: list[bytes], repeat: int) -> dict[str, object]:
    size = sum(map(len, lines))
    detect = _best(lambda ls: [detect_level(line) for line in ls], lines, repeat)
    count = _best(count_levels, lines, repeat)
    counts = count_levels(lines)
    return {
        "lines": len(lines),
        "bytes": size,
        "detect_ns_per_line": round(detect / len(lines) * 1e9),
        "count_ns_per_line": round(count / len(lines) * 1e9),
        "count_mb_per_s": round(size / count / 1e6, 1),
        "levels": {(level.name if level is not None else "none"): number for level, number in
                   sorted(counts.items(), key=lambda item: -1 if item[0] is None else int(item[0]))},
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="256M", help="size of the generated log")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    path, lines = _log_lines(parse_size(args.size))
    calls = 1_000_000
    start = time.perf_counter()
    for _ in map(len, [b""] * calls):
        pass
    report: dict[str, object] = {
        # How fast this machine runs Python, to compare the numbers with another's.
        "calibration_ns_per_len_call": round((time.perf_counter() - start) / calls * 1e9, 1),
        "generated": _report(lines, args.repeat),
        "formats": _report(_format_lines(len(lines) // 4), args.repeat),
    }
    del lines
    stat = {"": float("inf"), "--levels": float("inf")}
    for _ in range(args.repeat):
        for option in stat:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "iolog", "stat", *([option] if option else []), path],
                           stdout=subprocess.DEVNULL, check=True)
            stat[option] = min(stat[option], time.perf_counter() - start)
    report["iolog_stat_seconds"] = round(stat[""], 3)
    report["iolog_stat_levels_seconds"] = round(stat["--levels"], 3)
    report["iolog_stat_levels_mb_per_s"] = round(os.path.getsize(path) / stat["--levels"] / 1e6, 1)
    # stat's counting in this process, with and without the levels, interleaved.
    best = {True: float("inf"), False: float("inf")}
    for _ in range(args.repeat):
        for levels in (True, False):
            start = time.perf_counter()
            _stat_counts(path, levels)
            best[levels] = min(best[levels], time.perf_counter() - start)
    report["stat_count_seconds"] = round(best[True], 3)
    report["stat_count_without_levels_seconds"] = round(best[False], 3)
    report["stat_levels_ratio"] = round(best[True] / best[False], 2)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
