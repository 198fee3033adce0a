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
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from collections.abc import Sequence
from typing import BinaryIO

from ..core.dockerjson import attrs_field, json_records
from ..core.format import Entry, Stream
from ..core.merge import LineChunk, MergedLines
from ..file.walk import FastBatch
from ..file.wholelines import WholeLines
from .printer import _sanitizer_for, _second_bytes, _Target, _target
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
        count = len(merged.texts)
        if not count:
            return
        if self._json:
            self._pending[0].append(self._records(merged, 0, count))
            self._count += count
        elif self._one_output:
            self._pending[0].append(self._text(merged, 0, count, 0))
            self._count += count
        elif self._flush_on_switch:
            for run in _ONE_STREAM_RUN.finditer(merged.streams):
                stream = merged.streams[run.start()]
                if stream != self._last_stream:
                    self.flush()
                    self._last_stream = stream
                self._pending[stream].append(self._text(merged, run.start(), run.end(), stream))
                self._count += run.end() - run.start()
        else:
            for stream in (0, 1):
                mine = merged.streams if stream else merged.streams.translate(_NOT)
                if mine.count(1) == count:
                    part = merged
                elif mine.count(1):
                    part = _select(merged, mine)
                else:
                    continue
                self._pending[stream].append(self._text(part, 0, len(part.texts), stream))
            self._count += count
        if self._count >= _OUTPUT_LINES:
            self.flush()

    def _text(self, merged: MergedLines, first: int, stop: int, output: int) -> bytes:
        """Lines ``[first, stop)`` as text for ``output`` (its prefixes' colours)."""
        texts = merged.texts[first:stop]
        if not merged.complete:
            texts = [text if text[-1:] == b"\n" else text + b"\n" for text in texts]
        columns: list[list[bytes]] = []
        if self._prefix:
            columns.append(list(map(self._prefixes[output].__getitem__, merged.sources[first:stop])))
        if self._timestamps:
            columns.append([
                b"%s.%09dZ " % (_second_bytes(seconds), nanos)
                for seconds, nanos in (divmod(stamp, 1_000_000_000) for stamp in merged.stamps[first:stop])
            ])
        if not columns:
            return b"".join(texts)
        columns.append(texts)
        pieces: list[bytes] = [b""] * (len(columns) * len(texts))
        for number, column in enumerate(columns):
            pieces[number :: len(columns)] = column
        return b"".join(pieces)

    def _records(self, merged: MergedLines, first: int, stop: int) -> bytes:
        attrs = (
            list(map(self._attr_texts.__getitem__, merged.sources[first:stop])) if self._attrs else None
        )
        return json_records(
            merged.texts[first:stop], merged.streams[first:stop], merged.stamps[first:stop], attrs
        )

    def flush(self) -> None:
        """Write what is pending (a sanitiser may hold back an incomplete end)."""
        self._count = 0
        for output in (0, 1):
            pending = self._pending[output]
            if pending:
                data = b"".join(pending)
                pending.clear()
                sanitizer = self._sanitizers[output]
                out = self._outs[output]
                out.write(data if sanitizer is None else sanitizer.feed(data))
                out.flush()

    def close(self) -> None:
        """Write everything, including what a sanitiser held back."""
        self.flush()
        for output in (0, 1):
            sanitizer = self._sanitizers[output]
            if sanitizer is not None:
                rest = sanitizer.close()
                if rest:
                    self._outs[output].write(rest)
                    self._outs[output].flush()


def _select(merged: MergedLines, wanted: bytes) -> MergedLines:
    """The lines of ``merged`` whose byte in ``wanted`` is 1."""
    return MergedLines(
        list(itertools.compress(merged.stamps, wanted)),
        bytes(itertools.compress(merged.streams, wanted)),
        list(itertools.compress(merged.texts, wanted)),
        merged.complete,
        list(itertools.compress(merged.sources, wanted)),
    )


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
            self._printer.lines(MergedLines(*chunk, [0] * len(chunk.texts)))

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
