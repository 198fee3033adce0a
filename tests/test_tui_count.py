"""The background count's loop (iolog_tui.model.count): what it hands on, split in two or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from iolog import LogWriter, Stream
from iolog_tui.model import LogModel
from iolog_tui.model import count as count_module
from iolog_tui.model.count import follow_rows
from iolog_tui.model.scan import scan_whole_file
from iolog_tui.model.search import Matcher


def _log(path: Path, lines: int) -> Path:
    clock = iter(range(1_767_225_600_000_000_000, 1 << 62, 1_000_000))
    with open(path, "wb") as sink:
        out = LogWriter(sink, clock=lambda: next(clock))
        err = LogWriter(sink, stream=Stream.STDERR, clock=lambda: next(clock))
        for number in range(lines):
            writer = err if number % 5 == 2 else out
            word = b"needle" if number % 7 == 0 else b"hay"
            if number % 50 == 10:  # a long line, in several entries
                writer.write(b"%d %s " % (number, word) + b"x" * 9000 + b"\n")
            else:
                writer.write(b"%d %s\n" % (number, word))
    return path


def _counted(model: LogModel, *, scanning: bool) -> tuple[list[int], list[int]]:
    matcher = Matcher("NEEDLE")
    rows: list[int] = []
    done: list[int] = []
    for batch, finished in follow_rows(
        model, model.generation, 0, lambda _kind, message: matcher.matches(message), lambda: False,
        scanning=lambda: scanning, tailing=lambda: False, needle=matcher.needle,
        exact_case=matcher.case_sensitive,
    ):
        rows.extend(batch.rows)
        done.append(batch.done_row)
        if finished:
            break
    return rows, done


@pytest.mark.parametrize("split_rows", [1, 7, 1000, 1 << 30])
def test_a_range_tested_in_two_halves_hands_on_the_same_rows_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split_rows: int
) -> None:
    path = _log(tmp_path / "a.log", 600)
    model = LogModel(path)
    scan_whole_file(path, model)
    expected = [row for row in range(len(model)) if b"needle" in model.row(row).message]
    assert expected
    monkeypatch.setattr(count_module, "SPLIT_ROWS", split_rows)
    rows, done = _counted(model, scanning=False)
    assert rows == expected
    assert done == sorted(done) and done[-1] == len(model)
    model.close()


def test_a_stopped_count_hands_on_nothing_of_the_second_half(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = _log(tmp_path / "a.log", 600)
    model = LogModel(path)
    scan_whole_file(path, model)
    monkeypatch.setattr(count_module, "SPLIT_ROWS", 1)
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 3

    handed = [batch for batch, _ in follow_rows(model, model.generation, 0, lambda _k, _m: True, cancelled,
                                                scanning=lambda: False, tailing=lambda: False)]
    assert all(batch.done_row < len(model) for batch in handed)
    model.close()
