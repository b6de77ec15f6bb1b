"""Bucket references in a conversation's messages, replaced by what they stand for.

- a part `{"bucket_id": id}` (or `{"bucket_id", "url"}`): the bucket's extracted text;
- a part `{"bucket_id", "url", "name"}`: that media file; an image becomes an `image_url`
  part with a data URI (vision models), other media a short note;
- V1 clients append `{"bucket_id":"<id>"}` to a message's *text*; that JSON is replaced too.

An unknown bucket, or another principal's, raises NotFound while the prompt is built, so the
conversation answers 404 before anything is streamed.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from lambdachat.files import layout
from lambdachat.files.limits import MAX_IMAGE_BYTES

V1_MARKER = re.compile(r'\{\s*"bucket_id"\s*:\s*"([^"]*)"\s*\}')


class BucketSource(Protocol):
    def text(self, bucket_id: str) -> str: ...

    def media_data_uri(self, bucket_id: str, name: str, max_bytes: int) -> tuple[str, str]: ...


class _Memo:
    """Each bucket is read once per prompt, however often the history mentions it."""

    def __init__(self, source: BucketSource) -> None:
        self.source = source
        self.texts: dict[str, str] = {}

    def text(self, bucket_id: str) -> str:
        if bucket_id not in self.texts:
            self.texts[bucket_id] = self.source.text(bucket_id)
        return self.texts[bucket_id]


def _part(part: dict[str, Any], memo: _Memo) -> dict[str, Any]:
    bucket_id = str(part["bucket_id"])
    name = part.get("name")
    if not name:
        return {"type": "text", "text": memo.text(bucket_id)}
    name = layout.clean_filename(str(name))
    if layout.kind_of(name) != "media":
        return {"type": "text", "text": memo.text(bucket_id)}
    content_type, uri = memo.source.media_data_uri(bucket_id, name, MAX_IMAGE_BYTES)
    if content_type.startswith("image/"):
        return {"type": "image_url", "image_url": {"url": uri}}
    return {"type": "text", "text": f"[attached {content_type.split('/')[0]} file: {name}]"}


def mentions_bucket(messages: list[dict[str, Any]]) -> bool:
    for message in messages:
        content = message.get("content")
        if isinstance(content, str) and V1_MARKER.search(content):
            return True
        if isinstance(content, list) and any(isinstance(p, dict) and "bucket_id" in p for p in content):
            return True
    return False


def expand_buckets(messages: list[dict[str, Any]], source: BucketSource) -> list[dict[str, Any]]:
    memo = _Memo(source)
    out = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            content = V1_MARKER.sub(lambda m: memo.text(m.group(1)), content)
        elif isinstance(content, list):
            content = [_part(p, memo) if isinstance(p, dict) and "bucket_id" in p else p for p in content]
        out.append({**message, "content": content})
    return out
