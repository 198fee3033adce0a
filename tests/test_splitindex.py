from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

import iolog.file.splitindex as splitindex
from iolog import Entry, LogFile, Stream, _native
from iolog.core.format import encode_entry
from iolog.io import read_events

T0 = 1_700_000_000_000_000_000


@pytest.fixture(autouse=True, params=["process", "thread"])
def helper(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test with the second half's helper a process (the pure-Python walk) and a thread (the C one)."""
    if request.param == "thread" and _native.BUILT is None:
        pytest.skip("the C speed-up is not built: no helper thread")
    with _native.use(None if request.param == "process" else _native.BUILT):
        yield request.param


@pytest.fixture
def two_halves(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build indexes in two halves even for the small logs of these tests."""
    monkeypatch.setattr(splitindex, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(splitindex, "PARALLEL_THREAD_MIN_BYTES", 0)


def write_log(path: Path, count: int, *, seed: int, garbage_at: float | None = None) -> None:
    rng = random.Random(seed)
    stamp = T0
    parts = []
    for number in range(count):
        stamp += rng.randrange(1, 10**7)
        if rng.random() < 0.003:
            stamp -= rng.randrange(1, 5 * 10**9)  # a clock jump
        body = b"%d " % number + b"z" * rng.choice([10, 100, 400, 5000 % 4095]) + b"\n"
        parts.append(encode_entry(body, timestamp_ns=stamp, stream=Stream(rng.random() < 0.3)))
    data = b"".join(parts)
    if garbage_at is not None:
        cut = int(len(data) * garbage_at)
        data = data[:cut] + b"\x00\xffnoise in the middle" + data[cut:]
    path.write_bytes(data)


def single_pass(path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(splitindex, "PARALLEL_MIN_BYTES", 1 << 62)
    monkeypatch.setattr(splitindex, "PARALLEL_THREAD_MIN_BYTES", 1 << 62)
    with LogFile(path, cache=False) as log:
        return log.build_index()


SUMMARY = ("entry_count", "stderr_count", "damage_count", "last_ts", "end_offset", "complete",
           "built_for_size")


@pytest.mark.parametrize("garbage_at", [None, 0.25, 0.5, 0.75])
def test_two_halves_count_what_one_pass_counts(tmp_path, monkeypatch, garbage_at):
    path = tmp_path / "app.log"
    write_log(path, 20_000, seed=1, garbage_at=garbage_at)
    one = single_pass(path, monkeypatch)
    monkeypatch.setattr(splitindex, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(splitindex, "PARALLEL_THREAD_MIN_BYTES", 0)
    with LogFile(path, cache=False) as log:
        two = log.build_index()
    assert [getattr(two, name) for name in SUMMARY] == [getattr(one, name) for name in SUMMARY]
    assert two.time_span() == one.time_span()
    assert list(two.offsets)[0] == 0 and list(two.offsets) == sorted(two.offsets)
    # Every checkpoint is an entry boundary with the right number of entries before it.
    entries = [e for e in read_events(path) if isinstance(e, Entry)]
    starts = [e.offset for e in entries]
    for region, (offset, number) in enumerate(zip(two.offsets, two.entry_numbers, strict=True)):
        assert starts[number] == offset
        assert two.first_ts[region] == entries[number].timestamp_ns
        assert two.previous_ts(offset) == (entries[number - 1].timestamp_ns if number else None)
        assert two.stderr_numbers[region] == sum(int(e.stream) for e in entries[:number])


def test_the_helper_really_indexes_the_second_half(tmp_path, two_halves):
    path = tmp_path / "app.log"
    write_log(path, 20_000, seed=2)
    with LogFile(path, cache=False) as log:
        index = splitindex.build_in_two(
            str(path), log._fd, log.size, checkpoint_every_bytes=64 * 1024
        )
        assert index is not None and index.complete
        # The parent read only the first half (and the split search).
        assert log.bytes_read == 0 or log.bytes_read < log.size * 0.75


@pytest.mark.parametrize("seed", [3, 4])
def test_windows_over_a_two_halves_index_equal_the_linear_filter(tmp_path, two_halves, seed):
    path = tmp_path / "app.log"
    write_log(path, 15_000, seed=seed, garbage_at=0.4)
    entries = [e for e in read_events(path) if isinstance(e, Entry)]
    rng = random.Random(seed)
    with LogFile(path, cache=False) as log:
        log.build_index()
        for _ in range(20):
            since = rng.choice([None, entries[rng.randrange(len(entries))].timestamp_ns])
            until = rng.choice([None, entries[rng.randrange(len(entries))].timestamp_ns])
            got = [e.offset for e in log.entries(since_ns=since, until_ns=until)]
            expected = [
                e.offset for e in entries
                if (since is None or e.timestamp_ns >= since)
                and (until is None or e.timestamp_ns < until)
            ]
            assert got == expected


def test_small_files_and_damage_at_the_split_fall_back(tmp_path, monkeypatch):
    path = tmp_path / "small.log"
    write_log(path, 100, seed=5)
    with LogFile(path, cache=False) as log:
        assert splitindex.build_in_two(
            str(path), log._fd, log.size, checkpoint_every_bytes=65536
        ) is None  # under PARALLEL_MIN_BYTES
    monkeypatch.setattr(splitindex, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(splitindex, "PARALLEL_THREAD_MIN_BYTES", 0)
    damaged = tmp_path / "damaged.log"
    write_log(damaged, 5_000, seed=6, garbage_at=0.5)
    with LogFile(damaged, cache=False) as log:
        size = log.size
        middle_garbage = splitindex.build_in_two(
            str(damaged), log._fd, size, checkpoint_every_bytes=65536
        )
        assert middle_garbage is None  # damage next to the split: one pass instead
        assert log.build_index().damage_count == 1
