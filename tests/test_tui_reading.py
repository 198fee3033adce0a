"""The viewer shows what one linear decode of the whole file reads (P4), on damaged logs.

The simplest correct reading is :func:`tests.faultlib.reference_lines` over one
:class:`~iolog.Decoder` fed the whole file. On logs with every fault class of
:mod:`tests.faultlib` (:func:`tests.test_faults.faulted_cases`), these
properties check that what the viewer shows is exactly those lines, with
damage ending them (P3) and every line's first entry giving its time:

- its rows (the scan of :mod:`iolog_tui.model.scan`, read back by
  :meth:`~iolog_tui.model.LogModel.row`), merged and per stream (the split
  panes), and its garbage rows;
- its time windows: the lines that *begin* in ``[since, until)``, scanned
  from the start of the file and, as the viewer does for a "since", from
  the entry a seek finds with the lines open there;
- search and filter (:func:`~iolog_tui.model.search.scan_rows`, with and without
  a needle, merged and per stream), the entry detail and every export format.

The reads and batches of the codec's walk are made small in some examples, so
that lines cross their edges.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iolog import Decoder, Entry, Skipped, Stream, Truncated, format_docker_time
from iolog.core.dockerjson import json_record
from iolog.file import walk as walk_module
from iolog_tui.detail import read_line_detail
from iolog_tui.model import MAX_ROW_BYTES, LogModel, RowKind
from iolog_tui.model.export import ExportFormat, export_rows
from iolog_tui.model.navigation import Navigator
from iolog_tui.model.scan import scan_whole_file
from iolog_tui.model.search import Matcher, iter_lines, scan_rows
from tests import faultlib
from tests.test_faults import faulted_cases

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture,
    ],
)
_DAMAGE_KINDS = {Skipped: RowKind.SKIPPED, Truncated: RowKind.TRUNCATED}
#: Payload kinds that make lines of several entries (partial writes, flushed
#: or not, continued later with a later time; lines over 4095 bytes).
_ACROSS_ENTRIES = ("partial", "partial", "flush", "text", "long", "empty")


def cases() -> st.SearchStrategy[faultlib.Case]:
    """Faulted logs of every kind, and some with many lines of several entries."""
    return st.one_of(faulted_cases(), faulted_cases(kinds=_ACROSS_ENTRIES))


def _linear(data: bytes) -> list[object]:
    decoder = Decoder()
    return decoder.feed(data) + decoder.close()


def _write(tmp: Path, data: bytes) -> Path:
    path = tmp / f"case-{len(data)}-{random.random()}.log"
    path.write_bytes(data)
    return path


def _small_reads(patch: pytest.MonkeyPatch, data: st.DataObject) -> None:
    """Now and then, reads and batches of the codec's walk far smaller than a case."""
    if data.draw(st.booleans()):
        patch.setattr(walk_module, "_READ_BYTES", data.draw(st.sampled_from([9_000, 20_000])))
        patch.setattr(walk_module, "_BATCH_BYTES", data.draw(st.sampled_from([300, 3_000])))
        patch.setattr(walk_module, "_SLOW_READ_BYTES", data.draw(st.sampled_from([777, 5_000])))
        patch.setattr(walk_module, "_GARBAGE_READ_BYTES", data.draw(st.sampled_from([1_999, 70_000])))


def _shown(line: faultlib.RefLine) -> tuple[int, int, int | None, bytes, int, bool]:
    """A reference line as a row shows it: offset, stream, time, message, size, complete."""
    return (line.offset or 0, int(line.stream), line.timestamp_ns, line.message[:MAX_ROW_BYTES],
            len(line.message), line.complete)


def _rows(model: LogModel, numbers: range | list[int]) -> list[tuple[int, int, int | None, bytes, int, bool]]:
    shown = []
    for number in numbers:
        row = model.row(number)
        shown.append((row.offset, int(row.kind), row.timestamp_ns, row.message, row.length, row.complete))
    return shown


def _line_rows(model: LogModel) -> list[int]:
    return [number for number in range(len(model)) if model.kinds[number] <= RowKind.STDERR]


def _in_window(line: faultlib.RefLine, since: int | None, until: int | None) -> bool:
    return (since is None or line.timestamp_ns >= since) and (until is None or line.timestamp_ns < until)


