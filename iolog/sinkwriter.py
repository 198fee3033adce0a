"""One writer per sink: entries stamped as they are emitted, written whole or not at all.

This module owns the order and the fate of a sink's frames. Every
:class:`~iolog.io.LogWriter` that shares a sink hands its entries to that
sink's one :class:`SinkWriter`, which, under one lock, reads the writer's
clock once per entry as it emits it (so a sink's order is its time order, as
with VIC's writer), encodes it, and gives it to a
:class:`~iolog.framefile.FrameFile`, which puts it on the sink whole or not
at all.

What the sink refuses is, by default, held and the error raised to the
caller, who may try again (every call retries first). With a
:class:`~iolog.diversion.Diversion` the caller never sees the error: refused
frames go whole to a rescue file (its path announced at once), and when that
fails too, to memory up to a bound, while both files are retried every
second; at :meth:`SinkWriter.close` what is still held is counted as lost,
and :meth:`SinkWriter.report` says where every byte went. Each file gets its
frames in emission order; nothing newer goes anywhere while older frames
wait in memory.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Callable, Sequence

from .core.errors import InvalidArgumentError
from .core.format import Stream, encode_entry
from .diversion import DEFAULT_HOLD_LIMIT_BYTES, DEFAULT_RETRY_INTERVAL_S, DeliveryReport, Diversion
from .framefile import Frame, FrameFile, RawSink

__all__ = ["Clock", "SinkWriter"]

#: Returns unix nanoseconds.
Clock = Callable[[], int]

_SHARED: dict[int, weakref.ref[SinkWriter]] = {}
_SHARED_LOCK = threading.RLock()


class SinkWriter:
    """The one writer of a sink: stamps, frames and writes entries whole.

    Args:
        sink: a binary file object. For the whole-frame guarantee on a real
            file give an unbuffered one (``buffering=0``): a buffered writer
            may fail later, on bytes it has already accepted.
        diversion: what to do when the sink fails (:meth:`diverting` makes a
            sink writer with one); ``None`` to hold the frames and raise the
            error (every later call retries them first).
        name: the sink's name in messages; its ``name`` attribute by default.
        close_sink: close ``sink`` in :meth:`close`.

    Raises:
        InvalidArgumentError: ``sink`` has no ``write`` method.
    """

    def __init__(
        self,
        sink: RawSink,
        *,
        diversion: Diversion | None = None,
        name: str | None = None,
        close_sink: bool = False,
    ) -> None:
        if not hasattr(sink, "write"):
            raise InvalidArgumentError(f"sink {sink!r} has no write() method")
        label = name if name is not None else getattr(sink, "name", None)
        self._sink = sink
        self._log = FrameFile(
            sink, label if isinstance(label, str) else "the log", owe_torn=diversion is None
        )
        self._diversion = diversion
        self._close_sink = close_sink
        self._lock = threading.Lock()
        self._held: deque[Frame] = deque()
        self._held_frame_bytes = 0
        self._rescue: FrameFile | None = None
        self._rescue_open_failed = False
        self._rescue_open_due = False
        self._lost_bytes = 0
        self._errors: list[str] = []
        self._last_error: OSError | None = None
        self._memory_full = False
        self._closed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def diverting(
        cls,
        sink: RawSink,
        *,
        rescue_dir: str | None = None,
        notify: Callable[[str], None] | None = None,
        hold_limit_bytes: int = DEFAULT_HOLD_LIMIT_BYTES,
        retry_interval_s: float | None = DEFAULT_RETRY_INTERVAL_S,
        name: str | None = None,
        close_sink: bool = False,
    ) -> SinkWriter:
        """A sink writer that never raises: what the sink refuses goes elsewhere, and is counted.

        Refused frames go whole to a rescue file in ``rescue_dir`` (the
        temporary directory by default), and when that fails too, to memory
        up to ``hold_limit_bytes``; both files are retried every
        ``retry_interval_s`` (``None``: only when :meth:`retry` is called).
        ``notify`` is called with one sentence each time the situation
        changes; :meth:`report` says where every byte went. ``name`` and
        ``close_sink`` are as for the constructor.

        Raises:
            InvalidArgumentError: ``sink`` has no ``write`` method, or a bound is out of range.
        """
        diversion = Diversion(rescue_dir=rescue_dir, hold_limit_bytes=hold_limit_bytes,
                              retry_interval_s=retry_interval_s, notify=notify)
        return cls(sink, diversion=diversion, name=name, close_sink=close_sink)

    @classmethod
    def shared(cls, sink: RawSink) -> SinkWriter:
        """The sink writer (without diversion) that every user of this sink object shares.

        Two :class:`~iolog.io.LogWriter` objects given the same sink get the
        same sink writer, so their frames never interleave. It lives as long
        as someone uses it.

        Args:
            sink: a binary file object.

        Returns:
            The sink writer of ``sink``.
        """
        key = id(sink)
        with _SHARED_LOCK:
            ref = _SHARED.get(key)
            existing = ref() if ref is not None else None
            if existing is not None and existing._sink is sink:
                return existing
            writer = cls(sink)

            def forget(dead: weakref.ref[SinkWriter]) -> None:
                with _SHARED_LOCK:
                    if _SHARED.get(key) is dead:
                        del _SHARED[key]

            _SHARED[key] = weakref.ref(writer, forget)
            return writer

    @property
    def sink(self) -> RawSink:
        """The file object written to."""
        return self._sink

    @property
    def name(self) -> str:
        """The sink's name in messages."""
        return self._log.name

    @property
    def held_bytes(self) -> int:
        """Frame bytes accepted but on no file yet."""
        with self._lock:
            owed = self._log.owed
            return self._held_frame_bytes + (len(owed[0]) if owed is not None else 0)

    def emit(self, stream: Stream, payloads: Sequence[bytes], clock: Clock) -> None:
        """Stamp each payload with one reading of ``clock``, frame it and write it.

        The readings are taken under the sink's lock as the entries are
        emitted, so the sink's order is their time order.

        Args:
            stream: the stream of every entry.
            payloads: entry payloads, each at most ``MAX_ENTRY_SIZE`` bytes.
            clock: returns unix nanoseconds.

        Raises:
            ValueError: the sink writer is closed.
            OSError: without a diversion, the sink failed; the frames are held
                and written first by the next call.
        """
        if not payloads:
            return
        with self._lock:
            if self._closed:
                raise ValueError("emit to a closed SinkWriter")
            frames = [
                (encode_entry(payload, timestamp_ns=clock(), stream=stream), len(payload))
                for payload in payloads
            ]
            if self._diversion is None:
                self._log.due = True
            if self._held or self._log.owed is not None:
                self._drain()
            rest = frames if self._held else self._place(frames)
            if rest:
                self._hold(rest)
            elif self._diversion is None and self._log.owed is not None:
                assert self._last_error is not None
                raise self._last_error  # the sink took part of a frame: say so

    def flush(self) -> None:
        """Write what is held, if a file can take it, and flush the sink.

        Raises:
            OSError: without a diversion, the sink failed (the frames stay held).
        """
        with self._lock:
            if self._closed:
                return
            if self._diversion is None:
                self._log.due = True
            self._drain()
            if self._diversion is None and (self._held or self._log.owed is not None):
                assert self._last_error is not None
                raise self._last_error
            sink_flush = getattr(self._sink, "flush", None)
            if sink_flush is None or not self._log.ok:
                return
            try:
                sink_flush()
            except OSError as error:
                if self._diversion is None:
                    raise
                self._note_error(self._log, error)

    def retry(self) -> None:
        """Try the failed sink and rescue file again now (what the retry thread does)."""
        with self._lock:
            if not self._closed:
                self._retry_locked()

    def take_unwritten(self) -> bytes:
        """Remove and return the held frames (a valid log fragment) for the caller to keep.

        A frame whose first bytes are already on a sink that cannot be
        rewound is returned whole and no longer completed on the sink.

        Returns:
            The framed bytes, possibly empty.
        """
        with self._lock:
            kept = []
            if self._log.owed is not None:
                kept.append(self._log.owed[1][0])
                self._log.owed = None
            kept.extend(frame[0] for frame in self._held)
            self._held.clear()
            self._held_frame_bytes = 0
            return b"".join(kept)

    def report(self) -> DeliveryReport:
        """Where the payload bytes went so far (final after :meth:`close`).

        Returns:
            A :class:`~iolog.diversion.DeliveryReport`.
        """
        with self._lock:
            held = sum(frame[1] for frame in self._held)
            if self._log.owed is not None:
                held += self._log.owed[1][1]
            rescue = self._rescue
            return DeliveryReport(
                written_bytes=self._log.payload_bytes,
                rescued_bytes=rescue.payload_bytes if rescue is not None else 0,
                rescue_path=rescue.name if rescue is not None else None,
                held_bytes=held,
                lost_bytes=self._lost_bytes,
                torn_bytes=self._log.torn + (rescue.torn if rescue is not None else 0),
                errors=tuple(self._errors),
            )

    def close(self) -> None:
        """Make a last attempt at what is held, then stop.

        With a diversion, what still cannot be written is counted as lost and
        the rescue file is closed; without one, the error is raised and the
        frames stay held (see :meth:`take_unwritten`). ``sink`` is closed if
        ``close_sink`` was given.

        Raises:
            OSError: without a diversion, the sink failed.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._stop.set()
            thread, self._thread = self._thread, None
            try:
                self._finish()
            finally:
                if self._close_sink:
                    self._sink.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def __enter__(self) -> SinkWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- placing frames (lock held) ------------------------------------------

    def _place(self, frames: list[Frame]) -> list[Frame]:
        """Write ``frames`` in order to the sink, then the rescue file; return the rest."""
        rest = frames
        if self._log.usable:
            rest = self._put(self._log, rest)
        if rest and self._diversion is not None:
            rescue = self._rescue_file()
            if rescue is not None:
                rest = self._put(rescue, rest)
        return rest

    def _put(self, target: FrameFile, frames: list[Frame]) -> list[Frame]:
        """Give ``frames`` to one file, say what changed, return what it did not take."""
        was_ok, torn = target.ok, target.torn
        taken, error = target.put(frames)
        if target.torn > torn:
            self._say(
                f"{target.name} cannot take back the {target.torn - torn} bytes it got of an "
                "entry (readers skip them); the whole entry goes on"
            )
        if error is not None:
            self._failed(target, error, was_ok)
        elif target.ok and not was_ok and target is self._log:
            self._say(f"{target.name} can be written again")
        return frames[taken:]

    def _drain(self) -> None:
        """Send the held frames on, in order, as far as the files allow."""
        rescue = self._rescue
        can_log = self._log.usable
        can_rescue = self._diversion is not None and (
            rescue.usable if rescue is not None else (not self._rescue_open_failed or self._rescue_open_due)
        )
        if not (can_log or can_rescue):
            return
        if not self._held:
            if self._log.owed is not None and can_log:
                self._put(self._log, [])
            return
        held = list(self._held)
        rest = self._place(held)
        if len(rest) != len(held):
            self._held = deque(rest)
            self._held_frame_bytes = sum(len(frame[0]) for frame in rest)

    def _hold(self, frames: list[Frame]) -> None:
        """Keep frames no file took: all of them and raise, or up to the bound."""
        if self._diversion is None:
            self._held.extend(frames)
            self._held_frame_bytes += sum(len(frame[0]) for frame in frames)
            assert self._last_error is not None
            raise self._last_error
        limit = self._diversion.hold_limit_bytes
        for frame in frames:
            if self._held_frame_bytes + len(frame[0]) <= limit:
                self._held.append(frame)
                self._held_frame_bytes += len(frame[0])
                continue
            self._lost_bytes += frame[1]
            if not self._memory_full:
                self._memory_full = True
                self._say(
                    f"{_amount(limit)} held in memory: output is being lost until "
                    f"{self._log.name} or the rescue file can be written"
                )
        self._start_retrying()

    def _rescue_file(self) -> FrameFile | None:
        """The rescue file if it is worth trying, created on first need."""
        if self._rescue is not None:
            return self._rescue if self._rescue.usable else None
        if self._rescue_open_failed and not self._rescue_open_due:
            return None
        diversion = self._diversion
        assert diversion is not None
        try:
            file, path = diversion.rescue_file(self._log.name)
        except OSError as error:
            self._rescue_open_due = False
            where = diversion.rescue_place
            self._last_error = error
            self._add_error(f"{where}: {_describe(error)}")
            if not self._rescue_open_failed:
                self._rescue_open_failed = True
                self._say(
                    f"cannot create a rescue file in {where} ({_describe(error)}); "
                    f"holding up to {_amount(diversion.hold_limit_bytes)} in memory"
                )
            return None
        self._rescue_open_failed = False
        self._rescue = FrameFile(file, path, owe_torn=False)
        self._say(f"writing what {self._log.name} cannot take to {path}")
        return self._rescue

    def _failed(self, target: FrameFile, error: OSError, was_ok: bool) -> None:
        self._note_error(target, error)
        diversion = self._diversion
        if diversion is None or not was_ok:
            return
        if target is self._log:
            interval = diversion.retry_interval_s
            again = f"; trying it again every {interval:g} s" if interval is not None else ""
            self._say(f"cannot write {target.name} ({_describe(error)}){again}")
        else:
            self._say(
                f"cannot write {target.name} ({_describe(error)}); "
                f"holding up to {_amount(diversion.hold_limit_bytes)} in memory"
            )
        self._start_retrying()

    def _note_error(self, target: FrameFile, error: OSError) -> None:
        self._last_error = error
        self._add_error(f"{target.name}: {_describe(error)}")

    def _add_error(self, text: str) -> None:
        if text not in self._errors:
            self._errors.append(text)

    def _say(self, message: str) -> None:
        notify = self._diversion.notify if self._diversion is not None else None
        if notify is not None:
            notify(message)

    # -- retrying and finishing (lock held) ----------------------------------

    def _retry_locked(self) -> None:
        self._log.due = not self._log.ok
        if self._rescue is not None:
            self._rescue.due = not self._rescue.ok
        self._rescue_open_due = self._rescue_open_failed
        self._drain()

    def _start_retrying(self) -> None:
        diversion = self._diversion
        if diversion is None or diversion.retry_interval_s is None:
            return
        if self._thread is not None or self._closed:
            return
        self._thread = threading.Thread(
            target=self._retry_loop,
            args=(diversion.retry_interval_s,),
            name="iolog-retry",
            daemon=True,
        )
        self._thread.start()

    def _retry_loop(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            with self._lock:
                if self._closed or self._thread is not threading.current_thread():
                    return
                if self._log.ok and not self._held:
                    self._thread = None
                    return
                self._retry_locked()

    def _finish(self) -> None:
        if self._diversion is None:
            self._log.due = True
            self._drain()
            if self._held or self._log.owed is not None:
                assert self._last_error is not None
                raise self._last_error
            return
        self._retry_locked()
        self._lost_bytes += sum(frame[1] for frame in self._held)
        self._held.clear()
        self._held_frame_bytes = 0
        if self._rescue is not None:
            try:
                self._rescue.file.close()
            except OSError as error:
                self._note_error(self._rescue, error)


def _describe(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def _amount(count: int) -> str:
    if count >= 1 << 20 and count % (1 << 20) == 0:
        return f"{count >> 20} MiB"
    return f"{count} bytes"
