"""iolog: VMware VIC's container-VM log format, in Python.

A log is a sequence of entries, each a 16-byte base64 header (timestamp,
size, stream) and a payload; a logical line is the entries of one stream up
to a newline. This is the package's public face, what a program reading or
writing these logs needs; the modules behind it (``iolog.core``,
``iolog.file``, ``iolog.sources``, ``iolog.io``, ``iolog.cli``) are its
implementation and may change. Standard library only.

The public face is these 29 names:

- Entries and the codec: :class:`Stream`, :class:`Entry` (at most
  ``Entry.MAX_SIZE`` payload bytes; ``entry.encode()`` frames it), the
  damage reports :class:`Skipped` and :class:`Truncated`, and the sans-IO
  :class:`Decoder` (bytes in, entries and damage out).
- Lines: :class:`LineAssembler` (events in, :class:`Line` s out; ``line.docker_json()``:
  its docker json-file record, as ``iolog cat --format json``), the rule
  under it, :class:`LineState` (which entries start a line), and
  :func:`read_lines` (lines back from a file by their offsets).
- Files: :class:`LogFile` (``LogFile.check``: is it a log at all; exact time
  windows with since/until, seeking, tail, follow; what its index counts,
  a ``LogFile.Summary``; the bulk passes ``line_runs`` and ``find_lines``),
  and :func:`read_entries` (the entries of a path or a binary file).
- Several logs: :class:`LogSet` (which logs the arguments and folders
  name, and their names, as ``iolog cat A B DIR`` reads them) and
  :class:`Merger` (the one order of their lines by time, fed
  ``Merger.Chunk`` s).
- Writing: :class:`LogWriter`; writers sharing a sink through a
  :class:`SinkWriter` (``SinkWriter.diverting``: never raises, diverts what
  the sink refuses).
- Live sources: :class:`SerialSource` (``SerialSource.is_live_spec``), and
  the :class:`SourceStatus` reports (a :class:`SourceState`) that sources
  and ``LogFile.follow`` give.
- Time: :func:`parse_since` (``10m``, RFC 3339, unix seconds),
  :func:`format_docker_time`.
- Untrusted text on a terminal: :func:`terminal_safe` (plain text),
  :func:`terminal_runs` (styled runs, for a renderer).
- Levels: :func:`detect_level` (a line's :class:`Level` and where its word is).
- Errors a caller catches: :class:`IologError`, the base of everything
  raised on purpose, and of :class:`InvalidArgumentError` (a caller's
  mistake), :class:`DecodeError` (strict reading), :class:`NotAnIologFile`
  and :class:`SourceError` (a source cannot be opened or read).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .cli.sources import LogSet
    from .core.decoder import Decoder, Skipped, Truncated
    from .core.errors import DecodeError, InvalidArgumentError, IologError, NotAnIologFile, SourceError
    from .core.format import Entry, Stream, format_docker_time
    from .core.levels import Level, detect_level
    from .core.lines import Line, LineAssembler, LineState
    from .core.merge import Merger
    from .core.termsafe import terminal_runs, terminal_safe
    from .core.timespec import parse_since
    from .file.entries import read_entries
    from .file.logfile import LogFile
    from .file.readback import read_lines
    from .io import LogWriter
    from .sinkwriter import SinkWriter
    from .sources.serial import SerialSource
    from .sources.status import SourceState, SourceStatus

#: Where each name lives: modules are imported when a name is first used, so
#: ``import iolog`` (and the command line) loads only what it uses.
_HOMES = {
    "DecodeError": ".core.errors",
    "Decoder": ".core.decoder",
    "Entry": ".core.format",
    "InvalidArgumentError": ".core.errors",
    "IologError": ".core.errors",
    "Level": ".core.levels",
    "Line": ".core.lines",
    "LineAssembler": ".core.lines",
    "LineState": ".core.lines",
    "LogFile": ".file.logfile",
    "LogSet": ".cli.sources",
    "LogWriter": ".io",
    "Merger": ".core.merge",
    "NotAnIologFile": ".core.errors",
    "SerialSource": ".sources.serial",
    "SinkWriter": ".sinkwriter",
    "Skipped": ".core.decoder",
    "SourceError": ".core.errors",
    "SourceState": ".sources.status",
    "SourceStatus": ".sources.status",
    "Stream": ".core.format",
    "Truncated": ".core.decoder",
    "detect_level": ".core.levels",
    "format_docker_time": ".core.format",
    "parse_since": ".core.timespec",
    "read_entries": ".file.entries",
    "read_lines": ".file.readback",
    "terminal_runs": ".core.termsafe",
    "terminal_safe": ".core.termsafe",
}

__version__ = "0.1.0"

__all__ = [
    "DecodeError",
    "Decoder",
    "Entry",
    "InvalidArgumentError",
    "IologError",
    "Level",
    "Line",
    "LineAssembler",
    "LineState",
    "LogFile",
    "LogSet",
    "LogWriter",
    "Merger",
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
    "detect_level",
    "format_docker_time",
    "parse_since",
    "read_entries",
    "read_lines",
    "terminal_runs",
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
