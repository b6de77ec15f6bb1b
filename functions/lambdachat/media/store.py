"""The object store media needs: read (whole, a range, or conditionally), write, list, presign.

`S3Store` is the adapter over the files bucket; `MemoryStore` is the in-memory fake the unit
tests use. Both raise `lambdachat.errors` (404 for a missing key, 416-style `RangeNotSatisfiable`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from lambdachat.errors import ApiError, NotFound
from lambdachat.storage.faults import error_code, is_missing_object

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(ApiError):
    status = 416


@dataclass
class StoredObject:
    """An opened object: its bytes (iterated lazily), or `not_modified` for a matching ETag."""

    size: int                       # bytes in this response (the range's length for a 206)
    etag: str | None = None
    content_range: str | None = None
    not_modified: bool = False
    chunks: Iterator[bytes] = field(default_factory=lambda: iter(()))
    close: Any = None               # called when the caller will not read the body

    def discard(self) -> None:
        if self.close is not None:
            self.close()


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


class S3Store:
    def __init__(self, bucket: str | None = None, client: Any = None) -> None:
        from lambdachat.storage import aws
        from lambdachat.storage.resources import FILES_BUCKET

        self.bucket = bucket or FILES_BUCKET.name
        self._client = client or aws.client("s3")

    def open(self, key: str, *, byte_range: str | None = None,
             if_none_match: str | None = None) -> StoredObject:
        from botocore.exceptions import ClientError

        params: dict[str, str] = {"Bucket": self.bucket, "Key": key}
        if byte_range:
            params["Range"] = byte_range
        if if_none_match:
            params["IfNoneMatch"] = if_none_match
        try:
            response = self._client.get_object(**params)
        except ClientError as exc:
            code = error_code(exc)
            if is_missing_object(exc):
                raise NotFound("Media not found") from exc
            if code in {"304", "NotModified"}:
                return StoredObject(size=0, etag=if_none_match, not_modified=True)
            if code == "InvalidRange":
                raise RangeNotSatisfiable("The requested range is not satisfiable") from exc
            raise
        body = response["Body"]
        return StoredObject(size=int(response["ContentLength"]), etag=response.get("ETag"),
                            content_range=response.get("ContentRange"),
                            chunks=_iter_body(body), close=body.close)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def read(self, key: str) -> bytes | None:
        try:
            found = self.open(key)
        except NotFound:
            return None
        return b"".join(found.chunks)

    def list_names(self, prefix: str, limit: int) -> list[str]:
        names: list[str] = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"MaxItems": limit})
        for page in pages:
            names += [item["Key"][len(prefix):] for item in page.get("Contents", [])]
        return names[:limit]

    def presign(self, key: str, *, content_type: str, disposition: str, cache_control: str,
                seconds: int) -> str:
        # S3 answers with these headers in place of the stored ones, so the browser treats the
        # object exactly as the streamed response would (type, inline/attachment, caching).
        return str(self._client.generate_presigned_url("get_object", ExpiresIn=seconds, Params={
            "Bucket": self.bucket, "Key": key, "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition, "ResponseCacheControl": cache_control}))


def _iter_body(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK)
    finally:
        body.close()


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
