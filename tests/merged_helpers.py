"""Fixture logs of several containers (a VIC datastore's folders) and the viewer on them, merged by time."""

from __future__ import annotations

from pathlib import Path

from iolog import LogWriter, Stream
from iolog_tui.app import IologApp
from iolog_tui.cli import build_parser, open_source

from .conftest import START_NS, StepClock, fixed_now

SECOND_NS = 1_000_000_000


def _write(path: Path, items: list[tuple[Stream, bytes]], clock: StepClock) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as sink:
        writers = {stream: LogWriter(sink, stream=stream, clock=clock) for stream in Stream}
        for stream, data in items:
            writers[stream].write(data)
        for writer in writers.values():
            writer.close()
    return path


def container_logs(root: Path, lines: int = 30) -> Path:
    """Three container folders, each with an ``output.log``, whose lines interleave in time.

    ``web`` answers requests every 2 s, ``db-primary`` checkpoints every 3 s
    (starting later), ``worker`` runs jobs every 5 s, with an error now and then.
    """
    web = []
    for number in range(lines):
        if number % 7 == 5:
            web.append((Stream.STDERR, b"WARN  upstream slow: /api/items took %d ms\n" % (900 + number)))
        else:
            web.append((Stream.STDOUT, b"INFO  GET /api/items/%d 200 %d ms\n" % (number, 3 + number % 9)))
    _write(root / "web" / "output.log", web, StepClock(START_NS, 2 * SECOND_NS))
    db = [(Stream.STDOUT, b"LOG:  checkpoint complete: wrote %d buffers\n" % (40 + 3 * number))
          for number in range(lines // 2)]
    _write(root / "db-primary" / "output.log", db, StepClock(START_NS + 7 * SECOND_NS, 3 * SECOND_NS))
    jobs = []
    for number in range(lines // 3):
        if number % 4 == 2:
            jobs.append((Stream.STDERR, b"ERROR job %d failed: connection reset by peer\n" % number))
        else:
            jobs.append((Stream.STDOUT, b"job %d done in %d.%d s\n" % (number, number % 4, number % 10)))
    _write(root / "worker" / "output.log", jobs, StepClock(START_NS + SECOND_NS, 5 * SECOND_NS))
    return root


def merged_app(*specs: Path, **options: object) -> IologApp:
    """The viewer on several logs or a folder of them, as ``iolog-tui SPEC...`` opens it."""
    args = build_parser().parse_args([str(spec) for spec in specs])
    return IologApp(open_source(args), clock=fixed_now, **options)  # type: ignore[arg-type]