def _model(path: Path, **window: object) -> LogModel:
    model = LogModel(path)
    scan_whole_file(path, model, **window)  # type: ignore[arg-type]
    return model


# -- rows --------------------------------------------------------------------------------------


@SETTINGS
@given(cases(), st.data())
def test_rows_are_the_reference_lines(tmp_path_factory, case, data):
    events = _linear(case.data)
    reference = faultlib.reference_lines(events)
    path = _write(tmp_path_factory.mktemp("rows"), case.data)
    with pytest.MonkeyPatch.context() as patch:
        _small_reads(patch, data)
        model = _model(path)
    try:
        assert list(model.offsets) == sorted(model.offsets)
        assert _rows(model, _line_rows(model)) == [_shown(line) for line in reference]
        garbage = [(model.offsets[n], model.kinds[n], model.row(n).length)
                   for n in range(len(model)) if model.kinds[n] in _DAMAGE_KINDS.values()]
        assert garbage == [(event.offset, _DAMAGE_KINDS[type(event)], event.length)
                           for event in events if type(event) in _DAMAGE_KINDS]
        # A clock-step row wherever a line's time is earlier than the line's before it.
        times = [line.timestamp_ns for line in reference]
        steps = [model.row(n).length for n in range(len(model))
                 if model.kinds[n] == RowKind.CLOCK_STEP]
        pairs = zip(times, times[1:], strict=False)
        assert steps == [before - after for before, after in pairs if after < before]
        # The split panes: each stream's lines, in order.
        for stream, view in ((Stream.STDOUT, model.stdout), (Stream.STDERR, model.stderr)):
            assert [view.row(index).offset for index in range(len(view))] == [
                line.offset for line in reference if line.stream is stream]
            assert [view.row(index).message for index in range(len(view))] == [
                line.message[:MAX_ROW_BYTES] for line in reference if line.stream is stream]
    finally:
        model.close()


@SETTINGS
@given(cases(), st.data())
def test_windows_show_the_lines_that_begin_in_them(tmp_path_factory, case, data):
    events = _linear(case.data)
    reference = faultlib.reference_lines(events)
    stamps = sorted({event.timestamp_ns for event in events if isinstance(event, Entry)}) or [1]
    # Windows that start at a line's later entry too: the seek lands inside a line.
    by_offset = {event.offset: event for event in events if isinstance(event, Entry)}
    inside = sorted({by_offset[offset].timestamp_ns
                     for line in reference for offset in line.entry_offsets[1:]})
    choices = [st.none(), st.sampled_from(stamps), *([st.sampled_from(inside)] if inside else [])]
    since = data.draw(st.one_of(*choices), label="since")
    until = data.draw(st.one_of(st.none(), st.sampled_from(stamps)), label="until")
    expected = [_shown(line) for line in reference if _in_window(line, since, until)]
    path = _write(tmp_path_factory.mktemp("window"), case.data)
    with pytest.MonkeyPatch.context() as patch:
        _small_reads(patch, data)
        model = _model(path, since_ns=since, until_ns=until)
        try:
            assert _rows(model, _line_rows(model)) == expected
        finally:
            model.close()
        if since is None:
            return
        # As the viewer does: seek to the first entry at or after `since`,
        # learn which lines are open there, and scan from there (with index
        # regions small enough that there are many of them).
        every = data.draw(st.sampled_from([64, 700, 65536]), label="checkpoint every")
        start, open_lines = _seek(patch, path, since, every)
        model = _model(path, since_ns=since, until_ns=until, start=start, open_lines=open_lines)
        try:
            assert _rows(model, _line_rows(model)) == expected
        finally:
            model.close()


def _seek(patch: pytest.MonkeyPatch, path: Path, since: int, every: int) -> tuple[int, tuple[bool, bool]]:
    """Where the viewer starts a scan for ``since``, and the lines open there."""
    from functools import partial

    from iolog import LogFile
    from iolog_tui.model import navigation

    patch.setattr(navigation, "LogFile", partial(LogFile, checkpoint_every_bytes=every, cache=False))
    navigator = Navigator(str(path))
    try:
        start = navigator.seek(since)
        return start, navigator.lines_open_at(start)
    finally:
        navigator.close()


