"""The two storage ports of file buckets: bytes (S3) and the index of buckets and files (DynamoDB).

Adapters: `lambdachat.files.aws`; in-memory fakes for unit tests: `tests/fakes/files.py`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import IO, Any, Literal, Protocol

State = Literal["uploading", "processing", "ready", "error"]


@dataclass(frozen=True)
class FileRecord:
    name: str
    kind: str                 # document | media
    state: State
    size: int = 0             # bytes stored (0 while uploading)
    seq: int = 0              # upload order (see buckets._seq): the order texts are joined in
    error: str | None = None

    def public(self) -> dict[str, Any]:
        """What the status route shows."""
        out = asdict(self)
        del out["seq"]
        if out["error"] is None:
            del out["error"]
        return out


class BlobStore(Protocol):
    def put_stream(self, key: str, stream: IO[bytes], content_type: str) -> None: ...

    def put_text(self, key: str, text: str) -> None: ...

    def get_text(self, key: str) -> str | None: ...

    def get_bytes(self, key: str, max_bytes: int) -> bytes | None:
        """The object, or None when missing; ValueError when it is larger than max_bytes."""

    def download(self, key: str, dest: IO[bytes]) -> bool:
        """Copy the object into dest; False when it does not exist."""

    def size(self, key: str) -> int | None: ...

    def delete(self, keys: list[str]) -> None: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def presigned_post(self, key: str, max_bytes: int, content_type: str, expires: int) -> dict[str, Any]:
        """`{"url", "fields"}` for a browser form POST straight to storage, size-capped by policy."""


class BucketIndex(Protocol):
    def exists(self, principal_id: str, bucket_id: str) -> bool:
        """Whether this principal has a bucket of this id (ids are per principal)."""

    def claim(self, bucket_id: str, principal_id: str, new_files: int, max_files: int) -> None:
        """Make the principal's bucket (if new) and reserve room for new_files.

        Raises PayloadTooLarge when it is full.
        """

    def release(self, principal_id: str, bucket_id: str, files: int) -> None: ...

    def files(self, principal_id: str, bucket_id: str) -> list[FileRecord]: ...

    def get_file(self, principal_id: str, bucket_id: str, name: str) -> FileRecord | None: ...

    def put_file(self, principal_id: str, bucket_id: str, record: FileRecord) -> None: ...

    def remove_file(self, principal_id: str, bucket_id: str, name: str) -> None: ...

    def drop(self, principal_id: str, bucket_id: str) -> None:
        """Forget the bucket: its file records, then its owner claim."""
