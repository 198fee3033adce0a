"""Export as docker JSON: the bytes ``iolog cat --format json`` prints for the same lines.

One log or several merged by time; every line, or a subset of the lines (the
selection, the marked lines) in the view's order. The reference is ``iolog
cat --format json`` on the same files, its records picked by the same lines.
"""

from __future__ import annotations

from array import array
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from iolog import Line, Stream
from iolog.core.format import encode_entry
from iolog_tui.model.export import ExportFormat, export_rows
from iolog_tui.model.mergedexport import export_merged_rows
from iolog_tui.model.mergedrows import MergedModel, scan_whole_logs
from iolog_tui.model.rows import LogModel, RowKind
from iolog_tui.model.scan import scan_whole_file
from tests.test_cli_many import T0, S, _cat
from tests.test_reading_paths import SETTINGS

# Text that docker escapes: quotes, HTML characters, controls, U+2028, invalid UTF-8.
_WORDS = (b"boot", b'say "hi" <b>&amp;</b>', b"tab\there\x01\x1b[31m", "caf\u00e9 \u2028".encode(),
          b"bad \xff\xfe utf-8 \xc3", b"back\\slash\r", b"")


@st.composite
def _log_bytes(draw: st.DrawFn) -> bytes:
    """A small log: lines over one or more entries, clocks that jump back, maybe damage."""
    now = T0 + draw(st.integers(0, 6)) * S
    parts: list[bytes] = []
    for _ in range(draw(st.integers(1, 8))):
        now += draw(st.sampled_from([0, 0, 1, 2, -3])) * S + draw(st.integers(0, 999))
        stream = draw(st.sampled_from([Stream.STDOUT, Stream.STDERR]))
        text = draw(st.sampled_from(_WORDS))
        ends = draw(st.booleans()) or not text
        parts.append(encode_entry(text + (b"\n" if ends else b""), timestamp_ns=now, stream=stream))
        if draw(st.integers(0, 9)) == 0:
            parts.append(b"\xff" * draw(st.integers(1, 20)))  # skipped bytes
    data = b"".join(parts)
    if draw(st.integers(0, 7)) == 0:
        data += encode_entry(b"torn\n", timestamp_ns=now)[:9]  # a torn entry at the end
    return data


def _write_logs(folder: Path, logs: list[bytes]) -> list[Path]:
    paths = []
    for number, data in enumerate(logs):
        path = folder / f"log{number}.log"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _subset(data: st.DataObject, count: int) -> list[int]:
    """Which of ``count`` lines to export: all of them, or some, in order."""
    if data.draw(st.booleans()):
        return list(range(count))
    return sorted(data.draw(st.sets(st.integers(0, max(count - 1, 0)), max_size=count)))


@SETTINGS
@given(st.lists(_log_bytes(), min_size=2, max_size=4), st.data())
def test_merged_json_export_is_iolog_cat_format_json(tmp_path_factory, logs, data):
    folder = tmp_path_factory.mktemp("logs")
    paths = _write_logs(folder, logs)
    printed = _cat(*paths, format="json")
    assume(printed is not None)  # a log whose start holds no whole entry is refused by both
    assert printed is not None
    records = printed[0].splitlines(keepends=True)
    model = MergedModel([str(path) for path in paths], [path.stem for path in paths])
    try:
        scan_whole_logs(model)
        line_rows = [row for row in range(len(model)) if model.kinds[row] <= RowKind.STDERR]
        assert len(line_rows) == len(records)
        picked = _subset(data, len(line_rows))
        every = len(picked) == len(line_rows) and data.draw(st.booleans())
        only = None if every else array("q", (line_rows[index] for index in picked))
        target = folder / "shown.json"
        written = export_merged_rows(model, len(model), lambda _kind, _message: True, target,
                                     ExportFormat.JSON, only=only)
    finally:
        model.close()
    assert written == len(picked)
    assert target.read_bytes() == b"".join(records[index] for index in picked)


@SETTINGS
@given(_log_bytes(), st.data())
def test_one_log_s_json_export_is_iolog_cat_format_json(tmp_path_factory, log, data):
    folder = tmp_path_factory.mktemp("log")
    (path,) = _write_logs(folder, [log])
    printed = _cat(path, format="json")
    assume(printed is not None)
    assert printed is not None
    records = printed[0].splitlines(keepends=True)
    model = LogModel(str(path))
    try:
        scan_whole_file(path, model)
        line_rows = [row for row in range(len(model)) if model.kinds[row] <= RowKind.STDERR]
        assert len(line_rows) == len(records)
        picked = _subset(data, len(line_rows))
        # As the exporter takes a selection: those rows' offsets and kinds.
        offsets = array("q", (model.offsets[line_rows[index]] for index in picked))
        kinds = array("B", (model.kinds[line_rows[index]] for index in picked))
    finally:
        model.close()
    target = folder / "shown.json"
    written = export_rows(path, offsets, kinds, len(offsets), lambda _kind, _message: True, target,
                          ExportFormat.JSON)
    assert written == len(picked)
    assert target.read_bytes() == b"".join(records[index] for index in picked)


def test_a_line_s_record_carries_its_attrs_and_says_whether_it_ended() -> None:
    line = Line(Stream.STDERR, 0, T0, b'a "b"\n', 6, 1, 22, True)
    assert line.docker_json() == (
        b'{"log":"a \\"b\\"\\n","stream":"stderr","time":"2026-11-25T10:00:00.000000000Z"}\n')
    cut = Line(Stream.STDOUT, 0, T0, b"cut", 3, 1, 19, False)
    assert cut.docker_json({"source": "web"}).startswith(
        b'{"log":"cut","stream":"stdout","attrs":{"source":"web"},')
