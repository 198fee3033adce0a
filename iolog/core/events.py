"""What a reader reports: an entry, or the damage between entries.

A decoder (:mod:`iolog.core.decoder`) turns bytes into :data:`Event` s: an
:class:`~iolog.core.format.Entry`, a :class:`Skipped` run of bytes that are
no entry (garbage, a torn entry, a header that is not one), or a
:class:`Truncated` tail (an entry the end of the input cut off).
"""

from __future__ import annotations

from dataclasses import dataclass

from .format import Entry

__all__ = ["Event", "Skipped", "Truncated"]


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
