"""A logical line's level (ERROR, WARN, ...), from the shapes loggers write it in.

This module owns the one rule that says which level a line of container
output carries, for ``iolog stat``'s counts and the viewer's colours. It
reads the text only (no I/O, no stream: a line on stderr without a level
word has no level). The shapes, each a common logger's:

- a level word as its own token near the start of the line (within
  :data:`HEAD_BYTES`): in capitals anywhere there (``ERROR db down``,
  ``2026-11-25 10:00:00 [main] WARN c.e.App - slow``, ``... | INFO | ...``,
  Python's ``ERROR:root:...``); in lower case or capitalised too at the
  start, after a timestamp (zap's ``2026-11-25T10:00:00Z\\tinfo\\t...``), or
  in brackets (nginx's ``[error]``, ``<warn>``, ``(debug)``); ``Error: ...``
  and ``warning: ...`` are at the start too. A lower-case word elsewhere is
  prose (``no error``, ``stack trace:``), not a level;
- logfmt's ``level=error`` (also ``lvl``, ``severity``, quoted values);
- a JSON object's ``"level"`` (also ``"lvl"``, ``"severity"``,
  ``"levelname"``, ``"log.level"``), a word or a number: pino's and
  bunyan's 10-60, or a syslog severity 0-7 (GELF);
- klog's (and glog's) prefix: ``E1125 10:00:00.123456 1 file.go:12] ...``
  (a letter I, W, E, F, then the month and day, then the time). A letter
  alone is never a level: ``I think`` and ``A test`` are prose;
- a syslog priority (0-191) at the start: ``<3>disk failed`` (severity =
  priority mod 8: 0-2 FATAL, 3 ERROR, 4 WARN, 5-6 INFO, 7 DEBUG).

Words and their levels: FATAL (fatal, panic, dpanic, emerg, emergency,
alert, crit, critical), ERROR (error, err, severe), WARN (warn, warning,
wrn), INFO (info, inf, notice), DEBUG (debug, dbg, fine), TRACE (trace,
trc, verbose, finer, finest). Three-letter abbreviations other than
``err`` (zerolog's ``WRN``, ``INF``, ``DBG``, ``TRC``, ``FTL``, ``PNC``)
count in capitals only: ``inf`` and ``dbg`` are no words of prose.

A line is judged as a person sees it (:func:`iolog.core.termsafe.visible_text`):
colour sequences are no text (``\\x1b[1;31mERROR\\x1b[0m boom`` is an error,
its word where the ERROR is), and a control or a byte that is not UTF-8 is
its visible escape. A line whose head is printable ASCII is its own visible
text and is read as it is (the test is one pass in C); only the others are
put through the rule.

Only the first :data:`SCAN_BYTES` of a line's visible text are read. An anchored match
takes the shapes of the start; one search finds the leftmost word or key in
the head (every alternative begins with a fixed byte, so the search skips
in C to where one may begin); a JSON object or a key past the head takes a
search of its own. :func:`detect_level` answers for a line (the viewer
colours the span); :func:`count_levels` counts many lines without making
spans (``iolog stat``); :func:`line_levels` is the former over many lines.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from typing import NamedTuple

from .termsafe import MAX_SGR_CHARS, visible_text

__all__ = ["HEAD_BYTES", "SCAN_BYTES", "Level", "LevelSpan", "count_levels", "detect_level", "line_levels"]

#: How far into a line a level word (or a syslog/klog prefix) may start.
HEAD_BYTES = 100
#: How much of a line is read at all (a JSON or logfmt key may come late).
SCAN_BYTES = 4096


class Level(enum.IntEnum):
    """A line's level; a larger value is more severe (``level >= Level.WARN``)."""

    TRACE = 1
    DEBUG = 2
    INFO = 3
    WARN = 4
    ERROR = 5
    FATAL = 6


class LevelSpan(NamedTuple):
    """A line's level and where its level word is (``line[start:end]``, to colour it)."""

    level: Level
    start: int
    end: int


