"""The merged view's rows: exactly the order ``iolog cat`` prints, each row read back from its own log."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from iolog import Stream
from iolog.core.format import encode_entry
from iolog_tui.model.mergedrows import MergedModel, scan_whole_logs
from iolog_tui.model.rows import LogModel, RowKind
from iolog_tui.model.scan import scan_whole_file
from iolog_tui.sourcelogs import model_of
from iolog_tui.sources import LogSource
from tests.test_cli_many import T0, S, _cat, make_log
from tests.test_reading_paths import SETTINGS

_WORDS = ("boot", "ready", "GET /", "error: disk", "done", "")


@st.composite
def _log_bytes(draw: st.DrawFn) -> bytes:
    """A small log: lines over one or more entries, times that may jump back, maybe damage."""
    start_s = draw(st.integers(0, 6))  # logs start (and so end) at different times
    now = T0 + start_s * S
    parts: list[bytes] = []
    for _ in range(draw(st.integers(1, 8))):
        step = draw(st.sampled_from([0, 0, 1, 2, 3, -4]))  # equal times, and a clock jumping back
        now += step * S
        stream = draw(st.sampled_from([Stream.STDOUT, Stream.STDERR]))
        text = draw(st.sampled_from(_WORDS)).encode()
        ends = draw(st.booleans()) or not text
        parts.append(encode_entry(text + (b"\n" if ends else b""), timestamp_ns=now, stream=stream))
        if draw(st.integers(0, 9)) == 0:
            parts.append(b"\xff" * draw(st.integers(1, 20)))  # skipped bytes
    data = b"".join(parts)
    if draw(st.integers(0, 7)) == 0:
        data += encode_entry(b"torn\n", timestamp_ns=now)[:9]  # a torn entry at the end
    return data


def _merged_rows(paths: list[Path]) -> tuple[MergedModel, list[tuple[int, bytes]]]:
    model = MergedModel([str(path) for path in paths], [path.stem for path in paths])
    scan_whole_logs(model)
    lines = []
    for index in range(len(model)):
        row = model.row(index)
        assert row.offset == index
        if row.kind <= RowKind.STDERR:
            lines.append((row.source, row.message))
    return model, lines


@SETTINGS
@given(st.lists(_log_bytes(), min_size=2, max_size=4))
def test_the_merged_rows_are_what_iolog_cat_prints(tmp_path_factory, logs):
    folder = tmp_path_factory.mktemp("logs")
    paths = []
    for number, data in enumerate(logs):
        path = folder / f"log{number}.log"
        path.write_bytes(data)
        paths.append(path)
    model, lines = _merged_rows(paths)
    try:
        printed = _cat(*paths, format="json")
        assume(printed is not None)  # a log whose start holds no whole entry is refused by both
        assert printed is not None
        records = [json.loads(line) for line in printed[0].splitlines()]
        expected = [(int(record["attrs"]["source"][3:]), record["log"].encode()) for record in records]
        assert lines == expected
        # Each log's rows, in the merged view, are that log's rows in its own order.
        for log, own in enumerate(model.logs):
            alone = LogModel(str(paths[log]))
            try:
                scan_whole_file(paths[log], alone)
                assert list(alone.kinds) == [model.kinds[row] for row in model.merged_of[log]]
                assert [model.located(row) for row in model.merged_of[log]] == [
                    (log, local) for local in range(len(own))]
            finally:
                alone.close()
    finally:
        model.close()


def test_rows_of_no_line_keep_their_place_in_their_log(tmp_path: Path) -> None:
    early = make_log(tmp_path / "early.log", [(T0 + S, Stream.STDOUT, b"e1\n"),
                                               (T0 + 5 * S, Stream.STDOUT, b"e5\n")])
    late = tmp_path / "late.log"
    late.write_bytes(encode_entry(b"l3\n", timestamp_ns=T0 + 3 * S) + b"\xff" * 7
                     + encode_entry(b"l4\n", timestamp_ns=T0 + 4 * S))
    model, lines = _merged_rows([early, late])
    try:
        assert lines == [(0, b"e1\n"), (1, b"l3\n"), (1, b"l4\n"), (0, b"e5\n")]
        kinds = [RowKind(kind) for kind in model.kinds]
        assert kinds[2] == RowKind.SKIPPED and model.row(2).source == 1 and model.row(2).length == 7
        assert model.lines_per_log() == [2, 2]
    finally:
        model.close()


def test_one_log_keeps_the_plain_model_and_several_the_merged_one(tmp_path: Path) -> None:
    one = make_log(tmp_path / "one.log", [(T0, Stream.STDOUT, b"x\n")])
    two = make_log(tmp_path / "two.log", [(T0, Stream.STDOUT, b"y\n")])
    single = model_of(LogSource(str(one), "one.log"))
    merged = model_of(LogSource(str(one), "2 logs", logs=((str(one), "one"), (str(two), "two"))))
    try:
        assert type(single) is LogModel
        assert isinstance(merged, MergedModel) and merged.names == ["one", "two"]
    finally:
        single.close()
        merged.close()
