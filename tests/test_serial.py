"""Tests for iolog.sources.serial: live sources over ptys and local TCP, and the pump.

No hardware: a pty pair stands in for a serial line, a TCP server on
127.0.0.1 for ``socket://``. Every wait is bounded by a deadline.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
import tty
from collections.abc import Callable, Iterable, Iterator

import pytest

from iolog import (
    Entry,
    InvalidArgumentError,
    IologError,
    SerialSource,
    Skipped,
    SourceError,
    SourceState,
    SourceStatus,
    Stream,
    Truncated,
)
from iolog.core.errors import SaveError
from iolog.core.format import encode_entry
from iolog.sources.live import live_events
from iolog.sources.serialport import open_serial_writer

BASE_NS = 1_764_000_000_000_000_000
GARBAGE = b"\x00\xffU-Boot 2024.01 booting...\r\n\x1b[0m== not a header ==\r\n"
DEADLINE_S = 5.0

Item = Entry | Skipped | Truncated | SourceStatus


def make_entries(count: int, start: int = 0) -> list[Entry]:
    """Entries with distinct timestamps, both streams, and awkward payloads."""
    entries = []
    for number in range(start, start + count):
        stream = Stream.STDERR if number % 3 == 2 else Stream.STDOUT
        message = b"line %d: " % number + bytes(range(number % 7)) + b"\xc3\xa9\n"
        entries.append(Entry(BASE_NS + number * 1_000_003, stream, message))
    return entries


def frame(entries: Iterable[Entry]) -> bytes:
    return b"".join(
        encode_entry(e.message, timestamp_ns=e.timestamp_ns, stream=e.stream) for e in entries
    )


def same(entries: Iterable[Entry]) -> list[tuple[int, Stream, bytes]]:
    return [(e.timestamp_ns, e.stream, e.message) for e in entries]


def pump(
    items: Iterator[list[Item]],
    done: Callable[[list[Item]], bool],
    *,
    deadline_s: float = DEADLINE_S,
) -> list[Item]:
    """Collect batches until ``done(events)`` or the iterator ends; bounded."""
    events: list[Item] = []
    stop_at = time.monotonic() + deadline_s
    for batch in items:
        events.extend(batch)
        if done(events):
            break
        assert time.monotonic() < stop_at, f"timed out; got {events!r}"
    return events


def entries_of(events: Iterable[Item]) -> list[Entry]:
    return [e for e in events if isinstance(e, Entry)]


def skipped_bytes(events: Iterable[Item]) -> int:
    return sum(e.length for e in events if isinstance(e, Skipped))


def statuses(events: Iterable[Item]) -> list[SourceState]:
    return [e.state for e in events if isinstance(e, SourceStatus)]


class Pty:
    """A pty pair: the test writes the master, the source reads the slave path."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)

    def write_in_pieces(self, pieces: Iterable[bytes], pause_s: float) -> threading.Thread:
        def run() -> None:
            for piece in pieces:
                os.write(self.master, piece)
                time.sleep(pause_s)

        writer = threading.Thread(target=run, daemon=True)
        writer.start()
        return writer

    def close_master(self) -> None:
        if self.master >= 0:
            os.close(self.master)
            self.master = -1

    def close(self) -> None:
        self.close_master()
        os.close(self.slave)


@pytest.fixture
def pty_pair() -> Iterator[Pty]:
    pair = Pty()
    yield pair
    pair.close()


# -- is_live_spec ----------------------------------------------------------------

is_live_spec = SerialSource.is_live_spec


def test_is_live_spec_character_devices(pty_pair: Pty) -> None:
    assert is_live_spec(pty_pair.path)
    assert is_live_spec("/dev/tty") or not os.path.exists("/dev/tty")


def test_is_live_spec_prefix_and_urls(tmp_path: os.PathLike[str]) -> None:
    assert is_live_spec("serial:/dev/ttyS2")
    assert is_live_spec("serial:/no/such/device")
    for url in ("socket://127.0.0.1:7000", "rfc2217://host:2217", "loop://", "spy://x",
                "alt:///dev/ttyS0?class=PosixPollSerial", "hwgrep://USB"):
        assert is_live_spec(url), url
    # A mistyped scheme is live too, so opening it says "unknown URL scheme".
    assert is_live_spec("sockt://127.0.0.1:7000")


