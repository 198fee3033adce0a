"""The keys, told once: the help page and the palette's key hints are made from the bindings.

This module owns the log screen's keys (:data:`LOG_BINDINGS`), the command
palette's entries (:data:`COMMANDS`, whose key hints come from those
bindings), how a key is shown to a person (``slash`` is ``/``,
``ctrl+r`` is ``Ctrl+R``, ``down`` is ``↓``) and the layout of the help
page. The page is a template whose every key is a placeholder naming a
binding (by its ``id``, else its action: ``{since}``, ``{scroll_down[1]}``
for a binding's second key); :func:`help_text` fills it in from the
bindings the widgets declare, so changing a binding changes the help, and a
key the help names that no binding has is an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from textual.binding import Binding, BindingType

__all__ = [
    "APP_BINDINGS",
    "COMMANDS",
    "HELP_TEMPLATE",
    "LOG_BINDINGS",
    "binding_name",
    "help_text",
    "key_names",
    "palette_entries",
    "show_key",
]

_NAMES = {
    "slash": "/", "ampersand": "&", "question_mark": "?", "enter": "Enter", "escape": "Esc",
    "tab": "Tab", "down": "↓", "up": "↑", "left": "←", "right": "→", "home": "Home",
    "end": "End", "pageup": "PgUp", "pagedown": "PgDn", "space": "space",
    "dollar_sign": "$", "delete": "Delete", "apostrophe": "'", "quotation_mark": '"',
    "shift+up": "Shift+↑", "shift+down": "Shift+↓",
}

#: The log screen's keys, in the footer's order (Textual lists a node's bindings in order).
LOG_BINDINGS: list[BindingType] = [
    Binding("slash", "search", "Search", show=False),
    Binding("n", "next_match", "Next"),
    Binding("N", "previous_match", "Prev"),
    Binding("e", "level_step('error', True)", "Next error", show=False, id="next_error"),
    Binding("E", "level_step('error', False)", "Previous error", show=False, id="previous_error"),
    Binding("w", "level_step('warning', True)", "Next warning", show=False, id="next_warning"),
    Binding("W", "level_step('warning', False)", "Previous warning", show=False, id="previous_warning"),
    Binding("L", "levels", "Levels", show=False),
    Binding("ampersand", "filter", "Filter", show=False),
    Binding("F", "filter_list", "Filters", show=False),
    Binding("C", "context", "Context", show=False),
    Binding("1", "streams('stdout')", "stdout only", show=False, id="stdout_only"),
    Binding("2", "streams('stderr')", "stderr only", show=False, id="stderr_only"),
    Binding("3", "streams('both')", "Both streams", show=False, id="both_streams"),
    Binding("enter", "detail", "Detail", show=False),
    Binding("y", "copy", "Copy", show=False),
    Binding("x", "export", "Save", show=False),
    Binding("m", "mark", "Mark", show=False),
    Binding("u", "next_mark", "Next mark", show=False),
    Binding("apostrophe", "next_mark", "Next mark", show=False, id="next_mark_too"),
    Binding("U", "next_mark(False)", "Previous mark", show=False, id="previous_mark"),
    Binding("quotation_mark", "next_mark(False)", "Previous mark", show=False, id="previous_mark_too"),
    Binding("ctrl+g", "goto", "Go to a time", show=False),
    Binding("escape", "escape", "Stop/clear"),
    Binding("T", "timeline", "Timeline", show=False),
    Binding("s", "since", "Since"),
    Binding("f", "follow", "Follow"),
    Binding("f", "pause", "Pause"),
    Binding("p", "split", "Split"),
    Binding("t", "time_format", "Time"),
    Binding("ctrl+w", "wrap", "Wrap"),
    Binding("tab", "other_pane", "Other pane", priority=True),
    Binding("M", "app.messages", "Messages", show=False),
    Binding("question_mark", "help", "Help"),
    Binding("q", "quit", "Quit"),
    # Over the help page the log screen's footer says what q does there.
    Binding("q", "close_help", "Close help"),
]

#: The app's keys: the source filter of a view of several logs (``o``; the README's "Several logs in
#: one view" and the palette say it: the help page is that of one log).
APP_BINDINGS: list[BindingType] = [
    Binding("o", "choose_logs", "Logs", show=False),
]

#: The command palette's entries, in order: the action, its title, what it does.
#: The palette adds the action's key from :data:`LOG_BINDINGS`.
COMMANDS = (
    ("search", "Search…", "Find text or a regular expression"),
    ("next_match", "Next match", "Go to the next match"),
    ("previous_match", "Previous match", "Go to the previous match"),
    ("level_step('error', True)", "Next error", "Go to the next ERROR, FATAL or CRITICAL line"),
    ("level_step('error', False)", "Previous error", "Go to the previous ERROR, FATAL or CRITICAL line"),
    ("level_step('warning', True)", "Next warning", "Go to the next WARN line"),
    ("level_step('warning', False)", "Previous warning", "Go to the previous WARN line"),
    ("levels", "Level filter", "Show every line, warnings and worse, or errors only"),
    ("filter", "Add a filter…", "Keep only the lines that match, or hide them; filters stack"),
    ("filter_list", "Filters", "List the filters with their counts: turn off, remove, clear"),
    ("clear_filter", "Clear filters", "Remove every filter: show every line again"),
    ("context", "Context lines…", "Show N lines before and after each line the filters keep"),
    ("streams('stdout')", "Show stdout only", "Only stdout in the merged pane"),
    ("streams('stderr')", "Show stderr only", "Only stderr in the merged pane"),
    ("streams('both')", "Show both streams", "stdout and stderr"),
    ("app.choose_logs", "Choose logs…", "Which of several logs merged by time are shown (o)"),
    ("detail", "Entry detail", "Everything about the cursor's line"),
    ("copy", "Copy lines", "Copy the selected lines, or the cursor's line"),
    ("export", "Save lines…", "Write the lines shown, the selection or the marked lines to a file"),
    ("mark", "Mark lines", "Mark or unmark the cursor's line (or the selected lines)"),
    ("next_mark", "Next mark", "The cursor to the next marked line"),
    ("next_mark(False)", "Previous mark", "The cursor to the previous marked line"),
    ("goto", "Go to a time…", "The cursor to the first line at or after a time; every line stays shown"),
    ("timeline", "Timeline", "Show or hide entries per time bucket; click a bucket to go there"),
    ("since", "Since…", "Show the entries from a time on, or up to one"),
    ("follow", "Follow", "Stay at the bottom as entries arrive"),
    ("split", "Split: streams, logs", "Merged → a pane per stream → a pane per log (several logs) → merged"),
    ("time_format", "Timestamps", "UTC, local, relative or hidden"),
    ("wrap", "Wrap long lines", "Wrap long lines, or scroll sideways"),
    ("app.messages", "Messages", "The notices shown so far (rotation, truncation, saves...)"),
    ("help", "Help", "Every key, in one screen"),
)

HELP_TEMPLATE = """\
[b]Moving the cursor[/]
  {cursor_up[1]} {cursor_down[1]}  {cursor_down[0]} {cursor_up[0]}        one line            \
{cursor_page_up[0]} {cursor_page_down[0]}  {cursor_page_up[1]} {cursor_page_down[1]}   one page
  {cursor_first[0]} {cursor_first[1]}  {cursor_last[0]} {cursor_last[1]}   first / last line   \
{goto}               go to a time
  {select_up} {select_down} select from the cursor (or shift+click)
  {scroll_left} {scroll_right}             one column          \
{step_left} {step_right}                  a quarter width
  {line_start} {line_end}             start / end of the lines                 {other_pane}  other pane
  mouse wheel     scroll (the cursor comes along unless lines are selected)

