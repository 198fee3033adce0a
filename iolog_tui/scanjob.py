"""The scan worker's job: the viewer's file read into rows, then followed.

This module owns the order in which the viewer reads its file, in a worker
thread: for a "since", seek through the time index (reporting its progress)
and learn which lines are open there (:mod:`iolog_tui.model.navigation`); scan to
the end with :func:`~iolog_tui.model.scan.scan_file`, handing every batch over as
it comes (and waiting, once, for the first screenful to be drawn); settle the
end of a file that is not followed; then, once following is asked for, take
the provisional tail back and follow the file until it is truncated or
replaced (the panes start a new scan then). Everything the job learns reaches
the panes as the messages of :mod:`iolog_tui.messages`, through ``post``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from textual.message import Message

from iolog import SourceState, SourceStatus

from .messages import IndexProgress, RowsFound, ScanFailed, ScanFinished, SourceChanged
from .model.navigation import Navigator
from .model.scan import RowScanner, scan_file, settle_tail

__all__ = ["SCAN_BATCH_INTERVAL_S", "WAIT_FOR_FOLLOW_S", "run_scan"]

#: Shortest time between two row batches of a scan (each one costs a redraw).
SCAN_BATCH_INTERVAL_S = 0.25
#: How often a scan that has reached the end looks whether following was asked for.
WAIT_FOR_FOLLOW_S = 0.05


def run_scan(
    path: str,
    navigator: Navigator,
    generation: int,
    *,
    since_ns: int | None,
    until_ns: int | None,
    post: Callable[[Message], object],
    cancelled: Callable[[], bool],
    tailing: Callable[[], bool],
    first_batch_shown: Callable[[], object] = lambda: None,
) -> None:
    """Read ``path`` into rows of model generation ``generation``, then follow it if asked.

    Never raises: a failure is posted as :class:`~iolog_tui.messages.ScanFailed`.

    Args:
        path: the log file.
        navigator: the file's time index and follower.
        generation: the model generation the rows are for.
        since_ns: show the lines that begin at or after this time.
        until_ns: show the lines that begin before this time.
        post: hands a message to the panes (from this thread).
        cancelled: true once the job should end.
        tailing: whether the file is to be followed (polled).
        first_batch_shown: called after the first batch is posted; returns
            when the panes have drawn it (or has waited long enough).
    """
    try:
        start = 0
        open_lines = (False, False)
        if since_ns is not None:

            def progress(done_bytes: int, total_bytes: int) -> None:
                post(IndexProgress(generation, done_bytes, total_bytes))

            start = navigator.seek(since_ns, progress=progress, should_stop=cancelled)
            open_lines = navigator.lines_open_at(start)
        scanner = RowScanner(generation, since_ns=since_ns, until_ns=until_ns, open_lines=open_lines)
        resume = start
        following = tailing()
        batches = scan_file(
            path, scanner, start=start, end_of_input=False, min_interval_s=SCAN_BATCH_INTERVAL_S
        )
        for number, batch in enumerate(batches):
            if cancelled():
                return
            resume = batch.scanned_to
            post(RowsFound(batch, os.path.getsize(path)))
            if not number:
                # Let the UI draw the first screenful before the rest of the
                # scan competes with it for the interpreter.
                first_batch_shown()
        if not following:
            # The decoder holds back the last entry until its successor
            # shows; at the end of a finished file, settle it.
            resume = settle_tail(path, scanner, resume)
            post(RowsFound(scanner.take(resume), os.path.getsize(path)))
        post(ScanFinished(generation))
        while not following:
            if cancelled():
                return
            time.sleep(WAIT_FOR_FOLLOW_S)
            following = tailing()
        scanner.retract_tail()
        post(RowsFound(scanner.take(resume), 0))
        for events in navigator.follow(resume):
            if cancelled():
                return
            if not events:
                continue
            restart = False
            for event in events:
                if isinstance(event, SourceStatus):
                    post(SourceChanged(generation, event))
                    restart = restart or event.state in (SourceState.TRUNCATED, SourceState.REPLACED)
            if restart:
                return
            scanner.feed(events)
            post(RowsFound(scanner.take(resume), os.path.getsize(path)))
    except Exception as exc:  # noqa: BLE001 - shown on the status bar, never a crash
        if not cancelled():
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            post(ScanFailed(generation, f"{type(exc).__name__}: {reason}"))
