"""``iolog record`` and ``iolog write`` when the log fails, end to end.

Real processes, real pipes and, where the machine allows it, a real 64 KiB
file system: whatever happens, each file decodes strictly (every frame
whole), the log and the rescue file together hold every line in order per
stream or the summary counts exactly what is missing, and the exit status is
the command's own only when every byte reached the log.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iolog import Entry, Stream
from iolog.core.format import encode_entry
from tests.faulty_sink import strict_entries

ENV = {**os.environ, "TZ": "UTC", "PYTHONDONTWRITEBYTECODE": "1"}
INCOMPLETE = 74


def iolog(*args: str, input: bytes | None = None, **options: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "iolog", *args],
        input=input,
        capture_output=True,
        timeout=60,
        env=ENV,
        **options,
    )


def program(lines: int, width: int = 50, status: int = 0) -> list[str]:
    """A command that alternates ``lines`` stdout and stderr lines of ``width`` bytes."""
    script = (
        "import sys\n"
        f"for i in range({lines}):\n"
        f"    print(f'out {{i:05d}} '.ljust({width - 1}, 'o'), flush=True)\n"
        f"    print(f'err {{i:05d}} '.ljust({width - 1}, 'e'), file=sys.stderr, flush=True)\n"
        f"sys.exit({status})\n"
    )
    return [sys.executable, "-c", script]


def expected(lines: int, width: int = 50) -> dict[Stream, list[bytes]]:
    return {
        Stream.STDOUT: [f"out {i:05d} ".ljust(width - 1, "o").encode() + b"\n" for i in range(lines)],
        Stream.STDERR: [f"err {i:05d} ".ljust(width - 1, "e").encode() + b"\n" for i in range(lines)],
    }


def by_stream(*files: Path) -> dict[Stream, list[bytes]]:
    """Every file decoded strictly, merged by time, split by stream."""
    entries: list[Entry] = []
    for path in files:
        entries += strict_entries(path.read_bytes())
    entries.sort(key=lambda e: e.timestamp_ns)
    return {stream: [e.message for e in entries if e.stream is stream] for stream in Stream}


def rescue_path(stderr: bytes) -> Path:
    found = re.search(rb"cannot take to (\S+\.iolog)\n", stderr)
    assert found, stderr
    return Path(found.group(1).decode())


def summary_numbers(stderr: bytes) -> tuple[int, int]:
    """(bytes in the rescue file, bytes lost) from the summary line."""
    line = stderr.strip().splitlines()[-1]
    assert line.startswith(b"iolog: error: not all output reached "), stderr
    rescued = re.search(rb"(\d+) bytes are in ", line)
    lost = re.search(rb"(\d+) bytes were lost", line)
    assert lost, line
    return (int(rescued.group(1)) if rescued else 0), int(lost.group(1))


@pytest.fixture
def tiny_fs(tmp_path: Path):
    """A 64 KiB tmpfs, if this machine lets us mount one."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        pytest.skip("needs Linux and mount(8) for a 64 KiB tmpfs")
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True
    )
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip() or "mount failed"
        pytest.skip(f"cannot mount a 64 KiB tmpfs here (needs root): {reason}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def test_a_full_file_system_diverts_whole_entries_to_the_rescue_file(tiny_fs, tmp_path):
    log = tiny_fs / "app.log"
    rescue_dir = tmp_path / "rescue"
    rescue_dir.mkdir()
    result = iolog("record", "-o", str(log), "--rescue-dir", str(rescue_dir), "--", *program(2000))
    assert result.returncode == INCOMPLETE, result.stderr
    rescue = rescue_path(result.stderr)
    assert rescue.parent == rescue_dir and log.stat().st_size <= 64 * 1024
    assert by_stream(log, rescue) == expected(2000)  # strict: nothing torn at the seam
    rescued, lost = summary_numbers(result.stderr)
    assert lost == 0 and rescued == sum(len(e.message) for e in strict_entries(rescue.read_bytes()))
    assert b"the command exited with status 0" in result.stderr


def test_the_log_is_written_again_once_space_returns(tiny_fs, tmp_path):
    log = tiny_fs / "app.log"
    filler = tiny_fs / "filler"
    filler.write_bytes(b"\0" * 56 * 1024)
    rescue_dir = tmp_path / "rescue"
    rescue_dir.mkdir()
    # Write until the log is full (a rescue file appears), free the space,
    # write until the log grows again, then once more.
    script = f"""
import os, time
deadline = time.monotonic() + 30
number = 0
while not os.listdir({str(rescue_dir)!r}) and time.monotonic() < deadline:
    print(f"line {{number:04d}} " + "x" * 60, flush=True)
    number += 1
os.remove({str(filler)!r})
size = os.path.getsize({str(log)!r})
while os.path.getsize({str(log)!r}) == size and time.monotonic() < deadline:
    print("waiting for the log", flush=True)
    time.sleep(0.05)
print("last line", flush=True)
"""
    command = [sys.executable, "-c", script]
    result = iolog("record", "-o", str(log), "--rescue-dir", str(rescue_dir), "--", *command)
    assert result.returncode == INCOMPLETE, result.stderr
    assert b"iolog: warning: " + str(log).encode() + b" can be written again" in result.stderr
    rescue = rescue_path(result.stderr)
    log_lines = [e.message for e in strict_entries(log.read_bytes())]
    assert log_lines[0] == b"line 0000 " + b"x" * 60 + b"\n" and log_lines[-1] == b"last line\n"
    out = by_stream(log, rescue)[Stream.STDOUT]
    numbered = [line for line in out if line.startswith(b"line ")]
    assert numbered == [b"line %04d " % i + b"x" * 60 + b"\n" for i in range(len(numbered))]
    assert out[: len(numbered)] == numbered and out[-1] == b"last line\n"
    assert set(out[len(numbered) : -1]) <= {b"waiting for the log\n"}
    assert summary_numbers(result.stderr)[1] == 0


def test_a_file_size_limit_names_the_rescue_file_and_counts_the_loss(tmp_path):
    log = tmp_path / "app.log"
    limit = 100 * 1024

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = iolog(
        "record", "-o", str(log), "--rescue-dir", str(tmp_path), "--", *program(3000),
        preexec_fn=limit_file_size,
    )
    assert result.returncode == INCOMPLETE, result.stderr
    rescue = rescue_path(result.stderr)
    assert b"File too large" in result.stderr and rescue.exists()
    assert log.stat().st_size <= limit and rescue.stat().st_size <= limit
    found = by_stream(log, rescue)
    rescued, lost = summary_numbers(result.stderr)
    assert rescued == sum(len(e.message) for e in strict_entries(rescue.read_bytes()))
    missing = 0
    for stream, lines in expected(3000).items():
        kept = set(found[stream])
        assert found[stream] == [line for line in lines if line in kept]  # in order, none twice
        missing += sum(len(line) for line in lines if line not in kept)
    assert lost == missing > 0


def test_a_nonblocking_pipe_with_a_slow_reader_is_waited_on(tmp_path):
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETFL, fcntl.fcntl(write_end, fcntl.F_GETFL) | os.O_NONBLOCK)
    child = subprocess.Popen(
        [sys.executable, "-m", "iolog", "record", "--rescue-dir", str(tmp_path)]
        + ["--", *program(8000, 100, 5)],
        stdout=write_end,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    os.close(write_end)
    received = bytearray()
    while chunk := os.read(read_end, 8192):
        received += chunk
        time.sleep(0.001)
    os.close(read_end)
    assert child.stderr is not None
    errors = child.stderr.read()
    child.stderr.close()
    assert child.wait(timeout=60) == 5 and errors == b""
    entries = sorted(strict_entries(bytes(received)), key=lambda e: e.timestamp_ns)
    assert {s: [e.message for e in entries if e.stream is s] for s in Stream} == expected(8000, 100)
    assert list(tmp_path.iterdir()) == []  # no rescue file


def test_alternating_streams_are_written_in_time_order(tmp_path):
    log = tmp_path / "alt.log"
    result = iolog("record", "-o", str(log), "--", *program(3000))
    assert result.returncode == 0 and result.stderr == b""
    stamps = [e.timestamp_ns for e in strict_entries(log.read_bytes())]
    assert stamps == sorted(stamps)
    stat = json.loads(iolog("stat", "--json", str(log)).stdout)
    assert (stat["entries"], stat["backward_timestamps"]) == (6000, 0)
    assert by_stream(log) == expected(3000)


def test_record_appends_like_write_and_truncate_replaces(tmp_path):
    log = tmp_path / "app.log"
    assert iolog("write", "-o", str(log), input=b"first\n").returncode == 0
    assert iolog("record", "-o", str(log), "--", sys.executable, "-c", "print('second')").returncode == 0
    assert iolog("record", "-o", str(log), "--append", "--", "echo", "third").returncode == 0
    assert [e.message for e in strict_entries(log.read_bytes())] == [b"first\n", b"second\n", b"third\n"]
    assert iolog("record", "-o", str(log), "--truncate", "--", "echo", "only").returncode == 0
    assert [e.message for e in strict_entries(log.read_bytes())] == [b"only\n"]
    assert iolog("write", "-o", str(log), "--truncate", input=b"new\n").returncode == 0
    assert [e.message for e in strict_entries(log.read_bytes())] == [b"new\n"]


def test_appending_onto_a_torn_entry_warns_once_and_starts_cleanly(tmp_path):
    log = tmp_path / "torn.log"
    whole = encode_entry(b"kept\n", timestamp_ns=1_700_000_000_000_000_000)
    torn = encode_entry(b"a line that was cut short\n", timestamp_ns=1_700_000_000_000_000_001)[:25]
    log.write_bytes(whole + torn)
    result = iolog("record", "-o", str(log), "--", sys.executable, "-c", "print('one'); print('two')")
    assert result.returncode == 0
    offset = len(whole)
    assert result.stderr == (
        f"iolog: warning: {log} ends in an incomplete entry (25 bytes at offset {offset}); "
        "the new entries start after it\n"
    ).encode()
    assert log.read_bytes()[: offset + 25] == whole + torn  # nothing of the old log is removed
    new = strict_entries(log.read_bytes()[offset + 25 :])  # the new entries are whole
    assert [e.message for e in new] == [b"one\n", b"two\n"]
    shown = iolog("cat", str(log))
    assert shown.stdout == b"kept\none\ntwo\n"
    again = iolog("write", "-o", str(log), input=b"three\n")
    assert again.returncode == 0 and again.stderr == b""  # the log ends cleanly now


def test_a_broken_pipe_diverts_and_says_so(tmp_path):
    shell = (
        f"{sys.executable} -m iolog record --rescue-dir {tmp_path} -- "
        f"{sys.executable} -c 'for i in range(200000): print(i)' | head -c 10 >/dev/null; "
        "exit ${PIPESTATUS[0]}"
    )
    result = subprocess.run(["bash", "-c", shell], capture_output=True, timeout=60, env=ENV)
    assert result.returncode == INCOMPLETE
    assert b"Broken pipe" in result.stderr and b"Traceback" not in result.stderr
    rescue = rescue_path(result.stderr)
    numbers = [int(e.message) for e in strict_entries(rescue.read_bytes())]
    assert numbers == list(range(numbers[0], 200000))  # everything after what the pipe took
    assert summary_numbers(result.stderr) == (rescue.stat().st_size - 16 * len(numbers), 0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["write", "--truncate"], "--truncate needs -o FILE"),
        (["record", "--truncate", "--", "true"], "--truncate needs -o FILE"),
        (["write", "-o", "{dir}/x.log", "--rescue-dir", "/no/d"], "--rescue-dir /no/d: no such directory"),
    ],
)
def test_output_usage_errors_are_one_line(tmp_path, args, message):
    result = iolog(*(arg.format(dir=tmp_path) for arg in args), input=b"")
    assert (result.returncode, result.stderr) == (2, f"iolog: error: {message}\n".encode())
    assert not (tmp_path / "x.log").exists()


