"""Which implementation of the hot loops runs: the C speed-up or its pure-Python twin.

This module owns that one decision. :data:`speedups` is the optional C
extension :mod:`iolog._speedups` when it was built and imports, unless the
environment sets ``IOLOG_PURE_PYTHON`` (to anything but ``0``); otherwise it
is ``None`` and every hot loop runs its pure-Python original, which stays
the reference: the two give identical results (``tests/test_native.py``
feeds both the same hostile bytes).

Each module with a hot loop reads :data:`speedups` when a pass (or a batch)
starts, so :func:`use` switches every such module at once, for tests and
benchmarks that compare the two in one process. The C functions work on
whole batches (array in, array out) and release the GIL while they loop.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

__all__ = ["BUILT", "Speedups", "speedups", "use"]


class Speedups(Protocol):
    """The interface of :mod:`iolog._speedups` (mypy checks the module's stub against it)."""

    def walk_batch(
        self, buf: bytes, i: int, batch_end: int, limit: int, previous_ts: int | None, /
    ) -> tuple[bytes, int, bytes, int | None, list[int]]: ...

    def last_bytes(self, buf: bytes, starts: object, count: int, /) -> bytes: ...

    def line_starts(
        self, streams: bytes, last_bytes: bytes, open_stdout: bool, open_stderr: bool, /
    ) -> tuple[bytes, bool, bool]: ...

    def span_stats(self, raw: bytes, first: int, last: int, /) -> tuple[int, int, int, int, int, int]: ...

    def gather(
        self, buf: bytes, starts: object, raw: bytes, first: int, last: int, which: int,
        stamp_lines: bytes | None = None, /,
    ) -> bytes: ...

    def docker_time(self, timestamp_ns: int, /) -> bytes: ...

    def index_regions(
        self, starts: object, raw: bytes, count: int, base: int, every: int,
        state: tuple[int, int, int, int, int, int, int, int, int, int, int, int | None],
        stop_since: int | None, /,
    ) -> tuple[
        int, tuple[bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes],
        tuple[int, int, int, int, int, int, int, int, int, int, int, int | None],
    ]: ...

    def line_rows(
        self, buf: bytes, starts: object, raw: bytes, count: int, base: int, open_stdout: bool,
        open_stderr: bool, since_ns: int | None, until_ns: int | None, /,
    ) -> tuple[bytes, bytes, int, bool, bool, int, int]: ...

    def number_streams(self, streams: bytes, first: int, /) -> tuple[bytes, bytes]: ...

    def line_hits(
        self, buf: bytes, starts: object, raw: bytes, count: int, open_stdout: bool, open_stderr: bool,
        needle: bytes | None, exact_case: bool, /,
    ) -> tuple[bytes, bytes, bytes, bytes, bytes, bytes, bool, bool]: ...

    def line_spans(
        self, raw: bytes, starts_line: bytes, first: int, stop: int, which: int, /
    ) -> tuple[bytes, bytes, bytes, bytes]: ...

    def running_max(self, stamps: bytes, initial: int | None, /) -> tuple[bytes, int | None]: ...

    def merge_runs(self, lanes: list[tuple[bytes, int, int]], /) -> bytes: ...

    def gather_lines(
        self, lanes: list[tuple[bytes, int, array[int], bytes, bytes, bytes, bytes, bytes]], runs: bytes,
        which: int, stamped: bool, /,
    ) -> bytes: ...


def _load() -> Speedups | None:
    try:
        from . import _speedups
    except ImportError:
        return None
    return _speedups


#: The extension, if it was built and imports (whatever ``IOLOG_PURE_PYTHON`` says).
BUILT: Speedups | None = _load()
#: The extension when it is to be used, else ``None`` (the pure-Python twins run).
speedups: Speedups | None = None if os.environ.get("IOLOG_PURE_PYTHON", "") not in ("", "0") else BUILT


@contextmanager
def use(implementation: Speedups | None) -> Iterator[None]:
    """Within it, run ``implementation`` (``None``: the pure-Python twins).

    Args:
        implementation: :data:`BUILT`, or ``None``.
    """
    global speedups
    before = speedups
    speedups = implementation
    try:
        yield
    finally:
        speedups = before
