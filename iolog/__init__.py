"""iolog: VMware VIC's container-VM log format, in Python.

A log is a sequence of entries, each a 16-byte base64 header (timestamp,
size, stream) and a payload; a logical line is the entries of one stream up
to a newline. This is the package's public face, what a program reading or
writing these logs needs; the modules behind it (``iolog.core``,
``iolog.file``, ``iolog.sources``, ``iolog.io``, ``iolog.cli``) are its
implementation and may change. Standard library only.

The public face is these 35 names:

- Entries and the codec: :class:`Stream`, :class:`Entry` (at most
  :data:`MAX_ENTRY_SIZE` payload bytes), the damage reports
  :class:`Skipped` and :class:`Truncated`, the sans-IO :class:`Decoder`
  (bytes in, entries and damage out), :func:`encode_entry`.
- Lines: :class:`LineAssembler` (events in, :class:`Line` s out),
  :func:`read_line` and :func:`read_lines` (back from a file by offset).
- Files: :class:`LogFile` (exact time windows with since/until, seeking,
  tail, follow, and what its index counts: a :class:`LogSummary`),
  :func:`read_entries`, :func:`check_log` (is it a log at all).
- Writing: :class:`LogWriter`; writers sharing a sink through a
  :class:`SinkWriter`, with a :class:`Diversion` when it fails.
- Live sources: :class:`SerialSource`, :func:`is_live_spec`, and the
  :class:`SourceStatus` reports (a :class:`SourceState`) that sources and
  :meth:`LogFile.follow` give.
- Time: :func:`parse_since` (``10m``, RFC 3339, unix seconds),
  :func:`format_docker_time`.
- Untrusted text on a terminal: :func:`terminal_safe` (plain text),
  :func:`terminal_runs` (styled runs, for a renderer), :func:`visible_text`
  (what a person sees of a line, to match or judge it).
- Levels: :func:`detect_level` (a line's :class:`Level` and where its word is).
- Errors a caller catches: :class:`IologError`, the base of
  :class:`InvalidArgumentError` (a caller's mistake), :class:`DecodeError`
  (strict reading), :class:`NotAnIologFile`, :class:`SourceError` (a source
  cannot be opened or read) and :class:`IndexBuildCancelled`.

The names after them in ``__all__`` serve a viewer's passes over a whole
file: ``line_runs`` (where lines begin, as arrays: ``LineRun``) and
``find_lines`` (the lines that may hold a needle: ``LineHits``), with the
``LineState`` they carry and the ``Event`` type; they are documented, but
not part of the public face.
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
        SourceError,
    )
    from .core.format import MAX_ENTRY_SIZE, Entry, Stream, encode_entry, format_docker_time
    from .core.levels import Level, detect_level
    from .core.lines import Line, LineAssembler, LineState
    from .core.termsafe import terminal_runs, terminal_safe, visible_text
    from .core.timespec import parse_since
    from .diversion import Diversion
    from .file.logfile import LogFile
    from .file.opening import check_log, read_entries
    from .file.readback import read_line, read_lines
    from .file.summary import LogSummary
    from .file.walkhits import LineHits, find_lines
    from .file.walklines import LineRun, line_runs
    from .io import LogWriter
    from .sinkwriter import SinkWriter
    from .sources.serial import SerialSource
    from .sources.serialport import is_live_spec
    from .sources.status import SourceState, SourceStatus

#: Where each name lives: modules are imported when a name is first used, so
#: ``import iolog`` (and the command line) loads only what it uses.
_HOMES = {
    "DecodeError": ".core.errors",
    "Decoder": ".core.decoder",
    "Diversion": ".diversion",
    "Entry": ".core.format",
    "Event": ".core.events",
    "IndexBuildCancelled": ".core.errors",
    "InvalidArgumentError": ".core.errors",
    "IologError": ".core.errors",
    "Level": ".core.levels",
    "Line": ".core.lines",
    "LineAssembler": ".core.lines",
    "LineHits": ".file.walkhits",
    "LineRun": ".file.walklines",
    "LineState": ".core.lines",
    "LogFile": ".file.logfile",
    "LogSummary": ".file.summary",
    "LogWriter": ".io",
    "MAX_ENTRY_SIZE": ".core.format",
    "NotAnIologFile": ".core.errors",
    "SerialSource": ".sources.serial",
    "SinkWriter": ".sinkwriter",
    "Skipped": ".core.decoder",
    "SourceError": ".core.errors",
    "SourceState": ".sources.status",
    "SourceStatus": ".sources.status",
    "Stream": ".core.format",
    "Truncated": ".core.decoder",
    "check_log": ".file.opening",
    "detect_level": ".core.levels",
    "encode_entry": ".core.format",
    "find_lines": ".file.walkhits",
    "format_docker_time": ".core.format",
    "is_live_spec": ".sources.serialport",
    "line_runs": ".file.walklines",
    "parse_since": ".core.timespec",
    "read_entries": ".file.opening",
    "read_line": ".file.readback",
    "read_lines": ".file.readback",
    "terminal_runs": ".core.termsafe",
    "terminal_safe": ".core.termsafe",
    "visible_text": ".core.termsafe",
}

__version__ = "0.1.0"

#: A viewer's bulk passes (``iolog_tui/model/scan.py``, ``blockmatch.py``): the
#: row scan and the search count. Not the public face.
_FOR_THE_VIEWER_S_SCAN = ("Event", "LineHits", "LineRun", "LineState", "find_lines", "line_runs")

__all__ = [
    "MAX_ENTRY_SIZE",
    "DecodeError",
    "Decoder",
    "Diversion",
    "Entry",
    "IndexBuildCancelled",
    "InvalidArgumentError",
    "IologError",
    "Level",
    "Line",
    "LineAssembler",
    "LogFile",
    "LogSummary",
    "LogWriter",
    "NotAnIologFile",
    "SerialSource",
    "SinkWriter",
    "Skipped",
    "SourceError",
    "SourceState",
    "SourceStatus",
    "Stream",
    "Truncated",
    "__version__",
    "check_log",
    "detect_level",
    "encode_entry",
    "format_docker_time",
    "is_live_spec",
    "parse_since",
    "read_entries",
    "read_line",
    "read_lines",
    "terminal_runs",
    "terminal_safe",
    "visible_text",
    # A viewer's bulk passes (_FOR_THE_VIEWER_S_SCAN): documented, not the public face.
    "Event",
    "LineHits",
    "LineRun",
    "LineState",
    "find_lines",
    "line_runs",
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
