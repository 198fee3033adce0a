"""A persistent cache of checkpoint indexes, so a log is walked once, not per query.

This module owns saving a :class:`~iolog.file.index.CheckpointIndex` beside the
user's other caches and loading it back only when it provably still
describes the file. An exact ``--since`` on a log with backward clock jumps
must know every timestamp before the answer (see :mod:`iolog.file.logfile`), so
the first query of a large log walks its headers; with this cache, every
later query (and the viewer) starts from the saved index and reads one
region.

Where: ``$IOLOG_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/iolog``, else
``~/.cache/iolog``. ``IOLOG_CACHE_DIR=off`` disables the cache. One file per
log, named by a hash of the log's real path, device and inode.

When a saved index is used: same device and inode, the file is at least as
long as when indexed, and the bytes at both ends of the indexed part hash as
they did (a log truncated and rewritten to a greater length fails this). A
cache that cannot be read or written is ignored: it never makes a query fail.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from array import array
from pathlib import Path

from .index import CheckpointIndex

__all__ = ["cache_dir", "load_index", "save_index"]

_MAGIC = b"iolog-index-1\n"
_SAMPLE_BYTES = 64 << 10
_COLUMNS = ("offsets", "entry_numbers", "min_ts", "max_ts")
_SCALARS = (
    "checkpoint_every_bytes",
    "end_offset",
    "complete",
    "entry_count",
    "stderr_count",
    "skipped_bytes",
    "truncated_bytes",
    "backward_jumps",
    "first_ts",
    "last_ts",
    "built_for_size",
    "_open_start",
    "_open_number",
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


def _fingerprint(fd: int, indexed_bytes: int) -> str:
    """Hash of the first and last 64 KiB of the indexed part of the file."""
    digest = hashlib.sha256()
    digest.update(os.pread(fd, min(_SAMPLE_BYTES, indexed_bytes), 0))
    tail_start = max(0, indexed_bytes - _SAMPLE_BYTES)
    digest.update(os.pread(fd, indexed_bytes - tail_start, tail_start))
    return digest.hexdigest()


def save_index(index: CheckpointIndex, path: str, fd: int) -> bool:
    """Save ``index`` of the log open as ``fd`` (at ``path``).

    Args:
        index: a complete index, or the partial one a time seek leaves.
        path: the log's path (names the cache file).
        fd: the log, open for reading (for the fingerprint).

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
        meta = {name: getattr(index, name) for name in _SCALARS}
        meta["st_dev"] = info.st_dev
        meta["st_ino"] = info.st_ino
        meta["fingerprint"] = _fingerprint(fd, index.built_for_size)
        meta["rows"] = len(index.offsets)
        header = json.dumps(meta).encode()
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_MAGIC + struct.pack("<I", len(header)) + header)
                for column in _COLUMNS:
                    out.write(getattr(index, column).tobytes())
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return False
    return True


def load_index(path: str, fd: int) -> CheckpointIndex | None:
    """Load the saved index of the log open as ``fd``, if it still applies.

    Args:
        path: the log's path.
        fd: the log, open for reading.

    Returns:
        The index, or ``None`` if there is none or it does not match the file.
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
        if not data.startswith(_MAGIC):
            return None
        (length,) = struct.unpack_from("<I", data, len(_MAGIC))
        start = len(_MAGIC) + 4
        meta = json.loads(data[start : start + length])
        if (meta["st_dev"], meta["st_ino"]) != (info.st_dev, info.st_ino):
            return None
        if info.st_size < meta["built_for_size"]:
            return None
        if _fingerprint(fd, meta["built_for_size"]) != meta["fingerprint"]:
            return None
        index = CheckpointIndex(meta["checkpoint_every_bytes"])
        for name in _SCALARS:
            setattr(index, name, meta[name])
        position = start + length
        rows = meta["rows"]
        for column in _COLUMNS:
            values = array("q")
            values.frombytes(data[position : position + rows * 8])
            if len(values) != rows:
                return None
            setattr(index, column, values)
            position += rows * 8
    except (ValueError, KeyError, TypeError, struct.error, OSError):
        return None
    return index
