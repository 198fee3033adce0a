from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iolog import Entry, LogWriter, Stream, read_entries
from iolog.core.format import encode_entry
from iolog.io import read_events
from tests.wire_vectors import VECTORS

T0 = 1_700_000_000_000_000_000  # 2023-11-14T22:13:20Z


def iolog(*args: str, input: bytes | None = None, timeout: float = 30) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "iolog", *args],
        input=input,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, "TZ": "UTC"},
    )


def make_log(path: Path, lines: list[tuple[int, Stream, bytes]]) -> Path:
    path.write_bytes(b"".join(encode_entry(m, timestamp_ns=t, stream=s) for t, s, m in lines))
    return path


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    return make_log(
        tmp_path / "mixed.log",
        [
            (T0 + 0, Stream.STDOUT, b"starting\n"),
            (T0 + 1_000_000_000, Stream.STDERR, b"warning: low disk\n"),
            (T0 + 2_000_000_000, Stream.STDOUT, b"serving\n"),
            (T0 + 3_000_000_000, Stream.STDERR, b"error: boom\n"),
        ],
    )


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_cat_prints_the_writes_of_every_vector(vector, tmp_path):
    path = tmp_path / f"{vector.name}.iolog"
    path.write_bytes(vector.data)
    result = iolog("cat", str(path))
    assert result.returncode == 0, result.stderr
    streams = [str(meta["stream"]) for meta in vector.entries]
    out = b"".join(m for m, s in zip(vector.messages, streams, strict=True) if s == "stdout")
    err = b"".join(m for m, s in zip(vector.messages, streams, strict=True) if s == "stderr")
    assert result.stdout == out
    if vector.writes is not None:
        assert result.stdout == b"".join(vector.writes)
    if vector.skipped_bytes:
        assert result.stderr.startswith(err)
        assert b"iolog: warning:" in result.stderr and b"skipped 2 " in result.stderr
    else:
        assert result.stderr == err


def test_cat_timestamps_like_vics_reader_for_short_lines(tmp_path):
    vector = next(v for v in VECTORS if v.name == "multi-line-write")
    path = tmp_path / "v.iolog"
    path.write_bytes(vector.data)
    result = iolog("cat", "-t", str(path))
    stamp = b"1976-01-22T21:15:00.000000000Z "
    assert result.stdout == stamp + b"a\n" + stamp + b"bb\n" + stamp + b"ccc\n"


def test_cat_splits_streams_and_filters(mixed):
    result = iolog("cat", str(mixed))
    assert result.stdout == b"starting\nserving\n"
    assert result.stderr == b"warning: low disk\nerror: boom\n"
    only_err = iolog("cat", "--stream", "stderr", str(mixed))
    assert only_err.stdout == b"" and only_err.stderr == b"warning: low disk\nerror: boom\n"
    stamped = iolog("cat", "-t", "--stream", "stdout", str(mixed))
    assert stamped.stdout.splitlines() == [
        b"2023-11-14T22:13:20.000000000Z starting",
        b"2023-11-14T22:13:22.000000000Z serving",
    ]


def test_cat_since_until_and_tail(mixed):
    since = iolog("cat", "--since", "2023-11-14T22:13:21Z", "--until", "1700000003", str(mixed))
    assert since.stdout == b"serving\n" and since.stderr == b"warning: low disk\n"
    tail = iolog("cat", "--tail", "2", str(mixed))
    assert tail.stdout == b"serving\n" and tail.stderr == b"error: boom\n"
    assert iolog("cat", "--tail", "0", str(mixed)).stdout == b""
    assert iolog("cat", "--tail", "all", str(mixed)).stdout == b"starting\nserving\n"


def test_cat_tail_counts_logical_lines(tmp_path):
    sink = io.BytesIO()
    with LogWriter(sink, clock=lambda: T0) as writer:
        writer.write(b"first\n" + b"L" * 9000 + b"\nlast\n")
    path = tmp_path / "long.log"
    path.write_bytes(sink.getvalue())
    result = iolog("cat", "--tail", "2", str(path))
    assert result.stdout == b"L" * 9000 + b"\nlast\n"


