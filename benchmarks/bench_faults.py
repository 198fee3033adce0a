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
* ``marked``: decoded entries that skipped bytes follow, which every reader
  marks as possibly torn (``iolog.core.events.may_be_torn``); ``marked_torn``:
  of those, torn entries whose claim the damage after them completed (the
  bytes cannot tell them from whole ones; without the mark they would be phantoms),
* ``glued``: decoded lines joining two written lines, or a phantom and real entries (P3),
* ``accounting_errors``: gaps, overlaps or empty damage events in the byte coverage,
* ``decode_seconds``: time spent in the decoder; ``seconds``: the section's elapsed time.

Case ``i`` is built from ``random.Random(f"{seed}/{i}")``, so any one case can be rebuilt alone.

The ``tail`` section times ``iolog cat --tail 1000`` (a fresh process; the
fastest of five runs, the logs taking turns) on a log of a few thousand lines, on the same log followed by a
zero hole (``--hole-mib``, 1 GiB by default) written as zeros and as a hole
of a sparse file, and behind ten million empty entries; and gives each
one's peak memory (``ru_maxrss`` of the process). Ratios are to the plain log.

Usage: ``python benchmarks/bench_faults.py [--cases 10000] [--seed 0] [--hole-mib 1024] [--no-tail]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from iolog.core.format import encode_entry  # noqa: E402
from tests.faultlib import FAULT_CLASSES, Case, DecodeFn, check, decode_whole, random_case  # noqa: E402

HOLE_SIZES = (4096, 1 << 20)
_COUNTS = ("lost", "duplicated", "lost_adjacent", "phantoms", "marked", "marked_torn", "glued", "accounting")


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


#: Runs of each tail measurement (the fastest is reported: the least disturbed).
TAIL_RUNS = 5


def _tail_run(path: str) -> tuple[float, float]:
    """``iolog cat --tail 1000 path`` in a fresh process: (seconds, peak MiB)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "iolog", "cat", "--tail", "1000", path],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"iolog cat --tail failed on {path} (status {status})")
    return elapsed, usage.ru_maxrss / 1024


def tail_section(hole_mib: int) -> dict[str, object]:
    """``--tail 1000`` behind a zero hole and many empty entries, against the plain log."""
    folder = os.path.join(ROOT, "benchmarks", "data")
    os.makedirs(folder, exist_ok=True)
    stamp = 1_764_000_000_000_000_000
    body = b"".join(
        encode_entry(b"line %d: request served in %d ms\n" % (i, i % 97), timestamp_ns=stamp + i * 1000)
        for i in range(5000)
    )
    logs = {"plain": body}
    paths: dict[str, str] = {}
    for name, data in logs.items():
        paths[name] = os.path.join(folder, f"tail-{name}.log")
        with open(paths[name], "wb") as out:
            out.write(data)
    paths["zeros"] = os.path.join(folder, "tail-zeros.log")
    with open(paths["zeros"], "wb") as out:
        out.write(body)
        block = bytes(1 << 20)
        for _ in range(hole_mib):
            out.write(block)
    paths["sparse"] = os.path.join(folder, "tail-sparse.log")
    with open(paths["sparse"], "wb") as out:
        out.write(body)
        out.truncate(len(body) + (hole_mib << 20))
    paths["empty_entries"] = os.path.join(folder, "tail-empty.log")
    empty = encode_entry(b"", timestamp_ns=stamp + 10**10)
    with open(paths["empty_entries"], "wb") as out:
        out.write(body)
        chunk = empty * 100_000
        for _ in range(100):  # ten million
            out.write(chunk)
    results: dict[str, object] = {"hole_mib": hole_mib}
    best: dict[str, tuple[float, float]] = {}
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
    for _ in range(TAIL_RUNS):  # interleaved, so that every log meets the same machine
        for name, path in paths.items():
            runs[name].append(_tail_run(path))
    for name, measured in runs.items():
        best[name] = (min(r[0] for r in measured), max(r[1] for r in measured))
    for name, (seconds, peak) in best.items():
        results[name] = {
            "seconds": round(seconds, 3),
            "peak_mib": round(peak, 1),
            "time_ratio_to_plain": round(seconds / best["plain"][0], 2),
        }
    for path in paths.values():
        os.unlink(path)
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark's sections and print their JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10000, help="faulted logs to decode (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--hole-mib", type=int, default=1024, help="zero hole behind the tail (default 1024)")
    parser.add_argument("--no-tail", action="store_true", help="skip the tail section")
    args = parser.parse_args(argv)
    sections: dict[str, object] = {}
    sections["faults"] = faults_section(args.cases, args.seed)
    if not args.no_tail:
        sections["tail"] = tail_section(args.hole_mib)
    print(json.dumps(sections, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
