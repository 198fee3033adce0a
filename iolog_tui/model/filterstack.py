"""A stack of filters: which lines a pane keeps, and which filter matches which line.

This module owns the one rule of "does a line pass the filters": a line is
kept when every include filter that is on matches its message, no exclude
filter that is on does, and its level is at least the level filter's
(``L``: :class:`~iolog_tui.model.levelrows.LevelChoice`, by
:func:`iolog.detect_level`) (:meth:`FilterStack.passes`; a filter that is
off counts for nothing; with no filter on and every level, every line
passes). Each
filter's "matches" is :meth:`Matcher.matches
<iolog_tui.model.search.Matcher.matches>`. The filtered view, the per-filter
counts and export all take their test from here.

The file is walked once for the whole stack, not once a filter: the walk
looks across the file's bytes for the needle of one include filter (every
kept line holds it; :meth:`FilterStack.needle_in` takes the rarest in the
file's first bytes), so a stack costs about what its most selective
literal include filter costs alone. A line's message is prepared once for
every filter: an ASCII one without ESC is stripped of its newline and lowered, and
the filters that are ASCII literals are looked for in those bytes; the
regular expressions are searched in its text (the text the row shows,
:func:`~iolog_tui.model.search.message_string`), the excludes joined into one
alternation; any other message is decoded once. A stack of one filter is
that filter's own test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from .levelrows import LevelChoice, level_test
from .search import Matcher, RowTest, message_string, shown_as_is, shown_string

__all__ = ["FilterStack", "RowFilter", "matched_filters", "one_search"]


@dataclass(frozen=True)
class RowFilter:
    """One filter of the stack.

    Attributes:
        matcher: what it looks for.
        exclude: hide the lines that match (else keep only those).
        enabled: the filter is on (off: it is listed but hides nothing).
    """

    matcher: Matcher
    exclude: bool = False
    enabled: bool = True

    def describe(self) -> str:
        """``keep "text"`` or ``hide /regex/``, as the filter list and the status bar say it."""
        return ("hide " if self.exclude else "keep ") + self.matcher.describe()

    @property
    def key(self) -> tuple[str, bool, bool, bool]:
        """What the filter matches, whether on or not (its count depends on this only)."""
        matcher = self.matcher
        return matcher.pattern, matcher.regex, matcher.case_sensitive, self.exclude


@dataclass(frozen=True)
class FilterStack:
    """The filters in effect, in the order they were added.

    Attributes:
        filters: every filter, on or off.
        level: the level filter (``L``): every line, warnings and worse, errors only.
    """

    filters: tuple[RowFilter, ...] = ()
    level: LevelChoice = LevelChoice.ALL
    _plan: _Plan = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_plan", _Plan([f for f in self.filters if f.enabled], self.level))

    def __len__(self) -> int:
        return len(self.filters)

    # -- changing the stack (a new stack each time) -----------------------------------

    def added(self, row_filter: RowFilter) -> FilterStack:
        """This stack with ``row_filter`` on top."""
        return replace(self, filters=(*self.filters, row_filter))

    def removed(self, index: int) -> FilterStack:
        """This stack without filter ``index``."""
        return replace(self, filters=self.filters[:index] + self.filters[index + 1 :])

    def toggled(self, index: int) -> FilterStack:
        """This stack with filter ``index`` turned off (or back on)."""
        chosen = self.filters[index]
        changed = replace(chosen, enabled=not chosen.enabled)
        return replace(self, filters=self.filters[:index] + (changed,) + self.filters[index + 1 :])

    def with_level(self, level: LevelChoice) -> FilterStack:
        """This stack with the level filter at ``level``."""
        return replace(self, level=level)

    # -- the rule ---------------------------------------------------------------------

    @property
    def active(self) -> tuple[RowFilter, ...]:
        """The filters that are on."""
        return tuple(f for f in self.filters if f.enabled)

    @property
    def filtering(self) -> bool:
        """Some filter is on, or the level filter (else every line passes)."""
        return bool(self._plan.filters) or self._plan.level_test is not None

    def passes(self, message: bytes) -> bool:
        """Whether a line with this message (raw payload bytes) is kept: the rule."""
        return self._plan.test(message)

    def row_test(self, streams: Sequence[int] | None = None) -> RowTest:
        """``test(kind, message)``: a line row (of one of ``streams``; ``None``: any) that passes."""
        plan = self._plan
        passes = plan.test
        if streams is None:
            # One call a line: the one filter's own test.
            if len(plan.filters) == 1 and plan.level_test is None:
                matches = plan.filters[0].matcher.matches
                if plan.filters[0].exclude:
                    return lambda _kind, message: not matches(message)
                return lambda _kind, message: matches(message)
            return lambda _kind, message: passes(message)
        if not self.filtering:
            return lambda kind, _message: kind in streams
        return lambda kind, message: kind in streams and passes(message)

    @property
    def needle(self) -> tuple[bytes | None, bool]:
        """``(needle, exact_case)``: bytes every kept ASCII message without ESC holds, for the file walk.

        The longest needle of the include filters that are on (``None`` if
        none has one: every line must be tested); see :meth:`needle_in`.
        """
        return self.needle_in(b"")

    def needle_in(self, sample: bytes) -> tuple[bytes | None, bool]:
        """``(needle, exact_case)`` for the file walk: the rarest include needle in ``sample``.

        Every kept ASCII line without ESC holds the needle of each include filter
        that is on; the walk looks for one of them across the file's bytes.
        The one found least often in ``sample`` (some of the file) rules out
        the most lines; among equals, the longest.
        """
        best: tuple[int, int] | None = None
        chosen: Matcher | None = None
        lowered: bytes | None = None
        for row_filter in self.active:
            needle = row_filter.matcher.needle
            if row_filter.exclude or needle is None:
                continue
            haystack = sample
            if not row_filter.matcher.case_sensitive:
                lowered = sample.lower() if lowered is None else lowered
                haystack = lowered
            found = haystack.count(needle)
            rank = (found, -len(needle))
            if best is None or rank < best:
                best, chosen = rank, row_filter.matcher
        return (None, True) if chosen is None else (chosen.needle, chosen.case_sensitive)


class _Plan:
    """How a stack's filters are tested on one line: the message prepared once for them all.

    An ASCII message without ESC is stripped of its newline and lowered once; the
    filters that are ASCII literals are looked for in those bytes (as
    :meth:`Matcher.matches` does); the others are searched in its text, the
    excludes joined into one search. Any other message is decoded once and
    searched as text, every exclude in one search. A stack of one filter is
    its matcher's own test.
    """

    def __init__(self, filters: Sequence[RowFilter], level: LevelChoice = LevelChoice.ALL) -> None:
        self.filters = list(filters)
        self.level_test = level_test(level)
        includes = [f.matcher for f in filters if not f.exclude]
        excludes = [f.matcher for f in filters if f.exclude]
        self.literal_includes = [(m.needle, not m.case_sensitive) for m in includes if m.needle is not None]
        self.literal_excludes = [(m.needle, not m.case_sensitive) for m in excludes if m.needle is not None]
        self.folds = any(folded for _needle, folded in (*self.literal_includes, *self.literal_excludes))
        self.text_includes = [m.compiled for m in includes if m.needle is None]
        self.text_excludes = one_search([m for m in excludes if m.needle is None])
        self.on_text = bool(self.text_includes) or any(m.needle is None for m in excludes)
        self.include_patterns = [m.compiled for m in includes]
        self.any_exclude = one_search(excludes)
        self.test: Callable[[bytes], bool] = self.passes
        if not filters:
            self.test = lambda _message: True
        elif len(filters) == 1:
            matches = filters[0].matcher.matches
            self.test = (lambda message: not matches(message)) if filters[0].exclude else matches
        at_level = self.level_test
        if at_level is not None:
            texts = self.test
            self.test = lambda message: texts(message) and at_level(0, message)

    def passes(self, message: bytes) -> bool:
        if shown_as_is(message):
            if message.endswith(b"\n"):
                message = message[:-2] if message.endswith(b"\r\n") else message[:-1]
            lowered = message.lower() if self.folds else message
            for needle, folded in self.literal_includes:
                if needle not in (lowered if folded else message):
                    return False
            for needle, folded in self.literal_excludes:
                if needle in (lowered if folded else message):
                    return False
            if not self.on_text:
                return True
            text = shown_string(message)
            for pattern in self.text_includes:
                if pattern.search(text) is None:
                    return False
            return self.text_excludes(text) is None
        text = message_string(message)
        for pattern in self.include_patterns:
            if pattern.search(text) is None:
                return False
        return self.any_exclude(text) is None


def one_search(matchers: Sequence[Matcher]) -> Callable[[str], object]:
    """``search(text)``: a match if any of ``matchers`` matches ``text``, else ``None``.

    The expressions are joined into one alternation, searched once; one that
    cannot join another (its groups would be renumbered, or it sets flags
    for the whole expression) is searched on its own.
    """
    joinable = [m for m in matchers if _joinable(m)]
    alone = [m.compiled for m in matchers if not _joinable(m)]
    if len(joinable) > 1:
        alone.insert(0, re.compile("|".join(_scoped(m) for m in joinable)))
    else:
        alone[:0] = [m.compiled for m in joinable]
    if not alone:
        return lambda _text: None
    if len(alone) == 1:
        return alone[0].search

    def search(text: str) -> object:
        for pattern in alone:
            found = pattern.search(text)
            if found is not None:
                return found
        return None

    return search


def _joinable(matcher: Matcher) -> bool:
    """Whether ``matcher`` 's expression can be one branch of an alternation unchanged."""
    if not matcher.regex:
        return True
    if matcher.compiled.groups:
        return False
    try:
        re.compile(_scoped(matcher))
    except re.error:
        return False
    return True


