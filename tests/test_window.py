"""window_batches: a time window in bulk equals LogFile.events for the same window."""

from __future__ import annotations

import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st

from iolog.core.decoder import Event
from iolog.core.format import Entry, Stream, encode_entry
from iolog.file.logfile import LogFile
from iolog.file.walk import FastBatch
from iolog.file.windows import window_batches
from tests.test_logfile import BASE_NS, _build, _linear_events, _window, _write, log_items


def _flatten(items: list[FastBatch | list[Event]]) -> list[Event]:
    events: list[Event] = []
    for item in items:
        if isinstance(item, list):
            events.extend(item)
        else:
            events.extend(item.entry(k) for k in range(item.accepted))
    return events


@settings(max_examples=120, deadline=None)
@given(log_items, st.sampled_from([64, 512, 4096]), st.data())
def test_window_batches_equal_the_windowed_events(items, every, data_draw) -> None:  # type: ignore[no-untyped-def]
    data = _build(items)
    stamps = [e.timestamp_ns for e in _linear_events(data) if isinstance(e, Entry)]
    # Edges anywhere, and edges right at an entry's time (where < and <= differ).
    edge = st.one_of(
        st.none(),
        st.integers(BASE_NS - 6000, BASE_NS + 260_000),
        *([st.sampled_from(stamps)] if stamps else []),
    )
    since, until = data_draw.draw(edge), data_draw.draw(edge)
    with tempfile.TemporaryDirectory() as tmp, LogFile(
        _write(tmp, data), checkpoint_every_bytes=every
    ) as log:
        bulk = _flatten(list(window_batches(log, since_ns=since, until_ns=until)))
        assert bulk == list(log.events(since_ns=since, until_ns=until))
        entries = [e for e in _linear_events(data) if isinstance(e, Entry)]
        assert [e for e in bulk if isinstance(e, Entry)] == _window(entries, since, until)


def test_a_wide_window_passes_whole_batches(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = b"".join(
        encode_entry(b"line %d\n" % i, timestamp_ns=BASE_NS + i, stream=Stream(i % 2)) for i in range(100_000)
    )
    path = tmp_path / "ordered.log"
    path.write_bytes(data)
    with LogFile(str(path)) as log:
        items = list(window_batches(log, since_ns=BASE_NS + 10_000, until_ns=BASE_NS + 90_000))
    batches = [item for item in items if isinstance(item, FastBatch)]
    lists = [item for item in items if isinstance(item, list)]
    assert sum(batch.accepted for batch in batches) + sum(len(part) for part in lists) == 80_000
    assert len(lists) <= 4  # only the batches astride the window's edges are broken up
    first = items[0][0] if isinstance(items[0], list) else items[0].entry(0)
    assert isinstance(first, Entry) and first.timestamp_ns == BASE_NS + 10_000


def test_a_batch_ending_at_the_window_end_is_cut(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Distinct, ordered timestamps over several walk batches: put the window's
    # (exclusive) end exactly at the last entry of the first batch.
    data = b"".join(encode_entry(b"x" * 200 + b"\n", timestamp_ns=BASE_NS + i) for i in range(15_000))
    path = tmp_path / "ordered.log"
    path.write_bytes(data)
    with LogFile(str(path)) as log:
        first_batch = next(item for item in log.batches() if isinstance(item, FastBatch))
        until = first_batch.timestamps()[-1]
        bulk = _flatten(list(window_batches(log, until_ns=until)))
        assert bulk == list(log.events(until_ns=until))
    assert [e.timestamp_ns for e in bulk if isinstance(e, Entry)] == list(range(BASE_NS, until))