def test_cat_stdin(mixed):
    result = iolog("cat", "-", input=mixed.read_bytes())
    assert result.returncode == 0
    assert result.stdout == b"starting\nserving\n"
    tail = iolog("cat", "--tail", "1", "-", input=mixed.read_bytes())
    assert tail.stdout == b"" and tail.stderr == b"error: boom\n"


def test_cat_warns_about_garbage_and_quiet_silences(tmp_path):
    path = tmp_path / "g.log"
    path.write_bytes(b"boot noise\r\n" + encode_entry(b"ok\n", timestamp_ns=T0) + b"\x00\x00")
    loud = iolog("cat", str(path))
    assert loud.returncode == 0 and loud.stdout == b"ok\n"
    assert loud.stderr.splitlines() == [
        b"iolog: warning: " + str(path).encode() + b": skipped 14 undecodable bytes in 2 regions "
        b"(first at offset 0)",
        # "ok\n" might be a torn entry whose claim the bytes after it completed.
        b"iolog: warning: " + str(path).encode() + b": the line right before 1 skipped region may be "
        b"torn: its end may be noise (the first ends at offset 31)",
    ]
    quiet = iolog("cat", "-q", str(path))
    assert quiet.stderr == b"" and quiet.stdout == b"ok\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cat", "/no/such/file"], b"iolog: error: /no/such/file: no such file\n"),
        (["cat", "--since", "yesterday", "{log}"], b"iolog: error: invalid time 'yesterday'"),
        (["cat", "--tail", "three", "{log}"], b"iolog: error: invalid --tail 'three'"),
        (["cat", "{text}"], b"not an iolog file"),
        (["stat", "{text}"], b"not an iolog file"),
        (["cat", "{empty}"], b"no logs in it"),
        (["cat", "{log}", "{dir}/none.log"], b"none.log: no such file"),
        (["cat", "{log}", "-"], b"stdin (-) can only be read alone"),
        (["stat", "/no/such/file"], b"no such file"),
        (["record", "-o", "{dir}/x.log", "--", "/no/such/command"], b"command not found"),
        (["record", "-o", "{dir}/x.log"], b"record needs a command"),
        (["bogus"], b"invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(args, message, mixed, tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("just some text\n" * 100)
    empty = tmp_path / "empty"
    empty.mkdir()
    values = {"log": str(mixed), "text": str(text), "dir": str(tmp_path), "empty": str(empty)}
    result = iolog(*[a.format(**values) for a in args])
    assert result.returncode != 0
    assert message in result.stderr
    assert b"Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreadable_file(mixed):
    if os.geteuid() == 0:
        pytest.skip("root can read anything")
    mixed.chmod(0)
    result = iolog("cat", str(mixed))
    assert result.returncode == 1 and b"permission denied" in result.stderr


def test_stat_json(tmp_path):
    path = make_log(
        tmp_path / "s.log",
        [
            (T0 + 5, Stream.STDOUT, b"a\n"),
            (T0 + 3, Stream.STDERR, b"bb\n"),  # backwards
            (T0 + 9, Stream.STDOUT, b"partial"),
        ],
    )
    path.write_bytes(b"xx" + path.read_bytes() + encode_entry(b"torn\n", timestamp_ns=T0)[:10])
    result = iolog("stat", "--json", str(path))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["entries"] == 3
    assert (report["stdout_entries"], report["stderr_entries"]) == (2, 1)
    assert report["payload_bytes"] == 12
    assert report["backward_timestamps"] == 1
    assert report["first_timestamp"] == "2023-11-14T22:13:20.000000005Z"
    assert report["last_timestamp_ns"] == T0 + 9
    assert (report["skipped_regions"], report["skipped_bytes"]) == (1, 2)
    assert report["truncated_tail_bytes"] == 10
    plain = iolog("stat", str(path))
    assert b"entries" in plain.stdout and b"backward timestamps   1" in plain.stdout


def test_write_frames_stdin(tmp_path):
    out = iolog("write", input=b"one\ntwo\npartial")
    assert [e.message for e in read_entries(io.BytesIO(out.stdout))] == [b"one\n", b"two\n", b"partial"]
    log = tmp_path / "w.log"
    iolog("write", "-o", str(log), input=b"first\n")
    iolog("write", "--stream", "stderr", "-o", str(log), input=b"second\n")
    got = [(e.stream, e.message) for e in read_entries(log)]
    assert got == [(Stream.STDOUT, b"first\n"), (Stream.STDERR, b"second\n")]


def test_record_keeps_streams_and_exit_status(tmp_path):
    log = tmp_path / "r.log"
    script = "import sys; print('out 1'); sys.stdout.flush(); print('err 1', file=sys.stderr); sys.exit(3)"
    result = iolog("record", "-o", str(log), "--", sys.executable, "-c", script)
    assert result.returncode == 3
    got = sorted((e.stream, e.message) for e in read_entries(log))
    assert got == [(Stream.STDOUT, b"out 1\n"), (Stream.STDERR, b"err 1\n")]
    again = iolog("record", "-o", str(log), "--append", "--", sys.executable, "-c", "print('more')")
    assert again.returncode == 0
    assert [e.message for e in read_entries(log)][-1] == b"more\n"
    replaced = iolog("record", "-o", str(log), "--truncate", "--", "true")
    assert replaced.returncode == 0 and log.read_bytes() == b""


def test_record_writes_an_idle_prompt_before_the_command_ends(tmp_path):
    log = tmp_path / "prompt.log"
    script = "import sys, time; sys.stdout.write('name? '); sys.stdout.flush(); time.sleep(3)"
    child = subprocess.Popen(
        [sys.executable, "-m", "iolog", "record", "-o", str(log), "--", sys.executable, "-c", script]
    )
    try:
        seen = None
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline and seen is None:
            if log.exists():
                entries = [e for e in read_events(log) if isinstance(e, Entry)]
                if entries:
                    seen = entries[0]
            time.sleep(0.02)
        assert child.poll() is None, "the prompt must appear while the command still runs"
        assert seen is not None and seen.message == b"name? "
    finally:
        child.wait(timeout=10)
    assert child.returncode == 0


def test_record_to_stdout_and_signal_status(tmp_path):
    result = iolog("record", "--", sys.executable, "-c", "import os; print('hi'); os.kill(os.getpid(), 15)")
    assert result.returncode == 128 + 15
    assert [e.message for e in read_entries(io.BytesIO(result.stdout))] == [b"hi\n"]


def test_broken_pipe_is_quiet(tmp_path):
    path = make_log(tmp_path / "big.log", [(T0 + i, Stream.STDOUT, b"x" * 100 + b"\n") for i in range(20000)])
    shell = f"{sys.executable} -m iolog cat {path} | head -n 1"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, timeout=30)
    assert result.stdout == b"x" * 100 + b"\n"
    assert b"Traceback" not in result.stderr and result.stderr == b""


