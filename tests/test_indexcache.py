from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from iolog import Entry, LogFile, Stream
from iolog.core.format import encode_entry
from iolog.file.indexcache import cache_dir, load_index, save_index
from iolog.io import read_events

T0 = 1_700_000_000_000_000_000


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("IOLOG_CACHE_DIR", str(folder))
    return folder


def write_log(path: Path, count: int, seed: int = 0, jumps: bool = True) -> list[Entry]:
    rng = random.Random(seed)
    stamp = T0
    frames = []
    for number in range(count):
        stamp += rng.randrange(1, 1_000_000)
        if jumps and rng.random() < 0.002:
            stamp -= rng.randrange(1, 10_000_000_000)
        message = b"%06d " % number + b"x" * rng.randrange(10, 200) + b"\n"
        frames.append(encode_entry(message, timestamp_ns=stamp, stream=Stream(number % 3 == 0)))
    path.write_bytes(b"".join(frames))
    return [e for e in read_events(path) if isinstance(e, Entry)]


def linear(entries: list[Entry], since: int | None, until: int | None) -> list[int | None]:
    return [
        e.offset
        for e in entries
        if (since is None or e.timestamp_ns >= since) and (until is None or e.timestamp_ns < until)
    ]


def window(log: LogFile, since: int | None, until: int | None) -> list[int | None]:
    return [e.offset for e in log.entries(since_ns=since, until_ns=until)]


def test_a_saved_index_makes_the_next_query_read_one_region(tmp_path, cache):
    path = tmp_path / "app.log"
    entries = write_log(path, 40_000, jumps=False)
    since = entries[-50].timestamp_ns
    with LogFile(path) as first:
        assert window(first, since, None) == linear(entries, since, None)
        first_read = first.bytes_read
    assert list(cache.glob("*.idx"))
    with LogFile(path) as second:
        assert window(second, since, None) == linear(entries, since, None)
        assert second.bytes_read < first_read / 10
        assert second.bytes_read < 300_000


def test_a_built_index_is_reused_whole(tmp_path, cache):
    path = tmp_path / "app.log"
    entries = write_log(path, 20_000, seed=3)
    with LogFile(path) as log:
        built = log.build_index()
    with LogFile(path) as log:
        assert log.index is None  # nothing is read when opening
        again = log.build_index()
        assert log.bytes_read < 200_000
        assert (again.entry_count, again.last_ts) == (built.entry_count, built.last_ts)
        assert list(again.offsets) == list(built.offsets)
        for since, until in [(entries[100].timestamp_ns, entries[5000].timestamp_ns), (None, T0 + 10**9)]:
            assert window(log, since, until) == linear(entries, since, until)


def test_a_rewritten_file_is_not_described_by_the_old_index(tmp_path, cache):
    path = tmp_path / "app.log"
    write_log(path, 5_000, seed=1)
    with LogFile(path) as log:
        log.build_index()
    # Same inode, same size, other content: the fingerprint differs.
    entries = write_log(path, 5_000, seed=2)
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path))
    with LogFile(path) as log:
        since = entries[2500].timestamp_ns
        assert window(log, since, None) == linear(entries, since, None)
        assert log.build_index().entry_count == len(entries)


def test_a_shrunk_file_is_not_described_by_the_old_index(tmp_path, cache):
    path = tmp_path / "app.log"
    entries = write_log(path, 5_000, seed=4)
    with LogFile(path) as log:
        log.build_index()
    data = path.read_bytes()
    keep = entries[1000].offset
    assert keep is not None
    with open(path, "r+b") as handle:
        handle.truncate(keep)
    with LogFile(path) as log:
        assert load_index(str(path), log._fd) is None
        assert log.build_index().entry_count == 1000
    assert data  # the original bytes were read before truncating


def test_a_grown_file_uses_the_old_index_and_decodes_the_rest(tmp_path, cache):
    path = tmp_path / "app.log"
    write_log(path, 5_000, seed=5)
    with LogFile(path) as log:
        log.build_index()
    with open(path, "ab") as handle:
        handle.write(encode_entry(b"late\n", timestamp_ns=T0 + 10**15))
    entries = [e for e in read_events(path) if isinstance(e, Entry)]
    with LogFile(path) as log:
        assert window(log, T0 + 10**14, None) == linear(entries, T0 + 10**14, None)
        assert log.build_index().entry_count == 5_001


def test_corrupt_or_foreign_cache_files_are_ignored(tmp_path, cache):
    path = tmp_path / "app.log"
    entries = write_log(path, 3_000, seed=6)
    with LogFile(path) as log:
        log.build_index()
    (saved,) = cache.glob("*.idx")
    for damage in (b"", b"not an index", saved.read_bytes()[:-100]):
        saved.write_bytes(damage)
        with LogFile(path) as log:
            since = entries[1500].timestamp_ns
            assert window(log, since, None) == linear(entries, since, None)
        with LogFile(path) as log:
            log.build_index()  # saves a good one again


def test_cache_off_and_unwritable(tmp_path, monkeypatch):
    path = tmp_path / "app.log"
    write_log(path, 1_000)
    monkeypatch.setenv("IOLOG_CACHE_DIR", "off")
    assert cache_dir() is None
    with LogFile(path) as log:
        index = log.build_index()
        assert not save_index(index, str(path), log._fd)
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    monkeypatch.setenv("IOLOG_CACHE_DIR", str(blocked / "sub"))
    with LogFile(path) as log:
        assert log.build_index().entry_count == 1_000  # no error


def test_cache_dir_defaults(monkeypatch):
    monkeypatch.delenv("IOLOG_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert cache_dir() == Path("/somewhere/iolog")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path(os.path.expanduser("~")) / ".cache" / "iolog"


def test_logfile_cache_false_neither_reads_nor_writes(tmp_path, cache):
    path = tmp_path / "app.log"
    write_log(path, 1_000)
    with LogFile(path, cache=False) as log:
        log.build_index()
    assert not cache.exists() or not list(cache.glob("*.idx"))
