"""The object store media needs: read (whole, a range, or conditionally), write, list, presign.

The adapter is the one S3 adapter, `lambdachat.storage.s3.S3Store`; `MemoryStore` is the
in-memory fake the unit tests use. Both raise `lambdachat.errors` (404 for a missing key,
416-style `RangeNotSatisfiable`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

from lambdachat.errors import NotFound
from lambdachat.storage.s3 import CHUNK, RangeNotSatisfiable, StoredObject

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class ObjectStore(Protocol):
    def open(self, key: str, *, byte_range: str | None = None,
             if_none_match: str | None = None) -> StoredObject: ...

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def read(self, key: str) -> bytes | None:
        """The whole object, or None when it does not exist."""

    def list_names(self, prefix: str, limit: int) -> list[str]:
        """Key names under `prefix` (the part after it), at most `limit` of them."""

    def presign(self, key: str, *, content_type: str, disposition: str, cache_control: str,
                seconds: int) -> str: ...


class MemoryStore:
    """The in-memory fake: same semantics, no AWS."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    def open(self, key: str, *, byte_range: str | None = None,
             if_none_match: str | None = None) -> StoredObject:
        if key not in self.objects:
            raise NotFound("Media not found")
        data = self.objects[key][0]
        etag = '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'
        if if_none_match and if_none_match == etag:
            return StoredObject(size=0, etag=etag, not_modified=True)
        content_range = None
        span = _parse_range(byte_range, len(data)) if byte_range else None
        if span is not None:
            start, end = span
            content_range = f"bytes {start}-{end}/{len(data)}"
            data = data[start:end + 1]
        return StoredObject(size=len(data), etag=etag, content_range=content_range,
                            chunks=iter([data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]))

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (data, content_type)

    def read(self, key: str) -> bytes | None:
        found = self.objects.get(key)
        return found[0] if found else None

    def list_names(self, prefix: str, limit: int) -> list[str]:
        return sorted(k[len(prefix):] for k in self.objects if k.startswith(prefix))[:limit]

    def presign(self, key: str, *, content_type: str, disposition: str, cache_control: str,
                seconds: int) -> str:
        return f"memory://{key}?expires={seconds}"


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """As S3 does: a malformed header is ignored (whole object), an impossible one is a 416."""
    match = _RANGE.match(header.strip())
    if not match or not (match[1] or match[2]):
        return None
    if not match[1]:  # the last N bytes
        start, end = max(0, size - int(match[2])), size - 1
    else:
        start = int(match[1])
        end = min(int(match[2]), size - 1) if match[2] else size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable("The requested range is not satisfiable")
    return start, end
