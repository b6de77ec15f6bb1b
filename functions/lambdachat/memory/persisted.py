"""Each user's search snapshot (id and text of every memory) kept as one object, current at write time.

Why: without it, a search in a cold container (a new Lambda instance, a restarted server) reads
every memory of the user from the table, one item per memory that boto3 parses attribute by
attribute, before it can rank: at the 20,000-memory cap that is seconds and hundreds of MB.
With it, a cold search reads one gzip'd JSON object (about 20 bytes per memory more than its
text, compressed) and builds the index from it: the table is read in full only when the object
is missing or stale.

The object carries the store's version token it stands for. Readers use it only when that token
equals the owner's current version, so an update that was missed, failed or landed late costs a
rebuild from the table, never a wrong answer; every write here is best effort for that reason.
"""

from __future__ import annotations

import gzip
import json
from typing import Protocol

from lambdachat.memory.model import Doc, Owner
from lambdachat.storage import keys

FORMAT = 1


class Objects(Protocol):
    """The object store the snapshots live in (the files bucket's S3 adapter, or a fake)."""

    def read(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes, content_type: str) -> None: ...


class SearchSnapshots(Protocol):
    def load(self, owner: Owner) -> tuple[str, list[Doc]] | None:
        """(version, docs oldest first), or None when there is no readable snapshot."""

    def save(self, owner: Owner, version: str, docs: list[Doc]) -> None: ...


class ObjectSearchSnapshots:
    def __init__(self, objects: Objects) -> None:
        self._objects = objects

    def load(self, owner: Owner) -> tuple[str, list[Doc]] | None:
        raw = self._objects.read(keys.memory_snapshot(owner.principal, owner.user_id))
        if raw is None:
            return None
        try:
            data = json.loads(gzip.decompress(raw))
            if data.get("format") != FORMAT:
                return None       # written by another release: rebuild rather than misread
            return str(data["version"]), [Doc(str(i), str(t)) for i, t in data["docs"]]
        except (OSError, EOFError, ValueError, KeyError, TypeError):
            return None           # truncated or foreign: the table still has everything

    def save(self, owner: Owner, version: str, docs: list[Doc]) -> None:
        body = json.dumps({"format": FORMAT, "version": version, "docs": [[d.id, d.text] for d in docs]},
                          ensure_ascii=False, separators=(",", ":")).encode()
        # level 1: a fifth of the JSON's size at a fraction of level 9's time, which a write pays
        self._objects.put(keys.memory_snapshot(owner.principal, owner.user_id),
                          gzip.compress(body, compresslevel=1), "application/gzip")
