"""Full passes against the machine's limit: iolog (C speed-up and pure Python) beside plain C; JSON only.

Compiles, at run time with the system's C compiler, a plain C reference
(``REFERENCE_C`` below): it maps the file and walks it from header to header
by the size characters, with no resync and no checks (``walk``), or walks
and writes each payload to stdout or stderr by its stream through 1 MiB
buffers (``cat``). Then, in one run and on the same files (generated once
into ``benchmarks/data/``, or ``--data DIR``), it times each pass of the native-speed issue
with the C speed-up and with ``IOLOG_PURE_PYTHON=1``, as subprocesses with
their output to ``/dev/null``, in rounds (every command once per round, so
load on the machine falls on all of them alike), and reports the best round
of each:

* ``stat``: ``iolog stat --json`` on 1 GiB, beside the C walk;
* ``cat`` and ``cat_timestamps``: ``iolog cat`` and ``iolog cat -t`` on
  300 MiB, beside the C cat;
* ``since_cold``: ``iolog cat --since S`` (S near the end) on 1 GiB never
  read before (no saved index), beside the same command on 1 MiB;
* ``viewer`` (unless ``--no-viewer``): the viewer on 1 GiB, headless, as
  ``bench_tui.py`` measures it (first screen, every line known, peak
  memory), and the search count as ``bench_search.py`` measures it.

Each pass carries its budget (a ratio, or seconds for the viewer) and
whether it was met.

Bytecode: an installed package has its modules compiled (``.pyc``); a run
from a checkout with ``PYTHONDONTWRITEBYTECODE=1`` compiles every module it
imports, every time. So every command is first run once, untimed, writing
the bytecode of what it imports into a temporary ``PYTHONPYCACHEPREFIX``,
and is then timed with that prefix: what an installation runs. ``iolog
cat`` is also timed without it (``cat_checkout``: compiled at each run).

``--passes cat`` (or ``stat``, ``since``, comma-separated) measures only
those passes, and makes only the logs they read.

Usage: ``python benchmarks/bench_native.py [--rounds 3] [--no-viewer] [--viewer-rounds 1]
[--passes LIST] [--pattern TEXT] [--data DIR]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from generate import generate  # noqa: E402

DATA = os.path.join(HERE, "data")
REPO = os.path.dirname(HERE)
GIB = 1 << 30
MIB = 1 << 20

REFERENCE_C = r"""
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static signed char value_of[256];
static unsigned char out_buffer[2][1 << 20];

static void put(int fd, const unsigned char *data, size_t length) {
    while (length) {
        ssize_t done = write(fd, data, length);
        if (done <= 0) exit(1);
        data += done;
        length -= (size_t)done;
    }
}

