"""iolog: VMware VIC's container-VM log format, in Python.

A log is a sequence of entries, each a 16-byte base64 header (timestamp,
size, stream) and a payload. This package encodes and decodes it (sans-IO
:class:`Decoder`), offers file objects (:class:`LogWriter`,
:class:`LogReader`), fast time navigation and follow over log files
(:class:`LogFile`), live serial sources, and docker-compatible time parsing
(:func:`parse_since`). Standard library only.
"""

from __future__ import annotations

from .decoder import PLAUSIBLE_TIMESTAMP_NS, Decoder, Event, Skipped, Truncated
from .errors import DecodeError, InvalidArgumentError, IologError
from .format import (
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
from .index import CheckpointIndex, IndexBuildCancelled
from .io import (
    SNIFF_BYTES,
    LogReader,
    LogWriter,
    NotAnIologFile,
    check_log_file,
    describe_os_error,
    read_entries,
    read_events,
)
from .logfile import LogFile
from .serial import (
    SaveError,
    SerialSource,
    SourceError,
    is_live_spec,
    live_events,
    open_serial_writer,
)
from .sources import SourceState, SourceStatus
from .timespec import parse_since, parse_time_range
from .walk import FastBatch, walk
from .window import window_batches

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
    "SaveError",
    "SerialSource",
    "Skipped",
    "SourceError",
    "SourceState",
    "SourceStatus",
    "Stream",
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
    "open_serial_writer",
    "parse_since",
    "parse_time_range",
    "read_entries",
    "read_events",
    "walk",
    "window_batches",
]