_WORDS: dict[bytes, Level] = {
    **dict.fromkeys([b"FATAL", b"PANIC", b"DPANIC", b"EMERG", b"EMERGENCY", b"ALERT", b"CRIT", b"CRITICAL",
                     b"FTL", b"PNC"], Level.FATAL),
    **dict.fromkeys([b"ERROR", b"ERR", b"SEVERE"], Level.ERROR),
    **dict.fromkeys([b"WARN", b"WARNING", b"WRN"], Level.WARN),
    **dict.fromkeys([b"INFO", b"INF", b"NOTICE"], Level.INFO),
    **dict.fromkeys([b"DEBUG", b"DBG", b"FINE"], Level.DEBUG),
    **dict.fromkeys([b"TRACE", b"TRC", b"VERBOSE", b"FINER", b"FINEST"], Level.TRACE),
}
#: Three-letter abbreviations count in capitals only ("inf", "dbg" in prose are not levels); "err" is common.
_ANY_CASE_WORDS = [word for word in _WORDS if len(word) > 3 or word == b"ERR"]
_KEYS = [b"level", b"lvl", b"severity", b"levelname", b"log.level", b"loglevel"]
_SYSLOG = (
    Level.FATAL, Level.FATAL, Level.FATAL, Level.ERROR, Level.WARN, Level.INFO, Level.INFO, Level.DEBUG
)
_KLOG = {ord("I"): Level.INFO, ord("W"): Level.WARN, ord("E"): Level.ERROR, ord("F"): Level.FATAL}
#: Bytes that make a capitalised word part of something else when right before it (a path, a name).
_JOINED = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./\\-")
#: Bytes that may come right before a level key (logfmt's space, JSON's quote, brace or comma).
#: (The key names all hold "level", "lvl" or "severity": a line without those has no key.)
_KEY_BEFORE = frozenset(b' \t{,;"')


def _branches(words: list[bytes]) -> list[bytes]:
    """The alternatives of a prefix tree of ``words``, one per first byte (``E(?:MERG(?:ENCY)?|RR(?:OR)?)``).

    Python's regular expressions try the alternatives one by one at each
    place; branching on one byte at a time fails at once where no word
    starts, which is almost everywhere.
    """
    return [re.escape(first) + _trie([word[1:] for word in words if word[:1] == first])
            for first in sorted({word[:1] for word in words if word})]


def _trie(words: list[bytes]) -> bytes:
    """:func:`_branches` as one group (``""`` among ``words`` makes it optional)."""
    branches = _branches(words)
    if not branches:
        return b""
    optional = b"" in words
    if len(branches) == 1 and not optional:
        return branches[0]
    return b"(?:" + b"|".join(branches) + (b")?" if optional else b")")


_WORD_AFTER = rb"(?=[\s\]):>|,]|\Z)"  # what may follow a level word in any case
#: The level words as they are written where any case counts: ERROR, error, Error (not eRRor).
_AS_WRITTEN = sorted({written(word) for word in _ANY_CASE_WORDS
                      for written in (bytes.upper, bytes.lower, bytes.title)})
