"""Which bucket media a share's body points to, parsed once per share version.

`/files/<bucket>/media/<name>?share=<id>` is public and a body is up to 5 MB (in S3 when large):
reading and scanning it on every image request let anyone make the server read 5 MB per request.
The references are parsed once per (share id, version, ETag) and kept in a bounded cache; the
share item itself is still read on every request, so an expired or revoked share opens nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

_ENTRY_OVERHEAD = 64          # bytes of bookkeeping counted per entry and per reference


@dataclass(frozen=True)
class MediaRefs:
    owner: str
    names: dict[str, frozenset[str]]   # bucket id -> the exact file names the body references

    @classmethod
    def of(cls, owner: str, references: Iterable[tuple[str, str]]) -> MediaRefs:
        """From `shares.model.media_references(body)`: (bucket id, file name) pairs, matched whole."""
        names: dict[str, set[str]] = {}
        for bucket_id, name in references:
            names.setdefault(bucket_id, set()).add(name)
        return cls(owner=owner, names={b: frozenset(n) for b, n in names.items()})

    def shows(self, bucket_id: str, filename: str) -> bool:
        return filename in self.names.get(bucket_id, frozenset())

    @property
    def cost(self) -> int:
        return _ENTRY_OVERHEAD + sum(_ENTRY_OVERHEAD + len(b) + sum(len(r) + _ENTRY_OVERHEAD for r in runs)
                                     for b, runs in self.names.items())


class MediaRefsCache:
    """Least recently used first out, bounded by entries and by an estimate of their bytes."""

    def __init__(self, max_entries: int = 512, max_bytes: int = 8 * 1024 * 1024) -> None:
        self._entries: OrderedDict[tuple[str, int, str], MediaRefs] = OrderedDict()
        self._bytes = 0
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, str]) -> MediaRefs | None:
        with self._lock:
            refs = self._entries.get(key)
            if refs is not None:
                self._entries.move_to_end(key)
            return refs

    def put(self, key: tuple[str, int, str], refs: MediaRefs) -> None:
        cost = refs.cost
        if cost > self._max_bytes // 4:   # one huge share must not push every other one out
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._bytes -= old.cost if old is not None else 0
            self._entries[key] = refs
            self._bytes += cost
            while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.cost
