"""Every reader says which shown line skipped bytes follow: it may be torn, its end noise.

The rule is :func:`iolog.core.events.may_be_torn`: the decoder keeps an entry
that undecodable bytes follow when it looks whole, and a torn entry whose
claim the damage after it completed looks the same. These tests check, on
logs with every fault class of :mod:`tests.faultlib`, that ``iolog cat``
(each stream choice, small reads, a window, ``--tail``, several logs) and
``iolog stat`` count exactly the lines the simplest reading marks: in one
linear decode of the whole file, the shown entries that a ``Skipped`` event
follows. The viewer's rows are checked in ``tests/test_tui_damage.py``.
"""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iolog import Entry
from iolog.cli import cat as cat_module
from iolog.cli import catmany as catmany_module
from iolog.cli.common import Damage
from iolog.cli.stat import count_file
from iolog.core.events import may_be_torn
from tests.test_faults import faulted_cases
from tests.test_reading_paths import (
    SETTINGS,
    _cat,
    _linear,
    _tail_reference,
    _unix,
    _window_reference,
    _write,
)

_STREAMS = {"all": frozenset({0, 1}), "stdout": frozenset({0}), "stderr": frozenset({1})}


def _marked(events: list[object], shown: Callable[[Entry], bool]) -> int:
    """The simplest reading: shown entries that skipped bytes follow."""
    return sum(
        1 for number, event in enumerate(events[:-1])
        if isinstance(event, Entry) and shown(event) and may_be_torn(event.end_offset, events[number + 1])
    )


@pytest.fixture
def reported(monkeypatch: pytest.MonkeyPatch) -> list[Damage]:
    """The damage each ``cat`` reports at its end (one per log)."""
    seen: list[Damage] = []
    single, many = cat_module._report, catmany_module._report

    def report_one(damage: Damage, name: str, quiet: bool) -> None:
        seen.append(damage)
        single(damage, name, quiet)

    def report_many(source: catmany_module._Source, quiet: bool) -> None:
        seen.append(source.damage)
        many(source, quiet)

    monkeypatch.setattr(cat_module, "_report", report_one)
    monkeypatch.setattr(catmany_module, "_report", report_many)
    return seen


def _torn_counted(reported: list[Damage]) -> list[int]:
    counts = [damage.torn_regions for damage in reported]
    reported.clear()
    return counts


@SETTINGS
@given(faulted_cases(), st.sampled_from(sorted(_STREAMS)), st.booleans())
def test_cat_counts_the_lines_skipped_bytes_follow(tmp_path_factory, reported, case, stream, small):
    events = _linear(case.data)
    if not any(isinstance(event, Entry) for event in events):
        return  # not a log: nothing is shown
    streams = _STREAMS[stream]
    path = _write(tmp_path_factory.mktemp("torn"), case.data)
    with pytest.MonkeyPatch.context() as patch:
        if small:  # many reads into cat's one buffer, damage across their edges
            from iolog.file import walk as walk_module

            patch.setattr(walk_module, "_READ_BYTES", 9_000)
        _cat(path, stream=stream)
    assert _torn_counted(reported) == [_marked(events, lambda entry: int(entry.stream) in streams)]


@SETTINGS
@given(faulted_cases(), st.data())
def test_cat_window_counts_the_lines_skipped_bytes_follow(tmp_path_factory, reported, case, data):
    events = _linear(case.data)
    stamps = sorted(e.timestamp_ns for e in events if isinstance(e, Entry))
    if not stamps:
        return
    since = data.draw(st.sampled_from(stamps))
    until = data.draw(st.one_of(st.none(), st.sampled_from(stamps)))
    path = _write(tmp_path_factory.mktemp("tornwin"), case.data)
    _cat(path, since=_unix(since), until=None if until is None else _unix(until))
    window = _window_reference(events, since, until)
    assert _torn_counted(reported) == [_marked(window, lambda entry: True)]