@pytest.mark.parametrize("damage", [False, True], ids=["open", "ended by damage"])
def test_the_lines_open_where_a_window_starts_are_found_far_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: bool
) -> None:
    """A stderr line begun long before, across many index regions without stderr."""
    from iolog.core.format import encode_entry

    stamp = 1_767_225_600 * 10**9
    parts = [encode_entry(b"err %d\n" % number, timestamp_ns=stamp - 100 + number, stream=Stream.STDERR)
             for number in range(50)]  # regions of stderr only before it
    parts.append(encode_entry(b"an error begins", timestamp_ns=stamp, stream=Stream.STDERR))
    for number in range(400):
        parts.append(encode_entry(b"out %d\n" % number, timestamp_ns=stamp + number + 1,
                                  stream=Stream.STDOUT))
        if damage and number == 100:
            parts.append(b"\x00" * 50)
    since = stamp + 300
    parts.append(encode_entry(b" and ends\n", timestamp_ns=since + 1000, stream=Stream.STDERR))
    path = tmp_path / "far.log"
    path.write_bytes(b"".join(parts))
    for every in (64, 512, 65536):
        start, open_lines = _seek(monkeypatch, path, since, every)
        assert open_lines == (False, not damage)
        model = _model(path, since_ns=since, start=start, open_lines=open_lines)
        try:
            messages = [model.row(n).message for n in _line_rows(model)]
        finally:
            model.close()
        assert messages[-1] == (b" and ends\n" if damage else b"out 399\n")
        assert len(messages) == 101 + int(damage)  # out 299 to out 399


def test_a_window_that_starts_inside_a_line_does_not_show_its_rest(tmp_path: Path) -> None:
    """The first entry in a window may continue a line begun before it: not a row."""
    from iolog.core.format import encode_entry

    second = 10**9
    start_ns = 1_767_225_600 * second
    data = b"".join([
        encode_entry(b"a long line, ", timestamp_ns=start_ns, stream=Stream.STDOUT),
        encode_entry(b"quiet\n", timestamp_ns=start_ns + 1 * second, stream=Stream.STDERR),
        encode_entry(b"its end\n", timestamp_ns=start_ns + 2 * second, stream=Stream.STDOUT),
        encode_entry(b"next\n", timestamp_ns=start_ns + 3 * second, stream=Stream.STDOUT),
    ])
    path = tmp_path / "window.log"
    path.write_bytes(data)
    navigator = Navigator(str(path))
    try:
        start = navigator.seek(start_ns + 2 * second)
        assert navigator.lines_open_at(start) == (True, False)
    finally:
        navigator.close()
    model = _model(path, since_ns=start_ns + 2 * second, start=start, open_lines=(True, False))
    try:
        assert [model.row(n).message for n in range(len(model))] == [b"next\n"]
    finally:
        model.close()


# -- search, filter, detail, export --------------------------------------------------------------


@SETTINGS
@given(cases(), st.data())
def test_search_finds_the_reference_lines_that_match(tmp_path_factory, case, data):
    events = _linear(case.data)
    reference = faultlib.reference_lines(events)
    path = _write(tmp_path_factory.mktemp("search"), case.data)
    model = _model(path)
    try:
        rows = _line_rows(model)
        assert len(rows) == len(reference)
        # A pattern out of a line's message (across its entries, too) or out of the raw bytes.
        if reference and data.draw(st.booleans()):
            message = data.draw(st.sampled_from(reference)).message
            at = data.draw(st.integers(0, max(0, len(message) - 1)))
            source = message[at:at + data.draw(st.integers(1, 8))]
        else:
            at = data.draw(st.integers(0, max(0, len(case.data) - 1)))
            source = case.data[at:at + data.draw(st.integers(1, 5))]
        text = source.decode("ascii", "ignore").strip("\n") or "e"
        matcher = Matcher(text, case_sensitive=data.draw(st.booleans()))
        streams = data.draw(st.sampled_from([(0, 1), (0,), (1,)]), label="streams")

        def test(kind: int, message: bytes) -> bool:
            return kind in streams and matcher.matches(message)

        expected = [row for row, line in zip(rows, reference, strict=True)
                    if test(int(line.stream), line.message[:MAX_ROW_BYTES])]
        # The same as testing every line iolog.read_lines reads back from the rows.
        read_back = [item for item in iter_lines(path, model.offsets, model.kinds, 0, len(model),
                                                 max_bytes=MAX_ROW_BYTES) if not isinstance(item, int)]
        assert [item.row for item in read_back if test(int(item.line.stream), item.line.message)] == expected
        with pytest.MonkeyPatch.context() as patch:
            _small_reads(patch, data)
            for needle in (matcher.needle, None):
                found = [row for batch in scan_rows(path, model.offsets, model.kinds, 0, len(model), test,
                                                    needle=needle, exact_case=matcher.case_sensitive)
                         for row in batch.rows]
                assert found == expected
            first = data.draw(st.integers(0, len(model)))
            last = data.draw(st.integers(first, len(model)))
            found = [row for batch in scan_rows(path, model.offsets, model.kinds, first, last, test,
                                                needle=matcher.needle, exact_case=matcher.case_sensitive)
                     for row in batch.rows]
            assert found == [row for row in expected if first <= row < last]
    finally:
        model.close()


