"""Where a sink's frames go when it fails: the policy, the rescue file, the report.

This module owns the vocabulary of a sink that cannot be written: a
:class:`Diversion` says where refused frames go instead (a rescue file,
then bounded memory, retried every second), :func:`open_rescue_file` makes
the rescue file, and a :class:`DeliveryReport` says afterwards where every
payload byte went. :class:`~iolog.sinkwriter.SinkWriter` carries it out.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from .framefile import RawSink

__all__ = [
    "DEFAULT_HOLD_LIMIT_BYTES",
    "DEFAULT_RETRY_INTERVAL_S",
    "DeliveryReport",
    "Diversion",
    "open_rescue_file",
]

#: Frame bytes a :class:`Diversion` holds in memory when no file can take them.
DEFAULT_HOLD_LIMIT_BYTES = 16 << 20
#: How often a :class:`Diversion` retries a sink (and rescue file) that failed.
DEFAULT_RETRY_INTERVAL_S = 1.0


def open_rescue_file(directory: str | None, label: str) -> tuple[BinaryIO, str]:
    """Create a new, empty rescue file (unbuffered) and return it with its path.

    Args:
        directory: where to create it; ``None`` for the temporary directory
            (``$TMPDIR``, else ``/tmp``).
        label: the name of the log it rescues, used in the file name.

    Returns:
        The open file and its path, ``iolog-rescue-<label>-<random>.iolog``.

    Raises:
        OSError: the file cannot be created.
    """
    stem = "".join(c if c.isalnum() or c in "._-" else "_" for c in os.path.basename(label))
    import tempfile  # rescue files are rare: not loaded for every command

    fd, path = tempfile.mkstemp(prefix=f"iolog-rescue-{stem or 'log'}-", suffix=".iolog", dir=directory)
    return os.fdopen(fd, "wb", buffering=0), path


@dataclass(frozen=True)
class Diversion:
    """Where frames go when the sink cannot take them, instead of raising.

    Attributes:
        rescue_dir: directory of the rescue file (``None``: the temporary directory).
        hold_limit_bytes: frame bytes held in memory when the rescue file
            cannot be written either; frames beyond it are lost (and counted).
        retry_interval_s: how often a background thread retries the sink and
            the rescue file; ``None`` for no thread (call ``SinkWriter.retry``).
        notify: called with one sentence each time the situation changes (the
            sink fails, a rescue file is created, memory fills, the sink is back).
        open_rescue: makes the rescue file and returns it with its path; by
            default :func:`open_rescue_file` in ``rescue_dir``.
    """

    rescue_dir: str | None = None
    hold_limit_bytes: int = DEFAULT_HOLD_LIMIT_BYTES
    retry_interval_s: float | None = DEFAULT_RETRY_INTERVAL_S
    notify: Callable[[str], None] | None = None
    open_rescue: Callable[[], tuple[RawSink, str]] | None = None

    def __post_init__(self) -> None:
        from .core.errors import InvalidArgumentError

        if self.hold_limit_bytes < 0:
            raise InvalidArgumentError(f"hold_limit_bytes {self.hold_limit_bytes} is negative")
        if self.retry_interval_s is not None and not self.retry_interval_s > 0:
            raise InvalidArgumentError(f"retry_interval_s {self.retry_interval_s} is not positive")

    def rescue_file(self, label: str) -> tuple[RawSink, str]:
        """Make the rescue file for the log called ``label``.

        Returns:
            The open file and its path.

        Raises:
            OSError: it cannot be created.
        """
        if self.open_rescue is not None:
            return self.open_rescue()
        return open_rescue_file(self.rescue_dir, label)

    @property
    def rescue_place(self) -> str:
        """Where rescue files are made, for messages."""
        if self.open_rescue is not None:
            return "the rescue file's place"
        import tempfile

        return self.rescue_dir or tempfile.gettempdir()


@dataclass(frozen=True)
class DeliveryReport:
    """Where the payload bytes handed to a ``SinkWriter`` went.

    Attributes:
        written_bytes: payload bytes that reached the sink, in whole frames.
        rescued_bytes: payload bytes written, in whole frames, to the rescue file.
        rescue_path: the rescue file, if one was created.
        held_bytes: payload bytes still waiting in memory (0 after ``close``
            with a :class:`Diversion`).
        lost_bytes: payload bytes dropped: beyond the memory bound, or still
            held when the writer was closed.
        torn_bytes: bytes of frames left in part on a file that cannot be
            rewound (a pipe or device that failed in mid-frame); readers skip
            them, and those frames' payloads are counted elsewhere.
        errors: each distinct failure met, in order, as ``"<file>: <reason>"``.
    """

    written_bytes: int
    rescued_bytes: int
    rescue_path: str | None
    held_bytes: int
    lost_bytes: int
    torn_bytes: int
    errors: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when every payload byte so far reached the sink."""
        return not (self.rescued_bytes or self.held_bytes or self.lost_bytes)
