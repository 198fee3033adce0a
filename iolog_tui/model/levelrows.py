"""Levels in the viewer's rows: the level filter's choice and the background level count.

This module owns what the viewer does with a line's level, without Textual;
the level itself is :func:`iolog.detect_level` 's (one rule for ``iolog
stat`` and the viewer). An *error line* is one whose level is ERROR or
worse (FATAL, CRITICAL, PANIC...); a *warning line* is one at WARN. A line
on stderr has no level for being there: only its text counts.

- :class:`LevelChoice` is the level filter (``L``): every line, warnings and
  worse, or errors only; :func:`level_test` is its test of a row, AND-ed with
  the stream choice and the text filter by the filter bar.
- :func:`follow_levels` finds the error and warning lines among the model's
  rows in a worker thread, block by block, then as rows arrive (as
  :func:`~iolog_tui.model.count.follow_rows` does for the search count). It
  reads each block once with :func:`~iolog_tui.model.search.scan_rows`,
  keeping the lines at WARN or worse, and walks the block a second time to
  tell errors from warnings by the levels found the first time (looked up by
  the message, so :func:`iolog.detect_level` runs once per line).
- :func:`next_level_row` steps through such rows in a pane, as ``e``/``E``
  and ``w``/``W`` do.
"""

from __future__ import annotations

import enum
import time
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from iolog import Level, detect_level

from .count import POLL_S
from .rows import LogModel, RowView
from .search import RowTest, scan_rows, view_index

__all__ = [
    "LevelBatch",
    "LevelChoice",
    "LineLevel",
    "follow_levels",
    "level_of",
    "level_test",
    "next_level_row",
]

#: How often a level count that gives way looks again.
_GIVE_WAY_S = 0.05
#: Rows read in one block of the level count (its two walks share the OS's cache of the block).
BLOCK_ROWS = 50_000


class LineLevel(enum.Enum):
    """What ``e`` and ``w`` look for: an error line (ERROR or worse) or a warning line (WARN)."""

    ERROR = "error"
    WARNING = "warning"

    def holds(self, level: Level | None) -> bool:
        """Whether a line of ``level`` is one of these."""
        if level is None:
            return False
        return level >= Level.ERROR if self is LineLevel.ERROR else level == Level.WARN


class LevelChoice(enum.Enum):
    """The level filter (``L`` cycles in this order): every line, warnings and worse, errors only."""

    ALL = "all"
    WARNINGS = "warnings"
    ERRORS = "errors"

    def next(self) -> LevelChoice:
        """The choice after this one in the cycle."""
        members = list(LevelChoice)
        return members[(members.index(self) + 1) % len(members)]

    @property
    def minimum(self) -> Level | None:
        """The least level a line shown has (``None``: every line)."""
        return {LevelChoice.ALL: None, LevelChoice.WARNINGS: Level.WARN,
                LevelChoice.ERRORS: Level.ERROR}[self]

    @property
    def label(self) -> str:
        """How the status bar names the choice."""
        return {LevelChoice.ALL: "all lines", LevelChoice.WARNINGS: "warnings and worse",
                LevelChoice.ERRORS: "errors only"}[self]

    @property
    def short_label(self) -> str:
        """The choice in few cells, for a narrow status bar."""
        return {LevelChoice.ALL: "all", LevelChoice.WARNINGS: "warn+",
                LevelChoice.ERRORS: "errors"}[self]


def level_of(message: bytes) -> Level | None:
    """A row message's level (``None``: none), as :func:`iolog.detect_level` says."""
    span = detect_level(message)
    return None if span is None else span.level


def level_test(choice: LevelChoice) -> RowTest | None:
    """``test(kind, message)`` for rows at ``choice`` 's level or worse; ``None`` for every row."""
    minimum = choice.minimum
    if minimum is None:
        return None

    def test(_kind: int, message: bytes) -> bool:
        span = detect_level(message)
        return span is not None and span.level >= minimum

    return test


@dataclass(slots=True)
class LevelBatch:
    """Error and warning lines found since the last batch.

    Attributes:
        errors: model rows of error lines, increasing.
        warnings: model rows of warning lines, increasing.
        done_row: every row below it has been decided.
        caught_up: every row the scan has found so far is decided.
    """

    errors: array[int] = field(default_factory=lambda: array("I"))
    warnings: array[int] = field(default_factory=lambda: array("I"))
    done_row: int = 0
    caught_up: bool = False


