"""Keep what providers generate: copy each media URL into S3 and point the answer at our copy.

Provider URLs expire (often within an hour), so a conversation kept in the browser would show
broken images later. With `download_media` on (the default), the conversation stream calls a
`MediaKeeper` for each `Media` event. A URL that cannot be copied (not http(s) is left alone
silently; refused, too big, too slow, not media, storage down) keeps its original URL and the
answer gets a `message` event saying why: losing the copy must never lose the answer.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable

from lambdachat.config import MB, Settings, get_settings
from lambdachat.files.layout import MEDIA_TYPES, extension
from lambdachat.media.fetch import FetchPolicy, FetchRefused, fetch
from lambdachat.media.store import ObjectStore
from lambdachat.netguard import upstream_policy
from lambdachat.observability import logger
from lambdachat.providers.base import Media, Notice, ProviderEvent
from lambdachat.storage import keys
from lambdachat.storage.keys import owner_tag  # generated media's name for the principal

# Private hosts: lambdachat.netguard.upstream_policy (LAMBDACHAT_ALLOW_PRIVATE_UPSTREAMS).
NOTICE_KIND = "MediaNotSaved"

_TYPE_EXTENSIONS = {content_type: ext for ext, content_type in reversed(MEDIA_TYPES.items())}
_TYPE_EXTENSIONS.update({"image/jpg": "jpg", "audio/x-wav": "wav", "audio/wave": "wav", "audio/mp3": "mp3",
                         "audio/x-flac": "flac", "audio/x-m4a": "m4a"})
_GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
_SLUG = re.compile(r"[^a-z0-9]+")
_OWNER = re.compile(r"^[0-9a-f]{16}$")


def is_owner_tag(value: str) -> bool:
    return bool(_OWNER.match(value))


def media_key(owner: str, name: str) -> str:
    return keys.generated_media(owner, name)


def public_url(owner: str, name: str) -> str:
    return f"/media/{owner}/{name}"


def new_name(alt: str, ext: str) -> str:
    """`<unix>_<alt words>_<64 random bits>.<ext>`: sortable by time, searchable by words, unguessable."""
    slug = _SLUG.sub("_", alt.lower()).strip("_")[:48].rstrip("_")
    return "_".join(p for p in (str(int(time.time())), slug, secrets.token_hex(8)) if p) + f".{ext}"


def _extension_for(content_type: str, url: str) -> str | None:
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in _TYPE_EXTENSIONS:
        return _TYPE_EXTENSIONS[mime]
    if mime in _GENERIC_TYPES:  # some CDNs label everything octet-stream: trust the path then
        ext = extension(url.split("?", 1)[0].rsplit("/", 1)[-1])
        return ext if ext in MEDIA_TYPES else None
    return None


def default_policy(settings: Settings | None = None) -> FetchPolicy:
    settings = settings or get_settings()
    return FetchPolicy(max_bytes=settings.media_fetch_max_mb * MB, timeout=float(settings.media_fetch_seconds),
                       allow_private=upstream_policy(settings).allow_private)


class MediaKeeper:
    """Called with each `Media` event; returns the events to send in its place."""

    def __init__(self, principal_id: str, store: Callable[[], ObjectStore],
                 policy: FetchPolicy | None = None) -> None:
        self.owner = owner_tag(principal_id)
        self._store_factory = store
        self._store: ObjectStore | None = None
        self._policy = policy

    def __call__(self, media: Media) -> list[ProviderEvent]:
        urls: list[str] = []
        notices: list[ProviderEvent] = []
        for url in media.urls:
            if not url.lower().startswith(("http://", "https://")):
                urls.append(url)  # data: URIs and our own /media/ paths need no copy
                continue
            try:
                urls.append(self._copy(url, media.alt))
            except FetchRefused as exc:
                urls.append(url)
                notices.append(Notice(NOTICE_KIND, f"kept the provider's link, {exc}: {url[:200]}"))
            except Exception as exc:  # storage trouble must not cost the user the answer
                logger.exception("storing generated media failed")
                urls.append(url)
                notices.append(Notice(NOTICE_KIND, f"kept the provider's link, storing failed "
                                                   f"({type(exc).__name__}): {url[:200]}"))
        return [Media(tuple(urls), media.alt), *notices]

    def _copy(self, url: str, alt: str) -> str:
        fetched = fetch(url, self._policy or default_policy())
        ext = _extension_for(fetched.content_type, fetched.url)
        if ext is None:
            raise FetchRefused(f"not an image, audio or video file ({fetched.content_type or 'no type'})")
        if self._store is None:
            self._store = self._store_factory()
        name = new_name(alt, ext)
        self._store.put(media_key(self.owner, name), fetched.data, MEDIA_TYPES[ext])
        return public_url(self.owner, name)
