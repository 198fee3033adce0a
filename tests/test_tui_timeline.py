"""Behaviour of the timeline under Pilot, and its counting, on logs of known content."""

from __future__ import annotations

from iolog import Stream, read_entries
from iolog_tui.logview import LogView
from iolog_tui.model.histogram import Histogram, exact_histogram
from iolog_tui.timeline import LABEL_CELLS, Timeline

from .conftest import START_NS, wait_until
from .tui_helpers import SIZE, known_items, make_app, pilot_test, ready

SECOND_NS = 1_000_000_000


async def timeline_shown(pilot) -> Timeline:
    """Press T and wait for the strip's bars."""
    app = pilot.app
    await ready(pilot)
    await pilot.press("g")  # the cursor (the strip's marker) on the first line
    await pilot.press("T")
    timeline = app.query_one("#timeline", Timeline)
    await wait_until(pilot, lambda: timeline.histogram is not None)
    return timeline


def top_time_ns(app) -> int:
    view = app.query_one("#merged", LogView)
    stamp = view.rows.row(view.top_row).timestamp_ns
    assert stamp is not None
    return stamp


def assert_top_row_in(app, hist: Histogram, bucket: int) -> None:
    start_ns = hist.bucket_start(bucket)
    assert start_ns <= top_time_ns(app) < start_ns + hist.bucket_ns