@SETTINGS
@given(faulted_cases(max_writes=80), st.integers(1, 30), st.sampled_from(sorted(_STREAMS)))
def test_cat_tail_counts_the_lines_skipped_bytes_follow(tmp_path_factory, reported, case, count, stream):
    events = _linear(case.data)
    if not any(isinstance(event, Entry) for event in events):
        return
    streams = _STREAMS[stream]
    wanted = {e.offset for e in _tail_reference(events, count, streams)}
    kept = [e for e in events if not isinstance(e, Entry) or e.offset in wanted]
    path = _write(tmp_path_factory.mktemp("torntail"), case.data)
    _cat(path, tail=str(count), stream=stream)
    assert _torn_counted(reported) == [_marked(kept, lambda entry: int(entry.stream) in streams)]


@SETTINGS
@given(faulted_cases(max_writes=60), st.integers(1, 20), st.data())
def test_tail_of_a_window_or_a_pipe_counts_the_lines_skipped_bytes_follow(
    tmp_path_factory, reported, case, count, data
):
    # Both read the source once in order (``last_lines``), not backwards.
    events = _linear(case.data)
    stamps = sorted(e.timestamp_ns for e in events if isinstance(e, Entry))
    if not stamps:
        return
    stream = data.draw(st.sampled_from(sorted(_STREAMS)))
    streams = _STREAMS[stream]
    piped = data.draw(st.booleans())
    since = None if piped else data.draw(st.sampled_from(stamps))
    window = _window_reference(events, since, None)
    wanted = {e.offset for e in _tail_reference(window, count, streams)}
    kept = [e for e in window if not isinstance(e, Entry) or e.offset in wanted]
    path = _write(tmp_path_factory.mktemp("torntailwin"), case.data)
    if piped:  # read as stdin (cat closes the descriptor when done)
        source = os.open(path, os.O_RDONLY)
        with mock.patch("sys.stdin", io.TextIOWrapper(io.FileIO(source, "rb", closefd=False))):
            _cat(Path("-"), tail=str(count), stream=stream)
    else:
        _cat(path, tail=str(count), stream=stream, since=_unix(since))
    assert _torn_counted(reported) == [_marked(kept, lambda entry: int(entry.stream) in streams)]


@SETTINGS
@given(faulted_cases(), faulted_cases())
def test_cat_of_several_logs_counts_each_ones_lines(tmp_path_factory, reported, one, other):
    cases = [one, other]
    decoded = [_linear(case.data) for case in cases]
    if not all(any(isinstance(event, Entry) for event in events) for events in decoded):
        return
    folder = tmp_path_factory.mktemp("tornmany")
    paths = [folder / "a.log", folder / "b.log"]
    for path, case in zip(paths, cases, strict=True):
        path.write_bytes(case.data)
    args = argparse.Namespace(
        source=[str(path) for path in paths], timestamps=False, since=None, until=None, tail=None,
        follow=False, stream="all", baud=115200, save=None, no_reconnect=False, quiet=True, raw=True,
        format="text", no_log_prefix=False, no_color=False,
    )
    from tests.test_reading_paths import _captured

    with _captured():
        assert cat_module.cat_command(args) == 0
    assert _torn_counted(reported) == [_marked(events, lambda entry: True) for events in decoded]


@SETTINGS
@given(faulted_cases())
def test_stat_counts_the_lines_skipped_bytes_follow(tmp_path_factory, case):
    events = _linear(case.data)
    counts = count_file(str(_write(tmp_path_factory.mktemp("tornstat"), case.data)))
    assert counts.damage.torn_regions == _marked(events, lambda entry: True)
    assert counts.report("x", len(case.data))["maybe_torn_lines"] == counts.damage.torn_regions


def test_the_warning_names_the_lines_and_where_the_first_is(tmp_path: Path) -> None:
    """One line on stderr after the skipped bytes' own."""
    damage = Damage(entry_end=47)
    from iolog import Skipped

    damage.add(Skipped(47, 4))
    damage.add(Skipped(90, 4))  # no entry just before it: not counted
    assert damage.warnings("app.log") == [
        "iolog: warning: app.log: skipped 8 undecodable bytes in 2 regions (first at offset 47)",
        "iolog: warning: app.log: the line right before 1 skipped region may be torn: its end may be "
        "noise (the first ends at offset 47)",
    ]
