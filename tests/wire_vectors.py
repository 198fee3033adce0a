"""Access to the byte-exact wire-format vectors made by VIC's own writer.

The vectors are kept in ``tests/vectors/`` (see its README for where the bytes
came from), so a clone of the repository tests on its own.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

VECTORS_DIR = Path(__file__).resolve().parent / "vectors"


@dataclass(frozen=True)
class Vector:
    name: str
    data: bytes
    writes: list[bytes] | None
    clock_ns: int | None
    entries: list[dict[str, object]]
    skipped_bytes: int

    @property
    def messages(self) -> list[bytes]:
        return [base64.b64decode(str(e["message_b64"])) for e in self.entries]


def load_vectors() -> list[Vector]:
    vectors = []
    for path in sorted(VECTORS_DIR.glob("*.json")):
        meta = json.loads(path.read_text())
        writes = meta.get("writes_b64")
        clock = meta.get("clock_unix_seconds")
        vectors.append(
            Vector(
                name=path.stem,
                data=path.with_suffix(".iolog").read_bytes(),
                writes=[base64.b64decode(w) for w in writes] if writes is not None else None,
                clock_ns=clock * 1_000_000_000 if clock is not None else None,
                entries=meta["entries"],
                skipped_bytes=meta.get("skipped_bytes", 0),
            )
        )
    if not vectors:
        raise RuntimeError(f"no vectors found in {VECTORS_DIR}")
    return vectors


VECTORS = load_vectors()
WRITTEN = [v for v in VECTORS if v.writes is not None]
