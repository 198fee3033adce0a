"""Regression tests: what was seen reading damaged, growing and cached logs.

One test per example reported wrong; each is one case of a rule tested in
general elsewhere (``test_faults.py``, ``test_reading_paths.py``). The
decoder's own examples (an all-zero header, flagged headers, a size past the
end, noise on both sides, a torn entry ending on a later header or followed
by noise, a lost newline) are the named cases of ``faultlib.corpus()``.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from iolog import Entry, LogFile, Skipped, SourceState, Stream
from iolog.core.format import encode_entry, encode_header
from iolog.file import indexcache
from tests.test_cli import iolog

T0 = 1_764_000_000_000_000_000
SECOND = 1_000_000_000


def frame(message: bytes, index: int, stream: Stream = Stream.STDOUT) -> bytes:
    return encode_entry(message, timestamp_ns=T0 + index * SECOND, stream=stream)


def lines(count: int, start: int = 0, stream: Stream = Stream.STDOUT) -> bytes:
    return b"".join(frame(b"line %d\n" % i, i, stream) for i in range(start, start + count))


# -- tail --------------------------------------------------------------------------------------


def test_tail_keeps_the_last_line_before_a_reboot(tmp_path: Path) -> None:
    path = tmp_path / "reboot.log"
    path.write_bytes(lines(5) + b"\r\nU-Boot 2024.01\r\nbooting...\r\n" + lines(2, 5))
    result = iolog("cat", "--tail", "3", str(path))
    assert result.stdout == b"line 4\nline 5\nline 6\n"


def test_tail_keeps_the_last_line_before_a_zero_hole(tmp_path: Path) -> None:
    path = tmp_path / "hole.log"
    path.write_bytes(lines(5) + bytes(100_000) + lines(2, 5))
    assert iolog("cat", "--tail", "3", str(path)).stdout == b"line 4\nline 5\nline 6\n"


def test_tail_with_a_stream_counts_that_streams_lines(tmp_path: Path) -> None:
    path = tmp_path / "streams.log"
    path.write_bytes(lines(3, 0, Stream.STDERR) + lines(5, 3, Stream.STDOUT))
    result = iolog("cat", "--tail", "2", "--stream", "stderr", str(path))
    assert result.stderr == b"line 1\nline 2\n" and result.stdout == b""


def test_tail_never_prints_a_fragment_of_a_line_begun_earlier(tmp_path: Path) -> None:
    path = tmp_path / "fragment.log"
    path.write_bytes(
        frame(b"a long line, ", 0) + frame(b"an error\n", 1, Stream.STDERR) + frame(b"continued\n", 2)
    )
    result = iolog("cat", "--tail", "1", str(path))
    assert (result.stdout, result.stderr) == (b"", b"an error\n")
    result = iolog("cat", "--tail", "2", str(path))
    assert (result.stdout, result.stderr) == (b"a long line, continued\n", b"an error\n")


def test_tail_behind_a_sparse_hole_reads_little(tmp_path: Path) -> None:
    path = tmp_path / "sparse.log"
    with open(path, "wb") as out:
        out.write(lines(2000))
        out.truncate(out.tell() + (256 << 20))  # a hole, never written
    with LogFile(path, cache=False) as log:
        entries = [e for e in log.tail_events(1000) if isinstance(e, Entry)]
        assert [e.message for e in entries[:1]] == [b"line 1000\n"] and len(entries) == 1000
        assert log.bytes_read < 8 << 20


# -- windows -----------------------------------------------------------------------------------


def test_a_torn_entry_before_a_region_boundary_swallows_nothing(tmp_path: Path) -> None:
    torn = frame(b"x" * 3000 + b"\n", 40)[:1500]
    forged = b"header-shaped " + encode_header(30, timestamp_ns=T0 + 41 * SECOND) + b" fragment"
    data = lines(40) + torn + forged + lines(60, 42)
    path = tmp_path / "window.log"
    path.write_bytes(data)
    since = T0 + 20 * SECOND
    with LogFile(path, checkpoint_every_bytes=1024, cache=False) as log:
        events = list(log.events(since_ns=since))
    assert [e.message for e in events if isinstance(e, Entry)] == [
        b"line %d\n" % i for i in [*range(20, 40), *range(42, 102)]
    ]
    assert [e for e in events if not isinstance(e, Entry)] == [Skipped(len(lines(40)), len(torn + forged))]


# -- the index cache -----------------------------------------------------------------------------


def _cached_since(path: Path, since_ns: int) -> list[bytes]:
    with LogFile(path) as log:
        return [e.message for e in log.entries(since_ns=since_ns)]


def test_a_header_rewritten_in_place_is_not_answered_from_a_stale_cache(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("IOLOG_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "app.log"
    path.write_bytes(lines(5000))
    since = T0 + 4990 * SECOND
    assert _cached_since(path, since) == [b"line %d\n" % i for i in range(4990, 5000)]
    data = bytearray(path.read_bytes())
    offset = len(lines(2500))
    data[offset : offset + 16] = encode_header(10, timestamp_ns=T0 + 9999 * SECOND)  # same size
    with open(path, "r+b") as out:
        out.write(data)
    assert _cached_since(path, since)[0] == b"line 2500\n"


def test_a_changed_value_in_the_cache_file_changes_no_answer(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("IOLOG_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "app.log"
    path.write_bytes(lines(5000))
    since = T0 + 4990 * SECOND
    expected = _cached_since(path, since)
    (cache,) = (tmp_path / "cache").glob("*.idx")
    saved = bytearray(cache.read_bytes())
    saved[-100] ^= 0x40  # a max_ts in the last column
    cache.write_bytes(saved)
    assert _cached_since(path, since) == expected


def test_an_appended_entry_extends_the_cache_instead_of_rebuilding(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("IOLOG_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "app.log"
    path.write_bytes(lines(20000))
    _cached_since(path, T0)
    with open(path, "ab") as out:
        out.write(frame(b"one more\n", 20000))
    with LogFile(path) as log:
        assert [e.message for e in log.entries(since_ns=T0 + 20000 * SECOND)] == [b"one more\n"]
        assert log.bytes_read < 200_000 < path.stat().st_size
    assert indexcache.cache_dir() is not None


# -- opening -------------------------------------------------------------------------------------


def test_a_first_entry_still_being_written_is_a_log(tmp_path: Path) -> None:
    path = tmp_path / "starting.log"
    path.write_bytes(frame(b"being written\n", 0)[:20])
    assert iolog("cat", str(path)).returncode == 0
    assert iolog("stat", str(path)).returncode == 0


def test_a_log_behind_a_large_garbage_prefix_is_a_log(tmp_path: Path) -> None:
    path = tmp_path / "prefix.log"
    path.write_bytes(b"boot noise\r\n" * 8000 + lines(3))
    result = iolog("cat", str(path))
    assert result.returncode == 0 and result.stdout == b"line 0\nline 1\nline 2\n"
    assert iolog("stat", str(path)).returncode == 0


def test_a_fifo_is_read_once_as_a_stream(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as out:
            out.write(lines(3))

    writer = threading.Thread(target=feed)
    writer.start()
    result = iolog("cat", str(fifo), timeout=10)
    writer.join()
    assert result.returncode == 0 and result.stdout == b"line 0\nline 1\nline 2\n"


def test_follow_waits_for_a_file_that_does_not_exist_yet(tmp_path: Path) -> None:
    path = tmp_path / "later.log"
    cat = subprocess.Popen([sys.executable, "-m", "iolog", "cat", "-f", str(path)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(0.5)
        path.write_bytes(lines(2))
        deadline = time.monotonic() + 10
        out = b""
        os.set_blocking(cat.stdout.fileno(), False)  # type: ignore[union-attr]
        while b"line 1\n" not in out and time.monotonic() < deadline:
            out += cat.stdout.read() or b""  # type: ignore[union-attr]
            time.sleep(0.05)
        assert out == b"line 0\nline 1\n"
    finally:
        cat.send_signal(signal.SIGINT)
        _, err = cat.communicate(timeout=10)
    assert b"does not exist yet; waiting for it" in err and err.count(b"\n") == 1


# -- live sources and follow ----------------------------------------------------------------


def test_stopping_a_live_pipe_shows_the_last_entry_received(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    cat = subprocess.Popen([sys.executable, "-m", "iolog", "cat", "-"], stdin=read_end,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(read_end)
    os.write(write_end, lines(2) + frame(b"last, no newline yet", 2))
    # Once the whole lines are out, cat runs (its signal handlers too); the
    # line without its newline is not out yet: stop it now, before the pipe
    # has been quiet long enough to show it.
    assert cat.stdout is not None
    shown = b""
    deadline = time.monotonic() + 30
    while shown != b"line 0\nline 1\n" and time.monotonic() < deadline:
        if select.select([cat.stdout], [], [], 0.1)[0]:
            shown += os.read(cat.stdout.fileno(), 4096)
    cat.send_signal(signal.SIGTERM)
    out, _ = cat.communicate(timeout=10)
    os.close(write_end)
    assert shown + out == b"line 0\nline 1\nlast, no newline yet"


def test_follow_sees_a_truncation_written_again_past_the_old_size(tmp_path: Path) -> None:
    path = tmp_path / "rewritten.log"
    path.write_bytes(lines(3))
    with LogFile(path, cache=False) as log:
        follower = log.follow(poll_interval_s=0)
        assert next(follower) == []
        path.write_bytes(lines(10, 100))  # truncated and rewritten, longer, between polls
        seen: list[object] = []
        for _ in range(6):
            seen += next(follower)
        follower.close()
    statuses = [e for e in seen if not isinstance(e, (Entry, Skipped))]
    assert [s.state for s in statuses] == [SourceState.TRUNCATED]  # type: ignore[union-attr]
    assert [e.message for e in seen if isinstance(e, Entry)] == [b"line %d\n" % i for i in range(100, 110)]
    assert not any(isinstance(e, Skipped) for e in seen)


def test_follow_waits_for_a_path_that_became_a_directory(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(lines(1))
    with LogFile(path, cache=False) as log:
        follower = log.follow(poll_interval_s=0)
        next(follower)
        path.rename(tmp_path / "app.log.1")
        path.mkdir()
        said = [e for _ in range(20) for e in next(follower)]
        path.rmdir()
        path.write_bytes(lines(2, 50))
        later = [e for _ in range(5) for e in next(follower)]
        follower.close()
    assert [s.state for s in said] == [SourceState.DISCONNECTED]  # type: ignore[union-attr]
    assert "is a directory now; waiting for it" in said[0].message  # type: ignore[union-attr]
    assert [e.message for e in later if isinstance(e, Entry)] == [b"line 50\n", b"line 51\n"]