_KEY_TAIL = rb'"?[ \t]*[=:][ \t]*"?(?P<kv{}>[A-Za-z]+|[0-9]{{1,3}})(?![\w.])'
# The shapes at the start: a syslog priority, klog's prefix, a JSON object, or a level word as
# written (capitals, lower case, capitalised), after timestamp-like text if there is any (zap's
# "2026-11-25T10:00:00Z<TAB>info").
_START = re.compile(
    rb"[ \t]*(?:<(?P<pri>[0-9]{1,3})>"
    rb"|(?P<klog>[IWEF])[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}"
    rb"|(?P<json>\{)"
    rb"|(?:[0-9][0-9:./TZ+,\- \t|]*[ \t|])?(?P<word>" + _trie(_AS_WRITTEN) + rb")" + _WORD_AFTER + rb")"
)
# In the head, whichever comes first: a level word in capitals as its own token, one in any case
# in brackets (nginx's "[error]", "<warn>", "(debug)"), or a level key (logfmt's level=error).
# Every alternative starts with a byte, so the search skips at once to where one may start; what
# comes before a word in capitals or a key is checked apart (:func:`_deciding`).
_HEAD = re.compile(b"|".join(
    [branch + rb"(?![\w-])" for branch in _branches(list(_WORDS))]
    + [re.escape(bytes([opening])) + rb"[ \t]*(?P<word" + str(number).encode() + rb">"
       + _trie(_AS_WRITTEN) + rb")" + _WORD_AFTER for number, opening in enumerate(b"[(<")]
    + [branch + _KEY_TAIL.replace(b"{}", str(number).encode()).replace(b"{{", b"{").replace(b"}}", b"}")
       for number, branch in enumerate(_branches(_KEYS))]
))
# A level key alone: a JSON object's, or one past the head.
_KEY = re.compile(b"(?:" + _trie(_KEYS) + b")" + _KEY_TAIL.replace(b"{}", b"").replace(b"{{", b"{")
                  .replace(b"}}", b"}"))


