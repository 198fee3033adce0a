"""The merged scan worker's job: several logs read into rows merged by time, then followed.

This module owns the order in which the viewer reads several logs, in a
worker thread, as :mod:`~iolog_tui.scanjob` does for one: for a "since",
each log is sought through its own time index; every log is scanned to its
end, the rows merged by time as they come
(:func:`~iolog_tui.model.mergescan.merged_scan`: the first screenful shows
once each log's first batch is read); then every log is followed. At each
poll, what arrived in all the logs is appended in time order, as ``iolog cat
-f`` prints it (a line older than rows already shown comes after them; its
own log's clock-step row says so when that log's clock went back). A folder
given on the command line is looked at again every second: a log that
appears in it joins the view (:attr:`~iolog_tui.model.mergescan.MergedRowBatch.new_logs`).
A log truncated or replaced starts the whole scan again, as for one log.
Everything reaches the panes as the messages of :mod:`iolog_tui.messages`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence

from textual.message import Message

from iolog import Entry, LogFile, LogSet, Skipped, SourceState, SourceStatus, Truncated

from .messages import RowsFound, ScanFailed, ScanFinished, SourceChanged
from .model.mergescan import RowMerge, TimedRowScanner, follow_batch, merged_scan
from .model.navigation import Navigator
from .scanjob import SCAN_BATCH_INTERVAL_S, WAIT_FOR_FOLLOW_S

__all__ = ["RESCAN_S", "run_merged_scan"]

#: How often a followed folder is looked at for logs that appear in it.
RESCAN_S = 1.0
#: Sleep between polls of the followed logs when none had anything new.
_POLL_S = 0.05


def run_merged_scan(
    logs: Sequence[tuple[str, str]],
    generation: int,
    *,
    since_ns: int | None,
    until_ns: int | None,
    post: Callable[[Message], object],
    cancelled: Callable[[], bool],
    tailing: Callable[[], bool],
    first_batch_shown: Callable[[], object] = lambda: None,
    specs: Sequence[str] = (),
) -> None:
    """Read ``logs`` (``(path, name)``) into merged rows of generation ``generation``, then follow them.

    Never raises: a failure is posted as :class:`~iolog_tui.messages.ScanFailed`.

    Args:
        logs: the logs, in the order given.
        generation: the model generation the rows are for.
        since_ns: show the lines that begin at or after this time.
        until_ns: show the lines that begin before this time.
        post: hands a message to the panes (from this thread).
        cancelled: true once the job should end.
        tailing: whether the logs are to be followed (polled).
        first_batch_shown: called after the first batch is posted; returns
            when the panes have drawn it (or has waited long enough).
        specs: the command line's logs and folders (the folders are looked
            at again while following).
    """
    paths = [path for path, _name in logs]
    try:
        starts: list[int] = []
        scanners: list[TimedRowScanner] = []
        for path in paths:
            start, open_lines = 0, (False, False)
            if since_ns is not None:
                navigator = Navigator(path)
                try:
                    start = navigator.seek(since_ns, should_stop=cancelled)
                    open_lines = navigator.lines_open_at(start)
                finally:
                    navigator.close()
            starts.append(start)
            scanners.append(TimedRowScanner(generation, since_ns=since_ns, until_ns=until_ns,
                                            open_lines=open_lines))
        merge = RowMerge(len(paths))
        resumes: list[int] = []
        following = tailing()
        batches = merged_scan(paths, merge, scanners, starts, min_interval_s=SCAN_BATCH_INTERVAL_S,
                              resumes=resumes, final=not following)
        for number, batch in enumerate(batches):
            if cancelled():
                return
            post(RowsFound(batch, _total_size(paths)))
            if not number:
                first_batch_shown()
        post(ScanFinished(generation))
        while not following:  # finished logs, settled: nothing is taken back
            if cancelled():
                return
            time.sleep(WAIT_FOR_FOLLOW_S)
            following = tailing()
        _follow(paths, scanners, merge, resumes, generation, post=post, cancelled=cancelled, specs=specs)
    except Exception as exc:  # noqa: BLE001 - shown on the status bar, never a crash
        if not cancelled():
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            post(ScanFailed(generation, f"{type(exc).__name__}: {reason}"))


def _total_size(paths: Sequence[str]) -> int:
    total = 0
    for path in paths:
        try:
            total += os.path.getsize(path)
        except OSError:
            pass
    return total


def _follow(
    paths: list[str],
    scanners: list[TimedRowScanner],
    merge: RowMerge,
    resumes: list[int],
    generation: int,
    *,
    post: Callable[[Message], object],
    cancelled: Callable[[], bool],
    specs: Sequence[str],
) -> None:
    """Follow every log: what arrives at each poll, appended in time order; new logs of a folder join."""
    files = [LogFile(path) for path in paths]
    followers: list[Iterator[list[Entry | Skipped | Truncated | SourceStatus]]] = [
        log.follow(resume, poll_interval_s=0) for log, resume in zip(files, resumes, strict=True)
    ]
    positions = list(resumes)
    folders, appeared = _folder_watch(specs, paths)
    next_scan = time.monotonic() + RESCAN_S
    try:
        while not cancelled():
            arrived = []
            for log, follower in enumerate(followers):
                events = next(follower)
                if not events:
                    continue
                restart = False
                for event in events:
                    if isinstance(event, SourceStatus):
                        post(SourceChanged(generation, event))
                        restart = restart or event.state in (SourceState.TRUNCATED, SourceState.REPLACED)
                    elif isinstance(event, Entry):
                        positions[log] = max(positions[log], event.end_offset or 0)
                    else:
                        positions[log] = max(positions[log], event.end_offset)
                if restart:
                    return
                scanners[log].feed(events)
                rows, stamps = scanners[log].take_timed(positions[log])
                arrived.append((log, rows, stamps))
            new_logs: list[tuple[str, str]] = []
            if folders is not None and (appeared or time.monotonic() >= next_scan):
                next_scan = time.monotonic() + RESCAN_S
                joining = appeared + [(log.path, log.name) for log in folders.rescan()]
                appeared = []
                for path, name in joining:
                    try:
                        file = LogFile(path)
                    except OSError:
                        continue  # gone again (or unreadable) before it could join
                    new_logs.append((path, name))
                    merge.add_log()
                    paths.append(path)
                    scanners.append(TimedRowScanner(generation))
                    positions.append(0)
                    files.append(file)
                    followers.append(file.follow(0, poll_interval_s=0))
            if arrived or new_logs:
                batch = follow_batch(generation, merge, arrived,
                                     rows_seen=lambda: sum(scanner.rows_seen for scanner in scanners))
                batch.new_logs = new_logs
                batch.scanned_to = sum(positions)
                post(RowsFound(batch, 0))
            else:
                time.sleep(_POLL_S)
    finally:
        for follower in followers:
            follower.close()  # type: ignore[attr-defined]
        for file in files:
            file.close()


def _folder_watch(specs: Sequence[str], paths: Sequence[str]) -> tuple[LogSet | None, list[tuple[str, str]]]:
    """The command line's logs, to look at its folders again, and the logs that appeared since the scan began.

    ``None`` when the command line names no folder.
    """
    if not any(os.path.isdir(spec) for spec in specs):
        return None, []
    try:
        watch = LogSet(list(specs), quiet=True)
    except Exception:  # noqa: BLE001 - a folder gone since: it is not looked at again
        return None, []
    known = {os.path.realpath(path) for path in paths}
    return watch, [(log.path, log.name) for log in watch.logs if os.path.realpath(log.path) not in known]