def _scoped(matcher: Matcher) -> str:
    """A filter's expression as one branch of an alternation, with its own case rule."""
    source = matcher.pattern if matcher.regex else re.escape(matcher.pattern)
    return f"(?:{source})" if matcher.case_sensitive else f"(?i:{source})"


def matched_filters(filters: Sequence[RowFilter]) -> Callable[[bytes], list[bool]]:
    """``matched(message)``: for each of ``filters`` (on or off), whether it matches the line.

    As for the rule: an ASCII message without ESC is prepared once and the literal
    filters looked for in its bytes, the others searched in its text only
    if one search of them all finds something; any other message is
    decoded once, and tested filter by filter only if one search of them
    all finds something (most lines, for rare patterns, match none).
    """
    matchers = [row_filter.matcher for row_filter in filters]
    count = len(matchers)
    literals = [(n, m.needle, not m.case_sensitive) for n, m in enumerate(matchers) if m.needle is not None]
    others = [(n, m.compiled) for n, m in enumerate(matchers) if m.needle is None]
    any_other = one_search([m for m in matchers if m.needle is None])
    any_filter = one_search(matchers)
    folds = any(folded for _n, _needle, folded in literals)

    def matched(message: bytes) -> list[bool]:
        seen = [False] * count
        if shown_as_is(message):
            if message.endswith(b"\n"):
                message = message[:-2] if message.endswith(b"\r\n") else message[:-1]
            lowered = message.lower() if folds else message
            for number, needle, folded in literals:
                seen[number] = needle in (lowered if folded else message)
            if others:
                text = shown_string(message)
                if any_other(text) is not None:
                    for number, pattern in others:
                        seen[number] = pattern.search(text) is not None
            return seen
        text = message_string(message)
        if any_filter(text) is None:
            return seen
        return [matcher.compiled.search(text) is not None for matcher in matchers]

    return matched
