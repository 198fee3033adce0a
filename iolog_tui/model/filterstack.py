"""A stack of filters: which lines a pane keeps, and which filter matches which line.

This module owns the one rule of "does a line pass the filters": a line is
kept when every include filter that is on matches its message and no
exclude filter that is on does (:meth:`FilterStack.passes`; a filter that is
off counts for nothing; with no filter on, every line passes). Each
filter's "matches" is :meth:`Matcher.matches
<iolog_tui.model.search.Matcher.matches>`. The filtered view, the per-filter
counts and export all take their test from here.

One pass over a line's text decides the whole stack: the message is decoded
(or, all ASCII, lowered) once and every filter is tested on that; the
exclude filters that are regular expressions are joined into one
alternation, searched once. The file is walked once for the whole stack:
:attr:`FilterStack.needle` is the needle of an include filter (every kept
line holds it), so a stack is as fast to apply as its most selective
literal include filter alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .search import Matcher, RowTest, message_string

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
    """

    filters: tuple[RowFilter, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_plan", _Plan([f for f in self.filters if f.enabled]))

    def __len__(self) -> int:
        return len(self.filters)

    # -- changing the stack (a new stack each time) -----------------------------------

    def added(self, row_filter: RowFilter) -> FilterStack:
        """This stack with ``row_filter`` on top."""
        return FilterStack((*self.filters, row_filter))

    def removed(self, index: int) -> FilterStack:
        """This stack without filter ``index``."""
        return FilterStack(self.filters[:index] + self.filters[index + 1 :])

    def toggled(self, index: int) -> FilterStack:
        """This stack with filter ``index`` turned off (or back on)."""
        chosen = self.filters[index]
        changed = replace(chosen, enabled=not chosen.enabled)
        return FilterStack(self.filters[:index] + (changed,) + self.filters[index + 1 :])

    # -- the rule ---------------------------------------------------------------------

    @property
    def active(self) -> tuple[RowFilter, ...]:
        """The filters that are on."""
        return tuple(f for f in self.filters if f.enabled)

    @property
    def filtering(self) -> bool:
        """Some filter is on (else every line passes)."""
        return bool(self._plan.filters)  # type: ignore[attr-defined]

    def passes(self, message: bytes) -> bool:
        """Whether a line with this message (raw payload bytes) is kept: the rule."""
        return self._plan.passes(message)  # type: ignore[attr-defined,no-any-return]

    def row_test(self, streams: Sequence[int]) -> RowTest:
        """``test(kind, message)``: a line row of one of ``streams`` that passes."""
        passes = self._plan.passes  # type: ignore[attr-defined]
        if not self.filtering:
            return lambda kind, _message: kind in streams
        return lambda kind, message: kind in streams and passes(message)

    @property
    def needle(self) -> tuple[bytes | None, bool]:
        """``(needle, exact_case)``: bytes every kept all-ASCII message holds, for the file walk.

        The longest needle of the include filters that are on (``None`` if
        none has one: every line must be tested).
        """
        best: Matcher | None = None
        for row_filter in self.active:
            needle = row_filter.matcher.needle
            if row_filter.exclude or needle is None:
                continue
            if best is None or len(needle) > len(best.needle or b""):
                best = row_filter.matcher
        return (None, True) if best is None else (best.needle, best.case_sensitive)


class _Plan:
    """How a stack's filters are tested on one line: the text prepared once, excludes joined."""

    def __init__(self, filters: Sequence[RowFilter]) -> None:
        self.filters = list(filters)
        includes = [f.matcher for f in filters if not f.exclude]
        excludes = [f.matcher for f in filters if f.exclude]
        # ASCII literals, tested on an all-ASCII message's bytes (as Matcher.matches does).
        self.literal_includes = [(m.needle, not m.case_sensitive) for m in includes if m.needle is not None]
        self.literal_excludes = [(m.needle, not m.case_sensitive) for m in excludes if m.needle is not None]
        self.all_literal = len(self.literal_includes) + len(self.literal_excludes) == len(self.filters)
        self.folds = any(folded for _needle, folded in (*self.literal_includes, *self.literal_excludes))
        # On text: the includes each, then every exclude in one search.
        self.text_includes = [m.compiled for m in includes if m.needle is None]
        self.literal_patterns = [m.compiled for m in includes if m.needle is not None]
        self.any_exclude = one_search(excludes)

    def passes(self, message: bytes) -> bool:
        if not self.filters:
            return True
        if message.isascii():
            if message.endswith(b"\n"):
                message = message[:-2] if message.endswith(b"\r\n") else message[:-1]
            lowered = message.lower() if self.folds else message
            for needle, folded in self.literal_includes:
                if needle not in (lowered if folded else message):
                    return False
            if self.all_literal:
                for needle, folded in self.literal_excludes:
                    if needle in (lowered if folded else message):
                        return False
                return True
            text = message.decode("ascii")
        else:
            text = message_string(message)
            for pattern in self.literal_patterns:
                if pattern.search(text) is None:
                    return False
        for pattern in self.text_includes:
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

    A line that no filter matches (most lines, for the counts) is decided by
    one search of its text for any of them (:func:`one_search`); the others
    are tested filter by filter.
    """
    matchers = [row_filter.matcher for row_filter in filters]
    any_filter = one_search(matchers)

    def matched(message: bytes) -> list[bool]:
        text = message_string(message)
        if any_filter(text) is None:
            return [False] * len(matchers)
        return [matcher.compiled.search(text) is not None for matcher in matchers]

    return matched
