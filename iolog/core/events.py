"""What a reader reports: an entry, or the damage between entries.

A decoder (:mod:`iolog.core.decoder`) turns bytes into :data:`Event` s: an
:class:`~iolog.core.format.Entry`, a :class:`Skipped` run of bytes that are
no entry (garbage, a torn entry, a header that is not one), or a
:class:`Truncated` tail (an entry the end of the input cut off); and which
entry the bytes cannot vouch for (:func:`may_be_torn`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .format import Entry

__all__ = ["Event", "Skipped", "Truncated", "may_be_torn"]


@dataclass(frozen=True, slots=True)
class Skipped:
    """Bytes that could not be decoded and were skipped.

    Attributes:
        offset: absolute byte offset of the first skipped byte.
        length: how many bytes were skipped (a whole run is one event).
    """

    offset: int
    length: int

    @property
    def end_offset(self) -> int:
        """Offset just past the skipped run."""
        return self.offset + self.length


@dataclass(frozen=True, slots=True)
class Truncated:
    """An incomplete entry at the end of input (a torn or still-growing tail).

    Attributes:
        offset: absolute byte offset where the incomplete entry starts.
        length: how many bytes of it were present.
    """

    offset: int
    length: int

    @property
    def end_offset(self) -> int:
        """Offset just past the incomplete bytes."""
        return self.offset + self.length


#: What a reader reports: an entry, or the damage between entries.
Event = Entry | Skipped | Truncated


def may_be_torn(entry_end: int | None, following: object) -> bool:
    """Whether the entry that ends at ``entry_end`` may be torn, by the event after it.

    The decoder keeps an entry that undecodable bytes follow when it looks
    written whole: it ends with its one newline (the last line before a
    reboot). An entry torn by a crash, whose claimed size the boot noise
    after it happens to complete with a newline, is the same bytes, so no
    reader can tell the two apart: the end of such an entry may be noise.
    Every reader says so where it shows the entry (the viewer marks its
    line; ``iolog cat`` and ``iolog stat`` count those lines on stderr).

    Args:
        entry_end: offset just past the entry (``None``: no entry).
        following: the event right after it.
    """
    return entry_end is not None and type(following) is Skipped and following.offset == entry_end