@pilot_test
async def test_choosing_a_bucket_with_the_keyboard_goes_there(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        timeline = await timeline_shown(pilot)
        assert timeline.has_focus and timeline.cursor == 0
        await pilot.press(*["right"] * 40)
        assert timeline.cursor == 40
        hist = timeline.histogram
        assert hist is not None
        before = top_time_ns(app)
        assert hist.bucket_of(before) == 0
        await pilot.press("enter")
        await wait_until(pilot, lambda: top_time_ns(app) != before)
        assert_top_row_in(app, hist, 40)
        assert timeline.position_ns == top_time_ns(app)
        assert "▲" in timeline.render().plain.splitlines()[3][LABEL_CELLS + 40]
        await pilot.press("escape")
        assert app.query_one("#merged", LogView).has_focus


@pilot_test
async def test_clicking_a_bucket_goes_there(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        timeline = await timeline_shown(pilot)
        hist = timeline.histogram
        assert hist is not None
        before = top_time_ns(app)
        await pilot.click("#timeline", offset=(LABEL_CELLS + 70, 0))
        await wait_until(pilot, lambda: top_time_ns(app) != before)
        assert_top_row_in(app, hist, 70)
        assert timeline.cursor == 70


@pilot_test
async def test_bucket_counts_are_exact_on_a_small_log(write_log) -> None:
    path = write_log(known_items())
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        timeline = await timeline_shown(pilot)
        hist = timeline.histogram
        assert hist is not None
        assert len(hist) == timeline.buckets == SIZE[0] - LABEL_CELLS
        expected = ([0] * len(hist), [0] * len(hist))
        entries = list(read_entries(path))
        assert hist.start_ns == min(entry.timestamp_ns for entry in entries)
        for entry in entries:
            bucket = hist.bucket_of(entry.timestamp_ns)
            assert bucket is not None
            expected[int(entry.stream)][bucket] += 1
        assert hist.stdout == tuple(expected[0])
        assert hist.stderr == tuple(expected[1])
        assert (sum(hist.stdout), sum(hist.stderr)) == (225, 75)
        # 300 entries 1.5 s apart over 113 buckets: no bucket is empty, none is full.
        assert min(map(sum, zip(hist.stdout, hist.stderr, strict=True))) >= 1


@pilot_test
async def test_the_marker_leaves_the_left_time_readable(write_log) -> None:
    app = make_app(write_log(known_items()))
    async with app.run_test(size=SIZE) as pilot:
        timeline = await timeline_shown(pilot)
        axis = timeline.render().plain.splitlines()[3]
        assert axis[LABEL_CELLS] == "▲"
        assert axis[LABEL_CELLS + 2:].startswith(timeline._stamp(START_NS))
        assert axis.rstrip().endswith("Z")


def test_exact_histogram_counts_the_window_only() -> None:
    stamps = [10, 11, 19, 20, 25, 39, 40, 41]
    streams = [0, 1, 0, 0, 1, 1, 0, 0]
    hist = exact_histogram(stamps, streams, 3, since_ns=10, until_ns=40)
    assert hist == Histogram(10, 10, (2.0, 1.0, 0.0), (1.0, 1.0, 1.0))
    assert exact_histogram(stamps, streams, 4) == Histogram(
        10, 8, (1.0, 2.0, 0.0, 2.0), (1.0, 1.0, 0.0, 1.0)
    )
    assert exact_histogram(stamps, streams, 3, since_ns=50) is None
    assert exact_histogram([], b"", 3) is None


@pilot_test
async def test_a_since_window_is_counted_exactly(write_log) -> None:
    from iolog_tui.model.timerange import TimeRange

    path = write_log([(Stream.STDOUT, b"line %d\n" % n) for n in range(100)])
    since_ns = START_NS + 30 * 3 * SECOND_NS // 2  # entry 30
    app = make_app(path, time_range=TimeRange(since_ns, None))
    async with app.run_test(size=SIZE) as pilot:
        timeline = await timeline_shown(pilot)
        hist = timeline.histogram
        assert hist is not None and hist.start_ns == since_ns
        assert sum(hist.stdout) == 70 and sum(hist.stderr) == 0


def test_rows_per_bucket_counts_rows_by_their_place_in_the_file() -> None:
    from iolog_tui.model.histogram import rows_per_bucket

    offsets = [0, 10, 20, 30, 40, 50]
    # Buckets [0, 25), [25, 45), [45, 60): rows 0-2, 3-4, 5.
    assert rows_per_bucket([0, 25, 45, 60], offsets, [1, 2, 4, 5]) == (2, 1, 1)
    assert rows_per_bucket([0, 25, 45, 60], offsets, []) == (0, 0, 0)
    assert rows_per_bucket([30, 30], offsets, [3]) == (0,)


@pilot_test
async def test_the_level_row_shows_errors_and_warnings_per_bucket_and_the_axis_the_scale(write_log) -> None:
    items: list[tuple[Stream, bytes] | bytes] = []
    for number in range(300):
        if number < 150 and number % 10 == 3:
            items.append((Stream.STDOUT, b"ERROR %d\n" % number))
        elif number >= 150 and number % 10 == 7:
            items.append((Stream.STDERR, b"WARN %d\n" % number))
        else:
            items.append((Stream.STDERR if number % 4 == 1 else Stream.STDOUT, b"ok %d\n" % number))
    app = make_app(write_log(items))
    async with app.run_test(size=SIZE) as pilot:
        timeline = await timeline_shown(pilot)
        await wait_until(pilot, lambda: app.log_screen.level_bar.finished and len(timeline.edges) > 1)
        await pilot.pause(0.6)  # the strip redraws once the count has grown
        rendered = timeline.render()
        lines = rendered.plain.splitlines()
        assert lines[2].startswith("levels ")
        levels = lines[2][LABEL_CELLS:]
        hist = timeline.histogram
        assert hist is not None
        from iolog_tui.model.histogram import rows_per_bucket

        bar = app.log_screen.level_bar
        offsets = app.log_screen.panes.model.offsets
        errors = rows_per_bucket(timeline.edges, offsets, bar.errors)
        warnings = rows_per_bucket(timeline.edges, offsets, bar.warnings)
        assert (sum(errors), sum(warnings)) == (15, 15)
        # Errors in the first half of the time, warnings in the second.
        last_error = max(n for n, count in enumerate(errors) if count)
        assert last_error < min(n for n, count in enumerate(warnings) if count)
        totals = [error + warning for error, warning in zip(errors, warnings, strict=True)]
        assert [cell != " " for cell in levels] == [bool(total) for total in totals]
        error_style = timeline.get_component_rich_style("timeline--error")
        warning_style = timeline.get_component_rich_style("timeline--warning")
        start = len(lines[0]) + 1 + len(lines[1]) + 1 + LABEL_CELLS
        first_error = errors.index(1)
        last_warning = len(warnings) - 1 - warnings[::-1].index(1)
        styles = [rendered.get_style_at_offset(app.console, start + cell)
                  for cell in (first_error, last_warning)]
        assert styles[0].color == error_style.color and styles[1].color == warning_style.color
        timeline.cursor = None
        timeline.blur()
        await pilot.pause()
        axis = timeline.render().plain.splitlines()[3]
        assert "per column · █ " in axis and "errors+warnings" in axis