def test_help_documents_the_statuses():
    for command in ("record", "write"):
        text = iolog(command, "--help").stdout
        assert b"exit status:" in text and b"\n  74 " in text and b"rescue file" in text
    assert b"CMD's own status" in iolog("record", "--help").stdout


def test_a_log_that_cannot_be_opened_is_one_line(tmp_path):
    result = iolog("record", "-o", str(tmp_path / "no" / "dir.log"), "--", "true")
    message = f"iolog: error: {tmp_path}/no/dir.log: no such file\n".encode()
    assert (result.returncode, result.stderr, result.stdout) == (1, message, b"")


def test_damaged_tail_decodes_only_the_end_of_a_log(tmp_path):
    from iolog import Skipped, Truncated
    from iolog.cli.logoutput import TAIL_CHECK_BYTES, damaged_tail

    path = tmp_path / "big.log"
    whole = b"".join(encode_entry(b"line %06d\n" % i, timestamp_ns=10**18 + i) for i in range(12000))
    assert len(whole) > 3 * TAIL_CHECK_BYTES
    path.write_bytes(b"")
    assert damaged_tail(str(path)) is None and damaged_tail(str(tmp_path / "missing")) is None
    path.write_bytes(whole)
    assert damaged_tail(str(path)) is None
    torn = encode_entry(b"cut short\n", timestamp_ns=2 * 10**18)[:20]
    path.write_bytes(whole + torn)
    assert damaged_tail(str(path)) == Truncated(offset=len(whole), length=20)
    garbage = b"\x00\xff junk \xfe"
    path.write_bytes(whole + garbage)
    assert damaged_tail(str(path)) == Skipped(offset=len(whole), length=len(garbage))
