"""Reading damaged logs: what the Decoder loses, invents and glues, per fault class; JSON only.

Generates a seeded corpus of faulted logs with ``tests/faultlib.py`` (a model
of VIC's writer; faults applied with a ground truth of where every written
entry's bytes are), decodes each log whole with :class:`iolog.Decoder` and
checks the events against the ground truth. Cases take the fault classes in
turn, one fault each, and every thirteenth case (``mixed``) gets two or three
faults of any classes. Zero holes are 4 KiB to 1 MiB.

Printed per fault class and in total:

* ``cases``: logs decoded; ``cases_failing``: those with any count below non-zero,
* ``entries_checked``: intact written entries not adjacent to a fault,
* ``lost``: of those, not decoded exactly once where they were written (P1),
* ``duplicated``: extra decodings of intact entries,
* ``lost_adjacent``: intact entries next to a fault that were not decoded,
* ``phantoms``: decoded entries never written there (P2),
* ``glued``: decoded lines joining two written lines, or a phantom and real entries (P3),
* ``accounting_errors``: gaps, overlaps or empty damage events in the byte coverage,
* ``decode_seconds``: time spent in the decoder; ``seconds``: the section's elapsed time.

Case ``i`` is built from ``random.Random(f"{seed}/{i}")``, so any one case can be rebuilt alone.

Usage: ``python benchmarks/bench_faults.py [--cases 10000] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.faultlib import FAULT_CLASSES, Case, DecodeFn, check, decode_whole, random_case  # noqa: E402

HOLE_SIZES = (4096, 1 << 20)
_COUNTS = ("lost", "duplicated", "lost_adjacent", "phantoms", "glued", "accounting")


def build_case(seed: int, index: int) -> tuple[str, Case]:
    """Case ``index`` of the corpus for ``seed``: its group name and the case."""
    rng = random.Random(f"{seed}/{index}")
    slot = index % (len(FAULT_CLASSES) + 1)
    if slot < len(FAULT_CLASSES):
        group, faults = FAULT_CLASSES[slot], [FAULT_CLASSES[slot]]
    else:
        group = "mixed"
        faults = [rng.choice(FAULT_CLASSES) for _ in range(rng.randint(2, 3))]
    return group, random_case(rng, faults, name=f"{group}-{index}", hole_sizes=HOLE_SIZES)


def _empty() -> dict[str, float]:
    row: dict[str, float] = {"cases": 0, "cases_failing": 0, "entries_checked": 0}
    row.update({name if name != "accounting" else "accounting_errors": 0 for name in _COUNTS})
    row["decode_seconds"] = 0.0
    return row


def faults_section(cases: int, seed: int, decode: DecodeFn = decode_whole) -> dict[str, object]:
    """Decode ``cases`` faulted logs whole; counts per fault class and in total."""
    start = time.perf_counter()
    groups: dict[str, dict[str, float]] = {name: _empty() for name in (*FAULT_CLASSES, "mixed")}
    for index in range(cases):
        group, case = build_case(seed, index)
        began = time.perf_counter()
        events = decode(case.data)
        decoded = time.perf_counter() - began
        report = check(case, events)
        row = groups[group]
        row["cases"] += 1
        row["cases_failing"] += not report.ok
        row["entries_checked"] += report.entries_checked
        for name in _COUNTS:
            row[name if name != "accounting" else "accounting_errors"] += getattr(report, name)
        row["decode_seconds"] += decoded
    total = _empty()
    for row in groups.values():
        for key, value in row.items():
            total[key] += value
    for row in (*groups.values(), total):
        row["decode_seconds"] = round(row["decode_seconds"], 3)
    return {
        "cases": cases,
        "seed": seed,
        "per_fault": {name: row for name, row in groups.items() if row["cases"]},
        "total": total,
        "seconds": round(time.perf_counter() - start, 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark's sections and print their JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10000, help="faulted logs to decode (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    args = parser.parse_args(argv)
    sections: dict[str, object] = {}
    sections["faults"] = faults_section(args.cases, args.seed)
    print(json.dumps(sections, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