int main(int argc, char **argv) {
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(value_of, -1, sizeof value_of);
    for (int k = 0; k < 64; k++) value_of[(unsigned char)alphabet[k]] = (signed char)k;
    if (argc != 3) return 2;
    int cat = strcmp(argv[1], "cat") == 0;
    int fd = open(argv[2], O_RDONLY);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0) return 1;
    size_t size = (size_t)info.st_size, pos = 0, entries = 0, fill[2] = {0, 0};
    const unsigned char *map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    if (size && map == MAP_FAILED) return 1;
    while (pos + 16 <= size) {
        const unsigned char *h = map + pos;
        int a = value_of[h[10]], b = value_of[h[11]], c = value_of[h[12]], d = value_of[h[13]];
        if ((a | b | c | d) < 0) break;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        uint32_t bits = (v >> 12 & 0xff) | (v >> 4 & 0xff) << 8;
        size_t length = bits >> 4;
        if (pos + 16 + length > size) break;
        if (cat) {
            int stream = bits >> 3 & 1;
            if (fill[stream] + length > sizeof out_buffer[stream]) {
                put(stream + 1, out_buffer[stream], fill[stream]);
                fill[stream] = 0;
            }
            memcpy(out_buffer[stream] + fill[stream], h + 16, length);
            fill[stream] += length;
        }
        entries++;
        pos += 16 + length;
    }
    if (cat) {
        put(1, out_buffer[0], fill[0]);
        put(2, out_buffer[1], fill[1]);
    } else {
        printf("%zu\n", entries);
    }
    return 0;
}
"""


def _ensure(name: str, size: int, seed: int) -> str:
    """A generated log in the data folder (shared with ``bench_timenav.py``'s names)."""
    path = os.path.join(DATA, name)
    if not os.path.exists(path) or os.path.getsize(path) < size:
        os.makedirs(DATA, exist_ok=True)
        generate(path + ".tmp", size, seed=seed)
        os.replace(path + ".tmp", path)
    return path


def _compile_reference(folder: str) -> str:
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or "cc"
    source = os.path.join(folder, "reference.c")
    binary = os.path.join(folder, "reference")
    with open(source, "w") as out:
        out.write(REFERENCE_C)
    subprocess.run([compiler, "-O2", "-o", binary, source], check=True)
    return binary


def _since_arg(path: str) -> str:
    """A --since value a little before the end (about the last 100 lines)."""
    from iolog import LogFile

    with LogFile(path, cache=False) as log:
        entry = next(log.entries_from(log.tail(100).offset))
    return f"{entry.timestamp_ns // 1_000_000_000}.{entry.timestamp_ns % 1_000_000_000:09d}"


def _seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - start


def _environments(pycache_prefix: str | None = None) -> dict[str, dict[str, str]]:
    """The C speed-up's and pure Python's environments; with a bytecode folder if given."""
    base = {key: value for key, value in os.environ.items() if key != "IOLOG_PURE_PYTHON"}
    base["IOLOG_CACHE_DIR"] = "off"  # every run reads its log as if never read before
    if pycache_prefix is not None:
        base["PYTHONPYCACHEPREFIX"] = pycache_prefix
    return {"native": base, "pure": {**base, "IOLOG_PURE_PYTHON": "1"}}


def _compile_bytecode(commands: dict[str, tuple[list[str], dict[str, str]]]) -> None:
    """Run each command once, untimed, letting Python write the bytecode of what it imports.

    Into a prefix named ``checkout``, then, the project's own modules are
    taken out again: as from a checkout, only the standard library's
    bytecode is there, and every run compiles the project's modules.
    """
    for command, env in commands.values():
        env = {**env, "PYTHONDONTWRITEBYTECODE": ""}
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    for _command, env in commands.values():
        prefix = env.get("PYTHONPYCACHEPREFIX", "")
        if os.path.basename(prefix) == "checkout":
            shutil.rmtree(os.path.join(prefix, REPO.lstrip(os.sep)), ignore_errors=True)


def _native_built() -> bool:
    probe = "import iolog._native as n; print(n.BUILT is not None)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.strip() == "True"


PASSES = ("stat", "cat", "since")


def measure_passes(rounds: int, passes: tuple[str, ...] = PASSES) -> dict[str, object]:
    """Time the CLI passes (``stat``, ``cat``, ``since``) and the C reference in rounds; the best of each."""
    walked = "stat" in passes or "since" in passes
    big = _ensure("big-plain.log", GIB, seed=1) if walked else ""
    small = _ensure("small-plain.log", MIB, seed=1) if "since" in passes else ""
    cat_log = _ensure("cat-300M.log", 300 * MIB, seed=2) if "cat" in passes else ""
    since = {path: _since_arg(path) for path in (big, small)} if "since" in passes else {}
    iolog = [sys.executable, "-m", "iolog"]
    with tempfile.TemporaryDirectory() as folder:
        envs = _environments(os.path.join(folder, "pycache"))
        reference = _compile_reference(folder)
        commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        if walked:
            commands["c_walk_1GiB"] = ([reference, "walk", big], envs["native"])
        if "cat" in passes:
            commands["c_cat_300MiB"] = ([reference, "cat", cat_log], envs["native"])
        for kind, env in envs.items():
            if "stat" in passes:
                commands[f"stat_1GiB_{kind}"] = ([*iolog, "stat", "--json", big], env)
            if "cat" in passes:
                commands[f"cat_300MiB_{kind}"] = ([*iolog, "cat", "-q", cat_log], env)
                commands[f"cat_t_300MiB_{kind}"] = ([*iolog, "cat", "-q", "-t", cat_log], env)
                if kind == "native":
                    checkout = {**env, "PYTHONPYCACHEPREFIX": os.path.join(folder, "checkout"),
                                "PYTHONDONTWRITEBYTECODE": "1"}
                    commands["cat_300MiB_native_checkout"] = ([*iolog, "cat", "-q", cat_log], checkout)
            if "since" in passes:
                commands[f"since_cold_1GiB_{kind}"] = ([*iolog, "cat", "-q", "--since", since[big], big], env)
                commands[f"since_cold_1MiB_{kind}"] = (
                    [*iolog, "cat", "-q", "--since", since[small], small], env
                )
        for path in (path for path in (big, small, cat_log) if path):  # into the page cache
            subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)
        _compile_bytecode(commands)
        best = {name: float("inf") for name in commands}
        for _ in range(rounds):
            for name, (command, env) in commands.items():
                best[name] = min(best[name], _seconds(command, env))
    seconds = {name: round(value, 3) for name, value in best.items()}

    def compared(name: str, floor: str, budget: float) -> dict[str, object]:
        ratios = {kind: round(best[f"{name}_{kind}"] / best[floor], 2) for kind in envs}
        return {
            "native_s": seconds[f"{name}_native"],
            "pure_s": seconds[f"{name}_pure"],
            "against": floor,
            "against_s": seconds[floor],
            "ratio_native": ratios["native"],
            "ratio_pure": ratios["pure"],
            "budget_ratio": budget,
            "budget_met": ratios["native"] <= budget,
        }

    report: dict[str, object] = {
        "rounds": rounds,
        "bytecode": "compiled once before timing into a temporary PYTHONPYCACHEPREFIX, as installed; "
                    "cat_checkout: every module compiled at each run (PYTHONDONTWRITEBYTECODE=1)",
        "seconds": seconds,
    }
    if "stat" in passes:
        report["stat"] = compared("stat_1GiB", "c_walk_1GiB", 3)
    if "cat" in passes:
        report["cat"] = compared("cat_300MiB", "c_cat_300MiB", 3)
        report["cat_timestamps"] = compared("cat_t_300MiB", "c_cat_300MiB", 5)
        report["cat_checkout"] = {
            "native_s": seconds["cat_300MiB_native_checkout"],
            "against_s": seconds["c_cat_300MiB"],
            "ratio_native": round(best["cat_300MiB_native_checkout"] / best["c_cat_300MiB"], 2),
        }
    if "since" not in passes:
        return report
    since_1mib = {kind: best[f"since_cold_1MiB_{kind}"] for kind in envs}
    since_ratio = {kind: round(best[f"since_cold_1GiB_{kind}"] / since_1mib[kind], 2) for kind in envs}
    report["since_cold"] = {
        "native_s": seconds["since_cold_1GiB_native"],
        "pure_s": seconds["since_cold_1GiB_pure"],
        "same_on_1MiB_native_s": seconds["since_cold_1MiB_native"],
        "same_on_1MiB_pure_s": seconds["since_cold_1MiB_pure"],
        "ratio_native": since_ratio["native"],
        "ratio_pure": since_ratio["pure"],
        "against_c_walk_native": round(best["since_cold_1GiB_native"] / best["c_walk_1GiB"], 2),
        "budget_ratio": 4,
        "budget_met": since_ratio["native"] <= 4,
    }
    return report


