"""In-memory fakes of the file-bucket ports (`lambdachat.files.ports`), with the same refusals."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass, field
from typing import IO, Any

from lambdachat.errors import PayloadTooLarge
from lambdachat.files.ports import FileRecord


@dataclass
class MemoryBlobStore:
    objects: dict[str, bytes] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)   # keys read in full, to see what a read costs

    def put_stream(self, key: str, stream: IO[bytes], content_type: str) -> None:
        self.objects[key] = stream.read()

    def put_text(self, key: str, text: str) -> None:
        self.objects[key] = text.encode()

    def get_text(self, key: str) -> str | None:
        data = self.objects.get(key)
        return None if data is None else data.decode()

    def get_bytes(self, key: str, max_bytes: int) -> bytes | None:
        data = self.objects.get(key)
        if data is not None and len(data) > max_bytes:
            raise ValueError("too large")
        return data

    def download(self, key: str, dest: IO[bytes]) -> bool:
        if key not in self.objects:
            return False
        self.downloads.append(key)
        shutil.copyfileobj(io.BytesIO(self.objects[key]), dest)
        dest.seek(0)
        return True

    def size(self, key: str) -> int | None:
        data = self.objects.get(key)
        return None if data is None else len(data)

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.objects.pop(key, None)

    def delete_prefix(self, prefix: str) -> int:
        keys = [k for k in self.objects if k.startswith(prefix)]
        self.delete(keys)
        return len(keys)

    def presigned_post(self, key: str, max_bytes: int, content_type: str, expires: int) -> dict[str, Any]:
        return {"url": "memory://upload", "fields": {"key": key, "Content-Type": content_type,
                                                      "max_bytes": str(max_bytes)}}


@dataclass
class MemoryBucketIndex:
    counts: dict[tuple[str, str], int] = field(default_factory=dict)   # (principal, bucket) -> files
    records: dict[tuple[str, str], dict[str, FileRecord]] = field(default_factory=dict)

    def exists(self, principal_id: str, bucket_id: str) -> bool:
        return (principal_id, bucket_id) in self.counts

    def claim(self, bucket_id: str, principal_id: str, new_files: int, max_files: int) -> None:
        key = (principal_id, bucket_id)
        if self.counts.get(key, 0) + new_files > max_files:
            raise PayloadTooLarge(f"A bucket holds at most {max_files} files")
        self.counts[key] = self.counts.get(key, 0) + new_files

    def release(self, principal_id: str, bucket_id: str, files: int) -> None:
        self.counts[(principal_id, bucket_id)] = self.counts.get((principal_id, bucket_id), 0) - files

    def files(self, principal_id: str, bucket_id: str) -> list[FileRecord]:
        found = self.records.get((principal_id, bucket_id), {}).values()
        return sorted(found, key=lambda r: (r.seq, r.name))

    def get_file(self, principal_id: str, bucket_id: str, name: str) -> FileRecord | None:
        return self.records.get((principal_id, bucket_id), {}).get(name)

    def put_file(self, principal_id: str, bucket_id: str, record: FileRecord) -> None:
        self.records.setdefault((principal_id, bucket_id), {})[record.name] = record

    def remove_file(self, principal_id: str, bucket_id: str, name: str) -> None:
        self.records.get((principal_id, bucket_id), {}).pop(name, None)

    def drop(self, principal_id: str, bucket_id: str) -> None:
        self.records.pop((principal_id, bucket_id), None)
        self.counts.pop((principal_id, bucket_id), None)
