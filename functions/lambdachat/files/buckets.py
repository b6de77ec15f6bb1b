"""File buckets for one principal: upload, presigned upload, status, read, delete.

Every check that can refuse a request (names, types, archive limits, ownership, room in the
bucket) runs before the first byte is stored, so a refused request stores nothing.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO, Any

from lambdachat.config import Settings
from lambdachat.errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from lambdachat.files import layout, limits, reading
from lambdachat.files.archives import ZIP_BASED, ArchiveTooLarge, check_archive
from lambdachat.files.layout import Kind
from lambdachat.files.ports import BlobStore, BucketIndex, FileRecord, State
from lambdachat.identity import Principal
from lambdachat.storage import keys


@dataclass
class Incoming:
    """One uploaded file as the client named it; `stream` is seekable (werkzeug spools big parts)."""

    filename: str
    stream: IO[bytes]


@dataclass
class UploadResult:
    bucket_id: str
    files: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"bucket_id": self.bucket_id, "files": self.files, "media": self.media,
                "skipped": self.skipped}


def _seq(position: int = 0) -> int:
    """Upload order: milliseconds, then the position within one request."""
    return time.time_ns() // 1_000_000 * 1000 + position


def _content_type(name: str, kind: Kind) -> str:
    return layout.media_type(name) if kind == "media" else "application/octet-stream"


def _stream_size(stream: IO[bytes]) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


class Buckets:
    def __init__(self, store: BlobStore, index: BucketIndex, principal: Principal,
                 settings: Settings | None = None) -> None:
        self.store = store
        self.index = index
        self.who = keys.principal_segment(principal.id)
        self.limits = limits.current(settings)

    # ---- writes -------------------------------------------------------------------------------

    def _own_for_write(self, bucket_id: str) -> None:
        # Ids are per principal (files/__init__.py): any valid id is this principal's to write.
        layout.check_bucket_id(bucket_id)

    def upload(self, bucket_id: str, incoming: list[Incoming]) -> UploadResult:
        self._own_for_write(bucket_id)
        result = UploadResult(bucket_id)
        chosen: dict[str, tuple[Kind, Incoming]] = {}
        for item in incoming:
            if not item.filename.strip():
                result.skipped.append({"name": "", "reason": "no filename"})
                continue
            name = layout.clean_filename(item.filename)
            kind = layout.kind_of(name)
            if kind is None:
                result.skipped.append({"name": name, "reason": "unsupported file type"})
                continue
            check_archive(item.stream, name, self.limits)  # a zip bomb is refused (413) before anything is stored
            chosen[name] = (kind, item)       # the same name twice: the last one wins, as in V1
        if not chosen:
            return result
        existing = {r.name for r in self.index.files(self.who, bucket_id)}
        new = [n for n in chosen if n not in existing]
        self.index.claim(bucket_id, self.who, len(new), self.limits.files_per_bucket)
        stored: set[str] = set()
        try:
            for position, (name, (kind, item)) in enumerate(chosen.items()):
                self._store(bucket_id, name, kind, item.stream, _seq(position))
                stored.add(name)
                (result.media if kind == "media" else result.files).append(name)
        finally:
            self.index.release(self.who, bucket_id, len([n for n in new if n not in stored]))
        return result

    def _ref(self, bucket_id: str) -> reading.BucketRef:
        return reading.BucketRef(self.store, self.index, self.who, bucket_id)

    def _store(self, bucket_id: str, name: str, kind: Kind, stream: IO[bytes], seq: int) -> None:
        size = _stream_size(stream)
        key = layout.object_key(self.who, bucket_id, name, kind)
        self.store.put_stream(key, stream, _content_type(name, kind))
        if kind == "document":  # a new version of a document must be read again
            self.store.delete([layout.text_key(self.who, bucket_id, name)])
        state: State = "ready" if kind == "media" else "processing"
        self.index.put_file(self.who, bucket_id, FileRecord(name, kind, state, size, seq))

    def presign(self, bucket_id: str, filename: str, size: int | None) -> dict[str, Any]:
        """Reserve a file in `uploading` state and return a presigned POST for its bytes."""
        self._own_for_write(bucket_id)
        name = layout.clean_filename(filename)
        kind = layout.kind_of(name)
        if kind is None:
            raise BadRequest(f"Unsupported file type: {name}")
        lim = self.limits
        if size is not None and size > lim.upload_max_bytes:
            raise PayloadTooLarge(f"A file is at most {lim.upload_max_bytes // limits.MB} MB")
        is_new = self.index.get_file(self.who, bucket_id, name) is None
        self.index.claim(bucket_id, self.who, 1 if is_new else 0, lim.files_per_bucket)
        self.index.put_file(self.who, bucket_id, FileRecord(name, kind, "uploading", 0, _seq()))
        key = layout.object_key(self.who, bucket_id, name, kind)
        post = self.store.presigned_post(key, lim.upload_max_bytes, _content_type(name, kind),
                                         lim.upload_url_seconds)
        return {"bucket_id": bucket_id, "name": name, "kind": kind, "state": "uploading",
                "upload": post, "max_bytes": lim.upload_max_bytes, "expires_in": lim.upload_url_seconds}

    def complete(self, bucket_id: str, filename: str) -> FileRecord:
        """The client finished its presigned upload: check the bytes, then make the file ready."""
        self._own_for_write(bucket_id)
        name = layout.check_filename(filename)
        record = self.index.get_file(self.who, bucket_id, name)
        if record is None:
            raise NotFound(f"No upload named {name} in this bucket")
        kind: Kind = "media" if record.kind == "media" else "document"
        key = layout.object_key(self.who, bucket_id, name, kind)
        size = self.store.size(key)
        if size is None:
            raise Conflict(f"{name} has not been uploaded yet")
        lim = self.limits
        if size > lim.upload_max_bytes:
            self._refuse(bucket_id, key, record)
            raise PayloadTooLarge(f"A file is at most {lim.upload_max_bytes // limits.MB} MB")
        if kind == "media":
            ready = replace(record, state="ready", size=size, error=None)
            self.index.put_file(self.who, bucket_id, ready)
            return ready
        processing = replace(record, state="processing", size=size, error=None)
        self.index.put_file(self.who, bucket_id, processing)
        self.store.delete([layout.text_key(self.who, bucket_id, name)])
        self._check_stored_archive(bucket_id, key, processing)
        done, _ = reading.extract_document(self._ref(bucket_id), processing, delete_original=False)
        return done

    def _check_stored_archive(self, bucket_id: str, key: str, record: FileRecord) -> None:
        if layout.extension(record.name) not in ZIP_BASED:
            return
        with tempfile.SpooledTemporaryFile(max_size=reading.SPOOL_BYTES) as spool:
            self.store.download(key, spool)
            try:
                check_archive(spool, record.name, self.limits)
            except ArchiveTooLarge:
                self._refuse(bucket_id, key, record)
                raise

    def _refuse(self, bucket_id: str, key: str, record: FileRecord) -> None:
        """Forget a presigned upload that broke a limit: its bytes, its record, its slot."""
        self.store.delete([key])
        self.index.remove_file(self.who, bucket_id, record.name)
        self.index.release(self.who, bucket_id, 1)

    def delete(self, bucket_id: str, revoke_share: Callable[[], bool]) -> None:
        """Remove every object and record of the bucket. V1 also deleted shares this way."""
        exists = self.index.exists(self.who, layout.check_bucket_id(bucket_id))
        revoked = revoke_share()
        if not exists:
            if revoked:
                return
            raise NotFound("Bucket not found")
        self.store.delete_prefix(layout.bucket_prefix(self.who, bucket_id))
        self.index.drop(self.who, bucket_id)

    # ---- reads --------------------------------------------------------------------------------

    def status(self, bucket_id: str) -> list[FileRecord]:
        return reading.open_bucket(self._ref(bucket_id))

    def read(self, bucket_id: str, *, delete_files: bool) -> Iterator[reading.LoadEvent]:
        """Progress of reading the bucket. Raises NotFound now, before the first event."""
        ref = self._ref(bucket_id)
        return reading.load(ref, reading.open_bucket(ref), delete_files=delete_files)

    def text(self, bucket_id: str) -> str:
        return reading.bucket_text(self._ref(bucket_id))

    def media_data_uri(self, bucket_id: str, name: str, max_bytes: int) -> tuple[str, str]:
        return reading.media_data_uri(self._ref(bucket_id), name, max_bytes)