def _search_count(path: str, pattern: str) -> dict[str, object]:
    from bench_search import measure  # type: ignore[import-not-found]

    result: dict[str, object] = asyncio.run(measure(path, pattern))
    return result


def _viewer_once(big: str, small: str, pattern: str, env: dict[str, str]) -> dict[str, object]:
    """The viewer and the search count on ``big``, fresh processes under ``env`` (bytecode written first)."""
    from bench_tui import measure_iolog_tui  # type: ignore[import-not-found]

    search_command = [
        sys.executable, "-c",
        "import json, sys; sys.path.insert(0, sys.argv[1]); import bench_native; "
        "print(json.dumps(bench_native._search_count(sys.argv[2], sys.argv[3])))",
    ]
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update({key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"})
        measure_iolog_tui(small)  # untimed: the bytecode of what the viewer imports
        subprocess.run([*search_command, HERE, small, pattern], capture_output=True, check=True, timeout=600)
        os.environ.clear()
        os.environ.update(env)
        shown = measure_iolog_tui(big)
        search = subprocess.run([*search_command, HERE, big, pattern],
                                capture_output=True, text=True, check=True, timeout=1800)
        counted = json.loads(search.stdout.strip().splitlines()[-1])
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "first_screen_s": shown["first_screen_s"],
        "every_line_known_s": shown["scan_done_s"],
        "peak_rss_mib": shown["peak_rss_mib"],
        "rows": shown["rows"],
        "search_matches": counted["matches"],
        "search_count_s": counted["full_count_s"],
    }


def measure_viewer(pattern: str, rounds: int = 1) -> dict[str, object]:
    """The viewer on 1 GiB (each implementation in a fresh process, in rounds): scan, memory, search count.

    Each figure is the best of the rounds (the least time, the least peak
    memory); every round's figures are listed beside it.
    """
    big = _ensure("big-plain.log", GIB, seed=1)
    small = _ensure("small-plain.log", MIB, seed=1)
    report: dict[str, object] = {"rounds": rounds, "search_pattern": pattern}
    runs: dict[str, list[dict[str, object]]] = {"native": [], "pure": []}
    with tempfile.TemporaryDirectory() as folder:
        envs = _environments(os.path.join(folder, "pycache"))
        for _ in range(rounds):
            for kind, env in envs.items():
                runs[kind].append(_viewer_once(big, small, pattern, env))
    for kind, measured in runs.items():
        best: dict[str, object] = {}
        for name in measured[0]:
            values = [run[name] for run in measured]
            best[name] = min(values)  # type: ignore[type-var]
            if name not in ("rows", "search_matches"):
                best[f"{name}_runs"] = values
        report[kind] = best
    native = report["native"]
    assert isinstance(native, dict)
    report["budgets"] = {
        "every_line_known_within_3_s": native["every_line_known_s"] <= 3,
        "search_count_within_3_s": native["search_count_s"] <= 3,
        "peak_rss_at_most_120_mib": native["peak_rss_mib"] <= 120,
    }
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-viewer", action="store_true", help="skip the viewer and the search count")
    parser.add_argument("--viewer-rounds", type=int, default=1, help="rounds of the viewer's measures")
    parser.add_argument("--passes", default=",".join(PASSES),
                        help=f"which CLI passes to time, comma-separated (default: {','.join(PASSES)})")
    parser.add_argument("--pattern", default="failed db", help="the viewer's search (default: 'failed db')")
    parser.add_argument("--data", default=None, help="where the logs are made (default: benchmarks/data)")
    args = parser.parse_args(argv)
    if args.data:
        global DATA
        DATA = args.data
    if not _native_built():
        print("bench_native: the C speed-up is not built here (pip install . with a C compiler)",
              file=sys.stderr)
        return 1
    passes = tuple(name for name in args.passes.split(",") if name)
    unknown = sorted(set(passes) - set(PASSES))
    if unknown:
        parser.error(f"--passes: unknown {', '.join(unknown)} (known: {', '.join(PASSES)})")
    report: dict[str, object] = {"cpus": os.cpu_count(), "passes": measure_passes(args.rounds, passes)}
    if not args.no_viewer:
        report["viewer"] = measure_viewer(args.pattern, args.viewer_rounds)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
