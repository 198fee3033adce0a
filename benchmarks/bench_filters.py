"""Measure the viewer's filter stack on a big log: one filter, three filters, and the counts; JSON only.

The model of the log (1 GiB by default, generated into ``benchmarks/data/``
if missing) is built first; then each case walks every row once with
:func:`~iolog_tui.model.search.scan_rows`, as the filter's worker does, with
the test and needle the viewer uses:

- ``single_before``: one filter as the viewer applied it before the stack
  (the matcher's own test, inverted for "hide", with its needle when it
  keeps), the reference;
- ``stack_one``: the same filter as a stack of one
  (:class:`~iolog_tui.model.filterstack.FilterStack`);
- ``stack_three``: that filter and two more, in one walk;
- ``count_three``: the three filters' per-filter counts
  (:func:`~iolog_tui.model.filterstack.matched_filters` on every line).

Two sets: ``keep`` (the first filter keeps a rare line number; the others
hide "retry" and keep "session") and ``hide`` (three filters that hide:
every line must be tested). Runs are interleaved and the fastest of
``--repeat`` is kept (the machine is shared); the ratios are against
``single_before`` of the same set, measured in the same run.

Usage::

    python benchmarks/bench_filters.py [--log PATH] [--size 1G] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from generate import generate, parse_size  # noqa: E402

from iolog_tui.model import LogModel  # noqa: E402
from iolog_tui.model.filterstack import FilterStack, RowFilter, matched_filters  # noqa: E402
from iolog_tui.model.scan import scan_whole_file  # noqa: E402
from iolog_tui.model.search import Matcher, RowTest, scan_rows  # noqa: E402

DEFAULT_LOG = os.path.join(HERE, "data", "big-plain.log")

#: The filters of each set: (pattern, regex, exclude).
SETS = {
    "keep": [("0012", False, False), ("retry", False, True), ("session", False, False)],
    "hide": [("DEBUG", False, True), ("backoff", False, True), (r"id=4\d", True, True)],
}


def walk(model: LogModel, test: RowTest, needle: bytes | None, exact_case: bool) -> int:
    """Walk every row once with ``test``; the number of rows passed."""
    passed = 0
    for batch in scan_rows(model.path, model.offsets, model.kinds, 0, len(model), test,
                           needle=needle, exact_case=exact_case):
        passed += len(batch.rows)
    return passed


def cases(filters: list[RowFilter]) -> dict[str, Callable[[LogModel], int]]:
    """The runs of one set, by name."""
    first = filters[0]
    matcher = first.matcher
    matches = matcher.matches
    invert = first.exclude
    one = FilterStack((first,))
    three = FilterStack(tuple(filters))

    def single_before(model: LogModel) -> int:
        # The one filter as the viewer applied it before the stack.
        return walk(model, lambda _kind, message: matches(message) != invert,
                    None if invert else matcher.needle, matcher.case_sensitive)

    def stack_of(stack: FilterStack) -> Callable[[LogModel], int]:
        def run(model: LogModel) -> int:
            # As the filter's worker does: the needle chosen on the file's first MiB.
            with open(model.path, "rb") as log:
                needle, exact_case = stack.needle_in(log.read(1 << 20))
            return walk(model, stack.row_test(), needle, exact_case)
        return run

    def count_three(model: LogModel) -> int:
        matched = matched_filters(filters)
        lines = [0] * len(filters)

        def test(_kind: int, message: bytes) -> bool:
            for number, hit in enumerate(matched(message)):
                if hit:
                    lines[number] += 1
            return False

        walk(model, test, None, True)
        return sum(lines)

    return {
        "single_before": single_before,
        "stack_one": stack_of(one),
        "stack_three": stack_of(three),
        "count_three": count_three,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, make the log if needed, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", default=DEFAULT_LOG)
    parser.add_argument("--size", default="1G", help="size of the log generated if --log is missing")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not os.path.exists(args.log):
        os.makedirs(os.path.dirname(args.log), exist_ok=True)
        generate(args.log, parse_size(args.size))
    model = LogModel(args.log)
    started = time.perf_counter()
    scan_whole_file(args.log, model)
    result: dict[str, object] = {
        "log_bytes": os.path.getsize(args.log),
        "rows": len(model),
        "model_s": round(time.perf_counter() - started, 2),
        "repeat": args.repeat,
    }
    runs = {
        name: cases([RowFilter(Matcher(pattern, regex=regex), exclude) for pattern, regex, exclude in spec])
        for name, spec in SETS.items()
    }
    best: dict[str, dict[str, float]] = {name: {} for name in runs}
    passed: dict[str, dict[str, int]] = {name: {} for name in runs}
    for _ in range(args.repeat):
        for name, set_cases in runs.items():
            for label, run in set_cases.items():
                start = time.perf_counter()
                passed[name][label] = run(model)
                elapsed = time.perf_counter() - start
                best[name][label] = min(elapsed, best[name].get(label, elapsed))
    for name in runs:
        times = best[name]
        reference = times["single_before"]
        result[name] = {
            "filters": [list(spec) for spec in SETS[name]],
            "seconds": {label: round(value, 3) for label, value in times.items()},
            "rows_passed": passed[name],
            "ratio_vs_single_before": {
                label: round(value / reference, 3) for label, value in times.items()
            },
            "three_vs_one": round(times["stack_three"] / times["stack_one"], 3),
        }
    model.close()
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
