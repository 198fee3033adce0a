"""Printing whole lines: ``docker compose logs``-style prefixes, or docker's JSON records.

This module owns the output of ``iolog cat`` when it prints whole logical
lines rather than entries: the merge of several logs, and ``--format json``.

- Text: each line is led by its source's name, padded to the longest name,
  and ``" | "`` (``web  | listening``), then docker's timestamp with ``-t``;
  ``--no-log-prefix`` leaves the name out. Lines of stdout go to stdout and
  lines of stderr to stderr, as ``docker compose logs`` does; where both
  reach the same place their order is kept, as
  :class:`~iolog.cli.printer.Printer` keeps it. A line that damage or the
  end of the input cut short ends with a newline, so no line runs into the
  next one. To a terminal the names are coloured as compose colours them
  (cyan, yellow, green, magenta, blue, then the same bold), unless
  ``--no-color`` or ``NO_COLOR``.
- JSON: one docker json-file record per line (see
  :mod:`iolog.core.dockerjson`), both streams on stdout, in order, with
  ``"attrs":{"source":NAME}`` when there are several sources.

To a terminal every byte passes through
:class:`~iolog.cli.termsafe.TerminalSanitizer`, the names too (unless
``--raw``, which leaves the log's bytes unchanged); to a pipe or a file the
bytes are written unchanged.

:class:`SourceLinePrinter` gives one log's entries the same interface as
:class:`~iolog.cli.printer.Printer` (``batch``, ``entry``, ``damage``,
``flush``, ``close``), gathering them into whole lines with
:class:`~iolog.file.wholelines.WholeLines`: that is ``--format json`` for a
single log, on every reading path ``cat`` has (files, windows, tail, pipes,
devices, follow).

Text of whole logs merged comes as spans (:meth:`LinePrinter.spans`, where
:attr:`LinePrinter.bulk`): each merge is written in one gather per output
(:mod:`iolog.cli.spangather`), the same bytes :meth:`LinePrinter.lines`
writes for the same lines.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from collections.abc import Sequence
from typing import BinaryIO

from .. import _native
from ..core.dockerjson import attrs_field, json_records
from ..core.format import Entry, Stream
from ..core.merge import LineChunk, MergedLines
from ..core.mergespans import MergedSpans
from ..file.walk import FastBatch
from ..file.wholelines import WholeLines
from .output import write_pending
from .printer import _sanitizer_for, _second_bytes, _Target, _target
from .spangather import Lane, gather_lines_python
from .termsafe import TerminalSanitizer

__all__ = ["LinePrinter", "SourceLinePrinter", "prefix_colour"]

#: docker compose's colours for service names, in the order it hands them out.
_COLOURS = ("36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1")
_OUTPUT_LINES = 8192
_NOT = bytes([1, 0]) + bytes(254)
_ONE_STREAM_RUN = re.compile(b"\x00+|\x01+")


def prefix_colour(number: int) -> str:
    """The SGR parameters of the ``number``-th source's name (compose's rainbow)."""
    return _COLOURS[number % len(_COLOURS)]


def _wants_colour(out: BinaryIO, no_color: bool) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    try:
        return out.isatty()
    except (OSError, ValueError):
        return False


class LinePrinter:
    """Writes merged whole lines as prefixed text or as JSON records.

    Args:
        names: the sources' names, in the order given (more may be added
            with :meth:`add_source`).
        prefix: lead each text line with its source's name.
        timestamps: lead each text line with docker's timestamp.
        json: write docker json-file records instead of text.
        attrs: with ``json``, add ``"attrs":{"source":NAME}`` to each record.
        raw: write the log's bytes unchanged even to a terminal.
        no_color: never colour the names.
    """

    def __init__(
        self,
        names: Sequence[str],
        *,
        prefix: bool = True,
        timestamps: bool = False,
        json: bool = False,
        attrs: bool = False,
        raw: bool = False,
        no_color: bool = False,
    ) -> None:
        self._names: list[str] = []
        self._prefix = prefix and not json
        self._timestamps = timestamps and not json
        self._json = json
        self._attrs = attrs
        self._outs: tuple[BinaryIO, BinaryIO] = (sys.stdout.buffer, sys.stderr.buffer)
        target = _target(self._outs[0], self._outs[1])
        # JSON goes to stdout, both streams: one ordered output.
        self._one_output = json or target is _Target.SAME
        self._flush_on_switch = not self._one_output and target is _Target.ALIKE
        self._last_stream = -1
        self._pending: tuple[list[bytes], list[bytes]] = ([], [])
        self._count = 0
        self._sanitizers: tuple[TerminalSanitizer | None, TerminalSanitizer | None] = (
            (None, None) if raw else (_sanitizer_for(self._outs[0]), _sanitizer_for(self._outs[1]))
        )
        self._colour = (_wants_colour(self._outs[0], no_color), _wants_colour(self._outs[1], no_color))
        self._prefixes: tuple[list[bytes], list[bytes]] = ([], [])
        self._attr_texts: list[bytes] = []
        for name in names:
            self.add_source(name)

    def add_source(self, name: str) -> int:
        """A new source (a log that appeared while following); returns its number.

        The names are padded to the longest again, as compose does when a
        container joins.
        """
        self._names.append(name)
        self._attr_texts.append(attrs_field({"source": name}))
        width = max(len(known) for known in self._names)
        for output in (0, 1):
            prefixes = self._prefixes[output]
            prefixes.clear()
            for number, known in enumerate(self._names):
                text = os.fsencode(f"{known:<{width}} | ") if self._prefix else b""
                if text and self._colour[output]:
                    text = b"\x1b[%sm%s\x1b[0m" % (prefix_colour(number).encode("ascii"), text)
                prefixes.append(text)
        return len(self._names) - 1

    def lines(self, merged: MergedLines) -> None:
        """Print merged lines (of any streams), in their order."""
        count = len(merged)
        if not count:
            return
        self._count += count
        if self._json:
            attrs = merged.by_source(self._attr_texts) if self._attrs else None
            self._pending[0].append(json_records(merged.texts, merged.streams, merged.stamps, attrs))
        else:
            texts = merged.texts
            if not merged.complete:
                texts = [text if text[-1:] == b"\n" else text + b"\n" for text in texts]
            stamps = merged.stamps if self._timestamps else None
            if self._one_output:
                self._pending[0].append(self._text(texts, self._prefixes_of(merged, 0), stamps))
            elif self._flush_on_switch:
                self._by_runs(merged, texts, stamps)
            else:
                self._apart(merged, texts, stamps)
        if self._count >= _OUTPUT_LINES:
            self.flush()

    @property
    def bulk(self) -> bool:
        """Whether :meth:`spans` writes text in bulk (else it goes line by line through :meth:`lines`)."""
        return not self._json and not self._flush_on_switch

    def spans(self, merged: MergedSpans) -> None:
        """Print merged lines given as spans: the same bytes as :meth:`lines`, in one gather per output.

        JSON, and text to two terminals (flushed at each change of
        stream), go line by line through :meth:`lines`.
        """
        if not merged.runs:
            return
        if not self.bulk:
            self.lines(merged.lines())
            return
        self._count += len(merged)
        native = _native.speedups
        gather = gather_lines_python if native is None else native.gather_lines
        if self._one_output:
            self._pending[0].append(gather(self._lanes(merged, 0), merged.runs, 2, self._timestamps))
        else:
            for stream in (0, 1):
                text = gather(self._lanes(merged, stream), merged.runs, stream, self._timestamps)
                if text:
                    self._pending[stream].append(text)
        if self._count >= _OUTPUT_LINES:
            self.flush()

    def _lanes(self, merged: MergedSpans, output: int) -> list[Lane]:
        prefixes = self._prefixes[output]
        return [
            (spans.data, spans.skip, spans.bounds, spans.firsts, spans.stops, spans.stamps, spans.streams,
             prefixes[source])
            for source, spans in merged.lanes
        ]

    def _prefixes_of(self, merged: MergedLines, output: int) -> list[bytes] | None:
        return merged.by_source(self._prefixes[output]) if self._prefix else None

    def _by_runs(self, merged: MergedLines, texts: list[bytes], stamps: list[int] | None) -> None:
        """Two terminals: each run of one stream to its own, flushing at each change."""
        streams = merged.streams
        prefixes = (self._prefixes_of(merged, 0), self._prefixes_of(merged, 1))
        for run in _ONE_STREAM_RUN.finditer(streams):
            first, stop = run.span()
            stream = streams[first]
            if stream != self._last_stream:
                self.flush()
                self._last_stream = stream
            mine = prefixes[stream]
            self._pending[stream].append(self._text(
                texts[first:stop],
                None if mine is None else mine[first:stop],
                None if stamps is None else stamps[first:stop],
            ))

    def _apart(self, merged: MergedLines, texts: list[bytes], stamps: list[int] | None) -> None:
        """Two places: each stream's lines to its own, in their order."""
        streams = merged.streams
        for stream in (0, 1):
            mine = streams if stream else streams.translate(_NOT)
            chosen = mine.count(1)
            if not chosen:
                continue
            prefixes = self._prefixes_of(merged, stream)
            if chosen == len(texts):
                self._pending[stream].append(self._text(texts, prefixes, stamps))
                continue
            self._pending[stream].append(self._text(
                list(itertools.compress(texts, mine)),
                None if prefixes is None else list(itertools.compress(prefixes, mine)),
                None if stamps is None else list(itertools.compress(stamps, mine)),
            ))

    @staticmethod
    def _text(texts: list[bytes], prefixes: list[bytes] | None, stamps: list[int] | None) -> bytes:
        """Lines as text: each led by its prefix and its time, if given."""
        columns: list[list[bytes]] = []
        if prefixes is not None:
            columns.append(prefixes)
        if stamps is not None:
            columns.append([
                b"%s.%09dZ " % (_second_bytes(seconds), nanos)
                for seconds, nanos in (divmod(stamp, 1_000_000_000) for stamp in stamps)
            ])
        if not columns:
            return b"".join(texts)
        columns.append(texts)
        width = len(columns)
        pieces: list[bytes] = [b""] * (width * len(texts))
        for number, column in enumerate(columns):
            pieces[number::width] = column
        return b"".join(pieces)

    def flush(self) -> None:
        """Write what is pending (a sanitiser may hold back an incomplete end)."""
        self._count = 0
        for output in (0, 1):
            pending = self._pending[output]
            if pending:
                sanitizer = self._sanitizers[output]
                write_pending(self._outs[output], pending, None if sanitizer is None else sanitizer.feed)

    def close(self) -> None:
        """Write everything, including what a sanitiser held back."""
        self.flush()
        for output in (0, 1):
            sanitizer = self._sanitizers[output]
            if sanitizer is not None:
                rest = sanitizer.close()
                if rest:
                    write_pending(self._outs[output], [rest])


class SourceLinePrinter:
    """One log's entries printed as whole lines, with :class:`~iolog.cli.printer.Printer`'s interface.

    Args:
        lines: where the lines go (a :class:`LinePrinter` with one source).
        streams: the streams printed.
    """

    def __init__(self, lines: LinePrinter, streams: frozenset[Stream]) -> None:
        self._printer = lines
        self._lines = WholeLines(frozenset(int(stream) for stream in streams))

    def _print(self, chunk: LineChunk | None) -> None:
        if chunk is not None:
            self._printer.lines(MergedLines.of(chunk))

    def batch(self, batch: FastBatch) -> None:
        """Print the lines a fast-walk batch completes."""
        self._print(self._lines.batch(batch))

    def entry(self, entry: Entry) -> None:
        """Print the line an entry completes, if any."""
        self._print(self._lines.events((entry,)))

    def damage(self) -> None:
        """Damage was met: print the lines it cut short."""
        self._print(self._lines.damage())

    def flush(self) -> None:
        """Write the complete lines printed so far (open lines wait for their end)."""
        self._printer.flush()

    def close(self) -> None:
        """The input ended: print the open lines as they are, and write everything."""
        self._print(self._lines.close())
        self._printer.close()
