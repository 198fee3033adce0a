"""Log bytes on their way to a terminal: ``iolog cat``'s sanitiser.

This module owns what ``iolog cat`` writes to a terminal (stdout or stderr
being a TTY, unless ``--raw``). The bytes go through the rule of
:mod:`iolog.core.termsafe`: SGR colours and weights pass, so a container's
coloured log stays coloured; every other escape sequence and control, the
BiDi controls, U+2028/U+2029, and bytes that are not UTF-8 are written as
visible escapes (``␛``, ``␇``, ``\\u009b``, ``\\u202e``, ``\\xff``...) in
reverse video. Reverse video is itself an attribute the log can never turn
on (SGR 7 is not allowed), so switching it off after an escape restores the
log's own colours exactly. Valid UTF-8 (CJK, emoji, combining marks), TAB,
LF and CR LF pass unchanged; a lone CR is escaped, since it would let later
text hide earlier text on the line.

:class:`TerminalSanitizer` works on the stream of bytes one output receives,
however it is cut: a UTF-8 character or an escape sequence split between
two entries or two writes is decided whole (the incomplete end is held back
until the next bytes, or :meth:`TerminalSanitizer.close`), so nothing the
terminal sees ever depends on where the log was cut. Output to a pipe or a
file is not sanitised at all: it stays byte-for-byte what ``docker logs``
writes.
"""

from __future__ import annotations

import codecs
import re

from ..core.termsafe import TerminalFilter

__all__ = ["ESCAPE_END", "ESCAPE_START", "TerminalSanitizer"]

#: Written before a run of visible escapes (reverse video on).
ESCAPE_START = b"\x1b[7m"
#: Written after it (reverse video off, every other attribute untouched).
ESCAPE_END = b"\x1b[27m"

# Bytes that need a look: all but TAB, LF and printable ASCII.
_NEEDS_LOOK = re.compile(rb"[^\x09\x0a\x20-\x7e]")


class TerminalSanitizer:
    """Turn the bytes written to one terminal into bytes safe for it.

    Feed it everything that goes to that terminal, in order; call
    :meth:`close` at the end.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._filter = TerminalFilter(keep_sgr=True, keep_newlines=True)
        self._pending = False  # the decoder or the filter holds an incomplete end

    def feed(self, data: bytes) -> bytes:
        """The safe form of ``data``, which continues what was fed before.

        An incomplete UTF-8 character, escape sequence or CR at the end is
        held back and comes out with the next call (or :meth:`close`).
        """
        if not self._pending and _NEEDS_LOOK.search(data) is None:
            return data  # printable ASCII, TAB and LF: nothing to do
        text = self._filter.feed_marked(self._decoder.decode(data), _START, _END)
        self._pending = bool(self._filter.held) or bool(self._decoder.getstate()[0])
        return _encode(text)

    def close(self) -> bytes:
        """Whatever is still held back, decided as the end of the output."""
        text = self._filter.feed_marked(self._decoder.decode(b"", final=True), _START, _END)
        text += self._filter.close_marked(_START, _END)
        self._pending = False
        return _encode(text)


_START = ESCAPE_START.decode("ascii")
_END = ESCAPE_END.decode("ascii")


def _encode(text: str) -> bytes:
    # One reverse-video run for consecutive escapes. The log cannot write
    # this pair itself: SGR 7 and 27 are never let through.
    return text.replace(_END + _START, "").encode("utf-8")
