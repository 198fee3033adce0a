"""iolog: VMware VIC's container-VM log format, in Python.

A log is a sequence of entries, each a 16-byte base64 header (timestamp,
size, stream) and a payload; a logical line is the entries of one stream up
to a newline. This is the package's public face, what a program reading or
writing these logs needs; the modules behind it (``iolog.core``,
``iolog.file``, ``iolog.sources``, ``iolog.io``, ``iolog.cli``) are its
implementation. Standard library only.

- Values and the codec: :class:`Stream`, :class:`Entry`, the events
  :class:`Skipped` and :class:`Truncated`, the sans-IO :class:`Decoder`,
  :func:`encode_entry`.
- Lines: :class:`LineState` (which entry starts a line),
  :class:`LineAssembler`, :class:`Line`, :func:`read_line` and
  :func:`read_lines` (back from a file by offset).
- Files: :class:`LogFile` (exact time windows, tail, follow, the
  :class:`CheckpointIndex`; bulk reads in :class:`FastBatch` es),
  :func:`check_log_file`, :func:`read_entries`, :func:`read_events`.
- Lines in bulk (a viewer's passes): :func:`line_runs` (where lines begin,
  as arrays: :class:`LineRun`), :func:`find_lines` (the lines that may hold
  a needle: :class:`LineHits`).
- Writing: :class:`LogWriter`, :class:`LogReader`, :class:`SinkWriter` and
  :class:`Diversion` (frames whole, never lost).
- Live sources: :class:`SerialSource`, :func:`live_events`,
  :func:`open_serial_writer`, :func:`is_live_spec`, :class:`SourceStatus`.
- Time: :func:`parse_since`, :func:`parse_time_range`,
  :func:`format_docker_time`.
- Untrusted text on a terminal: :func:`terminal_safe`,
  :func:`terminal_pieces`, :class:`PieceKind`, :func:`sgr_codes`.
- Levels: :func:`detect_level` (a line's :class:`Level` and the
  :class:`LevelSpan` of its level word), :func:`count_levels`.
- Errors: :class:`IologError` and its subclasses, :func:`describe_os_error`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .core.decoder import Decoder, Event, Skipped, Truncated
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
    from .core.format import MAX_ENTRY_SIZE, Entry, Stream, encode_entry, format_docker_time
    from .core.levels import Level, LevelSpan, count_levels, detect_level
    from .core.lines import Line, LineAssembler, LineState
    from .core.termsafe import PieceKind, sgr_codes, terminal_pieces, terminal_safe
    from .core.timespec import parse_since, parse_time_range
    from .diversion import Diversion
    from .file.index import CheckpointIndex
    from .file.logfile import LogFile
    from .file.opening import check_log_file, read_entries
    from .file.readback import read_line, read_lines
    from .file.walk import FastBatch
    from .file.walkhits import LineHits, find_lines
    from .file.walklines import LineRun, line_runs
    from .io import LogReader, LogWriter, read_events
    from .sinkwriter import SinkWriter
    from .sources.live import live_events
    from .sources.serial import SerialSource
    from .sources.serialport import is_live_spec, open_serial_writer
    from .sources.status import SourceState, SourceStatus

#: Where each public name lives: modules are imported when a name is first used, so
#: ``import iolog`` (and the command line) loads only what it uses.
_HOMES = {
    "CheckpointIndex": ".file.index",
    "DecodeError": ".core.errors",
    "Decoder": ".core.decoder",
    "Diversion": ".diversion",
    "Entry": ".core.format",
    "Event": ".core.decoder",
    "FastBatch": ".file.walk",
    "IndexBuildCancelled": ".core.errors",
    "InvalidArgumentError": ".core.errors",
    "IologError": ".core.errors",
    "Level": ".core.levels",
    "LevelSpan": ".core.levels",
    "Line": ".core.lines",
    "LineAssembler": ".core.lines",
    "LineHits": ".file.walkhits",
    "LineRun": ".file.walklines",
    "LineState": ".core.lines",
    "LogFile": ".file.logfile",
    "LogReader": ".io",
    "LogWriter": ".io",
    "MAX_ENTRY_SIZE": ".core.format",
    "NotAnIologFile": ".core.errors",
    "PieceKind": ".core.termsafe",
    "SaveError": ".core.errors",
    "SerialSource": ".sources.serial",
    "SinkWriter": ".sinkwriter",
    "Skipped": ".core.decoder",
    "SourceError": ".core.errors",
    "SourceState": ".sources.status",
    "SourceStatus": ".sources.status",
    "Stream": ".core.format",
    "Truncated": ".core.decoder",
    "check_log_file": ".file.opening",
    "count_levels": ".core.levels",
    "describe_os_error": ".core.errors",
    "detect_level": ".core.levels",
    "encode_entry": ".core.format",
    "find_lines": ".file.walkhits",
    "format_docker_time": ".core.format",
    "is_live_spec": ".sources.serialport",
    "line_runs": ".file.walklines",
    "live_events": ".sources.live",
    "open_serial_writer": ".sources.serialport",
    "parse_since": ".core.timespec",
    "parse_time_range": ".core.timespec",
    "read_entries": ".file.opening",
    "read_events": ".io",
    "read_line": ".file.readback",
    "read_lines": ".file.readback",
    "sgr_codes": ".core.termsafe",
    "terminal_pieces": ".core.termsafe",
    "terminal_safe": ".core.termsafe",
}

__version__ = "0.1.0"

__all__ = [
    "MAX_ENTRY_SIZE",
    "CheckpointIndex",
    "DecodeError",
    "Decoder",
    "Diversion",
    "Entry",
    "Event",
    "FastBatch",
    "IndexBuildCancelled",
    "InvalidArgumentError",
    "IologError",
    "Level",
    "LevelSpan",
    "Line",
    "LineAssembler",
    "LineHits",
    "LineRun",
    "LineState",
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
    "Truncated",
    "__version__",
    "check_log_file",
    "count_levels",
    "describe_os_error",
    "detect_level",
    "encode_entry",
    "find_lines",
    "format_docker_time",
    "is_live_spec",
    "line_runs",
    "live_events",
    "open_serial_writer",
    "parse_since",
    "parse_time_range",
    "read_entries",
    "read_events",
    "read_line",
    "read_lines",
    "sgr_codes",
    "terminal_pieces",
    "terminal_safe",
]


def __getattr__(name: str) -> object:
    """Import the module that holds ``name`` (PEP 562), once."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
