"""End-to-end tests of the CLI with live sources: ``iolog cat`` on a device or
URL, ``--save``, ``iolog record --serial``, and the one-line errors.

No hardware: ptys from ``os.openpty()`` and a TCP server on 127.0.0.1. Two
ptys joined by a relay thread make a null-modem cable, so ``record`` and
``cat`` talk to each other without socat; a socat variant runs when it is
installed. Every wait is bounded.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path

import pytest

from iolog import Stream, read_entries
from iolog.core.format import encode_entry

BASE_NS = 1_764_000_000_000_000_000
GARBAGE = b"\x00\xffboot: starting tether...\r\n"
DEADLINE_S = 10.0
ENV = {**os.environ, "TZ": "UTC", "PYTHONUNBUFFERED": "1"}

LINES = [
    (Stream.STDOUT, b"starting\n"),
    (Stream.STDERR, b"warning: low disk\n"),
    (Stream.STDOUT, b"serving on :8080\n"),
    (Stream.STDERR, b"error: boom\n"),
    (Stream.STDOUT, b"bye\n"),
]


def framed(lines: list[tuple[Stream, bytes]]) -> bytes:
    return b"".join(
        encode_entry(message, timestamp_ns=BASE_NS + i * 1_000_000_000, stream=stream)
        for i, (stream, message) in enumerate(lines)
    )


def payload(lines: list[tuple[Stream, bytes]], stream: Stream) -> bytes:
    return b"".join(message for s, message in lines if s is stream)


class Running:
    """A CLI process whose stdout and stderr are collected by threads."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "iolog", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=ENV,
        )
        self.stdout = bytearray()
        self.stderr = bytearray()
        self._threads = [
            threading.Thread(target=self._collect, args=(pipe, into), daemon=True)
            for pipe, into in ((self.process.stdout, self.stdout),
                               (self.process.stderr, self.stderr))
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _collect(pipe: object, into: bytearray) -> None:
        fd = pipe.fileno()  # type: ignore[attr-defined]
        while chunk := os.read(fd, 65536):
            into += chunk

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        stop_at = time.monotonic() + DEADLINE_S
        while not condition():
            if self.process.poll() is not None:
                self.finish()
                raise AssertionError(
                    f"iolog exited ({self.process.returncode}) before {what}: "
                    f"stdout={bytes(self.stdout)!r} stderr={bytes(self.stderr)!r}"
                )
            if time.monotonic() > stop_at:
                self.kill()
                raise AssertionError(
                    f"timed out waiting for {what}: "
                    f"stdout={bytes(self.stdout)!r} stderr={bytes(self.stderr)!r}"
                )
            time.sleep(0.01)

    def finish(self) -> int:
        try:
            status = self.process.wait(DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        for thread in self._threads:
            thread.join(DEADLINE_S)
        return status

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(DEADLINE_S)


class Pty:
    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)

    def hang_up(self) -> None:
        if self.master >= 0:
            os.close(self.master)
            self.master = -1

    def close_slave(self) -> None:
        if self.slave >= 0:
            os.close(self.slave)
            self.slave = -1

    def close(self) -> None:
        self.hang_up()
        self.close_slave()


@pytest.fixture
def pty_pair() -> Pty:
    pair = Pty()
    yield pair  # type: ignore[misc]
    pair.close()


def one_line_error(result: subprocess.CompletedProcess[bytes]) -> str:
    assert result.returncode != 0
    text = result.stderr.decode()
    assert "Traceback" not in text
    assert text.count("\n") == 1 and text.endswith("\n"), text
    return text


def run_iolog(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "iolog", *args], capture_output=True, timeout=30, env=ENV
    )


# -- iolog cat on a live source ------------------------------------------------------------


def test_cat_pty_prints_streams_and_ends_without_reconnect(pty_pair: Pty) -> None:
    os.write(pty_pair.master, GARBAGE + framed(LINES))
    cat = Running("cat", "--no-reconnect", pty_pair.path)
    try:
        out, err = payload(LINES, Stream.STDOUT), payload(LINES, Stream.STDERR)
        cat.wait_for(lambda: cat.stdout == out and err in cat.stderr, "every entry")
        # A pty hangup discards unread input: hang up only once all is shown.
        pty_pair.hang_up()
        assert cat.finish() == 0
    finally:
        cat.kill()
    assert bytes(cat.stdout) == out
    messages = bytes(cat.stderr).replace(err, b"").decode()
    assert "disconnected" in messages
    assert f"skipped {len(GARBAGE)} undecodable bytes" in messages
    assert "Traceback" not in messages


