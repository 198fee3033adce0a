"""Entry detail: everything about one row, in a modal panel (Enter on a row).

:func:`read_line_detail` (no Textual; run in a worker) reads the row's
logical line back from the file with :func:`iolog.read_lines`; :class:`DetailScreen`
shows the full timestamp (nanoseconds, UTC and local), the stream, the byte
offset, the size and how many entries the line spans, then the message:
pretty-printed if it is JSON, as a hex dump if it is not valid UTF-8, else
as text. Whatever the form, the message reaches the screen only through
:func:`~iolog_tui.safetext.safe_text`: escapes and controls (in JSON
strings too) are made visible, and a line break inside the entry shows as
``␊`` before the break.

On a row of skipped bytes (or a truncated tail) the panel shows those bytes
as a hex dump with their printable ASCII (:func:`read_skipped_bytes`, at
most ``MAX_HEX_BYTES`` of them, saying how many more there are), made safe
the same way.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static
from textual.worker import get_current_worker

from iolog import Stream, format_docker_time, read_lines

from .render import TimeFormat, format_time
from .safetext import safe_label, safe_text

__all__ = [
    "DetailScreen", "LineDetail", "hex_dump", "pretty_json", "read_line_detail", "read_skipped_bytes",
]

#: At most this much of a line's message is read for the panel.
MAX_DETAIL_BYTES = 1024 * 1024
#: At most this many bytes are shown as a hex dump.
MAX_HEX_BYTES = 16 * 1024
#: The message's scroll area is at most this tall (as app.tcss says), less where the screen is short.
_BODY_ROWS = 20


@dataclass(frozen=True)
class LineDetail:
    """One logical line, read back with its entries.

    Attributes:
        offset: file offset of its first entry.
        stream: its stream.
        timestamp_ns: its first entry's time.
        entries: how many entries it spans.
        size: payload bytes in all of them.
        end_offset: file offset just past its last entry.
        message: the joined payloads (at most ``MAX_DETAIL_BYTES``).
        complete: it ends in a newline (else damage, the end of the file,
            or the distance :func:`iolog.read_lines` looks ended it first).
    """

    offset: int
    stream: Stream
    timestamp_ns: int
    entries: int
    size: int
    end_offset: int
    message: bytes
    complete: bool


def read_line_detail(path: str | os.PathLike[str], offset: int, stream: Stream) -> LineDetail | None:
    """Read the line of ``stream`` whose first entry is at ``offset`` (:func:`iolog.read_lines`).

    Returns:
        The line, or ``None`` when no line of that stream starts there.

    Raises:
        OSError: the file cannot be read.
    """
    fd = os.open(os.fspath(path), os.O_RDONLY)
    try:
        line = next(read_lines(fd, [offset], max_bytes=MAX_DETAIL_BYTES), None)
    finally:
        os.close(fd)
    if line is None or line.stream != stream:
        return None
    return LineDetail(
        offset=line.offset,
        stream=line.stream,
        timestamp_ns=line.timestamp_ns,
        entries=line.entries,
        size=line.size,
        end_offset=line.end_offset,
        message=line.message,
        complete=line.complete,
    )


def read_skipped_bytes(path: str | os.PathLike[str], offset: int, length: int) -> bytes:
    """The first ``MAX_HEX_BYTES`` of the ``length`` bytes at ``offset`` (a row of skipped bytes).

    Raises:
        OSError: the file cannot be read.
    """
    fd = os.open(os.fspath(path), os.O_RDONLY)
    try:
        return os.pread(fd, min(length, MAX_HEX_BYTES), offset)
    finally:
        os.close(fd)


def pretty_json(message: bytes) -> str | None:
    """The message indented, if it is a JSON object or array; else ``None``."""
    stripped = message.strip()
    if stripped[:1] not in (b"{", b"["):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    return json.dumps(value, indent=2, ensure_ascii=False)


def hex_dump(data: bytes, *, width: int = 16) -> str:
    """A classic hex dump: offset, hex bytes, and printable ASCII."""
    lines = []
    for start in range(0, len(data), width):
        chunk = data[start : start + width]
        hexes = " ".join(f"{byte:02x}" for byte in chunk)
        shown = "".join(chr(byte) if 0x20 <= byte < 0x7F else "." for byte in chunk)
        lines.append(f"{start:08x}  {hexes:<{width * 3 - 1}}  {shown}")
    return "\n".join(lines)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class DetailScreen(ModalScreen[None]):
    """Everything about one row.

    Args:
        path: the log file.
        offset: the row's first entry.
        stream: the row's stream.
        now_ns: the clock (for the relative time).
        skipped: on a row of skipped (or truncated) bytes, how many: they are shown.
        source: in a view of several logs, the row's log's name (a first
            field, "log").
        may_be_torn: skipped bytes follow the line's last entry (a last
            field says its end may be noise).
    """

    BINDINGS = [Binding("escape,enter,q", "close", "Close")]

    def __init__(
        self, path: str, offset: int, stream: Stream, *, now_ns: int, skipped: int | None = None,
        source: str | None = None, may_be_torn: bool = False,
    ) -> None:
        super().__init__()
        self._source = source
        self._may_be_torn = may_be_torn
        self._path = path
        self._offset = offset
        self._stream = stream
        self._now_ns = now_ns
        self._skipped = skipped
        self.detail: LineDetail | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="detail"):
            yield Label("Entry detail", id="detail-title")
            yield Static("reading…", id="detail-fields")
            with VerticalScroll(id="detail-body"):
                yield Static(id="detail-message")
            yield Static("[b]Esc[/] close", id="detail-hint")

    def on_mount(self) -> None:
        self._read()

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_body)

    def _fit_body(self) -> None:
        """Make the message's scroll area no taller than the panel has room for.

        The panel is at most 90% of the screen; without this the scroll area
        kept its own height and the panel cut off its last rows, so End and
        PgDn scrolled to rows that were never on screen.
        """
        panel = self.query_one("#detail", Vertical)
        body = self.query_one("#detail-body", VerticalScroll)
        around = panel.styles.gutter.height
        for child in panel.children:
            if child is not body and child.display:
                around += child.outer_size.height + child.styles.margin.top + child.styles.margin.bottom
        rows = min(_BODY_ROWS, max(3, self.size.height * 9 // 10 - around))
        if body.styles.max_height is None or body.styles.max_height.value != rows:
            body.styles.max_height = rows

    @work(thread=True, exclusive=True, group="detail")
    def _read(self) -> None:
        worker = get_current_worker()
        try:
            if self._skipped is not None:
                data = read_skipped_bytes(self._path, self._offset, self._skipped)
                if not worker.is_cancelled:
                    self.app.call_from_thread(self._show_skipped, data)
                return
            detail = read_line_detail(self._path, self._offset, self._stream)
        except OSError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, f"cannot read the log: {exc.strerror}")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, detail)

    def _failed(self, reason: str) -> None:
        self.query_one("#detail-fields", Static).update(Text(reason, "bold red"))

    def _show(self, detail: LineDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self._failed("this line is no longer in the file")
            return
        fields = Text()
        relative = format_time(detail.timestamp_ns, TimeFormat.RELATIVE, self._now_ns)
        split = detail.entries > 1
        rows: tuple[tuple[str, str], ...] = (
            ("time (UTC)", format_docker_time(detail.timestamp_ns)),
            ("time (local)", _local_ns(detail.timestamp_ns)),
            ("unix ns", f"{detail.timestamp_ns}  ({relative} from now)"),
            ("stream", detail.stream.name.lower()),
            ("offset", f"{detail.offset:,} (0x{detail.offset:x}) to {detail.end_offset:,}"),
            ("size", f"{detail.size:,} bytes of message" + ("" if detail.complete else ", no newline")),
            ("entries", f"{detail.entries:,}" + (" (one line split over entries)" if split else "")),
        )
        if self._source is not None:
            rows = (("log", safe_label(self._source)), *rows)
        if self._may_be_torn:
            rows = (*rows, ("damage", "skipped bytes follow it: it may be torn, its end noise"))
        for number, (name, value) in enumerate(rows):
            fields.append(f"{name:>13}  ", "bold")
            style = "bold green" if name == "stream" and detail.stream is Stream.STDOUT else (
                "bold red" if name == "stream" else "")
            fields.append(value, style)
            if number < len(rows) - 1:
                fields.append("\n")
        self.query_one("#detail-fields", Static).update(fields)
        self.query_one("#detail-message", Static).update(self._message(detail))
        self.call_after_refresh(self._fit_body)

    def _show_skipped(self, data: bytes) -> None:
        """A row of bytes the decoder passed over: where, how many, and a dump of them."""
        length = self._skipped or 0
        self.query_one("#detail-title", Label).update("Skipped bytes")
        fields = Text()
        for number, (name, value) in enumerate((
            ("offset", f"{self._offset:,} (0x{self._offset:x}) to {self._offset + length:,}"),
            ("size", f"{length:,} bytes that are not entries"),
        )):
            fields.append(("\n" if number else "") + f"{name:>13}  ", "bold")
            fields.append(value)
        self.query_one("#detail-fields", Static).update(fields)
        body = Text("bytes (hex and printable ASCII)", "bold")
        if length > len(data):
            body.append(f" · the first {len(data):,}; {length - len(data):,} more not shown", "italic")
        body.append("\n")
        per_line = 16 if self.size.width >= 100 else 8  # a dump line fits the panel
        for number, line in enumerate(hex_dump(data, width=per_line).split("\n")):
            body.append("\n" if number else "")
            body.append_text(safe_text(line))
        self.query_one("#detail-message", Static).update(body)
        self.call_after_refresh(self._fit_body)

    def _message(self, detail: LineDetail) -> Text:
        message = detail.message
        body = message[:-1] if message.endswith(b"\n") else message
        text = Text()
        if not _is_utf8(body):
            text.append("message is not valid UTF-8: hex dump", "bold yellow")
            if len(body) > MAX_HEX_BYTES:
                text.append(f" (first {MAX_HEX_BYTES:,} bytes)", "italic")
            text.append("\n")
            text.append(hex_dump(body[:MAX_HEX_BYTES]))
            return text
        pretty = pretty_json(body)
        if pretty is not None:
            # The line breaks are the indentation's own; JSON strings keep theirs escaped.
            text.append("message (JSON)\n", "bold")
            for number, line in enumerate(pretty.split("\n")):
                text.append("\n" if number else "")
                text.append_text(safe_text(line))
            return text
        text.append("message\n", "bold")
        text.append_text(
            safe_text(body.decode("utf-8"), colours=True, line_breaks=True, tab_size=8)
        )
        if detail.size > len(detail.message):
            text.append(f"\n… ({detail.size - len(detail.message):,} more bytes not shown)", "italic")
        return text

    def action_close(self) -> None:
        """Back to the log."""
        self.dismiss(None)


def _local_ns(timestamp_ns: int) -> str:
    """Local time with all nine digits of the nanoseconds and the zone."""
    text = format_time(timestamp_ns, TimeFormat.LOCAL, 0)
    seconds = timestamp_ns // 1_000_000_000
    zone = time.strftime("%Z %z", time.localtime(seconds))
    return f"{text[:19]}.{timestamp_ns % 1_000_000_000:09d} {zone}"
