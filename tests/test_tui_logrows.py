"""LogRows (model/logrows.py): a pane of the split by log holds the merged pane's rows of its log.

The rule, against its simplest reading, on every kind of base a pane is
given (every row, one stream's, a filter's, a filter's with context), while
the base grows and once the model starts over.
"""

from __future__ import annotations

from array import array
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from iolog import Stream
from iolog_tui.model.context import ContextRows, RowRole, row_role
from iolog_tui.model.logrows import LogRows
from iolog_tui.model.mergedrows import MergedModel, scan_whole_logs
from iolog_tui.model.rows import RowView
from iolog_tui.model.search import FilteredRows, view_index
from tests.test_reading_paths import SETTINGS
from tests.test_tui_mergedrows import _log_bytes

from .merged_helpers import container_logs


def _simplest(model: MergedModel, base: RowView, log: int) -> list[int]:
    """Walk the base's rows; keep the log's (not a separator)."""
    rows = []
    for index in range(len(base)):
        if row_role(base, index) is RowRole.SEPARATOR:
            continue
        row = base.merged_index(index)
        if model.row_logs[row] == log:
            rows.append(row)
    return rows


def _picked(rows: LogRows) -> list[int]:
    return [rows.merged_index(index) for index in range(len(rows))]


def _bases(model: MergedModel, passing: array[int], stream: Stream | None, context: int) -> list[RowView]:
    line_rows = array("I", (row for row in passing if model.kinds[row] <= 1
                            and (stream is None or model.kinds[row] == int(stream))))
    return [
        model.merged, model.stdout, model.stderr,
        FilteredRows(model, line_rows, stream),
        ContextRows(model, line_rows, stream, context),
    ]


@SETTINGS
@given(st.lists(_log_bytes(), min_size=2, max_size=4), st.data())
def test_a_log_s_pane_holds_the_merged_pane_s_rows_of_that_log(tmp_path_factory, logs, data):
    folder = tmp_path_factory.mktemp("logs")
    paths = []
    for number, raw in enumerate(logs):
        path = folder / f"log{number}.log"
        path.write_bytes(raw)
        paths.append(path)
    model = MergedModel([str(path) for path in paths], [path.stem for path in paths])
    try:
        scan_whole_logs(model)
        rows = len(model)
        passing = array("I", sorted(data.draw(st.sets(st.integers(0, max(0, rows - 1))))) if rows else [])
        stream = data.draw(st.sampled_from([None, Stream.STDOUT, Stream.STDERR]))
        context = data.draw(st.integers(1, 2))
        # A filter's passing rows grow as it goes: the pane picks the new ones.
        grown = array("I")
        growing = FilteredRows(model, grown, stream)
        panes = [LogRows(growing, log) for log in range(len(model.logs))]
        for row in passing:
            if model.kinds[row] <= 1 and (stream is None or model.kinds[row] == int(stream)):
                grown.append(row)
                for pane in panes:
                    assert _picked(pane) == _simplest(model, growing, pane.log)
        for base in _bases(model, passing, stream, context):
            for log in range(len(model.logs)):
                pane = LogRows(base, log)
                picked = _picked(pane)
                assert picked == _simplest(model, base, log)
                for number, row in enumerate(picked):
                    assert pane.index_at_offset(row) == number == view_index(pane, row)
                    assert pane.row(number).source == log
        # The model starting over: the pane starts over too.
        pane = LogRows(model.merged, 0)
        assert len(pane) == len(model.merged_of[0])
        model.reset()
        assert len(pane) == 0
        scan_whole_logs(model)
        assert _picked(pane) == list(model.merged_of[0])
    finally:
        model.close()


def test_a_pane_of_a_log_past_the_model_s_logs_is_empty(tmp_path: Path) -> None:
    root = container_logs(tmp_path / "vms")
    paths = [str(root / name / "output.log") for name in ("db-primary", "web", "worker")]
    model = MergedModel(paths, ["db-primary", "web", "worker"])
    try:
        scan_whole_logs(model)
        assert len(LogRows(model.merged, 5)) == 0
        assert sum(len(LogRows(model.merged, log)) for log in range(3)) == len(model.merged)
    finally:
        model.close()
