"""The portable archive of one deployment's data: every table record and every stored file.

A tar file (gzip), written in one pass and checked whole before anything is imported:

    records.jsonl     every item of the table, DynamoDB's typed JSON (binary values in base64)
    objects.jsonl     one line per file: its S3 key, member name, content type, tags, size, sha256
    objects/<n>       the files' bytes (member names are numbers: no S3 key becomes a path)
    manifest.json     written last: format, version, counts, and the sha256 of every member

A truncated archive has no manifest (or a short member), a tampered one a wrong checksum, and
one from a newer lambdachat a higher version: each is refused before the first write.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

FORMAT = "lambdachat-data"
VERSION = 1
MANIFEST, RECORDS, OBJECTS = "manifest.json", "records.jsonl", "objects.jsonl"


class ArchiveRefused(Exception):
    """The archive cannot be imported; its message says why, and nothing was written."""


def encode_item(item: dict[str, Any]) -> dict[str, Any]:
    """A low-level DynamoDB item as JSON: bytes (B, BS) become base64, the rest is JSON already."""
    return {name: _encode_value(value) for name, value in item.items()}


def _encode_value(value: dict[str, Any]) -> dict[str, Any]:
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(v).decode() for v in inner]}
    if kind == "M":
        return {"M": encode_item(inner)}
    if kind == "L":
        return {"L": [_encode_value(v) for v in inner]}
    return value


def decode_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _decode_value(value) for name, value in item.items()}


def _decode_value(value: dict[str, Any]) -> dict[str, Any]:
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(v) for v in inner]}
    if kind == "M":
        return {"M": decode_item(inner)}
    if kind == "L":
        return {"L": [_decode_value(v) for v in inner]}
    return value


class _Hashing(io.RawIOBase):
    """Reads through to `source` and hashes what passes (a file goes into the tar unbuffered)."""

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.sha256.update(data)
        return bytes(data)


@dataclass
class ArchiveWriter:
    """Writes members in order; `close` adds the manifest that vouches for them."""

    tar: tarfile.TarFile
    source: dict[str, str]
    sums: dict[str, str] = field(default_factory=dict)
    objects: list[dict[str, Any]] = field(default_factory=list)
    records: int = 0

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime = len(data), int(time.time())
        self.tar.addfile(info, io.BytesIO(data))
        self.sums[name] = hashlib.sha256(data).hexdigest()

    def add_records(self, items: Iterator[dict[str, Any]]) -> None:
        lines = []
        for item in items:
            lines.append(json.dumps(encode_item(item), separators=(",", ":"), sort_keys=True))
            self.records += 1
        self.add_bytes(RECORDS, ("\n".join(lines) + "\n" if lines else "").encode())

    def add_object(self, key: str, body: IO[bytes], size: int, content_type: str | None,
                   tagging: str | None = None) -> None:
        member = f"objects/{len(self.objects)}"
        info = tarfile.TarInfo(member)
        info.size, info.mtime = size, int(time.time())
        hashing = _Hashing(body)
        self.tar.addfile(info, hashing)
        digest = hashing.sha256.hexdigest()
        self.sums[member] = digest
        self.objects.append({"key": key, "member": member, "content_type": content_type, "size": size,
                             "sha256": digest, "tagging": tagging})

    def close(self) -> None:
        self.add_bytes(OBJECTS, "".join(json.dumps(o, sort_keys=True) + "\n" for o in self.objects).encode())
        manifest = {"format": FORMAT, "version": VERSION, "created_at": int(time.time()), "source": self.source,
                    "records": self.records, "objects": len(self.objects), "sha256": self.sums}
        self.add_bytes(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())


def verify(path: str) -> dict[str, Any]:
    """The manifest, once every member is there with its checksum; ArchiveRefused otherwise."""
    sums: dict[str, str] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                stream = tar.extractfile(member)
                if stream is None:
                    raise ArchiveRefused(f"unexpected entry {member.name!r}")
                digest = hashlib.sha256()
                data = b""
                while chunk := stream.read(1 << 20):
                    digest.update(chunk)
                    if member.name == MANIFEST:
                        data += chunk
                sums[member.name] = digest.hexdigest()
                if member.name == MANIFEST:
                    manifest = json.loads(data)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise ArchiveRefused(f"not a whole lambdachat archive (truncated or damaged): {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveRefused("no lambdachat manifest: the archive is truncated or not a lambdachat archive")
    if not isinstance(manifest.get("version"), int) or manifest["version"] > VERSION:
        raise ArchiveRefused(f"archive format version {manifest.get('version')} is newer than this lambdachat's "
                             f"({VERSION}): upgrade lambdachat to import it")
    expected = manifest.get("sha256") or {}
    sums.pop(MANIFEST, None)
    if set(sums) != set(expected):
        raise ArchiveRefused("the archive's members differ from its manifest (truncated or tampered with)")
    for name, found in sums.items():
        if expected[name] != found:
            raise ArchiveRefused(f"checksum mismatch in {name}: the archive was altered or damaged")
    return manifest