def test_cat_pty_applies_stream_and_timestamps(pty_pair: Pty) -> None:
    os.write(pty_pair.master, framed(LINES))
    cat = Running("cat", "--no-reconnect", "-t", "--stream", "stderr", "-q", pty_pair.path)
    try:
        cat.wait_for(lambda: cat.stderr.count(b"\n") >= 2, "the stderr entries")
        pty_pair.hang_up()
        assert cat.finish() == 0
    finally:
        cat.kill()
    assert cat.stdout == b""
    lines = bytes(cat.stderr).splitlines()
    assert lines[:2] == [
        b"2025-11-24T16:00:01.000000000Z warning: low disk",
        b"2025-11-24T16:00:03.000000000Z error: boom",
    ]


class Server:
    """Serves ``data`` to one client on 127.0.0.1, then hangs up."""

    def __init__(self, data: bytes) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(DEADLINE_S)
        self.url = f"socket://127.0.0.1:{self.listener.getsockname()[1]}"
        self.data = data
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection:
            for index in range(0, len(self.data), 37):  # headers split across sends
                connection.sendall(self.data[index : index + 37])
                time.sleep(0.002)

    def close(self) -> None:
        self.thread.join(DEADLINE_S)
        self.listener.close()


def test_cat_socket_url_with_save_keeps_an_exact_copy(tmp_path: Path) -> None:
    sent = GARBAGE + framed(LINES)
    server = Server(sent)
    saved = tmp_path / "saved.log"
    try:
        result = run_iolog("cat", "--no-reconnect", "--save", str(saved), server.url)
    finally:
        server.close()
    assert result.returncode == 0, result.stderr
    assert result.stdout == payload(LINES, Stream.STDOUT)
    assert payload(LINES, Stream.STDERR) in result.stderr
    assert saved.read_bytes() == sent
    # The copy is an ordinary log.
    copy = run_iolog("cat", "-q", str(saved))
    assert copy.returncode == 0 and copy.stdout == payload(LINES, Stream.STDOUT)


def test_cat_save_appends(tmp_path: Path) -> None:
    saved = tmp_path / "saved.log"
    saved.write_bytes(b"earlier")
    server = Server(framed(LINES))
    try:
        result = run_iolog("cat", "--no-reconnect", "-q", "--save", str(saved), server.url)
    finally:
        server.close()
    assert result.returncode == 0, result.stderr
    assert saved.read_bytes() == b"earlier" + framed(LINES)


# -- iolog record --serial ------------------------------------------------------------------

COMMAND = [
    sys.executable, "-c",
    "import sys\n"
    "print('out one', flush=True)\n"
    "print('err one', file=sys.stderr, flush=True)\n"
    "print('out two', flush=True)\n"
    "sys.stderr.write('err two, no newline')\n",
]


def read_all(fd: int, into: bytearray, stop: threading.Event) -> None:
    """Copy from a pty master until the other side hangs up (EIO) or ``stop``."""
    while not stop.is_set():
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        into += chunk


def test_record_serial_writes_framed_streams(pty_pair: Pty) -> None:
    received = bytearray()
    stop = threading.Event()
    reader = threading.Thread(target=read_all, args=(pty_pair.master, received, stop), daemon=True)
    reader.start()
    result = run_iolog("record", "--serial", pty_pair.path, "--", *COMMAND)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    pty_pair.close_slave()  # the last slave: the master reads EIO after the data
    reader.join(DEADLINE_S)
    stop.set()
    entries = list(read_entries(io.BytesIO(bytes(received))))
    by_stream = {
        stream: b"".join(e.message for e in entries if e.stream is stream) for stream in Stream
    }
    assert by_stream[Stream.STDOUT] == b"out one\nout two\n"
    assert by_stream[Stream.STDERR] == b"err one\nerr two, no newline"


