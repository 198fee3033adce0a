"""iolog-tui on 8 logs merged by time beside iolog-tui on one log of the same lines; JSON only.

The logs are ``bench_merge.py``'s (made once into benchmarks/data/): one log
and the same lines dealt out, each line whole, to 8 container folders. For
each, a fresh Python process opens the viewer headless (120x36) exactly as
``iolog-tui SPEC`` does (``open_source``: the one log, or the folder of 8)
and reports, as ``bench_tui.py``'s probe does:

* ``first_screen_s``: from process launch to the first frame drawing a row;
* ``scan_done_s``: until every row is known;
* ``peak_rss_mib``: the process's peak resident memory at the end;
* ``key_latency_ms``: each run's key latency while the scan goes on (median, max).

The two are run interleaved ``--repeat`` times and the fastest (and the
smallest peak) of each kept. ``first_screen_ratio`` is merged over single
(target: at most 1.3); ``extra_peak_mib`` is the merged view's peak less the
single log's (target: under 150 MiB).

Usage: ``python benchmarks/bench_merge_viewer.py [--size 1G] [--logs 8] [--repeat 3] [--data DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_merge  # noqa: E402
from bench_tui import _PROBE  # noqa: E402
from generate import parse_size  # noqa: E402

#: bench_tui's probe, opening its argument as the command line does (a log, or a folder of logs).
_OPENED = _PROBE.replace(
    'app = IologApp(LogSource(sys.argv[1], "bench"))',
    "from iolog_tui.cli import build_parser, open_source\n"
    "    app = IologApp(open_source(build_parser().parse_args([sys.argv[1]])))",
)


def measure(spec: str) -> dict[str, object]:
    """Run the probe on ``spec`` (a log or a folder) in a fresh interpreter."""
    if _OPENED == _PROBE:
        raise SystemExit("bench_tui.py's probe changed: update bench_merge_viewer.py")
    result = subprocess.run(
        [sys.executable, "-c", _OPENED, spec, repr(time.time())],
        capture_output=True, text=True, check=True, timeout=3600,
    )
    measured: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def main(argv: list[str] | None = None) -> int:
    """Make the logs if needed, measure both, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G", help="size of the one log (the 8 share its lines)")
    parser.add_argument("--logs", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", default=None, help="where the logs are made (default: benchmarks/data)")
    args = parser.parse_args(argv)
    if args.data:
        bench_merge.DATA = args.data
    single, folder = bench_merge._ensure(parse_size(args.size), args.logs)  # noqa: SLF001 - the same logs
    runs: dict[str, list[dict[str, object]]] = {"single": [], "merged": []}
    for _ in range(args.repeat):  # interleaved: the machine's load is shared alike
        runs["single"].append(measure(single))
        runs["merged"].append(measure(folder))

    def best(name: str, key: str) -> float:
        return min(float(run[key]) for run in runs[name])  # type: ignore[arg-type]

    report = {
        "file_bytes": os.path.getsize(single),
        "logs": args.logs,
        "repeat": args.repeat,
        "rows": {name: runs[name][-1]["rows"] for name in runs},
        "first_screen_s": {name: best(name, "first_screen_s") for name in runs},
        "scan_done_s": {name: best(name, "scan_done_s") for name in runs},
        "peak_rss_mib": {name: best(name, "peak_rss_mib") for name in runs},
        "key_latency_ms": {name: [run["key_latency_ms"] for run in runs[name]] for name in runs},
        "first_screen_ratio": round(best("merged", "first_screen_s") / best("single", "first_screen_s"), 3),
        "target_first_screen_ratio": 1.3,
        "extra_peak_mib": round(best("merged", "peak_rss_mib") - best("single", "peak_rss_mib"), 1),
        "target_extra_peak_mib": 150,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
