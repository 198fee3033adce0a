"""``iolog cat`` of 8 logs merged beside ``iolog cat`` of one log with the same lines; JSON only.

Generates (once, into benchmarks/data/) one log of at least 1 GiB, stdout
and stderr mixed, and the same lines dealt out at random, each line whole,
to 8 container folders (``vms/c0/output.log`` ...), about 128 MiB each: the
lines of all 8 interleave in time as those of containers running side by
side. Then, in one run, interleaved, it times:

* ``iolog cat ALL.log`` (one log),
* ``iolog cat vms/`` (the 8 logs merged, each line prefixed with its name),
* both with ``--format json``,

each as a subprocess with stdout and stderr to /dev/null, the fastest of
``--repeat`` runs. ``ratio`` is merged time over single time. A check runs
once: ``iolog cat --no-log-prefix vms/`` writes exactly the bytes of ``iolog
cat ALL.log`` (every line has its own time, so the merge must restore the
order of the one log).

Usage: ``python benchmarks/bench_merge.py [--size 1G] [--logs 8] [--repeat 3] [--data DIR]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import generate_split, parse_size  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def _ensure(size: int, logs: int) -> tuple[str, str]:
    root = os.path.join(DATA, f"merge-{size}-{logs}")
    single = os.path.join(root, "all.log")
    folder = os.path.join(root, "vms")
    if not os.path.exists(single):
        parts = [os.path.join(folder, f"c{number}", "output.log") for number in range(logs)]
        for part in parts:
            os.makedirs(os.path.dirname(part), exist_ok=True)
        generate_split(single + ".tmp", parts, size, seed=7)
        os.replace(single + ".tmp", single)
    return single, folder


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def _digest(command: list[str]) -> str:
    """The SHA-256 of what ``command`` writes to stdout and stderr together (one pipe)."""
    digest = hashlib.sha256()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as child:
        assert child.stdout is not None
        while chunk := child.stdout.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G", help="size of the one log (the parts share it)")
    parser.add_argument("--logs", type=int, default=8, help="how many logs the lines are dealt to")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-check", action="store_true", help="skip the same-output check")
    parser.add_argument("--data", default=None, help="where the logs are made (default: benchmarks/data)")
    args = parser.parse_args(argv)
    if args.data:
        global DATA
        DATA = args.data
    single, folder = _ensure(parse_size(args.size), args.logs)
    size = os.path.getsize(single)
    iolog = [sys.executable, "-m", "iolog", "cat", "-q"]
    commands = {
        "single": [*iolog, single],
        "merged": [*iolog, folder],
        "single_json": [*iolog, "--format", "json", single],
        "merged_json": [*iolog, "--format", "json", folder],
    }
    best = dict.fromkeys(commands, float("inf"))
    for _ in range(args.repeat):  # interleaved, so that the machine's load is shared alike
        for name, command in commands.items():
            best[name] = min(best[name], _seconds(command))
    report: dict[str, object] = {
        "file_bytes": size,
        "logs": args.logs,
        "repeat": args.repeat,
        "seconds": {name: round(value, 3) for name, value in best.items()},
        "mb_per_s": {name: round(size / value / 1e6, 1) for name, value in best.items()},
        "ratio": round(best["merged"] / best["single"], 3),
        "ratio_json": round(best["merged_json"] / best["single_json"], 3),
        "target_ratio": 1.5,
    }
    if not args.no_check:
        report["same_output_without_prefix"] = _digest([*iolog, single]) == _digest(
            [*iolog, "--no-log-prefix", folder]
        )
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
