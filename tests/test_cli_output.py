"""Printing exactly once: partial writes continue, and a stop never repeats or drops bytes."""

from __future__ import annotations

import io
import os
import signal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iolog.cli.output import Stopped, stopped_by_signals, write_pending


class RawOut(io.RawIOBase):
    """A raw file that takes at most ``sizes[k]`` bytes at its k-th write, and may be stopped there."""

    def __init__(self, sizes: list[int], stop_at: int | None) -> None:
        self.sizes = sizes
        self.stop_at = stop_at
        self.calls = 0
        self.got = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[no-untyped-def, override]
        size = self.sizes[self.calls % len(self.sizes)]
        taken = bytes(data[: max(1, size)])
        self.got += taken
        if self.calls == self.stop_at:
            os.kill(os.getpid(), signal.SIGTERM)  # arrives as the write returns
        self.calls += 1
        return len(taken)


pieces = st.lists(st.binary(min_size=1, max_size=40), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(pieces, st.lists(st.integers(1, 50), min_size=1, max_size=5), st.none() | st.integers(0, 30))
def test_every_byte_is_written_once_however_the_writes_split_and_whenever_a_stop_comes(
    given_pieces: list[bytes], sizes: list[int], stop_at: int | None
) -> None:
    out = RawOut(sizes, stop_at)
    pending = list(given_pieces)
    stopped = False
    with stopped_by_signals():
        try:
            write_pending(out, pending)  # type: ignore[arg-type]
        except Stopped:
            stopped = True
        # What the printer does on its way out after a stop: write what is left.
        write_pending(out, pending)  # type: ignore[arg-type]
    assert bytes(out.got) == b"".join(given_pieces)
    assert pending == []
    assert stopped == (stop_at is not None and stop_at < out.calls)


def test_a_transform_sees_each_byte_once() -> None:
    seen: list[bytes] = []

    def transform(data: bytes) -> bytes:
        seen.append(data)
        return data.upper()

    out = RawOut([3], None)
    pending = [b"ab", b"cd"]
    write_pending(out, pending, transform)  # type: ignore[arg-type]
    write_pending(out, pending, transform)  # type: ignore[arg-type]
    assert bytes(out.got) == b"ABCD" and seen == [b"abcd"]


def test_a_second_stop_while_writing_is_not_held() -> None:
    class Stuck(RawOut):
        def write(self, data) -> int:  # type: ignore[no-untyped-def, override]
            if self.calls < 2:
                self.calls += 1
                os.kill(os.getpid(), signal.SIGINT)
                return 0 if self.calls == 1 else 1  # nothing taken, then one byte
            return super().write(data)

    out = Stuck([100], None)
    with stopped_by_signals(), pytest.raises(KeyboardInterrupt):
        write_pending(out, [b"xy"])  # type: ignore[arg-type]


def test_a_stop_during_code_made_from_a_string_still_exits_0(tmp_path) -> None:
    """Under ``python -m iolog``, a stop that arrives while CPython runs code from a
    string (a dataclass being made as a module is imported) must not turn the exit
    status 0 into death by SIGINT once the command has handled it."""
    import subprocess
    import sys

    from iolog.core.format import encode_entry

    log = tmp_path / "app.log"
    log.write_bytes(encode_entry(b"hello\n", timestamp_ns=1_764_000_000_000_000_000))
    (tmp_path / "sitecustomize.py").write_text(
        "import iolog.cli.cat as cat\n"
        "def _stopped_while_importing(*args, **kwargs):\n"
        "    exec('raise KeyboardInterrupt')  # as a stop inside a dataclass's generated code\n"
        "cat._cat_file = _stopped_while_importing\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), root]))
    done = subprocess.run([sys.executable, "-m", "iolog", "cat", str(log)], env=env, capture_output=True,
                          timeout=60)
    assert (done.returncode, done.stderr) == (0, b"")