def test_follow_prints_appended_entries_and_stops_cleanly_on_sigint(tmp_path):
    log = make_log(tmp_path / "f.log", [(T0, Stream.STDOUT, b"old\n")])
    child = subprocess.Popen(
        [sys.executable, "-m", "iolog", "cat", "-f", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == b"old\n"
        with open(log, "ab") as handle:
            handle.write(encode_entry(b"new\n", timestamp_ns=T0 + 1))
        assert child.stdout.readline() == b"new\n"
    finally:
        child.send_signal(2)
        _, err = child.communicate(timeout=10)
    assert child.returncode == 0
    assert b"Traceback" not in err


@pytest.mark.parametrize("flags", [[], ["-t"], ["--stream", "stderr"], ["-t", "--stream", "stdout"]])
def test_file_fast_path_prints_what_the_decoder_prints(tmp_path, flags):
    import random

    rng = random.Random(5)
    sink = io.BytesIO()
    clock = iter(range(T0, T0 + 10**9))
    writers = [LogWriter(sink, stream=s, clock=lambda: next(clock)) for s in Stream]
    for number in range(3000):
        writer = writers[rng.random() < 0.3]
        if number % 500 == 7:
            writer.flush()
            sink.write(b"\x00 garbage \xff")
        writer.write(b"%d " % number + b"y" * rng.choice([5, 50, 300, 5000]) + b"\n")
        if number % 97 == 0:
            writer.write(b"partial ")
    for writer in writers:
        writer.close()
    path = tmp_path / "mixed.log"
    path.write_bytes(sink.getvalue() + encode_entry(b"torn tail\n", timestamp_ns=T0)[:20])
    from_file = iolog("cat", *flags, str(path))
    from_stdin = iolog("cat", *flags, "-", input=path.read_bytes())
    assert from_file.returncode == from_stdin.returncode == 0
    assert from_file.stdout == from_stdin.stdout
    assert len(from_file.stdout + from_file.stderr) > 100_000
    err_file = from_file.stderr.replace(str(path).encode(), b"stdin")
    assert err_file == from_stdin.stderr


def _interleaved_lines(count: int) -> list[tuple[int, Stream, bytes]]:
    """Both streams mixed, with lines of one stream split across entries."""
    lines: list[tuple[int, Stream, bytes]] = []
    for i in range(count):
        stream = Stream.STDERR if i % 3 == 1 else Stream.STDOUT
        if i % 7 == 0:
            # One stderr line in two entries, with a stdout line between them.
            lines.append((T0 + i, Stream.STDERR, b"part one of %d, " % i))
            lines.append((T0 + i, Stream.STDOUT, b"between %d\n" % i))
            lines.append((T0 + i + 1, Stream.STDERR, b"part two\n"))
        else:
            lines.append((T0 + i * 1_000_000_007, stream, b"line %d of %s\n" % (i, stream.name.encode())))
    return lines


def _expected(lines: list[tuple[int, Stream, bytes]], streams: set[Stream], stamped: bool) -> bytes:
    from iolog import format_docker_time

    out = []
    line_start = {Stream.STDOUT: True, Stream.STDERR: True}
    for timestamp_ns, stream, message in lines:
        if stream not in streams:
            continue
        if stamped and line_start[stream]:
            out.append(format_docker_time(timestamp_ns).encode() + b" ")
        line_start[stream] = message.endswith(b"\n")
        out.append(message)
    return b"".join(out)


@pytest.mark.parametrize("stamped", [False, True], ids=["plain", "timestamps"])
def test_cat_keeps_file_order_when_stdout_and_stderr_are_one_file(tmp_path, stamped):
    lines = _interleaved_lines(30_000)  # enough for the bulk path and several flushes
    path = make_log(tmp_path / "mixed.log", lines)
    out_path = tmp_path / "out"
    flags = "-t" if stamped else ""
    shell = f"{sys.executable} -m iolog cat {flags} {path} > {out_path} 2>&1"
    env = {**os.environ, "TZ": "UTC"}
    result = subprocess.run(["bash", "-c", shell], capture_output=True, timeout=60, env=env)
    assert result.returncode == 0
    assert out_path.read_bytes() == _expected(lines, {Stream.STDOUT, Stream.STDERR}, stamped)


@pytest.mark.parametrize("stamped", [False, True], ids=["plain", "timestamps"])
@pytest.mark.parametrize("choice", ["all", "stdout", "stderr"])
def test_cat_bulk_path_splits_streams(tmp_path, stamped, choice):
    lines = _interleaved_lines(30_000)
    path = make_log(tmp_path / "mixed.log", lines)
    result = iolog("cat", *(["-t"] if stamped else []), "--stream", choice, str(path), timeout=60)
    assert result.returncode == 0
    want_out = choice in ("all", "stdout")
    want_err = choice in ("all", "stderr")
    assert result.stdout == (_expected(lines, {Stream.STDOUT}, stamped) if want_out else b"")
    assert result.stderr == (_expected(lines, {Stream.STDERR}, stamped) if want_err else b"")


def test_cat_shows_a_live_pipe_as_it_arrives() -> None:
    # `tail -f app.log | iolog cat -`: an entry shows once the pipe is quiet,
    # without waiting for more input or for its end.
    child = subprocess.Popen(
        [sys.executable, "-m", "iolog", "cat", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    import threading

    watchdog = threading.Timer(10, child.kill)  # a line that never comes fails, not hangs
    watchdog.start()
    try:
        for number in range(3):
            child.stdin.write(encode_entry(b"line %d\n" % number, timestamp_ns=T0 + number))
            child.stdin.flush()
            assert child.stdout.readline() == b"line %d\n" % number
        child.stdin.write(encode_entry(b"torn\n", timestamp_ns=T0)[:9])
        child.stdin.close()
        assert child.wait(timeout=10) == 0
        assert b"incomplete entry at the end (9 bytes at offset" in child.stderr.read()  # type: ignore[union-attr]
    finally:
        watchdog.cancel()
        child.kill()
        child.wait()


@pytest.mark.parametrize("stamped", [False, True], ids=["plain", "timestamps"])
def test_cat_to_two_terminals_prints_each_stream_to_its_own(tmp_path, stamped):
    # stdout and stderr on two different terminals: the printer flushes at
    # every change of stream (it cannot tell whether one screen shows both).
    import threading
    import tty

    lines = _interleaved_lines(3000)
    path = make_log(tmp_path / "mixed.log", lines)
    terminals = [os.openpty(), os.openpty()]
    received = [bytearray(), bytearray()]

    def drain(master: int, sink: bytearray) -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                return
            if not chunk:
                return
            sink.extend(chunk)

    for _master, slave in terminals:
        tty.setraw(slave)  # no newline translation
    readers = [
        threading.Thread(target=drain, args=(master, sink), daemon=True)
        for (master, _slave), sink in zip(terminals, received, strict=True)
    ]
    for reader in readers:
        reader.start()
    args = [sys.executable, "-m", "iolog", "cat", *(["-t"] if stamped else []), str(path)]
    env = {**os.environ, "TZ": "UTC"}
    status = subprocess.run(args, stdout=terminals[0][1], stderr=terminals[1][1], env=env, timeout=60)
    for _master, slave in terminals:
        os.close(slave)
    for reader in readers:
        reader.join(timeout=10)
    for master, _slave in terminals:
        os.close(master)
    assert status.returncode == 0
    assert bytes(received[0]) == _expected(lines, {Stream.STDOUT}, stamped)
    assert bytes(received[1]) == _expected(lines, {Stream.STDERR}, stamped)


@pytest.mark.parametrize(
    ("command", "redirect", "message"),
    [
        ("cat -", "<&-", b"iolog: error: standard input is closed\n"),
        ("stat -", "<&-", b"iolog: error: standard input is closed\n"),
        ("write", "<&-", b"iolog: error: standard input is closed\n"),
        ("write", ">&-", b"iolog: error: standard output is closed\n"),
    ],
)
def test_a_closed_standard_stream_is_one_line(command, redirect, message):
    shell = f"{sys.executable} -m iolog {command} {redirect}"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, timeout=30)
    assert (result.returncode, result.stderr) == (1, message)


def test_cat_with_stdout_closed_is_one_line(mixed):
    shell = f"{sys.executable} -m iolog cat {mixed} >&-"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, timeout=30)
    assert (result.returncode, result.stderr) == (1, b"iolog: error: standard output is closed\n")
