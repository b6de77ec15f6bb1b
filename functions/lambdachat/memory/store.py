"""The storage port of memories, and an in-memory implementation (unit tests, benchmarks).

Every store keeps, per owner, the memories and a `version` token that changes after every
write has landed. Readers compare versions to know whether a cached index is still right:
one small read instead of re-reading thousands of memories per query.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Protocol

from lambdachat.memory.model import Doc, Memory, Owner


@dataclass(frozen=True)
class Change:
    """The owner's version just before and just after one write (read atomically with the bump).

    A cache holding `before` may apply the write itself and move to `after`: any other writer's
    memories that landed in between bump the version again later, which invalidates it.
    """

    before: str | None
    after: str


class MemoryFull(Exception):
    """Adding these memories would take the owner over the per-user limit."""


class MemoryStore(Protocol):
    def version(self, owner: Owner) -> str | None:
        """The owner's current version token; None when nothing was ever stored."""

    def add(self, owner: Owner, memories: list[Memory], *, max_count: int) -> Change:
        """Store all of them, or raise MemoryFull (nothing stored) if the owner would exceed max_count."""

    def load_all(self, owner: Owner) -> list[Memory]:
        """Every memory of the owner, oldest first."""

    def load_docs(self, owner: Owner) -> list[Doc]:
        """Id and text of every memory of the owner, oldest first: all that ranking reads."""

    def get_many(self, owner: Owner, ids: list[str]) -> list[Memory]:
        """Those of `ids` the owner still has (a search's top k), in any order."""

    def delete(self, owner: Owner, memory_id: str) -> Change | None:
        """None when the owner has no such memory."""

    def delete_all(self, owner: Owner) -> tuple[int, Change]:
        """How many were deleted."""


class InMemoryMemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[Owner, dict[str, Memory]] = {}
        self._versions: dict[Owner, str] = {}
        self.loads = 0        # how often a full read happened: the cache is meant to avoid them
        self.doc_loads = 0    # the same for the id-and-text reads of search

    def _bump(self, owner: Owner) -> Change:
        before, after = self._versions.get(owner), uuid.uuid4().hex
        self._versions[owner] = after
        return Change(before, after)

    def version(self, owner: Owner) -> str | None:
        return self._versions.get(owner)

    def add(self, owner: Owner, memories: list[Memory], *, max_count: int) -> Change:
        with self._lock:
            stored = self._data.setdefault(owner, {})
            if len(stored) + len(memories) > max_count:
                raise MemoryFull
            stored.update((m.id, m) for m in memories)
            return self._bump(owner)

    def load_all(self, owner: Owner) -> list[Memory]:
        with self._lock:
            self.loads += 1
            return sorted(self._data.get(owner, {}).values(), key=lambda m: m.id)

    def load_docs(self, owner: Owner) -> list[Doc]:
        with self._lock:
            self.doc_loads += 1
            return [Doc(m.id, m.text) for m in sorted(self._data.get(owner, {}).values(), key=lambda m: m.id)]

    def get_many(self, owner: Owner, ids: list[str]) -> list[Memory]:
        with self._lock:
            stored = self._data.get(owner, {})
            return [stored[i] for i in ids if i in stored]

    def delete(self, owner: Owner, memory_id: str) -> Change | None:
        with self._lock:
            if self._data.get(owner, {}).pop(memory_id, None) is None:
                return None
            return self._bump(owner)

    def delete_all(self, owner: Owner) -> tuple[int, Change]:
        with self._lock:
            count = len(self._data.pop(owner, {}))
            return count, self._bump(owner)
