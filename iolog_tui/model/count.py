"""Testing rows as the scan adds them: the background search count, the filter, its counts.

This module owns the loop that a search's match count, the filter stack and
each filter's count run in a worker thread: test the model's rows from a start row with
:func:`~iolog_tui.model.search.scan_rows`, block by block, then wait for the
scan to add more, until the scan is done (and the file is not followed) or
the model starts over. Once the scan is done, a long range is tested in
two halves at once, the second in a thread of its own (the codec's bulk
search releases the interpreter, so the two use both cores), and the second
half's rows are handed on after the first's. While the viewer still scans
the file it sleeps a
little now and then between blocks, so that keys and that scan are not kept
waiting; otherwise it never gives the interpreter up on purpose (the
codec's bulk search releases it while it works, and every sleep, even of
zero, costs tens of microseconds a block).
"""

from __future__ import annotations

import threading
import time
from array import array
from collections.abc import Callable, Iterator

from .mergedrows import RowPlaces
from .rows import LogModel
from .search import RowTest, ScanBatch, scan_rows

__all__ = ["COUNT_PAUSE_EVERY_S", "COUNT_PAUSE_S", "POLL_S", "SPLIT_ROWS", "follow_rows", "scanned_fraction"]

#: How long the loop waits for new rows once it has tested them all.
POLL_S = 0.1
#: How long the count sleeps between blocks while the viewer still scans the file ...
COUNT_PAUSE_S = 0.003
#: ... at most once per this long.
COUNT_PAUSE_EVERY_S = 0.02
#: A range of at least this many rows is tested in two halves at once (the scan being done).
SPLIT_ROWS = 1 << 19


def follow_rows(
    model: LogModel,
    generation: int,
    start_row: int,
    test: RowTest,
    cancelled: Callable[[], bool],
    *,
    scanning: Callable[[], bool],
    tailing: Callable[[], bool],
    needle: bytes | None = None,
    exact_case: bool = True,
) -> Iterator[tuple[ScanBatch, bool]]:
    """Test ``model`` 's rows from ``start_row`` as they arrive (in a worker).

    Args:
        model: the rows; only read (see the thread rule in :mod:`iolog_tui.model`).
        generation: the model generation to test; the loop ends when it changes.
        start_row: the first row to test.
        test: ``test(kind, message)``, true for a row that passes.
        cancelled: true once the loop should end.
        scanning: true while the viewer still scans the file.
        tailing: true while the file is followed (the loop then never ends by itself).
        needle, exact_case: as for :func:`~iolog_tui.model.search.scan_rows`.

    Yields:
        ``(batch, caught_up)``: the rows of each block that passed; a last,
        empty batch with ``caught_up`` true once every row the scan found is
        tested (again after new rows, while following).
    """
    done = start_row
    announced = False
    paused_at = time.monotonic()

    def should_stop() -> bool:
        return cancelled() or model.generation != generation

    def pause() -> None:
        nonlocal paused_at
        if scanning():
            now = time.monotonic()
            if now - paused_at >= COUNT_PAUSE_EVERY_S:
                time.sleep(COUNT_PAUSE_S)
                paused_at = now + COUNT_PAUSE_S

    while not should_stop():
        end = len(model)
        if done < end:
            announced = False
            if end - done >= SPLIT_ROWS and not scanning():
                batches = _in_two(model, done, end, test, should_stop, needle, exact_case)
            else:
                batches = scan_rows(
                    model.path, model.offsets, model.kinds, done, end, test,
                    should_stop=should_stop, needle=needle, exact_case=exact_case,
                    between_blocks=pause,
                )
            for batch in batches:
                done = batch.done_row
                yield batch, False
            continue
        if not scanning() and not announced:
            announced = True
            yield ScanBatch(array("I"), done), True
            if not tailing():
                return
        time.sleep(POLL_S)


def _in_two(
    model: LogModel,
    start_row: int,
    end_row: int,
    test: RowTest,
    should_stop: Callable[[], bool],
    needle: bytes | None,
    exact_case: bool,
) -> Iterator[ScanBatch]:
    """:func:`~iolog_tui.model.search.scan_rows` of ``[start_row, end_row)``, its halves at once.

    The first half's batches come as they are found; the second half's
    rows, found meanwhile by another thread, in one batch after them.
    """
    middle = (start_row + end_row) // 2
    later: list[ScanBatch] = []
    failed: list[BaseException] = []

    def second_half() -> None:
        try:
            later.extend(scan_rows(model.path, model.offsets, model.kinds, middle, end_row, test,
                                   should_stop=should_stop, needle=needle, exact_case=exact_case))
        except BaseException as error:  # noqa: BLE001 - raised in the caller's thread
            failed.append(error)

    helper = threading.Thread(target=second_half, name="count-second-half", daemon=True)
    helper.start()
    done = start_row
    try:
        for batch in scan_rows(model.path, model.offsets, model.kinds, start_row, middle, test,
                               should_stop=should_stop, needle=needle, exact_case=exact_case):
            done = batch.done_row
            yield batch
    finally:
        helper.join()
    if failed:
        raise failed[0]
    if done < middle or should_stop():
        return  # stopped early: the second half's rows are not handed on
    rows = array("I")
    for batch in later:
        rows.extend(batch.rows)
    yield ScanBatch(rows, later[-1].done_row if later else middle)


def scanned_fraction(model: LogModel, row: int, *, scanning: bool) -> float:
    """How far into the file a test that has reached model row ``row`` is (for progress)."""
    if row >= len(model) or not len(model):
        return 0.99 if scanning else 1.0
    if isinstance(model.offsets, RowPlaces):  # several logs: a row's place is its number
        return min(0.99, row / len(model))
    size = model.size or 1
    return min(0.99, model.offsets[row] / size)