def _kv_level(value: bytes) -> Level | None:
    if value.isdigit():
        number = int(value)
        if number < 8:  # a syslog severity (GELF)
            return _SYSLOG[number]
        # pino and bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal
        steps = (Level.TRACE, Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR)
        return steps[number // 10] if number < 60 else Level.FATAL
    return _WORDS.get(value.upper())


_new = tuple.__new__  # LevelSpan without its Python-level __new__ (a third of the time per line)


def _level(match: re.Match[bytes]) -> Level | None:
    """The level that the deciding match (see :func:`_deciding`) says."""
    group = match.lastgroup
    if group is None:  # a word in capitals (the whole match)
        return _WORDS[match.group()]
    text = match.group(group)
    if group == "pri":
        priority = int(text)
        return _SYSLOG[priority % 8] if priority < 192 else None
    if group == "klog":
        return _KLOG[text[0]]
    return _kv_level(text) if group.startswith("kv") else _WORDS.get(text.upper())


def _span(match: re.Match[bytes]) -> LevelSpan | None:
    """The level that the deciding match says, and where its word is."""
    level = _level(match)
    if level is None:
        return None
    group = match.lastgroup
    if group is None:
        return _new(LevelSpan, (level, match.start(), match.end()))
    start, end = match.span(group)
    if group == "pri":
        return _new(LevelSpan, (level, start - 1, end + 1))  # the brackets too
    return _new(LevelSpan, (level, start, end))


def _key(line: bytes, start: int, stop: int) -> re.Match[bytes] | None:
    """The first level key in ``line[start:stop]`` that starts a key (after a space, ``{``, ``,``...)."""
    search = _KEY.search
    match = search(line, start, stop)
    while match is not None and match.start() and line[match.start() - 1] not in _KEY_BEFORE:
        match = search(line, match.start() + 1, stop)
    return match


def _deciding(line: bytes) -> re.Match[bytes] | None:
    """The match of the shape that decides a line's level (``None``: no shape)."""
    match = _START.match(line, 0, SCAN_BYTES)
    if match is not None:
        if match.lastgroup != "json":
            return match
        return _key(line, match.end(), SCAN_BYTES)  # a JSON object: its key, nothing else
    # The leftmost in the head of: a word in capitals, a bracketed word, a key.
    search = _HEAD.search
    stop = HEAD_BYTES + _LONGEST_WORD
    match = search(line, 0, stop)
    while match is not None:
        begin = match.start()
        if begin >= HEAD_BYTES:
            break
        if not begin:
            return match
        group = match.lastgroup
        if group is None:
            if line[begin - 1] not in _JOINED:  # not part of a name or a path
                return match
        elif group[0] != "k" or line[begin - 1] in _KEY_BEFORE:
            return match
        match = search(line, begin + 1, stop)
    find = line.find
    if len(line) > HEAD_BYTES and (find(b"level", HEAD_BYTES, SCAN_BYTES) >= 0
                                   or find(b"lvl", HEAD_BYTES, SCAN_BYTES) >= 0
                                   or find(b"severity", HEAD_BYTES, SCAN_BYTES) >= 0):
        return _key(line, HEAD_BYTES - 2, SCAN_BYTES)
    return None


#: The bytes a line may hold and still be its own visible text (printable ASCII and TAB).
_PLAIN = bytes([9, *range(32, 127)])


def _as_seen(line: bytes) -> bool:
    """Whether the head of ``line`` is its own visible text (nothing in it is escaped or left out).

    A LF that ends the line is no part of its text.
    """
    head = line if len(line) <= SCAN_BYTES else line[:SCAN_BYTES]
    if not head.isascii():
        return False
    rest = head.translate(None, _PLAIN)
    return not rest or (rest == b"\n" and head is line and line[-1] == 10)


class _Seen:
    """The head of a line's visible text, as bytes, and the way back to the line's bytes."""

    __slots__ = ("_line_text", "_runs", "shown")

    def __init__(self, line: bytes) -> None:
        end = len(line)
        if line.endswith(b"\n"):
            end -= 2 if line.endswith(b"\r\n") else 1
        size = SCAN_BYTES + MAX_SGR_CHARS
        while True:
            whole = size >= end
            text = line[: end if whole else size].decode("utf-8", "surrogateescape")
            visible, runs = visible_text(text)
            shown = visible.encode("utf-8", "surrogateescape")
            # Where the line was cut, the last bytes may still be part of a sequence or a character:
            # what is shown well before the cut is as the whole line shows it.
            if whole or len(shown) >= SCAN_BYTES + 4 * MAX_SGR_CHARS:
                break
            size *= 4
        self.shown = shown if whole else shown[:SCAN_BYTES]
        self._line_text = text
        self._runs = runs

    def line_offset(self, shown_offset: int, *, start: bool) -> int:
        """The byte of the line at ``shown_offset`` of the visible text (inside the line's own text).

        ``start``: the offset begins a span (after a colour sequence there), else it ends one.
        """
        position = len(self.shown[:shown_offset].decode("utf-8", "surrogateescape"))
        for visible_start, text_start, length in self._runs:
            if visible_start <= position < visible_start + length if start else \
                    visible_start < position <= visible_start + length:
                text_position = text_start + position - visible_start
                return len(self._line_text[:text_position].encode("utf-8", "surrogateescape"))
        return 0  # not reached: a level's span is the line's own text


def detect_level(line: bytes) -> LevelSpan | None:
    """The level of one logical line, and the span of its level word.

    Args:
        line: the line's bytes (with or without its ``\\n``); only the
            first :data:`SCAN_BYTES` of its visible text are read.

    Returns:
        The level and where it is written in ``line`` (the word as the
        person sees it, past any colour sequence), or ``None`` when the line
        has no level in any of the shapes (see the module docstring).
    """
    if _as_seen(line):
        match = _deciding(line)
        return None if match is None else _span(match)
    seen = _Seen(line)
    match = _deciding(seen.shown)
    span = None if match is None else _span(match)
    if span is None:
        return None
    return _new(LevelSpan, (span.level, seen.line_offset(span.start, start=True),
                            seen.line_offset(span.end, start=False)))


_LONGEST_WORD = max(len(word) for word in _WORDS)


def line_levels(lines: Iterable[bytes]) -> list[LevelSpan | None]:
    """:func:`detect_level` of each line, in order."""
    return list(map(detect_level, lines))


def count_levels(lines: Iterable[bytes]) -> dict[Level | None, int]:
    """How many lines have each level (``None``: no level), for many lines at once.

    The same levels as :func:`detect_level`, without making a span for each.
    """
    counts: dict[Level | None, int] = {}
    get = counts.get
    as_seen = _as_seen
    deciding = _deciding
    for line in lines:
        match = deciding(line if as_seen(line) else _Seen(line).shown)
        level = None if match is None else _level(match)
        counts[level] = get(level, 0) + 1
    return counts
