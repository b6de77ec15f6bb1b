"""Where uploaded cookie and key files live: per principal, in S3, encrypted at rest.

    principals/<principal>/cookies/<filename>                 the file as uploaded
    principals/<principal>/credentials/<filename>.json        what it holds (keys, cookies)

Only the second is read when a provider is called, so a 5 MB HAR is parsed once, at upload.
`<principal>` is built by `files.layout.principal_segment`, `<filename>` by `clean_filename`.
"""

from __future__ import annotations

import threading
from typing import Protocol

from lambdachat.credentials.formats import Extract
from lambdachat.files.layout import principal_segment
from lambdachat.storage import aws
from lambdachat.storage.resources import FILES_BUCKET


class UploadStore(Protocol):
    def names(self, principal_id: str) -> set[str]: ...

    def save(self, principal_id: str, filename: str, raw: bytes, extract: Extract) -> None: ...

    def extracts(self, principal_id: str) -> list[Extract]:
        """Every upload's extract, oldest first (a later upload wins a conflict)."""


class InMemoryUploadStore:
    def __init__(self) -> None:
        self._files: dict[str, dict[str, tuple[bytes, Extract]]] = {}
        self._lock = threading.Lock()

    def names(self, principal_id: str) -> set[str]:
        with self._lock:
            return set(self._files.get(principal_id, {}))

    def save(self, principal_id: str, filename: str, raw: bytes, extract: Extract) -> None:
        with self._lock:
            files = self._files.setdefault(principal_id, {})
            files.pop(filename, None)    # re-inserted last: dicts keep upload order
            files[filename] = (raw, extract)

    def extracts(self, principal_id: str) -> list[Extract]:
        with self._lock:
            return [extract for _, extract in self._files.get(principal_id, {}).values()]

    def raw(self, principal_id: str, filename: str) -> bytes:
        return self._files[principal_id][filename][0]


def _prefix(principal_id: str, part: str) -> str:
    return f"principals/{principal_segment(principal_id)}/{part}/"


class S3UploadStore:
    def _keys(self, principal_id: str) -> list[str]:
        s3 = aws.client("s3")
        prefix = _prefix(principal_id, "credentials")
        return [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
                    Bucket=FILES_BUCKET.name, Prefix=prefix) for o in page.get("Contents", [])]

    def names(self, principal_id: str) -> set[str]:
        prefix = _prefix(principal_id, "credentials")
        return {key[len(prefix):].removesuffix(".json") for key in self._keys(principal_id)}

    def save(self, principal_id: str, filename: str, raw: bytes, extract: Extract) -> None:
        s3 = aws.client("s3")
        bucket = FILES_BUCKET.name
        # The raw file first: the extract is what makes an upload count, so it is written last.
        s3.put_object(Bucket=bucket, Key=_prefix(principal_id, "cookies") + filename, Body=raw,
                      ServerSideEncryption="AES256")
        s3.put_object(Bucket=bucket, Key=_prefix(principal_id, "credentials") + filename + ".json",
                      Body=extract.to_json(), ContentType="application/json", ServerSideEncryption="AES256")

    def extracts(self, principal_id: str) -> list[Extract]:
        s3 = aws.client("s3")
        found = [Extract.from_json(s3.get_object(Bucket=FILES_BUCKET.name, Key=key)["Body"].read())
                 for key in self._keys(principal_id)]
        return sorted(found, key=lambda extract: extract.uploaded_at)
