"""The ``--demo`` source: a realistic container log, written as you watch.

A background thread drives two :class:`iolog.LogWriter` s (stdout and stderr)
sharing one file: a service boots, serves requests with ANSI-coloured log
levels, dumps a configuration line longer than one entry (4095 bytes), hits a
database timeout with a multi-line stack trace on stderr, and has its clock
stepped back by NTP. The script is deterministic; with a fixed clock and
:meth:`DemoWriter.write_steps` it makes the same bytes every time (tests and
screenshots use that).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

from iolog import LogWriter, SourceState, SourceStatus, Stream

__all__ = ["DemoClock", "DemoWriter", "StepClock", "demo_lines"]

_GREEN = "\x1b[32m"
_YELLOW = "\x1b[33m"
_RED = "\x1b[31m"
_CYAN = "\x1b[36m"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"

_PATHS = ("/api/v1/orders", "/api/v1/items", "/healthz", "/api/v1/users/me", "/metrics")
_METHODS = ("GET", "GET", "GET", "POST", "PUT")

#: How far the demo clock steps back when "NTP" corrects it.
CLOCK_STEP_BACK_NS = 90 * 1_000_000_000

# One chunk of the script: (stream, bytes, pause in seconds after it). A
# ``None`` stream steps the clock back instead of writing.
Step = tuple[Stream | None, bytes, float]


# The level words are plain: the viewer colours them itself (a colour sequence
# right before a word makes it part of something else for iolog's level rule).
def _info(message: str) -> bytes:
    return f"INFO  {message}\n".encode()


def _warn(message: str) -> bytes:
    return f"WARN  {message}\n".encode()


def _error(message: str) -> bytes:
    return f"ERROR {message}\n".encode()


def _config_dump() -> bytes:
    values: dict[str, object] = {
        f"feature.flag_{number:03d}": number % 3 == 0 for number in range(180)
    }
    values["database.url"] = "postgres://orders@db:5432/orders"
    line = json.dumps({"event": "config_loaded", "values": values}, separators=(",", ":"))
    return f"DEBUG config {_CYAN}{line}{_RESET}\n".encode()


_STACK_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/app/orders/server.py", line 88, in handle\n'
    "    result = self.db.query(sql, timeout=5.0)\n"
    '  File "/app/orders/db.py", line 41, in query\n'
    "    raise QueryTimeout(f\"query took longer than {timeout}s\")\n"
    "orders.db.QueryTimeout: query took longer than 5.0s\n"
)


def demo_lines() -> Iterator[Step]:
    """The demo script: boot, then requests forever, with its incidents.

    Yields:
        ``(stream, data, pause_s)`` steps; ``stream`` ``None`` means "step the
        clock back".
    """
    out, err = Stream.STDOUT, Stream.STDERR
    yield out, _info("starting orders-api version=2.7.1 pid=1"), 0.2
    yield out, _info("listening on 0.0.0.0:8080"), 0.2
    yield err, _warn("TLS certificate expires in 6 days (CN=orders.internal)"), 0.2
    yield out, _config_dump(), 0.3
    request = 0
    while True:
        request += 1
        method = _METHODS[request % len(_METHODS)]
        path = _PATHS[request * 7 % len(_PATHS)]
        status = 200 if request % 9 else 404
        colour = _GREEN if status == 200 else _YELLOW
        duration_ms = 3 + request * 37 % 140
        # Written in two pieces: the entry is stamped when its newline arrives.
        yield out, f"{_DIM}req={request:05d}{_RESET} {method} {path} ".encode(), 0.05
        yield out, f"{colour}{status}{_RESET} {duration_ms}ms\n".encode(), 0.25
        if request % 12 == 5:
            yield err, _error(f"req={request:05d} database timeout, retrying"), 0.1
            yield err, _STACK_TRACE.encode(), 0.3
        if request % 17 == 8:
            yield err, _warn(f"slow request req={request:05d} took {duration_ms * 20}ms"), 0.2
        if request == 14:
            yield None, b"", 0.0
            yield err, _warn("ntp: clock stepped back 90s; timestamps jump backwards"), 0.3


class StepClock:
    """A deterministic clock for pictures and tests: ``step_ns`` more per reading.

    Args:
        start_ns: the first reading (unix ns).
        step_ns: how much each reading adds.
    """

    def __init__(self, start_ns: int, step_ns: int) -> None:
        self.now_ns = start_ns
        self.step_ns = step_ns

    def __call__(self) -> int:
        value = self.now_ns
        self.now_ns += self.step_ns
        return value


class DemoClock:
    """A clock that can be stepped back, as NTP does to a fresh VM.

    Args:
        base: unix nanoseconds source (``time.time_ns`` by default).
    """

    def __init__(self, base: Callable[[], int] = time.time_ns) -> None:
        self._base = base
        self._offset_ns = 0

    def __call__(self) -> int:
        return self._base() + self._offset_ns

    def step_back(self, delta_ns: int = CLOCK_STEP_BACK_NS) -> None:
        """Make every later reading ``delta_ns`` earlier."""
        self._offset_ns -= delta_ns


class DemoWriter:
    """Write the demo script into a log file, in a thread or in one go.

    Args:
        path: the log file to append to.
        clock: unix nanoseconds for entry stamps (a :class:`DemoClock` wraps it).
        speed: how many times faster than the script's pauses to run.
    """

    def __init__(
        self, path: str, *, clock: Callable[[], int] = time.time_ns, speed: float = 1.0
    ) -> None:
        self.path = path
        self.clock = DemoClock(clock)
        self.speed = speed
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def write_steps(self, count: int) -> None:
        """Write the first ``count`` steps of the script at once (no pauses)."""
        with open(self.path, "ab", buffering=0) as sink:
            writers = self._writers(sink)
            for number, (stream, data, _pause_s) in enumerate(demo_lines()):
                if number >= count:
                    break
                self._write(writers, stream, data)
            for writer in writers.values():
                writer.close()

    def start(self, on_status: Callable[[SourceStatus], None]) -> None:
        """Start writing in a background thread until :meth:`stop`."""
        on_status(SourceStatus(SourceState.CONNECTED, "demo writer started"))
        self._thread = threading.Thread(target=self._run, name="iolog-demo", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the writer thread."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def _writers(self, sink: object) -> dict[Stream, LogWriter]:
        return {
            stream: LogWriter(sink, stream=stream, clock=self.clock)  # type: ignore[arg-type]
            for stream in Stream
        }

    def _write(self, writers: dict[Stream, LogWriter], stream: Stream | None, data: bytes) -> None:
        if stream is None:
            self.clock.step_back()
            return
        writer = writers[stream]
        writer.write(data)
        if not data.endswith(b"\n"):
            return
        writer.flush()

    def _run(self) -> None:
        with open(self.path, "ab", buffering=0) as sink:
            writers = self._writers(sink)
            for stream, data, pause_s in demo_lines():
                if self._stopping.is_set():
                    break
                self._write(writers, stream, data)
                if pause_s and self._stopping.wait(pause_s / self.speed):
                    break
            for writer in writers.values():
                writer.close()
