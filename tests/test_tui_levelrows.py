"""The viewer's levels model (levelrows): the count against the simplest reading, the filter choice."""

from __future__ import annotations

import tempfile
from array import array
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from iolog import Level, LogWriter, Stream, detect_level
from iolog_tui.model import levelrows
from iolog_tui.model.levelrows import LevelChoice, LineLevel, level_rows, level_test, next_level_row

from .conftest import StepClock
from .test_tui_model import load

_WORDS = [b"ERROR", b"error", b"WARN", b"warning", b"INFO", b"FATAL", b"debug", b"<3>", b"<4>",
          b"level=warn", b"x", b" ", b"\xff", b"E1125 10:00:00", b"ok"]


def _write(items: list[tuple[int, bytes]], directory: str) -> Path:
    path = Path(directory) / "levels.log"
    with open(path, "wb") as sink:
        writers = {stream: LogWriter(sink, stream=stream, clock=StepClock()) for stream in Stream}
        for stream, data in items:
            writers[Stream(stream)].write(data)
        for writer in writers.values():
            writer.close()
    return path


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.lists(st.sampled_from(_WORDS), max_size=4).map(b" ".join),
                  st.sampled_from([b"\n", b"\n", b""])).map(lambda t: (t[0], t[1] + t[2])),
        max_size=40,
    ),
    st.integers(1, 7),
)
def test_the_count_finds_exactly_the_rows_detect_level_says(items, block_rows) -> None:
    """Errors are the rows at ERROR or worse, warnings those at WARN, whatever the blocks and streams."""
    levelrows.BLOCK_ROWS, saved = block_rows, levelrows.BLOCK_ROWS
    try:
        with tempfile.TemporaryDirectory() as directory:
            model = load(_write(items, directory))
            try:
                levels = []
                for number in range(len(model)):
                    row = model.row(number)
                    span = detect_level(row.message) if row.kind <= 1 else None
                    levels.append(None if span is None else span.level)
                errors, warnings, done = [], [], 0
                for batch in level_rows(model.path, model.offsets, model.kinds, 0, len(model)):
                    errors += batch.errors
                    warnings += batch.warnings
                    done = batch.done_row
                assert done == len(model) or not len(model)
                assert errors == [n for n, level in enumerate(levels)
                                  if level is not None and level >= Level.ERROR]
                assert warnings == [n for n, level in enumerate(levels) if level == Level.WARN]
            finally:
                model.close()
    finally:
        levelrows.BLOCK_ROWS = saved


def test_the_choice_cycles_and_tests_rows() -> None:
    assert [LevelChoice.ALL.next(), LevelChoice.WARNINGS.next(), LevelChoice.ERRORS.next()] == [
        LevelChoice.WARNINGS, LevelChoice.ERRORS, LevelChoice.ALL]
    assert level_test(LevelChoice.ALL) is None
    warnings = level_test(LevelChoice.WARNINGS)
    errors = level_test(LevelChoice.ERRORS)
    assert warnings is not None and errors is not None
    assert warnings(0, b"WARN slow\n") and warnings(1, b"ERROR x\n") and not warnings(1, b"stderr text\n")
    assert errors(0, b"CRITICAL x\n") and not errors(0, b"WARN slow\n")
    assert LineLevel.ERROR.holds(Level.FATAL) and not LineLevel.WARNING.holds(Level.ERROR)
    assert not LineLevel.ERROR.holds(None)


def test_next_level_row_skips_rows_the_pane_does_not_show(write_log) -> None:
    items = [(Stream.STDOUT if n % 2 else Stream.STDERR, b"ERROR %d\n" % n) for n in range(10)]
    model = load(write_log(items))
    found = array("I", range(10))
    assert next_level_row(model.stdout, found, 1, forward=True) == 3
    assert next_level_row(model.stdout, found, 3, forward=False) == 1
    assert next_level_row(model.stderr, found, 8, forward=True) is None
    assert next_level_row(model.merged, found, -1, forward=True) == 0
    model.close()


def test_the_count_reads_a_log_of_many_reads(tmp_path) -> None:
    """Past one read (2 MiB) the walk hands messages in a reused buffer: the count still decides each."""
    words = [b"\x1b[33mWARN\x1b[0m", b"\x1b[1;31mERROR\x1b[0m", b"INFO"]
    items = [(number % 2, b"%s line %d\n" % (words[number % 3], number)) for number in range(120_000)]
    path = _write(items, str(tmp_path))
    assert path.stat().st_size > 2 << 20
    model = load(path)
    try:
        errors = warnings = 0
        for batch in level_rows(model.path, model.offsets, model.kinds, 0, len(model)):
            errors += len(batch.errors)
            warnings += len(batch.warnings)
        assert (errors, warnings) == (40_000, 40_000)
    finally:
        model.close()