def level_rows(
    path: str,
    offsets: array[int],
    kinds: array[int],
    start_row: int,
    end_row: int,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    between_blocks: Callable[[], None] | None = None,
) -> Iterator[LevelBatch]:
    """The error and warning lines among rows ``[start_row, end_row)``, block by block.

    Yields:
        One :class:`LevelBatch` per block of at most :data:`BLOCK_ROWS`
        rows (fewer when stopped); the last has ``done_row == end_row``.
    """
    end_row = min(end_row, len(offsets))
    row = start_row
    while row < end_row and not should_stop():
        block_end = min(end_row, row + BLOCK_ROWS)
        batch = _block_levels(path, offsets, kinds, row, block_end, should_stop, between_blocks)
        if batch is None:
            return
        yield batch
        row = block_end


def _block_levels(
    path: str,
    offsets: array[int],
    kinds: array[int],
    start_row: int,
    end_row: int,
    should_stop: Callable[[], bool],
    between_blocks: Callable[[], None] | None,
) -> LevelBatch | None:
    """The error and warning lines of one block of rows (``None``: stopped)."""
    levels: dict[bytes, Level] = {}

    def flag(_kind: int, message: bytes) -> bool:
        span = detect_level(message)
        if span is None or span.level < Level.WARN:
            return False
        levels[bytes(message)] = span.level  # a message may be a slice of a bytearray (unhashable)
        return True

    flagged = array("I")
    for batch in scan_rows(path, offsets, kinds, start_row, end_row, flag, should_stop=should_stop,
                           between_blocks=between_blocks):
        flagged.extend(batch.rows)
    if should_stop():
        return None
    errors = array("I")
    if any(level >= Level.ERROR for level in levels.values()):
        get = levels.get

        def is_error(_kind: int, message: bytes) -> bool:
            level = get(bytes(message))
            return level is not None and level >= Level.ERROR

        # The second walk tells errors from warnings by the levels the first one found.
        for batch in scan_rows(path, offsets, kinds, flagged[0], flagged[-1] + 1, is_error,
                               should_stop=should_stop, between_blocks=between_blocks):
            errors.extend(batch.rows)
        if should_stop():
            return None
    error_set = set(errors)
    warnings = array("I", (number for number in flagged if number not in error_set))
    return LevelBatch(errors, warnings, end_row)


def follow_levels(
    model: LogModel,
    generation: int,
    cancelled: Callable[[], bool],
    *,
    scanning: Callable[[], bool],
    tailing: Callable[[], bool],
    busy: Callable[[], bool] = lambda: False,
) -> Iterator[LevelBatch]:
    """Find the model's error and warning lines from the top, as rows arrive (in a worker).

    It gives way: between blocks it waits while the scan runs or ``busy``
    says another pass has priority (a search count), so that knowing every
    line and the search count keep their speed; it reads the text of every
    line, which costs several times what they do.

    The loop of :func:`~iolog_tui.model.count.follow_rows`: it ends when
    ``cancelled`` turns true, when the model starts over, or once every row
    is decided and the scan is done (unless the file is followed).

    Yields:
        :class:`LevelBatch` es; one with ``caught_up`` after every row the
        scan found is decided (again after new rows, while following).
    """
    done = 0
    announced = False

    def should_stop() -> bool:
        return cancelled() or model.generation != generation

    def pause() -> None:
        while (scanning() or busy()) and not should_stop():
            time.sleep(_GIVE_WAY_S)

    while not should_stop():
        end = len(model)
        if done < end:
            announced = False
            for batch in level_rows(model.path, model.offsets, model.kinds, done, end,
                                    should_stop=should_stop, between_blocks=pause):
                done = batch.done_row
                yield batch
            continue
        if not scanning() and not announced:
            announced = True
            yield LevelBatch(done_row=done, caught_up=True)
            if not tailing():
                return
        time.sleep(POLL_S)


def next_level_row(rows: RowView, found: array[int], current: int, *, forward: bool) -> int | None:
    """The first row of ``found`` after (``forward``) or before model row ``current`` that ``rows`` shows.

    Args:
        rows: the pane's rows (a stream, a filter's result, or all).
        found: model rows, increasing (the error or the warning lines).
        current: the model row to step from (not itself a candidate).
        forward: look below ``current``, else above.
    """
    if forward:
        candidates = range(bisect_right(found, current), len(found))
    else:
        candidates = range(bisect_left(found, current) - 1, -1, -1)
    count = len(rows)
    for number in candidates:
        row = found[number]
        index = view_index(rows, row)
        if index < count and rows.merged_index(index) == row:
            return row
    return None