def relay(source_fd: int, target_fd: int, stop: threading.Event) -> None:
    """A null-modem cable: copy one pty master to another."""
    while not stop.is_set():
        try:
            chunk = os.read(source_fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        os.write(target_fd, chunk)


def test_record_on_one_pty_cat_on_another(tmp_path: Path) -> None:
    writer_side, reader_side = Pty(), Pty()
    stop = threading.Event()
    cable = threading.Thread(
        target=relay, args=(writer_side.master, reader_side.master, stop), daemon=True
    )
    cable.start()
    saved = tmp_path / "saved.log"
    cat = Running("cat", "--no-reconnect", "--save", str(saved), reader_side.path)
    try:
        cat.wait_for(lambda: b"connected" in cat.stderr, "the device to open")
        record = run_iolog("record", "--serial", writer_side.path, "--", *COMMAND)
        assert record.returncode == 0, record.stderr
        cat.wait_for(
            lambda: cat.stdout == b"out one\nout two\n"
            and b"err one\n" in cat.stderr
            and b"err two, no newline" in cat.stderr,
            "both streams",
        )
        reader_side.hang_up()
        assert cat.finish() == 0
    finally:
        stop.set()
        cat.kill()
        writer_side.close()
        reader_side.close()
    entries = list(read_entries(saved))
    assert [(e.stream, e.message) for e in entries if e.stream is Stream.STDERR] == [
        (Stream.STDERR, b"err one\n"), (Stream.STDERR, b"err two, no newline")
    ]


@pytest.mark.skipif(shutil.which("socat") is None, reason="socat is not installed")
def test_record_and_cat_over_a_socat_null_modem(tmp_path: Path) -> None:
    writer_path, reader_path = tmp_path / "ttyA", tmp_path / "ttyB"
    socat = subprocess.Popen(
        ["socat", f"pty,raw,echo=0,link={writer_path}", f"pty,raw,echo=0,link={reader_path}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        stop_at = time.monotonic() + DEADLINE_S
        while not (writer_path.exists() and reader_path.exists()):
            assert time.monotonic() < stop_at, "socat did not make its ptys"
            time.sleep(0.01)
        cat = Running("cat", "--no-reconnect", str(reader_path))
        try:
            cat.wait_for(lambda: b"connected" in cat.stderr, "the device to open")
            record = run_iolog("record", "--serial", str(writer_path), "--", *COMMAND)
            assert record.returncode == 0, record.stderr
            cat.wait_for(
                lambda: cat.stdout == b"out one\nout two\n" and b"err one\n" in cat.stderr,
                "both streams",
            )
        finally:
            cat.kill()
    finally:
        socat.terminate()
        socat.wait(DEADLINE_S)


# -- errors -------------------------------------------------------------------------------------


def test_cat_missing_device_is_one_line() -> None:
    message = one_line_error(run_iolog("cat", "serial:/dev/ttyNOSUCH9"))
    assert "/dev/ttyNOSUCH9" in message and "no such device" in message


def test_cat_bad_baud_is_one_line(pty_pair: Pty) -> None:
    message = one_line_error(run_iolog("cat", "--baud", "0", pty_pair.path))
    assert "baud" in message


def test_cat_busy_port_is_one_line(pty_pair: Pty) -> None:
    holder = Running("cat", pty_pair.path)
    try:
        holder.wait_for(lambda: b"connected" in holder.stderr, "the first reader")
        message = one_line_error(run_iolog("cat", pty_pair.path))
    finally:
        holder.kill()
    assert "busy" in message


def test_cat_unknown_scheme_and_refused_connection_are_one_line() -> None:
    assert "unknown URL scheme" in one_line_error(run_iolog("cat", "sockt://127.0.0.1:9"))
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    refused = one_line_error(run_iolog("cat", f"socket://127.0.0.1:{port}"))
    assert "connection refused" in refused


def test_cat_unwritable_save_is_one_line(tmp_path: Path, pty_pair: Pty) -> None:
    result = run_iolog("cat", "--save", str(tmp_path / "no" / "dir" / "x.log"), pty_pair.path)
    assert "x.log" in one_line_error(result)


def test_record_missing_device_is_one_line() -> None:
    message = one_line_error(run_iolog("record", "--serial", "/dev/ttyNOSUCH9", "--", "true"))
    assert "no such device" in message
