"""Unit tests of the viewer's model and text rendering (no Textual app)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from iolog import Entry, LogFile, LogWriter, Stream
from iolog.io import read_events
from iolog_tui.demo import CLOCK_STEP_BACK_NS, DemoWriter
from iolog_tui.model import MAX_ROW_BYTES, LogModel, RowKind
from iolog_tui.model.scan import RowScanner, scan_file, scan_whole_file
from iolog_tui.render import TimeFormat, format_duration, format_time, message_text

from .conftest import StepClock


def load(path: Path, **window: int | None) -> LogModel:
    """A model of ``path`` scanned to its end."""
    model = LogModel(path)
    scan_whole_file(path, model, **window)
    return model


def test_rows_are_logical_lines_joined_across_entries(write_log) -> None:
    long_line = b"x" * 10_000 + b"\n"
    path = write_log(
        [
            (Stream.STDOUT, b"first "),
            (Stream.STDERR, b"err one\n"),
            (Stream.STDOUT, b"half\n"),
            (Stream.STDOUT, long_line),
            (Stream.STDERR, b"err two\n"),
        ]
    )
    # The writer keeps "first " until its newline, so stderr's line comes first.
    model = load(path)
    assert len(model) == 4
    assert [RowKind(kind) for kind in model.kinds] == [
        RowKind.STDERR, RowKind.STDOUT, RowKind.STDOUT, RowKind.STDERR
    ]
    assert model.row(1).message == b"first half\n"
    assert model.row(2).message == long_line
    assert model.row(2).complete
    assert len(model.stdout) == 2 and len(model.stderr) == 2
    assert model.stderr.row(1).message == b"err two\n"


def test_line_split_by_flush_is_one_row(tmp_path: Path) -> None:
    path = tmp_path / "split.log"
    with open(path, "wb") as sink:
        out = LogWriter(sink, clock=StepClock())
        err = LogWriter(sink, stream=Stream.STDERR, clock=StepClock())
        out.write(b"part one, ")
        out.flush()  # an entry without a newline
        err.write(b"interleaved\n")
        out.write(b"part two\n")
        out.close()
        err.close()
    entries = [e for e in read_events(path) if isinstance(e, Entry)]
    assert len(entries) == 3
    model = load(path)
    assert len(model) == 2
    assert model.row(0).message == b"part one, part two\n"
    assert model.row(1).message == b"interleaved\n"


def test_garbage_and_truncated_tail_are_rows(write_log) -> None:
    path = write_log([(Stream.STDOUT, b"one\n"), b"NOISE" * 7, (Stream.STDOUT, b"two\n")])
    with open(path, "ab") as sink:
        sink.write(b"\x00\x00 torn")
    model = load(path)
    kinds = [RowKind(kind) for kind in model.kinds]
    assert kinds[0] == RowKind.STDOUT and kinds[2] == RowKind.STDOUT
    assert kinds[1] == RowKind.SKIPPED
    assert model.row(1).length == 35
    assert kinds[3] in (RowKind.SKIPPED, RowKind.TRUNCATED)
    assert model.row(3).length == 7


def test_time_window_equals_linear_filter_across_a_clock_jump(tmp_path: Path) -> None:
    path = tmp_path / "demo.log"
    DemoWriter(str(path), clock=StepClock(step_ns=20_000_000_000)).write_steps(80)
    entries = [e for e in read_events(path) if isinstance(e, Entry)]
    assert any(b.timestamp_ns < a.timestamp_ns for a, b in zip(entries, entries[1:], strict=False))
    since_ns = entries[40].timestamp_ns - CLOCK_STEP_BACK_NS // 2
    until_ns = entries[-5].timestamp_ns
    model = load(path, since_ns=since_ns, until_ns=until_ns)
    full = load(path)
    expected = [
        full.offsets[i]
        for i in range(len(full))
        if full.kinds[i] <= RowKind.STDERR
        and since_ns <= (full.row(i).timestamp_ns or 0) < until_ns
    ]
    assert list(model.offsets) == expected
    assert expected  # the window is not empty


def test_open_row_is_reread_after_more_arrives(tmp_path: Path) -> None:
    path = tmp_path / "grow.log"
    sink = open(path, "wb")
    writer = LogWriter(sink, clock=StepClock())
    writer.write(b"begin ")
    writer.flush()
    sink.flush()
    model = LogModel(path)
    scanner = RowScanner(model.reset())
    batches = list(scan_file(path, scanner, end_of_input=False))
    for batch in batches:
        model.apply(batch)
    # At the end of a growing file the decoder waits before taking a line
    # without its newline; following it, as the viewer does, settles it.
    assert len(model) == 0
    with LogFile(path, cache=False) as log:
        follower = log.follow(batches[-1].scanned_to, poll_interval_s=0)

        def follow_until(done: Callable[[], bool]) -> None:
            for _ in range(20):
                scanner.feed(next(follower))
                model.apply(scanner.take(0))
                if done():
                    return
            raise AssertionError("the follower did not get there")

        follow_until(lambda: len(model) == 1)
        assert model.row(0).message == b"begin "
        assert not model.row(0).complete
        writer.write(b"end\n")
        writer.close()
        sink.close()
        follow_until(lambda: model.row(0).complete)
        follower.close()
    assert len(model) == 1
    assert model.row(0).message == b"begin end\n"


def test_huge_line_is_cut_when_drawn(write_log) -> None:
    path = write_log([(Stream.STDOUT, b"y" * (MAX_ROW_BYTES + 50_000) + b"\n")])
    model = load(path)
    assert len(model) == 1
    row = model.row(0)
    assert row.clipped and len(row.message) == MAX_ROW_BYTES


def test_index_at_offset_per_stream(write_log) -> None:
    items = [(Stream.STDOUT if n % 3 else Stream.STDERR, b"line %d\n" % n) for n in range(30)]
    model = load(write_log(items))
    for number in range(len(model)):
        offset = model.offsets[number]
        assert model.merged.index_at_offset(offset) == number
        stderr_index = model.stderr.index_at_offset(offset)
        if stderr_index < len(model.stderr):
            assert model.stderr.offset(stderr_index) >= offset
        if stderr_index:
            assert model.stderr.offset(stderr_index - 1) < offset


def test_message_text_keeps_colour_and_escapes_controls() -> None:
    text = message_text(b"\x1b[31mred\x1b[0m \x07\x1b[2J\x1b]0;t\x07 \xff ok\r\n")
    assert text.plain == "red \u2407\u241b[2J\u241b]0;t\u2407 \\xff ok"
    assert "\x1b" not in text.plain and "\x07" not in text.plain
    assert any("color(1)" in str(span.style) for span in text.spans)


def test_message_text_tabs_and_c1() -> None:
    assert message_text(b"a\tb\n").plain == "a       b"
    # A C1 character is \uNNNN; \xNN is kept for bytes that are not UTF-8.
    assert message_text("\u009b31m".encode()).plain == "\\u009b31m"
    assert message_text(b"\x9b31m").plain == "\\x9b31m"


def test_time_formats(fixed_tz: str) -> None:
    stamp_ns = 1_795_600_800 * 1_000_000_000 + 123_456_789
    assert format_time(stamp_ns, TimeFormat.UTC, 0) == "2026-11-25T10:00:00.123456789Z"
    assert format_time(stamp_ns, TimeFormat.LOCAL, 0) == "2026-11-25 15:30:00.123"
    assert format_time(stamp_ns, TimeFormat.RELATIVE, stamp_ns + 75_500_000_000) == "-1m15.5s"
    assert format_time(stamp_ns, TimeFormat.HIDDEN, 0) == ""
    assert format_duration(3 * 86_400 * 10**9 + 3600 * 10**9) == "+3d01h00m"
    assert [TimeFormat.UTC.next(), TimeFormat.HIDDEN.next()] == [TimeFormat.LOCAL, TimeFormat.UTC]


def test_demo_script_has_its_incidents(tmp_path: Path) -> None:
    path = tmp_path / "demo.log"
    DemoWriter(str(path), clock=StepClock()).write_steps(60)
    entries = [e for e in read_events(path) if isinstance(e, Entry)]
    assert {e.stream for e in entries} == {Stream.STDOUT, Stream.STDERR}
    assert any(len(e.message) == 4095 for e in entries)  # a line split at 4095 bytes
    assert any(b"\x1b[" in e.message for e in entries)
    assert any(e.message.startswith(b"Traceback") and e.stream == Stream.STDERR for e in entries)
    assert any(b.timestamp_ns < a.timestamp_ns for a, b in zip(entries, entries[1:], strict=False))
    model = load(path)
    long_rows = [i for i in range(len(model)) if len(model.row(i).message) > 4095]
    assert len(long_rows) == 1


def test_the_fast_scan_finds_the_rows_the_decoder_finds(tmp_path: Path) -> None:
    import random

    from iolog import Decoder
    from iolog.core.format import encode_entry

    rng = random.Random(11)
    parts = []
    stamp = 1_700_000_000_000_000_000
    for number in range(6000):
        stamp += rng.randrange(1, 10**7)
        if number % 700 == 3:
            stamp -= 5 * 10**9  # a clock jump
        if number % 900 == 5:
            parts.append(b"\x00noise\xff")
        stream = Stream(rng.random() < 0.3)
        size = rng.choice([0, 3, 40, 300, 4095])
        body = bytes(rng.choice(b"abc \n") for _ in range(size))
        parts.append(encode_entry(body, timestamp_ns=stamp, stream=stream))
    path = tmp_path / "mixed.log"
    path.write_bytes(b"".join(parts) + encode_entry(b"torn\n", timestamp_ns=stamp)[:9])
    windows: list[dict[str, int | None]] = [
        {},
        {"since_ns": 1_700_000_000_000_000_000 + 10**10, "until_ns": None},
        {"since_ns": None, "until_ns": 1_700_000_000_000_000_000 + 2 * 10**10},
    ]
    for window in windows:
        for end_of_input in (True, False):
            fast = RowScanner(0, **window)
            batches = list(scan_file(path, fast, end_of_input=end_of_input))
            slow = RowScanner(0, **window)
            decoder = Decoder()
            slow.feed(decoder.feed(path.read_bytes()))
            slow.feed(decoder.close() if end_of_input else decoder.flush())
            expected = slow.take(decoder.offset)
            got = (
                [offset for batch in batches for offset in batch.offsets],
                [kind for batch in batches for kind in batch.kinds],
                {k: v for batch in batches for k, v in batch.garbage.items()},
            )
            assert got == (list(expected.offsets), list(expected.kinds), expected.garbage)
            for stream in (0, 1):
                assert [row for batch in batches for row in batch.stream_rows[stream]] == list(
                    expected.stream_rows[stream]
                )
            assert batches[-1].scanned_to == expected.scanned_to
            assert batches[-1].open_rows == expected.open_rows
            assert fast.rows_seen == slow.rows_seen



def test_batches_handed_over_only_to_free_memory_are_early_and_a_due_one_follows(
    write_log, monkeypatch
) -> None:
    from iolog.file import walk as walk_module
    from iolog_tui.model import scan

    path = write_log([(Stream.STDOUT, b"row %d\n" % n) for n in range(2000)])
    monkeypatch.setattr(walk_module, "_BATCH_BYTES", 2048)  # runs of about 90 rows
    monkeypatch.setattr(scan, "FIRST_BATCH_BYTES", 1024)
    monkeypatch.setattr(scan, "MAX_BATCH_ROWS", 300)
    model = LogModel(path)
    scanner = RowScanner(model.reset())
    # The interval is long: after the first, only the row cap and the end hand batches over.
    batches = list(scan_file(path, scanner, min_interval_s=60.0))
    early = [batch.early for batch in batches]
    assert early[0] is False and early[-1] is False
    assert len(early) > 4 and all(early[1:-1])
    assert all(len(batch) >= 300 for batch in batches[1:-1])
    # The rows are the same as one scan's, whatever was early.
    whole = load(path)
    try:
        for batch in batches:
            assert model.apply(batch)
        assert len(model) == 2000 and list(model.offsets) == list(whole.offsets)
    finally:
        model.close()
        whole.close()