@SETTINGS
@given(cases(), st.data())
def test_the_detail_of_a_row_is_its_reference_line(tmp_path_factory, case, data):
    events = _linear(case.data)
    reference = faultlib.reference_lines(events)
    if not reference:
        return
    ends = {event.offset: event.end_offset for event in events if isinstance(event, Entry)}
    path = _write(tmp_path_factory.mktemp("detail"), case.data)
    for line in data.draw(st.lists(st.sampled_from(reference), min_size=1, max_size=4)):
        detail = read_line_detail(path, line.offset or 0, line.stream)
        assert detail is not None
        assert (detail.timestamp_ns, detail.message, detail.size, detail.entries, detail.complete) == (
            line.timestamp_ns, line.message, len(line.message), len(line.entry_offsets), line.complete)
        assert detail.end_offset == ends[line.entry_offsets[-1]]
        other = Stream.STDERR if line.stream is Stream.STDOUT else Stream.STDOUT
        assert read_line_detail(path, line.offset or 0, other) is None


def _ended(message: bytes) -> bytes:
    return message if message.endswith(b"\n") else message + b"\n"


@SETTINGS
@given(cases(), st.sampled_from(list(ExportFormat)), st.sampled_from([(0, 1), (0,), (1,)]))
def test_export_writes_the_reference_lines(tmp_path_factory, case, export_format, streams):
    events = _linear(case.data)
    reference = [line for line in faultlib.reference_lines(events) if int(line.stream) in streams]
    folder = tmp_path_factory.mktemp("export")
    path = _write(folder, case.data)
    model = _model(path)
    target = folder / "exported"
    try:
        written = export_rows(path, model.offsets, model.kinds, len(model),
                              lambda kind, _message: kind in streams, target, export_format)
    finally:
        model.close()
    assert written == len(reference)
    exported = target.read_bytes()
    if export_format is ExportFormat.TEXT:
        assert exported == b"".join(_ended(line.message) for line in reference)
    elif export_format is ExportFormat.TIMESTAMPS:
        stamped = [format_docker_time(line.timestamp_ns).encode() + b" " + _ended(line.message)
                   for line in reference]
        assert exported == b"".join(stamped)
    elif export_format is ExportFormat.JSON:
        assert exported == b"".join(
            json_record(line.message, int(line.stream), line.timestamp_ns) for line in reference)
    else:
        # Every entry of every line, with its own time and stream; a line
        # that damage ended gets its newline, so it does not run into the next.
        by_offset = {event.offset: event for event in events if isinstance(event, Entry)}
        expected = []
        for line in reference:
            entries = [(by_offset[offset].timestamp_ns, line.stream, by_offset[offset].message)
                       for offset in line.entry_offsets]
            if not line.complete:
                stamp, stream, message = entries[-1]
                if len(message) < 4095:
                    entries[-1] = (stamp, stream, message + b"\n")
                else:
                    entries.append((stamp, stream, b"\n"))
            expected += entries
        decoded = _linear(exported)
        assert [(e.timestamp_ns, e.stream, e.message) for e in decoded if isinstance(e, Entry)] == expected
        lines = faultlib.reference_lines(decoded)
        assert [(line.stream, line.timestamp_ns, line.message) for line in lines] == [
            (line.stream, line.timestamp_ns, _ended(line.message)) for line in reference]