[b]Showing[/]
  {since}   since picker: since/until, presets, preview
  {follow}   follow / pause: on the last line the cursor follows new lines; elsewhere
      they are counted, and {cursor_last[0]} or {cursor_last[1]} follows again
  {split}   split: streams, logs (a pane per stream, then per log of several), merged
  {time_format}   timestamps: UTC → local → relative → hidden
  {wrap}   wrap long lines

[b]Investigating[/]
  {search}   search (in the prompt {regex} regex, {match_case} match case)   \
{next_match} {previous_match}  next / previous
  {filter}   add a filter: only lines that match ({invert} in the prompt hides them);
      filters stack: a line is kept when it passes them all
  {filter_list}   the filters, with their counts: & add, space off/on, d remove, c clear all
  {context}   context: N lines around each kept line, dimmed (0: none)
  {next_error} {previous_error}  next / previous error line      \
{next_warning} {previous_warning}  next / previous warning line
  {levels}   level filter: every line → warnings and worse → errors only
  {stdout_only} {stderr_only} {both_streams}    stdout only / stderr only / both          \
{detail}   entry detail
  {copy}   copy the selected lines     {export}   save lines to a file    \
{command_palette}  command palette
  {mark}   mark / unmark lines     \
{next_mark} {next_mark_too} / {previous_mark} {previous_mark_too}  next / previous mark
  {timeline}   timeline: {earlier[0]} {later[0]} and {choose} (or a click) go to a time; \
{leave} back to the log

