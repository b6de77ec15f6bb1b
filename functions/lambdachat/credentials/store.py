"""Where uploaded cookie and key files live: per principal, in S3, encrypted at rest.

    principals/<principal>/cookies/<filename>                 the file as uploaded
    principals/<principal>/credentials/<filename>.json        what it holds (keys, cookies)

Only the second is read when a provider is called, so a 5 MB HAR is parsed once, at upload.
Key shapes: `lambdachat.storage.keys.uploads_prefix`; `<filename>` is `files.layout.clean_filename`'s.
"""

from __future__ import annotations

import threading
from typing import Protocol

from lambdachat.credentials.formats import Extract
from lambdachat.storage import keys
from lambdachat.storage.s3 import S3Store


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


class S3UploadStore:
    """Through the one S3 adapter; both objects ask for SSE-S3 explicitly (they hold secrets)."""

    def __init__(self, objects: S3Store | None = None) -> None:
        self._objects = objects

    @property
    def objects(self) -> S3Store:
        if self._objects is None:
            self._objects = S3Store()
        return self._objects

    def _keys(self, principal_id: str) -> list[str]:
        return self.objects.list_keys(keys.uploads_prefix(principal_id, "credentials"))

    def names(self, principal_id: str) -> set[str]:
        prefix = keys.uploads_prefix(principal_id, "credentials")
        return {key[len(prefix):].removesuffix(".json") for key in self._keys(principal_id)}

    def save(self, principal_id: str, filename: str, raw: bytes, extract: Extract) -> None:
        # The raw file first: the extract is what makes an upload count, so it is written last.
        self.objects.put(keys.uploads_prefix(principal_id, "cookies") + filename, raw, None, encrypt=True)
        self.objects.put(keys.uploads_prefix(principal_id, "credentials") + filename + ".json",
                         extract.to_json(), "application/json", encrypt=True)

    def extracts(self, principal_id: str) -> list[Extract]:
        found = [self.objects.read(key) for key in self._keys(principal_id)]
        # (None: removed between the listing and the read, so there is nothing left to use.)
        return sorted((Extract.from_json(raw) for raw in found if raw is not None),
                      key=lambda extract: extract.uploaded_at)
