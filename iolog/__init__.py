"""iolog: VMware VIC's container-VM log format, in Python.

A log is a sequence of entries, each a 16-byte base64 header (timestamp,
size, stream) and a payload. This package encodes and decodes it (sans-IO
:class:`Decoder`), offers file objects (:class:`LogWriter`,
:class:`LogReader`), a sink writer that never tears a frame and diverts what
a failing sink refuses (:class:`SinkWriter`, :class:`Diversion`), fast time
navigation and follow over log files (:class:`LogFile`), live serial
sources, docker-compatible time parsing (:func:`parse_since`), and the rule
for showing a log's text on a terminal (:class:`TerminalFilter`,
:func:`terminal_safe`). Standard library only.
"""

from __future__ import annotations

from .core.decoder import PLAUSIBLE_TIMESTAMP_NS, Decoder, Event, Skipped, Truncated
from .core.errors import (
    DecodeError,
    IndexBuildCancelled,
    InvalidArgumentError,
    IologError,
    NotAnIologFile,
    SaveError,
    SourceError,
    describe_os_error,
)
from .core.format import (
    ENCODED_HEADER_SIZE,
    HEADER_PATTERN,
    HEADER_SIZE,
    MAX_ENTRY_SIZE,
    Entry,
    Header,
    Stream,
    decode_header,
    encode_entry,
    encode_header,
    format_docker_time,
    ns_to_datetime,
)
from .core.termsafe import (
    PieceKind,
    TerminalFilter,
    TerminalPiece,
    sgr_codes,
    terminal_pieces,
    terminal_safe,
    visible_escape,
)
from .core.timespec import parse_since, parse_time_range
from .diversion import DeliveryReport, Diversion, open_rescue_file
from .file.index import CheckpointIndex
from .file.logfile import LogFile
from .file.opening import SNIFF_BYTES, check_log_file, read_entries
from .file.walk import FastBatch, walk
from .file.windows import window_batches
from .io import LogReader, LogWriter, read_events
from .sinkwriter import SinkWriter
from .sources.live import live_events
from .sources.serial import SerialSource, is_live_spec, open_serial_writer
from .sources.status import SourceState, SourceStatus

__version__ = "0.1.0"

__all__ = [
    "ENCODED_HEADER_SIZE",
    "HEADER_PATTERN",
    "HEADER_SIZE",
    "MAX_ENTRY_SIZE",
    "PLAUSIBLE_TIMESTAMP_NS",
    "SNIFF_BYTES",
    "CheckpointIndex",
    "DecodeError",
    "Decoder",
    "DeliveryReport",
    "Diversion",
    "Entry",
    "Event",
    "FastBatch",
    "Header",
    "InvalidArgumentError",
    "IndexBuildCancelled",
    "IologError",
    "LogFile",
    "LogReader",
    "LogWriter",
    "NotAnIologFile",
    "PieceKind",
    "SaveError",
    "SerialSource",
    "SinkWriter",
    "Skipped",
    "SourceError",
    "SourceState",
    "SourceStatus",
    "Stream",
    "TerminalFilter",
    "TerminalPiece",
    "Truncated",
    "__version__",
    "check_log_file",
    "decode_header",
    "describe_os_error",
    "encode_entry",
    "encode_header",
    "format_docker_time",
    "is_live_spec",
    "live_events",
    "ns_to_datetime",
    "open_rescue_file",
    "open_serial_writer",
    "parse_since",
    "parse_time_range",
    "read_entries",
    "read_events",
    "sgr_codes",
    "terminal_pieces",
    "terminal_safe",
    "visible_escape",
    "walk",
    "window_batches",
]
