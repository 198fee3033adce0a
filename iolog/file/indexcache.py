"""A persistent cache of checkpoint indexes, trusted only when proven to match the file.

This module owns saving a :class:`~iolog.file.index.CheckpointIndex` beside
the user's other caches and loading it back. An exact ``--since`` on a log
with backward clock jumps must know every timestamp before the answer (see
:mod:`iolog.file.logfile`), so the first query of a large log walks its
headers; with this cache every later query (and the viewer) starts from the
saved index and reads one region.

Where: ``$IOLOG_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/iolog``, else
``~/.cache/iolog``. ``IOLOG_CACHE_DIR=off`` disables the cache. One file per
log, named by a hash of the log's real path, device and inode.

What is checked each time a saved index is used (any failure: it is ignored
and the index rebuilt, so a stale or damaged cache never changes an answer):

- a SHA-256 checksum over everything saved (a changed byte is refused);
- the file's identity: the same device and inode, and the same size and
  modification time (ns) as when saved, or a file that has only grown;
- a sample of up to :data:`SAMPLED_CHECKPOINTS` checkpoints: the header at
  each saved offset still decodes, by the decoder's rules, to the first
  timestamp saved for its region.

A file that grew keeps the part of its index that the old end could not
have decided (:meth:`~iolog.file.index.CheckpointIndex.rewind`): building on
reads only the new bytes and one region. A cache that cannot be read or
written is ignored: it never makes a query fail.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import os
import struct
import tempfile
from array import array
from pathlib import Path

from ..core.format import ENCODED_HEADER_SIZE
from ..core.rules import VALID_HEADER
from .index import CheckpointIndex

__all__ = ["SAMPLED_CHECKPOINTS", "cache_dir", "load_index", "save_index"]

_MAGIC = b"iolog-index-2\n"
_DIGEST_BYTES = 32
#: How many checkpoints are compared with the file each time a saved index is used.
SAMPLED_CHECKPOINTS = 8
_INT64_MIN = -(1 << 63)
_SCALARS = (
    "checkpoint_every_bytes",
    "end_offset",
    "complete",
    "entry_count",
    "stderr_count",
    "damage_count",
    "last_ts",
    "built_for_size",
    "_open_start",
    "_open_number",
    "_open_stderr",
    "_open_damage",
    "_open_prev",
    "_open_first",
    "_open_min",
    "_open_max",
)


def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when caching is turned off."""
    configured = os.environ.get("IOLOG_CACHE_DIR")
    if configured:
        return None if configured.lower() in ("off", "0", "no", "none") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iolog"


def _cache_file(path: str, info: os.stat_result) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    key = f"{os.path.realpath(path)}\0{info.st_dev}\0{info.st_ino}".encode()
    return folder / (hashlib.sha256(key).hexdigest()[:32] + ".idx")


def save_index(index: CheckpointIndex, path: str, fd: int) -> bool:
    """Save ``index`` of the log open as ``fd`` (at ``path``).

    Args:
        index: a complete index, or the partial one a time seek leaves.
        path: the log's path (names the cache file).
        fd: the log, open for reading (for its identity).

    Returns:
        Whether the index was saved (``False`` when caching is off, the
        index is empty, or the cache cannot be written).
    """
    if index.end_offset <= 0 or index.built_for_size <= 0:
        return False
    try:
        info = os.fstat(fd)
        target = _cache_file(path, info)
        if target is None:
            return False
        meta: dict[str, object] = {name: getattr(index, name) for name in _SCALARS}
        meta.update(st_dev=info.st_dev, st_ino=info.st_ino, st_size=info.st_size,
                    st_mtime_ns=info.st_mtime_ns, rows=len(index.offsets))
        header = json.dumps(meta).encode()
        body = _MAGIC + struct.pack("<I", len(header)) + header + b"".join(
            getattr(index, name).tobytes() for name in CheckpointIndex.COLUMNS
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(body + hashlib.sha256(body).digest())
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return False
    return True


def load_index(path: str, fd: int) -> CheckpointIndex | None:
    """Load the saved index of the log open as ``fd``, if it is proven to still apply.

    Args:
        path: the log's path.
        fd: the log, open for reading.

    Returns:
        The index (cut back to what still holds, for a file that grew), or
        ``None`` if there is none or it does not match the file.
    """
    try:
        info = os.fstat(fd)
        target = _cache_file(path, info)
        if target is None:
            return None
        data = target.read_bytes()
    except OSError:
        return None
    try:
        index = _parse(data, info)
        if index is None or not _checkpoints_hold(index, fd):
            return None
    except (ValueError, KeyError, TypeError, struct.error, OSError):
        return None
    index.rewind(info.st_size)
    return index


def _parse(data: bytes, info: os.stat_result) -> CheckpointIndex | None:
    """The index in a cache file, if its checksum and the file's identity allow it."""
    body, digest = data[:-_DIGEST_BYTES], data[-_DIGEST_BYTES:]
    if not body.startswith(_MAGIC) or hashlib.sha256(body).digest() != digest:
        return None
    (length,) = struct.unpack_from("<I", body, len(_MAGIC))
    start = len(_MAGIC) + 4
    meta = json.loads(body[start : start + length])
    if (meta["st_dev"], meta["st_ino"]) != (info.st_dev, info.st_ino):
        return None
    unchanged = (meta["st_size"], meta["st_mtime_ns"]) == (info.st_size, info.st_mtime_ns)
    if not unchanged and info.st_size <= meta["st_size"]:
        return None  # rewritten, or truncated: not only grown
    index = CheckpointIndex(int(meta["checkpoint_every_bytes"]))
    for name in _SCALARS:
        setattr(index, name, meta[name])
    position = start + length
    rows = int(meta["rows"])
    for name in CheckpointIndex.COLUMNS:
        values = array("q")
        values.frombytes(body[position : position + rows * 8])
        if len(values) != rows:
            return None
        setattr(index, name, values)
        position += rows * 8
    if position != len(body):
        return None
    return index


def _checkpoints_hold(index: CheckpointIndex, fd: int) -> bool:
    """Do sampled checkpoints still start with their saved first entry?"""
    rows = len(index.offsets)
    if not rows:
        return True
    step = max(1, rows // SAMPLED_CHECKPOINTS)
    sample = sorted({*range(0, rows, step), rows - 1})
    for number in sample:
        first_ts = index.first_ts[number]
        if first_ts == _INT64_MIN:
            continue  # a region with no entry
        header = os.pread(fd, ENCODED_HEADER_SIZE, index.offsets[number])
        if VALID_HEADER.fullmatch(header) is None:
            return False
        if int.from_bytes(binascii.a2b_base64(header)[:8], "little", signed=True) != first_ts:
            return False
    return True