def test_is_live_spec_files_are_not_live(tmp_path: os.PathLike[str]) -> None:
    log = os.path.join(tmp_path, "app.log")
    with open(log, "wb"):
        pass
    assert not is_live_spec(log)
    assert not is_live_spec(os.fspath(tmp_path))
    assert not is_live_spec(os.path.join(tmp_path, "missing.log"))
    assert not is_live_spec(os.devnull)
    assert not is_live_spec("-")
    fifo = os.path.join(tmp_path, "fifo")
    os.mkfifo(fifo)
    assert not is_live_spec(fifo)


def test_import_iolog_does_not_import_pyserial() -> None:
    code = (
        "import iolog, sys; "
        "iolog.SerialSource.is_live_spec('socket://h:1'); "
        "assert 'serial' not in sys.modules, 'pyserial imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


# -- pty ---------------------------------------------------------------------------


def test_pty_garbage_then_split_headers(pty_pair: Pty) -> None:
    expected = make_entries(6)
    stream = GARBAGE + frame(expected)
    first = len(GARBAGE)
    # Cut through the first header, the third header, and a payload; pause
    # longer than a read timeout so the reads really are split there.
    cuts = [first + 7, first + 16 + len(expected[0].message) + 3, len(stream) - 5]
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    seen_chunks: list[bytes] = []

    with SerialSource(pty_pair.path, read_timeout_s=0.02) as source:
        def recorded() -> Iterator[bytes | SourceStatus]:
            for item in source.chunks():
                if isinstance(item, bytes) and item:
                    seen_chunks.append(item)
                yield item

        writer = pty_pair.write_in_pieces(pieces, pause_s=0.08)
        events = pump(live_events(recorded()), lambda ev: len(entries_of(ev)) == len(expected))
        writer.join(DEADLINE_S)

    assert same(entries_of(events)) == same(expected)
    assert skipped_bytes(events) == len(GARBAGE)
    assert entries_of(events)[0].offset == len(GARBAGE)
    assert statuses(events) == [SourceState.CONNECTED]
    assert b"".join(seen_chunks) == stream
    ends = {sum(map(len, seen_chunks[: i + 1])) for i in range(len(seen_chunks))}
    assert first + 7 in ends  # a header really was split across two reads


def test_pty_keeps_bytes_written_before_open(pty_pair: Pty) -> None:
    expected = make_entries(3)
    os.write(pty_pair.master, frame(expected))
    with SerialSource(pty_pair.path) as source:
        events = pump(live_events(source.chunks()), lambda ev: len(entries_of(ev)) == 3)
    assert same(entries_of(events)) == same(expected)


def test_pty_master_closed_without_reconnect_ends(pty_pair: Pty) -> None:
    expected = make_entries(4)
    tail = frame(make_entries(1, start=99))[:20]  # a torn entry at the end
    sent = frame(expected) + tail
    saved = io.BytesIO()

    def hang_up_once_all_is_read(events: list[Item]) -> bool:
        # A pty hangup discards unread input, so hang up only after reading.
        if saved.getvalue() == sent:
            pty_pair.close_master()
        return False

    with SerialSource(pty_pair.path, reconnect=False) as source:
        os.write(pty_pair.master, sent)
        events = pump(live_events(source.chunks(), save=saved), hang_up_once_all_is_read)

    assert same(entries_of(events)) == same(expected)
    assert [e for e in events if isinstance(e, Truncated)] == [
        Truncated(len(frame(expected)), len(tail))
    ]
    assert statuses(events) == [SourceState.CONNECTED, SourceState.ENDED]
    ended = events[-1]
    assert isinstance(ended, SourceStatus) and ended.state is SourceState.ENDED
    assert ended.message.startswith("disconnected (") and "\n" not in ended.message


def test_pty_master_closed_with_reconnect_keeps_trying_until_closed(pty_pair: Pty) -> None:
    with SerialSource(pty_pair.path, read_timeout_s=0.02, max_backoff_s=0.1) as source:
        chunks = source.chunks()
        assert next(chunks) == SourceStatus(SourceState.CONNECTED, "connected at 115200 baud")
        os.write(pty_pair.master, b"x")
        items: list[bytes | SourceStatus] = []
        while b"x" not in items:
            items.append(next(chunks))
        pty_pair.close_master()
        stop_at = time.monotonic() + DEADLINE_S
        idle_after_disconnect = 0
        for item in chunks:
            items.append(item)
            if any(isinstance(i, SourceStatus) for i in items) and item == b"":
                idle_after_disconnect += 1
                if idle_after_disconnect == 20:
                    break
            assert time.monotonic() < stop_at
        # The pty is gone for good: it keeps retrying, and stays responsive.
        disconnected = [i for i in items if isinstance(i, SourceStatus)]
        assert [s.state for s in disconnected] == [SourceState.DISCONNECTED]
        assert "reconnecting" in disconnected[0].message
        assert b"".join(i for i in items if isinstance(i, bytes)) == b"x"

        closer = threading.Timer(0.1, source.close)
        closer.start()
        started = time.monotonic()
        rest = list(chunks)
        assert time.monotonic() - started < 1.0
        assert all(item == b"" for item in rest)
        closer.join()


def test_close_from_another_thread_stops_reading(pty_pair: Pty) -> None:
    source = SerialSource(pty_pair.path, read_timeout_s=0.5)
    source.open()
    closer = threading.Timer(0.1, source.close)
    closer.start()
    started = time.monotonic()
    items = list(source.chunks())
    assert time.monotonic() - started < 1.5
    closer.join(DEADLINE_S)
    assert statuses(i for i in items if isinstance(i, SourceStatus)) == [SourceState.CONNECTED]
    assert not source.is_open


# -- socket:// -----------------------------------------------------------------------


class Server:
    """A TCP server on 127.0.0.1 that plays one script per connection."""

    def __init__(
        self, scripts: list[list[bytes]], *, pause_s: float = 0.0, keep_last_open: bool = True
    ) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(DEADLINE_S)
        self.url = f"socket://127.0.0.1:{self.listener.getsockname()[1]}"
        self.scripts = scripts
        self.pause_s = pause_s
        self.keep_last_open = keep_last_open
        self.sent = bytearray()
        self.release = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for number, script in enumerate(self.scripts):
                connection, _ = self.listener.accept()
                with connection:
                    for piece in script:
                        connection.sendall(piece)
                        self.sent += piece
                        time.sleep(self.pause_s)
                    if self.keep_last_open and number == len(self.scripts) - 1:
                        self.release.wait(DEADLINE_S)  # the last one stays open
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc

    def close(self) -> None:
        self.release.set()
        self.thread.join(DEADLINE_S)
        self.listener.close()
        assert self.error is None, self.error


def test_socket_reconnect_loses_nothing_sent_after_it(tmp_path: os.PathLike[str]) -> None:
    before = make_entries(5)
    after = make_entries(5, start=5)
    torn = frame(make_entries(1, start=50))[:20]
    first_stream = GARBAGE + frame(before)
    server = Server(
        [
            [first_stream[:40], first_stream[40:], torn],  # then the server hangs up
            [frame(after[:2]), frame(after[2:])],  # sent as soon as it accepts
        ]
    )
    save_path = os.path.join(tmp_path, "saved.log")
    try:
        with SerialSource(server.url, max_backoff_s=0.2) as source, open(save_path, "wb") as save:
            events = pump(
                live_events(source.chunks(), save=save),
                lambda ev: len(entries_of(ev)) == 10,
            )
    finally:
        server.close()

    assert same(entries_of(events)) == same(before + after)
    assert statuses(events) == [
        SourceState.CONNECTED, SourceState.DISCONNECTED, SourceState.CONNECTED
    ]
    assert skipped_bytes(events) == len(GARBAGE)
    truncated = [e for e in events if isinstance(e, Truncated)]
    assert truncated == [Truncated(len(first_stream), len(torn))]
    # Offsets count the whole stream, so they index the saved copy.
    reconnected = [e for e in events if isinstance(e, SourceStatus)][2]
    assert reconnected.offset == len(first_stream) + len(torn)
    with open(save_path, "rb") as saved:
        copy = saved.read()
    assert copy == bytes(server.sent)
    for entry in entries_of(events):
        assert entry.offset is not None
        assert copy[entry.offset + 16 : entry.offset + 16 + entry.size] == entry.message


def test_socket_without_reconnect_ends_after_last_entry() -> None:
    expected = make_entries(3)
    server = Server([[frame(expected)]], keep_last_open=False)
    try:
        with SerialSource(server.url, reconnect=False) as source:
            events = pump(live_events(source.chunks()), lambda ev: False)
    finally:
        server.close()
    assert same(entries_of(events)) == same(expected)
    assert statuses(events) == [SourceState.CONNECTED, SourceState.ENDED]


def test_loop_url_round_trip() -> None:
    expected = make_entries(2)
    with SerialSource("loop://", read_timeout_s=0.01) as source:
        chunks = source.chunks()
        assert isinstance(next(chunks), SourceStatus)
        assert source._port is not None
        source._port.write(frame(expected))
        events = pump(live_events(chunks), lambda ev: len(entries_of(ev)) == 2)
    assert same(entries_of(events)) == same(expected)


# -- live_events (device independent) -------------------------------------------------


def test_live_events_idle_flushes_the_newest_entry() -> None:
    data = frame(make_entries(2))
    batches = list(live_events([SourceStatus(SourceState.CONNECTED, "up"), data, b""]))
    # Without a successor the second entry waits; the idle chunk releases it.
    assert len(entries_of(batches[1])) == 1
    assert len(entries_of(batches[2])) == 1
    assert batches[3] == []  # the final close has nothing left


def test_live_events_yields_a_batch_per_item() -> None:
    items: list[bytes | SourceStatus] = [b"", b"", b"junk", b""]
    batches = list(live_events(items))
    assert len(batches) == len(items) + 1
    assert batches[0] == [] and batches[1] == []


def test_live_events_save_is_written_before_decoding() -> None:
    saved = io.BytesIO()
    data = frame(make_entries(3))

    def chunks() -> Iterator[bytes]:
        for index in range(0, len(data), 11):
            yield data[index : index + 11]
            # By the time the next chunk is asked for, this one is saved.
            assert saved.getvalue() == data[: index + 11]

    list(live_events(chunks(), save=saved))
    assert saved.getvalue() == data


class FailingFile(io.BytesIO):
    name = "/mnt/full/saved.log"

    def write(self, data: object) -> int:
        raise OSError(28, "No space left on device")


def test_live_events_save_failure_stops_at_once() -> None:
    asked = []

    def chunks() -> Iterator[bytes]:
        for chunk in (b"abc", b"def"):
            asked.append(chunk)
            yield chunk

    with pytest.raises(SaveError) as caught:
        list(live_events(chunks(), save=FailingFile()))
    message = str(caught.value)
    assert "/mnt/full/saved.log" in message and "No space left" in message
    assert "\n" not in message
    assert asked == [b"abc"]
    assert isinstance(caught.value, IologError)


def test_live_events_reconnect_starts_a_fresh_decoder() -> None:
    first = frame(make_entries(2))
    second = frame(make_entries(2, start=2))
    items: list[bytes | SourceStatus] = [
        SourceStatus(SourceState.CONNECTED, "up"),
        first + second[:10],  # a torn entry when the line drops
        SourceStatus(SourceState.DISCONNECTED, "down"),
        b"",
        SourceStatus(SourceState.CONNECTED, "up again"),
        b"#noise#" + second,
        b"",
    ]
    events = [e for batch in live_events(items) for e in batch]
    assert same(entries_of(events)) == same(make_entries(4))
    assert [e for e in events if isinstance(e, Truncated)] == [Truncated(len(first), 10)]
    assert [e for e in events if isinstance(e, Skipped)] == [Skipped(len(first) + 10, 7)]
    down = [e for e in events if isinstance(e, SourceStatus)][1]
    assert down.offset == len(first) + 10


# -- errors ------------------------------------------------------------------------------


def one_line_error(spec: str, **options: object) -> str:
    with pytest.raises(SourceError) as caught:
        SerialSource(spec, **options).open()  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message and message
    return message


def test_error_nonexistent_device() -> None:
    message = one_line_error("/dev/ttyNOSUCH9")
    assert "/dev/ttyNOSUCH9" in message and "no such device" in message


def test_error_not_a_serial_device(tmp_path: os.PathLike[str]) -> None:
    message = one_line_error("serial:" + os.devnull)
    assert "not a serial device" in message


@pytest.mark.parametrize("baud", [0, -9600, 3.5, "fast", True])
def test_error_bad_baud(pty_pair: Pty, baud: object) -> None:
    message = one_line_error(pty_pair.path, baud=baud)
    assert "baud" in message


def test_error_baud_pyserial_rejects(pty_pair: Pty) -> None:
    message = one_line_error(pty_pair.path, baud=10**12)
    assert "baud rate 1000000000000" in message


def test_error_unknown_scheme() -> None:
    message = one_line_error("sockt://127.0.0.1:7000")
    assert "unknown URL scheme 'sockt://'" in message


def test_error_socket_without_port() -> None:
    assert "socket://HOST:PORT" in one_line_error("socket://127.0.0.1")


def test_error_connection_refused() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    assert "connection refused" in one_line_error(f"socket://127.0.0.1:{port}")


def test_error_port_busy(pty_pair: Pty) -> None:
    with SerialSource(pty_pair.path):
        message = one_line_error(pty_pair.path)
    assert "busy" in message


def test_error_permission_denied_mocked(
    pty_pair: Pty, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def deny(path: str, flags: int, *args: object) -> int:
        if path == pty_pair.path:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", deny)
    message = one_line_error(pty_pair.path)
    assert "permission denied" in message


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
def test_error_permission_denied_for_real(pty_pair: Pty) -> None:
    os.chmod(pty_pair.path, 0o600)
    code = (
        "import sys; from iolog.sources.serial import SerialSource, SourceError\n"
        "try:\n    SerialSource(sys.argv[1]).open()\n"
        "except SourceError as e:\n    print(e)\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code, pty_pair.path],
            user=65534, capture_output=True, text=True, timeout=30,
        )
    except PermissionError:
        pytest.skip("the unprivileged user cannot run this Python")
    if "Error" in result.stderr:
        pytest.skip(f"the unprivileged user cannot import iolog here: {result.stderr[-200:]}")
    assert "permission denied" in result.stdout, result


def test_open_serial_writer_writes_to_the_line(pty_pair: Pty) -> None:
    data = frame(make_entries(2))
    with open_serial_writer(pty_pair.path) as writer:
        assert writer.write(data) == len(data)
        writer.flush()
    received = b""
    stop_at = time.monotonic() + DEADLINE_S
    while len(received) < len(data) and time.monotonic() < stop_at:
        received += os.read(pty_pair.master, 4096)
    assert received == data


def test_open_serial_writer_errors_are_source_errors() -> None:
    with pytest.raises(SourceError, match="no such device"):
        open_serial_writer("/dev/ttyNOSUCH9")
    with pytest.raises(SourceError, match="baud"):
        open_serial_writer("loop://", baud=0)


def test_serial_writer_failure_is_a_source_error_and_an_oserror(pty_pair: Pty) -> None:
    writer = open_serial_writer(pty_pair.path)
    try:
        pty_pair.close_master()  # the line goes away under the writer
        with pytest.raises(SourceError) as caught:
            for _ in range(100):  # the first write may still land in the buffer
                writer.write(b"x" * 4096)
        assert isinstance(caught.value, OSError)  # so a LogWriter keeps its frames
        assert str(caught.value).startswith(f"{pty_pair.path}: write failed (")
        assert "\n" not in str(caught.value)
    finally:
        try:
            writer.close()
        except SourceError:
            pass
    assert writer.closed


@pytest.mark.parametrize("options", [{"read_timeout_s": 0}, {"max_backoff_s": -1.0}])
def test_source_rejects_bad_timings(options: dict[str, float]) -> None:
    with pytest.raises(InvalidArgumentError):
        SerialSource("loop://", **options)  # type: ignore[arg-type]
