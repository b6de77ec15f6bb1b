"""Which bucket media a share's body points to, parsed once per share version.

`/files/<bucket>/media/<name>?share=<id>` is public and a body is up to 5 MB (in S3 when large):
reading and scanning it on every image request let anyone make the server read 5 MB per request.
The references are parsed once per (share id, version, ETag) and kept in a bounded cache; the
share item itself is still read on every request, so an expired or revoked share opens nothing.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

# A bucket id (lambdachat.ids) and the longest run of filename characters (lambdachat.files.layout).
_REFERENCE = re.compile(r"/files/([A-Za-z0-9][A-Za-z0-9_-]{7,63})/media/([\w.,+-]*)")
_ENTRY_OVERHEAD = 64          # bytes of bookkeeping counted per entry and per reference


@dataclass(frozen=True)
class MediaRefs:
    owner: str
    names: dict[str, tuple[str, ...]]   # bucket id -> the filename runs that follow it

    def shows(self, bucket_id: str, filename: str) -> bool:
        # A run *starting with* the name: exactly what the substring test on the raw body matched.
        return any(run.startswith(filename) for run in self.names.get(bucket_id, ()))

    @property
    def cost(self) -> int:
        return _ENTRY_OVERHEAD + sum(_ENTRY_OVERHEAD + len(b) + sum(len(r) + _ENTRY_OVERHEAD for r in runs)
                                     for b, runs in self.names.items())


def parse(owner: str, body: bytes) -> MediaRefs:
    names: dict[str, set[str]] = {}
    for match in _REFERENCE.finditer(body.decode("utf-8", errors="replace")):
        names.setdefault(match[1], set()).add(match[2])
    return MediaRefs(owner=owner, names={b: tuple(sorted(runs)) for b, runs in names.items()})


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
