"""How a stored media file reaches the browser: its bytes streamed by us, or a 302 to S3.

Measured through the local server (`bench/media_serving.py`, median of 15 fresh-connection
downloads): with the embedded S3 on the same machine, the redirect was quicker at every size
(64 KB 13 vs 15 ms, 1 MB 16 vs 21 ms, 4 MB 18 vs 28 ms, 16 MB 35 vs 62 ms) and neither grew
the server's memory. Locally we still stream by default: the embedded S3 listens on 127.0.0.1
only, so a redirect breaks for a phone on the LAN, and the difference is a few milliseconds.
In the cloud a redirect costs the browser a new connection to another host, which a small
image does not repay, while a big file must not pass through the function at all (a buffered
Lambda response stops at 6 MB, ~4.4 MB of media once base64-encoded, and every byte is
billed Lambda time). So `auto` streams files up to `LAMBDACHAT_MEDIA_STREAM_MAX_MB` (cloud
default 4) and redirects larger ones to a presigned GET that lives `LAMBDACHAT_MEDIA_URL_SECONDS`.

Headers, either way: the type comes from the extension (never from stored metadata), images
are inline and everything else an attachment (HTML and SVG therefore never render on our
origin), `X-Content-Type-Options: nosniff`, and a sandboxing CSP on what we stream ourselves.
A presigned GET carries the same type, disposition and caching (S3's `response-*` overrides);
S3 cannot add nosniff, but it serves from its own origin, where nothing can reach our pages.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from urllib.parse import quote

from lambdachat.config import Settings, get_settings
from lambdachat.errors import BadRequest
from lambdachat.files.layout import media_type
from lambdachat.media.store import ObjectStore
from lambdachat.storage.s3 import RangeNotSatisfiable, StoredObject

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass
class Delivery:
    status: int                                     # 200, 206, 302 or 304
    headers: dict[str, str] = field(default_factory=dict)
    body: StoredObject | None = None


def content_disposition(filename: str, content_type: str) -> str:
    kind = "inline" if content_type in INLINE_TYPES else "attachment"
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def media_headers(filename: str, cache_control: str) -> dict[str, str]:
    content_type = media_type(filename)
    return {"Content-Type": content_type,
            "Content-Disposition": content_disposition(filename, content_type),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": cache_control}


def _total_size(found: StoredObject) -> int:
    if found.content_range and "/" in found.content_range:
        total = found.content_range.rsplit("/", 1)[1]
        if total.isdigit():
            return int(total)
    return found.size


def deliver(store: ObjectStore, key: str, filename: str, *, byte_range: str | None = None,
            if_none_match: str | None = None, cache_control: str = "private, max-age=3600",
            settings: Settings | None = None) -> Delivery:
    """Open `key` and decide: stream it (200/206/304) or redirect to a presigned GET (302).

    `Settings.media_serve` picks the way, `media_stream_max_bytes` the size above which `auto`
    redirects (Lambda's 6 MB buffered limit, base64 included, in cloud mode; none locally)."""
    settings = settings or get_settings()
    if byte_range is not None and len(byte_range) > 200:
        raise BadRequest("Range header too long")
    headers = media_headers(filename, cache_control)
    mode = settings.media_serve
    if mode == "presign":
        # One byte, so a missing key is our JSON 404 rather than S3's XML; an empty file answers
        # that probe with a 416 but exists all the same.
        with contextlib.suppress(RangeNotSatisfiable):
            store.open(key, byte_range="bytes=0-0").discard()
        return _redirect(store, key, headers, settings.media_url_seconds)
    found = store.open(key, byte_range=byte_range, if_none_match=if_none_match)
    if mode == "auto" and not found.not_modified and _total_size(found) > settings.media_stream_max_bytes:
        found.discard()
        return _redirect(store, key, headers, settings.media_url_seconds)
    if found.etag:
        headers["ETag"] = found.etag
    if found.not_modified:
        return Delivery(304, {k: v for k, v in headers.items() if k in {"ETag", "Cache-Control"}})
    headers.update({"Content-Length": str(found.size), "Accept-Ranges": "bytes",
                    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"})
    if found.content_range:
        headers["Content-Range"] = found.content_range
    return Delivery(206 if found.content_range else 200, headers, found)


def _redirect(store: ObjectStore, key: str, headers: dict[str, str], seconds: int) -> Delivery:
    url = store.presign(key, content_type=headers["Content-Type"],
                        disposition=headers["Content-Disposition"],
                        cache_control=headers["Cache-Control"], seconds=seconds)
    # The redirect itself must not outlive the URL it points to.
    return Delivery(302, {"Location": url, "Cache-Control": "private, no-store",
                          "X-Content-Type-Options": "nosniff"})
