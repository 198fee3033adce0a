"""The merged view's timeline numbers: every shown log's entries per bucket, as if counted together."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from iolog import Entry, read_entries
from iolog_tui.model.histogram import exact_histogram
from iolog_tui.model.mergedhistogram import merged_histogram
from iolog_tui.model.mergedrows import MergedModel, scan_whole_logs
from tests.test_reading_paths import SETTINGS

from .test_tui_exportjson import _log_bytes, _write_logs


@SETTINGS
@given(st.lists(_log_bytes(), min_size=2, max_size=4), st.integers(1, 40), st.data())
def test_the_merged_counts_are_every_shown_log_s_entries_counted_together(
    tmp_path_factory, logs, buckets, data,
):
    paths = _write_logs(tmp_path_factory.mktemp("logs"), logs)
    model = MergedModel([str(path) for path in paths], [path.stem for path in paths])
    try:
        scan_whole_logs(model)
        hidden = frozenset(data.draw(st.sets(st.integers(0, len(paths) - 1), max_size=len(paths) - 1)))
        model.show_logs(hidden)
        hist, edges = merged_histogram(model, buckets)
    finally:
        model.close()
    entries = [entry for log, path in enumerate(paths) if log not in hidden
               for entry in read_entries(path) if isinstance(entry, Entry)]
    expected = exact_histogram([entry.timestamp_ns for entry in entries],
                               [int(entry.stream) for entry in entries], buckets)
    if expected is None:
        assert hist is None and edges == ()
        return
    assert hist is not None
    assert (hist.start_ns, hist.bucket_ns, hist.stdout, hist.stderr) == (
        expected.start_ns, expected.bucket_ns, expected.stdout, expected.stderr)
    assert len(edges) == buckets + 1
