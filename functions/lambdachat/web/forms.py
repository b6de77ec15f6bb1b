"""Multipart bodies: a refused one says which limit it broke (413), not always "body too large".

werkzeug raises the same bare RequestEntityTooLarge for too many parts (`MAX_FORM_PARTS`), a
form field over `max_form_memory_size` and a chunked body over the request limit. Counting the
boundary delimiters and bytes the parser has read tells them apart afterwards.
"""

from __future__ import annotations

from typing import IO, Any

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from lambdachat.errors import PayloadTooLarge

MB = 1024 * 1024


class _Counted:
    """The body as the multipart parser reads it, counting bytes and boundary delimiters."""

    def __init__(self, stream: IO[bytes], boundary: bytes) -> None:
        self.stream = stream
        self.delimiter = b"--" + boundary
        self.tail = b""
        self.delimiters = 0
        self.bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.bytes += len(data)
        window = self.tail + data  # a delimiter split across two reads is counted once, here
        self.delimiters += window.count(self.delimiter)
        self.tail = window[-(len(self.delimiter) - 1):] if len(self.delimiter) > 1 else b""
        return data


class _Parser(FormDataParser):
    def _parse_multipart(self, stream: IO[bytes], mimetype: str, content_length: int | None,
                         options: dict[str, str]) -> Any:
        counted = _Counted(stream, options.get("boundary", "").encode("ascii", "replace"))
        try:
            _, form, files = super()._parse_multipart(counted, mimetype, content_length, options)  # type: ignore[arg-type]
        except RequestEntityTooLarge as exc:
            raise PayloadTooLarge(self._why(counted)) from exc
        return stream, form, files

    def _why(self, counted: _Counted) -> str:
        parts = counted.delimiters - 1  # n parts have n opening delimiters and one closing one
        if self.max_form_parts is not None and parts >= self.max_form_parts:
            return f"The form has more than {self.max_form_parts} parts (files and fields together)"
        if self.max_content_length is not None and counted.bytes >= self.max_content_length:
            return f"Request body is larger than {self.max_content_length // MB} MB"
        size = self.max_form_memory_size or 0
        return f"A form field (not a file) is larger than {size // 1024} KB"


class LimitedRequest(Request):
    form_data_parser_class = _Parser
