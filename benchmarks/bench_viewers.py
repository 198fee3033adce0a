"""iolog-tui beside toolong and lnav, in a real terminal (tmux); JSON only.

Each viewer opens the same log: iolog-tui the iolog file, toolong (``tl``)
and lnav an equal plain-text file (the same lines with docker timestamps,
made once by ``iolog cat -t``). Each runs in a fresh tmux session of 120x36;
the script polls the screen every 10 ms and reports:

* ``first_screen_s``: from launch until a screenful of log lines is shown (20
  lines with a timestamp, or all of a shorter log's; lnav starts at the end
  of a file, the others at the start);
* ``rss_mib_at_first_screen`` and ``peak_rss_mib``: the viewer process's
  resident memory then, and its peak (``VmHWM``) ``--window`` seconds after
  launch (default 10 s) - what it holds once it has had time to scan.

A viewer that is not installed is reported as such; nothing is estimated.
iolog-tui runs with its index cache off, so every run sees a fresh file.

Usage: ``python benchmarks/bench_viewers.py [--size 1G] [--window 10]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import generate, parse_size  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
SESSION = "iolog-bench-viewers"


def _ensure(size: int) -> tuple[str, str]:
    """The iolog log of ``size`` bytes and its plain-text twin."""
    os.makedirs(DATA, exist_ok=True)
    log = os.path.join(DATA, f"tui-{size}.log")
    if not os.path.exists(log):
        generate(log + ".tmp", size, seed=3)
        os.replace(log + ".tmp", log)
    text = log[:-4] + ".txt"
    if not os.path.exists(text):
        with open(text + ".tmp", "wb") as out:
            subprocess.run(
                [sys.executable, "-m", "iolog", "cat", "-q", "-t", log],
                stdout=out, stderr=subprocess.STDOUT, check=True,
            )
        os.replace(text + ".tmp", text)
    return log, text


_STAMP = re.compile(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d")
_SCREENFUL_LINES = 20


def _shows_log(screen: str, lines: int) -> bool:
    """Does the screen show ``lines`` timestamped log lines?"""
    return sum(1 for line in screen.splitlines() if _STAMP.search(line)) >= lines


def _screenful(text: str) -> int:
    """Lines that make a first screen of this log: 20, or fewer in a short log."""
    with open(text, "rb") as handle:
        count = sum(1 for _, line in zip(range(_SCREENFUL_LINES), handle, strict=False) if line.strip())
    return count


def _status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _measure(command: list[str], lines: int, window_s: float) -> dict[str, object]:
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    launched = time.perf_counter()
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", SESSION, "-x", "120", "-y", "36",
         "exec " + shlex.join(command)],
        check=True,
    )
    pid = int(
        subprocess.run(
            ["tmux", "display-message", "-p", "-t", SESSION, "#{pane_pid}"],
            capture_output=True, text=True, check=True,
        ).stdout
    )
    first_screen_s = None
    rss_at_first = None
    while time.perf_counter() - launched < window_s:
        screen = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", SESSION], capture_output=True, text=True
        ).stdout
        if _shows_log(screen, lines):
            first_screen_s = time.perf_counter() - launched
            rss_at_first = _status_kib(pid, "VmRSS")
            break
        time.sleep(0.01)
    time.sleep(max(0.0, window_s - (time.perf_counter() - launched)))
    try:
        peak = _status_kib(pid, "VmHWM")
    except OSError:
        peak = 0
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    return {
        "first_screen_s": round(first_screen_s, 3) if first_screen_s is not None else None,
        "rss_mib_at_first_screen": round(rss_at_first / 1024, 1) if rss_at_first else None,
        "peak_rss_mib": round(peak / 1024, 1) if peak else None,
    }


def main(argv: list[str] | None = None) -> int:
    """Measure each installed viewer on a small and a big log; print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G", help="the big log's size (default 1G)")
    parser.add_argument("--small", default="1K", help="the small log's size (default 1K)")
    parser.add_argument("--window", type=float, default=10.0, help="seconds per run")
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        print(json.dumps({"error": "tmux is not installed"}))
        return 1
    tui = shutil.which("iolog-tui") or os.path.join(os.path.dirname(sys.executable), "iolog-tui")
    viewers = {
        "iolog-tui": ["env", "IOLOG_CACHE_DIR=off", tui],
        "toolong": [shutil.which("tl") or "tl"],
        "lnav": [shutil.which("lnav") or "lnav"],
    }
    report: dict[str, object] = {"terminal": "tmux 120x36", "window_s": args.window}
    for label, size_text in (("small", args.small), ("big", args.size)):
        log, text = _ensure(parse_size(size_text))
        results: dict[str, object] = {"iolog_bytes": os.path.getsize(log),
                                      "text_bytes": os.path.getsize(text)}
        for name, command in viewers.items():
            if shutil.which(command[-1]) is None and not os.path.exists(command[-1]):
                results[name] = {"installed": False}
                continue
            target = log if name == "iolog-tui" else text
            results[name] = _measure([*command, target], _screenful(text), args.window)
        report[label] = results
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
