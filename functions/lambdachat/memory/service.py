"""Add, page, search and delete memories, with per-user snapshot caches.

Paging works on a snapshot of all of one owner's memories; search on a lighter one, only the
id and text of each (`load_docs`, a projected read), plus its BM25 index, and then reads just
the top k in full. A cold search over the 20,000-memory cap therefore reads and keeps about
half the bytes of a full load and parses a third of the attributes. Snapshots are kept in
process (a warm Lambda container, or the local server) and reused as long as the store's
version token for that owner is unchanged, so a warm query costs one small consistent read,
the ranking and one BatchGetItem of at most `limit` items, instead of reading every memory.
Each cache is bounded (`LAMBDACHAT_MEMORY_CACHE_USERS` owners, `LAMBDACHAT_MEMORY_CACHE_DOCS`
memories in all, least recently used first out). A container that has no search snapshot yet
first tries the persisted one (`memory.persisted`: one object per user, kept current by every
write), and reads the table in full only when that one is missing or stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from lambdachat.args import int_arg
from lambdachat.config import Settings
from lambdachat.errors import BadRequest, NotFound, PayloadTooLarge
from lambdachat.memory.model import (
    MAX_ITEM_BYTES,
    MAX_ITEMS_PER_POST,
    MAX_PAGE_SIZE,
    MAX_PER_USER,
    MAX_SEARCH_CHARS,
    Doc,
    Memory,
    Owner,
    parse_memories,
)
from lambdachat.memory.persisted import SearchSnapshots
from lambdachat.memory.ranking import Bm25Index
from lambdachat.memory.store import Change, MemoryFull, MemoryStore
from lambdachat.observability import logger

CACHE_USERS: int = Settings.memory_cache_users
CACHE_DOCS: int = Settings.memory_cache_docs


class _Text(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...


T = TypeVar("T", bound=_Text)


@dataclass
class Snapshot(Generic[T]):
    version: str | None
    memories: list[T]                           # oldest first
    _index: Bm25Index | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def index(self) -> Bm25Index:
        # Built on first search only: paging never pays for it. The lock stops two threads of
        # the local server building the same index twice.
        with self._lock:
            if self._index is None:
                self._index = Bm25Index([m.text for m in self.memories])
            return self._index


class SnapshotCache(Generic[T]):
    def __init__(self, max_users: int = CACHE_USERS, max_docs: int = CACHE_DOCS) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[Owner, Snapshot[T]] = OrderedDict()
        self._max_users = max_users
        self._max_docs = max_docs

    def get(self, owner: Owner, version: str | None) -> Snapshot[T] | None:
        with self._lock:
            snapshot = self._entries.get(owner)
            if snapshot is None or snapshot.version != version:
                return None
            self._entries.move_to_end(owner)
            return snapshot

    def advance(self, owner: Owner, change: Change, update: Callable[[list[T]], list[T]]) -> Snapshot[T] | None:
        """Apply this process's own write to a snapshot that is exactly one write behind.

        Saves the full reload a write would otherwise cost the writer's next read (~7 s for
        10,000 memories on moto; a few 100 ms on DynamoDB). Any other snapshot is dropped.
        """
        with self._lock:
            snapshot = self._entries.pop(owner, None)
        if snapshot is None or change.before is None or snapshot.version != change.before:
            return None
        advanced = Snapshot(version=change.after, memories=update(snapshot.memories))
        self.put(owner, advanced)
        return advanced

    def put(self, owner: Owner, snapshot: Snapshot[T]) -> None:
        with self._lock:
            self._entries[owner] = snapshot
            self._entries.move_to_end(owner)
            while len(self._entries) > 1 and (
                    len(self._entries) > self._max_users
                    or sum(len(s.memories) for s in self._entries.values()) > self._max_docs):
                self._entries.popitem(last=False)


def merged(old: list[T], new: list[T]) -> list[T]:
    """`old` plus `new`, oldest first, each id once.

    A snapshot loaded while a write was landing may already hold that write's memories (it is
    labelled with the version read before loading); applying the write again must not double them.
    """
    by_id = {m.id: m for m in old}
    by_id.update((m.id, m) for m in new)
    return sorted(by_id.values(), key=lambda m: m.id)


class MemoryService:
    def __init__(self, store: MemoryStore, cache: SnapshotCache[Memory] | None = None,
                 *, search_cache: SnapshotCache[Doc] | None = None, persisted: SearchSnapshots | None = None,
                 max_per_user: int = MAX_PER_USER, max_items: int = MAX_ITEMS_PER_POST,
                 max_item_bytes: int = MAX_ITEM_BYTES) -> None:
        self.store = store
        self.persisted = persisted
        self.cache: SnapshotCache[Memory] = cache or SnapshotCache()
        self.search_cache: SnapshotCache[Doc] = search_cache or SnapshotCache()
        self.max_per_user = max_per_user
        self.max_items = max_items
        self.max_item_bytes = max_item_bytes

    def add(self, owner: Owner, body: Any) -> int:
        memories = parse_memories(body, max_items=self.max_items, max_item_bytes=self.max_item_bytes)
        if not memories:
            return 0
        try:
            change = self.store.add(owner, memories, max_count=self.max_per_user)
        except MemoryFull as exc:
            raise PayloadTooLarge(f"This user id would have more than {self.max_per_user} memories; "
                                  "delete some first") from exc
        # Ids start with the creation time; sorting keeps "oldest first" even across clock skew.
        self.cache.advance(owner, change, lambda old: merged(old, memories))
        docs = [Doc(m.id, m.text) for m in memories]
        self._searchable_after(owner, change, lambda old: merged(old, docs))
        return len(memories)

    def page(self, owner: Owner, page: int, page_size: int) -> dict[str, Any]:
        """Newest first, like mem0's listing; `next`/`previous` are page numbers or null."""
        memories = self.snapshot(owner).memories
        end = len(memories) - (page - 1) * page_size
        chosen = memories[max(0, end - page_size):max(0, end)][::-1]
        return {"count": len(memories), "page": page, "page_size": page_size,
                "next": page + 1 if end - page_size > 0 else None,
                "previous": page - 1 if page > 1 else None,
                "results": [m.public(owner.user_id) for m in chosen]}

    def search(self, owner: Owner, query: str, limit: int) -> list[dict[str, Any]]:
        version = self.store.version(owner)
        if version is None:
            return []
        full = self.cache.get(owner, version)   # paging loaded everything already: rank that
        if full is not None:
            ranked = full.index().search(query, limit) if full.memories else []
            return [full.memories[doc].public(owner.user_id, score) for doc, score in ranked]
        docs = self.search_cache.get(owner, version) or self._cold_docs(owner, version)
        if not docs.memories:
            return []
        hits = [(docs.memories[doc].id, score) for doc, score in docs.index().search(query, limit)]
        found = {m.id: m for m in self.store.get_many(owner, [mid for mid, _ in hits])}
        # One deleted between the version read and this read is simply left out.
        return [found[mid].public(owner.user_id, score) for mid, score in hits if mid in found]

    def delete(self, owner: Owner, memory_id: str) -> None:
        change = self.store.delete(owner, memory_id)
        if change is None:
            raise NotFound(f"Memory not found: {memory_id}")
        self.cache.advance(owner, change, lambda old: [m for m in old if m.id != memory_id])
        self._searchable_after(owner, change, lambda old: [d for d in old if d.id != memory_id])

    def delete_all(self, owner: Owner) -> int:
        count, change = self.store.delete_all(owner)
        self.cache.advance(owner, change, lambda old: [])
        self._searchable_after(owner, change, lambda old: [])
        return count

    # ---- search snapshots ----------------------------------------------------------------------

    def _cold_docs(self, owner: Owner, version: str) -> Snapshot[Doc]:
        found = self._load_persisted(owner)
        if found is not None and found[0] == version:
            snapshot = Snapshot(version=version, memories=found[1])
        else:
            # Labelled as in `snapshot()`; persisted so the next cold container skips this read.
            snapshot = Snapshot(version=version, memories=self.store.load_docs(owner))
            self._save_persisted(owner, version, snapshot.memories)
        self.search_cache.put(owner, snapshot)
        return snapshot

    def _searchable_after(self, owner: Owner, change: Change, update: Callable[[list[Doc]], list[Doc]]) -> None:
        """Move this process's search snapshot and the persisted one past this process's own write."""
        advanced = self.search_cache.advance(owner, change, update)
        if self.persisted is None:
            return
        if advanced is None:
            # Nothing cached here: build on the persisted snapshot if it is exactly one write behind.
            base: list[Doc] = []
            if change.before is not None:
                found = self._load_persisted(owner)
                if found is None or found[0] != change.before:
                    return        # missing or stale: the next cold search rebuilds it from the table
                base = found[1]
            advanced = Snapshot(version=change.after, memories=update(base))
            self.search_cache.put(owner, advanced)
        self._save_persisted(owner, change.after, advanced.memories)

    def _load_persisted(self, owner: Owner) -> tuple[str, list[Doc]] | None:
        if self.persisted is None:
            return None
        try:
            return self.persisted.load(owner)
        except Exception:  # best effort by design: the table is the truth
            logger.warning("memory search snapshot unreadable", exc_info=True)
            return None

    def _save_persisted(self, owner: Owner, version: str, docs: list[Doc]) -> None:
        if self.persisted is None:
            return
        try:
            self.persisted.save(owner, version, docs)
        except Exception:  # a failed save only costs the next cold search a full read
            logger.warning("memory search snapshot not saved", exc_info=True)

    def snapshot(self, owner: Owner) -> Snapshot[Memory]:
        version = self.store.version(owner)
        if version is None:
            return Snapshot(version=None, memories=[])
        cached = self.cache.get(owner, version)
        if cached is not None:
            return cached
        # Labelled with the version read *before* loading: if a write lands in between, the
        # snapshot may hold more than that version, never less, and the next read rebuilds it.
        snapshot = Snapshot(version=version, memories=self.store.load_all(owner))
        self.cache.put(owner, snapshot)
        return snapshot


def parse_paging(args: Mapping[str, str]) -> tuple[int, int]:
    return int_arg(args, "page", 1, 1, 1_000_000), int_arg(args, "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)


def parse_search(args: Mapping[str, str]) -> tuple[str, int]:
    query = args.get("search", "").strip()
    if not query:
        raise BadRequest("'search' must not be empty")
    if len(query) > MAX_SEARCH_CHARS:
        raise BadRequest(f"'search' is longer than {MAX_SEARCH_CHARS} characters")
    return query, int_arg(args, "limit", 10, 1, MAX_PAGE_SIZE)
