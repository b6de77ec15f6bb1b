"""The one S3 adapter: every package's objects in the files bucket go through `S3Store`.

Each package keeps its own small port (`files.ports.BlobStore`, `media.store.ObjectStore`,
the share and credential stores use it directly); this class satisfies all of them, so the
error handling (a missing key is `None`/`False`/404, never a 500) is written once. The boto3
client is made on first use (`storage.aws`), so building the adapter imports no boto3.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from lambdachat.errors import ApiError, NotFound
from lambdachat.storage import aws
from lambdachat.storage.faults import error_code, is_missing_object
from lambdachat.storage.resources import FILES_BUCKET

CHUNK = 64 * 1024
_DELETE_BATCH = 1000      # DeleteObjects takes at most 1000 keys


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


@dataclass(frozen=True)
class Listed:
    key: str
    modified: float                 # epoch seconds (S3's LastModified)


class S3Store:
    def __init__(self, bucket: str | None = None, client: Any = None) -> None:
        self.bucket = bucket or FILES_BUCKET.name
        self._client = client

    @property
    def _s3(self) -> Any:
        if self._client is not None:
            return self._client
        return aws.client("s3")   # cached there: one client per process (and per moto test)

    # ---- reading ------------------------------------------------------------------------------

    def open(self, key: str, *, byte_range: str | None = None,
             if_none_match: str | None = None) -> StoredObject:
        """The object streamed (a range of it, or `not_modified`); NotFound when it is missing."""
        params: dict[str, str] = {"Bucket": self.bucket, "Key": key}
        if byte_range:
            params["Range"] = byte_range
        if if_none_match:
            params["IfNoneMatch"] = if_none_match
        try:
            response = self._s3.get_object(**params)
        except Exception as exc:
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

    def read(self, key: str) -> bytes | None:
        """The whole object, or None when it does not exist."""
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        except Exception as exc:
            if is_missing_object(exc):
                return None
            raise
        with body:
            return body.read()  # type: ignore[no-any-return]

    def get_text(self, key: str) -> str | None:
        data = self.read(key)
        return None if data is None else data.decode("utf-8", "replace")

    def get_bytes(self, key: str, max_bytes: int) -> bytes | None:
        """The object, or None when missing; ValueError when it is larger than max_bytes."""
        size = self.size(key)
        if size is None:
            return None
        if size > max_bytes:
            raise ValueError(f"larger than {max_bytes} bytes")
        return self.read(key)

    def download(self, key: str, dest: IO[bytes]) -> bool:
        """Copy the object into dest; False when it does not exist."""
        try:
            self._s3.download_fileobj(self.bucket, key, dest)
        except Exception as exc:
            if is_missing_object(exc):
                return False
            raise
        dest.seek(0)
        return True

    def size(self, key: str) -> int | None:
        try:
            return int(self._s3.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except Exception as exc:
            if is_missing_object(exc):
                return None
            raise

    def listing(self, prefix: str) -> Iterator[Listed]:
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield Listed(item["Key"], item["LastModified"].timestamp())

    def list_keys(self, prefix: str) -> list[str]:
        return [listed.key for listed in self.listing(prefix)]

    def list_names(self, prefix: str, limit: int) -> list[str]:
        """Key names under `prefix` (the part after it), at most `limit` of them."""
        names: list[str] = []
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"MaxItems": limit})
        for page in pages:
            names += [item["Key"][len(prefix):] for item in page.get("Contents", [])]
        return names[:limit]

    # ---- writing ------------------------------------------------------------------------------

    def put(self, key: str, data: bytes, content_type: str | None, *, tagging: str | None = None,
            encrypt: bool = False) -> None:
        """`encrypt` asks for SSE-S3 on this object explicitly (the bucket's default is the same),
        for what must never sit unencrypted even if the bucket's default were changed."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "Body": data}
        if content_type is not None:
            params["ContentType"] = content_type
        if tagging is not None:
            params["Tagging"] = tagging
        if encrypt:
            params["ServerSideEncryption"] = "AES256"
        self._s3.put_object(**params)

    def put_text(self, key: str, text: str) -> None:
        self.put(key, text.encode(), "text/markdown; charset=utf-8")

    def put_stream(self, key: str, stream: IO[bytes], content_type: str) -> None:
        # upload_fileobj reads in 8 MB parts (multipart above that): a file is never held whole.
        self._s3.upload_fileobj(stream, self.bucket, key, ExtraArgs={"ContentType": content_type})

    def delete_key(self, key: str) -> None:
        """One object (DeleteObject: unlike a batch, a refusal raises)."""
        self._s3.delete_object(Bucket=self.bucket, Key=key)

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": k} for k in keys[start:start + _DELETE_BATCH]]
            self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list_keys(prefix)
        self.delete(keys)
        return len(keys)

    # ---- presigning ---------------------------------------------------------------------------

    def presign(self, key: str, *, content_type: str, disposition: str, cache_control: str,
                seconds: int) -> str:
        # S3 answers with these headers in place of the stored ones, so the browser treats the
        # object exactly as the streamed response would (type, inline/attachment, caching).
        return str(self._s3.generate_presigned_url("get_object", ExpiresIn=seconds, Params={
            "Bucket": self.bucket, "Key": key, "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition, "ResponseCacheControl": cache_control}))

    def presigned_post(self, key: str, max_bytes: int, content_type: str, expires: int) -> dict[str, Any]:
        """`{"url", "fields"}` for a browser form POST straight to storage, size-capped by policy."""
        return self._s3.generate_presigned_post(  # type: ignore[no-any-return]
            Bucket=self.bucket, Key=key, ExpiresIn=expires,
            Fields={"Content-Type": content_type},
            Conditions=[["content-length-range", 1, max_bytes], {"Content-Type": content_type}])


def _iter_body(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK)
    finally:
        body.close()

