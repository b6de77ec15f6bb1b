"""An append-only log of records, each on disk (fsynced) before its writer goes on.

The local store appends one record per mutating request and answers only after `append`
returned, so an answered write survives a kill -9 of any process. A record is
`length | crc32 | meta length | meta (JSON) | body`; a kill in the middle of an append leaves a
torn last record, which `read_records` stops at (it was never answered). Appends are serialised
by the caller (the store holds one lock around every request), so only the last record can be torn.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

_HEADER = struct.Struct(">III")  # total length (meta + body), crc32 of meta + body, meta length


@dataclass(frozen=True)
class Record:
    meta: dict[str, Any]
    body: bytes


class WriteAheadLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO = open(path, "ab")  # noqa: SIM115 - held open for the store's life
        self.size = self._file.tell()

    def append(self, meta: dict[str, Any], body: bytes) -> None:
        encoded = json.dumps(meta, separators=(",", ":")).encode()
        payload = encoded + body
        self._file.write(_HEADER.pack(len(payload), zlib.crc32(payload), len(encoded)) + payload)
        self._file.flush()
        os.fsync(self._file.fileno())
        self.size += _HEADER.size + len(payload)

    def close(self) -> None:
        self._file.close()


def read_records(path: Path) -> Iterator[Record]:
    """Every whole record in order; stops at the first torn or corrupt one (an unanswered write)."""
    with open(path, "rb") as log:
        while True:
            header = log.read(_HEADER.size)
            if len(header) < _HEADER.size:
                return
            length, crc, meta_length = _HEADER.unpack(header)
            payload = log.read(length)
            if len(payload) < length or zlib.crc32(payload) != crc or meta_length > length:
                return
            yield Record(json.loads(payload[:meta_length]), payload[meta_length:])


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
