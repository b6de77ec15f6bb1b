"""Reading a bucket: extract each document once, cache its text in S3, report progress.

`load(...)` yields what happens file by file (`Loaded`, `MediaFound`, `Failed`, then `Done`),
so the same pipeline feeds the text/plain answer, the SSE progress frames and the prompt. A
document that fails keeps an `error` state with its message; the other files still load.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace

from lambdachat.errors import NotFound, PayloadTooLarge
from lambdachat.files import layout
from lambdachat.files.archives import ExtractionError
from lambdachat.files.extract import Part, extract
from lambdachat.files.ports import BlobStore, BucketIndex, FileRecord

SPOOL_BYTES = 8 * 1024 * 1024  # a download up to this size stays in memory, bigger goes to /tmp


@dataclass(frozen=True)
class Loaded:
    name: str
    text: str        # fenced: ```<name>\n...\n```\n\n, ready to join
    total: int       # bytes of text loaded so far in this read


@dataclass(frozen=True)
class MediaFound:
    name: str


@dataclass(frozen=True)
class Failed:
    name: str
    message: str


@dataclass(frozen=True)
class Done:
    total: int


LoadEvent = Loaded | MediaFound | Failed | Done


@dataclass(frozen=True)
class BucketRef:
    """One principal's bucket and the storage it lives in."""

    store: BlobStore
    index: BucketIndex
    who: str
    bucket_id: str

    def doc_key(self, name: str) -> str:
        return layout.doc_key(self.who, self.bucket_id, name)

    def text_key(self, name: str) -> str:
        return layout.text_key(self.who, self.bucket_id, name)

    def save(self, record: FileRecord) -> FileRecord:
        self.index.put_file(self.who, self.bucket_id, record)
        return record


def fence(parts: list[Part]) -> str:
    return "".join(f"```{p.name}\n{p.text}\n```\n\n" for p in parts)


def open_bucket(ref: BucketRef) -> list[FileRecord]:
    """The bucket's file records; 404 when this principal has no bucket of that id."""
    layout.check_bucket_id(ref.bucket_id)
    if not ref.index.exists(ref.who, ref.bucket_id):
        raise NotFound("Bucket not found")
    return ref.index.files(ref.who, ref.bucket_id)


def extract_document(ref: BucketRef, record: FileRecord, *, delete_original: bool
                     ) -> tuple[FileRecord, str | None]:
    """Extract one stored document into the text cache; its record ends `ready` or `error`."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        if not ref.store.download(ref.doc_key(record.name), spool):
            gone = f"{record.name}: the uploaded file is gone"
            return ref.save(replace(record, state="error", error=gone)), None
        try:
            text = fence(extract(spool, record.name))
        except ExtractionError as exc:
            return ref.save(replace(record, state="error", error=str(exc))), None
    ref.store.put_text(ref.text_key(record.name), text)
    done = ref.save(replace(record, state="ready", error=None))
    if delete_original:
        ref.store.delete([ref.doc_key(record.name)])
    return done, text


def _document_text(ref: BucketRef, record: FileRecord, delete_files: bool) -> tuple[str | None, str | None]:
    """(text, error message) of one document, from the cache when it has been read before."""
    if record.state == "error":
        return None, record.error or f"{record.name}: could not be read"
    if record.state == "ready":
        cached = ref.store.get_text(ref.text_key(record.name))
        if cached is not None:
            return cached, None
    done, text = extract_document(ref, record, delete_original=delete_files)
    return text, done.error


def load(ref: BucketRef, records: list[FileRecord], *, delete_files: bool) -> Iterator[LoadEvent]:
    total = 0
    for record in records:
        if record.kind != "document" or record.state == "uploading":
            continue  # an upload not yet completed is not part of the text
        text, error = _document_text(ref, record, delete_files)
        if text is None:
            yield Failed(record.name, error or "unreadable")
            continue
        total += len(text.encode())
        yield Loaded(record.name, text, total)
    for record in records:
        if record.kind == "media" and record.state == "ready":
            yield MediaFound(record.name)
    yield Done(total)


def bucket_text(ref: BucketRef) -> str:
    """What a `{"bucket_id"}` message part puts into the prompt (extracting first if needed)."""
    events = load(ref, open_bucket(ref), delete_files=False)
    return "".join(e.text for e in events if isinstance(e, Loaded))


def media_data_uri(ref: BucketRef, name: str, max_bytes: int) -> tuple[str, str]:
    """(content type, data URI) of one media file of a bucket, for a vision model."""
    open_bucket(ref)
    name = layout.check_filename(name)
    record = ref.index.get_file(ref.who, ref.bucket_id, name)
    if record is None or record.kind != "media" or record.state != "ready":
        raise NotFound(f"Bucket media not found: {name}")
    try:
        data = ref.store.get_bytes(layout.media_key(ref.who, ref.bucket_id, name), max_bytes)
    except ValueError as exc:
        raise PayloadTooLarge(f"{name} is too large to send to a model") from exc
    if data is None:
        raise NotFound(f"Bucket media not found: {name}")
    content_type = layout.media_type(name)
    return content_type, f"data:{content_type};base64,{base64.b64encode(data).decode()}"
