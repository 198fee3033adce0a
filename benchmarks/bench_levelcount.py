"""The viewer's background level count against its search count, on a big log; JSON only.

Builds the viewer's row model of a log (1 GiB by default, generated into
``benchmarks/data/`` if missing) once, then times, interleaved, best of
``--repeat``:

- ``search_count_s``: the search count's pass over every row
  (:func:`~iolog_tui.model.search.scan_rows` for ``--pattern``, ``retry``
  by default, a word of many lines, with its
  needle), what the status bar's "match 3 of 1,204" costs;
- ``level_count_s``: the level count's pass over every row
  (:func:`~iolog_tui.model.levelrows.level_rows`: a walk keeping the lines
  at WARN or worse, then a second walk telling errors from warnings), what
  "3 errors · 12 warnings" costs.

``level_to_search_ratio`` is the second over the first. Both run in a
worker thread in the viewer, after its own scan of the file.

Usage: ``python benchmarks/bench_levelcount.py [--log PATH] [--size 1G] [--repeat 3] [--pattern retry]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
DEFAULT_LOG = os.path.join(HERE, "data", "big-plain.log")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, make the log if needed, measure, print JSON."""
    from iolog_tui.model import LogModel
    from iolog_tui.model.levelrows import level_rows
    from iolog_tui.model.scan import scan_whole_file
    from iolog_tui.model.search import Matcher, scan_rows

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", default=DEFAULT_LOG)
    parser.add_argument("--size", default="1G", help="size of the log generated if --log is missing")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pattern", default="retry", help="what the search count looks for")
    args = parser.parse_args(argv)
    if not os.path.exists(args.log):
        from generate import generate, parse_size  # type: ignore[import-not-found]

        os.makedirs(os.path.dirname(args.log), exist_ok=True)
        generate(args.log, parse_size(args.size))
    model = LogModel(args.log)
    scan_whole_file(args.log, model)
    matcher = Matcher(args.pattern)
    matches = matcher.matches

    def search_count() -> tuple[int, ...]:
        found = 0
        for batch in scan_rows(model.path, model.offsets, model.kinds, 0, len(model),
                               lambda _kind, message: matches(message), needle=matcher.needle,
                               exact_case=matcher.case_sensitive):
            found += len(batch.rows)
        return (found,)

    def level_count() -> tuple[int, ...]:
        errors = warnings = 0
        for batch in level_rows(model.path, model.offsets, model.kinds, 0, len(model)):
            errors += len(batch.errors)
            warnings += len(batch.warnings)
        return errors, warnings

    best = {"search": float("inf"), "level": float("inf")}
    counts: dict[str, tuple[int, ...]] = {}
    for _ in range(args.repeat):
        for name, run in (("search", search_count), ("level", level_count)):
            start = time.perf_counter()
            counts[name] = run()
            best[name] = min(best[name], time.perf_counter() - start)
    size_bytes = os.path.getsize(args.log)
    print(json.dumps({
        "log_bytes": size_bytes,
        "rows": len(model),
        "repeat": args.repeat,
        "pattern": args.pattern,
        "search_count_s": round(best["search"], 3),
        "search_matches": counts["search"][0],
        "level_count_s": round(best["level"], 3),
        "level_count_mb_per_s": round(size_bytes / best["level"] / 1e6, 1),
        "errors": counts["level"][0],
        "warnings": counts["level"][1],
        "level_to_search_ratio": round(best["level"] / best["search"], 2),
    }, indent=2))
    model.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