[b]Rows[/]
  [$success]▌[/] stdout      [$error]▌[/] stderr      ◆ marked ({mark})
  [$text-muted]░[/] skipped garbage, a truncated tail, the clock stepping back
  level words: [b red]ERROR[/] [b yellow]WARN[/] [dim]DEBUG[/] (a stderr line is not an error by itself)

  {messages}  messages (notices so far)     {help}  this help     {quit}  quit
"""
"""The help page; every ``{name}`` is a binding's keys (see :func:`help_text`)."""


def show_key(key: str) -> str:
    """One key as a person reads it: ``slash`` → ``/``, ``ctrl+r`` → ``Ctrl+R``."""
    if key in _NAMES:
        return _NAMES[key]
    *modifiers, last = key.split("+")
    if modifiers:
        return "+".join([*(part.capitalize() for part in modifiers), last.upper()])
    return key


def binding_name(binding: Binding) -> str:
    """The name a binding goes by in the help: its ``id``, else its action (``app.quit`` → ``quit``)."""
    if binding.id:
        return binding.id
    return re.sub(r"\W+", "_", binding.action.rpartition(".")[2]).strip("_")


class _Keys(list[str]):
    """A binding's keys as shown: all of them joined by a space, or one by index."""

    def __format__(self, spec: str) -> str:
        return format(" ".join(self), spec)


def key_names(bindings: Iterable[Binding]) -> dict[str, _Keys]:
    """Each binding's keys as shown, by :func:`binding_name` (the first binding of a name wins)."""
    names: dict[str, _Keys] = {}
    for binding in bindings:
        names.setdefault(binding_name(binding), _Keys(show_key(key) for key in binding.key.split(",")))
    return names


def help_text(bindings: Iterable[Binding], extra: Mapping[str, str] = {}) -> str:  # noqa: B006
    """The help page with the keys of ``bindings`` (and ``extra`` named keys) filled in.

    Raises:
        KeyError: the page names a key that no binding has.
    """
    names: dict[str, object] = dict(key_names(bindings))
    names.update({name: _Keys([show_key(key)]) for name, key in extra.items()})
    return HELP_TEMPLATE.format_map(names)


def palette_entries(bindings: Iterable[BindingType]) -> list[tuple[str, str, str]]:
    """The command palette's entries (:data:`COMMANDS`): title, help with the key, action."""
    keys = {
        binding.action: key_names([binding])[binding_name(binding)]
        for binding in reversed(list(bindings))
        if isinstance(binding, Binding)
    }
    entries = []
    for action, title, what in COMMANDS:
        key = keys.get(action)
        entries.append((title, what if key is None else f"{what} ({key})", action))
    return entries
